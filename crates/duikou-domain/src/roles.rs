//! Who may do what: the roles table of the domain, as functions every interface calls.

use serde::{Deserialize, Serialize};

use crate::record::{FieldLookup, Status, Value};
use crate::schema::{BuiltinKind, RecordKind};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Coordinator,
    Reporter,
    Receiver,
    Viewer,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Coordinator,
        Role::Reporter,
        Role::Receiver,
        Role::Viewer,
        Role::Auditor,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Reporter => "reporter",
            Role::Receiver => "receiver",
            Role::Viewer => "viewer",
            Role::Auditor => "auditor",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::Coordinator => "统筹协调",
            Role::Reporter => "填报单位",
            Role::Receiver => "受援县区",
            Role::Viewer => "领导查阅",
            Role::Auditor => "审计监督",
        }
    }
    pub fn from_key(s: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.key() == s.trim() || r.label_zh() == s.trim())
    }
    /// Roles that act for one unit and must have one.
    pub fn needs_unit(self) -> bool {
        matches!(self, Role::Reporter | Role::Receiver)
    }
}

/// The signed-in person as the rules see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub username: String,
    pub role: Role,
    pub unit: Option<String>,
}

/// The facts about a record the rules look at.
pub struct RecordFacts<'a> {
    pub kind: RecordKind,
    pub status: Status,
    pub reporting_unit: &'a str,
    pub fields: &'a (dyn FieldLookup + Sync),
}

impl RecordFacts<'_> {
    fn field_is(&self, key: &str, unit: &str) -> bool {
        self.fields
            .field(key)
            .is_some_and(|v| v.units().iter().any(|u| u == unit))
    }
    /// The record names `unit` in a unit field but was reported by another unit.
    fn names_other(&self, unit: &str) -> bool {
        self.reporting_unit != unit
            && named_unit_fields(self.kind)
                .iter()
                .any(|f| self.field_is(f, unit))
    }
    fn concerns_county(&self, county: &str) -> bool {
        self.kind
            .county_fields()
            .iter()
            .any(|f| self.field_is(f, county))
    }
}

/// Every field naming a unit a record's figures may count for (payer and payee, the
/// organisers, the sending and receiving unit, the counties…): the kind's unit fields.
pub fn named_unit_fields(kind: RecordKind) -> Vec<&'static str> {
    kind.unit_fields().map(|f| f.key).collect()
}

/// The units a record names besides its reporting unit, each once: who sees it
/// read-only and may dispute it (what storage indexes in `record_named_unit`).
pub fn named_units(
    kind: RecordKind,
    reporting_unit: &str,
    fields: &dyn FieldLookup,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in named_unit_fields(kind) {
        for u in fields.field(f).map_or(&[][..], Value::units) {
            if u != reporting_unit && !out.contains(u) {
                out.push(u.clone());
            }
        }
    }
    out
}

/// The county a record concerns, if one of its county fields names a county of the plan.
pub fn concerned_county(
    kind: RecordKind,
    fields: &BTreeMap<String, Value>,
    is_county: impl Fn(&str) -> bool,
) -> Option<String> {
    kind.county_fields()
        .iter()
        .filter_map(|f| fields.get(*f))
        .flat_map(|v| v.units().iter())
        .find(|u| is_county(u))
        .cloned()
}

/// Fields one of which must name the reporter's own unit ([`Actor::own_unit_rule`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnUnitRule {
    pub unit: String,
    pub fields: Vec<&'static str>,
}

/// What a form offers in a unit field ([`Actor::unit_choice`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitChoice {
    /// Any unit the field admits.
    Any,
    /// Only this unit (the actor's own).
    Only(String),
    /// Several units, this one among them (organisers).
    Including(String),
}

impl Actor {
    fn own(&self, unit: &str) -> bool {
        self.unit.as_deref() == Some(unit)
    }

    /// Whether the role's record reading extends to this kind. Leaders need the
    /// figures, not the names and 建档立卡 status of registered poor people: person lists
    /// are for the roles that report, review or audit them (the figures still count them).
    /// (Administrators read no records of any kind: `can_read`, `Services::scoped_query`.)
    pub fn can_list_kind(&self, kind: RecordKind) -> bool {
        self.role != Role::Viewer || !kind.is(BuiltinKind::Person)
    }

