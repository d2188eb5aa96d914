//! Records: create, read, change, review, confirm, delete and import, each with its
//! audit entry in the same transaction. Optimistic versioning prevents lost updates.

use std::collections::{BTreeMap, HashSet};

use duikou_domain::engine::EngineRecord;
use duikou_domain::record::{
    Status, Transition, ValidRecord, Value, fields_from_json, fields_from_json_text, format_date,
};
use duikou_domain::schema::RecordKind;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::audit::{self, AuditEvent};
use crate::entities::{audit_log, evidence, import_batch, record};
use crate::record_units;
use crate::sqlite_scan::{self, RawPage};
use crate::{KindLookup, Store, StoreError, now_text};

/// A personal ID number as it may be stored: never the plain number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectedId {
    pub cipher: String,
    pub blind: String,
    pub masked: String,
}

/// A validated record ready to be written.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub valid: ValidRecord,
    pub id: Option<ProtectedId>,
    pub natural_key: Option<String>,
    /// The county the record concerns (what a receiver may see).
    pub county: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StoredRecord {
    pub id: i64,
    pub kind: RecordKind,
    pub status: Status,
    pub reporting_unit: String,
    pub county: Option<String>,
    pub plan_year: i32,
    #[serde(skip)]
    pub fields: BTreeMap<String, Value>,
    pub notes: String,
    pub id_masked: Option<String>,
    #[serde(skip)]
    pub id_blind: Option<String>,
    #[serde(skip)]
    pub id_cipher: Option<String>,
    pub reject_reason: Option<String>,
    pub version: i32,
    pub import_batch_id: Option<i64>,
    pub evidence_count: i32,
    pub created_by: String,
    pub created_at: String,
    pub updated_by: String,
    pub updated_at: String,
    /// Who last changed the content (see `entities::record::Model::edited_by`).
    pub edited_by: String,
}

impl StoredRecord {
    /// The record as the audit trail and outputs show it: fields, with the ID masked.
    /// Money appears as yuan text with two decimals ("1234.50"): exact, and accepted back
    /// as input unchanged.
    pub fn public_json(&self) -> serde_json::Value {
        let mut fields = duikou_domain::record::fields_to_json(&self.fields);
        if let Some(obj) = fields.as_object_mut() {
            for (k, v) in &self.fields {
                if let Value::Money(fen) = v {
                    obj.insert(k.clone(), serde_json::Value::String(fen.yuan_text()));
                }
            }
        }
        if let (Some(obj), Some(m)) = (fields.as_object_mut(), &self.id_masked) {
            obj.insert("id_number".into(), serde_json::Value::String(m.clone()));
        }
        serde_json::json!({
            "id": self.id, "kind": self.kind.key(), "status": self.status.key(),
            "reporting_unit": self.reporting_unit, "plan_year": self.plan_year,
            "fields": fields, "notes": self.notes, "reject_reason": self.reject_reason,
            "version": self.version, "evidence_count": self.evidence_count,
            "created_by": self.created_by, "created_at": self.created_at,
            "updated_by": self.updated_by, "updated_at": self.updated_at,
        })
    }
}

fn to_stored(kinds: &KindLookup, m: record::Model) -> Option<StoredRecord> {
    let kind = kinds.get(&m.kind)?;
    let json: serde_json::Value = serde_json::from_str(&m.data).ok()?;
    let edited_by = m.edited_by.clone().unwrap_or_else(|| m.created_by.clone());
    Some(StoredRecord {
        id: m.id,
        kind,
        status: Status::from_key(&m.status)?,
        reporting_unit: m.reporting_unit,
        county: m.county,
        plan_year: m.plan_year,
        fields: fields_from_json(kind, &json),
        notes: m.notes,
        id_masked: m.id_masked,
        id_blind: m.id_blind,
        id_cipher: m.id_cipher,
        reject_reason: m.reject_reason,
        version: m.version,
        import_batch_id: m.import_batch_id,
        evidence_count: m.evidence_count,
        created_by: m.created_by,
        created_at: m.created_at,
        updated_by: m.updated_by,
        updated_at: m.updated_at,
        edited_by,
    })
}

/// The records a span of the audit trail touched (`Store::record_changes_between`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordChanges {
    /// Records created, changed or deleted.
    pub ids: Vec<i64>,
    /// Import batches written (their records carry the batch id).
    pub import_batches: Vec<i64>,
}

/// id, kind, status, reporting unit, plan year, data, blind index, evidence count.
type EngineRow = (
    i64,
    String,
    String,
    String,
    i32,
    String,
    Option<String>,
    i32,
);

/// Every kind of the plan is wanted: then no kind filter, so the table is read in id
/// order (a kind list makes SQLite read through the kind index and sort by id).
fn wants_every_kind(lookup: &KindLookup, kinds: &[RecordKind]) -> bool {
    !lookup.all().is_empty() && lookup.all().iter().all(|k| kinds.contains(k))
}

/// Records per page of `Store::engine_rows`.
const ENGINE_PAGE: u64 = 8_192;

/// One engine row into an engine record: `data` decoded straight into typed fields.
/// None when its kind, status or data cannot be read (the record is left out).
fn decode_engine_row(
    kinds: &KindLookup,
    (id, kind, status, reporting_unit, plan_year, data, id_blind, evidence_count): EngineRow,
) -> Option<EngineRecord> {
    let kind = kinds.get(&kind)?;
    Some(EngineRecord {
        id,
        kind,
        status: Status::from_key(&status)?,
        plan_year,
        reporting_unit,
        fields: fields_from_json_text(kind, &data)?,
        person_key: id_blind,
        evidence_count: u32::try_from(evidence_count).unwrap_or(0),
    })
}

/// A page of `Store::engine_rows` as text (`n` lines: id, kind, status, plan year,
/// evidence count, blind index, reporting unit, data; tab-separated) into engine
/// records, as `decode_engine_row` reads them. None when the text does not split into
/// `n` lines of eight readable fields: the page is then read again row by row.
fn decode_engine_lines(kinds: &KindLookup, text: &str, n: usize) -> Option<Vec<EngineRecord>> {
    let mut out = Vec::with_capacity(n);
    let mut lines = 0usize;
    for line in text.split('\n') {
        lines += 1;
        let mut f = line.splitn(8, '\t');
        let (id, kind, status, plan_year, evidence_count, id_blind, unit, data) = (
            f.next()?,
            f.next()?,
            f.next()?,
            f.next()?,
            f.next()?,
            f.next()?,
            f.next()?,
            f.next()?,
        );
        // Anything unexpected (a unit name holding a tab shifts the fields; a record
        // `decode_engine_row` would leave out) sends the page to the row-by-row path.
        let (Ok(id), Ok(plan_year), Ok(evidence_count)) =
            (id.parse(), plan_year.parse(), evidence_count.parse::<i32>())
        else {
            return None;
        };
        let kind = kinds.get(kind)?;
        let status = Status::from_key(status)?;
        let fields = fields_from_json_text(kind, data)?;
        out.push(EngineRecord {
            id,
            kind,
            status,
            plan_year,
            reporting_unit: unit.to_string(),
            fields,
            person_key: (!id_blind.is_empty()).then(|| id_blind.to_string()),
            evidence_count: u32::try_from(evidence_count).unwrap_or(0),
        });
    }
    (lines == n).then_some(out)
}

