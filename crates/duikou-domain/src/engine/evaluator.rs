//! Step (b) of the fold: from the aggregates of the figures to the assessment. Each
//! figure is read by its measure (rows, sum or distinct persons), a ratio over its
//! denominator's figure, a growth target from the previous year's aggregates, and every
//! figure judged against its target and deadline (`status`).

use std::collections::HashMap;

use super::aggregate::{Aggregate, Aggregator};
use super::classify::Contribution;
use super::dates::dec_31;
use super::status::{Tally, growth_target, result};
use super::{AssessOptions, Assessment, scope_name, scope_slots};
use crate::plan::{Indicator, Measure, Plan};
use crate::record::format_date;

/// The assessment a year's previous one sets growth targets from: the previous year as
/// it stood at its end (or at the as-of date, if earlier), with the same statuses. None
/// when no target needs it (no growth target, or the plan's first year).
pub fn previous_window(plan: &Plan, opts: &AssessOptions) -> Option<AssessOptions> {
    let needed = opts.year > plan.meta.first_year
        && plan.indicators.iter().any(|i| i.growth_percent.is_some());
    needed.then(|| AssessOptions {
        year: opts.year - 1,
        as_of: dec_31(opts.year - 1).min(opts.as_of),
        ..*opts
    })
}

/// The fold of one assessment as the rows arrive: the aggregates of its year and, where
/// growth targets need them, of the previous year's end; then `finish`.
pub(super) struct Fold<'p, 'a> {
    plan: &'p Plan,
    opts: AssessOptions,
    now: Aggregator<'a>,
    before: Option<Aggregator<'a>>,
}

impl<'p, 'a> Fold<'p, 'a> {
    pub(super) fn new(plan: &'p Plan, opts: &AssessOptions) -> Self {
        Fold {
            plan,
            opts: *opts,
            now: Aggregator::new(*opts),
            before: previous_window(plan, opts).map(Aggregator::new),
        }
    }

    pub(super) fn add(&mut self, c: &Contribution<'a>) {
        self.now.add(c);
        if let Some(before) = &mut self.before {
            before.add(c);
        }
    }

    pub(super) fn finish(self) -> Assessment {
        let previous = self.before.map(Aggregator::finish);
        finish(
            self.plan,
            &self.opts,
            &self.now.finish(),
            previous.as_deref(),
        )
    }
}

/// The assessment from the aggregates of its figures (`current`) and, where
/// `previous_window` asks for them, those of the previous year (`previous`): one result
/// per indicator and scope unit, in the plan's indicator order and, within a per-unit
/// scope, the plan's unit order.
pub fn finish(
    plan: &Plan,
    opts: &AssessOptions,
    current: &[Aggregate],
    previous: Option<&[Aggregate]>,
) -> Assessment {
    let now = Figures::new(plan, current);
    let before = previous_window(plan, opts)
        .and(previous)
        .map(|p| Figures::new(plan, p));
    let results = plan
        .indicators
        .iter()
        .flat_map(|ind| {
            scope_slots(plan, ind)
                .into_iter()
                .map(move |unit| (ind, unit))
        })
        .map(|(ind, unit)| {
            let (actual, on_time) = now.value(ind, unit);
            let target = match (ind.growth_percent, &before) {
                (Some(p), Some(before)) => Some(growth_target(before.value(ind, unit).0, p)),
                (Some(_), None) => None,
                (None, _) => ind.target_of(opts.year, unit),
            };
            let group = now.group(ind, unit);
            let count = |n: i64| usize::try_from(n).unwrap_or(0);
            let tally = Tally {
                actual,
                on_time,
                records: group.map_or(0, |g| count(g.rows)),
                with_evidence: group.map_or(0, |g| count(g.with_evidence)),
            };
            result(ind, opts, unit, &tally, target)
        })
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

/// The aggregates of one assessment, by figure.
struct Figures<'a> {
    plan: &'a Plan,
    groups: HashMap<(&'a str, &'a str), &'a Aggregate>,
}

impl<'a> Figures<'a> {
    fn new(plan: &'a Plan, aggregates: &'a [Aggregate]) -> Self {
        let groups = aggregates
            .iter()
            .map(|a| ((a.indicator.as_str(), a.scope.as_str()), a))
            .collect();
        Figures { plan, groups }
    }

    fn group(&self, ind: &Indicator, unit: Option<&str>) -> Option<&'a Aggregate> {
        self.groups
            .get(&(ind.id.as_str(), scope_name(unit)))
            .copied()
    }

    /// A figure's value up to the as-of date and up to the deadline.
    fn value(&self, ind: &Indicator, unit: Option<&str>) -> (i64, i64) {
        let measured = self.group(ind, unit).map_or((0, 0), |g| match ind.measure {
            Measure::Count => (g.rows, g.rows_on_time),
            Measure::DistinctPersons => (g.persons, g.persons_on_time),
            Measure::Sum { .. } | Measure::Ratio { .. } => (g.sum, g.sum_on_time),
        });
        let Measure::Ratio { denominator, .. } = &ind.measure else {
            return measured;
        };
        let (whole, whole_on_time) = self.denominator(ind, denominator, unit);
        (
            percent_of(measured.0, whole),
            percent_of(measured.1, whole_on_time),
        )
    }

    /// The denominator of a ratio: the other indicator's figure for the same unit when
    /// it has the same scope, else for the whole plan.
    fn denominator(&self, ind: &Indicator, denominator: &str, unit: Option<&str>) -> (i64, i64) {
        match self.plan.indicator(denominator) {
            // The loader refuses ratio-of-ratio; guard anyway against endless recursion.
            Some(den) if !matches!(den.measure, Measure::Ratio { .. }) => {
                let den_unit = if den.scope == ind.scope { unit } else { None };
                self.value(den, den_unit)
            }
            _ => (0, 0),
        }
    }
}

/// `part / whole` in hundredths of a percent, rounded half up; 0 when `whole` is 0.
pub(super) fn percent_of(part: i64, whole: i64) -> i64 {
    if whole == 0 {
        return 0;
    }
    let (part, whole) = (i128::from(part), i128::from(whole));
    let hundredths = (part * 10_000 * 2 + whole).div_euclid(whole * 2);
    i64::try_from(hundredths).unwrap_or(if hundredths < 0 { i64::MIN } else { i64::MAX })
}
