//! An item's figures, a line per indicator: the one rule for grouping a per-unit
//! indicator's results and counting their statuses, shared by the checklist sheet, the
//! command line's checklist and the checklist page (`duikou_app::assessment::summarise`).
//! Only the wording differs between a document sent up and a screen.

use duikou_domain::engine::{IndicatorResult, IndicatorStatus};
use duikou_domain::target_text::{self, Style};

use crate::common::PLAN_SCOPE;

/// Who reads the lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wording {
    /// The checklist sheet, a document: a programme-wide figure as "名称：实际（目标 X）状态",
    /// a per-unit indicator (even of one unit) by its status counts and the target of
    /// each unit.
    Document,
    /// The command line and the checklist page: a single figure as its [`result_line`]
    /// (its scope unit and a range exceeded marked), several units by their status counts.
    Screen,
}

/// The results of each indicator, in the order given: the engine gives an indicator's
/// results (one per scope unit) one after the other.
pub fn by_indicator<'r, 'a>(
    results: &'r [&'a IndicatorResult],
) -> impl Iterator<Item = &'r [&'a IndicatorResult]> {
    results.chunk_by(|a, b| a.indicator == b.indicator)
}

/// "已完成 18，未完成 4": how many results have each status, in `IndicatorStatus::ALL`
/// order, statuses no result has left out.
pub fn status_counts_zh(results: &[&IndicatorResult]) -> String {
    IndicatorStatus::ALL
        .iter()
        .map(|s| (s, results.iter().filter(|r| r.status == *s).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{} {n}", s.label_zh()))
        .collect::<Vec<_>>()
        .join("，")
}

/// A short line per result: "5.2-employed：8123人 / ≥8000人 已完成", a unit's figure with
/// its unit ("[清溪镇]").
pub fn result_line(r: &IndicatorResult) -> String {
    let scope = if r.scope == PLAN_SCOPE {
        String::new()
    } else {
        format!("[{}]", r.scope)
    };
    let above = if r.above_range {
        "（超出区间）"
    } else {
        ""
    };
    format!(
        "{}{scope}：{} / {} {}{above}",
        r.name,
        r.actual.display_zh_with_unit(&r.unit),
        target_text::of_result(r, Style::Compact),
        r.status.label_zh()
    )
}

/// A line per indicator of `results`: a single figure by itself, a per-unit indicator's
/// results summarised by their status counts ("名称（22 个单位，目标 …）：已完成 18，未完成 4").
pub fn figure_lines(results: &[&IndicatorResult], wording: Wording) -> Vec<String> {
    by_indicator(results)
        .map(|same| {
            let r = same[0];
            let target = || target_text::of_result(r, Style::Compact);
            match (wording, same) {
                (Wording::Screen, [one]) => result_line(one),
                (Wording::Document, [one]) if one.scope == PLAN_SCOPE => match one.target_min {
                    None => format!(
                        "{}：{}（{}）",
                        r.name,
                        r.actual.display_zh_with_unit(&r.unit),
                        r.status.label_zh()
                    ),
                    Some(_) => format!(
                        "{}：{}（目标 {}）{}",
                        r.name,
                        r.actual.display_zh_with_unit(&r.unit),
                        target(),
                        r.status.label_zh()
                    ),
                },
                (Wording::Document, _) => format!(
                    "{}（{} 个单位，每单位目标 {}）：{}",
                    r.name,
                    same.len(),
                    target(),
                    status_counts_zh(same)
                ),
                (Wording::Screen, _) => format!(
                    "{}（{} 个单位，目标 {}）：{}",
                    r.name,
                    same.len(),
                    target(),
                    status_counts_zh(same)
                ),
            }
        })
        .collect()
}

/// Lines describing an item's figures on the checklist sheet: a programme-wide figure as
/// "名称：实际（目标 X）状态", a per-unit indicator summarised by status counts.
pub fn summary_lines(results: &[&IndicatorResult]) -> Vec<String> {
    figure_lines(results, Wording::Document)
}

#[cfg(test)]
mod tests {
    use duikou_domain::engine::Figure;

    use super::*;

    fn result(
        indicator: &str,
        scope: &str,
        actual: i64,
        status: IndicatorStatus,
    ) -> IndicatorResult {
        IndicatorResult {
            indicator: indicator.into(),
            item: "5.2".into(),
            scope: scope.into(),
            actual: Figure::Count(actual),
            on_time: None,
            target_min: Some(Figure::Count(8000)),
            target_max: None,
            unit: "人".into(),
            status,
            above_range: false,
            records: 0,
            with_evidence: 0,
            deadline: "2019-12-31".into(),
            name: indicator.into(),
        }
    }

    /// The two wordings of one item: a programme-wide figure with a target, one without,
    /// one above its range, an indicator of three units and one of a single unit.
    #[test]
    fn an_items_figures_are_grouped_by_indicator_and_worded_for_their_reader() {
        use IndicatorStatus::{Met, NotMet, Tracked};
        let employed = result("employed", "plan", 8123, Met);
        let tracked = IndicatorResult {
            target_min: None,
            ..result("tracked", "plan", 12, Tracked)
        };
        let promotions = IndicatorResult {
            target_max: Some(Figure::Count(9000)),
            above_range: true,
            ..result("promotions", "plan", 9100, Met)
        };
        let towns = [
            result("towns", "清溪镇", 8000, Met),
            result("towns", "黄江镇", 10, NotMet),
            result("towns", "塘厦镇", 9000, Met),
        ];
        let county = result("county", "镇雄县", 1, NotMet);
        let results: Vec<&IndicatorResult> = [&employed, &tracked, &promotions]
            .into_iter()
            .chain(&towns)
            .chain([&county])
            .collect();

        assert_eq!(
            by_indicator(&results).map(<[_]>::len).collect::<Vec<_>>(),
            [1, 1, 1, 3, 1]
        );
        assert_eq!(status_counts_zh(&results[3..6]), "已完成 2，未完成 1");
        assert_eq!(
            summary_lines(&results),
            [
                "employed：8123人（目标 ≥8000人）已完成",
                "tracked：12人（跟踪）",
                "promotions：9100人（目标 8000–9000人）已完成",
                "towns（3 个单位，每单位目标 ≥8000人）：已完成 2，未完成 1",
                "county（1 个单位，每单位目标 ≥8000人）：未完成 1",
            ]
        );
        assert_eq!(
            figure_lines(&results, Wording::Screen),
            [
                "employed：8123人 / ≥8000人 已完成",
                "tracked：12人 / — 跟踪",
                "promotions：9100人 / 8000–9000人 已完成（超出区间）",
                "towns（3 个单位，目标 ≥8000人）：已完成 2，未完成 1",
                "county[镇雄县]：1人 / ≥8000人 未完成",
            ]
        );
        assert!(figure_lines(&[], Wording::Screen).is_empty());
    }
}
