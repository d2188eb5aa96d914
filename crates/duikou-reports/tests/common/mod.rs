//! Test data: a temporary SQLite store with the bundled plan and a small, hand-made
//! programme year (2019) touching every record kind, some evidence and some records
//! that must not count (draft, submitted); plus a reader that turns a written file back
//! into the text rows the importer would see.
#![allow(dead_code)]

use duikou_domain::plan::bundled_kind;
use duikou_domain::schema::BuiltinKind;
use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use duikou_domain::crypto::SecretKey;
use duikou_domain::engine::{AssessOptions, Assessment, assess};
use duikou_domain::id_number::make_valid;
use duikou_domain::plan::{BUNDLED_PLAN, Plan, UnitKind};
use duikou_domain::record::{
    FieldInput, Status, ValidRecord, ValidationContext, natural_key, validate,
};
use duikou_domain::roles::concerned_county;
use duikou_domain::schema::RecordKind;
use duikou_storage::records::{ImportFile, NewRecord, ProtectedId};
use duikou_storage::{Store, StoreConfig};
use sha2::{Digest, Sha256};

pub struct Fixture {
    pub store: Store,
    pub plan: Plan,
    pub key: SecretKey,
    /// Evidence contents by SHA-256 (one registered file is deliberately absent).
    pub files: HashMap<String, Vec<u8>>,
    pub _dir: tempfile::TempDir,
}

pub fn key() -> SecretKey {
    SecretKey::from_bytes(&[7u8; 32]).unwrap()
}

pub async fn empty_store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = StoreConfig::new(format!("sqlite://{}", dir.path().join("t.db").display()));
    cfg.create_if_missing = true;
    let store = Store::open(&cfg).await.unwrap();
    store.migrate().await.unwrap();
    store
        .load_plan(&Plan::bundled(), BUNDLED_PLAN, "test")
        .await
        .unwrap();
    (store, dir)
}

pub fn new_record(valid: ValidRecord, plan: &Plan, key: &SecretKey) -> NewRecord {
    let id = valid.id_number.as_ref().map(|i| ProtectedId {
        cipher: key.encrypt(i.as_str()),
        blind: key.blind_index(i.as_str()),
        masked: i.masked(),
    });
    let nk = natural_key(&valid, id.as_ref().map(|p| p.blind.as_str()));
    let fields: BTreeMap<String, duikou_domain::record::Value> = valid
        .fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let county = concerned_county(valid.kind, &fields, |u| {
        plan.unit(u).is_some_and(|x| x.kind == UnitKind::County)
    });
    let mut valid = valid;
    valid.id_number = None;
    NewRecord {
        valid,
        id,
        natural_key: nk,
        county,
    }
}

pub fn rec(plan: &Plan, kind: RecordKind, pairs: &[(&str, &str)]) -> NewRecord {
    let input: BTreeMap<String, FieldInput> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), FieldInput::new(*v)))
        .collect();
    let valid = validate(
        kind,
        &input,
        &ValidationContext {
            plan,
            default_unit: Some("市经协办"),
        },
    )
    .unwrap_or_else(|e| panic!("{kind:?} {pairs:?}: {e:?}"));
    new_record(valid, plan, &key())
}

fn id(county_code: &str, n: u16) -> String {
    make_valid(county_code, time::macros::date!(1995 - 03 - 04), n)
        .as_str()
        .to_string()
}

