//! Pairings (结对): towns with townships, villages and enterprises; schools and hospitals.

use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use time::Date;

use super::Row;
use super::context::Cx;
use super::names::{
    EAST_HOSPITALS, EAST_VILLAGES, PAIRED_SCHOOLS, company, townships, west_village,
};
use super::rows::{RowBuilder, between, date, pick};

pub(super) fn pairing(
    kind: &str,
    east_party: String,
    east_town: &str,
    west_party: String,
    west_county: &str,
    deep: Option<bool>,
    signed: Date,
) -> RowBuilder {
    let b = RowBuilder::new()
        .set("kind", kind)
        .set("east_party", east_party)
        .set("east_town", east_town)
        .set("west_party", west_party)
        .set("west_county", west_county)
        .date("signed_on", signed);
    match deep {
        Some(d) => b.flag("deep_poverty", d),
        None => b,
    }
}

pub(super) fn pairings(cx: &Cx<'_>, rng: &mut ChaCha8Rng) -> Vec<Row> {
    let mut rows = Vec::new();
    let assisting = cx.assisting_towns();
    // Two assisting towns lack a pairing of one kind: villages until the last year, enterprises throughout.
    let missing: Vec<&str> = assisting
        .choose_multiple(rng, 2.min(assisting.len()))
        .copied()
        .collect();
    let (no_village, no_enterprise) = (missing.first().copied(), missing.get(1).copied());
    let n_pairs = cx.pairs.len().max(1);
    let one_enterprise_lead = rng.gen_range(0..n_pairs);
    let ending_lead = rng.gen_range(0..n_pairs);
    let ends_on = cx.years.get(1).map(|&y| date(y, 12, 31));

    for (yi, &y) in cx.years.iter().enumerate() {
        let phase = cx.phase(yi);
        let signed = |rng: &mut ChaCha8Rng| {
            if phase == 0 {
                between(rng, date(y, 10, 8), date(y, 12, 25))
            } else {
                between(rng, date(y, 2, 15), date(y, 11, 30))
            }
        };
        for round in 0..cx.rounds() {
            let first = cx.first_round(round);
            for (pi, p) in cx.pairs_in(round) {
                let county = p.county.as_str();
                let (townships_n, villages_n, enterprises_n) = match phase {
                    0 => (
                        2,
                        2,
                        if pi == one_enterprise_lead && first {
                            1
                        } else {
                            2
                        },
                    ),
                    1 => (1, 1, 1),
                    _ => (rng.gen_range(0..=1), 1, rng.gen_range(0..=1)),
                };
                let towns = std::iter::once((p.lead.as_str(), true))
                    .chain(p.assisting.iter().map(|a| (a.as_str(), false)));
                for (town, lead) in towns {
                    let (t, v, e) = if lead {
                        (townships_n, villages_n, enterprises_n)
                    } else {
                        let first = usize::from(phase == 0);
                        let more =
                            |rng: &mut ChaCha8Rng| usize::from(phase != 0 && rng.gen_bool(0.1));
                        let t = first + more(rng);
                        let v = if Some(town) == no_village {
                            usize::from(phase == 2)
                        } else {
                            first + more(rng)
                        };
                        let e = if Some(town) == no_enterprise {
                            0
                        } else {
                            first + more(rng)
                        };
                        (t, v, e)
                    };
                    for _ in 0..t {
                        let west = pick(rng, townships(county)).to_string();
                        rows.push(
                            pairing(
                                "镇镇结对",
                                town.to_string(),
                                town,
                                west,
                                county,
                                None,
                                signed(rng),
                            )
                            .done(),
                        );
                    }
                    for i in 0..v {
                        let east = format!("{town}{}村", pick(rng, EAST_VILLAGES));
                        let west = west_village(rng, county);
                        let mut b = pairing(
                            "村村结对",
                            east,
                            town,
                            west,
                            county,
                            Some(true),
                            signed(rng),
                        );
                        if lead
                            && phase == 0
                            && first
                            && i == 0
                            && pi == ending_lead
                            && let Some(end) = ends_on
                        {
                            // Ends on 12-31 of the second year: no longer active at its end.
                            b = b.date("ended_on", end);
                        }
                        rows.push(b.done());
                    }
                    if lead && phase == 1 && rng.gen_bool(0.3) {
                        // A village that is poor but not deeply poor: does not count for 8.3.
                        let east = format!("{town}{}社区", pick(rng, EAST_VILLAGES));
                        let west = west_village(rng, county);
                        rows.push(
                            pairing(
                                "村村结对",
                                east,
                                town,
                                west,
                                county,
                                Some(false),
                                signed(rng),
                            )
                            .done(),
                        );
                    }
                    for _ in 0..e {
                        let east = company(rng, "东莞市");
                        let west = west_village(rng, county);
                        rows.push(
                            pairing(
                                "企村结对",
                                east,
                                town,
                                west,
                                county,
                                Some(true),
                                signed(rng),
                            )
                            .done(),
                        );
                    }
                }
            }
        }

        // Vocational schools and hospitals, one to one: 6 or more by the second year
        // (for the city of each copy: `scale` times). A county's first pair is with its
        // first school (hospital), the next with its second.
        const PER_YEAR: [[usize; 2]; 3] = [[4, 3], [3, 3], [1, 1]];
        let before = (0..yi).fold([0, 0], |[s, h], i| {
            let [ds, dh] = PER_YEAR[cx.phase(i)];
            [s + ds, h + dh]
        });
        let institutions = [
            (
                "校校结对",
                PAIRED_SCHOOLS,
                "市教育局",
                ["职业高级中学", "第二职业高级中学"],
            ),
            (
                "院院结对",
                EAST_HOSPITALS,
                "市卫计局",
                ["人民医院", "中医医院"],
            ),
        ];
        for copy in 0..cx.scale {
            let group = cx.counties_of(copy);
            for (k, (kind, east_side, east_unit, [first, second])) in
                institutions.into_iter().enumerate()
            {
                for i in 0..PER_YEAR[phase][k] {
                    let n = before[k] + i;
                    let county = &cx.counties[group[n % group.len()]].name;
                    let west = format!("{county}{}", if n < group.len() { first } else { second });
                    let east = east_side[n % east_side.len()].to_string();
                    rows.push(
                        pairing(kind, east, east_unit, west, county, None, signed(rng)).done(),
                    );
                }
            }
        }
    }
    rows
}