/// A page of `sqlite_scan` rows into engine records, as `decode_engine_row` reads them.
/// None when a row does not read as expected (the page is then read row by row).
fn decode_raw_page(kinds: &KindLookup, page: &RawPage) -> Option<Vec<EngineRecord>> {
    let mut out = Vec::with_capacity(page.rows.len());
    for (i, row) in page.rows.iter().enumerate() {
        let [kind, status, blind, unit, data] = page.texts(i)?;
        let kind = kinds.get(kind)?;
        out.push(EngineRecord {
            id: row.id,
            kind,
            status: Status::from_key(status)?,
            plan_year: i32::try_from(row.plan_year).ok()?,
            reporting_unit: unit.to_string(),
            fields: fields_from_json_text(kind, data)?,
            person_key: (!blind.is_empty()).then(|| blind.to_string()),
            evidence_count: u32::try_from(row.evidence_count).unwrap_or(0),
        });
    }
    Some(out)
}

#[cfg(test)]
mod engine_rows_tests {
    use super::*;

    fn row(id: i64, kind: &str, status: &str, unit: &str, data: &str) -> record::ActiveModel {
        record::ActiveModel {
            id: Set(id),
            kind: Set(kind.to_string()),
            status: Set(status.to_string()),
            reporting_unit: Set(unit.to_string()),
            county: Set(None),
            plan_year: Set(2019),
            event_date: Set(None),
            data: Set(data.to_string()),
            notes: Set(String::new()),
            id_cipher: Set(None),
            id_blind: Set((kind == "person").then(|| format!("blind{id}"))),
            id_masked: Set(None),
            natural_key: Set(None),
            reject_reason: Set(None),
            version: Set(1),
            import_batch_id: Set(None),
            evidence_count: Set(i32::try_from(id % 3).unwrap()),
            created_by: Set("t".into()),
            created_at: Set("t".into()),
            updated_by: Set("t".into()),
            updated_at: Set("t".into()),
            edited_by: Set(None),
        }
    }

    /// A migrated SQLite store in a directory removed when the first value is dropped.
    async fn temp_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg =
            crate::StoreConfig::new(format!("sqlite://{}", dir.path().join("t.db").display()));
        cfg.create_if_missing = true;
        let store = Store::open(&cfg).await.unwrap();
        store.migrate().await.unwrap();
        (dir, store)
    }

    /// Whatever the stored text holds, the engine reads what a row-by-row read gives:
    /// odd unit names (a tab, a line break: in the text pages of the changed-records read
    /// they send their page to the row path) come through; records of other statuses or
    /// kinds, or unreadable data, are left out.
    #[tokio::test]
    async fn engine_records_read_every_stored_text_as_row_by_row() {
        let (_dir, store) = temp_store().await;
        let activity = r#"{"held_on":"2019-05-01","kind":"招商推介会","organizers":["清溪镇","黄江镇"],"participants":12,"title":"制表\t符"}"#;
        let person = r#"{"programme":"劳务就业","registered_poor":true,"started_on":"2019-03-01"}"#;
        let rows = [
            row(1, "activity", "approved", "清溪镇", activity),
            row(2, "person", "approved", "镇雄县", person),
            row(3, "person", "submitted", "镇雄县", person),
            row(4, "person", "approved", "甲\t乙", person),
            row(5, "person", "approved", "丙\n丁", person),
            row(6, "person", "approved", "镇雄县", "not json"),
            row(7, "nosuchkind", "approved", "镇雄县", person),
        ];
        for r in rows {
            r.insert(&store.db).await.unwrap();
        }
        let by_rows = |statuses: &'static [&'static str]| {
            let store = &store;
            async move {
                let rows: Vec<EngineRow> = record::Entity::find()
                    .select_only()
                    .columns([
                        record::Column::Id,
                        record::Column::Kind,
                        record::Column::Status,
                        record::Column::ReportingUnit,
                        record::Column::PlanYear,
                        record::Column::Data,
                        record::Column::IdBlind,
                        record::Column::EvidenceCount,
                    ])
                    .filter(record::Column::Status.is_in(statuses.iter().copied()))
                    .order_by_asc(record::Column::Id)
                    .into_tuple()
                    .all(&store.db)
                    .await
                    .unwrap();
                rows.into_iter()
                    .filter_map(|r| decode_engine_row(&store.kinds(), r))
                    .collect::<Vec<_>>()
            }
        };
        let all = store
            .records_for_engine(
                duikou_domain::plan::Plan::bundled().kinds(),
                &[Status::Approved],
            )
            .await
            .unwrap();
        assert_eq!(all, by_rows(&["approved"]).await);
        assert_eq!(
            all.iter().map(|r| r.id).collect::<Vec<_>>(),
            [1, 2, 4, 5],
            "unreadable kind or data left out"
        );
        assert_eq!(all[2].reporting_unit, "甲\t乙");
        assert_eq!(all[3].reporting_unit, "丙\n丁");
        assert_eq!(
            all[0].get("organizers"),
            Some(&Value::Units(vec!["清溪镇".into(), "黄江镇".into()]))
        );
        assert_eq!(all[1].person_key.as_deref(), Some("blind2"));
        assert_eq!(all[1].evidence_count, 2);
        let with_submitted = store
            .records_for_engine(
                &[duikou_domain::plan::bundled_kind(
                    duikou_domain::schema::BuiltinKind::Person,
                )],
                &[Status::Approved, Status::Submitted],
            )
            .await
            .unwrap();
        assert_eq!(
            with_submitted.iter().map(|r| r.id).collect::<Vec<_>>(),
            [2, 3, 4, 5]
        );
        let changed = store
            .records_for_engine_changed(
                duikou_domain::plan::Plan::bundled().kinds(),
                &[Status::Approved],
                &RecordChanges {
                    ids: vec![3, 4, 99],
                    import_batches: vec![],
                },
            )
            .await
            .unwrap();
        assert_eq!(changed.iter().map(|r| r.id).collect::<Vec<_>>(), [4]);
    }

    /// Over several pages of the direct SQLite read, with an unreadable row in the
    /// middle page (that page is read again through the driver) and statuses mixed in,
    /// the engine gets exactly what the driver's paged read gives, in id order.
    #[tokio::test]
    async fn the_direct_sqlite_read_equals_the_paged_read_across_pages() {
        let (_dir, store) = temp_store().await;
        let n = 2 * ENGINE_PAGE as i64 + 300;
        let bad = ENGINE_PAGE as i64 + 17;
        let rows: Vec<_> = (1..=n)
            .map(|id| {
                let status = if id % 7 == 0 { "draft" } else { "approved" };
                let kind = if id == bad { "nosuchkind" } else { "person" };
                let data = format!(
                    r#"{{"programme":"劳务就业","registered_poor":{},"started_on":"2019-03-{:02}"}}"#,
                    id % 2 == 0,
                    1 + id % 28
                );
                row(id, kind, status, &format!("镇{}", id % 13), &data)
            })
            .collect();
        for chunk in rows.chunks(500) {
            record::Entity::insert_many(chunk.to_vec())
                .exec(&store.db)
                .await
                .unwrap();
        }
        let direct = store
            .records_for_engine(
                duikou_domain::plan::Plan::bundled().kinds(),
                &[Status::Approved],
            )
            .await
            .unwrap();
        let paged = store
            .engine_rows(
                duikou_domain::plan::Plan::bundled().kinds(),
                &[Status::Approved],
                Condition::all(),
            )
            .await
            .unwrap();
        assert_eq!(direct, paged);
        let expected: Vec<i64> = (1..=n).filter(|id| id % 7 != 0 && *id != bad).collect();
        assert_eq!(direct.iter().map(|r| r.id).collect::<Vec<_>>(), expected);
        assert_eq!(
            direct[0].get("started_on").and_then(Value::as_date),
            Some(time::macros::date!(2019 - 03 - 02))
        );
        let persons_only = store
            .records_for_engine(
                &[duikou_domain::plan::bundled_kind(
                    duikou_domain::schema::BuiltinKind::Person,
                )],
                &[Status::Draft],
            )
            .await
            .unwrap();
        assert_eq!(persons_only.len(), (1..=n).filter(|id| id % 7 == 0).count());
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("记录不存在 / no such record")]
    NotFound,
    /// The record's state forbids the change (HTTP 409).
    #[error("{zh} / {en}")]
    Conflict { zh: String, en: String },
    #[error(
        "此文件已导入（批次 {batch}，{at}） / this file was already imported (batch {batch}, {at})"
    )]
    AlreadyImported { batch: i64, at: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for RecordError {
    fn from(e: sea_orm::DbErr) -> Self {
        RecordError::Store(StoreError::Db(e))
    }
}

fn conflict(zh: impl Into<String>, en: impl Into<String>) -> RecordError {
    RecordError::Conflict {
        zh: zh.into(),
        en: en.into(),
    }
}

fn active_model(
    plan_id: &str,
    n: &NewRecord,
    status: Status,
    actor: &str,
    now: &str,
    batch: Option<i64>,
) -> record::ActiveModel {
    let v = &n.valid;
    record::ActiveModel {
        plan_id: Set(plan_id.to_string()),
        kind: Set(v.kind.key().to_string()),
        status: Set(status.key().to_string()),
        reporting_unit: Set(v.reporting_unit.clone()),
        county: Set(n.county.clone()),
        plan_year: Set(v.plan_year),
        event_date: Set(v.event_date()),
        data: Set(v.fields_json_text()),
        notes: Set(v.notes.clone()),
        id_cipher: Set(n.id.as_ref().map(|p| p.cipher.clone())),
        id_blind: Set(n.id.as_ref().map(|p| p.blind.clone())),
        id_masked: Set(n.id.as_ref().map(|p| p.masked.clone())),
        natural_key: Set(n.natural_key.clone()),
        reject_reason: Set(None),
        version: Set(1),
        import_batch_id: Set(batch),
        evidence_count: Set(0),
        created_by: Set(actor.to_string()),
        created_at: Set(now.to_string()),
        updated_by: Set(actor.to_string()),
        updated_at: Set(now.to_string()),
        edited_by: Set(Some(actor.to_string())),
        ..Default::default()
    }
}

/// A county sees the records concerning it once their unit submitted them: a town's
/// draft is still the town's own (the same rule as `Actor::can_read`).
fn county_visible(county: &str) -> Condition {
    Condition::all()
        .add(record::Column::County.eq(county))
        .add(record::Column::Status.ne(Status::Draft.key()))
}

/// Filters for listing records.
#[derive(Debug, Clone, Default)]
pub struct RecordQuery {
    pub kind: Option<RecordKind>,
    pub year: Option<i32>,
    pub reporting_unit: Option<String>,
    pub status: Option<Status>,
    pub search: Option<String>,
    /// Restrict to what a unit-bound role may see: records it reported, or (receiver)
    /// that concern its county.
    pub visible_to_unit: Option<String>,
    pub include_county: bool,
    pub only_status: Option<Vec<Status>>,
    pub page: u64,
    pub per_page: u64,
    pub newest_first: bool,
}

/// Result of importing one file.
#[derive(Debug, Clone, Serialize)]
pub struct ImportOutcome {
    pub batch: i64,
    pub inserted: usize,
    /// Rows whose natural key was already present: not inserted again.
    pub skipped_existing: usize,
}

pub struct ImportFile<'a> {
    pub kind: RecordKind,
    pub file_name: &'a str,
    pub sha256: &'a str,
}

