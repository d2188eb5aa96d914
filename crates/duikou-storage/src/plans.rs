//! The loaded plan: its source is kept whole, every version of it too (`plan_version`);
//! units and pairings are also laid out as rows so that other tools can query them.

use std::collections::BTreeMap;

use duikou_domain::plan::amend::{FieldUsage, Usage};
use duikou_domain::plan::{Plan, TownRole};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};

use crate::audit::{self, AuditEvent};
use crate::entities::{county_pairing, plan, plan_version, record, unit};
use crate::{Store, StoreError, now_text};

fn enum_text<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|j| j.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// One version of the plan as the history lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PlanVersionInfo {
    pub plan_id: String,
    pub version: u32,
    pub title: String,
    pub loaded_at: String,
    pub loaded_by: String,
    /// The changes from the version before (`plan::amend::Change` as JSON).
    pub changes: serde_json::Value,
}

impl From<plan_version::Model> for PlanVersionInfo {
    fn from(m: plan_version::Model) -> Self {
        PlanVersionInfo {
            plan_id: m.plan_id,
            version: u32::try_from(m.version).unwrap_or(0),
            title: m.title,
            loaded_at: m.loaded_at,
            loaded_by: m.loaded_by,
            changes: serde_json::from_str(&m.changes).unwrap_or_default(),
        }
    }
}

/// What an amendment must not take from stored records, asked inside its transaction.
pub struct AmendCheck<'a> {
    /// The (kind, field) pairs whose stored values decide it (`PlanDiff::fields_to_check`).
    pub fields: &'a [(String, String)],
    /// Every way the amendment would strand records with this usage (`PlanDiff::strands`).
    pub strands: &'a (dyn Fn(&Usage) -> Vec<duikou_domain::message::Message> + Sync),
    /// The difference, for the history and the audit trail.
    pub changes: &'a serde_json::Value,
}

