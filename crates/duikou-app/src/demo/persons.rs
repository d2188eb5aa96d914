//! Persons (人员), streamed: workers, trainees, "0+3" students and enterprise leaders, with ID numbers unique per person.

use duikou_domain::id_number::make_valid;
use duikou_domain::plan_scale::split_copy;
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use time::{Date, Duration};

use super::Row;
use super::context::Cx;
use super::names::{TRADES, VOCATIONAL_SCHOOLS, company, name_of, townships};
use super::rows::{RowBuilder, between, date, days, pick};

/// A person of the demo population, small enough to keep for next year's returners.
#[derive(Clone, Copy)]
pub(super) struct Person {
    county: u16,
    student: bool,
    poor: bool,
    /// The person's number within their county and cohort (makes the ID unique).
    k: u32,
    name: u32,
}

/// Hands out ID numbers unique per person: the k-th person of a county and cohort gets
/// slot (k × P + offset) mod M of the cohort's (birth day × sequence) space, P prime
/// and coprime with M, so different k never share a number.
struct IdAlloc {
    next: Vec<[u32; 2]>,
    offset: [u64; 2],
}

const ID_PRIME: u64 = 1_000_003;

/// Adults are born 1970–2001, "0+3" students 2002–2005; sequence numbers 000–999.
fn cohort_span(student: bool) -> (Date, u64) {
    let (from, to) = if student {
        (date(2002, 1, 1), date(2005, 12, 31))
    } else {
        (date(1970, 1, 1), date(2001, 12, 31))
    };
    (from, ((to - from).whole_days() + 1) as u64 * 1_000)
}

impl IdAlloc {
    fn new(counties: usize, rng: &mut ChaCha8Rng) -> IdAlloc {
        IdAlloc {
            next: vec![[0, 0]; counties],
            offset: [
                rng.gen_range(0..cohort_span(false).1),
                rng.gen_range(0..cohort_span(true).1),
            ],
        }
    }

    fn person(&mut self, county: usize, student: bool, poor: bool, rng: &mut ChaCha8Rng) -> Person {
        let slot = &mut self.next[county][usize::from(student)];
        let k = *slot;
        *slot += 1;
        Person {
            county: u16::try_from(county).expect("at most 65,535 counties"),
            student,
            poor,
            k,
            name: rng.gen_range(0..u32::MAX),
        }
    }

    fn id_number(&self, p: &Person, code: &str) -> String {
        let (from, space) = cohort_span(p.student);
        let slot = (u64::from(p.k) * ID_PRIME + self.offset[usize::from(p.student)]) % space;
        let birth = from + Duration::days((slot / 1_000) as i64);
        make_valid(code, birth, (slot % 1_000) as u16)
            .as_str()
            .to_string()
    }
}

/// Relative population of the counties, for where people come from.
fn county_weight(name: &str) -> u32 {
    match split_copy(name).0 {
        "镇雄县" => 30,
        "昭阳区" => 17,
        "彝良县" => 12,
        "巧家县" => 12,
        "鲁甸县" => 9,
        "威信县" => 8,
        _ => 10,
    }
}

/// Distinct persons per year at scale 1 (first, second, last year).
const EMPLOYED: [usize; 3] = [8_300, 8_450, 7_790];
const TRAINEES: usize = 1_560;
const STUDENTS: [usize; 3] = [1_650, 1_950, 1_880];
const RICH_LEADERS: usize = 190;

/// Where people come from and the IDs they get.
struct Population<'a> {
    alloc: IdAlloc,
    /// County index and the running total of the weights up to it (counties with a code).
    origins: Vec<(usize, u32)>,
    total_weight: u32,
    codes: Vec<Option<&'a str>>,
}

impl<'a> Population<'a> {
    fn new(cx: &'a Cx<'_>, rng: &mut ChaCha8Rng) -> Population<'a> {
        let mut total_weight = 0;
        let origins: Vec<(usize, u32)> = cx
            .counties
            .iter()
            .enumerate()
            .filter(|(_, c)| c.code.is_some())
            .map(|(i, c)| {
                total_weight += county_weight(&c.name);
                (i, total_weight)
            })
            .collect();
        Population {
            alloc: IdAlloc::new(cx.counties.len(), rng),
            total_weight,
            origins,
            codes: cx.counties.iter().map(|c| c.code.as_deref()).collect(),
        }
    }

    fn new_person(&mut self, rng: &mut ChaCha8Rng, student: bool) -> Person {
        // The first county whose running total exceeds a draw below the total.
        let w = rng.gen_range(0..self.total_weight);
        let at = self.origins.partition_point(|o| o.1 <= w);
        let county = self.origins[at.min(self.origins.len() - 1)].0;
        let poor = rng.gen_bool(if student { 0.8 } else { 0.6 });
        self.alloc.person(county, student, poor, rng)
    }

    fn county_name<'c>(&self, cx: &'c Cx<'_>, p: &Person) -> &'c str {
        &cx.counties[usize::from(p.county)].name
    }

    fn row(
        &self,
        p: &Person,
        programme: &str,
        started: Date,
        organisation: String,
        work_place: &str,
        reporter: &str,
    ) -> Row {
        let code =
            self.codes[usize::from(p.county)].expect("people come from counties with a code");
        RowBuilder::new()
            .set("programme", programme)
            .set("name", name_of(p.name))
            .set("id_number", self.alloc.id_number(p, code))
            .flag("registered_poor", p.poor)
            .set("organisation", organisation)
            .set("work_place", work_place)
            .date("started_on", started)
            .set("reporting_unit", reporter)
            .done()
    }
}

