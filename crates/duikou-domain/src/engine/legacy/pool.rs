//! The records that may count, by kind: one table per kind of the fields the plan's
//! indicators read, so that a figure never walks another kind's records nor a record's
//! fields more than once.

use std::collections::BTreeMap;

use time::Date;

use super::rules::end_field;
use super::{AssessOptions, EngineRecord};
use crate::plan::{Measure, Plan};
use crate::record::{Status, Value};
use crate::schema::{BuiltinKind, RecordKind};

/// A record's position in its kind's table (`KindPool`).
pub(super) type Row = u32;

/// What the rules read of a record besides its fields: the record and its dates.
#[derive(Clone, Copy)]
pub(super) struct Fact<'r> {
    pub(super) rec: &'r EngineRecord,
    /// The event date (a transfer's receipt).
    pub(super) start: Option<Date>,
    /// The end of a pairing or secondment.
    pub(super) end: Option<Date>,
}

/// The records of one kind that may count, with the values of the fields the plan's
/// indicators read: one row per record, one column per field (`fields`, sorted).
pub(super) struct KindPool<'p, 'r> {
    facts: Vec<Fact<'r>>,
    fields: Vec<&'p str>,
    values: Vec<Option<&'r Value>>,
}

impl<'p, 'r> KindPool<'p, 'r> {
    pub(super) fn new(fields: Vec<&'p str>) -> Self {
        KindPool {
            facts: Vec::new(),
            fields,
            values: Vec::new(),
        }
    }

    pub(super) fn push(&mut self, r: &'r EngineRecord, end_field: Option<&str>) {
        let width = self.fields.len();
        let at = self.values.len();
        self.values.resize(at + width, None);
        // Both sorted: one walk over the record's fields fills its row.
        let row = &mut self.values[at..];
        let mut wanted = self.fields.iter().enumerate().peekable();
        for (key, value) in r.fields.iter() {
            while let Some(&(i, field)) = wanted.peek() {
                match (*field).cmp(key) {
                    std::cmp::Ordering::Less => {
                        wanted.next();
                    }
                    std::cmp::Ordering::Equal => {
                        row[i] = Some(value);
                        wanted.next();
                        break;
                    }
                    std::cmp::Ordering::Greater => break,
                }
            }
            if wanted.peek().is_none() {
                break;
            }
        }
        let date = |field: &str| {
            self.column(field)
                .and_then(|c| self.values[at + c])
                .and_then(Value::as_date)
        };
        let fact = Fact {
            rec: r,
            start: date(r.kind.event_date_field()),
            end: end_field.and_then(date),
        };
        self.facts.push(fact);
    }

    pub(super) fn column(&self, field: &str) -> Option<usize> {
        self.fields.binary_search(&field).ok()
    }

    pub(super) fn value(&self, row: Row, column: Option<usize>) -> Option<&'r Value> {
        column.and_then(|c| self.values[row as usize * self.fields.len() + c])
    }

    pub(super) fn fact(&self, row: Row) -> &Fact<'r> {
        &self.facts[row as usize]
    }

    pub(super) fn rows(&self) -> std::ops::Range<Row> {
        0..Row::try_from(self.facts.len()).expect("fewer than 2^32 records")
    }
}

/// The records that may count at all (approved, or submitted on request), by kind,
/// so each indicator only walks its own kind.
pub(super) struct Pool<'p, 'r> {
    by_kind: BTreeMap<RecordKind, KindPool<'p, 'r>>,
}

impl<'p, 'r> Pool<'p, 'r> {
    pub(super) fn new(plan: &'p Plan, records: &'r [EngineRecord], opts: &AssessOptions) -> Self {
        // Per kind, every field an indicator of the plan reads.
        let mut fields: BTreeMap<RecordKind, Vec<&'p str>> = BTreeMap::new();
        for ind in &plan.indicators {
            let f = fields.entry(ind.kind).or_default();
            f.push(ind.kind.event_date_field());
            f.extend(end_field(ind.kind));
            f.extend(ind.conditions.iter().map(|c| c.field.as_str()));
            f.extend(ind.by.as_deref());
            match &ind.measure {
                Measure::Sum { field } => f.push(field),
                Measure::Ratio { numerator, .. } => f.push(numerator),
                Measure::Count | Measure::DistinctPersons => {}
            }
        }
        let mut by_kind: BTreeMap<RecordKind, KindPool<'p, 'r>> = fields
            .into_iter()
            .map(|(kind, mut f)| {
                f.sort_unstable();
                f.dedup();
                (kind, KindPool::new(f))
            })
            .collect();
        for r in records
            .iter()
            .filter(|r| status_counts(r.status, opts.include_submitted))
        {
            if let Some(kp) = by_kind.get_mut(&r.kind) {
                kp.push(r, end_field(r.kind));
            }
        }
        Pool { by_kind }
    }

    pub(super) fn of(&self, kind: RecordKind) -> Option<&KindPool<'p, 'r>> {
        self.by_kind.get(&kind)
    }
}

/// Drafts and rejected records never count; submitted ones only when asked.
fn status_counts(status: Status, include_submitted: bool) -> bool {
    match status {
        Status::Approved => true,
        Status::Submitted => include_submitted,
        Status::Draft | Status::Rejected => false,
    }
}

/// A record adds to the figure of a unit it names but did not report only once a
/// coordinator approved it: otherwise any unit could raise another's figures (with
/// `include_submitted`) before the named unit has even seen the record. The payee of a
/// transfer is the exception once it confirmed receipt: the receipt date is its own act.
pub(super) fn counts_for_unit(rec: &EngineRecord, unit: &str) -> bool {
    rec.status == Status::Approved
        || rec.reporting_unit == unit
        || (rec.kind.is(BuiltinKind::Transfer)
            && rec.get("received_on").is_some()
            && rec
                .get("payee")
                .is_some_and(|p| p.units().iter().any(|u| u == unit)))
}