    pub fn can_read(&self, r: &RecordFacts<'_>) -> bool {
        match self.role {
            Role::Coordinator | Role::Auditor => true,
            Role::Viewer => r.status == Status::Approved && self.can_list_kind(r.kind),
            Role::Reporter => self.own(r.reporting_unit) || self.named_may_see(r),
            Role::Receiver => {
                self.own(r.reporting_unit)
                    // A town's draft is still its own: the county sees it once submitted.
                    || (r.status != Status::Draft
                        && self.unit.as_deref().is_some_and(|c| r.concerns_county(c)))
                    || self.named_may_see(r)
            }
            Role::Admin => false,
        }
    }

    /// A unit the record names but that did not report it (a co-organiser, the
    /// sending or receiving unit…): the record may count for its figures.
    pub fn is_named_in(&self, r: &RecordFacts<'_>) -> bool {
        matches!(self.role, Role::Reporter | Role::Receiver)
            && self.unit.as_deref().is_some_and(|u| r.names_other(u))
    }

    /// A named unit reads the record once it left its reporter's drafts (read-only:
    /// `can_edit` looks at the reporting unit alone).
    fn named_may_see(&self, r: &RecordFacts<'_>) -> bool {
        r.status != Status::Draft && self.is_named_in(r)
    }

    /// 退回复核: a named unit may send the record back into review (the record's state
    /// is checked apart: 409).
    pub fn can_dispute(&self, r: &RecordFacts<'_>) -> bool {
        self.named_may_see(r)
    }

    /// A receiving county reports its projects and the records of a plan's own kind whose
    /// unit field is on its side; the assisting side reports everything else.
    pub fn may_report_kind(&self, kind: RecordKind) -> bool {
        match self.role {
            Role::Coordinator | Role::Reporter => true,
            Role::Receiver => {
                kind.is(BuiltinKind::Project)
                    || (kind.builtin().is_none()
                        && kind
                            .own_unit_field()
                            .and_then(|f| kind.field(f))
                            .is_some_and(|f| {
                                matches!(
                                    f.ty,
                                    // A field any unit may hold (a progress
                                    // report's 责任单位) is the county's own too.
                                    crate::schema::FieldType::Unit(
                                        crate::schema::UnitRule::West
                                            | crate::schema::UnitRule::County
                                            | crate::schema::UnitRule::Any
                                    ) | crate::schema::FieldType::Units(
                                        crate::schema::UnitRule::West
                                            | crate::schema::UnitRule::County
                                            | crate::schema::UnitRule::Any
                                    )
                                )
                            }))
            }
            _ => false,
        }
    }

    /// May create records of this kind for this reporting unit.
    pub fn can_create(&self, kind: RecordKind, reporting_unit: &str) -> bool {
        match self.role {
            Role::Coordinator => true,
            Role::Reporter => self.own(reporting_unit),
            Role::Receiver => self.may_report_kind(kind) && self.own(reporting_unit),
            _ => false,
        }
    }

    /// May change content or delete (the record's state is checked apart: 409).
    pub fn can_edit(&self, r: &RecordFacts<'_>) -> bool {
        match self.role {
            Role::Coordinator => true,
            Role::Reporter => self.own(r.reporting_unit),
            Role::Receiver => r.kind.is(BuiltinKind::Project) && self.own(r.reporting_unit),
            _ => false,
        }
    }

