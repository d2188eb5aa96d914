//! How far figures, units and actions are toward their targets, and the one ranking of
//! units that every output shows (docs/domain.md, "Progress and ranking").
//!
//! A figure's progress is min(actual, target) / target: overshooting one target cannot
//! hide another, and a figure at 1,893 of 1,900 stands at 99.6 %, not at "not met". A
//! group of figures (a unit's, an action's, a county's) stands at the average of its
//! figures' progress, rounded to a tenth of a percent, so that what is shown is what is
//! ranked. Units are ranked by that average, then by how many targets they reached;
//! units equal on both share a rank and keep the plan's order.
//!
//! The average was chosen over "share of targets met" because the share cannot tell a
//! unit at 99 % of every target from one that did nothing (both 0 %), which ties most
//! units mid-year and ranks against the work done.

use std::collections::HashMap;

use crate::plan::{Plan, Scope, UnitKind};

use super::{IndicatorResult, IndicatorStatus};

/// 100 % in hundredths of a percent.
pub const FULL: i64 = 10_000;

/// The ranking rule in one sentence, for every page and file that shows a ranking.
pub const RANKING_RULE_ZH: &str = "按各单位年度目标的平均完成率排名（每项指标完成率封顶100%，四舍五入到0.1%），并列时按已完成指标数；镇街按其本级目标计，市直单位按其负责的工作清单事项的全市目标计。";
pub const RANKING_RULE_EN: &str = "Ranked by the average progress toward each unit's targets for the year (each target capped at 100%, rounded to 0.1%), ties broken by the number of targets met; towns are measured on their own targets, departments on the programme-wide targets of the checklist items they answer for.";

/// How an action's (or a county's) progress is measured, for the charts that show it.
pub const PROGRESS_RULE_ZH: &str = "完成进度为各项有目标指标完成率（封顶100%）的平均数；「已完成」为达到目标的指标数（含逾期完成）。";
pub const PROGRESS_RULE_EN: &str = "Progress is the average, over the indicators with a target, of the share of each target reached (capped at 100%); \"met\" counts the targets reached (late ones included).";

/// One figure's progress toward its target in hundredths of a percent (0 to [`FULL`]),
/// `None` for a figure without a target. A target of zero is reached by any figure.
pub fn progress(r: &IndicatorResult) -> Option<i64> {
    let target = r.target_min?.raw();
    if target <= 0 {
        return Some(FULL);
    }
    let done = r.actual.raw().clamp(0, target);
    Some((i128::from(done) * i128::from(FULL) / i128::from(target)) as i64)
}

/// Whether a figure has reached its target (met on time or late).
pub fn reached(r: &IndicatorResult) -> bool {
    r.target_min
        .is_some_and(|t| t.raw() <= 0 || r.actual.raw() >= t.raw())
}

/// Where a group of figures stands: the average progress of those with a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Hundredths of a percent, rounded to a tenth of a percent (a multiple of 10):
    /// 8750 is 87.5 %.
    pub share: i64,
    /// Figures with a target.
    pub targets: usize,
    /// Of those, reached.
    pub reached: usize,
}

impl Progress {
    /// The progress of these figures (those without a target are left out).
    pub fn of<'a>(results: impl IntoIterator<Item = &'a IndicatorResult>) -> Progress {
        // Exact enough to round to a tenth of a percent the same way everywhere: each
        // part in 10^-12, summed, averaged, then rounded half up.
        const SCALE: i128 = 1_000_000_000_000;
        let mut sum: i128 = 0;
        let mut targets = 0usize;
        let mut hit = 0usize;
        for r in results {
            let Some(t) = r.target_min.map(|t| t.raw()) else {
                continue;
            };
            targets += 1;
            if reached(r) {
                hit += 1;
            }
            sum += if t <= 0 {
                SCALE
            } else {
                i128::from(r.actual.raw().clamp(0, t)) * SCALE / i128::from(t)
            };
        }
        if targets == 0 {
            return Progress::default();
        }
        let average = sum / targets as i128;
        let tenths_of_percent = (average * 1000 + SCALE / 2) / SCALE;
        Progress {
            share: (tenths_of_percent * 10) as i64,
            targets,
            reached: hit,
        }
    }

    /// "87.5%".
    pub fn percent_text(self) -> String {
        format!("{}.{}%", self.share / 100, (self.share % 100) / 10)
    }

    /// 87.5 (for charts).
    pub fn percent(self) -> f64 {
        self.share as f64 / 100.0
    }

    /// 0.875 (for a spreadsheet cell formatted as a percentage).
    pub fn ratio(self) -> f64 {
        self.share as f64 / FULL as f64
    }
}

