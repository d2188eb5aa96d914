//! A document of another pair and period, with words the seed does not use (帮扶车间,
//! 稳岗就业, 消费帮扶), written as a .docx here: it drafts without a code change.

use std::collections::BTreeSet;
use std::io::Cursor;

use docx_rs::{Docx, Paragraph, Run, Table, TableCell, TableRow, VMergeType};
use duikou_domain::plan::{Plan, Scope, UnitKind};

const BODY: &[&str] = &[
    "佛山市东西部协作工作领导小组文件",
    "佛协组〔2021〕3号",
    "关于印发《佛山·凉山东西部协作实施方案（2021—2025年）》的通知",
    "各区人民政府，市直各有关单位：",
    "《佛山·凉山东西部协作实施方案（2021—2025年）》已经市委、市政府同意，现印发给你们，请认真贯彻执行。",
    "佛山市东西部协作工作领导小组",
    "2021年4月12日",
    "佛山·凉山东西部协作实施方案",
    "（2021—2025年）",
    "为巩固拓展脱贫攻坚成果同乡村振兴有效衔接，推动我市与凉山州东西部协作工作走深走实，制定本方案。",
    "一、总体目标",
    "（一）工作目标。到2025年，凉山州脱贫攻坚成果巩固拓展，乡村振兴取得明显进展。",
    "二、重点任务",
    "（一）结对帮扶行动",
    "1、我市4个区镇与凉山州4个县结对帮扶，结对关系如下：顺德区对口帮扶美姑县、狮山镇对口帮扶布拖县、乐从镇对口帮扶金阳县、大良街道对口帮扶昭觉县。每个结对镇街每年安排财政帮扶资金不少于200万元。",
    "2、新增5个镇街协助结对帮扶，其中西樵、丹灶协助狮山镇帮扶布拖县；龙江、杏坛协助乐从镇帮扶金阳县；容桂协助大良帮扶昭觉县。每个协助镇街每年安排财政帮扶资金不少于50万元。",
    "（责任单位：市协作办，各结对镇街，各协助镇街）",
    "（二）产业协作行动",
    "引导佛山企业到凉山投资兴业，建设一批帮扶车间。每年举办招商推介会2场以上，到2025年累计引导落地企业50家以上。",
    "（责任单位：市商务局、市农业农村局，各结对镇街）",
    "（三）就业帮扶行动",
    "每年帮助凉山州脱贫劳动力到佛山稳岗就业3000人以上，开展就业技能培训10期以上。",
    "（责任单位：市人力资源社会保障局）",
    "（四）消费帮扶行动",
    "每年采购、帮销凉山州农特产品金额不少于2亿元。",
    "（责任单位：市农业农村局、市商务局、市国资委）",
    "（五）人才交流行动",
    "每个结对镇街每年选派3名以上专业技术人才到结对县挂职，挂职时间不少于6个月。",
    "（责任单位：市委组织部、市教育局、市卫生健康局，各结对镇街）",
    "三、保障措施",
    "加强组织领导，市党政主要负责同志每年赴凉山州调研对接1次以上。",
    "（责任单位：市协作办）",
    "附件：佛山·凉山东西部协作工作清单",
];

