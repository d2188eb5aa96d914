//! The rules of each record kind: from a quantity's words to the kind's filter and
//! measure — money (元) to a transfer, purchase or donation by its verbs; persons (人, 名)
//! to a secondment (选派, 挂职) or a person list; events (次, 期, 场) to an activity;
//! things (个, 组) to a pairing (结对), a facility (基地, 站, 车间) or a project. The
//! options come from the plan's own vocabulary (`options`).

use duikou_domain::schema::BuiltinKind;

use crate::options::{Ctx, best, bools, options_of, pairing_type};
use crate::rules::{Cond, Env, Phrase, Proposal, ScopeP, TargetP, clause_name, name_or, proposal};

fn key_hint(key: &str) -> String {
    key.replace('_', "-")
}

pub(crate) fn money(env: &Env<'_>, p: &Phrase<'_>, scope: ScopeP) -> Proposal {
    if p.has(&["采购", "消费", "购买", "帮销", "销售", "以购代捐"]) {
        let mut out = proposal(p, "purchase", scope);
        out.measure = "sum:amount".into();
        out.hint = "purchases".into();
        return out;
    }
    if p.has(&["捐"]) {
        let mut out = proposal(p, "donation", scope);
        out.measure = "sum:amount".into();
        out.hint = "donations".into();
        return out;
    }
    let mut out = proposal(p, "transfer", scope);
    out.measure = "sum:amount".into();
    // Its name: the words around the number up to the next one (省、市财政援助资金).
    let named = Phrase {
        object: p.tail.clone(),
        ..p.clone()
    };
    out.name = clause_name(&named);
    // The source of the money: the words before the number in its clause, or the
    // sentence's subject (每年省、市财政援助资金1.8亿元; 省财政1800万).
    let local = format!("{}{}", p.pre, p.tail);
    let both = ["省、市", "省市", "省级和市级", "省、市级"]
        .iter()
        .any(|w| local.contains(w));
    let mut keys: Vec<&str> = Vec::new();
    if both || local.contains("省财政") || local.contains("省级") {
        keys.push("provincial");
    }
    if both || local.contains("市财政") || local.contains("市级") || local.contains("市本级")
    {
        keys.push("city");
    }
    if keys.is_empty() && matches!(scope, ScopeP::Lead | ScopeP::Assisting) {
        keys.push("town");
    }
    if keys.is_empty() && local.contains("社会") {
        keys.push("social");
    }
    let labels: Vec<String> = keys
        .iter()
        .map(|k| env.label(BuiltinKind::Transfer, "source", k))
        .collect();
    match labels.len() {
        0 => {}
        1 => out
            .conds
            .push(("source".into(), Cond::One(labels[0].clone()))),
        _ => out
            .conds
            .push(("source".into(), Cond::Many(labels.clone()))),
    }
    if matches!(scope, ScopeP::Lead | ScopeP::Assisting)
        && p.sentence_has(&["结对县", "帮扶县", "结对贫困县"])
    {
        out.conds
            .push(("payee".into(), Cond::One("$paired_county".into())));
    }
    out.hint = if keys.is_empty() {
        "funds".into()
    } else {
        format!("{}-funds", keys.join("-"))
    };
    if out.name.chars().filter(|c| crate::text::is_cjk(*c)).count() < 4 {
        let from = if labels.is_empty() {
            "财政".to_string()
        } else {
            labels.join("、")
        };
        out.name = format!("{}{from}资金", scope.prefix());
    }
    out
}

