//! Aid projects (帮扶项目), city-wide: `scale` times the programme's.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::Row;
use super::context::Cx;
use super::names::{PRODUCTS, WEST_VILLAGES, townships};
use super::rows::{RowBuilder, between, date, days, pick};

const PROJECT_CATEGORIES: &[&str] = &[
    "校舍",
    "卫生室",
    "危房改造",
    "就业稳岗补贴",
    "产业",
    "产业",
    "基础设施",
    "基础设施",
    "易地搬迁后续",
    "其他",
];

pub(super) fn projects(cx: &Cx<'_>, rng: &mut ChaCha8Rng) -> Vec<Row> {
    let mut rows = Vec::new();
    let last_day = date(cx.last_year(), 12, 31);
    for (yi, &y) in cx.years.iter().enumerate() {
        let phase = cx.phase(yi);
        let n = rng.gen_range(18..=22) * cx.scale;
        let offset = rng.gen_range(0..cx.counties.len());
        for i in 0..n {
            let county = &cx.counties[(i + offset) % cx.counties.len()].name;
            let township = pick(rng, townships(county));
            let village = pick(rng, WEST_VILLAGES);
            let category = pick(rng, PROJECT_CATEGORIES);
            let name = match category {
                "校舍" => format!("{township}中心学校教学综合楼建设项目"),
                "卫生室" => format!("{township}{village}村卫生室标准化建设项目"),
                "危房改造" => format!("{county}{township}农村危房改造项目"),
                "就业稳岗补贴" => format!("{county}{y}年建档立卡贫困劳动力转移就业稳岗补贴"),
                "产业" => format!("{township}{}产业发展项目", pick(rng, PRODUCTS)),
                "基础设施" => format!("{township}{village}村组道路硬化及饮水工程"),
                "易地搬迁后续" => format!("{county}易地扶贫搬迁安置点扶贫车间建设项目"),
                _ => format!("{county}{y}年东西部扶贫协作培训项目"),
            };
            let aid = rng.gen_range(200..=1_500) * 10_000_i64;
            let disbursed = if rng.gen_bool(0.1) {
                None
            } else {
                let pct = if phase == 2 {
                    rng.gen_range(20..=95)
                } else {
                    rng.gen_range(40..=100)
                };
                Some(aid * pct / 100)
            };
            let started = if phase == 0 {
                between(rng, date(y, 10, 15), date(y, 12, 20))
            } else {
                between(rng, date(y, 3, 1), date(y, 11, 30))
            };
            let completed = started + days(rng.gen_range(90..=300));
            let completed = (rng.gen_bool(0.7) && completed <= last_day).then_some(completed);
            let mut b = RowBuilder::new()
                .set("name", name)
                .set("county", county.as_str())
                .set("category", category)
                .yuan("aid_amount", aid)
                .date("started_on", started)
                .int("beneficiaries_poor", rng.gen_range(30..=2_000));
            if let Some(d) = disbursed {
                b = b.yuan("disbursed", d);
            }
            if let Some(c) = completed {
                b = b.date("completed_on", c);
            }
            rows.push(b.done());
        }
    }
    rows
}
