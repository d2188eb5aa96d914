//! The indicator engine: given the plan, the records and an assessment year and
//! as-of date, computes every indicator's figure, its gap to the target and its
//! status (docs/domain.md, "Counting rules" and "Status of an indicator").
//!
//! Pure: no I/O, no database. Callers load the records and hand them over as
//! [`EngineRecord`]s; the same code serves the CLI, the web pages and the API.

use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use time::{Date, Month};

use crate::cells::format_fen_wan;
use crate::plan::{Condition, FilterValue, Indicator, Measure, Period, Plan, Scope, Target};
use crate::record::{FieldMap, Status, Value, format_date};
use crate::schema::{BuiltinKind, RecordKind};

// ------------------------------------------------------------------ inputs

/// A record as the engine sees it: typed fields and what the review decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineRecord {
    pub id: i64,
    pub kind: RecordKind,
    pub status: Status,
    pub plan_year: i32,
    pub reporting_unit: String,
    /// As in record.rs; money in fen.
    pub fields: FieldMap,
    /// Blind index of the ID number (person records): the same person, the same key.
    pub person_key: Option<String>,
    pub evidence_count: u32,
}

impl EngineRecord {
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.fields.get(field)
    }

    fn date(&self, field: &str) -> Option<Date> {
        self.get(field).and_then(Value::as_date)
    }

    /// The date that places the record in time. A transfer's is its receipt:
    /// without `received_on` the money has not arrived and counts nowhere.
    pub fn event_date(&self) -> Option<Date> {
        self.date(self.kind.event_date_field())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssessOptions {
    pub year: i32,
    pub as_of: Date,
    /// Count submitted (not yet approved) records too: the "what if approved" view.
    pub include_submitted: bool,
}

/// The as-of date when none is given: today within the year, the year's end for
/// past years, and Jan 1 for future years (nothing can have happened yet).
pub fn default_as_of(year: i32, today: Date) -> Date {
    match year.cmp(&today.year()) {
        std::cmp::Ordering::Equal => today,
        std::cmp::Ordering::Less => dec_31(year),
        std::cmp::Ordering::Greater => jan_1(year),
    }
}

// ------------------------------------------------------------------ outputs

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorStatus {
    Met,
    Late,
    NotMet,
    OnTrack,
    Behind,
    Tracked,
}

impl IndicatorStatus {
    pub const ALL: [IndicatorStatus; 6] = [
        IndicatorStatus::Met,
        IndicatorStatus::Late,
        IndicatorStatus::NotMet,
        IndicatorStatus::OnTrack,
        IndicatorStatus::Behind,
        IndicatorStatus::Tracked,
    ];

    /// The key used in JSON and URLs.
    pub fn key(self) -> &'static str {
        match self {
            IndicatorStatus::Met => "met",
            IndicatorStatus::Late => "late",
            IndicatorStatus::NotMet => "not_met",
            IndicatorStatus::OnTrack => "on_track",
            IndicatorStatus::Behind => "behind",
            IndicatorStatus::Tracked => "tracked",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            IndicatorStatus::Met => "已完成",
            IndicatorStatus::Late => "逾期完成",
            IndicatorStatus::NotMet => "未完成",
            IndicatorStatus::OnTrack => "进度正常",
            IndicatorStatus::Behind => "进度滞后",
            IndicatorStatus::Tracked => "跟踪",
        }
    }
}

/// A figure, held exactly as integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Figure {
    Count(i64),
    /// Fen.
    Money(i64),
    /// Hundredths of a percent: 4567 is 45.67 %.
    Percent(i64),
}

impl Figure {
    /// The integer held (fen for money, hundredths for percentages).
    pub fn raw(self) -> i64 {
        match self {
            Figure::Count(v) | Figure::Money(v) | Figure::Percent(v) => v,
        }
    }

    /// The JSON number text: a count as is, money in yuan and percentages with at most
    /// two decimals (`180000000`, `1234.5`, `0.05`, `45.67`). Never through f64.
    pub fn json_number(self) -> String {
        match self {
            Figure::Count(v) => v.to_string(),
            Figure::Money(v) | Figure::Percent(v) => hundredths_text(v),
        }
    }

    /// For terminals: money in 万元 with two decimals ("18000.00万元"), a percentage
    /// with its sign ("45.67%"), a count plain (callers append the indicator's unit).
    pub fn display_zh(self) -> String {
        match self {
            Figure::Count(v) => v.to_string(),
            Figure::Money(v) => format!("{}万元", format_fen_wan(v)),
            Figure::Percent(v) => format!("{}%", hundredths_text(v)),
        }
    }

    /// `display_zh` with the indicator's unit appended where the figure does not carry
    /// its own (counts only: money is shown in 万元, percentages with %).
    pub fn display_zh_with_unit(self, unit: &str) -> String {
        crate::target_text::figure_text(self, unit, crate::target_text::Style::Compact)
    }
}