impl Store {
    /// Only the records of this store's plan: another plan's record looks absent.
    fn in_plan(&self) -> Condition {
        Condition::all().add(record::Column::PlanId.eq(self.plan_id()))
    }

    pub async fn get_record(&self, id: i64) -> Result<Option<StoredRecord>, StoreError> {
        Ok(record::Entity::find_by_id(id)
            .filter(self.in_plan())
            .one(&self.db)
            .await?
            .and_then(|m| to_stored(&self.kinds(), m)))
    }

    async fn locked_record(
        &self,
        txn: &DatabaseTransaction,
        id: i64,
    ) -> Result<StoredRecord, RecordError> {
        record::Entity::find_by_id(id)
            .filter(self.in_plan())
            .one(txn)
            .await?
            .and_then(|m| to_stored(&self.kinds(), m))
            .ok_or(RecordError::NotFound)
    }

    pub async fn list_records(
        &self,
        q: &RecordQuery,
    ) -> Result<(Vec<StoredRecord>, u64), StoreError> {
        let lookup = self.kinds();
        let mut sel = record::Entity::find().filter(self.in_plan());
        if let Some(k) = q.kind {
            sel = sel.filter(record::Column::Kind.eq(k.key()));
        }
        if let Some(y) = q.year {
            sel = sel.filter(record::Column::PlanYear.eq(y));
        }
        if let Some(u) = &q.reporting_unit {
            sel = sel.filter(record::Column::ReportingUnit.eq(u.as_str()));
        }
        if let Some(s) = q.status {
            sel = sel.filter(record::Column::Status.eq(s.key()));
        }
        if let Some(only) = &q.only_status {
            sel = sel.filter(record::Column::Status.is_in(only.iter().map(|s| s.key())));
        }
        if let Some(u) = &q.visible_to_unit {
            let mut c = Condition::any().add(record::Column::ReportingUnit.eq(u.as_str()));
            if q.include_county {
                c = c.add(county_visible(u));
            }
            sel = sel.filter(c.add(named_visible(u)));
        }
        if let Some(s) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            // The search text is literal: `%` and `_` escaped (with `!`, which needs no
            // quoting on either backend), so `q=%` finds a literal % and not every record.
            let mut escaped = String::with_capacity(s.len() + 2);
            for c in s.chars() {
                if matches!(c, '!' | '%' | '_') {
                    escaped.push('!');
                }
                escaped.push(c);
            }
            let pattern = format!("%{escaped}%");
            let like = || sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('!');
            sel = sel.filter(
                Condition::any()
                    .add(record::Column::Data.like(like()))
                    .add(record::Column::Notes.like(like())),
            );
        }
        // The count as a plain `SELECT COUNT(*) … WHERE` (an index walk): a paginator
        // counts over a sub-query of the ordered rows, which materialised and sorted every
        // matching row, all columns, on each request.
        let count = sel
            .clone()
            .select_only()
            .column_as(Expr::cust("COUNT(*)"), "n")
            .into_tuple::<i64>()
            .one(&self.db);
        sel = if q.newest_first {
            sel.order_by_desc(record::Column::Id)
        } else {
            sel.order_by_asc(record::Column::Id)
        };
        let per_page = q.per_page.clamp(1, 1000);
        // A page far past the end is empty; capped so that page × per_page cannot
        // overflow (a panic) or exceed what the databases take as an OFFSET.
        let page = std::cmp::Ord::min(q.page, u64::from(u32::MAX) / per_page);
        // Newest (or oldest) first within a kind walks the `record_kind_id` index in
        // order and stops after the page, instead of sorting every row of the kind.
        let rows = sel.limit(per_page).offset(page * per_page).all(&self.db);
        let (total, rows) = tokio::try_join!(count, rows)?;
        Ok((
            rows.into_iter()
                .filter_map(|m| to_stored(&lookup, m))
                .collect(),
            u64::try_from(total.unwrap_or(0)).unwrap_or(0),
        ))
    }

    /// Every record of these kinds in the given statuses, as the indicator engine reads
    /// them (only the columns it needs), in id order.
    pub async fn records_for_engine(
        &self,
        kinds: &[RecordKind],
        statuses: &[Status],
    ) -> Result<Vec<EngineRecord>, StoreError> {
        if self.backend() == sea_orm::DatabaseBackend::Sqlite {
            return self.engine_rows_sqlite(kinds, statuses).await;
        }
        self.engine_rows(kinds, statuses, Condition::all()).await
    }

    /// `records_for_engine` on SQLite: one statement stepped through SQLite's C API on a
    /// blocking thread (`sqlite_scan`), its rows decoded in pages by one thread per core
    /// while the scan goes on. A page that does not decode as expected is read again
    /// through the driver (`engine_page`), as `engine_rows` does.
    async fn engine_rows_sqlite(
        &self,
        kinds: &[RecordKind],
        statuses: &[Status],
    ) -> Result<Vec<EngineRecord>, StoreError> {
        let lookup = self.kinds();
        // Keys are the enums' own fixed words, never user input.
        let list = |keys: &mut dyn Iterator<Item = &str>| {
            keys.map(|k| format!("'{k}'"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut sql = format!(
            "SELECT id, kind, status, plan_year, evidence_count, id_blind, reporting_unit, data \
             FROM record WHERE plan_id = '{}' AND status IN ({})",
            // The plan's id is the plan file's text: quoted as SQL quotes it.
            self.plan_id().replace('\'', "''"),
            list(&mut statuses.iter().map(|s| s.key()))
        );
        // As in `engine_page`: no kind filter when every kind is wanted (the table is then
        // read in id order, with no sort).
        if !wants_every_kind(&lookup, kinds) {
            sql.push_str(&format!(
                " AND kind IN ({})",
                list(&mut kinds.iter().map(|k| k.key()))
            ));
        }
        sql.push_str(" ORDER BY id");
        let failed = |e: String| StoreError::Db(sea_orm::DbErr::Custom(e));
        let conn = self
            .db
            .get_sqlite_connection_pool()
            .acquire()
            .await
            .map_err(|e| failed(e.to_string()))?;
        let runtime = tokio::runtime::Handle::current();
        let scan_lookup = lookup.clone();
        let pages = tokio::task::spawn_blocking(move || {
            let lookup = scan_lookup;
            let mut conn = conn;
            let workers = std::thread::available_parallelism().map_or(2, usize::from);
            // Bounded: the scan waits for the decoders rather than holding every page.
            let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, RawPage)>(workers * 2);
            let rx = std::sync::Mutex::new(rx);
            std::thread::scope(|threads| {
                let decoders: Vec<_> = (0..workers)
                    .map(|_| {
                        threads.spawn(|| {
                            let mut done = Vec::new();
                            while let Ok((index, page)) = rx.lock().expect("page queue").recv() {
                                done.push((index, page.after, decode_raw_page(&lookup, &page)));
                            }
                            done
                        })
                    })
                    .collect();
                let mut index = 0;
                let scanned =
                    sqlite_scan::scan(&runtime, &mut conn, &sql, ENGINE_PAGE as usize, |page| {
                        // A decoder gone means it panicked: join reports it below.
                        let _ = tx.send((index, page));
                        index += 1;
                    });
                drop(tx);
                let mut pages: Vec<_> = decoders
                    .into_iter()
                    .flat_map(|d| d.join().expect("decoder thread"))
                    .collect();
                pages.sort_by_key(|p| p.0);
                scanned.map(|()| pages)
            })
        })
        .await
        .map_err(|e| failed(e.to_string()))?
        .map_err(failed)?;
        let mut out =
            Vec::with_capacity(pages.iter().map(|p| p.2.as_ref().map_or(0, Vec::len)).sum());
        for (_, after, decoded) in pages {
            match decoded {
                Some(records) => out.extend(records),
                None => {
                    let rows: Vec<EngineRow> = Self::engine_page(
                        wants_every_kind(&lookup, kinds),
                        kinds,
                        statuses,
                        &self.in_plan(),
                        after,
                    )
                    .into_tuple()
                    .all(&self.db)
                    .await?;
                    out.extend(
                        rows.into_iter()
                            .filter_map(|r| decode_engine_row(&lookup, r)),
                    );
                }
            }
        }
        Ok(out)
    }

    /// What `records_for_engine` gives for the records a change touched (`changes`,
    /// from `record_changes_between`): the records now in the selection, in id order.
    /// A touched record absent from the answer has left the selection (deleted,
    /// reopened, rejected).
    pub async fn records_for_engine_changed(
        &self,
        kinds: &[RecordKind],
        statuses: &[Status],
        changes: &RecordChanges,
    ) -> Result<Vec<EngineRecord>, StoreError> {
        let mut out = Vec::new();
        for ids in changes.ids.chunks(500) {
            let only = Condition::all().add(record::Column::Id.is_in(ids.iter().copied()));
            out.extend(self.engine_rows(kinds, statuses, only).await?);
        }
        for batches in changes.import_batches.chunks(500) {
            let only =
                Condition::all().add(record::Column::ImportBatchId.is_in(batches.iter().copied()));
            out.extend(self.engine_rows(kinds, statuses, only).await?);
        }
        out.sort_by_key(|r| r.id);
        out.dedup_by_key(|r| r.id);
        Ok(out)
    }

    /// The records changed by the writes after audit entry `after_seq` up to `upto_seq`,
    /// read from the audit trail (every write appends to it in its transaction). None
    /// when the trail cannot tell: an entry of a kind not known here, a gap in the chain,
    /// or so many entries that loading everything is as cheap.
    pub async fn record_changes_between(
        &self,
        after_seq: i64,
        upto_seq: i64,
    ) -> Result<Option<RecordChanges>, StoreError> {
        /// Beyond this many entries a full load is the simpler answer.
        const MAX_ENTRIES: i64 = 20_000;
        if upto_seq < after_seq || upto_seq - after_seq > MAX_ENTRIES {
            return Ok(None);
        }
        let entries: Vec<(i64, String, String)> = audit_log::Entity::find()
            .select_only()
            .columns([
                audit_log::Column::Seq,
                audit_log::Column::Action,
                audit_log::Column::EntityId,
            ])
            .filter(audit_log::Column::Seq.gt(after_seq))
            .filter(audit_log::Column::Seq.lte(upto_seq))
            .order_by_asc(audit_log::Column::Seq)
            .into_tuple()
            .all(&self.db)
            .await?;
        if i64::try_from(entries.len()).ok() != Some(upto_seq - after_seq) {
            return Ok(None);
        }
        let mut changes = RecordChanges::default();
        for (_, action, entity_id) in &entries {
            match action.as_str() {
                // A record's content, status, receipt or evidence count changed, or it
                // was created or deleted: the entry names the record.
                "record.create"
                | "record.update"
                | "record.submit"
                | "record.approve"
                | "record.reject"
                | "record.reopen"
                | "record.confirm"
                | "record.delete"
                | "record.dispute"
                | "record.receipt_cleared"
                | "evidence.add" => match entity_id.parse() {
                    Ok(id) => changes.ids.push(id),
                    Err(_) => return Ok(None),
                },
                // An import: the entry names the batch its records carry.
                "record.import" => match entity_id.parse() {
                    Ok(batch) => changes.import_batches.push(batch),
                    Err(_) => return Ok(None),
                },
                // Reads and accounts: no record changed.
                "personal_data.unmask" | "record.export_unmasked" => {}
                a if a.starts_with("user.") => {}
                _ => return Ok(None),
            }
        }
        changes.ids.sort_unstable();
        changes.ids.dedup();
        changes.import_batches.sort_unstable();
        changes.import_batches.dedup();
        Ok(Some(changes))
    }

    /// The engine's columns of the records of these kinds and statuses that also meet
    /// `only`, in id order, in pages of `ENGINE_PAGE` records.
    ///
    /// Each page comes back as one text (`string_agg` of one line per record, in SQL
    /// both SQLite and PostgreSQL run): a row at a time, the driver's per-row work
    /// (a message and a copy of every value) cost four times the reading itself. While
    /// the next page is read, the pages before it are decoded on blocking threads, so the
    /// two cores share the work. A page whose text does not split as expected (a unit
    /// name with a tab or line break) is read again row by row.
    async fn engine_rows(
        &self,
        kinds: &[RecordKind],
        statuses: &[Status],
        only: Condition,
    ) -> Result<Vec<EngineRecord>, StoreError> {
        let lookup = self.kinds();
        let only = only.add(self.in_plan());
        use sea_orm::QueryTrait;
        /// One line per record: the fixed columns, tab-separated, then the JSON data
        /// (compact JSON has no raw tab or line break).
        const LINES: &str = "string_agg(concat_ws('\t', id, kind, status, plan_year, \
            evidence_count, COALESCE(id_blind, ''), reporting_unit, data), '\n')";
        let mut decoded = Vec::new();
        let mut after = 0i64;
        loop {
            let page = Self::engine_page(
                wants_every_kind(&lookup, kinds),
                kinds,
                statuses,
                &only,
                after,
            )
            .into_query();
            let agg = Query::select()
                .expr_as(Expr::cust("COUNT(*)"), "n")
                .expr_as(Expr::cust("MAX(id)"), "last")
                .expr_as(Expr::cust(LINES), "lines")
                .from_subquery(page, "r")
                .to_owned();
            let Some(row) = self.db.query_one(&agg).await? else {
                break;
            };
            let n: i64 = row.try_get("", "n")?;
            let (Some(last), Some(lines)) = (
                row.try_get::<Option<i64>>("", "last")?,
                row.try_get::<Option<String>>("", "lines")?,
            ) else {
                break;
            };
            let n = usize::try_from(n).unwrap_or(0);
            let page_after = after;
            after = last;
            decoded.push((
                page_after,
                tokio::task::spawn_blocking({
                    let lookup = lookup.clone();
                    move || decode_engine_lines(&lookup, &lines, n)
                }),
            ));
            if n < ENGINE_PAGE as usize {
                break;
            }
        }
        let mut pages = Vec::with_capacity(decoded.len());
        for (page_after, page) in decoded {
            let page = page
                .await
                .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
            pages.push(match page {
                Some(records) => records,
                None => {
                    let rows: Vec<EngineRow> = Self::engine_page(
                        wants_every_kind(&lookup, kinds),
                        kinds,
                        statuses,
                        &only,
                        page_after,
                    )
                    .into_tuple()
                    .all(&self.db)
                    .await?;
                    rows.into_iter()
                        .filter_map(|r| decode_engine_row(&lookup, r))
                        .collect()
                }
            });
        }
        // One allocation of the final size (growing a vector of a million records
        // copies it and touches fresh memory at every doubling).
        let mut out = Vec::with_capacity(pages.iter().map(Vec::len).sum());
        for page in pages {
            out.extend(page);
        }
        Ok(out)
    }

    /// One page of `engine_rows`: the records after id `after` (engine columns only).
    fn engine_page(
        every_kind: bool,
        kinds: &[RecordKind],
        statuses: &[Status],
        only: &Condition,
        after: i64,
    ) -> sea_orm::Select<record::Entity> {
        // Every kind wanted: no kind filter, so the table is read in id order (a kind
        // list makes SQLite read through the kind index and sort the rows by id).
        let mut query = record::Entity::find()
            .select_only()
            .columns([
                record::Column::Id,
                record::Column::Kind,
                record::Column::Status,
                record::Column::ReportingUnit,
                record::Column::PlanYear,
                record::Column::Data,
                record::Column::IdBlind,
                record::Column::EvidenceCount,
            ])
            .filter(record::Column::Id.gt(after))
            .filter(record::Column::Status.is_in(statuses.iter().map(|s| s.key())))
            .filter(only.clone());
        if !every_kind {
            query = query.filter(record::Column::Kind.is_in(kinds.iter().map(|k| k.key())));
        }
        query.order_by_asc(record::Column::Id).limit(ENGINE_PAGE)
    }

    /// One page of records after `after_id` in id order (keyset paging: exports stream a
    /// million rows without holding them). Visibility filters of `q` apply; its paging does not.
    pub async fn records_after(
        &self,
        q: &RecordQuery,
        after_id: i64,
        limit: u64,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let lookup = self.kinds();
        let mut sel = record::Entity::find()
            .filter(self.in_plan())
            .filter(record::Column::Id.gt(after_id));
        if let Some(k) = q.kind {
            sel = sel.filter(record::Column::Kind.eq(k.key()));
        }
        if let Some(y) = q.year {
            sel = sel.filter(record::Column::PlanYear.eq(y));
        }
        if let Some(s) = q.status {
            sel = sel.filter(record::Column::Status.eq(s.key()));
        }
        if let Some(only) = &q.only_status {
            sel = sel.filter(record::Column::Status.is_in(only.iter().map(|s| s.key())));
        }
        if let Some(u) = &q.reporting_unit {
            sel = sel.filter(record::Column::ReportingUnit.eq(u.as_str()));
        }
        if let Some(u) = &q.visible_to_unit {
            let mut c = Condition::any().add(record::Column::ReportingUnit.eq(u.as_str()));
            if q.include_county {
                c = c.add(county_visible(u));
            }
            sel = sel.filter(c.add(named_visible(u)));
        }
        let rows = sel
            .order_by_asc(record::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|m| to_stored(&lookup, m))
            .collect())
    }

    /// Records by id, for the records behind a figure.
    pub async fn records_by_ids(&self, ids: &[i64]) -> Result<Vec<StoredRecord>, StoreError> {
        let lookup = self.kinds();
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let rows = record::Entity::find()
                .filter(self.in_plan())
                .filter(record::Column::Id.is_in(chunk.iter().copied()))
                .order_by_asc(record::Column::Id)
                .all(&self.db)
                .await?;
            out.extend(rows.into_iter().filter_map(|m| to_stored(&lookup, m)));
        }
        Ok(out)
    }

    /// Does a voucher number already exist for this payer (other than `except`)?
    pub async fn natural_key_exists(
        &self,
        key: &str,
        except: Option<i64>,
    ) -> Result<bool, StoreError> {
        let mut sel = record::Entity::find()
            .filter(self.in_plan())
            .filter(record::Column::NaturalKey.eq(key));
        if let Some(id) = except {
            sel = sel.filter(record::Column::Id.ne(id));
        }
        Ok(sel.count(&self.db).await? > 0)
    }

    pub async fn create_record(
        &self,
        n: &NewRecord,
        status: Status,
        actor: &str,
    ) -> Result<StoredRecord, RecordError> {
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        if let Some(key) = &n.natural_key {
            if record::Entity::find()
                .filter(self.in_plan())
                .filter(record::Column::NaturalKey.eq(key.as_str()))
                .count(&txn)
                .await?
                > 0
            {
                return Err(conflict(
                    "已有相同记录（同一拨付单位的凭证号或同一人员同一日期）",
                    "a record with the same natural key exists (payer + voucher, or person + start date)",
                ));
            }
        }
        let now = now_text();
        let m = active_model(&self.plan_id(), n, status, actor, &now, None)
            .insert(&txn)
            .await?;
        let stored = to_stored(&self.kinds(), m)
            .ok_or_else(|| conflict("记录无法读取", "record unreadable"))?;
        record_units::write(
            &txn,
            stored.id,
            stored.kind,
            &stored.reporting_unit,
            &stored.fields,
        )
        .await?;
        audit::append(
            &txn,
            &[
                AuditEvent::new(actor, "record.create", stored.kind.key(), stored.id)
                    .after(&stored.public_json()),
            ],
        )
        .await?;
        txn.commit().await?;
        Ok(stored)
    }

    /// Change a record's content; only while draft or rejected, and only from the version read.
    pub async fn update_record(
        &self,
        id: i64,
        expected_version: Option<i32>,
        n: &NewRecord,
        actor: &str,
    ) -> Result<StoredRecord, RecordError> {
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        let before = self.locked_record(&txn, id).await?;
        if !before.status.is_editable() {
            return Err(conflict(
                format!("记录状态为「{}」，不能修改", before.status.label_zh()),
                format!(
                    "the record is {}; it cannot be changed",
                    before.status.key()
                ),
            ));
        }
        if let Some(v) = expected_version {
            if v != before.version {
                return Err(conflict(
                    "记录已被他人修改，请刷新后重试",
                    "the record was changed by someone else; reload and try again",
                ));
            }
        }
        if let Some(key) = &n.natural_key {
            let dup = record::Entity::find()
                .filter(self.in_plan())
                .filter(record::Column::NaturalKey.eq(key.as_str()))
                .filter(record::Column::Id.ne(id))
                .count(&txn)
                .await?;
            if dup > 0 {
                return Err(conflict(
                    "已有相同记录（同一拨付单位的凭证号或同一人员同一日期）",
                    "a record with the same natural key exists",
                ));
            }
        }
        // A confirmation vouches for these amount, payer, payee, source and year only;
        // decided here, under the lock, against what is really stored.
        let cleared = duikou_domain::receipt::change_clears(&before.fields, &n.valid.fields);
        let unconfirmed;
        let n = if cleared {
            let mut c = n.clone();
            c.valid.fields.remove("received_on");
            unconfirmed = c;
            &unconfirmed
        } else {
            n
        };
        let mut am = active_model(
            &self.plan_id(),
            n,
            before.status,
            actor,
            &now_text(),
            before.import_batch_id,
        );
        am.id = Set(id);
        am.version = Set(before.version + 1);
        am.created_by = Set(before.created_by.clone());
        am.created_at = Set(before.created_at.clone());
        am.evidence_count = Set(before.evidence_count);
        am.reject_reason = Set(before.reject_reason.clone());
        // Keep the stored ID when the change does not give one.
        if n.id.is_none() {
            am.id_cipher = Set(before.id_cipher.clone());
            am.id_blind = Set(before.id_blind.clone());
            am.id_masked = Set(before.id_masked.clone());
        }
        let m = am.update(&txn).await?;
        let after = to_stored(&self.kinds(), m)
            .ok_or_else(|| conflict("记录无法读取", "record unreadable"))?;
        record_units::write(&txn, id, after.kind, &after.reporting_unit, &after.fields).await?;
        let mut events = vec![
            AuditEvent::new(actor, "record.update", after.kind.key(), id)
                .before(&before.public_json())
                .after(&after.public_json()),
        ];
        if cleared {
            events.push(
                AuditEvent::new(actor, "record.receipt_cleared", after.kind.key(), id)
                    .before(&serde_json::json!({
                        "received_on": before.fields.get("received_on").map(|v| v.display()),
                    }))
                    .after(&serde_json::json!({
                        "received_on": null,
                        "reason": "confirmed fields changed; the payee must confirm again",
                        "fields": duikou_domain::receipt::BOUND_FIELDS,
                    })),
            );
        }
        audit::append(&txn, &events).await?;
        txn.commit().await?;
        Ok(after)
    }

    /// Apply a review transition (submit, approve, reject, reopen).
    pub async fn transition_record(
        &self,
        id: i64,
        t: Transition,
        reason: Option<&str>,
        expected_version: Option<i32>,
        actor: &str,
    ) -> Result<StoredRecord, RecordError> {
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        let before = self.locked_record(&txn, id).await?;
        let after = self
            .apply_transition(&txn, &before, t, reason, expected_version, actor)
            .await?;
        txn.commit().await?;
        Ok(after)
    }

    async fn apply_transition(
        &self,
        txn: &DatabaseTransaction,
        before: &StoredRecord,
        t: Transition,
        reason: Option<&str>,
        expected_version: Option<i32>,
        actor: &str,
    ) -> Result<StoredRecord, RecordError> {
        let Some(next) = t.apply(before.status) else {
            return Err(conflict(
                format!(
                    "记录状态为「{}」，不能{}",
                    before.status.label_zh(),
                    transition_zh(t)
                ),
                format!(
                    "a {} record cannot be {}",
                    before.status.key(),
                    transition_past_en(t)
                ),
            ));
        };
        if let Some(v) = expected_version {
            if v != before.version {
                return Err(conflict(
                    "记录已被他人修改，请刷新后重试",
                    "the record was changed by someone else; reload and try again",
                ));
            }
        }
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        let mut am = record::ActiveModel {
            id: Set(before.id),
            ..Default::default()
        };
        am.status = Set(next.key().to_string());
        am.version = Set(before.version + 1);
        am.updated_by = Set(actor.to_string());
        am.updated_at = Set(now_text());
        if t == Transition::Reject {
            am.reject_reason = Set(reason.map(str::to_string));
        } else if t == Transition::Submit {
            am.reject_reason = Set(None);
        }
        // Conditional update: the row changes only if nobody changed it meanwhile.
        let res = record::Entity::update_many()
            .set(am)
            .filter(record::Column::Id.eq(before.id))
            .filter(record::Column::Version.eq(before.version))
            .exec(txn)
            .await?;
        if res.rows_affected != 1 {
            return Err(conflict(
                "记录已被他人修改，请刷新后重试",
                "the record was changed by someone else; reload and try again",
            ));
        }
        let after = self.locked_record(txn, before.id).await?;
        let mut ev = AuditEvent::new(actor, &format!("record.{}", t.key()), before.kind.key(), before.id)
            .before(&serde_json::json!({ "status": before.status.key(), "version": before.version }))
            .after(&serde_json::json!({ "status": next.key(), "version": after.version, "reason": reason }));
        if t == Transition::Approve {
            ev = ev.after(&after.public_json());
        }
        audit::append(txn, &[ev]).await?;
        Ok(after)
    }

    /// Approve many submitted records at once; returns how many changed.
    pub async fn bulk_transition(
        &self,
        ids: &[i64],
        t: Transition,
        reason: Option<&str>,
        actor: &str,
    ) -> Result<Vec<(i64, Result<(), String>)>, RecordError> {
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        let mut out = Vec::new();
        for &id in ids {
            match self.locked_record(&txn, id).await {
                Ok(before) => {
                    match self
                        .apply_transition(&txn, &before, t, reason, None, actor)
                        .await
                    {
                        Ok(_) => out.push((id, Ok(()))),
                        Err(e) => out.push((id, Err(e.to_string()))),
                    }
                }
                Err(e) => out.push((id, Err(e.to_string()))),
            }
        }
        txn.commit().await?;
        Ok(out)
    }

    /// The payee confirms receipt of a transfer.
    pub async fn confirm_receipt(
        &self,
        id: i64,
        received_on: time::Date,
        actor: &str,
    ) -> Result<StoredRecord, RecordError> {
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        let before = self.locked_record(&txn, id).await?;
        // Checked again under the lock: the record may have changed since the caller read it.
        duikou_domain::receipt::confirmable(
            before.kind,
            before.status,
            &before.fields,
            received_on,
        )
        .map_err(|r| conflict(r.zh, r.en))?;
        let mut fields = before.fields.clone();
        fields.insert("received_on".into(), Value::Date(received_on));
        let data = duikou_domain::record::fields_to_json(&fields).to_string();
        let am = record::ActiveModel {
            id: Set(id),
            data: Set(data),
            event_date: Set(Some(received_on)),
            version: Set(before.version + 1),
            updated_by: Set(actor.to_string()),
            updated_at: Set(now_text()),
            ..Default::default()
        };
        am.update(&txn).await?;
        audit::append(
            &txn,
            &[AuditEvent::new(actor, "record.confirm", "transfer", id)
                .after(&serde_json::json!({ "received_on": format_date(received_on) }))],
        )
        .await?;
        let after = self.locked_record(&txn, id).await?;
        record_units::write(&txn, id, after.kind, &after.reporting_unit, &after.fields).await?;
        txn.commit().await?;
        Ok(after)
    }

    pub async fn delete_record(&self, id: i64, actor: &str) -> Result<(), RecordError> {
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        let before = self.locked_record(&txn, id).await?;
        if !before.status.is_editable() {
            return Err(conflict(
                format!("记录状态为「{}」，不能删除", before.status.label_zh()),
                format!("a {} record cannot be deleted", before.status.key()),
            ));
        }
        record_units::remove(&txn, id).await?;
        record::Entity::delete_by_id(id).exec(&txn).await?;
        audit::append(
            &txn,
            &[
                AuditEvent::new(actor, "record.delete", before.kind.key(), id)
                    .before(&before.public_json()),
            ],
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Was this exact file already imported for this kind?
    pub async fn find_import(
        &self,
        kind: RecordKind,
        sha256: &str,
    ) -> Result<Option<(i64, String)>, StoreError> {
        Ok(import_batch::Entity::find()
            .filter(import_batch::Column::PlanId.eq(self.plan_id()))
            .filter(import_batch::Column::Kind.eq(kind.key()))
            .filter(import_batch::Column::FileSha256.eq(sha256))
            .one(&self.db)
            .await?
            .map(|b| (b.id, b.imported_at)))
    }

    /// Stored records' data by natural key, for the keys among `keys` that exist.
    pub async fn stored_by_natural_key(
        &self,
        keys: &[String],
    ) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let mut found = std::collections::HashMap::new();
        for chunk in keys.chunks(500) {
            let rows: Vec<(Option<String>, String)> = record::Entity::find()
                .select_only()
                .column(record::Column::NaturalKey)
                .column(record::Column::Data)
                .filter(self.in_plan())
                .filter(record::Column::NaturalKey.is_in(chunk.iter().cloned()))
                .into_tuple()
                .all(&self.db)
                .await?;
            found.extend(rows.into_iter().filter_map(|(k, d)| k.map(|k| (k, d))));
        }
        Ok(found)
    }

    /// Write a whole file's records in one transaction: all or nothing. Rows whose
    /// natural key already exists are skipped, so a re-import creates no duplicates.
    /// (The same [`ImportSession`] a streamed import uses, fed from memory.)
    pub async fn import_records(
        &self,
        file: &ImportFile<'_>,
        rows: &[NewRecord],
        status: Status,
        actor: &str,
        mut progress: impl FnMut(usize),
    ) -> Result<ImportOutcome, RecordError> {
        let mut session = self.begin_import(file, status, actor, true).await?;
        let mut done = 0usize;
        for chunk in rows.chunks(IMPORT_CHUNK_ROWS) {
            let keys: Vec<&str> = chunk
                .iter()
                .filter_map(|r| r.natural_key.as_deref())
                .collect();
            let found = session.stored(&keys).await?;
            let mut seen: HashSet<&str> = HashSet::with_capacity(keys.len());
            let mut new = Vec::with_capacity(chunk.len());
            for r in chunk {
                if let Some(k) = r.natural_key.as_deref() {
                    if found.contains_key(k) || !seen.insert(k) {
                        session.skip(1);
                        continue;
                    }
                }
                new.push(r);
            }
            session.insert(&new).await?;
            done += chunk.len();
            progress(done);
        }
        session.finish(rows.len()).await
    }

    /// Begin importing a file whose rows arrive in chunks: one transaction, holding the
    /// audit head from the start, takes every chunk's rows and, in [`ImportSession::finish`],
    /// the import batch's audit entry; dropping the session instead rolls it all back.
    /// Refuses a file (kind + SHA-256) that was already imported. With `write` false (a
    /// dry run) no transaction is opened and nothing can be written: only
    /// [`ImportSession::stored`] answers.
    pub async fn begin_import(
        &self,
        file: &ImportFile<'_>,
        status: Status,
        actor: &str,
        write: bool,
    ) -> Result<ImportSession<'_>, RecordError> {
        let now = now_text();
        let mut session = ImportSession {
            store: self,
            plan_id: self.plan_id(),
            txn: None,
            batch: None,
            kind: file.kind,
            file_name: file.file_name.to_string(),
            sha256: file.sha256.to_string(),
            status,
            actor: actor.to_string(),
            now,
            digest: Sha256::new(),
            inserted: 0,
            skipped: 0,
            units_after: i64::MIN,
        };
        if !write {
            return Ok(session);
        }
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        if let Some(b) = import_batch::Entity::find()
            .filter(import_batch::Column::PlanId.eq(self.plan_id()))
            .filter(import_batch::Column::Kind.eq(file.kind.key()))
            .filter(import_batch::Column::FileSha256.eq(file.sha256))
            .one(&txn)
            .await?
        {
            return Err(RecordError::AlreadyImported {
                batch: b.id,
                at: b.imported_at,
            });
        }
        // The row count is set when the import finishes.
        let batch = import_batch::ActiveModel {
            plan_id: Set(self.plan_id()),
            kind: Set(file.kind.key().to_string()),
            file_name: Set(file.file_name.to_string()),
            file_sha256: Set(file.sha256.to_string()),
            rows: Set(0),
            imported_by: Set(actor.to_string()),
            imported_at: Set(session.now.clone()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        session.batch = Some(batch.id);
        // Rows written from here on have higher ids: `insert` indexes only those.
        let max_id: Option<i64> = record::Entity::find()
            .select_only()
            .column_as(Expr::cust("MAX(id)"), "m")
            .into_tuple()
            .one(&txn)
            .await?
            .flatten();
        session.units_after = max_id.unwrap_or(0);
        session.txn = Some(txn);
        Ok(session)
    }
}

/// Rows per chunk when an import is written in pieces (see [`Store::begin_import`]).
pub const IMPORT_CHUNK_ROWS: usize = 1_000;

/// A file's import in progress: see [`Store::begin_import`].
pub struct ImportSession<'s> {
    store: &'s Store,
    /// The plan the rows are written to (the store's, when the import began).
    plan_id: String,
    txn: Option<DatabaseTransaction>,
    batch: Option<i64>,
    kind: RecordKind,
    file_name: String,
    sha256: String,
    status: Status,
    actor: String,
    now: String,
    digest: Sha256,
    inserted: usize,
    skipped: usize,
    /// The highest record id whose named units are indexed (`record_named_unit`).
    units_after: i64,
}