/// Where an employed person works and for whom.
fn workplace(rng: &mut ChaCha8Rng, county: &str) -> (&'static str, String) {
    match rng.gen_range(0..100) {
        0..=59 => ("东莞", company(rng, "东莞市")),
        60..=74 => {
            let city = pick(rng, &["深圳市", "广州市", "佛山市", "惠州市", "中山市"]);
            ("广东省内其他", company(rng, city))
        }
        75..=89 => {
            let city = pick(
                rng,
                &["浙江省宁波市", "福建省晋江市", "江苏省苏州市", "上海市"],
            );
            ("省外", company(rng, city))
        }
        _ => (
            "昭通本地",
            format!("{county}{}扶贫车间", pick(rng, townships(county))),
        ),
    }
}

/// A second date in the same year, different from the first.
fn other_day(rng: &mut ChaCha8Rng, y: i32, first: Date) -> Date {
    let later = first + days(rng.gen_range(20..=120));
    if later.year() == y {
        later
    } else {
        first - days(rng.gen_range(20..=120))
    }
}

/// Persons, handed to `out` one by one: at scale 100 they are 3.6 million rows, of which
/// only last year's workers (small `Person`s) are kept, for next year's returners.
pub(super) fn persons(cx: &Cx<'_>, rng: &mut ChaCha8Rng, out: &mut dyn FnMut(Row)) {
    let mut pop = Population::new(cx, rng);
    if pop.origins.is_empty() {
        return;
    }
    let s = cx.scale;
    let mut prev_employed: Vec<Person> = Vec::new();
    const HRSS: &str = "市人力资源和社会保障局";

    for (yi, &y) in cx.years.iter().enumerate() {
        let phase = cx.phase(yi);

        // 5.2 employment: hiring peaks after the Spring Festival; some return from last year.
        let n = (EMPLOYED[phase] + rng.gen_range(0..80)) * s;
        let returners = (n * 15 / 100).min(prev_employed.len());
        let mut employed: Vec<Person> = prev_employed
            .choose_multiple(rng, returners)
            .copied()
            .collect();
        while employed.len() < n {
            employed.push(pop.new_person(rng, false));
        }
        for p in &employed {
            let started = if rng.gen_bool(0.4) {
                between(rng, date(y, 2, 10), date(y, 3, 31))
            } else {
                between(rng, date(y, 1, 2), date(y, 12, 28))
            };
            let county = pop.county_name(cx, p);
            let (place, organisation) = workplace(rng, county);
            out(pop.row(p, "劳务就业", started, organisation, place, HRSS));
            if rng.gen_bool(0.015) {
                // Changed employer during the year: a second row, counted once.
                let again = other_day(rng, y, started);
                let (place, organisation) = workplace(rng, county);
                out(pop.row(p, "劳务就业", again, organisation, place, HRSS));
            }
        }
        prev_employed = employed;

        // 5.1 skills training.
        for _ in 0..(TRAINEES + rng.gen_range(0..100)) * s {
            let p = pop.new_person(rng, false);
            let county = pop.county_name(cx, &p);
            let trade = pick(rng, TRADES);
            let started = between(rng, date(y, 3, 1), date(y, 12, 15));
            let organisation = format!("{county}{y}年{trade}技能培训班");
            out(pop.row(&p, "技能培训", started, organisation.clone(), "", HRSS));
            if rng.gen_bool(0.015) {
                let again = other_day(rng, y, started);
                out(pop.row(&p, "技能培训", again, organisation, "", HRSS));
            }
        }

        // 6.2 "0+3": junior-school graduates enrolled in September.
        for _ in 0..(STUDENTS[phase] + rng.gen_range(0..15)) * s {
            let p = pop.new_person(rng, true);
            let school = pick(rng, VOCATIONAL_SCHOOLS);
            let started = between(rng, date(y, 9, 1), date(y, 9, 12));
            out(pop.row(
                &p,
                "0+3招生",
                started,
                school.to_string(),
                "东莞",
                "市教育局",
            ));
        }

        // 6.3 leaders of local enterprise.
        for _ in 0..(RICH_LEADERS + rng.gen_range(0..30)) * s {
            let p = pop.new_person(rng, false);
            let started = between(rng, date(y, 4, 1), date(y, 11, 30));
            let class = rng.gen_range(1..=4);
            out(pop.row(
                &p,
                "致富带头人",
                started,
                format!("{y}年昭通市创业致富带头人培训班（第{class}期）"),
                "昭通本地",
                "市农业局",
            ));
        }
    }
}
