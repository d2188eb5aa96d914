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

    /// A unit-bound reporter may only report what its own unit did: the record's unit
    /// field (payer, organisers, from/to unit, east town, project county) must name it,
    /// or the figure would count for another unit.
    pub fn names_own_unit(&self, kind: RecordKind, fields: &BTreeMap<&'static str, Value>) -> bool {
        if !matches!(self.role, Role::Reporter | Role::Receiver) {
            return true;
        }
        let Some(unit) = self.unit.as_deref() else {
            return false;
        };
        // The kind's own-unit field; a secondment is also the receiving unit's.
        let mut keys: Vec<&str> = kind.own_unit_field().into_iter().collect();
        if kind.is(BuiltinKind::Secondment) {
            keys.push("to_unit");
        }
        if keys.is_empty() {
            return true;
        }
        keys.iter().any(|k| {
            fields
                .get(k)
                .is_some_and(|v| v.units().iter().any(|u| u == unit))
        })
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
