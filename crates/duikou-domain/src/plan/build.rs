//! Loading a plan file: every check of `docs/plan-format.md` ("What is checked on
//! load"), each problem collected with its line so that the whole file is reported at once.

use std::collections::{BTreeMap, HashMap};

use toml::Spanned;

use super::raw::*;
use super::*;

pub(super) struct Lines<'a> {
    pub(super) text: &'a str,
}

impl Lines<'_> {
    pub(super) fn of(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())]
            .bytes()
            .filter(|b| *b == b'\n')
            .count()
            + 1
    }
    pub(super) fn at<T>(&self, s: &Spanned<T>) -> Option<usize> {
        Some(self.of(s.span().start))
    }
}

pub(super) struct Collector<'a> {
    pub(super) lines: Lines<'a>,
    pub(super) errors: Vec<PlanError>,
}

impl Collector<'_> {
    pub(super) fn push(
        &mut self,
        line: Option<usize>,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) {
        self.errors.push(PlanError {
            line,
            zh: zh.into(),
            en: en.into(),
        });
    }
    pub(super) fn at<T>(&mut self, s: &Spanned<T>, zh: impl Into<String>, en: impl Into<String>) {
        let line = self.lines.at(s);
        self.push(line, zh, en);
    }
}

pub(super) fn build(raw: RawPlan, c: &mut Collector<'_>) -> Plan {
    let meta = raw.plan;
    if meta.first_year > meta.last_year || meta.first_year < 1990 || meta.last_year > 2100 {
        c.push(
            None,
            "计划年度无效（first_year 应不大于 last_year）",
            "invalid plan years (first_year must not exceed last_year)",
        );
    }

    // Units.
    let mut units = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for su in &raw.unit {
        let u = su.get_ref();
        let name = u.name.get_ref().trim().to_string();
        if name.is_empty() {
            c.at(&u.name, "单位名称为空", "empty unit name");
            continue;
        }
        if let Some(prev) = seen.get(&name) {
            c.at(
                &u.name,
                format!("单位名称重复：{name}（第 {prev} 行已定义）"),
                format!("duplicate unit name: {name} (already defined on line {prev})"),
            );
            continue;
        }
        seen.insert(name.clone(), c.lines.at(&u.name).unwrap_or(0));
        if u.town_role.is_some() && !can_pair(u.kind, u.side) {
            c.at(
                &u.name,
                format!("{name} 不是帮扶方的镇街、区或市直部门，不能有 town_role"),
                format!("{name} is not a town, district or department of the assisting side and cannot have a town_role"),
            );
        }
        if u.kind == UnitKind::County && u.side != Side::West {
            c.at(
                &u.name,
                format!("县区 {name} 应在受帮扶方（side = \"west\"）"),
                format!("county {name} must be on the assisted side (side = \"west\")"),
            );
        }
        if let Some(code) = &u.code {
            if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
                c.at(
                    &u.name,
                    format!("{name} 的行政区划代码应为 6 位数字"),
                    format!("the area code of {name} must be 6 digits"),
                );
            }
        }
        units.push(Unit {
            name,
            kind: u.kind,
            side: u.side,
            code: u.code.clone(),
            full_name: u.full_name.clone(),
            town_role: u.town_role,
            aliases: u.aliases.iter().map(|a| a.trim().to_string()).collect(),
        });
    }
    for (i, u) in units.iter().enumerate() {
        for a in &u.aliases {
            let clash = units
                .iter()
                .enumerate()
                .any(|(j, o)| &o.name == a || (i != j && o.aliases.contains(a)));
            if a.is_empty() || clash {
                c.push(
                    None,
                    format!("{} 的别名「{a}」为空或与其他单位重名", u.name),
                    format!("alias \"{a}\" of {} is empty or names another unit", u.name),
                );
            }
        }
    }
    let unit_kind = |name: &str| units.iter().find(|u| u.name == name).map(|u| u.kind);

    // Record kinds.
    let regions = kinds::regions(&meta);
    let kinds = kinds::build_kinds(&regions, &raw.vocabulary, &raw.field, &raw.record_kind, c);
    let kinds = kinds::english_options(kinds, &raw.vocabulary, c);
    // `west_persons`: kinds listing people (an ID-number field) of the assisted side.
    for key in &meta.west_persons {
        match kinds.iter().find(|k| k.key() == key.as_str()) {
            None => c.push(
                None,
                format!("[plan] west_persons 中的记录类型未知：{key}"),
                format!("[plan] west_persons names an unknown record kind: {key}"),
            ),
            Some(k)
                if !k
                    .fields()
                    .iter()
                    .any(|f| f.ty == crate::schema::FieldType::IdNumber) =>
            {
                c.push(
                    None,
                    format!("[plan] west_persons 中的记录类型 {key} 没有身份证号字段"),
                    format!("[plan] west_persons: record kind {key} has no ID-number field"),
                )
            }
            Some(_) => {}
        }
    }

    // Groups.
    let mut groups = Vec::new();
    for sg in &raw.group {
        let g = sg.get_ref();
        let name = g.name.get_ref().trim().to_string();
        if seen.contains_key(&name) || groups.iter().any(|x: &Group| x.name == name) {
            c.at(
                &g.name,
                format!("名称重复：{name}"),
                format!("duplicate name: {name}"),
            );
            continue;
        }
        let mut members: Vec<String> = Vec::new();
        if let Some(kind) = g.all_of_kind {
            members.extend(
                units
                    .iter()
                    .filter(|u| u.kind == kind)
                    .map(|u| u.name.clone()),
            );
        }
        for m in &g.members {
            if unit_kind(m.get_ref()).is_none() {
                c.at(
                    m,
                    format!("未知单位：{}", m.get_ref()),
                    format!("unknown unit: {}", m.get_ref()),
                );
            } else {
                members.push(m.get_ref().clone());
            }
        }
        groups.push(Group { name, members });
    }

    // Pairings.
    let mut pairings = Vec::new();
    let mut paired_towns: HashMap<String, String> = HashMap::new();
    for sp in &raw.pairing {
        let p = sp.get_ref();
        let county = p.county.get_ref().trim().to_string();
        match unit_kind(&county) {
            None => c.at(
                &p.county,
                format!("结对的县区不存在：{county}"),
                format!("pairing to a missing county: {county}"),
            ),
            Some(UnitKind::County) => {}
            Some(_) => c.at(
                &p.county,
                format!("{county} 不是县区"),
                format!("{county} is not a county"),
            ),
        }
        if pairings.iter().any(|x: &CountyPairing| x.county == county) {
            c.at(
                &p.county,
                format!("县区 {county} 重复结对"),
                format!("county {county} is paired twice"),
            );
        }
        let mut check_town = |t: &Spanned<String>, role: TownRole, c: &mut Collector<'_>| {
            let name = t.get_ref().trim().to_string();
            match units.iter().find(|u| u.name == name) {
                None => c.at(
                    t,
                    format!("未知镇街：{name}"),
                    format!("unknown town: {name}"),
                ),
                Some(u) if !can_pair(u.kind, u.side) => c.at(
                    t,
                    format!("{name} 不是帮扶方的镇街、区或市直部门",),
                    format!("{name} is not a town, district or department of the assisting side"),
                ),
                Some(u) if u.town_role.is_some_and(|r| r != role) => c.at(
                    t,
                    format!(
                        "{name} 的角色是{}，此处应为{}",
                        u.town_role.map(TownRole::label_zh).unwrap_or("未定"),
                        role.label_zh()
                    ),
                    format!(
                        "{name} has role {:?}, expected {:?} here",
                        u.town_role, role
                    ),
                ),
                Some(_) => {}
            }
            if let Some(other) = paired_towns.insert(name.clone(), county.clone()) {
                c.at(
                    t,
                    format!("镇街 {name} 已与 {other} 结对"),
                    format!("town {name} is already paired with {other}"),
                );
            }
            name
        };
        let lead = check_town(&p.lead, TownRole::Lead, c);
        let assisting = p
            .assisting
            .iter()
            .map(|a| check_town(a, TownRole::Assisting, c))
            .collect();
        pairings.push(CountyPairing {
            county,
            lead,
            assisting,
        });
    }
    // A member's role comes from its pairing where the unit does not state it.
    for p in &pairings {
        for (member, role) in std::iter::once((&p.lead, TownRole::Lead))
            .chain(p.assisting.iter().map(|a| (a, TownRole::Assisting)))
        {
            if let Some(u) = units.iter_mut().find(|u| &u.name == member) {
                u.town_role.get_or_insert(role);
            }
        }
    }
    for u in &units {
        if u.kind == UnitKind::Town && !paired_towns.contains_key(&u.name) {
            c.push(
                None,
                format!("镇街 {} 没有结对县区", u.name),
                format!("town {} is in no pairing", u.name),
            );
        }
    }

    let unit_kind = |name: &str| units.iter().find(|u| u.name == name).map(|u| u.kind);
    if let Some(coord) = &meta.coordinator {
        if unit_kind(coord).is_none() {
            c.push(
                None,
                format!("[plan] coordinator 不是已定义的单位：{coord}"),
                format!("[plan] coordinator is not a unit of the plan: {coord}"),
            );
        }
    }

    let known_name = |n: &str| unit_kind(n).is_some() || groups.iter().any(|g| g.name == n);

    // Actions.
    let mut actions: Vec<Action> = Vec::new();
    for sa in &raw.action {
        let a = sa.get_ref();
        let no = a.no.get_ref().trim().to_string();
        if actions.iter().any(|x| x.no == no) {
            c.at(
                &a.no,
                format!("行动编号重复：{no}"),
                format!("duplicate action number: {no}"),
            );
        }
        let responsible = check_names(&a.responsible, &known_name, c);
        actions.push(Action {
            no,
            section: a.section.clone(),
            title: a.title.clone(),
            text: a.text.clone(),
            responsible,
        });
    }

    // Items.
    let mut items: Vec<Item> = Vec::new();
    for si in &raw.item {
        let i = si.get_ref();
        let no = i.no.get_ref().trim().to_string();
        if items.iter().any(|x| x.no == no) {
            c.at(
                &i.no,
                format!("工作清单序号重复：{no}"),
                format!("duplicate checklist item: {no}"),
            );
        }
        let action = no.split('.').next().unwrap_or_default().to_string();
        if !actions.iter().any(|a| a.no == action) {
            c.at(
                &i.no,
                format!("序号 {no} 所属的行动 {action} 不存在"),
                format!("item {no} belongs to a missing action {action}"),
            );
        }
        let responsible = check_names(&i.responsible, &known_name, c);
        items.push(Item {
            no,
            action,
            title: i.title.clone(),
            text: i.text.clone(),
            time_limit: i.time_limit.clone(),
            responsible,
        });
    }

    // Indicators.
    let mut indicators: Vec<Indicator> = Vec::new();
    for si in &raw.indicator {
        if let Some(ind) = build_indicator(
            si.get_ref(),
            &meta,
            &kinds,
            &units,
            &groups,
            &pairings,
            &items,
            &actions,
            &indicators,
            c,
        ) {
            indicators.push(ind);
        }
    }
    // Ratio denominators may refer forward; check after all are known.
    for (si, ind) in raw.indicator.iter().zip(indicators.iter()) {
        if let Measure::Ratio { denominator, .. } = &ind.measure {
            if !indicators
                .iter()
                .any(|d| &d.id == denominator && !matches!(d.measure, Measure::Ratio { .. }))
            {
                let line = si
                    .get_ref()
                    .denominator
                    .as_ref()
                    .and_then(|d| c.lines.at(d));
                c.push(
                    line,
                    format!("比率的分母指标不存在：{denominator}"),
                    format!("ratio denominator is not a known indicator: {denominator}"),
                );
            }
        }
    }

    let map = super::map::build_map(raw.map.as_ref(), &units, &pairings, c);

    Plan {
        meta,
        units,
        groups,
        pairings,
        actions,
        items,
        indicators,
        kinds,
        map,
        regions,
        version: 0,
    }
}

