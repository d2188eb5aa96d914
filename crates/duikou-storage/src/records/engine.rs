//! Reading records as the indicator engine wants them: only its columns, in id order,
//! in pages (on SQLite one statement stepped through its C API, pages decoded in
//! parallel), and the records a span of the audit trail touched, for incremental figures.

use duikou_domain::engine::EngineRecord;
use duikou_domain::record::Status;
use duikou_domain::schema::RecordKind;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::*;
use crate::entities::{audit_log, record};
use crate::sqlite_scan::{self, RawPage};
use crate::{KindLookup, Store, StoreError};

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

/// The columns the engine reads, in the order of [`EngineRow`].
const ENGINE_COLUMNS: [record::Column; 8] = [
    record::Column::Id,
    record::Column::Kind,
    record::Column::Status,
    record::Column::ReportingUnit,
    record::Column::PlanYear,
    record::Column::Data,
    record::Column::IdBlind,
    record::Column::EvidenceCount,
];

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
            // No plan is loaded in these tests: the store works on plan "".
            plan_id: Set(String::new()),
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
            receipt_confirmed_on: Set(None),
            receipt_confirmed_by: Set(None),
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
                    .columns(ENGINE_COLUMNS)
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

impl Store {
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
        let plan = self.plan_id();
        let mut sql = format!(
            "SELECT id, kind, status, plan_year, evidence_count, id_blind, reporting_unit, data \
             FROM record WHERE status IN ({})",
            list(&mut statuses.iter().map(|s| s.key()))
        );
        if !plan.is_empty() {
            // The plan's id is the plan file's text: quoted as SQL quotes it.
            sql.push_str(&format!(" AND plan_id = '{}'", plan.replace('\'', "''")));
        }
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

    /// `records_for_engine` for the records with `after < id <= upto`: a derivation of
    /// every record's contributions reads them a span at a time, so that its memory is
    /// bounded by the span, not the table.
    pub async fn records_for_engine_span(
        &self,
        kinds: &[RecordKind],
        statuses: &[Status],
        after: i64,
        upto: i64,
    ) -> Result<Vec<EngineRecord>, StoreError> {
        let only = Condition::all()
            .add(record::Column::Id.gt(after))
            .add(record::Column::Id.lte(upto));
        self.engine_rows(kinds, statuses, only).await
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
                | "record.receipt_corrected"
                | "record.receipt_reverted"
                | "record.withdraw"
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
            .columns(ENGINE_COLUMNS)
            .filter(record::Column::Id.gt(after))
            .filter(record::Column::Status.is_in(statuses.iter().map(|s| s.key())))
            .filter(only.clone());
        if !every_kind {
            query = query.filter(record::Column::Kind.is_in(kinds.iter().map(|k| k.key())));
        }
        query.order_by_asc(record::Column::Id).limit(ENGINE_PAGE)
    }
}
