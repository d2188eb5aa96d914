//! Table mappings. Timestamps are RFC 3339 text (UTC) so both backends store and
//! return them identically, which the audit chain's hashes rely on.

pub mod plan {
    use sea_orm::entity::prelude::*;
    #[derive(
        Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize,
    )]
    #[sea_orm(table_name = "plan")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub title: String,
        pub source: String,
        pub loaded_at: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

/// One version of a plan as loaded (`migration::PlanVersions`).
pub mod plan_version {
    use sea_orm::entity::prelude::*;
    #[derive(
        Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize,
    )]
    #[sea_orm(table_name = "plan_version")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub plan_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub version: i32,
        pub title: String,
        pub source: String,
        pub loaded_at: String,
        pub loaded_by: String,
        /// JSON: the changes from the version before (`plan::amend::Change`), `[]` first.
        pub changes: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod unit {
    use sea_orm::entity::prelude::*;
    #[derive(
        Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize,
    )]
    #[sea_orm(table_name = "unit")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        /// The plan the unit belongs to (absent in backups made before plans stood side
        /// by side: restored as the plan's).
        #[serde(default)]
        pub plan_id: String,
        pub name: String,
        pub kind: String,
        pub side: String,
        pub code: Option<String>,
        pub town_role: Option<String>,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod county_pairing {
    use sea_orm::entity::prelude::*;
    #[derive(
        Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize,
    )]
    #[sea_orm(table_name = "county_pairing")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        #[serde(default)]
        pub plan_id: String,
        pub county: String,
        pub town: String,
        pub town_role: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod app_user {
    use sea_orm::entity::prelude::*;
    #[derive(
        Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize,
    )]
    #[sea_orm(table_name = "app_user")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub username: String,
        pub role: String,
        pub unit: Option<String>,
        pub password_hash: String,
        pub must_change_password: bool,
        pub disabled: bool,
        pub failed_logins: i32,
        pub locked_until: Option<String>,
        pub created_at: String,
        pub password_changed_at: String,
        /// Where the daily digest of reminders goes (m0009); absent in older backups.
        #[serde(default)]
        pub email: Option<String>,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod session {
    use sea_orm::entity::prelude::*;
    #[derive(
        Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize,
    )]
    #[sea_orm(table_name = "session")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub token_hash: String,
        pub user_id: i32,
        pub csrf_token: String,
        pub created_at: String,
        pub expires_at: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod import_batch {
    use sea_orm::entity::prelude::*;
    #[derive(
        Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize,
    )]
    #[sea_orm(table_name = "import_batch")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[serde(default)]
        pub plan_id: String,
        pub kind: String,
        pub file_name: String,
        pub file_sha256: String,
        pub rows: i32,
        pub imported_by: String,
        pub imported_at: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod record {
    use sea_orm::entity::prelude::*;
    #[derive(
        Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize,
    )]
    #[sea_orm(table_name = "record")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The plan the record belongs to: a database may hold several periods and pairs.
        #[serde(default)]
        pub plan_id: String,
        pub kind: String,
        pub status: String,
        pub reporting_unit: String,
        pub county: Option<String>,
        pub plan_year: i32,
        pub event_date: Option<TimeDate>,
        pub data: String,
        pub notes: String,
        pub id_cipher: Option<String>,
        pub id_blind: Option<String>,
        pub id_masked: Option<String>,
        pub natural_key: Option<String>,
        pub reject_reason: Option<String>,
        pub version: i32,
        pub import_batch_id: Option<i64>,
        pub evidence_count: i32,
        pub created_by: String,
        pub created_at: String,
        pub updated_by: String,
        pub updated_at: String,
        /// Who last changed the content (create, update, import): `updated_by` also
        /// follows review transitions, which four eyes must not count as authorship.
        /// Absent in backups made before the column existed.
        #[serde(default)]
        pub edited_by: Option<String>,
        /// The day the payee confirmed receipt (ISO date, as the application's clock had
        /// it) and who: the payee's correction window counts from it (m0011). Empty for
        /// a date entered otherwise, and in older backups.
        #[serde(default)]
        pub receipt_confirmed_on: Option<String>,
        #[serde(default)]
        pub receipt_confirmed_by: Option<String>,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod evidence {
    use sea_orm::entity::prelude::*;
    #[derive(
        Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize,
    )]
    #[sea_orm(table_name = "evidence")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub record_id: i64,
        pub sha256: String,
        pub file_name: String,
        pub content_type: String,
        pub size: i64,
        pub uploaded_by: String,
        pub uploaded_at: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod audit_log {
    use sea_orm::entity::prelude::*;
    #[derive(
        Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize,
    )]
    #[sea_orm(table_name = "audit_log")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub seq: i64,
        pub at: String,
        pub actor: String,
        pub action: String,
        pub entity: String,
        pub entity_id: String,
        pub before: Option<String>,
        pub after: Option<String>,
        pub prev_hash: String,
        pub hash: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod audit_head {
    use sea_orm::entity::prelude::*;
    #[derive(
        Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize,
    )]
    #[sea_orm(table_name = "audit_head")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i32,
        pub seq: i64,
        pub hash: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

/// A notice sent to a unit and kept for its notices page (`migration::Reminders`): a 催报
/// (`kind` = `chase`) with the lines it listed (`body`: JSON `[{"zh", "en"}]`).
pub mod notice {
    use sea_orm::entity::prelude::*;
    #[derive(
        Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize,
    )]
    #[sea_orm(table_name = "notice")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub plan_id: String,
        pub unit: String,
        pub kind: String,
        pub body: String,
        pub created_at: String,
        pub created_by: String,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}