/// The approved records of the fixture year, by kind.
pub fn approved_records(plan: &Plan) -> Vec<NewRecord> {
    let mut v = Vec::new();
    let counties = ["昭阳区", "鲁甸县", "巧家县", "镇雄县", "彝良县", "威信县"];
    // Fiscal aid: 27M city + 3M province per county = 180M, received in time.
    for (i, c) in counties.iter().enumerate() {
        let city = format!("SJ2019-{i}");
        let prov = format!("SC2019-{i}");
        v.push(rec(
            plan,
            bundled_kind(BuiltinKind::Transfer),
            &[
                ("source", "市级财政"),
                ("payer", "市财政局"),
                ("payee", c),
                ("amount", "27,000,000"),
                ("budget_year", "2019"),
                ("sent_on", "2019-03-01"),
                ("received_on", "2019-03-20"),
                ("voucher_no", &city),
                ("purpose", "财政援助资金"),
            ],
        ));
        v.push(rec(
            plan,
            bundled_kind(BuiltinKind::Transfer),
            &[
                ("source", "省级财政"),
                ("payer", "省财政"),
                ("payee", c),
                ("amount", "3000000.00"),
                ("budget_year", "2019"),
                ("sent_on", "2019-03-01"),
                ("received_on", "2019-03-25"),
                ("voucher_no", &prov),
            ],
        ));
    }
    // A town's own funds, and one sent but not yet received (counts nowhere).
    v.push(rec(
        plan,
        bundled_kind(BuiltinKind::Transfer),
        &[
            ("source", "镇街财政"),
            ("payer", "清溪镇"),
            ("payee", "镇雄县"),
            ("amount", "1000000.50"),
            ("budget_year", "2019"),
            ("sent_on", "2019-04-01"),
            ("received_on", "2019-04-15"),
            ("voucher_no", "QX-2019-1"),
        ],
    ));
    v.push(rec(
        plan,
        bundled_kind(BuiltinKind::Transfer),
        &[
            ("source", "镇街财政"),
            ("payer", "企石镇"),
            ("payee", "镇雄县"),
            ("amount", "300000"),
            ("budget_year", "2019"),
            ("sent_on", "2019-11-01"),
            ("voucher_no", "QS-2019-1"),
        ],
    ));
    v.push(rec(
        plan,
        bundled_kind(BuiltinKind::Project),
        &[
            ("name", "镇雄县某村卫生室"),
            ("county", "镇雄县"),
            ("category", "卫生室"),
            ("aid_amount", "800000"),
            ("disbursed", "600000"),
            ("started_on", "2019-04-01"),
        ],
    ));
    // Activities; a note that looks like a formula must stay text everywhere.
    v.push(rec(
        plan,
        bundled_kind(BuiltinKind::Activity),
        &[
            ("kind", "招商推介会"),
            ("title", "昭通市（东莞）招商推介会"),
            ("held_on", "2019-05-18"),
            ("organizers", "市经信局、省第五扶贫协作工作组"),
            ("participants", "200"),
            ("plan_item", "1.2"),
            ("projects_signed", "5"),
            ("amount", "300000000"),
            ("notes", "=HYPERLINK(\"http://example.invalid\",\"x\")"),
        ],
    ));
    v.push(rec(
        plan,
        bundled_kind(BuiltinKind::Activity),
        &[
            ("kind", "镇街领导调研对接"),
            ("title", "清溪、黄江镇领导赴昭调研"),
            ("held_on", "2019-04-01"),
            ("organizers", "清溪镇、黄江镇"),
            ("participants", "12"),
        ],
    ));
    v.push(rec(
        plan,
        bundled_kind(BuiltinKind::Activity),
        &[
            ("kind", "旅游推介"),
            ("title", "昭通旅游推介"),
            ("held_on", "2019-06-10"),
            ("organizers", "市旅游局"),
            ("participants", "150"),
        ],
    ));
    for (i, d) in ["2019-03-10", "2019-06-10", "2019-09-10"]
        .iter()
        .enumerate()
    {
        v.push(rec(
            plan,
            bundled_kind(BuiltinKind::Activity),
            &[
                ("kind", "医疗骨干来莞培训"),
                ("title", &format!("医疗骨干第{}批", i + 1)),
                ("held_on", d),
                ("organizers", "市卫计局"),
                ("participants", "15"),
            ],
        ));
    }
    // Secondments: two teachers from 清溪镇 for a year; a county leader for 镇雄县.
    for (i, name) in ["张老师", "王老师"].iter().enumerate() {
        v.push(rec(
            plan,
            bundled_kind(BuiltinKind::Secondment),
            &[
                ("name", name),
                ("id_number", &id("441900", 10 + i as u16)),
                ("category", "教师"),
                ("direction", "东莞→昭通"),
                ("from_unit", "清溪镇"),
                ("to_unit", "镇雄县"),
                ("start_on", "2019-03-01"),
                ("end_on", "2020-02-29"),
            ],
        ));
    }
    v.push(rec(
        plan,
        bundled_kind(BuiltinKind::Secondment),
        &[
            ("name", "李处长"),
            ("category", "党政干部"),
            ("rank", "处级"),
            ("direction", "东莞→昭通"),
            ("from_unit", "市委组织部"),
            ("to_unit", "镇雄县"),
            ("post", "副县长"),
            ("leadership_team", "是"),
            ("start_on", "2018-06-01"),
            ("end_on", "2020-06-01"),
        ],
    ));
    // People: ten employed (two registered poor), one of them listed twice in the year.
    for n in 0..10u16 {
        let code = if n % 2 == 0 { "530627" } else { "530602" };
        v.push(rec(
            plan,
            bundled_kind(BuiltinKind::Person),
            &[
                ("programme", "劳务就业"),
                ("name", &format!("务工人员{n}")),
                ("id_number", &id(code, 100 + n)),
                ("registered_poor", if n < 2 { "是" } else { "否" }),
                ("organisation", "某电子有限公司"),
                ("work_place", "东莞"),
                ("started_on", "2019-03-15"),
            ],
        ));
    }
    v.push(rec(
        plan,
        bundled_kind(BuiltinKind::Person),
        &[
            ("programme", "劳务就业"),
            ("name", "务工人员0"),
            ("id_number", &id("530627", 100)),
            ("started_on", "2019-08-01"),
        ],
    ));
    // Pairings of 清溪镇: two towns and two deep-poverty villages; an ended one.
    for (k, e, w, deep) in [
        ("镇镇结对", "清溪镇", "某乡", "否"),
        ("镇镇结对", "清溪镇", "另一乡", "否"),
        ("村村结对", "某社区", "某村", "是"),
        ("村村结对", "另一社区", "另一村", "是"),
    ] {
        v.push(rec(
            plan,
            bundled_kind(BuiltinKind::Pairing),
            &[
                ("kind", k),
                ("east_party", e),
                ("east_town", "清溪镇"),
                ("west_party", w),
                ("west_county", "镇雄县"),
                ("deep_poverty", deep),
                ("signed_on", "2019-04-10"),
            ],
        ));
    }
    v.push(rec(
        plan,
        bundled_kind(BuiltinKind::Pairing),
        &[
            ("kind", "企村结对"),
            ("east_party", "某企业"),
            ("east_town", "黄江镇"),
            ("west_party", "某村"),
            ("west_county", "彝良县"),
            ("deep_poverty", "是"),
            ("signed_on", "2018-04-10"),
            ("ended_on", "2019-01-31"),
        ],
    ));
    v.push(rec(
        plan,
        bundled_kind(BuiltinKind::Facility),
        &[
            ("kind", "劳务工作站"),
            ("name", "驻莞劳务工作站"),
            ("county", "东莞市"),
            ("established_on", "2018-10-01"),
        ],
    ));
    v.push(rec(
        plan,
        bundled_kind(BuiltinKind::Facility),
        &[
            ("kind", "易地搬迁安置点"),
            ("name", "镇雄县安置点"),
            ("county", "镇雄县"),
            ("established_on", "2019-05-01"),
        ],
    ));
    v.push(rec(
        plan,
        bundled_kind(BuiltinKind::Purchase),
        &[
            ("buyer", "某食品公司"),
            ("origin_county", "昭阳区"),
            ("product", "苹果"),
            ("amount", "12345.67"),
            ("bought_on", "2019-09-09"),
        ],
    ));
    v.push(rec(
        plan,
        bundled_kind(BuiltinKind::Donation),
        &[
            ("donor", "某企业"),
            ("donor_type", "企业"),
            ("amount", "500000"),
            ("county", "巧家县"),
            ("donated_on", "2019-12-01"),
        ],
    ));
    v
}

