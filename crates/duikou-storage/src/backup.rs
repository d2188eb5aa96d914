//! A logical backup of every table, the same on both backends: rows as JSON lines,
//! read in one transaction (a consistent snapshot while the server runs), and written
//! back in one transaction into an empty database.

use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseBackend, EntityTrait, IsolationLevel,
    PaginatorTrait, QueryOrder, Statement, TransactionTrait,
};
use serde_json::Value;

use crate::entities::*;
use crate::{Store, StoreError};

/// Table names in an order that satisfies foreign keys on restore. Not among them: the
/// figures' `contribution` and `contribution_state`, derived from the records (the first
/// assessment after a restore derives them again), and sessions.
pub const TABLES: &[&str] = &[
    "plan",
    "plan_version",
    "unit",
    "county_pairing",
    "app_user",
    "import_batch",
    "record",
    "evidence",
    "audit_log",
    "audit_head",
    "notice",
];

fn custom(msg: String) -> StoreError {
    StoreError::Db(sea_orm::DbErr::Custom(msg))
}

macro_rules! dump_entity {
    ($txn:expr, $module:ident, $order:expr, $sink:expr) => {{
        let mut pages = $module::Entity::find()
            .order_by_asc($order)
            .paginate($txn, 5000);
        let mut n = 0u64;
        while let Some(rows) = pages.fetch_and_next().await? {
            for row in rows {
                $sink(serde_json::to_value(&row).map_err(|e| custom(e.to_string()))?)?;
                n += 1;
            }
        }
        n
    }};
}

macro_rules! load_entity {
    ($txn:expr, $module:ident, $rows:expr) => {{
        for row in $rows {
            let am = $module::ActiveModel::from_json(row).map_err(StoreError::Db)?;
            am.insert($txn).await?;
        }
    }};
}

impl Store {
    /// Call `sink(table, row)` for every row of every table, in one consistent snapshot.
    /// Returns the row count per table.
    pub async fn dump(
        &self,
        mut sink: impl FnMut(&str, Value) -> std::io::Result<()>,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let iso = match self.backend() {
            DatabaseBackend::Postgres => Some(IsolationLevel::RepeatableRead),
            _ => None,
        };
        let txn = self.db.begin_with_config(iso, None).await?;
        let io = |e: std::io::Error| custom(format!("backup write failed: {e}"));
        let mut counts = Vec::new();
        macro_rules! table {
            ($name:literal, $module:ident, $order:expr) => {{
                let n = dump_entity!(&txn, $module, $order, |row: Value| sink($name, row)
                    .map_err(io));
                counts.push(($name.to_string(), n));
            }};
        }
        table!("plan", plan, plan::Column::Id);
        table!("plan_version", plan_version, plan_version::Column::Version);
        table!("unit", unit, unit::Column::Id);
        table!("county_pairing", county_pairing, county_pairing::Column::Id);
        table!("app_user", app_user, app_user::Column::Id);
        table!("import_batch", import_batch, import_batch::Column::Id);
        table!("record", record, record::Column::Id);
        table!("evidence", evidence, evidence::Column::Id);
        table!("audit_log", audit_log, audit_log::Column::Seq);
        table!("audit_head", audit_head, audit_head::Column::Id);
        table!("notice", notice, notice::Column::Id);
        txn.commit().await?;
        Ok(counts)
    }

    /// Is this database free of data (a place a backup may be restored into)?
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        if !self.has_schema().await? {
            return Ok(true);
        }
        let users = app_user::Entity::find().count(&self.db).await?;
        let records = record::Entity::find().count(&self.db).await?;
        let audit = audit_log::Entity::find().count(&self.db).await?;
        Ok(users == 0 && records == 0 && audit == 0)
    }

    /// Write back the rows of a dump, table by table in `TABLES` order, in one transaction.
    pub async fn restore(
        &self,
        mut rows_of: impl FnMut(&str) -> Result<Vec<Value>, StoreError>,
    ) -> Result<(), StoreError> {
        if !self.is_empty().await? {
            return Err(custom(
                "恢复目标数据库不为空 / the database to restore into is not empty".into(),
            ));
        }
        self.migrate().await?;
        let txn = self.db.begin().await?;
        // The fresh schema carries an empty plan-less head; the backup brings its own.
        audit_head::Entity::delete_many().exec(&txn).await?;
        plan::Entity::delete_many().exec(&txn).await?;
        unit::Entity::delete_many().exec(&txn).await?;
        county_pairing::Entity::delete_many().exec(&txn).await?;
        load_entity!(&txn, plan, rows_of("plan")?);
        // A backup made before plan versions were kept: its plan becomes version 1.
        let versions = rows_of("plan_version")?;
        if versions.is_empty() {
            crate::plans::first_version_of_loaded(&txn).await?;
        }
        load_entity!(&txn, plan_version, versions);
        load_entity!(&txn, unit, rows_of("unit")?);
        load_entity!(&txn, county_pairing, rows_of("county_pairing")?);
        load_entity!(&txn, app_user, rows_of("app_user")?);
        load_entity!(&txn, import_batch, rows_of("import_batch")?);
        load_entity!(&txn, record, rows_of("record")?);
        // A backup made before plans stood side by side: its rows are its one plan's.
        for table in ["unit", "county_pairing", "import_batch", "record"] {
            txn.execute_unprepared(&format!(
                "UPDATE {table} SET plan_id = COALESCE((SELECT id FROM plan ORDER BY loaded_at DESC LIMIT 1), '') WHERE plan_id = ''"
            ))
            .await?;
        }
        // Derived from the records, so not in the dump: rebuilt here.
        let kinds = match plan::Entity::find().one(&txn).await? {
            Some(p) => duikou_domain::plan::Plan::from_toml(&p.source, "restored plan")
                .map(|plan| crate::KindLookup::new(plan.kinds()))
                .unwrap_or_default(),
            None => crate::KindLookup::default(),
        };
        crate::record_units::rebuild(&txn, &kinds).await?;
        load_entity!(&txn, evidence, rows_of("evidence")?);
        load_entity!(&txn, audit_log, rows_of("audit_log")?);
        load_entity!(&txn, audit_head, rows_of("audit_head")?);
        load_entity!(&txn, notice, rows_of("notice")?);
        if self.backend() == DatabaseBackend::Postgres {
            // Explicit ids were inserted: move the sequences past them.
            for (table, col) in [
                ("unit", "id"),
                ("county_pairing", "id"),
                ("app_user", "id"),
                ("import_batch", "id"),
                ("record", "id"),
                ("evidence", "id"),
                ("notice", "id"),
            ] {
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', '{col}'), COALESCE((SELECT MAX({col}) FROM {table}), 0) + 1, false)"
                );
                txn.execute_raw(Statement::from_string(DatabaseBackend::Postgres, sql))
                    .await?;
            }
        }
        txn.commit().await?;
        Ok(())
    }
}