    /// The rule tying a unit-bound reporter's record to its own unit: one of these
    /// fields (the kind's own-unit field: payer, organisers, from-unit, east town, project
    /// county…; a secondment's receiving unit too) must name it, or the figure would
    /// count for another unit. None for roles that report for any unit, and for kinds
    /// without such a field.
    ///
    /// The one source of both the forms' choices ([`Actor::unit_choice`]) and the check
    /// of what is saved ([`Actor::names_own_unit`]).
    pub fn own_unit_rule(&self, kind: RecordKind) -> Option<OwnUnitRule> {
        if !matches!(self.role, Role::Reporter | Role::Receiver) {
            return None;
        }
        let mut fields: Vec<&'static str> = kind.own_unit_field().into_iter().collect();
        if kind.is(BuiltinKind::Secondment) {
            fields.push("to_unit");
        }
        if fields.is_empty() {
            return None;
        }
        Some(OwnUnitRule {
            unit: self.unit.clone().unwrap_or_default(),
            fields,
        })
    }

    /// What this actor may choose in a unit field of a record it reports (`reporting_unit`
    /// included): its own unit alone where the field must be its own, any unit where the
    /// own unit may sit in either of two fields (a secondment's sending or receiving unit)
    /// or beside others (an activity's organisers: the own unit among them).
    pub fn unit_choice(&self, kind: RecordKind, field: &str) -> UnitChoice {
        if !matches!(self.role, Role::Reporter | Role::Receiver) {
            return UnitChoice::Any;
        }
        let own = self.unit.clone().unwrap_or_default();
        if field == "reporting_unit" {
            return UnitChoice::Only(own);
        }
        match self.own_unit_rule(kind) {
            Some(rule) if rule.fields == [field] => {
                if kind
                    .field(field)
                    .is_some_and(|f| matches!(f.ty, crate::schema::FieldType::Units(_)))
                {
                    UnitChoice::Including(own)
                } else {
                    UnitChoice::Only(own)
                }
            }
            _ => UnitChoice::Any,
        }
    }

    /// A unit-bound reporter may only report what its own unit did: every field it must
    /// hold its own unit in holds it ([`Actor::unit_choice`]), and at least one field of
    /// [`Actor::own_unit_rule`] names it.
    pub fn names_own_unit(&self, kind: RecordKind, fields: &BTreeMap<&'static str, Value>) -> bool {
        if !matches!(self.role, Role::Reporter | Role::Receiver) {
            return true;
        }
        let Some(rule) = self.own_unit_rule(kind) else {
            return self.unit.is_some();
        };
        if rule.unit.is_empty() {
            return false;
        }
        let names = |k: &str| {
            fields
                .get(k)
                .is_some_and(|v| v.units().contains(&rule.unit))
        };
        let each_field_allowed = rule.fields.iter().all(|k| match self.unit_choice(kind, k) {
            UnitChoice::Only(u) => fields
                .get(k)
                .is_none_or(|v| v.units().iter().all(|x| *x == u)),
            UnitChoice::Including(_) | UnitChoice::Any => true,
        });
        each_field_allowed && rule.fields.iter().any(|k| names(k))
    }

    /// Take a submitted record back to draft (撤回): the reporting unit, before anyone
    /// has acted on it (`record::may_withdraw`, the record's state, is checked apart: 409).
    /// Coordinators return records with a reason instead (reject).
    pub fn can_withdraw(&self, r: &RecordFacts<'_>) -> bool {
        matches!(self.role, Role::Reporter | Role::Receiver) && self.can_submit(r)
    }

    pub fn can_submit(&self, r: &RecordFacts<'_>) -> bool {
        self.can_edit(r)
    }

    pub fn can_review(&self) -> bool {
        self.role == Role::Coordinator
    }

    /// Confirm receipt of a transfer: only the payee county.
    pub fn can_confirm(&self, r: &RecordFacts<'_>) -> bool {
        self.role == Role::Receiver
            && r.kind.is(BuiltinKind::Transfer)
            && self.unit.as_deref().is_some_and(|u| r.field_is("payee", u))
    }

    /// Attach evidence: whoever may change the record (its unit, a coordinator) or, for a
    /// transfer, its payee county (receipt vouchers); never once approved, when the
    /// figure it backs has been judged.
    pub fn can_attach_evidence(&self, r: &RecordFacts<'_>) -> bool {
        r.status != Status::Approved && (self.can_edit(r) || self.can_confirm(r))
    }

