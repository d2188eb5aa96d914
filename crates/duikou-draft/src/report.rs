//! The drafting report: what was found, in counts, and the decisions every draft leaves
//! to a person (the plan id, area codes, guessed names, proposed kinds and options).

use duikou_domain::plan::UnitKind;

use crate::ReportLine;
use crate::checklist;
use crate::outline;
use crate::rules::TargetP;
use crate::toml_out::PlanDraft;

/// What was found, in counts, and the decisions every draft leaves.
pub(crate) fn summary(
    d: &PlanDraft,
    list: &checklist::Checklist,
    ident: &outline::Identity,
    abbr: Option<&str>,
    coordinator: Option<&str>,
) -> Vec<ReportLine> {
    let mut r = Vec::new();
    let m = &d.meta;
    r.push(ReportLine::found(
        format!("标题：{}", m.title),
        format!("title: {}", m.title),
    ));
    match &ident.document_no {
        Some(no) => r.push(ReportLine::found(
            format!("文号：{no}"),
            format!("document number: {no}"),
        )),
        None => r.push(ReportLine::decide(
            "未找到文号（如 〔2018〕5号），请填写 document_no",
            "no document number found: fill in document_no",
        )),
    }
    match (&ident.issuer, ident.issued_on) {
        (Some(i), Some((y, mo, da))) => r.push(ReportLine::found(
            format!("发文单位：{i}，{y}年{mo}月{da}日印发"),
            format!("issued by {i} on {y:04}-{mo:02}-{da:02}"),
        )),
        _ => r.push(ReportLine::decide(
            "发文单位或印发日期未找到，请填写 issuer / issued_on",
            "issuer or issue date not found: fill in issuer / issued_on",
        )),
    }
    r.push(ReportLine::found(
        format!(
            "计划年度 {}–{}；东部 {}，西部 {}",
            m.first_year, m.last_year, m.east, m.west
        ),
        format!(
            "plan years {}–{}; east {}, west {}",
            m.first_year, m.last_year, m.east, m.west
        ),
    ));
    let split: Vec<&str> = list
        .items
        .iter()
        .filter(|i| i.parts > 1)
        .map(|i| i.no.as_str())
        .collect();
    let split_zh = if split.is_empty() {
        String::new()
    } else {
        format!("（{} 跨页拆分，已合并）", split.join("、"))
    };
    let split_en = if split.is_empty() {
        String::new()
    } else {
        format!(" ({} split by a page break, merged)", split.join(", "))
    };
    r.push(ReportLine::found(
        format!(
            "工作清单：{} 项行动，{} 个事项{split_zh}",
            d.actions.len(),
            d.items.len()
        ),
        format!(
            "work checklist: {} actions, {} items{split_en}",
            d.actions.len(),
            d.items.len()
        ),
    ));
    let count = |k: UnitKind| d.units.iter().filter(|u| u.kind == k).count();
    r.push(ReportLine::found(
        format!(
            "单位 {} 个：市直单位 {}，镇街 {}，区 {}，县区 {}，工作组 {}；单位组 {} 个",
            d.units.len(),
            count(UnitKind::Department),
            count(UnitKind::Town),
            count(UnitKind::District),
            count(UnitKind::County),
            count(UnitKind::WorkingGroup),
            d.groups.len()
        ),
        format!(
            "{} units: {} departments, {} towns, {} districts, {} counties, {} working groups; {} groups",
            d.units.len(),
            count(UnitKind::Department),
            count(UnitKind::Town),
            count(UnitKind::District),
            count(UnitKind::County),
            count(UnitKind::WorkingGroup),
            d.groups.len()
        ),
    ));
    let assisting: usize = d.pairings.iter().map(|p| p.assisting.len()).sum();
    if d.pairings.is_empty() {
        r.push(ReportLine::decide(
            "文中未找到结对关系（甲镇对口帮扶乙县），请补充 [[pairing]]",
            "no pairing statement found (X镇对口帮扶Y县): add the [[pairing]] tables",
        ));
    } else {
        r.push(ReportLine::found(
            format!(
                "结对 {} 组：{} 个结对镇街，{} 个协助镇街",
                d.pairings.len(),
                d.pairings.len(),
                assisting
            ),
            format!(
                "{} pairings: {} lead towns, {} assisting towns",
                d.pairings.len(),
                d.pairings.len(),
                assisting
            ),
        ));
    }
    let targeted = d
        .indicators
        .iter()
        .filter(|p| p.target != TargetP::None)
        .count();
    r.push(ReportLine::found(
        format!(
            "指标建议 {} 个（有目标 {}，仅跟踪 {}），均待确认",
            d.indicators.len(),
            targeted,
            d.indicators.len() - targeted
        ),
        format!(
            "{} proposed indicators ({} with a target, {} tracked), all pending",
            d.indicators.len(),
            targeted,
            d.indicators.len() - targeted
        ),
    ));
    r.push(ReportLine::decide(
        format!(
            "计划标识 id 暂定为 {}，请改为稳定的英文名称（如 东部-西部-年度）",
            m.id
        ),
        format!(
            "the plan id is {} for now: give it a stable ASCII name (east-west-years)",
            m.id
        ),
    ));
    if d.units.iter().any(|u| u.kind == UnitKind::County) {
        r.push(ReportLine::decide(
            "县区的行政区划代码（code）文中未写明，请补充；未结对的县区（户籍地）也可加为单位",
            "the counties' area codes are not in the document: add them; unpaired counties (places of 户籍) may be added as units",
        ));
    }
    match coordinator {
        Some(c) => r.push(ReportLine::decide(
            format!("协调单位（coordinator）推定为 {c}，请确认"),
            format!("the coordinating office is taken to be {c}, to confirm"),
        )),
        None => r.push(ReportLine::decide(
            "未能推定协调单位（coordinator），可按需填写",
            "no coordinating office could be told: fill in coordinator if needed",
        )),
    }
    if let Some(a) = abbr {
        r.push(ReportLine::decide(
            format!("东部简称 east_abbr 推定为「{a}」（文中“来{a}”），请确认"),
            format!("east_abbr is taken to be \"{a}\" (the text's 来{a}), to confirm"),
        ));
    }
    if let Some(a) = &d.agreement {
        r.push(ReportLine::decide(
            format!("文中要求每年制定的计划或协议没有内置记录类型：草案增加了 [[record_kind]] agreement（类型：{}），请确认", a.types.join("、")),
            format!("the plans or agreements the document asks for every year have no built-in kind: the draft adds [[record_kind]] agreement (types: {}), to confirm", a.types.join(", ")),
        ));
    }
    for (field, labels, _) in &d.vocabulary {
        r.push(ReportLine::decide(
            format!(
                "{field} 增加选项：{}（[[vocabulary]]），请确认",
                labels.join("、")
            ),
            format!(
                "{field} gets the options {} ([[vocabulary]]), to confirm",
                labels.join(", ")
            ),
        ));
    }
    r
}
