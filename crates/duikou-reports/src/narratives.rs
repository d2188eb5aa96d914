//! What was done on an item that no number measures (工作进展): the latest approved record
//! per checklist item and unit, of every kind the plan marks with `narrates`. Shown with
//! the item in the checklist report and page, the bulletin and the inspection package.

use std::collections::BTreeMap;

use duikou_domain::plan::Plan;
use duikou_domain::record::{Status, Value};
use duikou_storage::records::{RecordQuery, StoredRecord};
use duikou_storage::{Store, StoreError};
use time::Date;

/// One unit's latest account of an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Narrative {
    pub unit: String,
    pub date: Date,
    /// The record's other text fields, labelled: 进展情况, 下步打算, …
    pub lines: Vec<(&'static str, String)>,
    pub record_id: i64,
}

impl Narrative {
    /// "镇雄县（2019-06-30）：进展情况：…；下步打算：…"
    pub fn text(&self) -> String {
        let body: Vec<String> = self
            .lines
            .iter()
            .map(|(label, text)| format!("{label}：{text}"))
            .collect();
        format!(
            "{}（{}）：{}",
            self.unit,
            duikou_domain::record::format_date(self.date),
            body.join("；")
        )
    }
}

/// Item number → the latest narrative of each unit, in unit order.
pub type Narratives = BTreeMap<String, Vec<Narrative>>;

/// The latest narrative per item and unit among these records (of any kind: records of
/// a kind that narrates nothing are passed over), dated on or before `as_of`.
pub fn latest(records: &[StoredRecord], as_of: Date) -> Narratives {
    let mut best: BTreeMap<(String, String), Narrative> = BTreeMap::new();
    for r in records {
        let Some(item_field) = r.kind.narrates() else {
            continue;
        };
        let Some(item) = r.fields.get(item_field).and_then(Value::as_text) else {
            continue;
        };
        let Some(date) = r
            .fields
            .get(r.kind.event_date_field())
            .and_then(Value::as_date)
        else {
            continue;
        };
        if date > as_of {
            continue;
        }
        let unit = r
            .kind
            .own_unit_field()
            .and_then(|f| r.fields.get(f))
            .and_then(|v| v.units().first().cloned())
            .unwrap_or_else(|| r.reporting_unit.to_string());
        let lines = r
            .kind
            .fields()
            .iter()
            .filter(|f| f.key != item_field && f.ty == duikou_domain::schema::FieldType::Text)
            .filter_map(|f| {
                let text = r.fields.get(f.key).and_then(Value::as_text)?.trim();
                (!text.is_empty()).then(|| (f.zh, text.to_string()))
            })
            .collect();
        let candidate = Narrative {
            unit: unit.clone(),
            date,
            lines,
            record_id: r.id.0,
        };
        let key = (item.trim().to_string(), unit);
        // Latest by date; on the same day, the record entered last.
        let newer = best
            .get(&key)
            .is_none_or(|b| (candidate.date, candidate.record_id) > (b.date, b.record_id));
        if newer {
            best.insert(key, candidate);
        }
    }
    let mut out = Narratives::new();
    for ((item, _), n) in best {
        out.entry(item).or_default().push(n);
    }
    out
}

/// The approved records of every narrating kind of the plan, and their latest per item
/// and unit as of `as_of`.
pub async fn load(store: &Store, plan: &Plan, as_of: Date) -> Result<Narratives, StoreError> {
    const PER_PAGE: u64 = 1_000;
    let mut records = Vec::new();
    for kind in plan.kinds().iter().filter(|k| k.narrates().is_some()) {
        // Pages count from 0.
        let mut page = 0;
        loop {
            let (batch, total) = store
                .list_records(&RecordQuery {
                    kind: Some(*kind),
                    status: Some(Status::Approved),
                    page,
                    per_page: PER_PAGE,
                    ..RecordQuery::default()
                })
                .await?;
            let done = batch.is_empty() || (page + 1) * PER_PAGE >= total;
            records.extend(batch);
            if done {
                break;
            }
            page += 1;
        }
    }
    Ok(latest(&records, as_of))
}
