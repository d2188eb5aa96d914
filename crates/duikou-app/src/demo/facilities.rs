//! Facilities (设施): relocation sites, labour stations, demonstration bases.

use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use time::Date;

use super::Row;
use super::context::Cx;
use super::names::{PRODUCTS, townships};
use super::rows::{RowBuilder, between, date, pick};

pub(super) fn facilities(cx: &Cx<'_>, rng: &mut ChaCha8Rng) -> Vec<Row> {
    let mut rows = Vec::new();
    let facility = |kind: &str, name: String, county: &str, on: Date, reporter: &str| {
        RowBuilder::new()
            .set("kind", kind)
            .set("name", name)
            .set("county", county)
            .date("established_on", on)
            .set("reporting_unit", reporter)
            .done()
    };
    const GROUP: &str = "省第五扶贫协作工作组";
    const HRSS: &str = "市人力资源和社会保障局";
    let mut order: Vec<usize> = (0..cx.counties.len()).collect();
    order.shuffle(rng);
    let n = order.len();
    for (yi, &y) in cx.years.iter().enumerate() {
        let phase = cx.phase(yi);
        // Relocation sites: three counties in the first year, two in the second, the rest
        // last (of many counties: half, a third, a sixth).
        let first = n.min(3).max(n / 2);
        let second = (n - n / 6).min(n.saturating_sub(1)).max(first);
        let share = match phase {
            0 => 0..first,
            1 if yi == 1 => first..second,
            1 => 0..0,
            _ => second..n,
        };
        for &ci in &order[share] {
            let county = &cx.counties[ci].name;
            let township = pick(rng, townships(county));
            let on = between(rng, date(y, 5, 1), date(y, 12, 15));
            rows.push(facility(
                "易地搬迁安置点",
                format!("{county}{township}易地扶贫搬迁集中安置点"),
                county,
                on,
                GROUP,
            ));
        }
        // The city's labour stations and demonstration bases: `scale` times.
        for copy in 0..cx.scale {
            match phase {
                0 => {
                    let on = between(rng, date(y, 10, 10), date(y, 11, 30));
                    rows.push(facility(
                        "劳务工作站",
                        "昭通市驻东莞劳务协作工作站".to_string(),
                        "东莞市",
                        on,
                        HRSS,
                    ));
                }
                1 => {
                    let county = cx.county_in(copy, rng);
                    let product = pick(rng, PRODUCTS);
                    let on = between(rng, date(y, 6, 1), date(y, 10, 31));
                    rows.push(facility(
                        "产业示范基地",
                        format!("东莞·{county}{product}产业示范基地"),
                        county,
                        on,
                        GROUP,
                    ));
                    for _ in 0..2 {
                        let county = cx.county_in(copy, rng);
                        let on = between(rng, date(y, 3, 1), date(y, 11, 30));
                        rows.push(facility(
                            "劳务工作站",
                            format!("东莞驻{county}劳务协作工作站"),
                            county,
                            on,
                            HRSS,
                        ));
                    }
                }
                _ => {
                    let county = cx.county_in(copy, rng);
                    let on = between(rng, date(y, 4, 1), date(y, 11, 30));
                    rows.push(facility(
                        "产业示范基地",
                        format!("东莞·昭通{county}现代农业产业园"),
                        county,
                        on,
                        GROUP,
                    ));
                }
            }
        }
    }
    rows
}