/// Why an amendment was not applied.
#[derive(Debug, thiserror::Error)]
pub enum AmendError {
    #[error(
        "计划已被他人修改（当前第 {current} 版，而修改基于第 {expected} 版）；请重新查看差异 / the plan was changed meanwhile (it is at version {current}, the change was made against version {expected}); review the difference again"
    )]
    Stale { expected: u32, current: u32 },
    #[error("数据库中没有计划；请先运行 duikou init / no plan is loaded; run `duikou init` first")]
    NoPlan,
    /// The records stored by the time of the change would be stranded by it.
    #[error("计划修改会使已存记录失去依据 / the amendment would strand stored records")]
    Strands(Vec<duikou_domain::message::Message>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for AmendError {
    fn from(e: sea_orm::DbErr) -> Self {
        AmendError::Store(e.into())
    }
}

/// Replace this plan's row, units and pairings (another plan's stay), within `txn`.
async fn lay_out(txn: &DatabaseTransaction, plan: &Plan, source: &str) -> Result<(), StoreError> {
    let id = plan.meta.id.as_str();
    // An amended plan keeps its place among the plans (they are listed in load order).
    let loaded_at = plan::Entity::find_by_id(id)
        .one(txn)
        .await?
        .map_or_else(now_text, |p| p.loaded_at);
    plan::Entity::delete_many()
        .filter(plan::Column::Id.eq(id))
        .exec(txn)
        .await?;
    unit::Entity::delete_many()
        .filter(unit::Column::PlanId.eq(id))
        .exec(txn)
        .await?;
    county_pairing::Entity::delete_many()
        .filter(county_pairing::Column::PlanId.eq(id))
        .exec(txn)
        .await?;
    plan::ActiveModel {
        id: Set(plan.meta.id.clone()),
        title: Set(plan.meta.title.clone()),
        source: Set(source.to_string()),
        loaded_at: Set(loaded_at),
    }
    .insert(txn)
    .await?;
    let units: Vec<unit::ActiveModel> = plan
        .units
        .iter()
        .map(|u| unit::ActiveModel {
            plan_id: Set(id.to_string()),
            name: Set(u.name.clone()),
            kind: Set(enum_text(&u.kind)),
            side: Set(enum_text(&u.side)),
            code: Set(u.code.clone()),
            town_role: Set(u.town_role.map(|r| enum_text(&r))),
            ..Default::default()
        })
        .collect();
    unit::Entity::insert_many(units)
        .exec_without_returning(txn)
        .await?;
    let mut pairs = Vec::new();
    for p in &plan.pairings {
        pairs.push((p.county.clone(), p.lead.clone(), TownRole::Lead));
        pairs.extend(
            p.assisting
                .iter()
                .map(|a| (p.county.clone(), a.clone(), TownRole::Assisting)),
        );
    }
    let pairs: Vec<county_pairing::ActiveModel> = pairs
        .into_iter()
        .map(|(county, town, role)| county_pairing::ActiveModel {
            plan_id: Set(id.to_string()),
            county: Set(county),
            town: Set(town),
            town_role: Set(enum_text(&role)),
            ..Default::default()
        })
        .collect();
    county_pairing::Entity::insert_many(pairs)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

async fn latest_version<C: ConnectionTrait>(db: &C, plan_id: &str) -> Result<u32, StoreError> {
    let v = plan_version::Entity::find()
        .filter(plan_version::Column::PlanId.eq(plan_id))
        .order_by_desc(plan_version::Column::Version)
        .one(db)
        .await?;
    Ok(v.map_or(0, |v| u32::try_from(v.version).unwrap_or(0)))
}

async fn add_version(
    txn: &DatabaseTransaction,
    plan: &Plan,
    source: &str,
    actor: &str,
    version: u32,
    changes: &serde_json::Value,
) -> Result<(), StoreError> {
    plan_version::ActiveModel {
        plan_id: Set(plan.meta.id.clone()),
        version: Set(i32::try_from(version).unwrap_or(i32::MAX)),
        title: Set(plan.meta.title.clone()),
        source: Set(source.to_string()),
        loaded_at: Set(now_text()),
        loaded_by: Set(actor.to_string()),
        changes: Set(changes.to_string()),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// The loaded plan as version 1, for a database whose plan predates versions (a
/// restored old backup): the same rule as the migration.
pub(crate) async fn first_version_of_loaded(txn: &DatabaseTransaction) -> Result<(), StoreError> {
    for p in plan::Entity::find().all(txn).await? {
        if latest_version(txn, &p.id).await? == 0 {
            plan_version::ActiveModel {
                plan_id: Set(p.id.clone()),
                version: Set(1),
                title: Set(p.title.clone()),
                source: Set(p.source.clone()),
                loaded_at: Set(p.loaded_at.clone()),
                loaded_by: Set(String::new()),
                changes: Set("[]".into()),
            }
            .insert(txn)
            .await?;
        }
    }
    Ok(())
}

fn parse(source: &str, id: &str, version: u32) -> Result<Plan, StoreError> {
    let mut plan = Plan::from_toml(source, &format!("plan {id} v{version} (database)"))
        .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
    plan.version = version;
    Ok(plan)
}

impl Store {
    /// Load a plan into a database (validated already): the first plan of a new database
    /// (version 1), or a whole other plan replacing the one loaded (tests, benchmarks).
    /// An amendment of the loaded plan goes through `amend_plan`.
    pub async fn load_plan(
        &self,
        plan: &Plan,
        source: &str,
        actor: &str,
    ) -> Result<(), StoreError> {
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        let previous = plan::Entity::find_by_id(plan.meta.id.as_str())
            .all(&txn)
            .await?;
        lay_out(&txn, plan, source).await?;
        let version = latest_version(&txn, &plan.meta.id).await? + 1;
        add_version(&txn, plan, source, actor, version, &serde_json::json!([])).await?;
        let summary = serde_json::json!({
            "id": plan.meta.id, "title": plan.meta.title, "version": version, "units": plan.units.len(),
            "pairings": plan.pairings.len(), "items": plan.items.len(), "indicators": plan.indicators.len(),
        });
        let mut ev = AuditEvent::new(actor, "plan.load", "plan", &plan.meta.id).after(&summary);
        if let Some(prev) = previous.first() {
            ev = ev.before(&serde_json::json!({ "id": prev.id, "title": prev.title }));
        }
        audit::append(&txn, &[ev]).await?;
        txn.commit().await?;
        self.use_plan(plan);
        Ok(())
    }

    /// Apply an amendment of the loaded plan in one transaction: the new version is laid
    /// out, kept in the history with its changes, and the changes go to the audit trail.
    /// Refused if the plan moved on from `expected_version` meanwhile. Returns the new
    /// version.
    /// `strands` is asked again inside the transaction, with what the records use then:
    /// holding the audit head, no record can be written between that check and the change.
    pub async fn amend_plan(
        &self,
        plan: &Plan,
        source: &str,
        actor: &str,
        expected_version: u32,
        check: &AmendCheck<'_>,
    ) -> Result<u32, AmendError> {
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        let current = plan::Entity::find_by_id(plan.meta.id.as_str())
            .one(&txn)
            .await?
            .ok_or(AmendError::NoPlan)?;
        let current_version = latest_version(&txn, &current.id).await?;
        if current_version != expected_version {
            return Err(AmendError::Stale {
                expected: expected_version,
                current: current_version,
            });
        }
        let usage = usage_on(&txn, plan.meta.id.clone(), check.fields).await?;
        let strands = (check.strands)(&usage);
        if !strands.is_empty() {
            return Err(AmendError::Strands(strands));
        }
        let changes = check.changes;
        lay_out(&txn, plan, source).await?;
        let version = current_version + 1;
        add_version(&txn, plan, source, actor, version, changes).await?;
        let ev = AuditEvent::new(actor, "plan.update", "plan", &plan.meta.id)
            .before(&serde_json::json!({ "id": current.id, "version": current_version }))
            .after(
                &serde_json::json!({ "id": plan.meta.id, "version": version, "changes": changes }),
            );
        audit::append(&txn, &[ev]).await?;
        txn.commit().await?;
        self.use_plan(plan);
        Ok(version)
    }

    /// Every plan in the database, in the order they were loaded.
    pub async fn plans(&self) -> Result<Vec<PlanSummary>, StoreError> {
        let mut out = Vec::new();
        for p in plan::Entity::find()
            .order_by_asc(plan::Column::LoadedAt)
            .all(&self.db)
            .await?
        {
            let version = latest_version(&self.db, &p.id).await?;
            let plan = parse(&p.source, &p.id, version)?;
            let units = plan.units.iter().map(|u| u.name.clone()).collect();
            out.push(PlanSummary {
                id: p.id,
                title: p.title,
                first_year: plan.meta.first_year,
                last_year: plan.meta.last_year,
                version,
                units,
            });
        }
        Ok(out)
    }

    /// The plan a command works on when none is named: this store's, if it has one;
    /// else the plan whose years hold `today_year` (the one loaded last if several do);
    /// else the one that ends last.
    async fn selected_plan_id(&self, today_year: i32) -> Result<Option<String>, StoreError> {
        let own = self.plan_id();
        let plans = self.plans().await?;
        if !own.is_empty() && plans.iter().any(|p| p.id == own) {
            return Ok(Some(own));
        }
        Ok(default_plan(&plans, today_year).map(|p| p.id.clone()))
    }

    /// The selected plan's id and source text, if a plan is loaded.
    pub async fn plan_source(&self) -> Result<Option<(String, String)>, StoreError> {
        let year = time::OffsetDateTime::now_utc().year();
        let Some(id) = self.selected_plan_id(year).await? else {
            return Ok(None);
        };
        Ok(plan::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(|p| (p.id, p.source)))
    }

    /// The selected plan (`plan_source`), parsed, with its version; this store works
    /// on it from now on.
    pub async fn plan(&self) -> Result<Option<Plan>, StoreError> {
        let Some((id, source)) = self.plan_source().await? else {
            return Ok(None);
        };
        let version = latest_version(&self.db, &id).await?;
        let plan = parse(&source, &id, version)?;
        self.use_plan(&plan);
        Ok(Some(plan))
    }

    /// The plan of this id, if the database has it; this store works on it from now on.
    pub async fn plan_by_id(&self, id: &str) -> Result<Option<Plan>, StoreError> {
        let Some(p) = plan::Entity::find_by_id(id).one(&self.db).await? else {
            return Ok(None);
        };
        let version = latest_version(&self.db, &p.id).await?;
        let plan = parse(&p.source, &p.id, version)?;
        self.use_plan(&plan);
        Ok(Some(plan))
    }

    /// Every version of the selected plan, oldest first.
    pub async fn plan_history(&self) -> Result<Vec<PlanVersionInfo>, StoreError> {
        let Some((id, _)) = self.plan_source().await? else {
            return Ok(Vec::new());
        };
        Ok(plan_version::Entity::find()
            .filter(plan_version::Column::PlanId.eq(id))
            .order_by_asc(plan_version::Column::Version)
            .all(&self.db)
            .await?
            .into_iter()
            .map(PlanVersionInfo::from)
            .collect())
    }

    /// Version `version` of the active plan, with its source text.
    pub async fn plan_version(&self, version: u32) -> Result<Option<(Plan, String)>, StoreError> {
        let Some((id, _)) = self.plan_source().await? else {
            return Ok(None);
        };
        let Some(m) =
            plan_version::Entity::find_by_id((id.clone(), i32::try_from(version).unwrap_or(-1)))
                .one(&self.db)
                .await?
        else {
            return Ok(None);
        };
        Ok(Some((parse(&m.source, &id, version)?, m.source)))
    }

    /// What the stored records and accounts use of this store's plan: per unit, kind and
    /// year, and for the fields asked for, their values (`plan::amend::Usage`).
    pub async fn plan_usage(&self, fields: &[(String, String)]) -> Result<Usage, StoreError> {
        usage_on(&self.db, self.plan_id(), fields).await
    }
}

/// A plan as the plan switcher and `duikou plan list` show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PlanSummary {
    pub id: String,
    pub title: String,
    pub first_year: i32,
    pub last_year: i32,
    pub version: u32,
    /// The names of its units: who takes part in it.
    #[serde(skip)]
    pub units: Vec<String>,
}

/// The plan whose years hold `today_year` (the one loaded last if several do), else the
/// one that ends last (loaded last among equals). `plans` in load order.
pub fn default_plan(plans: &[PlanSummary], today_year: i32) -> Option<&PlanSummary> {
    plans
        .iter()
        .rev()
        .find(|p| (p.first_year..=p.last_year).contains(&today_year))
        .or_else(|| plans.iter().max_by_key(|p| p.last_year))
}

/// What the stored records (of plan `plan_id`; every plan's for "") and accounts use:
/// per unit, kind and year, and for the fields asked for, their values.
async fn usage_on<C: ConnectionTrait>(
    db: &C,
    plan_id: String,
    fields: &[(String, String)],
) -> Result<Usage, StoreError> {
    let mut usage = Usage::default();
    // Of this plan's records (accounts are not a plan's: every one counts).
    let grouped = |col: &'static str, table: &'static str| {
        let mut q = Query::select()
            .column(Alias::new(col))
            .expr_as(Func::count(Expr::col(Alias::new(col))), Alias::new("n"))
            .from(Alias::new(table))
            .and_where(Expr::col(Alias::new(col)).is_not_null())
            .group_by_col(Alias::new(col))
            .to_owned();
        if table == "record" && !plan_id.is_empty() {
            q.and_where(Expr::col(Alias::new("plan_id")).eq(plan_id.clone()));
        }
        q
    };
    let named = Query::select()
        .column((Alias::new(crate::record_units::TABLE), Alias::new("unit")))
        .expr_as(
            Func::count(Expr::col(Alias::new("record_id"))),
            Alias::new("n"),
        )
        .from(Alias::new(crate::record_units::TABLE))
        .inner_join(
            Alias::new("record"),
            Expr::col((Alias::new("record"), Alias::new("id"))).equals((
                Alias::new(crate::record_units::TABLE),
                Alias::new("record_id"),
            )),
        )
        .and_where(
            Expr::col((Alias::new("record"), Alias::new("plan_id")))
                .eq(plan_id.clone())
                .or(Expr::value(plan_id.is_empty())),
        )
        .group_by_col((Alias::new(crate::record_units::TABLE), Alias::new("unit")))
        .to_owned();
    for (col, q) in [
        ("reporting_unit", grouped("reporting_unit", "record")),
        ("county", grouped("county", "record")),
        ("unit", named),
        ("unit", grouped("unit", "app_user")),
    ] {
        for row in db.query_all(&q).await? {
            let name: String = row.try_get("", col)?;
            let n: i64 = row.try_get("", "n")?;
            *usage.units.entry(name).or_default() += u64::try_from(n).unwrap_or(0);
        }
    }
    for row in db.query_all(&grouped("kind", "record")).await? {
        let kind: String = row.try_get("", "kind")?;
        let n: i64 = row.try_get("", "n")?;
        usage.kinds.insert(kind, u64::try_from(n).unwrap_or(0));
    }
    for row in db.query_all(&grouped("plan_year", "record")).await? {
        let year: i32 = row.try_get("", "plan_year")?;
        let n: i64 = row.try_get("", "n")?;
        usage.years.insert(year, u64::try_from(n).unwrap_or(0));
    }
    let mut by_kind: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (k, f) in fields {
        by_kind.entry(k).or_default().push(f);
    }
    for (kind, kind_fields) in by_kind {
        for f in &kind_fields {
            usage
                .fields
                .insert((kind.to_string(), f.to_string()), FieldUsage::default());
        }
        // In pages by id: a kind may hold millions of records.
        let mut after = 0i64;
        loop {
            let page: Vec<(i64, String)> = record::Entity::find()
                .select_only()
                .column(record::Column::Id)
                .column(record::Column::Data)
                .filter(
                    sea_orm::Condition::any()
                        .add(record::Column::PlanId.eq(plan_id.as_str()))
                        .add(Expr::value(plan_id.is_empty())),
                )
                .filter(record::Column::Kind.eq(kind))
                .filter(record::Column::Id.gt(after))
                .order_by_asc(record::Column::Id)
                .limit(5000)
                .into_tuple()
                .all(db)
                .await?;
            let Some((last, _)) = page.last() else { break };
            after = *last;
            for (_, data) in &page {
                let Ok(serde_json::Value::Object(data)) = serde_json::from_str(data) else {
                    continue;
                };
                for f in &kind_fields {
                    let values: Vec<String> = match data.get(*f) {
                        None | Some(serde_json::Value::Null) => continue,
                        Some(serde_json::Value::String(s)) if s.is_empty() => continue,
                        Some(serde_json::Value::String(s)) => vec![s.clone()],
                        Some(serde_json::Value::Array(a)) if a.is_empty() => continue,
                        Some(serde_json::Value::Array(a)) => a
                            .iter()
                            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                            .collect(),
                        Some(other) => vec![other.to_string()],
                    };
                    let u = usage
                        .fields
                        .entry((kind.to_string(), f.to_string()))
                        .or_default();
                    u.records += 1;
                    for v in values {
                        *u.values.entry(v).or_default() += 1;
                    }
                }
            }
        }
    }
    Ok(usage)
}