/// The fixture store: approved records, one submitted and one draft activity, and
/// evidence on a transfer (two files, one of them unreadable) and a pairing.
pub async fn fixture() -> Fixture {
    let (store, dir) = empty_store().await;
    let plan = Plan::bundled();
    let rows = approved_records(&plan);
    let mut by_kind: BTreeMap<RecordKind, Vec<NewRecord>> = BTreeMap::new();
    for r in rows {
        by_kind.entry(r.valid.kind).or_default().push(r);
    }
    for (kind, rows) in &by_kind {
        let name = format!("fixture-{}", kind.key());
        let sha = hex::encode(Sha256::digest(name.as_bytes()));
        store
            .import_records(
                &ImportFile {
                    kind: *kind,
                    file_name: &name,
                    sha256: &sha,
                },
                rows,
                Status::Approved,
                "test",
                |_| {},
            )
            .await
            .unwrap();
    }
    let submitted = rec(
        &plan,
        bundled_kind(BuiltinKind::Activity),
        &[
            ("kind", "招商推介会"),
            ("title", "待审核的推介会"),
            ("held_on", "2019-07-01"),
            ("organizers", "市经信局"),
        ],
    );
    store
        .create_record(&submitted, Status::Submitted, "test")
        .await
        .unwrap();
    let draft = rec(
        &plan,
        bundled_kind(BuiltinKind::Activity),
        &[
            ("kind", "招商推介会"),
            ("title", "草稿推介会"),
            ("held_on", "2019-07-02"),
            ("organizers", "清溪镇"),
        ],
    );
    store
        .create_record(&draft, Status::Draft, "test")
        .await
        .unwrap();

    let mut files = HashMap::new();
    let transfers = store
        .records_after(
            &duikou_storage::records::RecordQuery {
                kind: Some(bundled_kind(BuiltinKind::Transfer)),
                ..Default::default()
            },
            0,
            100,
        )
        .await
        .unwrap();
    let first = &transfers[0];
    for (name, content, keep) in [
        ("拨付凭证.pdf", b"%PDF-1.4 voucher".to_vec(), true),
        ("到账回单/扫描.jpg", b"\xff\xd8\xff receipt".to_vec(), true),
        ("丢失的文件.pdf", b"gone".to_vec(), false),
    ] {
        let sha = hex::encode(Sha256::digest(&content));
        store
            .add_evidence(
                first.id,
                &sha,
                name,
                "application/octet-stream",
                content.len() as i64,
                "test",
            )
            .await
            .unwrap();
        if keep {
            files.insert(sha, content);
        }
    }
    let pairings = store
        .records_after(
            &duikou_storage::records::RecordQuery {
                kind: Some(bundled_kind(BuiltinKind::Pairing)),
                ..Default::default()
            },
            0,
            100,
        )
        .await
        .unwrap();
    let content = b"agreement".to_vec();
    let sha = hex::encode(Sha256::digest(&content));
    store
        .add_evidence(
            pairings[0].id,
            &sha,
            "结对协议.docx",
            "application/octet-stream",
            content.len() as i64,
            "test",
        )
        .await
        .unwrap();
    files.insert(sha, content);
    Fixture {
        store,
        plan,
        key: key(),
        files,
        _dir: dir,
    }
}

