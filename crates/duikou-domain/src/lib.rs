//! duikou's domain: the plan, the records and the indicator engine. Pure: no I/O.

pub mod cells;
pub mod crypto;
pub mod engine;
pub mod four_eyes;
pub mod id_number;
pub mod ids;
pub mod limits;
pub mod message;
pub mod money;
pub mod plan;
pub mod plan_scale;
pub mod receipt;
pub mod record;
pub mod reminders;
pub mod roles;
pub mod schema;
pub mod target_text;