pub(crate) fn persons(env: &Env<'_>, p: &Phrase<'_>, scope: ScopeP) -> Proposal {
    let seconded = p.has(&[
        "挂职",
        "选派",
        "派出",
        "挂任",
        "支教",
        "支医",
        "派驻",
        "选调",
        "挂职干部",
    ]);
    if !seconded {
        let k = env.kind(BuiltinKind::Person);
        let mut out = proposal(p, "person", scope);
        out.measure = "distinct_persons".into();
        out.unit = "人".into();
        if let Some((o, s)) =
            best(options_of(k, "programme"), &p.ctx(), scope.level()).filter(|(_, s)| *s >= 0.15)
        {
            out.conds
                .push(("programme".into(), Cond::One(o.label.to_string())));
            out.hint = key_hint(o.key);
            out.name = name_or(p, scope, o.label);
            if s < 0.3 {
                out.doubt = Some((
                    format!("人员类别「{}」为推测", o.label),
                    format!("the programme \"{}\" is a guess", o.label),
                ));
            }
        } else {
            out.doubt = Some((
                "未能判断人员类别，请选择".into(),
                "the person programme could not be told: choose one".into(),
            ));
        }
        for b in bools(k, &p.object) {
            out.conds.push((b, Cond::Bool(true)));
        }
        return out;
    }
    let k = env.kind(BuiltinKind::Secondment);
    let mut out = proposal(p, "secondment", scope);
    match best(options_of(k, "category"), &p.ctx(), scope.level()).filter(|(_, s)| *s >= 0.2) {
        Some((o, _)) => {
            out.conds
                .push(("category".into(), Cond::One(o.label.to_string())));
            out.hint = key_hint(o.key);
        }
        None => {
            out.doubt = Some((
                "未能判断选派人员类别，请选择".into(),
                "the secondment category could not be told: choose one".into(),
            ))
        }
    }
    // Received from the assisted side (接收, 来+east) or sent to it (the default: 选派, 派出).
    let outbound = ["赴", "到", "去"]
        .iter()
        .any(|v| p.clause.contains(&format!("{v}{}", env.west)));
    let inbound = !outbound
        && (p.has(&["接收"])
            || p.clause.contains(&format!("来{}", env.east))
            || p.clause.contains(&format!("到{}", env.east)));
    let dir = env.label(
        BuiltinKind::Secondment,
        "direction",
        if inbound {
            "west_to_east"
        } else {
            "east_to_west"
        },
    );
    out.conds.push(("direction".into(), Cond::One(dir)));
    if let Some(rank) = ["厅级", "处级", "科级"]
        .iter()
        .find(|r| p.clause.contains(*r))
    {
        let c = rank.chars().next().unwrap_or('处');
        out.conds.push((
            "rank".into(),
            Cond::Many(vec![
                rank.to_string(),
                format!("正{c}级"),
                format!("副{c}级"),
            ]),
        ));
    }
    for b in bools(k, &p.object) {
        out.conds.push((b, Cond::Bool(true)));
    }
    if matches!(scope, ScopeP::Lead | ScopeP::Assisting)
        && p.sentence_has(&["结对县", "帮扶县", "结对贫困县"])
    {
        out.conds
            .push(("to_unit".into(), Cond::One("$paired_county".into())));
    }
    if p.has(&["挂任", "都有", "在岗", "任职"]) {
        out.period = Some("in_post");
    }
    // A name of the phrase's own words, unless they run into the next figure's
    // (2名以上教师、2名以上医生): then who is sent.
    if out.name.contains(['、', '，']) || out.name.chars().count() < 3 {
        let verb = if inbound { "接收" } else { "选派" };
        let who = out
            .conds
            .iter()
            .find(|(k, _)| k == "category")
            .and_then(|(_, v)| match v {
                Cond::One(s) => Some(s.clone()),
                _ => None,
            });
        out.name = format!(
            "{}{verb}{}",
            scope.prefix(),
            who.unwrap_or_else(|| "人员".into())
        );
    }
    out
}

pub(crate) fn events(env: &Env<'_>, p: &Phrase<'_>, scope: ScopeP) -> Proposal {
    let k = env.kind(BuiltinKind::Activity);
    let mut out = proposal(p, "activity", scope);
    match best(options_of(k, "kind"), &p.ctx(), scope.level()) {
        Some((o, s)) if s >= 0.3 => {
            out.conds
                .push(("kind".into(), Cond::One(o.label.to_string())));
            out.hint = key_hint(o.key);
            // 镇街领导调研对接 already says whose it is.
            let says_town =
                matches!(scope, ScopeP::Lead | ScopeP::Assisting) && o.label.contains('镇');
            out.name = if says_town {
                o.label.to_string()
            } else {
                format!("{}{}", scope.prefix(), o.label)
            };
        }
        _ => new_option(
            p,
            &mut out,
            "activity.kind",
            &["会", "活动", "班", "培训", "推介", "交流", "招聘", "论坛"],
        ),
    }
    out
}