pub fn opts(year: i32) -> AssessOptions {
    AssessOptions {
        year,
        as_of: time::Date::from_calendar_date(year, time::Month::December, 31).unwrap(),
        include_submitted: false,
    }
}

/// The records the engine reads for the plan (approved, plus submitted if asked).
pub async fn engine_records(
    store: &Store,
    plan: &Plan,
    include_submitted: bool,
) -> Vec<duikou_domain::engine::EngineRecord> {
    let mut kinds: Vec<RecordKind> = plan.indicators.iter().map(|i| i.kind).collect();
    kinds.sort();
    kinds.dedup();
    let statuses: &[duikou_domain::record::Status] = if include_submitted {
        &[
            duikou_domain::record::Status::Approved,
            duikou_domain::record::Status::Submitted,
        ]
    } else {
        &[duikou_domain::record::Status::Approved]
    };
    store.records_for_engine(&kinds, statuses).await.unwrap()
}

pub async fn assessment(store: &Store, plan: &Plan, year: i32) -> Assessment {
    let records = engine_records(store, plan, false).await;
    assess(plan, &records, &opts(year))
}

/// The assessment and the records behind each figure, computed in memory (the reports
/// take them from whoever computed them: the application reads stored contributions).
pub async fn assessed(
    store: &Store,
    plan: &Plan,
    opts: &AssessOptions,
) -> (Assessment, duikou_reports::common::FigureRecords) {
    let records = engine_records(store, plan, opts.include_submitted).await;
    let a = assess(plan, &records, opts);
    let behind = a
        .results
        .iter()
        .map(|r| {
            let ids = duikou_domain::engine::explain(plan, &records, opts, &r.indicator, &r.scope)
                .unwrap_or_default();
            ((r.indicator.clone(), r.scope.clone()), ids)
        })
        .collect();
    (a, behind)
}

