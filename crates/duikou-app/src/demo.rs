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

use std::collections::BTreeMap;

use duikou_domain::id_number::make_valid;
use duikou_domain::plan::{CountyPairing, Plan};
use duikou_domain::plan_scale::{copies_in, split_copy};
use duikou_domain::record::FieldInput;
use duikou_domain::schema::{BuiltinKind, RecordKind};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::{Date, Duration, Month};

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

// ------------------------------------------------------------------ context

struct County {
    name: String,
    /// GB/T 2260 code, the area code of the people born there.
    code: Option<String>,
}

struct Cx<'a> {
    /// Plan-wide volumes (persons, projects, purchases, city activities…) × scale.
    scale: usize,
    /// Copies of the towns and counties in the plan (`plan_scale`): 1 as written.
    copies: usize,
    years: Vec<i32>,
    counties: Vec<County>,
    pairs: &'a [CountyPairing],
    /// The counties (indices) of each copy; the pairings (indices) of each copy.
    county_groups: Vec<Vec<usize>>,
    pair_groups: Vec<Vec<usize>>,
}

impl<'a> Cx<'a> {
    fn new(plan: &'a Plan, scale: u32) -> Cx<'a> {
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

    fn last_year(&self) -> i32 {
        *self.years.last().expect("a plan has at least one year")
    }

    /// Which of the three tuned years this is: 0 first, 1 second (and middle), 2 last.
    fn phase(&self, year_index: usize) -> usize {
        if year_index == 0 {
            0
        } else if year_index + 1 == self.years.len() {
            2
        } else {
            1
        }
    }

    fn county<'c>(&'c self, rng: &mut ChaCha8Rng) -> &'c str {
        &self.counties[rng.gen_range(0..self.counties.len())].name
    }

    /// Rounds of the work of towns and counties: every copy of them at least once, and
    /// `scale` rounds in all when the plan has fewer copies than the scale (a plan as
    /// written at scale N: every town N times). Round r works for copy r mod copies.
    fn rounds(&self) -> usize {
        self.scale.max(self.copies)
    }

    /// Is this round the first visit of its copy's towns and counties?
    fn first_round(&self, round: usize) -> bool {
        round < self.copies
    }

    /// The counties (indices) round `round` works for.
    fn counties_of(&self, round: usize) -> &[usize] {
        &self.county_groups[round % self.copies]
    }

    /// A county of round `round`'s copy.
    fn county_in<'c>(&'c self, round: usize, rng: &mut ChaCha8Rng) -> &'c str {
        let group = self.counties_of(round);
        &self.counties[group[rng.gen_range(0..group.len())]].name
    }

    /// The pairings of round `round`'s copy, with their index in the plan.
    fn pairs_in(&self, round: usize) -> impl Iterator<Item = (usize, &'a CountyPairing)> + '_ {
        let pairs = self.pairs;
        self.pair_groups[round % self.copies]
            .iter()
            .map(move |&i| (i, &pairs[i]))
    }
}

// ------------------------------------------------------------------ small helpers

struct RowBuilder(Row);

impl RowBuilder {
    fn new() -> RowBuilder {
        RowBuilder(BTreeMap::new())
    }

    /// Sets a field; an empty text leaves the field out, as an empty cell would.
    fn set(mut self, key: &str, text: impl Into<String>) -> RowBuilder {
        let text = text.into();
        if !text.is_empty() {
            self.0.insert(key.to_string(), FieldInput::new(text));
        }
        self
    }

    fn date(self, key: &str, d: Date) -> RowBuilder {
        self.set(key, ymd(d))
    }

    /// An amount in fen, written in yuan with two decimals.
    fn fen(self, key: &str, fen: i64) -> RowBuilder {
        self.set(key, format!("{}.{:02}", fen / 100, fen % 100))
    }

    fn yuan(self, key: &str, yuan: i64) -> RowBuilder {
        self.fen(key, yuan * 100)
    }

    fn flag(self, key: &str, yes: bool) -> RowBuilder {
        self.set(key, if yes { "是" } else { "否" })
    }

    fn int(self, key: &str, n: impl Into<i64>) -> RowBuilder {
        self.set(key, n.into().to_string())
    }

    fn done(self) -> Row {
        self.0
    }
}

fn date(y: i32, m: u8, d: u8) -> Date {
    let month = Month::try_from(m).expect("month 1-12");
    Date::from_calendar_date(y, month, d.min(month.length(y))).expect("valid date")
}

fn ymd(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A day between `from` and `to`, both included.
fn between(rng: &mut ChaCha8Rng, from: Date, to: Date) -> Date {
    let span = (to - from).whole_days().max(0);
    from + Duration::days(rng.gen_range(0..=span))
}

/// A day in months `m1..=m2` of `y`, on days 1–28 (so that "plus one year" is exact).
fn day28(rng: &mut ChaCha8Rng, y: i32, m1: u8, m2: u8) -> Date {
    date(y, rng.gen_range(m1..=m2), rng.gen_range(1..=28))
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

/// The same day `months` later (clamped to the month's length).
fn plus_months(d: Date, months: i32) -> Date {
    let m0 = i32::from(u8::from(d.month())) - 1 + months;
    let y = d.year() + m0.div_euclid(12);
    date(y, (m0.rem_euclid(12) + 1) as u8, d.day())
}

fn pick<'s>(rng: &mut ChaCha8Rng, items: &'s [&'s str]) -> &'s str {
    items[rng.gen_range(0..items.len())]
}

/// "县" or "区" for posts like 副县长 / 副区长.
fn county_word(county: &str) -> &'static str {
    if county.ends_with('区') {
        "区"
    } else {
        "县"
    }
}

// ------------------------------------------------------------------ names

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任",
    "沈", "姚", "卢", "钟", "姜", "崔", "谭", "陆", "范", "汪", "廖", "石", "金", "韦", "贾", "夏",
    "付", "方", "邹", "熊", "白", "孟", "秦", "邱", "侯", "江", "尹", "薛", "段", "雷", "龙", "黎",
    "史", "陶", "贺", "毛", "顾", "龚", "邵", "万", "陇", "禄", "安", "申", "朱", "王", "李", "张",
    "陈", "杨", "刘", "罗", "赵", "吴",
];

const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀", "英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "兰", "霞", "平", "刚", "桂", "华", "建", "国", "志", "永", "健", "红", "玲",
    "丹", "萍", "鹏", "飞", "宇", "浩", "俊", "帆", "婷", "雪", "琴", "云", "梅", "燕", "海", "波",
    "斌", "亮", "辉", "林", "峰", "成", "文", "德", "才", "学", "春", "龙", "凤", "彬", "忠", "荣",
    "贵", "发", "富", "顺", "兴", "福", "昌", "琼", "仙", "翠", "美", "会", "应", "开", "绍", "正",
    "家", "先", "光", "天", "金", "银", "玉", "秋", "冬", "欢", "佳", "思", "雨", "晨", "子", "涵",
];

