//! Secondments (人员选派): county cadres, Zhaotong cadres to Dongguan, teachers and doctors.

use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use time::Date;

use super::Row;
use super::context::Cx;
use super::names::{RECEIVING_DEPARTMENTS, random_name, townships};
use super::rows::{RowBuilder, county_word, day28, days, pick, plus_months};

#[allow(clippy::too_many_arguments)]
fn secondment(
    name: String,
    category: &str,
    rank: &str,
    direction: &str,
    from: &str,
    to: &str,
    post: String,
    leadership: bool,
    start: Date,
    end: Date,
) -> RowBuilder {
    RowBuilder::new()
        .set("name", name)
        .set("category", category)
        .set("rank", rank)
        .set("direction", direction)
        .set("from_unit", from)
        .set("to_unit", to)
        .set("post", post)
        .flag("leadership_team", leadership)
        .date("start_on", start)
        .date("end_on", end)
}

pub(super) fn secondments(cx: &Cx<'_>, rng: &mut ChaCha8Rng) -> Vec<Row> {
    let mut rows = Vec::new();
    let last_year = cx.last_year();
    let first_year = cx.years[0];

    // 处级 cadres in each county's leadership team, two-year terms, relieved in the last year.
    for round in 0..cx.rounds() {
        for &ci in cx.counties_of(round) {
            let c = &cx.counties[ci];
            let w = county_word(&c.name);
            let lead = cx
                .pairs
                .iter()
                .find(|p| p.county == c.name)
                .map(|p| p.lead.as_str());
            let from = match lead {
                Some(l) if cx.first_round(round) => l,
                _ => pick(rng, &["市委组织部", "市经协办", "市农业局", "市经信局"]),
            };
            let mut start = day28(rng, first_year, 3, 6);
            loop {
                let end = plus_months(start, 24) - days(1);
                rows.push(
                    secondment(
                        random_name(rng),
                        "党政干部",
                        "处级",
                        "东莞→昭通",
                        from,
                        &c.name,
                        format!("挂任{}{w}委常委、副{w}长", c.name),
                        true,
                        start,
                        end,
                    )
                    .done(),
                );
                start = end + days(1);
                if start.year() > last_year {
                    break;
                }
            }
        }
    }

    let towns: Vec<&str> = cx.towns().collect();
    for (yi, &y) in cx.years.iter().enumerate() {
        let phase = cx.phase(yi);
        // Zhaotong cadres seconded to Dongguan: at least 10 a year.
        for _ in 0..rng.gen_range(10..=13) * cx.scale {
            let from = cx.county(rng).to_string();
            let to_town = rng.gen_bool(0.5) && !towns.is_empty();
            let (to, post) = if to_town {
                let t = towns[rng.gen_range(0..towns.len())];
                let role = if t.ends_with("街道") {
                    "办事处副主任"
                } else {
                    "副镇长"
                };
                (t.to_string(), format!("挂任{t}{role}"))
            } else {
                let d = pick(rng, RECEIVING_DEPARTMENTS);
                (
                    d.to_string(),
                    format!(
                        "挂任{d}{}",
                        pick(rng, &["主任助理", "局长助理", "业务科室副科长"])
                    ),
                )
            };
            let start = if phase == 0 {
                day28(rng, y, 9, 11)
            } else {
                day28(rng, y, 3, 9)
            };
            let months = if rng.gen_bool(0.5) { 6 } else { 12 };
            let rank = if rng.gen_bool(0.8) {
                "科级"
            } else {
                "处级"
            };
            rows.push(
                secondment(
                    random_name(rng),
                    "党政干部",
                    rank,
                    "昭通→东莞",
                    &from,
                    &to,
                    post,
                    false,
                    start,
                    plus_months(start, months) - days(1),
                )
                .set("reporting_unit", "市委组织部")
                .done(),
            );
        }

        // Teachers and doctors from every town: 2 + 2 from a lead town, 1 + 1 from an assisting town.
        // A few are planned one day short of a year, so their town misses 8.2.
        let mut short: Vec<(&str, &str)> = Vec::new();
        if phase == 1 {
            let assisting = cx.assisting_towns();
            let two: Vec<&str> = assisting
                .choose_multiple(rng, 2.min(assisting.len()))
                .copied()
                .collect();
            short.extend(two.iter().zip(["教师", "医生"]).map(|(t, c)| (*t, c)));
        }
        if phase == 2
            && let Some(p) = cx.pairs.choose(rng)
        {
            short.push((p.lead.as_str(), "医生"));
        }
        for round in 0..cx.rounds() {
            for (_, p) in cx.pairs_in(round) {
                let senders = std::iter::once((p.lead.as_str(), 2))
                    .chain(p.assisting.iter().map(|a| (a.as_str(), 1)));
                for (town, each) in senders {
                    for category in ["教师", "医生"] {
                        for i in 0..each {
                            let start = day28(rng, y, 2, 9);
                            let year_later = plus_months(start, 12);
                            let end = if cx.first_round(round)
                                && i == 0
                                && short.contains(&(town, category))
                            {
                                year_later - days(2)
                            } else if rng.gen_bool(0.3) {
                                year_later - days(1) + days(rng.gen_range(1..=180))
                            } else {
                                year_later - days(1)
                            };
                            let post = if category == "教师" {
                                let school = pick(
                                    rng,
                                    &[
                                        "第一中学",
                                        "民族中学",
                                        "实验小学",
                                        "职业高级中学",
                                        "第二中学",
                                        "第一小学",
                                    ],
                                );
                                format!("支教（{}{school}）", p.county)
                            } else if rng.gen_bool(0.6) {
                                format!(
                                    "支医（{}{}）",
                                    p.county,
                                    pick(rng, &["人民医院", "中医医院", "妇幼保健院"])
                                )
                            } else {
                                format!(
                                    "支医（{}{}卫生院）",
                                    p.county,
                                    pick(rng, townships(&p.county))
                                )
                            };
                            rows.push(
                                secondment(
                                    random_name(rng),
                                    category,
                                    "",
                                    "东莞→昭通",
                                    town,
                                    &p.county,
                                    post,
                                    false,
                                    start,
                                    end,
                                )
                                .done(),
                            );
                        }
                    }
                }
            }
        }
    }
    rows
}