/// The units that may lead or assist a pairing: the assisting side's towns, districts
/// and departments.
fn can_pair(kind: UnitKind, side: Side) -> bool {
    side == Side::East
        && matches!(
            kind,
            UnitKind::Town | UnitKind::District | UnitKind::Department
        )
}

fn check_names(
    names: &[Spanned<String>],
    known: &dyn Fn(&str) -> bool,
    c: &mut Collector<'_>,
) -> Vec<String> {
    let mut out = Vec::new();
    for n in names {
        let name = n.get_ref().trim();
        if known(name) {
            out.push(name.to_string());
        } else {
            c.at(
                n,
                format!("未知单位：{name}"),
                format!("unknown unit: {name}"),
            );
        }
    }
    out
}

fn build_indicator(
    r: &RawIndicator,
    meta: &PlanMeta,
    kinds: &[RecordKind],
    units: &[Unit],
    groups: &[Group],
    pairings: &[CountyPairing],
    items: &[Item],
    actions: &[Action],
    earlier: &[Indicator],
    c: &mut Collector<'_>,
) -> Option<Indicator> {
    let before = c.errors.len();
    let id = r.id.get_ref().trim().to_string();
    if id.is_empty() {
        c.at(&r.id, "指标编号为空", "empty indicator id");
    }
    if earlier.iter().any(|i| i.id == id) {
        c.at(
            &r.id,
            format!("指标编号重复：{id}"),
            format!("duplicate indicator id: {id}"),
        );
    }
    let item = r.item.get_ref().trim().to_string();
    if !items.iter().any(|i| i.no == item) && !actions.iter().any(|a| a.no == item) {
        c.at(
            &r.item,
            format!("指标 {id} 的工作清单序号不存在：{item}"),
            format!("indicator {id} refers to a missing checklist item: {item}"),
        );
    }
    let wanted = r.kind.get_ref().trim();
    let kind = match kinds
        .iter()
        .copied()
        .find(|k| k.key() == wanted || k.label_zh() == wanted)
    {
        Some(k) => Some(k),
        None => {
            c.at(
                &r.kind,
                format!("指标 {id} 的记录类型未知：{}", r.kind.get_ref()),
                format!(
                    "indicator {id} targets an unknown record kind: {}",
                    r.kind.get_ref()
                ),
            );
            None
        }
    };

    let mut conditions = Vec::new();
    if let (Some(kind), Some(table)) = (kind, &r.conditions) {
        for (field, value) in table.get_ref() {
            let Some(desc) = kind.field(field) else {
                c.at(
                    table,
                    format!("指标 {id}：{} 没有字段 {field}", kind.label_zh()),
                    format!("indicator {id}: {} has no field {field}", kind.key()),
                );
                continue;
            };
            let values: Vec<&toml::Value> = match value {
                toml::Value::Array(a) => a.iter().collect(),
                v => vec![v],
            };
            let mut any_of = Vec::new();
            for v in values {
                let fv = match v {
                    toml::Value::String(s) if s == "$scope" => FilterValue::ScopeUnit,
                    toml::Value::String(s) if s == "$paired_county" => FilterValue::PairedCounty,
                    toml::Value::String(s) => {
                        let ok = match &desc.ty {
                            FieldType::Enum(options) => {
                                options.iter().any(|o| o.label == s || o.key == s)
                            }
                            FieldType::Unit(_) | FieldType::Units(_) => {
                                units.iter().any(|u| &u.name == s)
                            }
                            FieldType::Text => true,
                            _ => false,
                        };
                        if !ok {
                            c.at(
                                table,
                                format!("指标 {id}：字段 {field} 不可能取值 {s}"),
                                format!("indicator {id}: field {field} cannot take the value {s}"),
                            );
                        }
                        // Enum filters hold the Chinese label whichever form was written.
                        let label = match &desc.ty {
                            FieldType::Enum(options) => options
                                .iter()
                                .find(|o| o.key == s)
                                .map(|o| o.label.to_string())
                                .unwrap_or_else(|| s.clone()),
                            _ => s.clone(),
                        };
                        FilterValue::Text(label)
                    }
                    toml::Value::Boolean(b) if desc.ty == FieldType::Bool => FilterValue::Bool(*b),
                    other => {
                        c.at(
                            table,
                            format!("指标 {id}：字段 {field} 的条件值 {other} 类型不符"),
                            format!(
                                "indicator {id}: condition value {other} does not fit field {field}"
                            ),
                        );
                        continue;
                    }
                };
                any_of.push(fv);
            }
            conditions.push(Condition {
                field: field.clone(),
                any_of,
            });
        }
    }

    if let (Some(kind), Some(_)) = (kind, r.min_months) {
        if !kind.is(BuiltinKind::Secondment) {
            c.at(
                &r.id,
                format!("指标 {id}：min_months 只适用于人员选派"),
                format!("indicator {id}: min_months applies to secondments only"),
            );
        }
    }

    let measure_text = r.measure.get_ref().trim();
    let measure = match measure_text {
        "count" => Some(Measure::Count),
        "distinct_persons" => {
            if kind.is_some_and(|k| !k.is(BuiltinKind::Person)) {
                c.at(
                    &r.measure,
                    format!("指标 {id}：distinct_persons 只适用于人员名单"),
                    format!("indicator {id}: distinct_persons applies to person records only"),
                );
            }
            Some(Measure::DistinctPersons)
        }
        "ratio" => {
            let num = r.numerator.as_ref().map(|n| n.get_ref().trim().to_string());
            let den = r
                .denominator
                .as_ref()
                .map(|n| n.get_ref().trim().to_string());
            match (num, den) {
                (Some(n), Some(d)) => {
                    let field = n.strip_prefix("sum:").unwrap_or(&n).to_string();
                    if let Some(k) = kind {
                        if !k.field(&field).is_some_and(|f| f.ty.is_summable()) {
                            c.at(
                                &r.measure,
                                format!("指标 {id}：分子字段 {field} 不能求和"),
                                format!("indicator {id}: numerator field {field} cannot be summed"),
                            );
                        }
                    }
                    Some(Measure::Ratio {
                        numerator: field,
                        denominator: d,
                    })
                }
                _ => {
                    c.at(
                        &r.measure,
                        format!("指标 {id}：ratio 需要 numerator 和 denominator"),
                        format!("indicator {id}: ratio needs numerator and denominator"),
                    );
                    None
                }
            }
        }
        other => match other.strip_prefix("sum:") {
            Some(field) => {
                if let Some(k) = kind {
                    if !k.field(field).is_some_and(|f| f.ty.is_summable()) {
                        c.at(
                            &r.measure,
                            format!("指标 {id}：字段 {field} 不能求和"),
                            format!("indicator {id}: field {field} cannot be summed"),
                        );
                    }
                }
                Some(Measure::Sum {
                    field: field.to_string(),
                })
            }
            None => {
                c.at(
                    &r.measure,
                    format!("指标 {id}：未知的计算方式 {other}"),
                    format!("indicator {id}: unknown measure {other}"),
                );
                None
            }
        },
    };

    let by = r.by.as_ref().map(|b| b.get_ref().trim().to_string());
    let scope = targets::scope(&r.scope, groups, &id, c);
    match (scope.unwrap_or(Scope::Plan), &by, kind) {
        (Scope::Plan, Some(_), _) => c.at(
            &r.id,
            format!("指标 {id}：全市范围不需要 by"),
            format!("indicator {id}: scope plan takes no `by`"),
        ),
        (Scope::Plan, None, _) => {}
        (_, None, _) => c.at(
            &r.id,
            format!("指标 {id}：分单位的指标需要 by（记录中指明单位的字段）"),
            format!(
                "indicator {id}: a per-unit scope needs `by` (the record field naming the unit)"
            ),
        ),
        (_, Some(field), Some(k)) => {
            if !k.is_party_field(field)
                && !k
                    .field(field)
                    .is_some_and(|f| matches!(f.ty, FieldType::Unit(_) | FieldType::Units(_)))
            {
                let line = r.by.as_ref().and_then(|b| c.lines.at(b));
                c.push(
                    line,
                    format!("指标 {id}：{field} 不是 {} 的单位字段", k.label_zh()),
                    format!("indicator {id}: {field} is not a unit field of {}", k.key()),
                );
            }
        }
        _ => {}
    }
    let needs_town = conditions
        .iter()
        .any(|cd| cd.any_of.contains(&FilterValue::PairedCounty));
    if needs_town
        && !matches!(
            scope,
            Some(Scope::EachLeadTown | Scope::EachAssistingTown | Scope::EachOf(_))
        )
    {
        c.at(
            &r.id,
            format!("指标 {id}：$paired_county 只适用于镇街范围"),
            format!("indicator {id}: $paired_county needs a town scope"),
        );
    }

    // Money targets are written in yuan, ratio targets in percent; both are held in
    // hundredths (fen, hundredths of a percent), as the engine counts them.
    let in_hundredths = r.unit == "元" || matches!(measure, Some(Measure::Ratio { .. }));
    let mut targets = BTreeMap::new();
    let mut growth_percent = None;
    if let Some(t) = &r.target {
        match targets::growth_percent(t.get_ref()) {
            Some(Ok(p)) => growth_percent = Some(p),
            Some(Err(())) => c.at(
                t,
                format!("指标 {id}：growth_percent 应为 1–1000 的整数"),
                format!("indicator {id}: growth_percent must be a whole number 1–1000"),
            ),
            None => targets = targets::parse(t, meta, in_hundredths, &id, c),
        }
    }
    let scope_units: Vec<&str> = match scope {
        Some(sc) => scope_unit_names(sc, units, groups, pairings),
        None => Vec::new(),
    };
    let mut unit_targets = BTreeMap::new();
    if let Some(ut) = &r.unit_targets {
        for (unit, value) in ut.get_ref() {
            if !scope_units.contains(&unit.as_str()) {
                c.at(
                    ut,
                    format!("指标 {id}：unit_targets 中的 {unit} 不在指标范围的单位中"),
                    format!("indicator {id}: {unit} in unit_targets is not a unit of the indicator's scope"),
                );
                continue;
            }
            let spanned = Spanned::new(ut.span(), value.clone());
            unit_targets.insert(
                unit.clone(),
                targets::parse(&spanned, meta, in_hundredths, &id, c),
            );
        }
    }
    if growth_percent.is_some() && matches!(measure, Some(Measure::Ratio { .. })) {
        c.at(
            &r.id,
            format!("指标 {id}：比率指标不能用 growth_percent"),
            format!("indicator {id}: a ratio indicator takes no growth_percent"),
        );
    }

    let (deadline, deadline_by_year) = match &r.deadline {
        None => ((12, 31), BTreeMap::new()),
        Some(d) => targets::deadline(d, meta, &id, c),
    };

    if c.errors.len() > before {
        return None;
    }
    Some(Indicator {
        id,
        item,
        clause: r.clause.clone(),
        name: r.name.clone(),
        kind: kind?,
        conditions,
        min_months: r.min_months,
        measure: measure?,
        period: r.period.unwrap_or(Period::InYear),
        scope: scope?,
        by,
        unit: r.unit.clone(),
        targets,
        unit_targets,
        growth_percent,
        deadline,
        deadline_by_year,
        headline: r.headline,
    })
}

pub(super) fn parse_month_day(s: &str) -> Option<(u8, u8)> {
    let (m, d) = s.trim().split_once('-')?;
    let (m, d): (u8, u8) = (m.parse().ok()?, d.parse().ok()?);
    // Validate against a leap year so 02-29 is accepted as a date that exists some years.
    let month = time::Month::try_from(m).ok()?;
    Date::from_calendar_date(2020, month, d).ok()?;
    Some((m, d))
}