impl Serialize for Figure {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // A raw JSON number keeps the decimal text exact (no float rounding on the way).
        let raw = RawValue::from_string(self.json_number()).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

/// `12345` → `"123.45"`, `12340` → `"123.4"`, `12300` → `"123"`, `5` → `"0.05"`.
fn hundredths_text(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let abs = v.unsigned_abs();
    let (whole, frac) = (abs / 100, abs % 100);
    match frac {
        0 => format!("{sign}{whole}"),
        f if f % 10 == 0 => format!("{sign}{whole}.{}", f / 10),
        f => format!("{sign}{whole}.{f:02}"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorResult {
    pub indicator: String,
    pub item: String,
    /// `plan` or the scope unit's name.
    pub scope: String,
    /// Every qualifying record up to the as-of date.
    pub actual: Figure,
    /// Only records up to the deadline; given for indicators whose deadline is before 12-31.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_time: Option<Figure>,
    pub target_min: Option<Figure>,
    pub target_max: Option<Figure>,
    pub unit: String,
    pub status: IndicatorStatus,
    /// A range target exceeded: shown, not penalised.
    pub above_range: bool,
    /// Records counted in `actual`.
    pub records: usize,
    /// Of those, how many have evidence attached.
    pub with_evidence: usize,
    /// ISO date of the deadline in the assessed year.
    pub deadline: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub plan: String,
    pub year: i32,
    pub as_of: String,
    pub include_submitted: bool,
    pub results: Vec<IndicatorResult>,
    /// The plan's version in the database (`Plan::version`): the targets it was computed
    /// with. Last, so that readers of the fields before it see them where they were.
    pub plan_version: u32,
}

// ------------------------------------------------------------------ entry points

/// Evaluate every indicator of the plan: one result per indicator and scope unit, in
/// the plan's indicator order and, within a per-unit scope, the plan's unit order.
pub fn assess(plan: &Plan, records: &[EngineRecord], opts: &AssessOptions) -> Assessment {
    let pool = Pool::new(plan, records, opts);
    let ev = Evaluator::new(plan, &pool, opts);
    // A growth target is set by the previous year's figure, as it stood at that year's end.
    let previous_opts = AssessOptions {
        year: opts.year - 1,
        as_of: dec_31(opts.year - 1).min(opts.as_of),
        ..opts.clone()
    };
    let needs_previous = opts.year > plan.meta.first_year
        && plan.indicators.iter().any(|i| i.growth_percent.is_some());
    let previous_pool = needs_previous.then(|| Pool::new(plan, records, &previous_opts));
    let previous = previous_pool
        .as_ref()
        .map(|p| Evaluator::new(plan, p, &previous_opts));
    let ev = ev.with_previous(previous.as_ref());
    let results = plan
        .indicators
        .iter()
        .enumerate()
        .flat_map(|(i, ind)| {
            scope_slots(plan, ind)
                .into_iter()
                .map(move |unit| (i, unit))
        })
        .map(|(i, unit)| ev.result_for(i, unit))
        .collect();
    Assessment {
        plan: plan.meta.id.clone(),
        plan_version: plan.version,
        year: opts.year,
        as_of: format_date(opts.as_of),
        include_submitted: opts.include_submitted,
        results,
    }
}

/// The ids of the records behind one figure (what `actual` counts), ascending, for
/// "explain" links. `scope` is `plan` or a unit of the indicator's scope; None when the
/// indicator or the scope is unknown. For a ratio, the records of the numerator.
pub fn explain(
    plan: &Plan,
    records: &[EngineRecord],
    opts: &AssessOptions,
    indicator_id: &str,
    scope: &str,
) -> Option<Vec<i64>> {
    let index = plan.indicators.iter().position(|i| i.id == indicator_id)?;
    let unit = scope_slots(plan, &plan.indicators[index])
        .into_iter()
        .find(|slot| scope_name(*slot) == scope)?;
    let pool = Pool::new(plan, records, opts);
    let ev = Evaluator::new(plan, &pool, opts);
    let mut ids: Vec<i64> = ev.tally(index, unit).counted.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    ids.dedup();
    Some(ids)
}

const PLAN_SCOPE: &str = "plan";

/// The figures an indicator gives: one for the plan (None), or one per scope unit.
fn scope_slots<'p>(plan: &'p Plan, ind: &Indicator) -> Vec<Option<&'p str>> {
    match ind.scope {
        Scope::Plan => vec![None],
        scope => plan
            .scope_units(scope)
            .into_iter()
            .map(|u| Some(u.name.as_str()))
            .collect(),
    }
}

fn scope_name(unit: Option<&str>) -> &str {
    unit.unwrap_or(PLAN_SCOPE)
}

// ------------------------------------------------------------------ one result

impl<'a, 'r> Evaluator<'a, 'r> {
    fn result_for(&self, index: usize, unit: Option<&'a str>) -> IndicatorResult {
        let ind = &self.plan.indicators[index];
        let opts = self.opts;
        let tally = self.tally(index, unit);
        let target = match (ind.growth_percent, self.previous) {
            (Some(p), Some(prev)) => Some(growth_target(prev.tally(index, unit).actual, p)),
            (Some(_), None) => None,
            (None, _) => ind.target_of(opts.year, unit),
        };
        let calendar = Calendar::new(ind, opts);
        let status = judge(target, tally.actual, tally.on_time, &calendar);
        let figure = |v: i64| figure_of(ind, v);
        IndicatorResult {
            indicator: ind.id.clone(),
            item: ind.item.clone(),
            scope: scope_name(unit).to_string(),
            actual: figure(tally.actual),
            on_time: ind
                .has_deadline_before_year_end(opts.year)
                .then(|| figure(tally.on_time)),
            target_min: target.map(|t| figure(t.min)),
            target_max: target.and_then(|t| t.max).map(figure),
            unit: ind.unit.clone(),
            status,
            above_range: exceeds_range(target, tally.actual),
            records: tally.counted.len(),
            with_evidence: tally
                .counted
                .iter()
                .filter(|r| r.evidence_count > 0)
                .count(),
            deadline: format_date(calendar.deadline),
            name: ind.name.clone(),
        }
    }
}

/// At least `percent` % above the previous year's figure, rounded up to a whole unit.
fn growth_target(previous: i64, percent: u32) -> Target {
    let scaled = i128::from(previous) * (100 + i128::from(percent));
    let min = (scaled + 99).div_euclid(100);
    Target {
        min: i64::try_from(min).unwrap_or(i64::MAX),
        max: None,
    }
}

/// An indicator's raw value (a count, fen, hundredths of a percent) as its figure.
pub fn figure_of(ind: &Indicator, v: i64) -> Figure {
    match ind.measure {
        Measure::Ratio { .. } => Figure::Percent(v),
        _ if ind.is_money() => Figure::Money(v),
        _ => Figure::Count(v),
    }
}

// ------------------------------------------------------------------ status

/// The dates a status is judged against.
struct Calendar {
    year_start: Date,
    deadline: Date,
    as_of: Date,
}

impl Calendar {
    fn new(ind: &Indicator, opts: &AssessOptions) -> Calendar {
        Calendar {
            year_start: jan_1(opts.year),
            deadline: deadline_in(ind, opts.year),
            as_of: opts.as_of,
        }
    }

    fn deadline_passed(&self) -> bool {
        self.as_of >= self.deadline
    }

    /// Whether `actual` keeps pace with a straight line from zero on Jan 1 to the
    /// target at the deadline: actual / min ≥ elapsed / period, cross-multiplied
    /// so that it stays in integers.
    fn on_pace(&self, actual: i64, min: i64) -> bool {
        let period = days_between(self.year_start, self.deadline);
        let elapsed = days_between(self.year_start, self.as_of);
        i128::from(actual) * i128::from(period) >= i128::from(min) * i128::from(elapsed)
    }
}

/// Whole days from `from` to `to`, never negative (an as-of before the year: nothing elapsed).
fn days_between(from: Date, to: Date) -> i64 {
    (to - from).whole_days().max(0)
}

fn judge(target: Option<Target>, actual: i64, on_time: i64, cal: &Calendar) -> IndicatorStatus {
    let Some(Target { min, .. }) = target else {
        return IndicatorStatus::Tracked;
    };
    if on_time >= min {
        IndicatorStatus::Met
    } else if cal.deadline_passed() {
        if actual >= min {
            IndicatorStatus::Late
        } else {
            IndicatorStatus::NotMet
        }
    } else if actual >= min {
        IndicatorStatus::Met
    } else if cal.on_pace(actual, min) {
        IndicatorStatus::OnTrack
    } else {
        IndicatorStatus::Behind
    }
}

/// Going over a range's upper bound is shown, never penalised.
fn exceeds_range(target: Option<Target>, actual: i64) -> bool {
    target.and_then(|t| t.max).is_some_and(|max| actual > max)
}

// ------------------------------------------------------------------ counting
//
// Every figure is "the records of one kind passing the indicator's rules, for one scope
// unit". The fields the plan's rules read are looked up once per record (one walk over
// its fields) into a table. The rules that do not depend on the unit (status,
// conditions on fixed values, period, duration, person key) are checked once per
// indicator, taking the records of a condition on fixed texts from an index by value;
// the records passing them are then bucketed by the unit(s) their `by` field names, and
// each unit's figure walks only its bucket, checking the rules that name the unit
// (`$scope`, `$paired_county`). Denominators of ratios are computed once per unit.

/// A record's position in its kind's table (`KindPool`).
type Row = u32;

/// What the rules read of a record besides its fields: the record and its dates.
#[derive(Clone, Copy)]
struct Fact<'r> {
    rec: &'r EngineRecord,
    /// The event date (a transfer's receipt).
    start: Option<Date>,
    /// The end of a pairing or secondment.
    end: Option<Date>,
}

/// The records of one kind that may count, with the values of the fields the plan's
/// indicators read: one row per record, one column per field (`fields`, sorted).
struct KindPool<'p, 'r> {
    facts: Vec<Fact<'r>>,
    fields: Vec<&'p str>,
    values: Vec<Option<&'r Value>>,
}

impl<'p, 'r> KindPool<'p, 'r> {
    fn new(fields: Vec<&'p str>) -> Self {
        KindPool {
            facts: Vec::new(),
            fields,
            values: Vec::new(),
        }
    }