/// A unit's place in a ranking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// 1 for the best; units equal in progress and targets reached share a rank.
    pub rank: usize,
    pub unit: String,
    pub progress: Progress,
}

/// Rank units (given in the plan's order) by progress, then targets reached; equals
/// share a rank and keep their order.
pub fn rank(units: Vec<(String, Progress)>) -> Vec<Standing> {
    let mut v = units;
    // A stable sort: equals stay in the plan's order.
    v.sort_by(|a, b| {
        b.1.share
            .cmp(&a.1.share)
            .then(b.1.reached.cmp(&a.1.reached))
    });
    let mut out = Vec::with_capacity(v.len());
    let mut last: Option<(i64, usize)> = None;
    let mut rank = 0;
    for (i, (unit, p)) in v.into_iter().enumerate() {
        if last != Some((p.share, p.reached)) {
            rank = i + 1;
            last = Some((p.share, p.reached));
        }
        out.push(Standing {
            rank,
            unit,
            progress: p,
        });
    }
    out
}

/// The towns ranked (a plan's towns, and the districts or departments that lead or
/// assist a pairing): each on its own figures.
pub fn town_ranking(plan: &Plan, results: &[IndicatorResult]) -> Vec<Standing> {
    // One pass over the results: a plan scaled to thousands of towns stays linear.
    let mut by_scope: HashMap<&str, Vec<&IndicatorResult>> = HashMap::new();
    for r in results {
        by_scope.entry(r.scope.as_str()).or_default().push(r);
    }
    rank(
        ranked_towns(plan)
            .map(|u| {
                let p = Progress::of(by_scope.get(u).into_iter().flatten().copied());
                (u.to_string(), p)
            })
            .collect(),
    )
}

/// The units [`town_ranking`] ranks, in plan order.
pub fn ranked_towns(plan: &Plan) -> impl Iterator<Item = &str> {
    plan.units
        .iter()
        .filter(|u| u.kind == UnitKind::Town || u.town_role.is_some())
        .map(|u| u.name.as_str())
}

/// The departments (and the working group) ranked on the programme-wide figures of the
/// checklist items they are responsible for; those without such a target this year are
/// returned apart, in plan order.
pub fn department_ranking(
    plan: &Plan,
    results: &[IndicatorResult],
) -> (Vec<Standing>, Vec<String>) {
    let mut ranked = Vec::new();
    let mut without = Vec::new();
    for u in plan.units.iter().filter(|u| {
        matches!(u.kind, UnitKind::Department | UnitKind::WorkingGroup) && u.town_role.is_none()
    }) {
        let p = Progress::of(department_results(plan, results, &u.name));
        if p.targets == 0 {
            without.push(u.name.clone());
        } else {
            ranked.push((u.name.clone(), p));
        }
    }
    (rank(ranked), without)
}

/// The programme-wide figures a department answers for: those of the checklist items
/// naming it (or a group it belongs to) responsible.
pub fn department_results<'a>(
    plan: &'a Plan,
    results: &'a [IndicatorResult],
    unit: &'a str,
) -> impl Iterator<Item = &'a IndicatorResult> + 'a {
    results.iter().filter(move |r| {
        r.scope == super::PLAN_SCOPE
            && plan
                .indicator(&r.indicator)
                .is_some_and(|i| i.scope == Scope::Plan)
            && plan
                .checklist_item_of(&r.item)
                .is_some_and(|item| plan.expand_responsible(&item.responsible).contains(&unit))
    })
}