/// A plausible Chinese name from a number: surname plus one or two given-name characters.
fn name_of(code: u32) -> String {
    let s = SURNAMES.len() as u32;
    let g = GIVEN.len() as u32;
    let surname = SURNAMES[(code % s) as usize];
    let rest = code / s;
    let first = GIVEN[(rest % g) as usize];
    let rest = rest / g;
    if rest.is_multiple_of(4) {
        format!("{surname}{first}")
    } else {
        let second = GIVEN[((rest / 4) % g) as usize];
        format!("{surname}{first}{second}")
    }
}

fn random_name(rng: &mut ChaCha8Rng) -> String {
    name_of(rng.gen_range(0..u32::MAX))
}

/// Townships (乡镇) of each assisted county, for west-side parties and places.
fn townships(county: &str) -> &'static [&'static str] {
    match split_copy(county).0 {
        "昭阳区" => &[
            "苏家院镇",
            "洒渔镇",
            "炎山镇",
            "大山包镇",
            "田坝乡",
            "小龙洞乡",
            "青岗岭乡",
            "靖安镇",
            "布嘎乡",
            "盘河镇",
        ],
        "鲁甸县" => &[
            "龙头山镇",
            "火德红镇",
            "小寨镇",
            "水磨镇",
            "梭山镇",
            "乐红镇",
            "桃源乡",
            "茨院乡",
            "江底镇",
            "龙树镇",
        ],
        "巧家县" => &[
            "白鹤滩镇",
            "大寨镇",
            "药山镇",
            "小河镇",
            "蒙姑镇",
            "东坪镇",
            "崇溪镇",
            "马树镇",
            "炉房镇",
            "红山乡",
            "老店镇",
            "金塘镇",
        ],
        "镇雄县" => &[
            "乌峰镇",
            "以勒镇",
            "泼机镇",
            "塘房镇",
            "母享镇",
            "坡头镇",
            "芒部镇",
            "雨河镇",
            "牛场镇",
            "场坝镇",
            "五德镇",
            "花山乡",
            "果珠乡",
            "林口乡",
        ],
        "彝良县" => &[
            "角奎镇",
            "洛泽河镇",
            "牛街镇",
            "钟鸣镇",
            "龙海镇",
            "小草坝镇",
            "柳溪苗族乡",
            "树林彝族苗族乡",
            "海子镇",
            "两河镇",
            "荞山镇",
        ],
        "威信县" => &[
            "扎西镇",
            "水田镇",
            "旧城镇",
            "罗布镇",
            "林凤镇",
            "双河苗族彝族乡",
            "三桃乡",
            "高田乡",
            "长安镇",
            "庙沟镇",
        ],
        _ => &["新场乡", "河坝镇", "石门乡", "大坪镇", "青山乡", "中寨镇"],
    }
}

const WEST_VILLAGES: &[&str] = &[
    "大坪", "新街", "石门", "龙井", "花果", "鱼塘", "双河", "青山", "河坝", "岩脚", "白泥", "松林",
    "坪上", "中寨", "黑树", "老街", "田坝", "箐口", "偏坡", "马鞍", "高峰", "杉树", "核桃", "木瓜",
];

const EAST_VILLAGES: &[&str] = &[
    "新村", "上元", "铁场", "三中", "浮岗", "荔横", "九乡", "大塘", "石步", "西湖", "黄沙", "罗村",
    "长龙", "江南", "横坑", "梅塘", "石鼓", "水平", "田心", "金星", "南坊", "北王", "桥头", "鹤田",
];

fn west_village(rng: &mut ChaCha8Rng, county: &str) -> String {
    format!(
        "{}{}村",
        pick(rng, townships(county)),
        pick(rng, WEST_VILLAGES)
    )
}

const BRANDS: &[&str] = &[
    "宏达", "信诚", "鸿运", "粤华", "丰泰", "嘉盛", "兴业", "永昌", "德力", "美嘉", "新科", "立信",
    "恒通", "金源", "益华", "旭日", "联丰", "达丰", "宏利", "广隆", "众诚", "伟创", "华盈", "长荣",
];

const INDUSTRIES: &[&str] = &[
    "电子",
    "五金制品",
    "塑胶",
    "纺织",
    "家具",
    "玩具",
    "模具",
    "精密机械",
    "服装",
    "食品",
    "光电",
    "包装",
    "电器",
    "鞋业",
    "印刷",
    "新材料",
];

fn company(rng: &mut ChaCha8Rng, city: &str) -> String {
    format!(
        "{city}{}{}有限公司",
        pick(rng, BRANDS),
        pick(rng, INDUSTRIES)
    )
}

const PRODUCTS: &[&str] = &[
    "昭通苹果",
    "彝良天麻",
    "小草坝天麻",
    "马铃薯",
    "镇雄竹笋",
    "花椒",
    "核桃",
    "苦荞",
    "魔芋",
    "乌蒙土鸡",
    "巧家小碗红糖",
    "鲁甸花椒",
    "威信白酒",
    "高山蔬菜",
    "镇雄黄牛肉",
    "荞麦面",
    "蜂蜜",
];

// ------------------------------------------------------------------ transfers