    fn push(&mut self, r: &'r EngineRecord, end_field: Option<&str>) {
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

    fn column(&self, field: &str) -> Option<usize> {
        self.fields.binary_search(&field).ok()
    }

    fn value(&self, row: Row, column: Option<usize>) -> Option<&'r Value> {
        column.and_then(|c| self.values[row as usize * self.fields.len() + c])
    }

    fn fact(&self, row: Row) -> &Fact<'r> {
        &self.facts[row as usize]
    }

    fn rows(&self) -> std::ops::Range<Row> {
        0..Row::try_from(self.facts.len()).expect("fewer than 2^32 records")
    }
}

/// The records that may count at all (approved, or submitted on request), by kind,
/// so each indicator only walks its own kind.
struct Pool<'p, 'r> {
    by_kind: BTreeMap<RecordKind, KindPool<'p, 'r>>,
}

impl<'p, 'r> Pool<'p, 'r> {
    fn new(plan: &'p Plan, records: &'r [EngineRecord], opts: &AssessOptions) -> Self {
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

    fn of(&self, kind: RecordKind) -> Option<&KindPool<'p, 'r>> {
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
fn counts_for_unit(rec: &EngineRecord, unit: &str) -> bool {
    rec.status == Status::Approved
        || rec.reporting_unit == unit
        || (rec.kind.is(BuiltinKind::Transfer)
            && rec.get("received_on").is_some()
            && rec
                .get("payee")
                .is_some_and(|p| p.units().iter().any(|u| u == unit)))
}

/// A condition with the table column of its field.
type Rule<'a> = (&'a Condition, Option<usize>);

/// One indicator's records passing every rule that does not depend on the scope unit.
struct Prepared<'a, 'r> {
    /// The conditions naming the unit (`$scope`, `$paired_county`), checked per unit.
    unit_conditions: Vec<Rule<'a>>,
    /// Ascending (pool order).
    base: Vec<Row>,
    /// `base` by each unit the `by` field names (an activity with several organisers
    /// is in each of their buckets), built when a per-unit figure is first asked for.
    buckets: OnceCell<HashMap<&'r str, Vec<Row>>>,
}

/// Computes figures over one pool, preparing each indicator once.
struct Evaluator<'a, 'r> {
    plan: &'a Plan,
    opts: &'a AssessOptions,
    pool: &'a Pool<'a, 'r>,
    /// Per plan indicator (same positions).
    prepared: Vec<OnceCell<Prepared<'a, 'r>>>,
    /// Denominators of ratios, computed once per indicator and unit.
    figures: RefCell<HashMap<FigureKey<'a>, (i64, i64)>>,
    /// Per kind and column, built when a condition first needs it: `ValueIndex`.
    value_index: RefCell<HashMap<(RecordKind, usize), Rc<ValueIndex<'r>>>>,
    /// The previous year's evaluator, when an indicator has a growth target.
    previous: Option<&'a Evaluator<'a, 'r>>,
}

/// An indicator (by its position in the plan) and a unit (None: the plan), whose
/// (actual, on_time) figures `Evaluator::figures` keeps.
type FigureKey<'a> = (usize, Option<&'a str>);

/// The rows of one kind by the text of one field (the text itself or each unit it
/// lists), ascending, each row once per text. A condition on fixed texts reads its
/// records here instead of testing every record.
type ValueIndex<'r> = HashMap<&'r str, Vec<Row>>;

/// One figure computed: its value up to the as-of date, its value up to the deadline,
/// and the records behind the first.
struct Tally<'r> {
    actual: i64,
    on_time: i64,
    counted: Vec<&'r EngineRecord>,
}

