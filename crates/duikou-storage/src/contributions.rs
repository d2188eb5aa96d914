//! The figures as a property of the database: what each record contributes to each
//! figure (`duikou_domain::engine::classify`), stored per plan, and the assessment's
//! aggregates as one SQL query over them (the same text on SQLite and PostgreSQL).
//!
//! Beside the rows, per plan, the state they reflect: the change number (the audit
//! chain's length) and the digest of the plan they were classified under. Whoever
//! brings the rows up to date (`duikou_app::assessment`) claims the state in the same
//! transaction as the rows it writes, so that two writers never both apply a change,
//! and a crash leaves the rows and their state as they were before it.
//!
//! Storage only persists: which rows a record makes is the domain's rule.

use duikou_domain::engine::{Aggregate, AssessOptions, Contribution};
use duikou_domain::record::Status;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, Statement, TransactionTrait, Value};
use time::Date;

use crate::{Store, StoreError};

/// What the stored rows of a plan reflect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContributionState {
    /// `duikou_domain::plan::Plan::digest` of the plan the rows were classified under.
    pub plan_digest: String,
    /// The change number (`Store::change_seq`) up to which the records' changes are in.
    pub seq: i64,
}

/// One stored row, owned (`verify` compares them with a fresh classification).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct StoredContribution {
    pub record_id: i64,
    pub indicator: String,
    pub scope: String,
    pub status: String,
    pub year_from: i32,
    pub year_to: Option<i32>,
    pub counts_from: i32,
    pub counts_until: Option<i32>,
    pub on_time_from: i32,
    pub value: i64,
    pub person_key: Option<String>,
    pub with_evidence: bool,
}

impl StoredContribution {
    pub fn of(c: &Contribution<'_>) -> Self {
        StoredContribution {
            record_id: c.record_id,
            indicator: c.indicator.to_string(),
            scope: c.scope.to_string(),
            status: c.status.key().to_string(),
            year_from: c.year_from,
            year_to: c.year_to,
            counts_from: day_number(c.counts_from),
            counts_until: c.counts_until.map(day_number),
            on_time_from: c.on_time_from,
            value: c.value,
            person_key: c.person_key.map(str::to_string),
            with_evidence: c.with_evidence,
        }
    }
}

impl StoredContribution {
    /// The row as the engine reads it (None when the stored status or a day is not one).
    pub fn as_contribution(&self) -> Option<Contribution<'_>> {
        Some(Contribution {
            record_id: self.record_id,
            indicator: &self.indicator,
            scope: &self.scope,
            status: Status::from_key(&self.status)?,
            year_from: self.year_from,
            year_to: self.year_to,
            counts_from: day_of(self.counts_from)?,
            counts_until: match self.counts_until {
                Some(d) => Some(day_of(d)?),
                None => None,
            },
            on_time_from: self.on_time_from,
            value: self.value,
            person_key: self.person_key.as_deref(),
            with_evidence: self.with_evidence,
        })
    }
}

/// A day as the table holds it: yyyymmdd, compared as a number on both backends.
pub fn day_number(d: Date) -> i32 {
    d.year() * 10_000 + i32::from(u8::from(d.month())) * 100 + i32::from(d.day())
}

/// `day_number` read back.
pub fn day_of(n: i32) -> Option<Date> {
    let month = time::Month::try_from(u8::try_from(n / 100 % 100).ok()?).ok()?;
    Date::from_calendar_date(n / 10_000, month, u8::try_from(n % 100).ok()?).ok()
}

const TABLE: &str = "contribution";
const STATE: &str = "contribution_state";

/// The columns written, in the order of `row_values`.
const COLUMNS: [&str; 13] = [
    "plan_id",
    "record_id",
    "indicator",
    "scope",
    "status",
    "year_from",
    "year_to",
    "counts_from",
    "counts_until",
    "on_time_from",
    "value",
    "person_key",
    "with_evidence",
];

/// Rows per INSERT: 13 parameters each, well inside both backends' limits.
const INSERT_ROWS: usize = 2_000;

