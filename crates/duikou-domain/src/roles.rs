//! Who may do what: the roles table of the domain, as functions every interface calls.

use serde::{Deserialize, Serialize};

use crate::record::{FieldLookup, Status, Value};
use crate::schema::RecordKind;
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
    fn concerns_county(&self, county: &str) -> bool {
        county_field(self.kind)
            .iter()
            .any(|f| self.field_is(f, county))
    }
}

/// The fields naming the Zhaotong county a record concerns: what a receiver may see.
pub fn county_field(kind: RecordKind) -> &'static [&'static str] {
    match kind {
        RecordKind::Transfer => &["payee"],
        RecordKind::Project | RecordKind::Facility | RecordKind::Donation => &["county"],
        RecordKind::Pairing => &["west_county"],
        RecordKind::Purchase => &["origin_county"],
        RecordKind::Person => &["hukou_county"],
        RecordKind::Secondment => &["to_unit", "from_unit"],
        RecordKind::Activity => &["organizers"],
    }
}

/// The county a record concerns, if one of its county fields names a county of the plan.
pub fn concerned_county(
    kind: RecordKind,
    fields: &BTreeMap<String, Value>,
    is_county: impl Fn(&str) -> bool,
) -> Option<String> {
    county_field(kind)
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

    pub fn can_read_all_records(&self) -> bool {
        matches!(self.role, Role::Coordinator | Role::Auditor)
    }

    pub fn can_read(&self, r: &RecordFacts<'_>) -> bool {
        match self.role {
            Role::Coordinator | Role::Auditor => true,
            Role::Viewer => r.status == Status::Approved,
            Role::Reporter => self.own(r.reporting_unit),
            Role::Receiver => {
                self.own(r.reporting_unit)
                    || self.unit.as_deref().is_some_and(|c| r.concerns_county(c))
            }
            Role::Admin => false,
        }
    }

    /// May create records of this kind for this reporting unit.
    pub fn can_create(&self, kind: RecordKind, reporting_unit: &str) -> bool {
        match self.role {
            Role::Coordinator => true,
            Role::Reporter => self.own(reporting_unit),
            Role::Receiver => kind == RecordKind::Project && self.own(reporting_unit),
            _ => false,
        }
    }

    /// May change content or delete (the record's state is checked apart: 409).
    pub fn can_edit(&self, r: &RecordFacts<'_>) -> bool {
        match self.role {
            Role::Coordinator => true,
            Role::Reporter => self.own(r.reporting_unit),
            Role::Receiver => r.kind == RecordKind::Project && self.own(r.reporting_unit),
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
        let keys: &[&str] = match kind {
            RecordKind::Transfer => &["payer"],
            RecordKind::Project => &["county"],
            RecordKind::Activity => &["organizers"],
            RecordKind::Secondment => &["from_unit", "to_unit"],
            RecordKind::Pairing => &["east_town"],
            _ => return true,
        };
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
            && r.kind == RecordKind::Transfer
            && self.unit.as_deref().is_some_and(|u| r.field_is("payee", u))
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
