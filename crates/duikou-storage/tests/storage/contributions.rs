//! The figures' aggregates as one SQL query over stored contributions
//! (`Store::contribution_aggregates`, `contribution_records`) equal the engine's own
//! (`duikou_domain::engine::aggregate`, `records_behind`) over the same rows, for random
//! rows and random assessments; and only one writer moves the rows from a given state.

use super::*;
use duikou_domain::engine::{AssessOptions, Contribution, aggregate, records_behind};
use duikou_storage::contributions::ContributionState;
use time::Date;

/// A small deterministic generator (xorshift64*): the same rows on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn day(&mut self) -> Date {
        Date::from_calendar_date(2017, time::Month::December, 1).unwrap()
            + time::Duration::days(self.below(4 * 365) as i64)
    }
}

const INDICATORS: [&str; 4] = ["1.1-funds", "5.2-employed", "8.1-visits", "2.2-teachers"];
const SCOPES: [&str; 5] = ["plan", "清溪镇", "黄江镇", "镇雄县", "a'b \"c\""];

fn random_rows<'a>(rng: &mut Rng, keys: &'a [String]) -> Vec<Contribution<'a>> {
    (0..2_500)
        .map(|i| {
            let year_from = 2018 + rng.below(3) as i32;
            let counts_from = rng.day();
            Contribution {
                record_id: 1 + i / 2,
                indicator: INDICATORS[rng.below(4) as usize],
                scope: SCOPES[rng.below(5) as usize],
                status: if rng.chance(70) {
                    Status::Approved
                } else {
                    Status::Submitted
                },
                year_from,
                year_to: rng.chance(50).then(|| year_from + rng.below(2) as i32),
                counts_from,
                counts_until: rng
                    .chance(20)
                    .then(|| counts_from + time::Duration::days(1 + rng.below(400) as i64)),
                on_time_from: year_from + rng.below(2) as i32,
                value: if rng.chance(50) {
                    1
                } else {
                    rng.below(5_000_000_000) as i64
                },
                person_key: rng
                    .chance(60)
                    .then(|| keys[rng.below(keys.len() as u64) as usize].as_str()),
                with_evidence: rng.chance(30),
            }
        })
        .collect()
}

on_each_backend!(
    sql_aggregates_equal_the_engines_over_random_rows,
    |store: Store| async move {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let keys: Vec<String> = (0..150).map(|i| format!("blind{i:03}")).collect();
        let rows = random_rows(&mut rng, &keys);
        let state = ContributionState {
            plan_digest: "d1".into(),
            seq: 7,
        };
        let write = store
            .claim_contributions(None, &state)
            .await
            .unwrap()
            .expect("the first writer claims the empty state");
        write.insert(&rows).await.unwrap();
        write.commit().await.unwrap();
        assert_eq!(
            store.contribution_state().await.unwrap(),
            Some(state.clone())
        );

        for _ in 0..40 {
            let year = 2018 + rng.below(4) as i32;
            let opts = AssessOptions {
                year,
                as_of: rng.day(),
                include_submitted: rng.chance(50),
            };
            let sql = store.contribution_aggregates(&opts).await.unwrap();
            assert_eq!(sql, aggregate(&rows, &opts), "{opts:?}");
            let (indicator, scope) = (
                INDICATORS[rng.below(4) as usize],
                SCOPES[rng.below(5) as usize],
            );
            assert_eq!(
                store
                    .contribution_records(&opts, indicator, scope)
                    .await
                    .unwrap(),
                records_behind(&rows, &opts, indicator, scope),
                "{opts:?} {indicator} {scope}"
            );
            let all = store.contribution_records_all(&opts).await.unwrap();
            let of_figure: Vec<i64> = all
                .iter()
                .filter(|(i, s, _)| i == indicator && s == scope)
                .map(|(_, _, id)| *id)
                .collect();
            assert_eq!(of_figure, records_behind(&rows, &opts, indicator, scope));
        }

        // A second writer that read the same state finds it moved and writes nothing.
        let next = ContributionState {
            plan_digest: "d1".into(),
            seq: 9,
        };
        let first = store
            .claim_contributions(Some(&state), &next)
            .await
            .unwrap();
        let first = first.expect("the state is as read");
        first.remove_records(&[1, 2, 3]).await.unwrap();
        first.commit().await.unwrap();
        assert!(
            store
                .claim_contributions(Some(&state), &next)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .claim_contributions(None, &next)
                .await
                .unwrap()
                .is_none()
        );
        let left: Vec<Contribution> = rows.iter().copied().filter(|c| c.record_id > 3).collect();
        let opts = AssessOptions {
            year: 2019,
            as_of: Date::from_calendar_date(2019, time::Month::December, 31).unwrap(),
            include_submitted: true,
        };
        assert_eq!(
            store.contribution_aggregates(&opts).await.unwrap(),
            aggregate(&left, &opts)
        );
    }
);