fn row_values(plan_id: &str, c: &Contribution<'_>) -> [Value; 13] {
    [
        plan_id.into(),
        c.record_id.into(),
        c.indicator.into(),
        c.scope.into(),
        c.status.key().into(),
        c.year_from.into(),
        c.year_to.into(),
        day_number(c.counts_from).into(),
        c.counts_until.map(day_number).into(),
        c.on_time_from.into(),
        c.value.into(),
        c.person_key.map(str::to_string).into(),
        i16::from(c.with_evidence).into(),
    ]
}

/// A transaction that writes contributions: opened by claiming the plan's state.
pub struct ContributionWrite {
    txn: DatabaseTransaction,
    plan_id: String,
}

impl ContributionWrite {
    /// Add rows.
    pub async fn insert(&self, rows: &[Contribution<'_>]) -> Result<(), StoreError> {
        for chunk in rows.chunks(INSERT_ROWS) {
            let mut insert = Query::insert();
            insert
                .into_table(Alias::new(TABLE))
                .columns(COLUMNS.map(Alias::new));
            for c in chunk {
                insert
                    .values(row_values(&self.plan_id, c).map(Expr::val))
                    .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
            }
            self.txn.execute(&insert).await?;
        }
        Ok(())
    }

    /// The rows of these records as they stand (before they are replaced).
    pub async fn rows_of_records(
        &self,
        ids: &[i64],
    ) -> Result<Vec<StoredContribution>, StoreError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(1_000) {
            let rows = self
                .txn
                .query_all(
                    &Query::select()
                        .columns(
                            COLUMNS[1..]
                                .iter()
                                .map(|c| Alias::new(*c))
                                .collect::<Vec<_>>(),
                        )
                        .from(Alias::new(TABLE))
                        .and_where(Expr::col(Alias::new("plan_id")).eq(self.plan_id.as_str()))
                        .and_where(Expr::col(Alias::new("record_id")).is_in(chunk.iter().copied()))
                        .to_owned(),
                )
                .await?;
            for r in rows {
                out.push(stored_row(&r)?);
            }
        }
        out.sort();
        Ok(out)
    }