impl<'a, 'r> Evaluator<'a, 'r> {
    fn new(plan: &'a Plan, pool: &'a Pool<'a, 'r>, opts: &'a AssessOptions) -> Self {
        Evaluator {
            plan,
            opts,
            pool,
            prepared: plan.indicators.iter().map(|_| OnceCell::new()).collect(),
            figures: RefCell::new(HashMap::new()),
            value_index: RefCell::new(HashMap::new()),
            previous: None,
        }
    }

    /// The evaluator of the previous year, for growth targets.
    fn with_previous(mut self, previous: Option<&'a Evaluator<'a, 'r>>) -> Self {
        self.previous = previous;
        self
    }

    fn value_index(
        &self,
        kind: RecordKind,
        kp: &KindPool<'a, 'r>,
        column: usize,
    ) -> Rc<ValueIndex<'r>> {
        if let Some(hit) = self.value_index.borrow().get(&(kind, column)) {
            return hit.clone();
        }
        let mut index: ValueIndex<'r> = HashMap::new();
        let mut texts: Vec<&'r str> = Vec::new();
        for row in kp.rows() {
            let Some(v) = kp.value(row, Some(column)) else {
                continue;
            };
            // What `names` matches: the text, or any unit listed (each once).
            texts.clear();
            texts.extend(v.as_text());
            for u in v.units() {
                if !texts.contains(&u.as_str()) {
                    texts.push(u);
                }
            }
            for t in &texts {
                index.entry(t).or_default().push(row);
            }
        }
        let index = Rc::new(index);
        self.value_index
            .borrow_mut()
            .insert((kind, column), index.clone());
        index
    }

    fn prepared(&self, index: usize, kp: &KindPool<'a, 'r>) -> &Prepared<'a, 'r> {
        self.prepared[index].get_or_init(|| {
            let ind = &self.plan.indicators[index];
            let (unit_conditions, fixed): (Vec<Rule<'a>>, Vec<Rule<'a>>) = ind
                .conditions
                .iter()
                .map(|c| (c, kp.column(&c.field)))
                .partition(|(c, _)| c.any_of.iter().any(names_the_unit));
            let rules = Rules {
                ind,
                opts: self.opts,
            };
            let admits = |row: Row, rest: &[Rule<'a>]| {
                rest.iter()
                    .all(|(c, col)| meets(c, kp.value(row, *col), &Slot::PLAN))
                    && rules.admits(kp.fact(row))
            };
            // A condition on fixed texts takes its records from the value index; the
            // other conditions and rules are tested on those only.
            let indexed = fixed.iter().position(|(c, col)| {
                col.is_some() && c.any_of.iter().all(|w| matches!(w, FilterValue::Text(_)))
            });
            let base = match indexed {
                Some(at) => {
                    let (c, col) = fixed[at];
                    let rest: Vec<Rule<'a>> = fixed
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| *i != at)
                        .map(|(_, r)| *r)
                        .collect();
                    let col = col.expect("indexed column");
                    let index = self.value_index(ind.kind, kp, col);
                    let mut rows: Vec<Row> = c
                        .any_of
                        .iter()
                        .filter_map(|w| match w {
                            FilterValue::Text(t) => index.get(t.as_str()),
                            _ => None,
                        })
                        .flatten()
                        .copied()
                        .collect();
                    if c.any_of.len() > 1 {
                        rows.sort_unstable();
                        rows.dedup();
                    }
                    rows.retain(|&row| admits(row, &rest));
                    rows
                }
                None => kp.rows().filter(|&row| admits(row, &fixed)).collect(),
            };
            Prepared {
                unit_conditions,
                base,
                buckets: OnceCell::new(),
            }
        })
    }

    /// The rows of `prepared` attributed to `unit` through the `by` column.
    fn bucket<'s>(
        &self,
        p: &'s Prepared<'a, 'r>,
        kp: &KindPool<'a, 'r>,
        by: Option<usize>,
        unit: &str,
    ) -> &'s [Row] {
        let buckets = p.buckets.get_or_init(|| {
            let mut buckets: HashMap<&'r str, Vec<Row>> = HashMap::new();
            for &row in &p.base {
                // A party (buyer, donor) is text that names a unit when it is one.
                let units = kp.value(row, by).map_or(&[][..], |v| match v {
                    Value::Text(t) => std::slice::from_ref(t),
                    v => v.units(),
                });
                let rec = kp.fact(row).rec;
                for (i, u) in units.iter().enumerate() {
                    // A unit named twice in one list still counts the record once.
                    if !units[..i].contains(u) && counts_for_unit(rec, u) {
                        buckets.entry(u.as_str()).or_default().push(row);
                    }
                }
            }
            buckets
        });
        buckets.get(unit).map_or(&[], Vec::as_slice)
    }

    fn tally(&self, index: usize, unit: Option<&'a str>) -> Tally<'r> {
        let ind = &self.plan.indicators[index];
        let Some(kp) = self.pool.of(ind.kind) else {
            return Tally {
                actual: 0,
                on_time: 0,
                counted: Vec::new(),
            };
        };
        let p = self.prepared(index, kp);
        let candidates: &[Row] = match (unit, ind.by.as_deref()) {
            (None, _) => &p.base,
            (Some(u), Some(by)) => self.bucket(p, kp, kp.column(by), u),
            (Some(_), None) => &[],
        };
        let counted: Vec<Row> = if p.unit_conditions.is_empty() {
            candidates.to_vec()
        } else {
            let slot = Slot {
                unit,
                paired_county: unit.and_then(|u| self.plan.paired_county(u)),
            };
            candidates
                .iter()
                .copied()
                .filter(|&row| {
                    p.unit_conditions
                        .iter()
                        .all(|(c, col)| meets(c, kp.value(row, *col), &slot))
                })
                .collect()
        };
        let deadline = deadline_in(ind, self.opts.year);
        // Everything counted happened by the as-of date: with the deadline on or after
        // it, the records on time are all of them.
        let all_on_time = deadline >= self.opts.as_of;
        let late_cut: Vec<Row>;
        let on_time: &[Row] = if all_on_time {
            &counted
        } else {
            late_cut = counted
                .iter()
                .copied()
                .filter(|&row| kp.fact(row).start.is_some_and(|d| d <= deadline))
                .collect();
            &late_cut
        };
        let (actual, on_time) = match &ind.measure {
            Measure::Ratio {
                numerator,
                denominator,
            } => {
                let (den_actual, den_on_time) = self.denominator_figures(ind, denominator, unit);
                let column = kp.column(numerator);
                let num_actual = sum_of(kp, &counted, column);
                let num_on_time = if all_on_time {
                    num_actual
                } else {
                    sum_of(kp, on_time, column)
                };
                (
                    percent_of(num_actual, den_actual),
                    percent_of(num_on_time, den_on_time),
                )
            }
            measure => {
                let actual = measure_value(kp, measure, &counted);
                let on_time = if all_on_time {
                    actual
                } else {
                    measure_value(kp, measure, on_time)
                };
                (actual, on_time)
            }
        };
        Tally {
            actual,
            on_time,
            counted: counted.iter().map(|&row| kp.fact(row).rec).collect(),
        }
    }

    /// The denominator of a ratio: the other indicator's figure for the same unit when
    /// it has the same scope, else for the whole plan. Computed once per unit.
    fn denominator_figures(
        &self,
        ind: &Indicator,
        denominator: &str,
        unit: Option<&'a str>,
    ) -> (i64, i64) {
        let Some(den_index) = self
            .plan
            .indicators
            .iter()
            .position(|i| i.id == denominator)
        else {
            return (0, 0);
        };
        let den = &self.plan.indicators[den_index];
        if matches!(den.measure, Measure::Ratio { .. }) {
            // The loader refuses ratio-of-ratio; guard anyway against endless recursion.
            return (0, 0);
        }
        let den_unit = if den.scope == ind.scope { unit } else { None };
        if let Some(hit) = self.figures.borrow().get(&(den_index, den_unit)) {
            return *hit;
        }
        let t = self.tally(den_index, den_unit);
        self.figures
            .borrow_mut()
            .insert((den_index, den_unit), (t.actual, t.on_time));
        (t.actual, t.on_time)
    }
}