/// The figures of one action (every scope unit's included).
pub fn action_results<'a>(
    plan: &'a Plan,
    results: &'a [IndicatorResult],
    action: &'a str,
) -> impl Iterator<Item = &'a IndicatorResult> + 'a {
    results
        .iter()
        .filter(move |r| plan.action_of(&r.item).is_some_and(|a| a.no == action))
}

/// The figures that concern each paired county — its own, and those of the towns paired
/// with it (the lead town and the assisting towns) — grouped by county and by action, in
/// one pass over the results.
pub struct CountyFigures<'a> {
    /// county → its figures.
    pub all: HashMap<&'a str, Vec<&'a IndicatorResult>>,
    /// (county, action number) → the county's figures of that action.
    pub by_action: HashMap<(&'a str, &'a str), Vec<&'a IndicatorResult>>,
}

impl<'a> CountyFigures<'a> {
    pub fn of(plan: &'a Plan, results: &'a [IndicatorResult]) -> CountyFigures<'a> {
        let mut county_of: HashMap<&str, &str> = HashMap::new();
        for p in &plan.pairings {
            county_of.insert(p.county.as_str(), p.county.as_str());
            county_of.insert(p.lead.as_str(), p.county.as_str());
            for a in &p.assisting {
                county_of.insert(a.as_str(), p.county.as_str());
            }
        }
        let mut action_of: HashMap<&str, Option<&str>> = HashMap::new();
        let mut all: HashMap<&str, Vec<&IndicatorResult>> = HashMap::new();
        let mut by_action: HashMap<(&str, &str), Vec<&IndicatorResult>> = HashMap::new();
        for r in results {
            let Some(county) = county_of.get(r.scope.as_str()).copied() else {
                continue;
            };
            all.entry(county).or_default().push(r);
            let action = *action_of
                .entry(r.item.as_str())
                .or_insert_with(|| plan.action_of(&r.item).map(|a| a.no.as_str()));
            if let Some(action) = action {
                by_action.entry((county, action)).or_default().push(r);
            }
        }
        CountyFigures { all, by_action }
    }

    /// The county's progress over all its figures.
    pub fn progress(&self, county: &str) -> Progress {
        Progress::of(self.all.get(county).into_iter().flatten().copied())
    }

    /// The county's progress on one action.
    pub fn action_progress(&self, county: &str, action: &str) -> Progress {
        Progress::of(
            self.by_action
                .get(&(county, action))
                .into_iter()
                .flatten()
                .copied(),
        )
    }
}

