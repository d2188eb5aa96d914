//! What every generator works from: the plan's counties and pairings, its years, the
//! scale, and the copies of the towns and counties a scaled plan has.

use duikou_domain::plan::{CountyPairing, Plan};
use duikou_domain::plan_scale::{copies_in, split_copy};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// A county of the plan, as the generators name it and its people.
pub(super) struct County {
    pub(super) name: String,
    /// GB/T 2260 code, the area code of the people born there.
    pub(super) code: Option<String>,
}

/// The generation context, made once per run from the plan and the scale.
pub(super) struct Cx<'a> {
    /// Plan-wide volumes (persons, projects, purchases, city activities…) × scale.
    pub(super) scale: usize,
    /// Copies of the towns and counties in the plan (`plan_scale`): 1 as written.
    copies: usize,
    pub(super) years: Vec<i32>,
    pub(super) counties: Vec<County>,
    pub(super) pairs: &'a [CountyPairing],
    /// The counties (indices) of each copy; the pairings (indices) of each copy.
    county_groups: Vec<Vec<usize>>,
    pair_groups: Vec<Vec<usize>>,
}

impl<'a> Cx<'a> {
    pub(super) fn new(plan: &'a Plan, scale: u32) -> Cx<'a> {
        let counties: Vec<County> = plan
            .counties()
            .map(|u| County {
                name: u.name.clone(),
                code: u.code.clone(),
            })
            .collect();
        let copies = copies_in(plan).max(1) as usize;
        let copy_of = |name: &str| split_copy(name).1 as usize - 1;
        let mut county_groups = vec![Vec::new(); copies];
        for (i, c) in counties.iter().enumerate() {
            county_groups[copy_of(&c.name).min(copies - 1)].push(i);
        }
        let mut pair_groups = vec![Vec::new(); copies];
        for (i, p) in plan.pairings.iter().enumerate() {
            pair_groups[copy_of(&p.county).min(copies - 1)].push(i);
        }
        // A copy without counties draws from all of them.
        let all: Vec<usize> = (0..counties.len()).collect();
        for g in &mut county_groups {
            if g.is_empty() {
                g.clone_from(&all);
            }
        }
        Cx {
            scale: scale as usize,
            copies,
            years: plan.years().collect(),
            counties,
            pairs: &plan.pairings,
            county_groups,
            pair_groups,
        }
    }

    pub(super) fn last_year(&self) -> i32 {
        *self.years.last().expect("a plan has at least one year")
    }

    /// Which of the three tuned years this is: 0 first, 1 second (and middle), 2 last.
    pub(super) fn phase(&self, year_index: usize) -> usize {
        if year_index == 0 {
            0
        } else if year_index + 1 == self.years.len() {
            2
        } else {
            1
        }
    }

    pub(super) fn county<'c>(&'c self, rng: &mut ChaCha8Rng) -> &'c str {
        &self.counties[rng.gen_range(0..self.counties.len())].name
    }

    /// Rounds of the work of towns and counties: every copy of them at least once, and
    /// `scale` rounds in all when the plan has fewer copies than the scale (a plan as
    /// written at scale N: every town N times). Round r works for copy r mod copies.
    pub(super) fn rounds(&self) -> usize {
        self.scale.max(self.copies)
    }

    /// Is this round the first visit of its copy's towns and counties?
    pub(super) fn first_round(&self, round: usize) -> bool {
        round < self.copies
    }

    /// The counties (indices) round `round` works for.
    pub(super) fn counties_of(&self, round: usize) -> &[usize] {
        &self.county_groups[round % self.copies]
    }

    /// A county of round `round`'s copy.
    pub(super) fn county_in<'c>(&'c self, round: usize, rng: &mut ChaCha8Rng) -> &'c str {
        let group = self.counties_of(round);
        &self.counties[group[rng.gen_range(0..group.len())]].name
    }

    /// Every town of the pairings: each lead town, then its assisting towns, in plan order.
    pub(super) fn towns(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.pairs.iter().flat_map(|p| {
            std::iter::once(p.lead.as_str()).chain(p.assisting.iter().map(String::as_str))
        })
    }

    /// The assisting towns of every pairing, in plan order.
    pub(super) fn assisting_towns(&self) -> Vec<&'a str> {
        self.pairs
            .iter()
            .flat_map(|p| p.assisting.iter().map(String::as_str))
            .collect()
    }

    /// The pairings of round `round`'s copy, with their index in the plan.
    pub(super) fn pairs_in(
        &self,
        round: usize,
    ) -> impl Iterator<Item = (usize, &'a CountyPairing)> + '_ {
        let pairs = self.pairs;
        self.pair_groups[round % self.copies]
            .iter()
            .map(move |&i| (i, &pairs[i]))
    }
}