fn measure_value(kp: &KindPool<'_, '_>, measure: &Measure, rows: &[Row]) -> i64 {
    match measure {
        Measure::Count => count_i64(rows.len()),
        Measure::DistinctPersons => distinct_persons(kp, rows),
        Measure::Sum { field } => sum_of(kp, rows, kp.column(field)),
        Measure::Ratio { numerator, .. } => sum_of(kp, rows, kp.column(numerator)),
    }
}

fn count_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// One person on several rows counts once (rows without a key never reach here).
fn distinct_persons(kp: &KindPool<'_, '_>, rows: &[Row]) -> i64 {
    let mut keys: HashSet<&str, KeyHasher> =
        HashSet::with_capacity_and_hasher(rows.len(), KeyHasher::default());
    keys.extend(
        rows.iter()
            .filter_map(|&row| kp.fact(row).rec.person_key.as_deref()),
    );
    count_i64(keys.len())
}

/// Person keys are blind indexes (keyed hashes, uniformly spread, chosen by no one): a
/// plain multiply-rotate hash of their bytes serves, at a fraction of SipHash's cost.
type KeyHasher = std::hash::BuildHasherDefault<WordHasher>;

#[derive(Default)]
struct WordHasher(u64);

impl std::hash::Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }
    fn write_u8(&mut self, b: u8) {
        self.add(u64::from(b));
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    fn finish(&self) -> u64 {
        // Spread the high bits down: hashbrown takes its control bits from the top.
        let h = self.0;
        (h ^ (h >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ (h >> 32)
    }
}

impl WordHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// Sum of a money (fen) or integer field; a missing value adds nothing.
fn sum_of(kp: &KindPool<'_, '_>, rows: &[Row], column: Option<usize>) -> i64 {
    rows.iter().fold(0i64, |acc, &row| {
        let v = kp.value(row, column).and_then(Value::as_amount);
        acc.saturating_add(v.unwrap_or(0))
    })
}

/// `part / whole` in hundredths of a percent, rounded half up; 0 when `whole` is 0.
fn percent_of(part: i64, whole: i64) -> i64 {
    if whole == 0 {
        return 0;
    }
    let (part, whole) = (i128::from(part), i128::from(whole));
    let hundredths = (part * 10_000 * 2 + whole).div_euclid(whole * 2);
    i64::try_from(hundredths).unwrap_or(if hundredths < 0 { i64::MIN } else { i64::MAX })
}

/// The unit a figure is computed for, and the county paired with it (for
/// `$paired_county`), looked up once per figure.
struct Slot<'a> {
    unit: Option<&'a str>,
    paired_county: Option<&'a str>,
}

impl Slot<'_> {
    const PLAN: Slot<'static> = Slot {
        unit: None,
        paired_county: None,
    };
}