fn transfers(cx: &Cx<'_>, rng: &mut ChaCha8Rng) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut counters: BTreeMap<(String, i32), u32> = BTreeMap::new();
    let mut voucher = |payer: &str, prefix: &str, y: i32| -> String {
        let n = counters.entry((payer.to_string(), y)).or_insert(0);
        *n += 1;
        format!("{prefix}{y}-{n:03}")
    };
    let town_prefix = |town: &str| -> String {
        let index = cx
            .pairs
            .iter()
            .flat_map(|p| std::iter::once(&p.lead).chain(&p.assisting))
            .position(|t| t == town)
            .unwrap_or(0);
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

    let assisting: Vec<&str> = cx
        .pairs
        .iter()
        .flat_map(|p| p.assisting.iter().map(String::as_str))
        .collect();
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

// ------------------------------------------------------------------ projects

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

fn projects(cx: &Cx<'_>, rng: &mut ChaCha8Rng) -> Vec<Row> {
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

// ------------------------------------------------------------------ activities

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

fn activities(cx: &Cx<'_>, rng: &mut ChaCha8Rng) -> Vec<Row> {
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
                            pick(
                                rng,
                                &[
                                    "东莞市人民医院",
                                    "东莞市第三人民医院",
                                    "东莞市中医院",
                                    "东莞市妇幼保健院",
                                ],
                            )
                            .to_string(),
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
                    let trade = pick(
                        rng,
                        &[
                            "电工",
                            "焊工",
                            "家政服务",
                            "电子装配",
                            "中式烹调",
                            "育婴员",
                            "缝纫",
                        ],
                    );
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

// ------------------------------------------------------------------ secondments

#[allow(clippy::too_many_arguments)]
fn secondment(
    name: String,
    category: &str,
    rank: &str,
    direction: &str,
    from: &str,
    to: &str,
    post: String,
    leadership: bool,
    start: Date,
    end: Date,
) -> RowBuilder {
    RowBuilder::new()
        .set("name", name)
        .set("category", category)
        .set("rank", rank)
        .set("direction", direction)
        .set("from_unit", from)
        .set("to_unit", to)
        .set("post", post)
        .flag("leadership_team", leadership)
        .date("start_on", start)
        .date("end_on", end)
}

const RECEIVING_DEPARTMENTS: &[&str] = &[
    "市经协办",
    "市农业局",
    "市经信局",
    "市人力资源和社会保障局",
    "市教育局",
    "市卫计局",
    "市民政局",
];

fn secondments(cx: &Cx<'_>, rng: &mut ChaCha8Rng) -> Vec<Row> {
    let mut rows = Vec::new();
    let last_year = cx.last_year();
    let first_year = cx.years[0];

    // 处级 cadres in each county's leadership team, two-year terms, relieved in the last year.
    for round in 0..cx.rounds() {
        for &ci in cx.counties_of(round) {
            let c = &cx.counties[ci];
            let w = county_word(&c.name);
            let lead = cx
                .pairs
                .iter()
                .find(|p| p.county == c.name)
                .map(|p| p.lead.as_str());
            let from = match lead {
                Some(l) if cx.first_round(round) => l,
                _ => pick(rng, &["市委组织部", "市经协办", "市农业局", "市经信局"]),
            };
            let mut start = day28(rng, first_year, 3, 6);
            loop {
                let end = plus_months(start, 24) - days(1);
                rows.push(
                    secondment(
                        random_name(rng),
                        "党政干部",
                        "处级",
                        "东莞→昭通",
                        from,
                        &c.name,
                        format!("挂任{}{w}委常委、副{w}长", c.name),
                        true,
                        start,
                        end,
                    )
                    .done(),
                );
                start = end + days(1);
                if start.year() > last_year {
                    break;
                }
            }
        }
    }

    let towns: Vec<&str> = cx
        .pairs
        .iter()
        .flat_map(|p| {
            std::iter::once(p.lead.as_str()).chain(p.assisting.iter().map(String::as_str))
        })
        .collect();
    for (yi, &y) in cx.years.iter().enumerate() {
        let phase = cx.phase(yi);
        // Zhaotong cadres seconded to Dongguan: at least 10 a year.
        for _ in 0..rng.gen_range(10..=13) * cx.scale {
            let from = cx.county(rng).to_string();
            let to_town = rng.gen_bool(0.5) && !towns.is_empty();
            let (to, post) = if to_town {
                let t = towns[rng.gen_range(0..towns.len())];
                let role = if t.ends_with("街道") {
                    "办事处副主任"
                } else {
                    "副镇长"
                };
                (t.to_string(), format!("挂任{t}{role}"))
            } else {
                let d = pick(rng, RECEIVING_DEPARTMENTS);
                (
                    d.to_string(),
                    format!(
                        "挂任{d}{}",
                        pick(rng, &["主任助理", "局长助理", "业务科室副科长"])
                    ),
                )
            };
            let start = if phase == 0 {
                day28(rng, y, 9, 11)
            } else {
                day28(rng, y, 3, 9)
            };
            let months = if rng.gen_bool(0.5) { 6 } else { 12 };
            let rank = if rng.gen_bool(0.8) {
                "科级"
            } else {
                "处级"
            };
            rows.push(
                secondment(
                    random_name(rng),
                    "党政干部",
                    rank,
                    "昭通→东莞",
                    &from,
                    &to,
                    post,
                    false,
                    start,
                    plus_months(start, months) - days(1),
                )
                .set("reporting_unit", "市委组织部")
                .done(),
            );
        }

        // Teachers and doctors from every town: 2 + 2 from a lead town, 1 + 1 from an assisting town.
        // A few are planned one day short of a year, so their town misses 8.2.
        let mut short: Vec<(&str, &str)> = Vec::new();
        if phase == 1 {
            let assisting: Vec<&str> = cx
                .pairs
                .iter()
                .flat_map(|p| p.assisting.iter().map(String::as_str))
                .collect();
            let two: Vec<&str> = assisting
                .choose_multiple(rng, 2.min(assisting.len()))
                .copied()
                .collect();
            short.extend(two.iter().zip(["教师", "医生"]).map(|(t, c)| (*t, c)));
        }
        if phase == 2
            && let Some(p) = cx.pairs.choose(rng)
        {
            short.push((p.lead.as_str(), "医生"));
        }
        for round in 0..cx.rounds() {
            for (_, p) in cx.pairs_in(round) {
                let senders = std::iter::once((p.lead.as_str(), 2))
                    .chain(p.assisting.iter().map(|a| (a.as_str(), 1)));
                for (town, each) in senders {
                    for category in ["教师", "医生"] {
                        for i in 0..each {
                            let start = day28(rng, y, 2, 9);
                            let year_later = plus_months(start, 12);
                            let end = if cx.first_round(round)
                                && i == 0
                                && short.contains(&(town, category))
                            {
                                year_later - days(2)
                            } else if rng.gen_bool(0.3) {
                                year_later - days(1) + days(rng.gen_range(1..=180))
                            } else {
                                year_later - days(1)
                            };
                            let post = if category == "教师" {
                                let school = pick(
                                    rng,
                                    &[
                                        "第一中学",
                                        "民族中学",
                                        "实验小学",
                                        "职业高级中学",
                                        "第二中学",
                                        "第一小学",
                                    ],
                                );
                                format!("支教（{}{school}）", p.county)
                            } else if rng.gen_bool(0.6) {
                                format!(
                                    "支医（{}{}）",
                                    p.county,
                                    pick(rng, &["人民医院", "中医医院", "妇幼保健院"])
                                )
                            } else {
                                format!(
                                    "支医（{}{}卫生院）",
                                    p.county,
                                    pick(rng, townships(&p.county))
                                )
                            };
                            rows.push(
                                secondment(
                                    random_name(rng),
                                    category,
                                    "",
                                    "东莞→昭通",
                                    town,
                                    &p.county,
                                    post,
                                    false,
                                    start,
                                    end,
                                )
                                .done(),
                            );
                        }
                    }
                }
            }
        }
    }
    rows
}

// ------------------------------------------------------------------ persons

/// A person of the demo population, small enough to keep for next year's returners.
#[derive(Clone, Copy)]
struct Person {
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

const VOCATIONAL_SCHOOLS: &[&str] = &[
    "东莞理工学校",
    "东莞市机电工程学校",
    "东莞市电子科技学校",
    "东莞市商业学校",
    "东莞市经济贸易学校",
    "东莞市纺织服装学校",
    "东莞市轻工业学校",
    "东莞市信息技术学校",
    "东莞市汽车技术学校",
];

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
fn persons(cx: &Cx<'_>, rng: &mut ChaCha8Rng, out: &mut dyn FnMut(Row)) {
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
            let trade = pick(
                rng,
                &[
                    "电工",
                    "焊工",
                    "家政服务",
                    "电子装配",
                    "中式烹调",
                    "育婴员",
                    "缝纫",
                    "挖掘机操作",
                ],
            );
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

// ------------------------------------------------------------------ pairings

fn pairing(
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

const SCHOOLS_EAST: &[&str] = &[
    "东莞理工学校",
    "东莞市机电工程学校",
    "东莞市电子科技学校",
    "东莞市商业学校",
    "东莞市经济贸易学校",
    "东莞市纺织服装学校",
    "东莞市轻工业学校",
    "东莞市信息技术学校",
];
const HOSPITALS_EAST: &[&str] = &[
    "东莞市人民医院",
    "东莞市第三人民医院",
    "东莞市中医院",
    "东莞市妇幼保健院",
    "东莞市松山湖中心医院",
    "东莞市第八人民医院",
    "东莞市滨海湾中心医院",
];

fn pairings(cx: &Cx<'_>, rng: &mut ChaCha8Rng) -> Vec<Row> {
    let mut rows = Vec::new();
    let assisting: Vec<&str> = cx
        .pairs
        .iter()
        .flat_map(|p| p.assisting.iter().map(String::as_str))
        .collect();
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
        // (for the city of each copy: `scale` times).
        let (schools, hospitals) = [(4, 3), (3, 3), (1, 1)][phase];
        let schools_before: usize = (0..yi)
            .map(|i| [(4, 3), (3, 3), (1, 1)][cx.phase(i)].0)
            .sum();
        let hospitals_before: usize = (0..yi)
            .map(|i| [(4, 3), (3, 3), (1, 1)][cx.phase(i)].1)
            .sum();
        for copy in 0..cx.scale {
            let group = cx.counties_of(copy);
            for i in 0..schools {
                let n = schools_before + i;
                let county = &cx.counties[group[n % group.len()]].name;
                let west = if n < group.len() {
                    format!("{county}职业高级中学")
                } else {
                    format!("{county}第二职业高级中学")
                };
                let east = SCHOOLS_EAST[n % SCHOOLS_EAST.len()].to_string();
                rows.push(
                    pairing(
                        "校校结对",
                        east,
                        "市教育局",
                        west,
                        county,
                        None,
                        signed(rng),
                    )
                    .done(),
                );
            }
            for i in 0..hospitals {
                let n = hospitals_before + i;
                let county = &cx.counties[group[n % group.len()]].name;
                let west = if n < group.len() {
                    format!("{county}人民医院")
                } else {
                    format!("{county}中医医院")
                };
                let east = HOSPITALS_EAST[n % HOSPITALS_EAST.len()].to_string();
                rows.push(
                    pairing(
                        "院院结对",
                        east,
                        "市卫计局",
                        west,
                        county,
                        None,
                        signed(rng),
                    )
                    .done(),
                );
            }
        }
    }
    rows
}

// ------------------------------------------------------------------ facilities

fn facilities(cx: &Cx<'_>, rng: &mut ChaCha8Rng) -> Vec<Row> {
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

// ------------------------------------------------------------------ purchases and donations

fn purchases(cx: &Cx<'_>, rng: &mut ChaCha8Rng) -> Vec<Row> {
    let mut rows = Vec::new();
    for (yi, &y) in cx.years.iter().enumerate() {
        let from = if cx.phase(yi) == 0 {
            date(y, 4, 1)
        } else {
            date(y, 1, 5)
        };
        for _ in 0..rng.gen_range(28..=33) * cx.scale {
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
            rows.push(
                RowBuilder::new()
                    .set("buyer", buyer)
                    .set("origin_county", cx.county(rng))
                    .set("product", pick(rng, PRODUCTS))
                    .fen("amount", fen)
                    .date("bought_on", between(rng, from, date(y, 12, 28)))
                    .set("reporting_unit", "市农业局")
                    .done(),
            );
        }
    }
    rows
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

fn donations(cx: &Cx<'_>, rng: &mut ChaCha8Rng) -> Vec<Row> {
    let mut rows = Vec::new();
    for (yi, &y) in cx.years.iter().enumerate() {
        let from = if cx.phase(yi) == 0 {
            date(y, 4, 1)
        } else {
            date(y, 1, 5)
        };
        for _ in 0..rng.gen_range(28..=33) * cx.scale {
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
            rows.push(
                RowBuilder::new()
                    .set("donor", donor)
                    .set("donor_type", kind)
                    .yuan("amount", yuan)
                    .set("county", cx.county(rng))
                    .date("donated_on", between(rng, from, date(y, 12, 28)))
                    .set("reporting_unit", reporter)
                    .done(),
            );
        }
    }
    rows
}

// ------------------------------------------------------------------ evidence

/// Share of transfers, activities and secondments that get an evidence file, in percent.
pub const EVIDENCE_PERCENT: u16 = 70;

/// A small generated evidence file of a demo record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoEvidence {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// The evidence a demo record gets, if any: about 7 in 10 transfers (a one-page PDF
/// voucher), activities (a photo placeholder, PNG) and secondments (a dispatch note,
/// text). The choice and the content depend only on the seed and the record's fields,
/// never on its id, so every database backend gives the same records evidence.
pub fn evidence_for(
    seed: u64,
    kind: RecordKind,
    fields: &BTreeMap<String, duikou_domain::record::Value>,
) -> Option<DemoEvidence> {
    use sha2::{Digest, Sha256};
    let text = |k: &str| fields.get(k).map(|v| v.display()).unwrap_or_default();
    let mut h = Sha256::new();
    h.update(seed.to_le_bytes());
    h.update(kind.key().as_bytes());
    for (k, v) in fields {
        h.update(k.as_bytes());
        h.update([0]);
        h.update(v.display().as_bytes());
        h.update([0]);
    }
    let digest = h.finalize();
    if u16::from_le_bytes([digest[0], digest[1]]) % 100 >= EVIDENCE_PERCENT {
        return None;
    }
    match kind.builtin()? {
        BuiltinKind::Transfer => {
            let voucher = text("voucher_no");
            let lines = [
                "DEMO - Fund transfer voucher (demonstration data)".to_string(),
                format!("Voucher no.: {voucher}"),
                format!("Amount (yuan): {}", text("amount")),
                format!("Budget year: {}", text("budget_year")),
                format!("Sent on: {}", text("sent_on")),
                format!("Check: {}", hex::encode(&digest[..6])),
            ];
            Some(DemoEvidence {
                file_name: format!("拨付凭证-{}.pdf", file_part(&voucher)),
                content_type: "application/pdf",
                bytes: one_page_pdf(&lines),
            })
        }
        BuiltinKind::Activity => Some(DemoEvidence {
            file_name: format!(
                "活动照片-{}-{}.png",
                text("held_on"),
                file_part(&text("title"))
            ),
            content_type: "image/png",
            bytes: placeholder_png(48, 32, [digest[2], digest[3], digest[4]]),
        }),
        BuiltinKind::Secondment => {
            let body = format!(
                "人员选派派出文件（演示数据）\n\n姓名：{}\n类别：{}\n方向：{}\n派出单位：{}\n接收单位：{}\n挂任职务：{}\n开始日期：{}\n结束日期：{}\n\n校验：{}\n",
                text("name"),
                text("category"),
                text("direction"),
                text("from_unit"),
                text("to_unit"),
                text("post"),
                text("start_on"),
                text("end_on"),
                hex::encode(&digest[..6])
            );
            Some(DemoEvidence {
                file_name: format!("派出文件-{}.txt", file_part(&text("name"))),
                content_type: "text/plain",
                bytes: body.into_bytes(),
            })
        }
        _ => None,
    }
}

/// Text fit for a file name: no separators or control characters, at most 40 characters.
fn file_part(s: &str) -> String {
    let t: String = s
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| {
            if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .take(40)
        .collect();
    if t.trim().is_empty() {
        "记录".into()
    } else {
        t.trim().to_string()
    }
}

/// A valid one-page PDF (A4, Helvetica) showing `lines`; characters outside printable
/// ASCII become `?` (the standard fonts have no Chinese).
pub fn one_page_pdf(lines: &[String]) -> Vec<u8> {
    let mut content = String::from("BT /F1 14 Tf 60 780 Td 18 TL\n");
    for line in lines {
        let esc: String = line
            .chars()
            .map(|c| if (' '..='~').contains(&c) { c } else { '?' })
            .flat_map(|c| match c {
                '(' | ')' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        content.push_str(&format!("({esc}) Tj T*\n"));
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A valid PNG of one colour with a darker frame (stored, uncompressed deflate).
pub fn placeholder_png(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    fn crc32(parts: &[&[u8]]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for p in parts {
            for &b in *p {
                c ^= b as u32;
                for _ in 0..8 {
                    c = if c & 1 != 0 {
                        0xEDB8_8320 ^ (c >> 1)
                    } else {
                        c >> 1
                    };
                }
            }
        }
        !c
    }
    fn chunk(out: &mut Vec<u8>, ty: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(ty);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc32(&[ty, data]).to_be_bytes());
    }
    let frame = rgb.map(|c| c / 2);
    let mut raw = Vec::with_capacity(((width * 3 + 1) * height) as usize);
    for y in 0..height {
        raw.push(0); // filter: none
        for x in 0..width {
            let edge = x < 2 || y < 2 || x + 2 >= width || y + 2 >= height;
            raw.extend_from_slice(if edge { &frame } else { &rgb });
        }
    }
    // zlib: header, stored blocks of at most 65535 bytes, Adler-32.
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, b) in blocks.iter().enumerate() {
        z.push(u8::from(i + 1 == blocks.len()));
        let len = b.len() as u16;
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(b);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + x as u32) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashMap};

    use duikou_domain::crypto::SecretKey;
    use duikou_domain::engine::{AssessOptions, Assessment, EngineRecord, IndicatorStatus, assess};
    use duikou_domain::record::{Status, ValidRecord, ValidationContext, validate};

    use super::*;
    use duikou_domain::plan::bundled_kind;

    const SEED: u64 = 20_180_925;

    /// Rows as plain tuples, to compare.
    type Flat = Vec<(RecordKind, Vec<Vec<(String, String, bool)>>)>;

    fn flat(groups: &[DemoRows]) -> Flat {
        groups
            .iter()
            .map(|g| {
                let rows = g
                    .rows
                    .iter()
                    .map(|r| {
                        r.iter()
                            .map(|(k, v)| (k.clone(), v.text.clone(), v.in_wan))
                            .collect()
                    })
                    .collect();
                (g.kind, rows)
            })
            .collect()
    }

    fn rows_of(groups: &[DemoRows], kind: RecordKind) -> &[Row] {
        &groups
            .iter()
            .find(|g| g.kind == kind)
            .expect("every kind is generated")
            .rows
    }

    fn text<'r>(row: &'r Row, key: &str) -> &'r str {
        row.get(key).map_or("", |f| f.text.as_str())
    }

    fn validated(plan: &Plan, groups: &[DemoRows]) -> Vec<ValidRecord> {
        let ctx = ValidationContext {
            plan,
            default_unit: None,
        };
        let mut out = Vec::new();
        let mut problems = Vec::new();
        for g in groups {
            for (i, row) in g.rows.iter().enumerate() {
                match validate(g.kind, row, &ctx) {
                    Ok(v) => out.push(v),
                    Err(errors) => {
                        if problems.len() < 10 {
                            let shown: Vec<String> =
                                errors.iter().map(ToString::to_string).collect();
                            problems.push(format!(
                                "{} row {i}: {}",
                                g.kind.key(),
                                shown.join("; ")
                            ));
                        }
                    }
                }
            }
        }
        assert!(
            problems.is_empty(),
            "invalid demo rows:\n{}",
            problems.join("\n")
        );
        out
    }

    #[test]
    fn same_seed_gives_the_same_data() {
        let plan = Plan::bundled();
        let a = generate(&plan, 1, SEED);
        let b = generate(&plan, 1, SEED);
        // Every built-in kind; the plan's own kinds (agreement, progress) are not made up.
        assert_eq!(a.len(), BuiltinKind::ALL.len());
        assert_eq!(
            a.iter().map(|g| g.kind).collect::<Vec<_>>(),
            duikou_domain::plan::Plan::bundled()
                .kinds()
                .iter()
                .copied()
                .filter(|k| k.builtin().is_some())
                .collect::<Vec<_>>()
        );
        assert!(flat(&a) == flat(&b), "same seed, different data");
    }

    #[test]
    fn a_different_seed_gives_different_data() {
        let plan = Plan::bundled();
        let a = flat(&generate(&plan, 1, SEED));
        let b = flat(&generate(&plan, 1, SEED + 1));
        for ((kind, ra), (_, rb)) in a.iter().zip(&b) {
            assert!(ra != rb, "{} rows do not depend on the seed", kind.key());
        }
    }

    #[test]
    fn every_row_validates_and_lies_within_the_plan() {
        let plan = Plan::bundled();
        let groups = generate(&plan, 1, SEED);
        let records = validated(&plan, &groups);
        let last = date(2020, 12, 31);
        for r in &records {
            assert!(
                plan.years().contains(&r.plan_year),
                "{:?} year {}",
                r.kind,
                r.plan_year
            );
            // Every date that says something happened is within its year and not after 2020.
            for key in [
                "sent_on",
                "received_on",
                "started_on",
                "completed_on",
                "held_on",
                "start_on",
                "signed_on",
                "ended_on",
                "established_on",
                "bought_on",
                "donated_on",
            ] {
                if let Some(d) = r.get(key).and_then(|v| v.as_date()) {
                    assert!(d <= last, "{:?} {key} {d} after 2020", r.kind);
                }
            }
            if !r.kind.is(BuiltinKind::Transfer) {
                assert_eq!(
                    r.event_date().map(|d| d.year()),
                    Some(r.plan_year),
                    "{:?}",
                    r.kind
                );
            }
        }
    }

    #[test]
    fn volumes_at_scale_one_are_those_of_the_programme() {
        let plan = Plan::bundled();
        let groups = generate(&plan, 1, SEED);
        let count = |kind| rows_of(&groups, kind).len();
        let within = |kind: RecordKind, lo: usize, hi: usize| {
            let n = count(kind);
            assert!(
                (lo..=hi).contains(&n),
                "{}: {n} rows, expected {lo}–{hi}",
                kind.key()
            );
        };
        within(bundled_kind(BuiltinKind::Transfer), 95, 115);
        within(bundled_kind(BuiltinKind::Project), 54, 66);
        within(bundled_kind(BuiltinKind::Activity), 100, 150);
        within(bundled_kind(BuiltinKind::Secondment), 180, 240);
        within(bundled_kind(BuiltinKind::Person), 34_000, 38_000);
        within(bundled_kind(BuiltinKind::Pairing), 90, 150);
        within(bundled_kind(BuiltinKind::Facility), 8, 20);
        within(bundled_kind(BuiltinKind::Purchase), 84, 99);
        within(bundled_kind(BuiltinKind::Donation), 84, 99);

        // Distinct persons per programme and year, and repeated rows.
        let persons = rows_of(&groups, bundled_kind(BuiltinKind::Person));
        let mut distinct: BTreeMap<(String, String), BTreeSet<&str>> = BTreeMap::new();
        let mut rows_per: BTreeMap<(String, String), usize> = BTreeMap::new();
        let mut names: HashMap<&str, &str> = HashMap::new();
        for r in persons {
            let key = (
                text(r, "programme").to_string(),
                text(r, "started_on")[..4].to_string(),
            );
            distinct
                .entry(key.clone())
                .or_default()
                .insert(text(r, "id_number"));
            *rows_per.entry(key).or_default() += 1;
            let previous = names.insert(text(r, "id_number"), text(r, "name"));
            assert!(
                previous.is_none_or(|n| n == text(r, "name")),
                "one ID, two names"
            );
            assert!(!r.contains_key("hukou_county"));
        }
        let d = |p: &str, y: &str| distinct[&(p.to_string(), y.to_string())].len();
        assert!((8_000..=8_600).contains(&d("劳务就业", "2018")));
        assert!((8_000..=8_600).contains(&d("劳务就业", "2019")));
        assert!((7_700..8_000).contains(&d("劳务就业", "2020")));
        for y in ["2018", "2019", "2020"] {
            assert!((1_500..=1_700).contains(&d("技能培训", y)));
            assert!((180..=230).contains(&d("致富带头人", y)));
            let rows = rows_per[&("劳务就业".to_string(), y.to_string())];
            let repeated = rows - d("劳务就业", y);
            assert!(
                (rows / 100..=rows / 50).contains(&repeated),
                "{y}: {repeated} repeated rows of {rows}"
            );
        }
        assert!((1_600..1_700).contains(&d("0+3招生", "2018")));
        assert!((1_900..2_000).contains(&d("0+3招生", "2019")));
        assert!((1_850..1_900).contains(&d("0+3招生", "2020")));
        // Some of 2018's workers are employed again in 2019.
        let again = distinct[&("劳务就业".to_string(), "2018".to_string())]
            .intersection(&distinct[&("劳务就业".to_string(), "2019".to_string())])
            .count();
        assert!(again > 500, "{again} returners");
        let poor = persons
            .iter()
            .filter(|r| text(r, "registered_poor") == "是")
            .count();
        assert!(
            (50..=70).contains(&(poor * 100 / persons.len())),
            "{poor} registered poor"
        );

        // Vouchers are unique per payer.
        let mut vouchers = BTreeSet::new();
        for r in rows_of(&groups, bundled_kind(BuiltinKind::Transfer)) {
            assert!(
                vouchers.insert((text(r, "payer"), text(r, "voucher_no"))),
                "voucher reused: {}",
                text(r, "voucher_no")
            );
        }
        assert_eq!(
            rows_of(&groups, bundled_kind(BuiltinKind::Transfer))
                .iter()
                .filter(|r| !r.contains_key("received_on"))
                .count(),
            1
        );
    }

    #[test]
    fn about_seven_in_ten_records_get_valid_evidence_files() {
        let plan = Plan::bundled();
        let records = validated(&plan, &generate(&plan, 1, SEED));
        for kind in [
            bundled_kind(BuiltinKind::Transfer),
            bundled_kind(BuiltinKind::Activity),
            bundled_kind(BuiltinKind::Secondment),
        ] {
            let of_kind: Vec<BTreeMap<String, duikou_domain::record::Value>> = records
                .iter()
                .filter(|r| r.kind == kind)
                .map(|r| {
                    r.fields
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.clone()))
                        .collect()
                })
                .collect();
            let files: Vec<DemoEvidence> = of_kind
                .iter()
                .filter_map(|f| evidence_for(SEED, kind, f))
                .collect();
            let share = files.len() * 100 / of_kind.len();
            assert!((55..=85).contains(&share), "{kind:?}: {share} %");
            // The same record always gets the same file.
            let again: Vec<DemoEvidence> = of_kind
                .iter()
                .filter_map(|f| evidence_for(SEED, kind, f))
                .collect();
            assert_eq!(files, again);
            for f in &files {
                let magic: &[u8] = match f.content_type {
                    "application/pdf" => b"%PDF-1.4\n",
                    "image/png" => b"\x89PNG\r\n\x1a\n",
                    _ => b"",
                };
                assert!(f.bytes.starts_with(magic), "{}", f.file_name);
                assert_eq!(
                    crate::evidence_store::content_type_for(&f.file_name),
                    Some(f.content_type),
                    "{}",
                    f.file_name
                );
                assert!(
                    crate::evidence_store::clean_file_name(&f.file_name).as_ref()
                        == Some(&f.file_name)
                );
            }
        }
        // Other kinds get none.
        assert!(
            records
                .iter()
                .filter(|r| r.kind.is(BuiltinKind::Person))
                .all(|r| {
                    let f = r
                        .fields
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.clone()))
                        .collect();
                    evidence_for(SEED, r.kind, &f).is_none()
                })
        );
        // The PDF's cross-reference offsets point at its objects.
        let pdf = one_page_pdf(&["a (b) c\\".into(), "中文".into()]);
        let text = String::from_utf8(pdf.clone()).unwrap();
        let xref: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(text[xref..].starts_with("xref"));
        for (i, line) in text[xref..].lines().skip(3).take(5).enumerate() {
            let at: usize = line[..10].parse().unwrap();
            assert!(
                text[at..].starts_with(&format!("{} 0 obj", i + 1)),
                "object {}",
                i + 1
            );
        }
        assert!(text.contains("(a \\(b\\) c\\\\) Tj") && text.contains("(??) Tj"));
    }

    #[test]
    fn scale_two_doubles_the_persons() {
        let plan = Plan::bundled();
        let one = rows_of(&generate(&plan, 1, SEED), bundled_kind(BuiltinKind::Person)).len();
        let two_groups = generate(&plan, 2, SEED);
        let two = rows_of(&two_groups, bundled_kind(BuiltinKind::Person)).len();
        assert!(
            two * 10 >= one * 19 && two * 10 <= one * 21,
            "scale 1: {one}, scale 2: {two}"
        );
        let ids: BTreeSet<(&str, &str)> = rows_of(&two_groups, bundled_kind(BuiltinKind::Person))
            .iter()
            .map(|r| (text(r, "id_number"), text(r, "name")))
            .collect();
        let distinct_ids: BTreeSet<&str> = ids.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids.len(), distinct_ids.len(), "an ID number is one person");
        let sec1 = rows_of(
            &generate(&plan, 1, SEED),
            bundled_kind(BuiltinKind::Secondment),
        )
        .len();
        assert!(rows_of(&two_groups, bundled_kind(BuiltinKind::Secondment)).len() > sec1 * 3 / 2);
    }

    #[test]
    fn a_scaled_plan_gets_records_for_every_copy_of_its_towns_and_counties() {
        let source =
            duikou_domain::plan_scale::scale_plan_toml(duikou_domain::plan::BUNDLED_PLAN, 2)
                .unwrap();
        let plan = Plan::from_toml(&source, "x2.toml").unwrap();
        let one = generate(&Plan::bundled(), 1, SEED);
        let two = generate(&plan, 2, SEED);
        // Streamed kind by kind, the same rows.
        for g in &two {
            let mut rows = Vec::new();
            generate_kind(&plan, 2, SEED, g.kind, &mut |r| rows.push(r));
            let streamed = [DemoRows { kind: g.kind, rows }];
            assert!(
                flat(&streamed) == flat(std::slice::from_ref(g)),
                "{}",
                g.kind.key()
            );
        }
        // Twice the programme: about twice every volume.
        for (a, b) in one.iter().zip(&two) {
            let (a, b) = (a.rows.len(), b.rows.len());
            assert!(
                b * 10 >= a * 17 && b * 10 <= a * 23,
                "{}: {a} at scale 1, {b} at scale 2 of a plan scaled twice",
                two.iter().find(|g| g.rows.len() == b).unwrap().kind.key()
            );
        }
        // Every row is valid under the scaled plan.
        let records = validated(&plan, &two);
        // Each copy of a town pays its own copy of its county, and sends teachers there.
        let transfers = rows_of(&two, bundled_kind(BuiltinKind::Transfer));
        for (payer, payee) in [("清溪镇", "镇雄县"), ("2·清溪镇", "2·镇雄县")] {
            assert!(
                transfers
                    .iter()
                    .any(|r| text(r, "payer") == payer && text(r, "payee") == payee),
                "{payer} → {payee}"
            );
        }
        assert!(
            rows_of(&two, bundled_kind(BuiltinKind::Secondment))
                .iter()
                .any(|r| text(r, "from_unit") == "2·企石镇" && text(r, "to_unit") == "2·镇雄县")
        );
        // People come from the copies' counties too, and an ID number is one person.
        let hukou: BTreeSet<String> = records
            .iter()
            .filter(|r| r.kind.is(BuiltinKind::Person))
            .filter_map(|r| r.get("hukou_county").map(|v| v.display()))
            .collect();
        assert_eq!(hukou.len(), 12, "{hukou:?}");
        let ids: BTreeSet<(&str, &str)> = rows_of(&two, bundled_kind(BuiltinKind::Person))
            .iter()
            .map(|r| (text(r, "id_number"), text(r, "name")))
            .collect();
        let distinct: BTreeSet<&str> = ids.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids.len(), distinct.len(), "an ID number is one person");
    }

    fn engine_records(plan: &Plan, groups: &[DemoRows]) -> Vec<EngineRecord> {
        let key = SecretKey::from_bytes(&[7u8; 32]).expect("32 bytes");
        validated(plan, groups)
            .into_iter()
            .enumerate()
            .map(|(i, v)| EngineRecord {
                id: i as i64 + 1,
                kind: v.kind,
                status: Status::Approved,
                plan_year: v.plan_year,
                reporting_unit: v.reporting_unit.clone(),
                fields: v.fields.iter().map(|(k, val)| (*k, val.clone())).collect(),
                person_key: v.id_number.as_ref().map(|id| key.blind_index(id.as_str())),
                evidence_count: 0,
            })
            .collect()
    }

    fn run(plan: &Plan, records: &[EngineRecord], year: i32, as_of: Date) -> Assessment {
        assess(
            plan,
            records,
            &AssessOptions {
                year,
                as_of,
                include_submitted: false,
            },
        )
    }

    fn status(a: &Assessment, indicator: &str, scope: &str) -> IndicatorStatus {
        a.results
            .iter()
            .find(|r| r.indicator == indicator && r.scope == scope)
            .unwrap_or_else(|| panic!("no result for {indicator} {scope}"))
            .status
    }

    #[test]
    fn the_engine_sees_every_status() {
        let plan = Plan::bundled();
        let records = engine_records(&plan, &generate(&plan, 1, SEED));
        let y2018 = run(&plan, &records, 2018, date(2018, 12, 31));
        let y2019 = run(&plan, &records, 2019, date(2019, 12, 31));
        let y2020 = run(&plan, &records, 2020, date(2020, 12, 31));
        let mid2019 = run(&plan, &records, 2019, date(2019, 6, 30));

        let statuses = |a: &[&Assessment]| -> BTreeSet<&'static str> {
            a.iter()
                .flat_map(|x| x.results.iter().map(|r| r.status.key()))
                .collect()
        };
        let year_end = statuses(&[&y2019, &y2020]);
        for s in ["met", "late", "not_met", "tracked"] {
            assert!(
                year_end.contains(s),
                "{s} missing at year end: {year_end:?}"
            );
        }
        let mid = statuses(&[&mid2019]);
        for s in ["on_track", "behind"] {
            assert!(mid.contains(s), "{s} missing at 2019-06-30: {mid:?}");
        }

        use IndicatorStatus::{Behind, Late, Met, NotMet, OnTrack};
        // The designed cases.
        // 2018's money is due by the year end (the plan was issued in September).
        assert_eq!(status(&y2018, "3.1-fiscal-aid", "plan"), Met);
        assert_eq!(status(&y2019, "3.1-fiscal-aid", "plan"), Late);
        assert_eq!(status(&y2019, "3.1-fiscal-aid-province", "plan"), Met);
        assert_eq!(status(&y2020, "3.1-fiscal-aid", "plan"), NotMet);
        let per_county = |a: &Assessment, s| {
            a.results
                .iter()
                .filter(|r| r.indicator == "3.1-fiscal-aid-per-county" && r.status == s)
                .count()
        };
        assert_eq!((per_county(&y2019, Late), per_county(&y2019, Met)), (1, 5));
        assert_eq!(
            (per_county(&y2020, NotMet), per_county(&y2020, Met)),
            (1, 5)
        );
        let assist_funds_not_met = |a: &Assessment| {
            a.results
                .iter()
                .filter(|r| r.indicator == "8.1-assist-town-funds" && r.status == NotMet)
                .count()
        };
        assert_eq!(assist_funds_not_met(&y2018), 0);
        assert_eq!(assist_funds_not_met(&y2019), 2);
        assert_eq!(assist_funds_not_met(&y2020), 1);
        assert!(
            plan.towns_with_role(duikou_domain::plan::TownRole::Lead)
                .all(|t| status(&y2020, "8.1-lead-town-funds", &t.name) == Met)
        );
        assert_eq!(status(&y2019, "9.1-city-leader-visits", "plan"), Late);
        assert_eq!(status(&y2019, "9.1-city-joint-meetings", "plan"), Met);
        assert_eq!(status(&y2019, "5.2-employed", "plan"), Met);
        assert_eq!(status(&y2020, "5.2-employed", "plan"), NotMet);
        assert_eq!(status(&y2018, "6.2-students", "plan"), Met);
        assert_eq!(status(&y2020, "6.2-students", "plan"), NotMet);
        assert_eq!(status(&y2019, "2.3-medical-trainees", "plan"), Met);
        assert_eq!(status(&y2020, "2.3-medical-batches", "plan"), NotMet);
        assert_eq!(status(&y2019, "2.2-school-pairs", "plan"), Met);
        assert_eq!(status(&y2018, "2.2-school-pairs", "plan"), NotMet);
        assert!(
            y2019
                .results
                .iter()
                .any(|r| r.indicator == "1.3-tourism-promotions"
                    && r.status == Met
                    && r.above_range)
        );
        let short_secondments = |a: &Assessment| {
            a.results
                .iter()
                .filter(|r| r.indicator.starts_with("8.2-") && r.status == NotMet)
                .count()
        };
        assert_eq!(short_secondments(&y2019), 2);
        assert_eq!(short_secondments(&y2020), 1);
        let meetings_missing = y2020
            .results
            .iter()
            .filter(|r| r.indicator == "8.1-town-joint-meetings" && r.status == NotMet)
            .count();
        assert_eq!(meetings_missing, 1);
        assert!(
            y2019
                .results
                .iter()
                .filter(|r| r.indicator == "2.1-county-leaders")
                .all(|r| r.status == Met)
        );
        assert!(
            y2019
                .results
                .iter()
                .filter(|r| r.indicator == "4.1-relocation-sites")
                .any(|r| r.status == NotMet)
        );
        assert!(
            y2020
                .results
                .iter()
                .filter(|r| r.indicator == "4.1-relocation-sites")
                .all(|r| r.status == Met)
        );
        assert_eq!(status(&y2020, "1.1-demo-bases", "plan"), Met);
        assert_eq!(status(&mid2019, "5.2-employed", "plan"), OnTrack);
        assert_eq!(status(&mid2019, "6.2-students", "plan"), Behind);
    }
}
