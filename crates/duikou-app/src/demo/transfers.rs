//! Fund transfers (资金拨付): fiscal aid to every county, town funds to the paired county.

use std::collections::BTreeMap;

use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use time::Date;

use super::Row;
use super::context::Cx;
use super::rows::{RowBuilder, between, date, days};

pub(super) fn transfers(cx: &Cx<'_>, rng: &mut ChaCha8Rng) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut counters: BTreeMap<(String, i32), u32> = BTreeMap::new();
    let mut voucher = |payer: &str, prefix: &str, y: i32| -> String {
        let n = counters.entry((payer.to_string(), y)).or_insert(0);
        *n += 1;
        format!("{prefix}{y}-{n:03}")
    };
    let town_prefix = |town: &str| -> String {
        let index = cx.towns().position(|t| t == town).unwrap_or(0);
        format!("ZJ{:02}-", index + 1)
    };
    #[allow(clippy::too_many_arguments)]
    fn transfer(
        source: &str,
        payer: &str,
        payee: &str,
        fen: i64,
        year: i32,
        sent: Date,
        received: Option<Date>,
        voucher_no: String,
        purpose: String,
    ) -> Row {
        let b = RowBuilder::new()
            .set("source", source)
            .set("payer", payer)
            .set("payee", payee)
            .fen("amount", fen)
            .int("budget_year", year)
            .date("sent_on", sent)
            .set("voucher_no", voucher_no)
            .set("purpose", purpose);
        match received {
            Some(r) => b.date("received_on", r).done(),
            None => b.done(),
        }
    }

    let assisting = cx.assisting_towns();
    for (yi, &y) in cx.years.iter().enumerate() {
        let phase = cx.phase(yi);
        // Provincial and city fiscal aid: 300万 + 2700万 per county.
        let late = (phase == 1).then(|| rng.gen_range(0..cx.counties.len()));
        let short = (phase == 2).then(|| rng.gen_range(0..cx.counties.len()));
        for (ci, c) in cx.counties.iter().enumerate() {
            for (source, payer, prefix, yuan, who) in [
                ("省级财政", "省财政", "SC", 3_000_000_i64, "广东省财政"),
                ("市级财政", "市财政局", "SZ", 27_000_000, "东莞市财政"),
            ] {
                let (mut sent, mut received) = if phase == 0 {
                    // The plan was issued in late September: the first year's money comes late.
                    let sent = between(rng, date(y, 10, 8), date(y, 10, 31));
                    (sent, sent + days(rng.gen_range(5..=25)))
                } else {
                    let sent = between(rng, date(y, 2, 12), date(y, 3, 12));
                    (sent, sent + days(rng.gen_range(3..=14)))
                };
                let mut yuan = yuan;
                if source == "市级财政" && late == Some(ci) {
                    sent = date(y, 3, 29);
                    received = date(y, 4, 15);
                }
                if source == "市级财政" && short == Some(ci) {
                    yuan = 24_000_000;
                }
                rows.push(transfer(
                    source,
                    payer,
                    &c.name,
                    yuan * 100,
                    y,
                    sent,
                    Some(received),
                    voucher(payer, prefix, y),
                    format!("{y}年度{who}东西部扶贫协作援助资金（{}）", c.name),
                ));
            }
        }

        // Town funds: lead town ≥ 100万, assisting town ≥ 30万, to the paired county.
        let short_towns: Vec<&str> = if phase == 1 {
            assisting
                .choose_multiple(rng, 2.min(assisting.len()))
                .copied()
                .collect()
        } else {
            Vec::new()
        };
        let wrong_town = (phase == 2)
            .then(|| assisting.choose(rng).copied())
            .flatten();
        let split_lead = rng.gen_range(0..cx.pairs.len().max(1));
        let town_dates = |rng: &mut ChaCha8Rng| -> (Date, Date) {
            if phase == 0 {
                let sent = between(rng, date(y, 11, 1), date(y, 12, 5));
                (sent, sent + days(rng.gen_range(5..=20)))
            } else {
                let sent = between(rng, date(y, 3, 1), date(y, 10, 31));
                (sent, sent + days(rng.gen_range(5..=25)))
            }
        };
        for (pi, p) in cx.pairs.iter().enumerate() {
            let prefix = town_prefix(&p.lead);
            let total = rng.gen_range(10..=15) * 100_000_i64;
            let parts = if pi == split_lead {
                vec![600_000, total - 600_000]
            } else {
                vec![total]
            };
            for part in parts {
                let (sent, received) = town_dates(rng);
                rows.push(transfer(
                    "镇街财政",
                    &p.lead,
                    &p.county,
                    part * 100,
                    y,
                    sent,
                    Some(received),
                    voucher(&p.lead, &prefix, y),
                    format!("{y}年度{}对口帮扶{}资金", p.lead, p.county),
                ));
            }
            for a in &p.assisting {
                let prefix = town_prefix(a);
                let yuan = if short_towns.contains(&a.as_str()) {
                    200_000
                } else {
                    rng.gen_range(30..=50) * 10_000_i64
                };
                let payee = if wrong_town == Some(a.as_str()) {
                    // Paid to the wrong county: counts nowhere for the town.
                    let here = cx
                        .counties
                        .iter()
                        .position(|c| c.name == p.county)
                        .unwrap_or(0);
                    cx.counties[(here + 1) % cx.counties.len()].name.clone()
                } else {
                    p.county.clone()
                };
                let (sent, received) = town_dates(rng);
                rows.push(transfer(
                    "镇街财政",
                    a,
                    &payee,
                    yuan * 100,
                    y,
                    sent,
                    Some(received),
                    voucher(a, &prefix, y),
                    format!("{y}年度{a}协助帮扶{}资金", p.county),
                ));
            }
        }
        if phase == 2 && !cx.pairs.is_empty() {
            // Sent in December, not yet confirmed by the county.
            let p = &cx.pairs[rng.gen_range(0..cx.pairs.len())];
            let prefix = town_prefix(&p.lead);
            rows.push(transfer(
                "镇街财政",
                &p.lead,
                &p.county,
                30_000_000,
                y,
                date(y, 12, 18),
                None,
                voucher(&p.lead, &prefix, y),
                format!("{y}年度{}追加帮扶资金", p.lead),
            ));
        }
    }
    rows
}