/// Whether a filter value depends on the unit the figure is computed for.
fn names_the_unit(want: &FilterValue) -> bool {
    matches!(want, FilterValue::ScopeUnit | FilterValue::PairedCounty)
}

/// Whether a record whose field holds `value` meets the condition.
fn meets(c: &Condition, value: Option<&Value>, slot: &Slot<'_>) -> bool {
    c.any_of.iter().any(|want| matches(want, value, slot))
}

fn matches(want: &FilterValue, value: Option<&Value>, slot: &Slot<'_>) -> bool {
    match (want, value) {
        // Missing booleans mean 否.
        (FilterValue::Bool(b), None) => !*b,
        (FilterValue::Bool(b), Some(v)) => v.as_bool() == Some(*b),
        (_, None) => false,
        (FilterValue::Text(t), Some(v)) => names(v, t),
        (FilterValue::ScopeUnit, Some(v)) => slot.unit.is_some_and(|u| names(v, u)),
        (FilterValue::PairedCounty, Some(v)) => slot.paired_county.is_some_and(|c| names(v, c)),
    }
}

/// The rules of an indicator that hold for a record whatever the unit: its duration,
/// its period and, for distinct persons, a person key.
struct Rules<'a> {
    ind: &'a Indicator,
    opts: &'a AssessOptions,
}

