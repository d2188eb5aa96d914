//! Activities (活动): the city's, `scale` times; the towns', in every round.

use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use time::Date;

use super::Row;
use super::context::Cx;
use super::names::{EAST_HOSPITALS, TRADES};
use super::rows::{RowBuilder, between, date, pick};

fn activity(
    kind: &str,
    title: String,
    held: Date,
    place: String,
    organizers: String,
    participants: i64,
    item: &str,
) -> RowBuilder {
    RowBuilder::new()
        .set("kind", kind)
        .set("title", title)
        .date("held_on", held)
        .set("place", place)
        .set("organizers", organizers)
        .int("participants", participants)
        .set("plan_item", item)
}

pub(super) fn activities(cx: &Cx<'_>, rng: &mut ChaCha8Rng) -> Vec<Row> {
    let mut rows = Vec::new();
    for (yi, &y) in cx.years.iter().enumerate() {
        let phase = cx.phase(yi);
        // The lead town that holds no joint meeting in the last year.
        let no_meeting = (phase == 2).then(|| rng.gen_range(0..cx.pairs.len().max(1)));
        for round in 0..cx.rounds() {
            let any_day = |rng: &mut ChaCha8Rng| {
                if phase == 0 {
                    between(rng, date(y, 4, 1), date(y, 12, 20))
                } else {
                    between(rng, date(y, 3, 1), date(y, 12, 20))
                }
            };
            // The city's own activities: `scale` times; those of the towns: every round.
            if round < cx.scale {
                // 1.2 investment promotion.
                for _ in 0..rng.gen_range(1..=2) {
                    let b = activity(
                        "招商推介会",
                        format!("{y}年昭通（东莞）投资贸易合作推介会"),
                        any_day(rng),
                        pick(
                            rng,
                            &[
                                "东莞市国际会展中心",
                                "东莞市会展国际大酒店",
                                "昭通市会展中心",
                            ],
                        )
                        .to_string(),
                        "市经信局、省第五扶贫协作工作组".to_string(),
                        rng.gen_range(150..=400),
                        "1.2",
                    )
                    .int("projects_signed", rng.gen_range(5..=20))
                    .yuan("amount", rng.gen_range(10..=120) * 10_000_000);
                    rows.push(b.done());
                }
                // 1.3 tourism: promotions (3 in the second year: above the 1–2 range) and inspections.
                let promotions = [1, 3, 2][phase];
                for n in 1..=promotions {
                    rows.push(
                        activity(
                            "旅游推介",
                            format!("“大美昭通”{y}年旅游推介会（第{n}场）"),
                            any_day(rng),
                            pick(
                                rng,
                                &["东莞市民服务中心", "东莞市旅游集散中心", "广州市天河区"],
                            )
                            .to_string(),
                            "市旅游局".to_string(),
                            rng.gen_range(100..=300),
                            "1.3",
                        )
                        .done(),
                    );
                }
                for _ in 0..rng.gen_range(1..=2) {
                    let county = cx.county_in(round, rng);
                    rows.push(
                        activity(
                            "旅游企业考察",
                            format!("东莞旅游企业赴{county}考察踩线"),
                            any_day(rng),
                            county.to_string(),
                            "市旅游局".to_string(),
                            rng.gen_range(20..=60),
                            "1.3",
                        )
                        .done(),
                    );
                }
                // 1.4 agricultural skills.
                for _ in 0..rng.gen_range(1..=2) {
                    let county = cx.county_in(round, rng);
                    let topic = pick(
                        rng,
                        &["天麻种植", "苹果栽培", "高山蔬菜", "花椒管护", "生态养殖"],
                    );
                    rows.push(
                        activity(
                            "农业技能培训",
                            format!("{county}{topic}技术培训班"),
                            any_day(rng),
                            county.to_string(),
                            "市农业局".to_string(),
                            rng.gen_range(50..=120),
                            "1.4",
                        )
                        .done(),
                    );
                }
                // 2.1 cadre classes.
                for n in 1..=rng.gen_range(1..=2) {
                    rows.push(
                        activity(
                            "昭通干部来莞培训班",
                            format!("昭通市党政干部来莞培训班（{y}年第{n}期）"),
                            any_day(rng),
                            "中共东莞市委党校".to_string(),
                            "市委组织部".to_string(),
                            rng.gen_range(40..=60),
                            "2.1",
                        )
                        .done(),
                    );
                }
                rows.push(
                    activity(
                        "东莞干部赴昭培训班",
                        format!("东莞市扶贫干部赴昭通专题培训班（{y}年）"),
                        any_day(rng),
                        "中共昭通市委党校".to_string(),
                        "市委组织部".to_string(),
                        rng.gen_range(30..=50),
                        "2.1",
                    )
                    .done(),
                );
                // 2.2 teacher exchanges (typed with the names schools use).
                for _ in 0..rng.gen_range(4..=5) {
                    let county = cx.county_in(round, rng);
                    let (kind, title) = match rng.gen_range(0..3) {
                        0 => ("名师走进昭通", format!("名师走进昭通·{county}送教活动")),
                        1 => ("跟岗培训", format!("{county}骨干教师来莞跟岗培训")),
                        _ => ("教师培训交流", format!("{county}中小学校长东莞跟班学习")),
                    };
                    rows.push(
                        activity(
                            kind,
                            title,
                            any_day(rng),
                            county.to_string(),
                            "市教育局".to_string(),
                            rng.gen_range(30..=120),
                            "2.2",
                        )
                        .done(),
                    );
                }
                // 2.3 medical batches: three of 15–20 people, only two in the last year.
                let batches = if phase == 2 { 2 } else { 3 };
                for n in 1..=batches {
                    rows.push(
                        activity(
                            "医疗骨干来莞培训",
                            format!("昭通医疗卫生骨干来莞进修培训（{y}年第{n}批）"),
                            any_day(rng),
                            pick(rng, &EAST_HOSPITALS[..4]).to_string(),
                            "市卫计局".to_string(),
                            rng.gen_range(15..=20),
                            "2.3",
                        )
                        .done(),
                    );
                }
                if rng.gen_bool(0.6) {
                    let county = cx.county_in(round, rng);
                    rows.push(
                        activity(
                            "义诊",
                            format!("东莞医疗专家{county}巡回义诊"),
                            any_day(rng),
                            county.to_string(),
                            "市卫计局".to_string(),
                            rng.gen_range(200..=600),
                            "2.3",
                        )
                        .done(),
                    );
                }
                // 5.1 skills training and a job fair.
                for _ in 0..rng.gen_range(6..=7) {
                    let county = cx.county_in(round, rng);
                    let trade = pick(rng, &TRADES[..7]);
                    let organizer = match cx.pairs.iter().find(|p| p.county == county) {
                        Some(p) if rng.gen_bool(0.4) => p.lead.clone(),
                        _ => "市人力资源和社会保障局".to_string(),
                    };
                    rows.push(
                        activity(
                            "就业技能培训",
                            format!("{county}建档立卡贫困劳动力{trade}就业技能培训班"),
                            any_day(rng),
                            county.to_string(),
                            organizer,
                            rng.gen_range(40..=150),
                            "5.1",
                        )
                        .done(),
                    );
                }
                {
                    let county = cx.county_in(round, rng);
                    rows.push(
                        activity(
                            "劳务招聘会",
                            format!("东莞·昭通劳务协作专场招聘会（{county}）"),
                            between(rng, date(y, 2, 10), date(y, 3, 20)),
                            county.to_string(),
                            "市人力资源和社会保障局".to_string(),
                            rng.gen_range(800..=3_000),
                            "5.2",
                        )
                        .done(),
                    );
                }
                // 6.3 and 7: leaders' training, volunteers.
                rows.push(
                    activity(
                        "致富带头人培训",
                        format!("昭通市创业致富带头人培训班（{y}年）"),
                        any_day(rng),
                        "东莞市农业科学研究中心".to_string(),
                        "市农业局、省第五扶贫协作工作组".to_string(),
                        rng.gen_range(60..=100),
                        "6.3",
                    )
                    .done(),
                );
                for _ in 0..rng.gen_range(1..=2) {
                    let county = cx.county_in(round, rng);
                    rows.push(
                        activity(
                            "志愿服务",
                            format!("东莞青年志愿者赴{county}支教志愿服务"),
                            any_day(rng),
                            county.to_string(),
                            "团市委".to_string(),
                            rng.gen_range(15..=40),
                            "7.1",
                        )
                        .done(),
                    );
                }
                // 9.1 city leaders: the second year's visit is held after the 10-31 deadline.
                let visit = if phase == 1 {
                    date(y, 11, 20)
                } else {
                    between(rng, date(y, 4, 1), date(y, 10, 20))
                };
                rows.push(
                    activity(
                        "市领导调研对接",
                        format!("东莞市党政代表团赴昭通考察对接扶贫协作工作（{y}年）"),
                        visit,
                        "昭通市".to_string(),
                        "市经协办、省第五扶贫协作工作组".to_string(),
                        rng.gen_range(20..=40),
                        "9.1",
                    )
                    .done(),
                );
                rows.push(
                    activity(
                        "市级党政联席会议",
                        format!("东莞·昭通扶贫协作党政联席会议（{y}年）"),
                        between(rng, date(y, 4, 1), date(y, 10, 25)),
                        pick(rng, &["东莞市", "昭通市"]).to_string(),
                        "市经协办、省第五扶贫协作工作组".to_string(),
                        rng.gen_range(30..=60),
                        "9.1",
                    )
                    .done(),
                );
            }
            // 8.1 lead towns: a visit and a joint meeting each, sometimes with an assisting town.
            for (pi, p) in cx.pairs_in(round) {
                let with_partner = |rng: &mut ChaCha8Rng| -> String {
                    match p.assisting.choose(rng) {
                        Some(a) if rng.gen_bool(0.3) => format!("{}、{a}", p.lead),
                        _ => p.lead.clone(),
                    }
                };
                let organizers = with_partner(rng);
                rows.push(
                    activity(
                        "镇街领导调研对接",
                        format!("{}党政主要领导赴{}调研对接帮扶工作", p.lead, p.county),
                        any_day(rng),
                        p.county.clone(),
                        organizers,
                        rng.gen_range(8..=20),
                        "8.1",
                    )
                    .done(),
                );
                if no_meeting != Some(pi) {
                    let organizers = with_partner(rng);
                    rows.push(
                        activity(
                            "镇县党政联席会议",
                            format!("{}·{}党政联席会议（{y}年）", p.lead, p.county),
                            any_day(rng),
                            p.county.clone(),
                            organizers,
                            rng.gen_range(12..=30),
                            "8.1",
                        )
                        .done(),
                    );
                }
            }
        }
    }
    rows
}