    /// See ID numbers unmasked (each such read is audited).
    pub fn can_unmask(&self, r: &RecordFacts<'_>) -> bool {
        match self.role {
            Role::Coordinator => true,
            Role::Reporter => self.own(r.reporting_unit),
            _ => false,
        }
    }

    /// Who may look records up by a full ID number: the roles that see person lists
    /// (`can_list_kind`), not leaders or administrators. The number is matched through
    /// its blind index, and what it finds is still only what the role may read; the
    /// number shown stays masked unless `can_unmask`.
    pub fn can_search_id_numbers(&self) -> bool {
        matches!(
            self.role,
            Role::Coordinator | Role::Auditor | Role::Reporter | Role::Receiver
        )
    }

    pub fn can_assess(&self) -> bool {
        matches!(
            self.role,
            Role::Coordinator | Role::Auditor | Role::Viewer | Role::Reporter | Role::Receiver
        )
    }
    pub fn can_export(&self) -> bool {
        matches!(self.role, Role::Coordinator | Role::Auditor)
    }
    /// The figures leaders read: the monthly bulletin (its page and files) and the
    /// leader's view. Figures and unit names only, no person lists.
    pub fn can_read_leader_figures(&self) -> bool {
        matches!(self.role, Role::Coordinator | Role::Auditor | Role::Viewer)
    }
    pub fn can_read_audit(&self) -> bool {
        matches!(self.role, Role::Coordinator | Role::Auditor)
    }
    pub fn can_manage_users(&self) -> bool {
        self.role == Role::Admin
    }
    pub fn can_import(&self) -> bool {
        matches!(
            self.role,
            Role::Coordinator | Role::Reporter | Role::Receiver
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::bundled_kind;

    fn actor(role: Role, unit: Option<&str>) -> Actor {
        Actor {
            username: "x".into(),
            role,
            unit: unit.map(str::to_string),
        }
    }

    fn units(v: &[&str]) -> Value {
        Value::Units(v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn the_choices_offered_are_the_choices_accepted() {
        let town = actor(Role::Reporter, Some("清溪镇"));
        let transfer = bundled_kind(BuiltinKind::Transfer);
        let only = UnitChoice::Only("清溪镇".into());
        assert_eq!(town.unit_choice(transfer, "payer"), only);
        assert_eq!(town.unit_choice(transfer, "reporting_unit"), only);
        assert_eq!(town.unit_choice(transfer, "payee"), UnitChoice::Any);
        let activity = bundled_kind(BuiltinKind::Activity);
        assert_eq!(
            town.unit_choice(activity, "organizers"),
            UnitChoice::Including("清溪镇".into())
        );
        let secondment = bundled_kind(BuiltinKind::Secondment);
        assert_eq!(town.unit_choice(secondment, "from_unit"), UnitChoice::Any);
        assert_eq!(town.unit_choice(secondment, "to_unit"), UnitChoice::Any);
        let coordinator = actor(Role::Coordinator, None);
        assert_eq!(coordinator.unit_choice(transfer, "payer"), UnitChoice::Any);
        let county = actor(Role::Receiver, Some("镇雄县"));
        assert_eq!(
            county.unit_choice(bundled_kind(BuiltinKind::Project), "county"),
            UnitChoice::Only("镇雄县".into())
        );

        // The save is checked by the same rule.
        let with = |k: &'static str, v: Value| BTreeMap::from([(k, v)]);
        assert!(town.names_own_unit(transfer, &with("payer", units(&["清溪镇"]))));
        assert!(!town.names_own_unit(transfer, &with("payer", units(&["黄江镇"]))));
        assert!(town.names_own_unit(activity, &with("organizers", units(&["黄江镇", "清溪镇"]))));
        assert!(!town.names_own_unit(activity, &with("organizers", units(&["黄江镇"]))));
        let mut both = with("from_unit", units(&["镇雄县"]));
        assert!(!town.names_own_unit(secondment, &both));
        both.insert("to_unit", units(&["清溪镇"]));
        assert!(town.names_own_unit(secondment, &both));
        assert!(coordinator.names_own_unit(transfer, &with("payer", units(&["黄江镇"]))));
    }
}