/// (序号, 重点工作, 具体事项, 完成时限, 责任单位); an action row has only the first two.
const ROWS: &[[&str; 5]] = &[
    ["1", "结对帮扶行动", "", "", ""],
    [
        "1.1",
        "财政帮扶资金",
        "每年安排省、市财政帮扶资金3.2亿元，县均8000万元，每年第一季度前拨付到位。",
        "每年3月底前",
        "市财政局、市协作办",
    ],
    [
        "1.2",
        "镇街结对",
        "每个结对镇街每年安排财政帮扶资金不少于200万元；每个协助镇街每年安排财政帮扶资金不少于50万元。",
        "2021-2025年",
        "各结对镇街、各协助镇街",
    ],
    // Its responsible cell is merged with the one above (vMerge).
    [
        "1.3",
        "村村结对",
        "每个结对镇街结对3个以上脱贫村，每个协助镇街结对1个以上脱贫村。",
        "2021-2025年",
        "^",
    ],
    ["2", "产业协作行动", "", "", ""],
    [
        "2.1",
        "帮扶车间",
        "2021年新建帮扶车间10个，2022年新建帮扶车间15个，吸纳脱贫人口稳岗就业2000人以上。",
        "2021-2025年",
        "市农业农村局、各结对镇街",
    ],
    [
        "2.2",
        "招商引资",
        "每年举办招商推介会2场以上，引导企业到凉山投资。",
        "2021-2025年",
        "市商务局",
    ],
    ["3", "就业帮扶行动", "", "", ""],
    [
        "3.1",
        "稳岗就业",
        "每年帮助凉山州脱贫劳动力到佛山稳岗就业3000人以上；开展就业技能培训10期以上，培训1000人以上。",
        "2021-2025年",
        "市人力资源社会保障局",
    ],
    // A row a page break cut in two.
    [
        "3.2",
        "劳务协作站",
        "在凉山州设立劳务协作站，为脱贫劳动力",
        "2021-2025年",
        "市人力资源社会保障局",
    ],
    [
        "3.2",
        "劳务协作站",
        "提供就业服务。",
        "2021-2025年",
        "市人力资源社会保障局",
    ],
    ["4", "消费帮扶行动", "", "", ""],
    [
        "4.1",
        "消费帮扶",
        "每年采购、帮销凉山州农特产品金额不少于2亿元。",
        "每年11月底前",
        "市农业农村局、市商务局、市国资委",
    ],
    ["5", "人才交流行动", "", "", ""],
    [
        "5.1",
        "专业技术人才",
        "每个结对镇街每年选派3名以上专业技术人才到结对县挂职，挂职时间不少于6个月。",
        "2021-2025年",
        "市委组织部、各结对镇街",
    ],
    [
        "5.2",
        "教育医疗帮扶",
        "每年选派教师20名、医生15名赴凉山州支教支医。",
        "2021-2025年",
        "市教育局、市卫生健康局",
    ],
    ["6", "保障措施", "", "", ""],
    [
        "6.1",
        "调研对接",
        "市党政主要负责同志每年赴凉山州调研对接1次以上，每年召开党政联席会议1次。",
        "每年10月前",
        "市协作办",
    ],
];

fn cell(text: &str) -> TableCell {
    TableCell::new().add_paragraph(Paragraph::new().add_run(Run::new().add_text(text)))
}

fn docx() -> Vec<u8> {
    let mut doc = Docx::new();
    for line in BODY {
        doc = doc.add_paragraph(Paragraph::new().add_run(Run::new().add_text(*line)));
    }
    let mut rows = vec![TableRow::new(
        ["序号", "重点工作", "具体事项", "完成时限", "责任单位"]
            .map(cell)
            .to_vec(),
    )];
    for (i, r) in ROWS.iter().enumerate() {
        let cells = if r[2].is_empty() {
            // An action row: its title spans the other columns.
            vec![cell(r[0]), cell(r[1]).grid_span(4)]
        } else {
            let next_merges = ROWS.get(i + 1).is_some_and(|n| n[4] == "^");
            let resp = match r[4] {
                "^" => TableCell::new().vertical_merge(VMergeType::Continue),
                t if next_merges => cell(t).vertical_merge(VMergeType::Restart),
                t => cell(t),
            };
            vec![cell(r[0]), cell(r[1]), cell(r[2]), cell(r[3]), resp]
        };
        rows.push(TableRow::new(cells));
    }
    doc = doc.add_table(Table::new(rows));
    let mut out = Cursor::new(Vec::new());
    doc.build().pack(&mut out).expect("the test document packs");
    out.into_inner()
}