/// A month's bulletin over the in-memory assessment.
pub async fn bulletin_of(
    store: &Store,
    plan: &Plan,
    month: duikou_reports::bulletin::Month,
) -> duikou_reports::ReportResult<duikou_reports::bulletin::Bulletin> {
    let opts = duikou_reports::bulletin::options(plan, month)?;
    let (a, _) = assessed(store, plan, &opts).await;
    duikou_reports::bulletin::from_store(store, plan, month, &a).await
}

/// The package over the in-memory assessment.
pub async fn package_of<W, R>(
    store: &Store,
    plan: &Plan,
    opts: &AssessOptions,
    made_at: time::OffsetDateTime,
    read_evidence: R,
    out: W,
) -> duikou_reports::ReportResult<duikou_reports::package::PackageSummary>
where
    W: std::io::Write + std::io::Seek,
    R: Fn(&str) -> std::io::Result<Vec<u8>>,
{
    let (assessment, behind) = assessed(store, plan, opts).await;
    duikou_reports::package::build(
        store,
        plan,
        duikou_reports::package::Assessed {
            opts,
            assessment,
            behind: &behind,
        },
        made_at,
        read_evidence,
        out,
    )
    .await
}

// ------------------------------------------------------------------ reading files back

/// A cell as the importer reads it (text; Excel dates as ISO dates; numbers as Excel shows them).
pub fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            let rounded: f64 = format!("{f:.14e}").parse().unwrap();
            if rounded.fract() == 0.0 {
                format!("{}", rounded as i64)
            } else {
                format!("{rounded}")
            }
        }
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => {
            let days = dt.as_f64().floor() as i64;
            duikou_domain::cells::excel_serial_to_date(days, false)
                .map(duikou_domain::record::format_date)
                .unwrap()
        }
        Data::DateTimeIso(s) => s[..10].to_string(),
        other => panic!("unexpected cell {other:?}"),
    }
}

/// The headers and non-blank rows of a sheet, as text.
pub fn sheet_rows(bytes: &[u8], sheet: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let range = wb.worksheet_range(sheet).unwrap();
    let mut rows = range
        .rows()
        .map(|r| r.iter().map(cell_text).collect::<Vec<_>>())
        .filter(|r| r.iter().any(|c| !c.is_empty()));
    let headers = rows.next().unwrap_or_default();
    (headers, rows.collect())
}

/// Parse CSV text (BOM stripped) into headers and rows.
pub fn csv_rows(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let body = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .expect("CSV starts with a BOM");
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body);
    let mut all = r
        .records()
        .map(|x| x.unwrap().iter().map(|c| c.to_string()).collect::<Vec<_>>());
    let headers = all.next().unwrap();
    (headers, all.collect())
}