/// A record already in the database under a natural key an import brings.
#[derive(Debug, Clone)]
pub struct StoredByKey {
    /// The record's data (JSON text, as [`ValidRecord::fields_json_text`] writes it).
    pub data: String,
    /// Written by this import (an earlier row of the same file), not stored before it.
    pub this_import: bool,
}

impl ImportSession<'_> {
    /// Whether rows are written (false for a dry run).
    pub fn writes(&self) -> bool {
        self.txn.is_some()
    }

    /// The records stored under any of `keys`, by natural key: stored before this
    /// import, or written by it already (inside its transaction).
    pub async fn stored(
        &self,
        keys: &[&str],
    ) -> Result<std::collections::HashMap<String, StoredByKey>, StoreError> {
        let mut found = std::collections::HashMap::new();
        for chunk in keys.chunks(500) {
            let q = record::Entity::find()
                .select_only()
                .column(record::Column::NaturalKey)
                .column(record::Column::Data)
                .column(record::Column::ImportBatchId)
                .filter(self.store.in_plan())
                .filter(record::Column::NaturalKey.is_in(chunk.iter().copied()))
                .into_tuple::<(Option<String>, String, Option<i64>)>();
            let rows = match &self.txn {
                Some(txn) => q.all(txn).await?,
                None => q.all(&self.store.db).await?,
            };
            found.extend(rows.into_iter().filter_map(|(k, data, batch)| {
                k.map(|k| {
                    let this_import = batch.is_some() && batch == self.batch;
                    (k, StoredByKey { data, this_import })
                })
            }));
        }
        Ok(found)
    }

    /// Count rows not written because their natural key is already there.
    pub fn skip(&mut self, rows: usize) {
        self.skipped += rows;
    }

    /// Write rows (the caller has left out those whose key is already there), 256 per
    /// statement. Does nothing in a dry run.
    pub async fn insert(&mut self, rows: &[&NewRecord]) -> Result<(), StoreError> {
        let Some(txn) = &self.txn else {
            return Ok(());
        };
        for part in rows.chunks(256) {
            let models: Vec<record::ActiveModel> = part
                .iter()
                .map(|r| {
                    let am = active_model(
                        &self.plan_id,
                        r,
                        self.status,
                        &self.actor,
                        &self.now,
                        self.batch,
                    );
                    if let sea_orm::ActiveValue::Set(d) = &am.data {
                        self.digest.update(d.as_bytes());
                    }
                    am
                })
                .collect();
            record::Entity::insert_many(models)
                .exec_without_returning(txn)
                .await?;
            self.inserted += part.len();
        }
        // The rows just written are this batch's above the last id indexed (the
        // transaction holds the audit head: nobody else inserts meanwhile).
        self.units_after =
            record_units::index_after(txn, &self.store.kinds(), self.batch, self.units_after)
                .await?;
        Ok(())
    }

    /// Set the batch's row count (`rows`: every row of the file, written or skipped),
    /// append the audit entry and commit.
    pub async fn finish(self, rows: usize) -> Result<ImportOutcome, RecordError> {
        let (Some(txn), Some(batch)) = (self.txn, self.batch) else {
            return Err(RecordError::Store(StoreError::Db(sea_orm::DbErr::Custom(
                "a dry run cannot be finished".into(),
            ))));
        };
        import_batch::Entity::update_many()
            .col_expr(import_batch::Column::Rows, Expr::value(rows as i32))
            .filter(import_batch::Column::Id.eq(batch))
            .exec(&txn)
            .await?;
        let after = serde_json::json!({
            "kind": self.kind.key(), "file_name": self.file_name, "file_sha256": self.sha256,
            "rows": rows, "inserted": self.inserted, "skipped_existing": self.skipped,
            "status": self.status.key(), "records_sha256": hex::encode(self.digest.finalize()),
        });
        audit::append(
            &txn,
            &[AuditEvent::new(&self.actor, "record.import", "import_batch", batch).after(&after)],
        )
        .await?;
        txn.commit().await?;
        Ok(ImportOutcome {
            batch,
            inserted: self.inserted,
            skipped_existing: self.skipped,
        })
    }
}