impl Rules<'_> {
    fn admits(&self, f: &Fact<'_>) -> bool {
        self.long_enough(f) && self.in_period(f) && self.measurable(f.rec)
    }

    /// `min_months`: the planned end is at least the start plus that many months
    /// minus one day (start 2019-03-01 → end 2020-02-29 or later).
    fn long_enough(&self, f: &Fact<'_>) -> bool {
        let Some(months) = self.ind.min_months else {
            return true;
        };
        let (Some(start), Some(end)) = (f.start, f.end) else {
            return false;
        };
        min_end_date(start, months).is_some_and(|min_end| end >= min_end)
    }

    fn in_period(&self, f: &Fact<'_>) -> bool {
        let Some(start) = f.start else {
            return false;
        };
        let year = self.opts.year;
        let as_of = self.opts.as_of;
        if start > as_of {
            return false;
        }
        match self.ind.period {
            Period::InYear => f.rec.plan_year == year,
            Period::Cumulative => {
                let reference = dec_31(year).min(as_of);
                start <= reference && f.end.is_none_or(|end| end > reference)
            }
            Period::InPost => start <= dec_31(year) && f.end.is_none_or(|end| end >= jan_1(year)),
            Period::PlanToDate => f.rec.plan_year <= year,
        }
    }

    /// Distinct persons can only be told apart by their key: rows without one are left out.
    fn measurable(&self, r: &EngineRecord) -> bool {
        !matches!(self.ind.measure, Measure::DistinctPersons) || r.person_key.is_some()
    }
}

/// Whether a field value is, or (for unit lists) contains, the given text.
fn names(v: &Value, text: &str) -> bool {
    v.as_text() == Some(text) || v.units().iter().any(|u| u == text)
}

/// The field that ends a record's activity, for kinds that have one.
fn end_field(kind: RecordKind) -> Option<&'static str> {
    kind.active_until_field()
}

// ------------------------------------------------------------------ dates

fn jan_1(year: i32) -> Date {
    Date::from_calendar_date(year, Month::January, 1).unwrap_or(if year < 0 {
        Date::MIN
    } else {
        Date::MAX
    })
}

fn dec_31(year: i32) -> Date {
    Date::from_calendar_date(year, Month::December, 31).unwrap_or(if year < 0 {
        Date::MIN
    } else {
        Date::MAX
    })
}