/// The object phrase as a new option of the kind's vocabulary (帮扶车间), when it reads
/// as a name of the thing; else no filter, to choose.
fn new_option(p: &Phrase<'_>, out: &mut Proposal, field: &str, endings: &[&str]) {
    let name: String = p
        .object
        .trim_start_matches(['的', '个'])
        .chars()
        .take(12)
        .collect();
    if (2..=12).contains(&name.chars().count()) && endings.iter().any(|e| name.ends_with(e)) {
        let key = field.split('.').nth(1).unwrap_or("kind").to_string();
        out.conds.push((key, Cond::One(name.clone())));
        out.vocabulary = Some((field.to_string(), name.clone()));
        out.name = format!("{}{}", out.scope.prefix(), name);
        out.doubt = Some((
            format!("「{name}」不在内置选项中，草案将其加入 [[vocabulary]]（{field}），请确认"),
            format!(
                "\"{name}\" is not a built-in option: the draft adds it to [[vocabulary]] ({field}), to confirm"
            ),
        ));
    } else {
        out.doubt = Some((
            "未能判断记录的类型选项，请选择".into(),
            "the record's type option could not be told: choose one".into(),
        ));
    }
}

const FACILITY_NOUNS: &[&str] = &[
    "基地",
    "站",
    "点",
    "园",
    "车间",
    "中心",
    "工厂",
    "工坊",
    "馆",
    "示范村",
    "平台",
];

/// Verbs that open a noun phrase written before its number (新建帮扶车间10个).
const MAKE_VERBS: &[&str] = &[
    "新建", "建设", "建成", "新增", "培育", "打造", "认定", "建立", "设立", "扶持", "形成",
];

pub(crate) fn things(env: &Env<'_>, p: &Phrase<'_>, scope: ScopeP) -> Option<Proposal> {
    // The thing counted is named after the number (6个搬迁安置示范点) or before it
    // (新建帮扶车间10个).
    if p.object.chars().filter(|c| crate::text::is_cjk(*c)).count() < 2 {
        let mut noun = p.pre.clone();
        for v in MAKE_VERBS {
            if let Some(i) = noun.rfind(v) {
                noun = noun[i + v.len()..].to_string();
            }
        }
        let noun = noun.trim_start_matches("每年").to_string();
        if (2..=12).contains(&noun.chars().count()) {
            let p2 = Phrase {
                object: noun,
                ..p.clone()
            };
            return things_named(env, &p2, scope);
        }
    }
    things_named(env, p, scope)
}

fn things_named(env: &Env<'_>, p: &Phrase<'_>, scope: ScopeP) -> Option<Proposal> {
    if p.sentence_has(&["结对", "帮扶关系", "一对一", "结亲", "帮扶对子"])
        && !FACILITY_NOUNS.iter().any(|n| p.object.ends_with(n))
    {
        let k = env.kind(BuiltinKind::Pairing);
        let mut out = proposal(p, "pairing", scope);
        out.period = Some("cumulative");
        match pairing_type(options_of(k, "kind"), &p.ctx()) {
            Some(o) => {
                out.conds
                    .push(("kind".into(), Cond::One(o.label.to_string())));
                out.hint = key_hint(o.key);
                out.name = format!("{}{}", scope.prefix(), o.label);
            }
            None => {
                out.doubt = Some((
                    "未能判断结对类型，请选择".into(),
                    "the pairing type could not be told: choose one".into(),
                ))
            }
        }
        for b in bools(k, &p.object) {
            out.conds.push((b, Cond::Bool(true)));
            out.name.push_str(&format!("（{}）", p.object));
        }
        return Some(out);
    }
    if FACILITY_NOUNS.iter().any(|n| p.object.contains(n)) {
        return Some(facility(env, p, scope));
    }
    if p.object.contains("项目") {
        let k = env.kind(BuiltinKind::Project);
        let mut out = proposal(p, "project", scope);
        if let Some((o, _)) =
            best(options_of(k, "category"), &p.ctx(), scope.level()).filter(|(_, s)| *s >= 0.5)
        {
            out.conds
                .push(("category".into(), Cond::One(o.label.to_string())));
            out.hint = format!("projects-{}", key_hint(o.key));
        } else {
            out.hint = "projects".into();
        }
        return Some(out);
    }
    None
}