/// The figures that need attention, most urgent first: not met (the deadline has
/// passed), then behind pace (the nearest deadline first), then met late; within each,
/// the furthest from the target first.
pub fn needing_attention(results: &[IndicatorResult]) -> Vec<&IndicatorResult> {
    let order = |s: IndicatorStatus| match s {
        IndicatorStatus::NotMet => Some(0),
        IndicatorStatus::Behind => Some(1),
        IndicatorStatus::Late => Some(2),
        _ => None,
    };
    let mut v: Vec<&IndicatorResult> = results
        .iter()
        .filter(|r| order(r.status).is_some())
        .collect();
    v.sort_by(|a, b| {
        order(a.status)
            .cmp(&order(b.status))
            .then_with(|| a.deadline.cmp(&b.deadline))
            .then_with(|| progress(a).cmp(&progress(b)))
    });
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Figure;

    fn result(scope: &str, actual: i64, target: Option<i64>) -> IndicatorResult {
        IndicatorResult {
            indicator: "x".into(),
            item: "6.2".into(),
            scope: scope.into(),
            actual: Figure::Count(actual),
            on_time: None,
            target_min: target.map(Figure::Count),
            target_max: None,
            unit: "人".into(),
            status: IndicatorStatus::NotMet,
            above_range: false,
            records: 0,
            with_evidence: 0,
            deadline: "2020-12-31".into(),
            name: "x".into(),
        }
    }

    #[test]
    fn a_figure_just_short_of_its_target_stands_near_full() {
        let r = result("plan", 1_893, Some(1_900));
        assert_eq!(progress(&r), Some(9_963));
        let p = Progress::of([&r]);
        assert_eq!(p.share, 9_960, "rounded to a tenth of a percent");
        assert_eq!(p.percent_text(), "99.6%");
        assert_eq!((p.targets, p.reached), (1, 0));
    }

    #[test]
    fn overshooting_one_target_does_not_hide_another() {
        let rs = [
            result("a", 300, Some(100)),
            result("a", 0, Some(100)),
            result("a", 7, None),
        ];
        let p = Progress::of(&rs);
        assert_eq!((p.share, p.targets, p.reached), (5_000, 2, 1));
        // A zero target is reached by any figure; no target at all is no progress.
        assert_eq!(progress(&result("a", 0, Some(0))), Some(FULL));
        assert_eq!(Progress::of(&[result("a", 3, None)]), Progress::default());
        // A negative figure (money paid back) is no progress, not less than none.
        assert_eq!(progress(&result("a", -5, Some(10))), Some(0));
    }

    #[test]
    fn averages_round_half_up_to_a_tenth_of_a_percent() {
        // (1/8 + 0) / 2 = 6.25 % → 6.3 %.
        let p = Progress::of(&[result("a", 1, Some(8)), result("a", 0, Some(8))]);
        assert_eq!(p.share, 630);
        assert_eq!(p.percent_text(), "6.3%");
        // 1/3 = 33.33… % → 33.3 %.
        assert_eq!(
            Progress::of(&[result("a", 1, Some(3))]).percent_text(),
            "33.3%"
        );
        assert_eq!(
            Progress::of(&[result("a", 2, Some(3))]).percent_text(),
            "66.7%"
        );
        assert_eq!(
            Progress::of(&[result("a", 5, Some(5))]).percent_text(),
            "100.0%"
        );
    }

    #[test]
    fn equals_share_a_rank_and_keep_the_plan_order() {
        let p = |share, reached| Progress {
            share,
            targets: 5,
            reached,
        };
        let ranked = rank(vec![
            ("c".into(), p(8_750, 3)),
            ("a".into(), p(9_370, 4)),
            ("b".into(), p(8_750, 3)),
            ("d".into(), p(8_750, 4)),
            ("e".into(), p(0, 0)),
        ]);
        let got: Vec<(usize, &str)> = ranked.iter().map(|s| (s.rank, s.unit.as_str())).collect();
        assert_eq!(
            got,
            vec![(1, "a"), (2, "d"), (3, "c"), (3, "b"), (5, "e")],
            "ties on progress are broken by targets met, then shared"
        );
    }

    #[test]
    fn a_county_stands_on_its_own_figures_and_its_towns() {
        let plan = Plan::bundled();
        let mut rs = vec![
            result("镇雄县", 30, Some(30)),
            result("清溪镇", 1, Some(2)),
            result("企石镇", 0, Some(1)),
            result("黄江镇", 2, Some(2)),
            result("plan", 0, Some(9)),
        ];
        rs[0].item = "2.1".into();
        let f = CountyFigures::of(&plan, &rs);
        let p = f.progress("镇雄县");
        assert_eq!((p.share, p.targets, p.reached), (5_000, 3, 1), "{p:?}");
        assert_eq!(f.action_progress("镇雄县", "2").share, FULL);
        assert_eq!(f.action_progress("镇雄县", "6").targets, 2);
        assert_eq!(f.progress("彝良县").targets, 1, "黄江镇 helps 彝良县");
    }

    #[test]
    fn attention_puts_what_is_overdue_first() {
        let mut late = result("a", 5, Some(5));
        late.status = IndicatorStatus::Late;
        let mut behind_soon = result("b", 1, Some(5));
        behind_soon.status = IndicatorStatus::Behind;
        behind_soon.deadline = "2020-03-31".into();
        let mut behind_later = result("c", 0, Some(5));
        behind_later.status = IndicatorStatus::Behind;
        let not_met = result("d", 4, Some(5));
        let mut met = result("e", 5, Some(5));
        met.status = IndicatorStatus::Met;
        let rs = [late, behind_later, met, not_met, behind_soon];
        let order: Vec<&str> = needing_attention(&rs)
            .iter()
            .map(|r| r.scope.as_str())
            .collect();
        assert_eq!(order, vec!["d", "b", "c", "a"]);
    }
}
