//! Records: lists with filters and paging, forms generated from the schema, the detail
//! page with its review actions, evidence files and history. Every change goes through
//! `Services` (role, unit, state and validation rules); this module only shows.

use duikou_domain::roles::{Actor, Role};
use duikou_domain::schema::RecordKind;

mod detail;
mod edit;
mod evidence;
mod list;
mod receipt;
mod table;

pub use detail::{action, detail};
pub use edit::{create, edit_form, new_form, update};
pub use evidence::{download_evidence, upload_evidence, view_evidence};
pub use list::{index, list};

/// A kind of the plan by its key (as in `/records/{kind}`).
pub fn parse_kind(plan: &duikou_domain::plan::Plan, s: &str) -> Option<RecordKind> {
    plan.kinds().iter().copied().find(|k| k.key() == s)
}

/// May this user start a new record of this kind (the unit is checked on saving)?
pub fn may_create(actor: &Actor, kind: RecordKind) -> bool {
    match actor.role {
        Role::Coordinator | Role::Reporter => true,
        Role::Receiver => actor.may_report_kind(kind),
        _ => false,
    }
}