/// What the importer does with rows of text: map headers, validate every row.
pub fn validate_rows(
    plan: &Plan,
    kind: RecordKind,
    headers: &[String],
    rows: &[Vec<String>],
) -> Result<Vec<ValidRecord>, Vec<String>> {
    // An export's status column is read past, as the importer does.
    let cols: Vec<_> = headers
        .iter()
        .map(|h| {
            (!duikou_reports::export::is_status_header(h)).then(|| {
                kind.field_by_header(h)
                    .unwrap_or_else(|| panic!("unknown header {h}"))
            })
        })
        .collect();
    let ctx = ValidationContext {
        plan,
        default_unit: plan.meta.coordinator.as_deref(),
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let input: BTreeMap<String, FieldInput> = cols
            .iter()
            .zip(row)
            .filter_map(|(col, text)| col.map(|c| (c, text)))
            .map(|((fd, in_wan), text)| {
                (
                    fd.key.to_string(),
                    FieldInput {
                        text: text.clone(),
                        in_wan,
                    },
                )
            })
            .collect();
        match validate(kind, &input, &ctx) {
            Ok(v) => out.push(v),
            Err(e) => errors.push(format!(
                "row {}: {}",
                i + 2,
                e.iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The XML of one part of an .xlsx (a worksheet, styles).
pub fn xlsx_part(bytes: &[u8], part: &str) -> String {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut f = z.by_name(part).unwrap_or_else(|_| panic!("no part {part}"));
    let mut s = String::new();
    std::io::Read::read_to_string(&mut f, &mut s).unwrap();
    s
}

/// Import validated rows into a store (approved), as `duikou import` does.
pub async fn import_valid(
    store: &Store,
    plan: &Plan,
    kind: RecordKind,
    rows: Vec<ValidRecord>,
    tag: &str,
) {
    let recs: Vec<NewRecord> = rows
        .into_iter()
        .map(|v| new_record(v, plan, &key()))
        .collect();
    let sha = hex::encode(Sha256::digest(tag.as_bytes()));
    store
        .import_records(
            &ImportFile {
                kind,
                file_name: tag,
                sha256: &sha,
            },
            &recs,
            Status::Approved,
            "test",
            |_| {},
        )
        .await
        .unwrap();
}

// ------------------------------------------------------------------ checking formulas

/// A cell value as a number or text, as a formula sees it.
#[derive(Debug, Clone, PartialEq)]
enum V {
    N(f64),
    S(String),
    Empty,
}

fn value_of(d: Option<&Data>) -> V {
    match d {
        None | Some(Data::Empty) => V::Empty,
        Some(Data::Float(f)) => V::N(*f),
        Some(Data::Int(i)) => V::N(*i as f64),
        Some(Data::String(s)) if s.is_empty() => V::Empty,
        Some(Data::String(s)) => V::S(s.clone()),
        Some(Data::Bool(b)) => V::N(if *b { 1.0 } else { 0.0 }),
        Some(other) => V::S(format!("{other:?}")),
    }
}

fn parse_cell(s: &str) -> (u32, u32) {
    let s = s.replace('$', "");
    let split = s.find(|c: char| c.is_ascii_digit()).unwrap();
    let (letters, digits) = s.split_at(split);
    let col = letters
        .bytes()
        .fold(0u32, |acc, b| acc * 26 + (b - b'A' + 1) as u32)
        - 1;
    (digits.parse::<u32>().unwrap() - 1, col)
}

struct Book {
    sheets: HashMap<String, calamine::Range<Data>>,
}

impl Book {
    /// The cells a reference names (`'明细'!$K$4:$K$20`, `E5`), on `here` unless a sheet is named.
    fn cells(&self, here: &str, reference: &str) -> Vec<V> {
        let (sheet, r) = match reference.rsplit_once('!') {
            Some((s, r)) => (s.trim_matches('\'').to_string(), r),
            None => (here.to_string(), reference),
        };
        let range = &self.sheets[&sheet];
        let (a, b) = match r.split_once(':') {
            Some((a, b)) => (parse_cell(a), parse_cell(b)),
            None => (parse_cell(r), parse_cell(r)),
        };
        let mut out = Vec::new();
        for row in a.0..=b.0 {
            for col in a.1..=b.1 {
                out.push(value_of(range.get_value((row, col))));
            }
        }
        out
    }
}

fn split_args(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut depth, mut quoted, mut cur) = (0, false, String::new());
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out
}

fn unquote(s: &str) -> String {
    s.trim().trim_matches('"').replace("\"\"", "\"")
}

fn num(v: &V) -> f64 {
    match v {
        V::N(n) => *n,
        _ => 0.0,
    }
}

/// Evaluate the formulas duikou writes: SUM, COUNTIF, COUNTIFS, SUMIF, a/b, IF(x>0,y/x,0).
fn eval(book: &Book, here: &str, f: &str) -> Option<V> {
    let f = f.trim().trim_start_matches('=');
    let call = |name: &str| {
        f.strip_prefix(name)
            .and_then(|r| r.strip_prefix('('))
            .and_then(|r| r.strip_suffix(')'))
            .map(split_args)
    };
    if let Some(a) = call("SUM") {
        return Some(V::N(book.cells(here, &a[0]).iter().map(num).sum()));
    }
    if let Some(a) = call("COUNTIFS") {
        let r1 = book.cells(here, &a[0]);
        let r2 = book.cells(here, &a[2]);
        let (s1, s2) = (V::S(unquote(&a[1])), V::S(unquote(&a[3])));
        return Some(V::N(
            r1.iter()
                .zip(&r2)
                .filter(|(x, y)| **x == s1 && **y == s2)
                .count() as f64,
        ));
    }
    if let Some(a) = call("COUNTIF") {
        let s = V::S(unquote(&a[1]));
        return Some(V::N(
            book.cells(here, &a[0]).iter().filter(|x| **x == s).count() as f64,
        ));
    }
    if let Some(a) = call("SUMIF") {
        let s = V::S(unquote(&a[1]));
        let keys = book.cells(here, &a[0]);
        let vals = book.cells(here, &a[2]);
        return Some(V::N(
            keys.iter()
                .zip(&vals)
                .filter(|(k, _)| **k == s)
                .map(|(_, v)| num(v))
                .sum(),
        ));
    }
    if let Some(a) = call("IF") {
        // IF(D5>0,M5/D5,0)
        let (x, _) = a[0].split_once(">0")?;
        let x = num(&book.cells(here, x)[0]);
        return Some(if x > 0.0 {
            eval(book, here, &a[1])?
        } else {
            V::N(unquote(&a[2]).parse().unwrap_or(0.0))
        });
    }
    if f.starts_with("HYPERLINK(") {
        return None;
    }
    if let Some((x, y)) = f.split_once('/') {
        let (x, y) = (num(&book.cells(here, x)[0]), num(&book.cells(here, y)[0]));
        return Some(V::N(x / y));
    }
    panic!("formula not understood: {f}")
}

/// Recompute every formula of a workbook from the cells it refers to and compare with the
/// value the workbook shows. Returns how many formulas were checked.
pub fn check_formulas(bytes: &[u8]) -> usize {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let names = wb.sheet_names();
    let mut book = Book {
        sheets: HashMap::new(),
    };
    let mut formulas = Vec::new();
    for n in &names {
        let range = wb.worksheet_range(n).unwrap();
        book.sheets.insert(n.clone(), range);
        formulas.push((n.clone(), wb.worksheet_formula(n).unwrap()));
    }
    let mut checked = 0;
    for (sheet, fr) in &formulas {
        let (r0, c0) = fr.start().unwrap_or((0, 0));
        for (i, row) in fr.rows().enumerate() {
            for (j, f) in row.iter().enumerate() {
                if f.is_empty() {
                    continue;
                }
                let at = (r0 + i as u32, c0 + j as u32);
                let Some(want) = eval(&book, sheet, f) else {
                    continue;
                };
                let shown = value_of(book.sheets[sheet].get_value(at));
                match (&want, &shown) {
                    (V::N(w), V::N(s)) => assert!(
                        (w - s).abs() <= 1e-9 * w.abs().max(1.0),
                        "{sheet}!{at:?} ={f}: computed {w}, shown {s}"
                    ),
                    (V::N(w), V::Empty) if *w == 0.0 => {}
                    _ => panic!("{sheet}!{at:?} ={f}: computed {want:?}, shown {shown:?}"),
                }
                checked += 1;
            }
        }
    }
    checked
}