impl Store {
    /// Attach an evidence file's metadata to a record (the file itself is stored by content hash).
    pub async fn add_evidence(
        &self,
        record_id: i64,
        sha256: &str,
        file_name: &str,
        content_type: &str,
        size: i64,
        actor: &str,
    ) -> Result<i64, RecordError> {
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        let rec = self.locked_record(&txn, record_id).await?;
        let m = evidence::ActiveModel {
            record_id: Set(record_id),
            sha256: Set(sha256.to_string()),
            file_name: Set(file_name.to_string()),
            content_type: Set(content_type.to_string()),
            size: Set(size),
            uploaded_by: Set(actor.to_string()),
            uploaded_at: Set(now_text()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let stmt = Query::update()
            .table(record::Entity)
            .value(
                record::Column::EvidenceCount,
                Expr::col(record::Column::EvidenceCount).add(1),
            )
            .and_where(record::Column::Id.eq(record_id))
            .to_owned();
        txn.execute(&stmt).await?;
        let after = serde_json::json!({ "evidence_id": m.id, "file_name": file_name, "sha256": sha256, "size": size, "content_type": content_type });
        audit::append(
            &txn,
            &[AuditEvent::new(actor, "evidence.add", rec.kind.key(), record_id).after(&after)],
        )
        .await?;
        txn.commit().await?;
        Ok(m.id)
    }

    pub async fn evidence_of(&self, record_id: i64) -> Result<Vec<evidence::Model>, StoreError> {
        Ok(evidence::Entity::find()
            .filter(evidence::Column::RecordId.eq(record_id))
            .order_by_asc(evidence::Column::Id)
            .all(&self.db)
            .await?)
    }

    pub async fn evidence_by_id(&self, id: i64) -> Result<Option<evidence::Model>, StoreError> {
        Ok(evidence::Entity::find_by_id(id).one(&self.db).await?)
    }

    /// The audit entries about one entity, oldest first.
    pub async fn history(
        &self,
        entity: &str,
        entity_id: &str,
    ) -> Result<Vec<audit_log::Model>, StoreError> {
        Ok(audit_log::Entity::find()
            .filter(audit_log::Column::Entity.eq(entity))
            .filter(audit_log::Column::EntityId.eq(entity_id))
            .order_by_asc(audit_log::Column::Seq)
            .all(&self.db)
            .await?)
    }

    /// Record an unmasked read of personal data (or any other event without a change).
    pub async fn audit_event(&self, ev: AuditEvent) -> Result<(), StoreError> {
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        audit::append(&txn, &[ev]).await?;
        txn.commit().await?;
        Ok(())
    }

    /// The records of this store's plan.
    pub async fn count_records(&self) -> Result<u64, StoreError> {
        Ok(record::Entity::find()
            .filter(self.in_plan())
            .count(&self.db)
            .await?)
    }
}

/// What a named unit sees of others' records: those naming it, once out of draft
/// (`Actor::can_read`).
fn named_visible(unit: &str) -> Condition {
    Condition::all()
        .add(record::Column::Status.ne(Status::Draft.key()))
        .add(record::Column::Id.in_subquery(record_units::naming(unit)))
}

fn transition_zh(t: Transition) -> &'static str {
    match t {
        Transition::Submit => "提交",
        Transition::Approve => "审核通过",
        Transition::Reject => "退回",
        Transition::Reopen => "重新打开",
        Transition::Dispute => "退回复核",
    }
}

fn transition_past_en(t: Transition) -> &'static str {
    match t {
        Transition::Submit => "submitted",
        Transition::Approve => "approved",
        Transition::Reject => "rejected",
        Transition::Reopen => "reopened",
        Transition::Dispute => "disputed",
    }
}