    /// Remove the rows of these records (before their new rows go in).
    pub async fn remove_records(&self, ids: &[i64]) -> Result<(), StoreError> {
        for chunk in ids.chunks(1_000) {
            self.txn
                .execute(
                    &Query::delete()
                        .from_table(Alias::new(TABLE))
                        .and_where(Expr::col(Alias::new("plan_id")).eq(self.plan_id.as_str()))
                        .and_where(Expr::col(Alias::new("record_id")).is_in(chunk.iter().copied()))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    /// Remove every row of the plan (a derivation from scratch).
    pub async fn remove_all(&self) -> Result<(), StoreError> {
        self.txn
            .execute(
                &Query::delete()
                    .from_table(Alias::new(TABLE))
                    .and_where(Expr::col(Alias::new("plan_id")).eq(self.plan_id.as_str()))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        self.txn.commit().await?;
        Ok(())
    }
}

impl Store {
    /// What the stored contributions of the store's plan reflect; None before the first
    /// derivation.
    pub async fn contribution_state(&self) -> Result<Option<ContributionState>, StoreError> {
        let row = self
            .db
            .query_one(
                &Query::select()
                    .columns([Alias::new("plan_digest"), Alias::new("seq")])
                    .from(Alias::new(STATE))
                    .and_where(Expr::col(Alias::new("plan_id")).eq(self.plan_id()))
                    .to_owned(),
            )
            .await?;
        row.map(|r| {
            Ok(ContributionState {
                plan_digest: r.try_get("", "plan_digest")?,
                seq: r.try_get("", "seq")?,
            })
        })
        .transpose()
    }

    /// Open a transaction that moves the plan's contributions from the state `from` (as
    /// read before) to `to`. None when another writer has moved it since: its rows are
    /// then the newer ones and nothing is to be done here.
    ///
    /// The state row is written first, so that on PostgreSQL a second writer waits for
    /// the first and then finds the state moved, and on SQLite the write lock is taken
    /// at once.
    pub async fn claim_contributions(
        &self,
        from: Option<&ContributionState>,
        to: &ContributionState,
    ) -> Result<Option<ContributionWrite>, StoreError> {
        let plan_id = self.plan_id();
        let txn = self.db.begin().await?;
        let claimed = match from {
            Some(from) => {
                let done = txn
                    .execute(
                        &Query::update()
                            .table(Alias::new(STATE))
                            .value(Alias::new("plan_digest"), to.plan_digest.as_str())
                            .value(Alias::new("seq"), to.seq)
                            .and_where(Expr::col(Alias::new("plan_id")).eq(plan_id.as_str()))
                            .and_where(
                                Expr::col(Alias::new("plan_digest")).eq(from.plan_digest.as_str()),
                            )
                            .and_where(Expr::col(Alias::new("seq")).eq(from.seq))
                            .to_owned(),
                    )
                    .await?;
                done.rows_affected() == 1
            }
            None => {
                // First derivation: the insert fails on the key if another writer has
                // made the row since.
                let insert = Query::insert()
                    .into_table(Alias::new(STATE))
                    .columns([
                        Alias::new("plan_id"),
                        Alias::new("plan_digest"),
                        Alias::new("seq"),
                    ])
                    .values_panic([
                        plan_id.as_str().into(),
                        to.plan_digest.as_str().into(),
                        to.seq.into(),
                    ])
                    .to_owned();
                txn.execute(&insert).await.is_ok()
            }
        };
        if !claimed {
            txn.rollback().await?;
            return Ok(None);
        }
        Ok(Some(ContributionWrite { txn, plan_id }))
    }

    /// Forget what the plan's rows reflect: the next `sync` derives every row again.
    pub async fn forget_contributions(&self) -> Result<(), StoreError> {
        self.db
            .execute(
                &Query::delete()
                    .from_table(Alias::new(STATE))
                    .and_where(Expr::col(Alias::new("plan_id")).eq(self.plan_id()))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    /// Every stored row of the plan's records in `after < id <= upto`, ordered (for
    /// `verify`).
    pub async fn stored_contributions(
        &self,
        after: i64,
        upto: i64,
    ) -> Result<Vec<StoredContribution>, StoreError> {
        let rows = self
            .db
            .query_all(
                &Query::select()
                    .columns(
                        COLUMNS[1..]
                            .iter()
                            .map(|c| Alias::new(*c))
                            .collect::<Vec<_>>(),
                    )
                    .from(Alias::new(TABLE))
                    .and_where(Expr::col(Alias::new("plan_id")).eq(self.plan_id()))
                    .and_where(Expr::col(Alias::new("record_id")).gt(after))
                    .and_where(Expr::col(Alias::new("record_id")).lte(upto))
                    .to_owned(),
            )
            .await?;
        let mut out = rows
            .iter()
            .map(stored_row)
            .collect::<Result<Vec<_>, sea_orm::DbErr>>()?;
        out.sort();
        Ok(out)
    }

    /// The largest record id of the store's plan (0 when it has none).
    pub async fn last_record_id(&self) -> Result<i64, StoreError> {
        let mut q = Query::select();
        q.expr_as(Expr::cust("COALESCE(MAX(id), 0)"), Alias::new("last"))
            .from(Alias::new("record"));
        let plan = self.plan_id();
        if !plan.is_empty() {
            q.and_where(Expr::col(Alias::new("plan_id")).eq(plan));
        }
        let row = self.db.query_one(&q).await?;
        Ok(row
            .map(|r| r.try_get::<i64>("", "last"))
            .transpose()?
            .unwrap_or(0))
    }

    /// The aggregates of every figure with a row counting in the assessment `opts`,
    /// ordered by indicator and scope: `duikou_domain::engine::aggregate` as one query.
    pub async fn contribution_aggregates(
        &self,
        opts: &AssessOptions,
    ) -> Result<Vec<Aggregate>, StoreError> {
        let (filter, mut values) = counting_filter(&self.plan_id(), opts, 4);
        // The year decides which rows are on time; it leads the parameters.
        let mut params: Vec<Value> = vec![opts.year.into(); 3];
        params.append(&mut values);
        let sql = format!(
            "SELECT indicator, scope, COUNT(*) AS n_rows, \
               CAST(COALESCE(SUM(value), 0) AS BIGINT) AS total, \
               COUNT(DISTINCT person_key) AS persons, \
               CAST(COALESCE(SUM(CASE WHEN on_time_from <= $1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS rows_on_time, \
               CAST(COALESCE(SUM(CASE WHEN on_time_from <= $2 THEN value ELSE 0 END), 0) AS BIGINT) AS total_on_time, \
               COUNT(DISTINCT CASE WHEN on_time_from <= $3 THEN person_key END) AS persons_on_time, \
               CAST(COALESCE(SUM(with_evidence), 0) AS BIGINT) AS with_evidence \
             FROM contribution WHERE {filter} GROUP BY indicator, scope"
        );
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(
                self.backend(),
                self.placeholders(&sql),
                params,
            ))
            .await?;
        let mut out = rows
            .into_iter()
            .map(|r| {
                Ok(Aggregate {
                    indicator: r.try_get("", "indicator")?,
                    scope: r.try_get("", "scope")?,
                    rows: r.try_get("", "n_rows")?,
                    sum: r.try_get("", "total")?,
                    persons: r.try_get("", "persons")?,
                    rows_on_time: r.try_get("", "rows_on_time")?,
                    sum_on_time: r.try_get("", "total_on_time")?,
                    persons_on_time: r.try_get("", "persons_on_time")?,
                    with_evidence: r.try_get("", "with_evidence")?,
                })
            })
            .collect::<Result<Vec<_>, sea_orm::DbErr>>()?;
        // Byte order, as the engine sorts (a backend's collation may differ).
        out.sort_unstable_by(|a, b| (&a.indicator, &a.scope).cmp(&(&b.indicator, &b.scope)));
        Ok(out)
    }

    /// The ids of the records behind one figure's actual value, ascending:
    /// `duikou_domain::engine::records_behind` as one query.
    pub async fn contribution_records(
        &self,
        opts: &AssessOptions,
        indicator: &str,
        scope: &str,
    ) -> Result<Vec<i64>, StoreError> {
        let (filter, mut values) = counting_filter(&self.plan_id(), opts, 3);
        let mut params: Vec<Value> = vec![indicator.into(), scope.into()];
        params.append(&mut values);
        let sql = format!(
            "SELECT DISTINCT record_id FROM contribution \
             WHERE indicator = $1 AND scope = $2 AND {filter} ORDER BY record_id"
        );
        self.record_ids(&sql, params).await
    }

    /// Every figure's records at once (a package lists them all): (indicator, scope,
    /// record id), ordered.
    pub async fn contribution_records_all(
        &self,
        opts: &AssessOptions,
    ) -> Result<Vec<(String, String, i64)>, StoreError> {
        let (filter, values) = counting_filter(&self.plan_id(), opts, 1);
        let sql =
            format!("SELECT DISTINCT indicator, scope, record_id FROM contribution WHERE {filter}");
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(
                self.backend(),
                self.placeholders(&sql),
                values,
            ))
            .await?;
        let mut out = rows
            .into_iter()
            .map(|r| {
                Ok((
                    r.try_get("", "indicator")?,
                    r.try_get("", "scope")?,
                    r.try_get("", "record_id")?,
                ))
            })
            .collect::<Result<Vec<_>, sea_orm::DbErr>>()?;
        out.sort_unstable();
        Ok(out)
    }

    /// Of these persons, those some record other than `excluding` makes count in the
    /// figure (indicator, scope) in the assessment `opts`, each with whether one of
    /// those rows is on time: what a change to the excluded records cannot alter.
    pub async fn persons_counted_elsewhere(
        &self,
        opts: &AssessOptions,
        indicator: &str,
        scope: &str,
        keys: &[&str],
        excluding: &[i64],
    ) -> Result<std::collections::HashMap<String, bool>, StoreError> {
        let mut out = std::collections::HashMap::new();
        for keys in keys.chunks(500) {
            let (filter, values) = counting_filter(&self.plan_id(), opts, 4);
            let mut params: Vec<Value> = vec![opts.year.into(), indicator.into(), scope.into()];
            params.extend(values);
            let first_key = params.len() + 1;
            let key_list: Vec<String> = (0..keys.len())
                .map(|i| format!("${}", first_key + i))
                .collect();
            params.extend(keys.iter().map(|k| Value::from(*k)));
            // Record ids are numbers: written into the text, not bound.
            let excluded: Vec<String> = excluding.iter().map(i64::to_string).collect();
            let not_excluded = if excluded.is_empty() {
                String::new()
            } else {
                format!(" AND record_id NOT IN ({})", excluded.join(", "))
            };
            let sql = format!(
                "SELECT person_key, MAX(CASE WHEN on_time_from <= $1 THEN 1 ELSE 0 END) AS on_time \
                 FROM contribution WHERE indicator = $2 AND scope = $3 AND {filter} \
                 AND person_key IN ({}){not_excluded} GROUP BY person_key",
                key_list.join(", ")
            );
            let rows = self
                .db
                .query_all_raw(Statement::from_sql_and_values(
                    self.backend(),
                    self.placeholders(&sql),
                    params,
                ))
                .await?;
            for r in rows {
                let key: String = r.try_get("", "person_key")?;
                let on_time: i32 = r.try_get("", "on_time")?;
                out.insert(key, on_time != 0);
            }
        }
        Ok(out)
    }

    async fn record_ids(&self, sql: &str, params: Vec<Value>) -> Result<Vec<i64>, StoreError> {
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(
                self.backend(),
                self.placeholders(sql),
                params,
            ))
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| r.try_get::<i64>("", "record_id"))
            .collect::<Result<Vec<_>, _>>()?)
    }

    /// `$n` placeholders as the backend writes them: PostgreSQL's own; SQLite reads
    /// `?n` as the same numbered parameter.
    fn placeholders(&self, sql: &str) -> String {
        match self.backend() {
            sea_orm::DatabaseBackend::Postgres => sql.to_string(),
            _ => sql.replace('$', "?"),
        }
    }
}

/// A stored row read back (the columns of `COLUMNS` after `plan_id`).
fn stored_row(r: &sea_orm::QueryResult) -> Result<StoredContribution, sea_orm::DbErr> {
    Ok(StoredContribution {
        record_id: r.try_get("", "record_id")?,
        indicator: r.try_get("", "indicator")?,
        scope: r.try_get("", "scope")?,
        status: r.try_get("", "status")?,
        year_from: r.try_get("", "year_from")?,
        year_to: r.try_get("", "year_to")?,
        counts_from: r.try_get("", "counts_from")?,
        counts_until: r.try_get("", "counts_until")?,
        on_time_from: r.try_get("", "on_time_from")?,
        value: r.try_get("", "value")?,
        person_key: r.try_get("", "person_key")?,
        with_evidence: r.try_get::<i16>("", "with_evidence")? != 0,
    })
}

/// The WHERE clause of the rows counting in an assessment (`Contribution::counts_in`)
/// and its five parameters, numbered from `$first` (the query's own come before).
fn counting_filter(plan_id: &str, opts: &AssessOptions, first: usize) -> (String, Vec<Value>) {
    let statuses = if opts.include_submitted {
        format!(
            "'{}', '{}'",
            Status::Approved.key(),
            Status::Submitted.key()
        )
    } else {
        format!("'{}'", Status::Approved.key())
    };
    let as_of = day_number(opts.as_of);
    let p = |i: usize| format!("${}", first + i);
    let filter = format!(
        "plan_id = {} AND status IN ({statuses}) \
         AND year_from <= {} AND (year_to IS NULL OR year_to >= {}) \
         AND counts_from <= {} AND (counts_until IS NULL OR counts_until > {})",
        p(0),
        p(1),
        p(2),
        p(3),
        p(4)
    );
    (
        filter,
        vec![
            plan_id.into(),
            opts.year.into(),
            opts.year.into(),
            as_of.into(),
            as_of.into(),
        ],
    )
}
