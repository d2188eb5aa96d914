//! Demo data for `duikou demo [--scale N] [--seed S]`: deterministic, plausible
//! records of the Dongguan·Zhaotong programme 2018–2020.
//!
//! The generator produces raw field inputs, exactly as a user would type them
//! (Chinese labels for enumerations, unit names, ISO dates, amounts in yuan,
//! 是/否), so that the rows go through the same validation as every import.
//! The same plan, scale and seed always give the same rows.
//!
//! The data is tuned so that every indicator status appears (docs/domain.md, "Status
//! of an indicator"):
//! - 3.1 fiscal aid: the first year's money arrives in Oct–Nov (the plan was
//!   issued in September), so it is late; in the second year one county's city
//!   money arrives on 04-15 (late); in the last year one county is short (not met).
//! - town funds: two assisting towns pay only 20万 in the second year, one assisting
//!   town pays the wrong county in the last year; one last-year transfer is unconfirmed.
//! - 8.2: a few teachers and doctors are seconded one day short of a year.
//! - 5.2 employment, 6.2 "0+3" enrolment and 2.3 medical batches fall short in the last year.
//! - 9.1 the city leaders' visit of the second year is held on 11-20 (late).
//! - 1.3 tourism promotions go over the 1–2 range in the second year.
//! - 8.1 one lead town holds no joint meeting in the last year.
//! - 8.3/8.4 one lead town has a single enterprise–village pair in the first year,
//!   two assisting towns lack a pairing of one kind; one pairing ends on 12-31 of the
//!   second year.
//! - 4.1 relocation sites: three counties in the first year, two more in the second,
//!   the last one only in the last year.
//!
//! Volumes at scale 1 (three years): about 36,000 person rows (8,000–8,500 employed,
//! 1,600 trained, 1,650–1,950 "0+3" students and 200 enterprise leaders a year, 1.5 %
//! of workers and trainees on two rows, 15 % of workers back the next year), 106
//! transfers, 60 projects, 120 activities, 210 secondments, 130 pairings,
//! 11 facilities, 90 purchases and 90 donations.
//!
//! Scale N multiplies what the city does as a whole: persons, projects, purchases,
//! donations, the city's activities, cadres received, school and hospital pairs, labour
//! stations and demonstration bases. What the towns and counties do (transfers,
//! visits and meetings, teachers and doctors, pairings, county cadres, relocation
//! sites) is generated for every town and county of the plan, so it grows with the
//! plan: a plan scaled N-fold (`duikou init --demo-scale N`, `plan_scale`) has N copies
//! of each, and scale N then gives N × every volume (N = 100: 3.59 million persons,
//! 10,204 transfers, 12,208 activities, 21,400 secondments, 14,043 pairings). On a plan
//! with fewer copies than N, the towns' records (not the transfers) are repeated to
//! make up N. Scale 0 is read as 1. ID numbers stay unique per person up to about
//! 700 × the people of one county (each county copy has its own area code).
//!
//! The special cases are placed by year index (first, second, last year of the plan);
//! department names are those of the bundled plan.
//!
//! The generators, one module per record kind, share the context (`context`: the plan's
//! counties and pairings, the years, the scale and the copies of a scaled plan), the
//! row builder and date helpers (`rows`) and the names of people, places and firms
//! (`names`). `evidence` makes the demo records' evidence files.

use std::collections::BTreeMap;

use duikou_domain::plan::Plan;
use duikou_domain::record::FieldInput;
use duikou_domain::schema::{BuiltinKind, RecordKind};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

mod activities;
mod context;
mod evidence;
mod facilities;
mod giving;
mod names;
mod pairings;
mod persons;
mod projects;
mod rows;
mod secondments;
#[cfg(test)]
mod tests;
mod transfers;

pub use evidence::{DemoEvidence, EVIDENCE_PERCENT, evidence_for, one_page_pdf, placeholder_png};

use activities::activities;
use context::Cx;
use facilities::facilities;
use giving::{donations, purchases};
use pairings::pairings;
use persons::persons;
use projects::projects;
use secondments::secondments;
use transfers::transfers;

/// The generated rows of one record kind, in the order they should be imported.
pub struct DemoRows {
    pub kind: RecordKind,
    pub rows: Vec<BTreeMap<String, FieldInput>>,
}

/// One generated row: field key → the text a user would type.
pub type Row = BTreeMap<String, FieldInput>;

/// Makes the rows of one kind, handing each to the sink in order.
type Generator = fn(&Cx<'_>, &mut ChaCha8Rng, &mut dyn FnMut(Row));

/// A generator that builds its (small) list whole, as a sink generator.
macro_rules! whole {
    ($make:ident) => {
        |cx: &Cx<'_>, rng: &mut ChaCha8Rng, out: &mut dyn FnMut(Row)| {
            $make(cx, rng).into_iter().for_each(out)
        }
    };
}

/// The generators, in `BuiltinKind::ALL` order; the position is the kind's random stream.
const GENERATORS: [(BuiltinKind, Generator); 9] = [
    (BuiltinKind::Transfer, whole!(transfers)),
    (BuiltinKind::Project, whole!(projects)),
    (BuiltinKind::Activity, whole!(activities)),
    (BuiltinKind::Secondment, whole!(secondments)),
    (BuiltinKind::Person, persons),
    (BuiltinKind::Pairing, whole!(pairings)),
    (BuiltinKind::Facility, whole!(facilities)),
    (BuiltinKind::Purchase, whole!(purchases)),
    (BuiltinKind::Donation, whole!(donations)),
];

/// Deterministic (ChaCha8Rng seeded from `seed`): raw field inputs, exactly as a user
/// would type them (Chinese labels for enums, unit names, dates "2019-03-15", amounts in
/// yuan like "30000000.00", booleans 是/否), so that they go through the same validation
/// as every import. One entry per record kind, in `BuiltinKind::ALL` order.
///
/// Holds every row at once: for tests and small scales. `generate_kind` streams.
pub fn generate(plan: &Plan, scale: u32, seed: u64) -> Vec<DemoRows> {
    BuiltinKind::ALL
        .into_iter()
        .map(|b| {
            let kind = plan.kind_of(b);
            let mut rows = Vec::new();
            generate_kind(plan, scale, seed, kind, &mut |r| rows.push(r));
            DemoRows { kind, rows }
        })
        .collect()
}

/// The rows of one kind, handed to `out` one by one in import order: the same rows as
/// `generate` gives for that kind, without holding them (persons at scale 100 are
/// 3.6 million rows). Each kind has its own random stream, so kinds can be generated
/// separately and in any order.
pub fn generate_kind(
    plan: &Plan,
    scale: u32,
    seed: u64,
    kind: RecordKind,
    out: &mut dyn FnMut(Row),
) {
    let cx = Cx::new(plan, scale.max(1));
    if cx.counties.is_empty() || cx.years.is_empty() {
        return;
    }
    // A kind of the plan's own has no generator: the demo fills the built-in kinds.
    let Some((stream, (_, make))) = GENERATORS
        .iter()
        .enumerate()
        .find(|(_, (k, _))| Some(*k) == kind.builtin())
    else {
        return;
    };
    // One stream per kind: changing the volume of one kind leaves the others alone.
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream as u64 + 1);
    make(&cx, &mut rng, out);
}