pub(crate) fn facility(env: &Env<'_>, p: &Phrase<'_>, scope: ScopeP) -> Proposal {
    let k = env.kind(BuiltinKind::Facility);
    let mut out = proposal(p, "facility", scope);
    out.period = Some("cumulative");
    let ctx = Ctx {
        object: &p.object,
        pre: "",
        clause: &p.object,
        sentence: &p.clause,
        title: p.title,
    };
    match best(options_of(k, "kind"), &ctx, scope.level()) {
        Some((o, s)) if s >= 0.3 => {
            out.conds
                .push(("kind".into(), Cond::One(o.label.to_string())));
            out.hint = key_hint(o.key);
            out.name = format!("{}{}", scope.prefix(), o.label);
        }
        _ => new_option(p, &mut out, "facility.kind", FACILITY_NOUNS),
    }
    out
}

/// 一批: a figure the plan asks for without a number (每年组织一批义诊): tracked, when the
/// phrase names an option of some kind clearly.
pub(crate) fn batch(env: &Env<'_>, p: &Phrase<'_>, scope: ScopeP) -> Option<Proposal> {
    if !p.sentence.contains("每年") {
        return None;
    }
    let ctx = Ctx {
        object: &p.object,
        pre: "",
        clause: &p.object,
        sentence: "",
        title: "",
    };
    let fields = [
        (BuiltinKind::Activity, "kind"),
        (BuiltinKind::Secondment, "category"),
        (BuiltinKind::Person, "programme"),
        (BuiltinKind::Facility, "kind"),
    ];
    let (b, field, o) = fields
        .iter()
        .filter_map(|(b, f)| {
            best(options_of(env.kind(*b), f), &ctx, scope.level()).map(|(o, s)| (*b, *f, o, s))
        })
        .filter(|(.., s)| *s >= 0.45)
        .max_by(|a, b| a.3.total_cmp(&b.3))
        .map(|(b, f, o, _)| (b, f, o))?;
    let mut out = proposal(p, b.key(), scope);
    out.conds
        .push((field.to_string(), Cond::One(o.label.to_string())));
    out.hint = key_hint(o.key);
    out.name = format!("{}{}", scope.prefix(), o.label);
    match b {
        BuiltinKind::Secondment => {
            let dir = env.label(BuiltinKind::Secondment, "direction", "east_to_west");
            out.conds.push(("direction".into(), Cond::One(dir)));
            out.unit = "人".into();
        }
        BuiltinKind::Person => {
            out.measure = "distinct_persons".into();
            out.unit = "人".into();
        }
        BuiltinKind::Facility => {
            out.period = Some("cumulative");
            out.unit = "个".into();
        }
        _ => out.unit = "次".into(),
    }
    Some(out)
}

/// A participant count right after an activity count (每年接收3批次45人): the people of
/// those activities.
pub(crate) fn participants(activity: &Proposal, p: &Phrase<'_>) -> Proposal {
    let mut out = activity.clone();
    out.measure = "sum:participants".into();
    out.unit = "人".into();
    out.target = TargetP::Every(p.q.min, p.q.max);
    out.hint = format!("{}-participants", activity.hint);
    out.name = format!("{}人数", activity.name);
    out.start = p.q.start;
    out.end = p.q.end;
    out.year = p.q.year;
    out
}