/// The indicator's deadline in a year. A 02-29 deadline falls on 02-28 in common
/// years. A deadline may be given per year (`Indicator::deadline_of`).
pub fn deadline_in(ind: &Indicator, year: i32) -> Date {
    let (m, d) = ind.deadline_of(year);
    let month = Month::try_from(m).unwrap_or(Month::December);
    let day = d.clamp(1, month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or_else(|_| dec_31(year))
}

/// `start` plus `months` calendar months, minus one day. A day the target month lacks
/// carries over (2020-02-29 + 12 months → 2021-03-01, so the minimum end is 2021-02-28).
fn min_end_date(start: Date, months: u32) -> Option<Date> {
    let month0 = i64::from(u8::from(start.month()) - 1) + i64::from(months);
    let year = i32::try_from(i64::from(start.year()) + month0.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(month0.rem_euclid(12) + 1).ok()?).ok()?;
    let first = Date::from_calendar_date(year, month, 1).ok()?;
    let same_day = first.checked_add(time::Duration::days(i64::from(start.day()) - 1))?;
    same_day.previous_day()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn figures_are_written_as_exact_json_numbers() {
        assert_eq!(Figure::Count(8123).json_number(), "8123");
        assert_eq!(Figure::Money(18_000_000_000).json_number(), "180000000");
        assert_eq!(Figure::Money(123_450).json_number(), "1234.5");
        assert_eq!(Figure::Money(5).json_number(), "0.05");
        assert_eq!(Figure::Money(-5).json_number(), "-0.05");
        assert_eq!(Figure::Money(0).json_number(), "0");
        assert_eq!(Figure::Percent(4567).json_number(), "45.67");
        assert_eq!(Figure::Percent(10_000).json_number(), "100");
        assert_eq!(
            serde_json::to_string(&Figure::Money(123_456)).unwrap(),
            "1234.56"
        );
        assert_eq!(
            serde_json::to_string(&Some(Figure::Percent(7))).unwrap(),
            "0.07"
        );
    }

    #[test]
    fn figures_display_in_wan_for_money() {
        assert_eq!(Figure::Money(18_000_000_000).display_zh(), "18000.00万元");
        assert_eq!(Figure::Money(123_456).display_zh(), "0.12万元");
        assert_eq!(Figure::Count(3).display_zh(), "3");
        assert_eq!(Figure::Count(3).display_zh_with_unit("次"), "3次");
        assert_eq!(Figure::Percent(4567).display_zh_with_unit("%"), "45.67%");
        assert_eq!(Figure::Money(100).display_zh_with_unit("元"), "0.00万元");
    }

    #[test]
    fn status_keys_match_serde() {
        for s in IndicatorStatus::ALL {
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.key())
            );
        }
        assert_eq!(IndicatorStatus::Late.label_zh(), "逾期完成");
    }

    #[test]
    fn default_as_of_follows_the_year() {
        let today = date!(2019 - 07 - 15);
        assert_eq!(default_as_of(2019, today), today);
        assert_eq!(default_as_of(2018, today), date!(2018 - 12 - 31));
        assert_eq!(default_as_of(2020, today), date!(2020 - 01 - 01));
    }

    #[test]
    fn planned_twelve_months_ends_a_day_before_the_anniversary() {
        assert_eq!(
            min_end_date(date!(2019 - 03 - 01), 12),
            Some(date!(2020 - 02 - 29))
        );
        assert_eq!(
            min_end_date(date!(2020 - 02 - 29), 12),
            Some(date!(2021 - 02 - 28))
        );
        assert_eq!(
            min_end_date(date!(2019 - 01 - 01), 12),
            Some(date!(2019 - 12 - 31))
        );
        assert_eq!(
            min_end_date(date!(2019 - 11 - 15), 3),
            Some(date!(2020 - 02 - 14))
        );
        assert_eq!(
            min_end_date(date!(2019 - 01 - 31), 1),
            Some(date!(2019 - 03 - 02))
        );
    }

    #[test]
    fn percent_rounds_half_up() {
        assert_eq!(percent_of(1, 3), 3333);
        assert_eq!(percent_of(2, 3), 6667);
        assert_eq!(percent_of(1, 8), 1250);
        // 1/80000 = 0.00125 % = 0.125 hundredths: rounds down to 0.
        assert_eq!(percent_of(1, 80_000), 0);
        // 1/20000 = 0.005 % = 0.5 hundredths → rounds up to 1.
        assert_eq!(percent_of(1, 20_000), 1);
        assert_eq!(percent_of(5, 0), 0);
    }

    fn calendar(deadline: Date, as_of: Date) -> Calendar {
        Calendar {
            year_start: jan_1(deadline.year()),
            deadline,
            as_of,
        }
    }

    #[test]
    fn pace_is_the_elapsed_share_up_to_the_deadline() {
        let t = Some(Target {
            min: 8000,
            max: None,
        });
        // 2019-01-01 → 2019-07-01 is 181 days of 364 up to 12-31: 8000 × 181 / 364 ≈ 3978.
        let cal = calendar(date!(2019 - 12 - 31), date!(2019 - 07 - 01));
        assert_eq!(judge(t, 3979, 3979, &cal), IndicatorStatus::OnTrack);
        assert_eq!(judge(t, 3978, 3978, &cal), IndicatorStatus::Behind);
        // Exactly on the line counts as on track: 181 × 364 = 364 × 181.
        let line = Some(Target {
            min: 364,
            max: None,
        });
        assert_eq!(judge(line, 181, 181, &cal), IndicatorStatus::OnTrack);
        assert_eq!(judge(line, 180, 180, &cal), IndicatorStatus::Behind);
        // Nothing elapsed before the year starts.
        let early = calendar(date!(2019 - 12 - 31), date!(2018 - 11 - 01));
        assert_eq!(judge(t, 0, 0, &early), IndicatorStatus::OnTrack);
    }

    struct Sel<'s>(&'s Slot<'s>);
    impl Sel<'_> {
        fn matches(&self, want: &FilterValue, value: Option<&Value>) -> bool {
            matches(want, value, self.0)
        }
    }

    #[test]
    fn conditions_match_text_unit_lists_booleans_and_scope_values() {
        let plan = Plan::bundled();
        let slot = Slot {
            unit: Some("清溪镇"),
            paired_county: plan.paired_county("清溪镇"),
        };
        let sel = Sel(&slot);
        let text = |s: &str| FilterValue::Text(s.to_string());
        // Missing booleans mean 否; any other missing field never matches.
        assert!(sel.matches(&FilterValue::Bool(false), None));
        assert!(!sel.matches(&FilterValue::Bool(true), None));
        assert!(sel.matches(&FilterValue::Bool(true), Some(&Value::Bool(true))));
        assert!(!sel.matches(&FilterValue::Bool(false), Some(&Value::Bool(true))));
        assert!(!sel.matches(&text("镇雄县"), None));
        assert!(sel.matches(&text("镇街财政"), Some(&Value::Enum("镇街财政".into()))));
        let organisers = Value::Units(vec!["黄江镇".into(), "清溪镇".into()]);
        assert!(sel.matches(&text("清溪镇"), Some(&organisers)));
        assert!(sel.matches(&FilterValue::ScopeUnit, Some(&organisers)));
        assert!(sel.matches(
            &FilterValue::PairedCounty,
            Some(&Value::Unit("镇雄县".into()))
        ));
        assert!(!sel.matches(
            &FilterValue::PairedCounty,
            Some(&Value::Unit("彝良县".into()))
        ));
        let plan_wide = Sel(&Slot::PLAN);
        assert!(!plan_wide.matches(&FilterValue::ScopeUnit, Some(&organisers)));
    }

    #[test]
    fn deadline_decides_between_met_late_and_not_met() {
        let t = Some(Target {
            min: 10,
            max: Some(20),
        });
        let over = calendar(date!(2019 - 03 - 31), date!(2019 - 03 - 31));
        assert_eq!(judge(t, 10, 10, &over), IndicatorStatus::Met);
        assert_eq!(judge(t, 10, 9, &over), IndicatorStatus::Late);
        assert_eq!(judge(t, 9, 9, &over), IndicatorStatus::NotMet);
        assert_eq!(judge(None, 0, 0, &over), IndicatorStatus::Tracked);
        assert!(exceeds_range(t, 21));
        assert!(!exceeds_range(t, 20));
        assert!(!exceeds_range(Some(Target { min: 1, max: None }), 1000));
    }
}