fn drafted() -> (duikou_draft::Draft, Plan) {
    let text = duikou_draft::read_document(&docx(), "佛山凉山方案.docx").expect("the docx reads");
    let d = duikou_draft::draft(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let plan = Plan::from_toml(&d.toml, "draft").unwrap_or_else(|e| panic!("{e}\n{}", d.toml));
    (d, plan)
}

fn stem(s: &str) -> &str {
    s.strip_suffix("街道")
        .or_else(|| s.strip_suffix('镇'))
        .unwrap_or(s)
}

#[test]
fn docx_reads_as_lines_and_tab_rows() {
    let text = duikou_draft::read_document(&docx(), "a.docx").unwrap();
    assert!(text.lines().any(|l| l == "佛协组〔2021〕3号"));
    assert!(
        text.lines()
            .any(|l| l == "序号\t重点工作\t具体事项\t完成时限\t责任单位")
    );
    // A merged cell repeats the value above it; a spanning cell keeps the columns.
    assert!(
        text.lines()
            .any(|l| l.starts_with("1.3\t") && l.ends_with("\t各结对镇街、各协助镇街")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.split('\t').count() == 5 && l.starts_with("2\t产业协作行动"))
    );
}

#[test]
fn identity_and_checklist() {
    let (_, plan) = drafted();
    let m = &plan.meta;
    assert_eq!(m.title, "佛山·凉山东西部协作实施方案（2021-2025年）");
    assert_eq!(m.issuer, "佛山市东西部协作工作领导小组");
    assert_eq!(m.document_no, "佛协组〔2021〕3号");
    assert_eq!(
        m.issued_on.map(|d| d.to_string()).as_deref(),
        Some("2021-04-12")
    );
    assert_eq!((m.first_year, m.last_year), (2021, 2025));
    assert_eq!((m.east.as_str(), m.west.as_str()), ("佛山市", "凉山州"));
    assert_eq!(m.coordinator.as_deref(), Some("市协作办"));

    let nos: Vec<&str> = plan.items.iter().map(|i| i.no.as_str()).collect();
    assert_eq!(
        nos,
        [
            "1.1", "1.2", "1.3", "2.1", "2.2", "3.1", "3.2", "4.1", "5.1", "5.2", "6.1"
        ]
    );
    assert_eq!(
        plan.item("3.2").unwrap().text,
        "在凉山州设立劳务协作站，为脱贫劳动力提供就业服务。"
    );
    assert_eq!(plan.item("4.1").unwrap().time_limit, "每年11月底前");
    let resp = |no: &str| {
        plan.item(no)
            .unwrap()
            .responsible
            .iter()
            .cloned()
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(
        resp("1.3"),
        ["各结对镇街", "各协助镇街"].map(String::from).into()
    );
    assert_eq!(
        resp("4.1"),
        ["市农业农村局", "市商务局", "市国资委"]
            .map(String::from)
            .into()
    );
    assert_eq!(
        plan.actions
            .iter()
            .map(|a| a.section.as_str())
            .collect::<Vec<_>>(),
        ["二(一)", "二(二)", "二(三)", "二(四)", "二(五)", "三"]
    );
    assert_eq!(
        plan.action("1").unwrap().responsible,
        ["市协作办", "各结对镇街", "各协助镇街"]
    );
}

#[test]
fn pairings_with_a_district_and_short_names() {
    let (d, plan) = drafted();
    assert_eq!(plan.pairings.len(), 4);
    let p = |county: &str| {
        plan.pairing_of_county(county)
            .unwrap_or_else(|| panic!("no pairing for {county}"))
    };
    assert_eq!(p("美姑县").lead, "顺德区");
    assert_eq!(plan.unit("顺德区").unwrap().kind, UnitKind::District);
    assert_eq!(p("布拖县").assisting, ["西樵镇", "丹灶镇"]);
    assert_eq!(p("金阳县").assisting, ["龙江镇", "杏坛镇"]);
    assert_eq!(p("昭觉县").lead, "大良街道");
    assert_eq!(
        p("昭觉县")
            .assisting
            .iter()
            .map(|a| stem(a))
            .collect::<Vec<_>>(),
        ["容桂"]
    );
    // The groups name the towns of each role.
    let g = |name: &str| {
        plan.groups
            .iter()
            .find(|g| g.name == name)
            .unwrap()
            .members
            .clone()
    };
    assert_eq!(g("各结对镇街"), ["顺德区", "狮山镇", "乐从镇", "大良街道"]);
    assert_eq!(g("各协助镇街").len(), 5);
    // 容桂's suffix is a guess: said in the report.
    assert!(d.report.iter().any(|r| !r.found && r.zh.contains("容桂")));
}

#[test]
fn targets_of_the_new_vocabulary() {
    let (d, plan) = drafted();
    let on = |item: &'static str| plan.indicators.iter().filter(move |i| i.item == item);
    let yuan = |v: i64| v * 100;
    // Money: 3.2亿元 for the plan, 8000万元 per county, by the first quarter (the plan came
    // out in April: its first year runs to the year end).
    let fiscal = on("1.1").find(|i| i.scope == Scope::Plan).unwrap();
    assert_eq!(
        fiscal.targets.get(&2022).map(|t| t.min),
        Some(yuan(320_000_000))
    );
    assert_eq!(
        (fiscal.deadline_of(2021), fiscal.deadline_of(2022)),
        ((12, 31), (3, 31))
    );
    let county = on("1.1").find(|i| i.scope == Scope::EachCounty).unwrap();
    assert_eq!(
        county.targets.get(&2023).map(|t| t.min),
        Some(yuan(80_000_000))
    );
    // Per town of each role.
    let lead = on("1.2").find(|i| i.scope == Scope::EachLeadTown).unwrap();
    assert_eq!(
        (
            lead.kind.key(),
            lead.by.as_deref(),
            lead.targets.get(&2021).map(|t| t.min)
        ),
        ("transfer", Some("payer"), Some(yuan(2_000_000)))
    );
    let assist = on("1.2")
        .find(|i| i.scope == Scope::EachAssistingTown)
        .unwrap();
    assert_eq!(
        assist.targets.get(&2021).map(|t| t.min),
        Some(yuan(500_000))
    );
    let villages = on("1.3").find(|i| i.scope == Scope::EachLeadTown).unwrap();
    assert_eq!(
        (
            villages.kind.key(),
            villages.targets.get(&2021).map(|t| t.min)
        ),
        ("pairing", Some(3))
    );
    // 帮扶车间 is not a built-in facility type: added to the vocabulary, targets per year.
    assert!(
        d.toml
            .contains("[[vocabulary]]\nfield = \"facility.kind\"\nadd = [\"帮扶车间\"]"),
        "{}",
        d.toml
    );
    let workshops = on("2.1").find(|i| i.kind.key() == "facility").unwrap();
    assert_eq!(workshops.targets.get(&2021).map(|t| t.min), Some(10));
    assert_eq!(workshops.targets.get(&2022).map(|t| t.min), Some(15));
    assert_eq!(workshops.targets.get(&2023), None);
    // 稳岗就业 is employment; 就业技能培训 sessions and trainees.
    let jobs = on("3.1")
        .find(|i| i.kind.key() == "person" && i.targets.values().any(|t| t.min == 3000))
        .unwrap();
    assert!(format!("{:?}", jobs.conditions).contains("劳务就业"));
    assert!(
        on("3.1").any(|i| i.kind.key() == "activity" && i.targets.values().any(|t| t.min == 10))
    );
    // 消费帮扶: purchases, money, by the end of November.
    let purchases = on("4.1").find(|i| i.kind.key() == "purchase").unwrap();
    assert_eq!(
        purchases.targets.get(&2024).map(|t| t.min),
        Some(yuan(200_000_000))
    );
    assert_eq!(purchases.deadline_of(2024), (11, 30));
    // Secondments: six months, to the paired county; teachers and doctors sent west.
    let talents = on("5.1").find(|i| i.kind.key() == "secondment").unwrap();
    assert_eq!(
        (talents.min_months, talents.scope),
        (Some(6), Scope::EachLeadTown)
    );
    let sent: Vec<String> = on("5.2").map(|i| format!("{:?}", i.conditions)).collect();
    assert!(
        sent.iter()
            .any(|c| c.contains("教师") && c.contains("佛山→凉山")),
        "{sent:?}"
    );
    assert!(sent.iter().any(|c| c.contains("医生")), "{sent:?}");
    // 每年10月前: before October.
    assert!(on("6.1").all(|i| i.deadline_of(2022) == (9, 30)));
    assert_eq!(on("6.1").count(), 2);
    // The body repeats the checklist's targets: not proposed twice.
    let twice = plan
        .indicators
        .iter()
        .filter(|i| i.kind.key() == "purchase")
        .count();
    assert_eq!(twice, 1);
    // Every proposal pending, with its sentence.
    let pending = d
        .notes
        .iter()
        .filter(|n| n.table == "indicator" && n.pending && !n.source.is_empty())
        .count();
    assert_eq!(pending, plan.indicators.len());
}
