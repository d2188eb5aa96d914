//! Purchases (消费扶贫) and donations (社会帮扶): the city's canteens and firms buying
//! the counties' products, firms, organisations and people giving to the counties;
//! city-wide, about 30 of each a year × scale.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use time::Date;

use super::Row;
use super::context::Cx;
use super::names::{PRODUCTS, RECEIVING_DEPARTMENTS, company, random_name};
use super::rows::{RowBuilder, between, date, pick};

/// 28–33 rows a year, × scale, each made by `one` with a day drawn between the first
/// day (04-01 in the plan's first year, 01-05 after) and 12-28.
fn each_year(
    cx: &Cx<'_>,
    rng: &mut ChaCha8Rng,
    mut one: impl FnMut(&mut ChaCha8Rng, &dyn Fn(&mut ChaCha8Rng) -> Date) -> Row,
) -> Vec<Row> {
    let mut rows = Vec::new();
    for (yi, &y) in cx.years.iter().enumerate() {
        let from = if cx.phase(yi) == 0 {
            date(y, 4, 1)
        } else {
            date(y, 1, 5)
        };
        let day = move |rng: &mut ChaCha8Rng| between(rng, from, date(y, 12, 28));
        for _ in 0..rng.gen_range(28..=33) * cx.scale {
            rows.push(one(rng, &day));
        }
    }
    rows
}

pub(super) fn purchases(cx: &Cx<'_>, rng: &mut ChaCha8Rng) -> Vec<Row> {
    each_year(cx, rng, |rng, day| {
        let buyer = match rng.gen_range(0..4) {
            0 => format!("东莞市{}机关饭堂", pick(rng, RECEIVING_DEPARTMENTS)),
            1 => format!(
                "东莞市{}学校食堂",
                pick(
                    rng,
                    &["第一中学", "东华中学", "光明中学", "实验中学", "高级中学"]
                )
            ),
            _ => company(rng, "东莞市"),
        };
        let fen = rng.gen_range(20_000..=3_000_000_i64) * 100
            + if rng.gen_bool(0.3) {
                rng.gen_range(1..100)
            } else {
                0
            };
        RowBuilder::new()
            .set("buyer", buyer)
            .set("origin_county", cx.county(rng))
            .set("product", pick(rng, PRODUCTS))
            .fen("amount", fen)
            .date("bought_on", day(rng))
            .set("reporting_unit", "市农业局")
            .done()
    })
}

const ORGANISATIONS: &[&str] = &[
    "东莞市慈善会",
    "东莞市扶贫开发协会",
    "东莞市青年志愿者协会",
    "东莞市红十字基金会",
    "东莞市关爱基金会",
    "东莞市企业联合会",
    "东莞市工商业联合会商会",
    "东莞市教育基金会",
];

pub(super) fn donations(cx: &Cx<'_>, rng: &mut ChaCha8Rng) -> Vec<Row> {
    each_year(cx, rng, |rng, day| {
        let (donor, kind, yuan, reporter) = match rng.gen_range(0..4) {
            0 | 1 => (
                company(rng, "东莞市"),
                "企业",
                rng.gen_range(5..=200) * 10_000_i64,
                "市工商联",
            ),
            2 => (
                pick(rng, ORGANISATIONS).to_string(),
                "社会组织",
                rng.gen_range(2..=50) * 10_000,
                "市民政局",
            ),
            _ => (
                random_name(rng),
                "个人",
                rng.gen_range(1..=50) * 1_000,
                "市红十字会",
            ),
        };
        RowBuilder::new()
            .set("donor", donor)
            .set("donor_type", kind)
            .yuan("amount", yuan)
            .set("county", cx.county(rng))
            .date("donated_on", day(rng))
            .set("reporting_unit", reporter)
            .done()
    })
}
