//! Reminders (催办): what is due for whom, from the records, the plan and today. Pure:
//! the application reads the facts ([`Facts`]) and hands them in with today's date; this
//! module decides which notices each unit and each coordinator gets, what a unit still
//! owes (尚欠事项, for 催报), and when a checklist item's time limit falls.
//!
//! Who gets what (docs/domain.md, "Reminders"):
//! - a unit (its reporters or its county's receivers): its records rejected, with the
//!   reason; transfers paid to it waiting for its receipt confirmation; its records
//!   disputed by another unit; its indicators and checklist items due within
//!   [`HORIZON_DAYS`] or overdue this year; the 催报 sent to it;
//! - coordinators: records waiting for review, open disputes, transfers waiting for
//!   receipt, and the plan-wide deadlines and overdue figures.
//!
//! A unit with nothing due gets nothing: every list may be empty.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use time::{Date, Duration, Month};

use crate::engine::{IndicatorResult, IndicatorStatus};
use crate::message::Message;
use crate::plan::Plan;
use crate::record::{format_date, parse_iso_date};
use crate::roles::Role;
use crate::schema::RecordKind;

/// How far ahead a deadline is announced.
pub const HORIZON_DAYS: i64 = 60;

/// What a notice is about, in the order the notices page lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A 催报 from the coordinators.
    Chase,
    Rejected,
    AwaitingReceipt,
    Dispute,
    AwaitingReview,
    Overdue,
    Deadline,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 7] = [
        NoticeKind::Chase,
        NoticeKind::Rejected,
        NoticeKind::AwaitingReceipt,
        NoticeKind::Dispute,
        NoticeKind::AwaitingReview,
        NoticeKind::Overdue,
        NoticeKind::Deadline,
    ];

    pub fn key(self) -> &'static str {
        match self {
            NoticeKind::Chase => "chase",
            NoticeKind::Rejected => "rejected",
            NoticeKind::AwaitingReceipt => "awaiting_receipt",
            NoticeKind::Dispute => "dispute",
            NoticeKind::AwaitingReview => "awaiting_review",
            NoticeKind::Overdue => "overdue",
            NoticeKind::Deadline => "deadline",
        }
    }

    pub fn label(self) -> Message {
        match self {
            NoticeKind::Chase => Message::new("催报", "Reminders from the coordinators"),
            NoticeKind::Rejected => Message::new("被退回的记录", "Records returned"),
            NoticeKind::AwaitingReceipt => {
                Message::new("待确认到账", "Transfers waiting for receipt")
            }
            NoticeKind::Dispute => Message::new("退回复核", "Disputed records"),
            NoticeKind::AwaitingReview => Message::new("待审核", "Waiting for review"),
            NoticeKind::Overdue => Message::new("已逾期", "Overdue"),
            NoticeKind::Deadline => Message::new(
                format!("{HORIZON_DAYS} 天内到期"),
                format!("Due within {HORIZON_DAYS} days"),
            ),
        }
    }
}

/// One notice: what, in both languages, where to act, and by when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub kind: NoticeKind,
    pub zh: String,
    pub en: String,
    /// A page of this application (a path) where the person acts on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    /// The day it falls due (deadlines and overdue items).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "opt_date")]
    pub due: Option<Date>,
}

fn opt_date<S: serde::Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&format_date(*d)),
        None => s.serialize_none(),
    }
}

impl Notice {
    fn new(kind: NoticeKind, text: Message) -> Notice {
        Notice {
            kind,
            zh: text.zh,
            en: text.en,
            href: None,
            due: None,
        }
    }
    fn href(mut self, href: impl Into<String>) -> Notice {
        self.href = Some(href.into());
        self
    }
    fn due(mut self, d: Date) -> Notice {
        self.due = Some(d);
        self
    }
    pub fn text(&self, english: bool) -> &str {
        if english { &self.en } else { &self.zh }
    }
}

/// A record a notice names (rejected, disputed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRef {
    pub id: i64,
    pub kind: RecordKind,
    pub reporting_unit: String,
    /// A few words naming the record (its title, name or voucher number), may be empty.
    pub title: String,
    /// Why it was rejected or disputed.
    pub reason: Option<String>,
    /// For a dispute: the unit (else the user) that disputed it.
    pub by: Option<String>,
}

/// A transfer waiting for its payee's receipt confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferRef {
    pub id: i64,
    pub kind: RecordKind,
    pub payer: String,
    pub payee: String,
    /// Fen.
    pub amount: Option<i64>,
    pub sent_on: Option<Date>,
}

/// A 催报 stored for a unit: when, by whom, what it said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChaseRef {
    pub unit: String,
    /// RFC 3339 time it was sent.
    pub at: String,
    pub by: String,
    pub lines: Vec<Message>,
}

/// Everything the reminders are computed from, read by the application.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    pub plan: &'a Plan,
    pub today: Date,
    /// The assessment of today's year as of today (approved records). Empty when today
    /// is outside the plan's years: then no deadline is announced.
    pub results: &'a [IndicatorResult],
    pub rejected: Vec<RecordRef>,
    /// Submitted records per kind (what the review queue holds).
    pub waiting_review: Vec<(RecordKind, u64)>,
    pub awaiting_receipt: Vec<TransferRef>,
    /// Records sent back to review by a unit they name, not reviewed since.
    pub disputes: Vec<RecordRef>,
    /// (unit, checklist item number): the unit has a record this year for the item
    /// (an activity's 对应工作清单, a progress report 工作进展…), submitted or approved.
    pub reported_items: BTreeSet<(String, String)>,
    pub chases: Vec<ChaseRef>,
}

/// Something a unit still owes (尚欠事项), as a 催报 lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Owed {
    pub zh: String,
    pub en: String,
}

impl Owed {
    fn from(m: Message) -> Owed {
        Owed { zh: m.zh, en: m.en }
    }
    pub fn message(&self) -> Message {
        Message::new(self.zh.clone(), self.en.clone())
    }
}

// ------------------------------------------------------------------ time limits

fn end_of_month(year: i32, month: u8) -> Option<Date> {
    let m = Month::try_from(month).ok()?;
    Date::from_calendar_date(year, m, time::util::days_in_month(m, year)).ok()
}

/// The (month, day) a time limit's words name within a year: 一季度 → 03-31, 上半年 →
/// 06-30, 3月底 → 03-31, 11月前 → 10-31 (before November), otherwise the year's end.
fn month_day_of(text: &str) -> (u8, Option<u8>) {
    for (words, month) in [
        (&["第一季度", "一季度"][..], 3u8),
        (&["第二季度", "二季度", "上半年"][..], 6),
        (&["第三季度", "三季度"][..], 9),
    ] {
        if words.iter().any(|w| text.contains(w)) {
            return (month, None);
        }
    }
    let chars: Vec<char> = text.chars().collect();
    for (p, c) in chars.iter().enumerate() {
        if *c != '月' || p == 0 {
            continue;
        }
        let mut s = p;
        while s > 0 && chars[s - 1].is_ascii_digit() {
            s -= 1;
        }
        let Some(m) = chars[s..p]
            .iter()
            .collect::<String>()
            .parse::<u8>()
            .ok()
            .filter(|m| (1..=12).contains(m))
        else {
            continue;
        };
        let rest: String = chars[p + 1..].iter().take(3).collect();
        let day = rest
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse::<u8>()
            .ok();
        if day.is_none() && (rest.starts_with('前') || rest.starts_with("以前")) && m > 1 {
            return (m - 1, None);
        }
        return (m, day);
    }
    (12, None)
}

/// When a checklist item's time limit (完成时限, free text in the plan) falls for the
/// work of `year`: 每年11月前 → `year`-10-31, 每年3月底前 → `year`-03-31, 2023年底前 →
/// 2023-12-31, 2018-2020年 → 2020-12-31 (the last year named), 每年 → `year`-12-31. None
/// when the words name no time.
pub fn item_due(time_limit: &str, year: i32) -> Option<Date> {
    let text = time_limit.trim();
    if text.is_empty() {
        return None;
    }
    let (month, day) = month_day_of(text);
    let yearly = text.contains("每年") || text.contains("年度") || text.contains("每季");
    let named_year = {
        let chars: Vec<char> = text.chars().collect();
        let mut last = None;
        let mut i = 0;
        while i < chars.len() {
            let run = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            if run == 4 {
                last = chars[i..i + 4]
                    .iter()
                    .collect::<String>()
                    .parse::<i32>()
                    .ok();
            }
            i += run.max(1);
        }
        last
    };
    let y = match (yearly, named_year) {
        (true, _) => year,
        (false, Some(y)) => y,
        (false, None) => return None,
    };
    match day {
        Some(d) => Month::try_from(month)
            .ok()
            .and_then(|m| Date::from_calendar_date(y, m, d).ok()),
        None => end_of_month(y, month),
    }
}

// ------------------------------------------------------------------ the rules

/// Whether a date falls within the announcement window: today up to [`HORIZON_DAYS`] on.
fn due_soon(today: Date, d: Date) -> bool {
    d >= today && d <= today + Duration::days(HORIZON_DAYS)
}

/// Overdue this year: past, but in today's year (earlier years' are the assessment's).
fn overdue(today: Date, d: Date) -> bool {
    d < today && d.year() == today.year()
}

fn figure_text(r: &IndicatorResult) -> (String, String) {
    let actual = r.actual.display_zh_with_unit(&r.unit);
    let target = match (r.target_min, r.target_max) {
        (Some(min), Some(max)) if max != min => format!(
            "{}–{}",
            min.display_zh_with_unit(&r.unit),
            max.display_zh_with_unit(&r.unit)
        ),
        (Some(min), _) => min.display_zh_with_unit(&r.unit),
        _ => "—".into(),
    };
    (actual, target)
}

fn result_deadline(r: &IndicatorResult) -> Option<Date> {
    parse_iso_date(&r.deadline)
}

fn indicator_line(r: &IndicatorResult, state: Message) -> Message {
    let (actual, target) = figure_text(r);
    Message::new(
        format!(
            "指标 {}「{}」：完成 {actual}，目标 {target}，截止 {}（{}）",
            r.indicator, r.name, r.deadline, state.zh
        ),
        format!(
            "indicator {} \"{}\": {actual} of {target}, due {} ({})",
            r.indicator, r.name, r.deadline, state.en
        ),
    )
}

fn status_words(s: IndicatorStatus) -> Message {
    match s {
        IndicatorStatus::NotMet => Message::new("未完成", "not met"),
        IndicatorStatus::Behind => Message::new("进度滞后", "behind"),
        IndicatorStatus::OnTrack => Message::new("进度正常，尚未完成", "on track, not yet met"),
        other => Message::new(other.label_zh(), other.key()),
    }
}

fn item_href(no: &str) -> String {
    format!("/checklist#item-{no}")
}

fn record_href(kind: RecordKind, id: i64) -> String {
    format!("/records/{}/{id}", kind.key())
}

fn record_words(r: &RecordRef) -> (String, String) {
    let title = if r.title.is_empty() {
        String::new()
    } else {
        format!("「{}」", r.title)
    };
    let title_en = if r.title.is_empty() {
        String::new()
    } else {
        format!(" \"{}\"", r.title)
    };
    (
        format!("{} #{}{title}", r.kind.label_zh(), r.id),
        format!("{} #{}{title_en}", r.kind.label_en(), r.id),
    )
}

fn money_words(fen: Option<i64>) -> String {
    fen.map(|f| crate::engine::Figure::Money(f).display_zh())
        .unwrap_or_default()
}

/// The checklist items a unit is responsible for, with when each falls this year.
fn items_of_unit<'p>(plan: &'p Plan, unit: &str, year: i32) -> Vec<(&'p crate::plan::Item, Date)> {
    plan.items
        .iter()
        .filter(|i| plan.expand_responsible(&i.responsible).contains(&unit))
        .filter_map(|i| item_due(&i.time_limit, year).map(|d| (i, d)))
        .collect()
}

fn in_plan_years(f: &Facts<'_>) -> bool {
    f.plan.years().contains(&f.today.year())
}

/// The notices of one unit: what its reporters (or its county's receivers) see.
pub fn unit_notices(f: &Facts<'_>, unit: &str) -> Vec<Notice> {
    let mut out = Vec::new();
    for c in f.chases.iter().filter(|c| c.unit == unit) {
        let day = c.at.get(..10).unwrap_or(&c.at);
        let lines_zh: Vec<&str> = c.lines.iter().map(|l| l.zh.as_str()).collect();
        let lines_en: Vec<&str> = c.lines.iter().map(|l| l.en.as_str()).collect();
        out.push(
            Notice::new(
                NoticeKind::Chase,
                Message::new(
                    format!(
                        "{day} {} 催报，尚欠事项 {} 项：{}",
                        c.by,
                        c.lines.len(),
                        lines_zh.join("；")
                    ),
                    format!(
                        "{day} {} asks for what is still owed ({}): {}",
                        c.by,
                        c.lines.len(),
                        lines_en.join("; ")
                    ),
                ),
            )
            .href("/notices"),
        );
    }
    for r in f.rejected.iter().filter(|r| r.reporting_unit == unit) {
        let (zh, en) = record_words(r);
        let reason = r.reason.as_deref().unwrap_or("");
        out.push(
            Notice::new(
                NoticeKind::Rejected,
                Message::new(
                    format!("{zh} 被退回，理由：{}；请修改后重新提交", or_dash(reason)),
                    format!(
                        "{en} was returned: {}; correct it and submit it again",
                        or_dash(reason)
                    ),
                ),
            )
            .href(record_href(r.kind, r.id)),
        );
    }
    for t in f.awaiting_receipt.iter().filter(|t| t.payee == unit) {
        let sent = t.sent_on.map(format_date).unwrap_or_default();
        let amount = money_words(t.amount);
        out.push(
            Notice::new(
                NoticeKind::AwaitingReceipt,
                Message::new(
                    format!(
                        "{} 拨付的 {amount}（资金拨付 #{}，拨付日期 {}）待您单位确认到账",
                        t.payer,
                        t.id,
                        or_dash(&sent)
                    ),
                    format!(
                        "{amount} sent by {} (transfer #{}, sent {}) waits for your receipt confirmation",
                        t.payer,
                        t.id,
                        or_dash(&sent)
                    ),
                ),
            )
            .href(record_href(t.kind, t.id)),
        );
    }
    for d in f.disputes.iter().filter(|d| d.reporting_unit == unit) {
        let (zh, en) = record_words(d);
        let by = d.by.as_deref().unwrap_or("");
        let reason = d.reason.as_deref().unwrap_or("");
        out.push(
            Notice::new(
                NoticeKind::Dispute,
                Message::new(
                    format!(
                        "{zh} 被 {} 退回复核，理由：{}；等待统筹协调单位重新审核",
                        or_dash(by),
                        or_dash(reason)
                    ),
                    format!(
                        "{en} was disputed by {}: {}; the coordinators review it again",
                        or_dash(by),
                        or_dash(reason)
                    ),
                ),
            )
            .href(record_href(d.kind, d.id)),
        );
    }
    if in_plan_years(f) {
        for r in f.results.iter().filter(|r| r.scope == unit) {
            let Some(due) = result_deadline(r) else {
                continue;
            };
            match r.status {
                IndicatorStatus::NotMet if overdue(f.today, due) => out.push(
                    Notice::new(
                        NoticeKind::Overdue,
                        indicator_line(r, status_words(r.status)),
                    )
                    .href(item_href(&r.item))
                    .due(due),
                ),
                IndicatorStatus::Behind | IndicatorStatus::OnTrack if due_soon(f.today, due) => out
                    .push(
                        Notice::new(
                            NoticeKind::Deadline,
                            indicator_line(r, status_words(r.status)),
                        )
                        .href(item_href(&r.item))
                        .due(due),
                    ),
                _ => {}
            }
        }
        for (item, due) in items_of_unit(f.plan, unit, f.today.year()) {
            if f.reported_items
                .contains(&(unit.to_string(), item.no.clone()))
            {
                continue;
            }
            let line = item_line(item, due);
            if overdue(f.today, due) {
                out.push(
                    Notice::new(NoticeKind::Overdue, line)
                        .href(item_href(&item.no))
                        .due(due),
                );
            } else if due_soon(f.today, due) {
                out.push(
                    Notice::new(NoticeKind::Deadline, line)
                        .href(item_href(&item.no))
                        .due(due),
                );
            }
        }
    }
    sort(&mut out);
    out
}

fn item_line(item: &crate::plan::Item, due: Date) -> Message {
    Message::new(
        format!(
            "工作清单 {}「{}」时限 {}（{}），本单位今年尚无该事项的记录（活动或工作进展）",
            item.no,
            item.title,
            item.time_limit,
            format_date(due)
        ),
        format!(
            "checklist item {} \"{}\" is due {} ({}); your unit has no record for it this year (an activity or a progress report)",
            item.no,
            item.title,
            format_date(due),
            item.time_limit
        ),
    )
}

fn or_dash(s: &str) -> &str {
    if s.trim().is_empty() { "—" } else { s }
}

/// The notices of the coordinators: the review queue, disputes, receipts outstanding,
/// and the plan-wide deadlines and overdue figures (units' figures summed up per
/// indicator).
pub fn coordinator_notices(f: &Facts<'_>) -> Vec<Notice> {
    let mut out = Vec::new();
    for (kind, n) in f.waiting_review.iter().filter(|(_, n)| *n > 0) {
        out.push(
            Notice::new(
                NoticeKind::AwaitingReview,
                Message::new(
                    format!("{} {n} 条记录待审核", kind.label_zh()),
                    format!("{n} {} records wait for review", kind.label_en()),
                ),
            )
            .href(format!("/review?kind={}", kind.key())),
        );
    }
    for d in &f.disputes {
        let (zh, en) = record_words(d);
        let by = d.by.as_deref().unwrap_or("");
        let reason = d.reason.as_deref().unwrap_or("");
        out.push(
            Notice::new(
                NoticeKind::Dispute,
                Message::new(
                    format!(
                        "{} 的 {zh} 被 {} 退回复核，理由：{}",
                        d.reporting_unit,
                        or_dash(by),
                        or_dash(reason)
                    ),
                    format!(
                        "{en} of {} was disputed by {}: {}",
                        d.reporting_unit,
                        or_dash(by),
                        or_dash(reason)
                    ),
                ),
            )
            .href(record_href(d.kind, d.id)),
        );
    }
    if !f.awaiting_receipt.is_empty() {
        let mut by_payee: BTreeMap<&str, usize> = BTreeMap::new();
        for t in &f.awaiting_receipt {
            *by_payee.entry(t.payee.as_str()).or_default() += 1;
        }
        let list: Vec<String> = by_payee.iter().map(|(p, n)| format!("{p} {n}")).collect();
        out.push(
            Notice::new(
                NoticeKind::AwaitingReceipt,
                Message::new(
                    format!(
                        "{} 笔资金拨付待接收单位确认到账（{}）",
                        f.awaiting_receipt.len(),
                        list.join("、")
                    ),
                    format!(
                        "{} transfers wait for their payee's receipt confirmation ({})",
                        f.awaiting_receipt.len(),
                        list.join(", ")
                    ),
                ),
            )
            .href("/records/transfer"),
        );
    }
    if in_plan_years(f) {
        // Plan-wide figures one by one; a per-unit indicator as one line with the
        // number of units short of it.
        let mut per_unit: BTreeMap<(&str, NoticeKind), (Vec<&str>, &IndicatorResult, Date)> =
            BTreeMap::new();
        for r in f.results {
            let Some(due) = result_deadline(r) else {
                continue;
            };
            let kind = match r.status {
                IndicatorStatus::NotMet if overdue(f.today, due) => NoticeKind::Overdue,
                IndicatorStatus::Behind | IndicatorStatus::OnTrack if due_soon(f.today, due) => {
                    NoticeKind::Deadline
                }
                _ => continue,
            };
            if r.scope == "plan" {
                out.push(
                    Notice::new(kind, indicator_line(r, status_words(r.status)))
                        .href(item_href(&r.item))
                        .due(due),
                );
            } else {
                per_unit
                    .entry((r.indicator.as_str(), kind))
                    .or_insert_with(|| (Vec::new(), r, due))
                    .0
                    .push(r.scope.as_str());
            }
        }
        for ((id, kind), (units, r, due)) in per_unit {
            let state = if kind == NoticeKind::Overdue {
                Message::new("已逾期未完成", "overdue, not met")
            } else {
                Message::new("尚未完成", "not yet met")
            };
            out.push(
                Notice::new(
                    kind,
                    Message::new(
                        format!(
                            "指标 {id}「{}」截止 {}：{} 个单位{}（{}）",
                            r.name,
                            r.deadline,
                            units.len(),
                            state.zh,
                            units.join("、")
                        ),
                        format!(
                            "indicator {id} \"{}\" due {}: {} units {} ({})",
                            r.name,
                            r.deadline,
                            units.len(),
                            state.en,
                            units.join(", ")
                        ),
                    ),
                )
                .href(item_href(&r.item))
                .due(due),
            );
        }
        for item in &f.plan.items {
            let Some(due) = item_due(&item.time_limit, f.today.year()) else {
                continue;
            };
            if !due_soon(f.today, due) {
                continue;
            }
            let missing: Vec<&str> = f
                .plan
                .expand_responsible(&item.responsible)
                .into_iter()
                .filter(|u| !f.reported_items.contains(&(u.to_string(), item.no.clone())))
                .collect();
            if missing.is_empty() {
                continue;
            }
            out.push(
                Notice::new(
                    NoticeKind::Deadline,
                    Message::new(
                        format!(
                            "工作清单 {}「{}」时限 {}（{}），{} 个责任单位今年尚无记录",
                            item.no,
                            item.title,
                            item.time_limit,
                            format_date(due),
                            missing.len()
                        ),
                        format!(
                            "checklist item {} \"{}\" is due {}; {} responsible units have no record for it this year",
                            item.no,
                            item.title,
                            format_date(due),
                            missing.len()
                        ),
                    ),
                )
                .href(item_href(&item.no))
                .due(due),
            );
        }
    }
    sort(&mut out);
    out
}

fn sort(out: &mut [Notice]) {
    out.sort_by(|a, b| a.kind.cmp(&b.kind).then(a.due.cmp(&b.due)));
}

/// The notices of a signed-in person: a coordinator's and their unit's; a reporter's or
/// receiver's unit's; nothing for the other roles (they act on no record).
pub fn notices_for(f: &Facts<'_>, role: Role, unit: Option<&str>) -> Vec<Notice> {
    match role {
        Role::Coordinator => {
            let mut out = coordinator_notices(f);
            if let Some(u) = unit {
                for n in unit_notices(f, u) {
                    if !out.contains(&n) {
                        out.push(n);
                    }
                }
            }
            sort(&mut out);
            out
        }
        Role::Reporter | Role::Receiver => unit.map(|u| unit_notices(f, u)).unwrap_or_default(),
        Role::Admin | Role::Viewer | Role::Auditor => Vec::new(),
    }
}

/// What a unit still owes (尚欠事项): its figures behind their target or not met this
/// year, and the checklist items due (within [`HORIZON_DAYS`] or past, this year) for
/// which it has no record. Empty outside the plan's years.
pub fn owed(f: &Facts<'_>, unit: &str) -> Vec<Owed> {
    let mut out = Vec::new();
    if !in_plan_years(f) {
        return out;
    }
    for r in f.results.iter().filter(|r| r.scope == unit) {
        if matches!(r.status, IndicatorStatus::Behind | IndicatorStatus::NotMet) {
            out.push(Owed::from(indicator_line(r, status_words(r.status))));
        }
    }
    let horizon = f.today + Duration::days(HORIZON_DAYS);
    for (item, due) in items_of_unit(f.plan, unit, f.today.year()) {
        let reported = f
            .reported_items
            .contains(&(unit.to_string(), item.no.clone()));
        if !reported && due <= horizon && due.year() == f.today.year() {
            out.push(Owed::from(item_line(item, due)));
        }
    }
    out
}

/// Every unit of the plan that owes something, in plan order, with what it owes.
pub fn owing_units(f: &Facts<'_>) -> Vec<(String, Vec<Owed>)> {
    f.plan
        .units
        .iter()
        .map(|u| (u.name.clone(), owed(f, &u.name)))
        .filter(|(_, o)| !o.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn time_limits_fall_on_a_day() {
        assert_eq!(item_due("每年11月前", 2019), Some(date!(2019 - 10 - 31)));
        assert_eq!(item_due("每年3月底前", 2022), Some(date!(2022 - 03 - 31)));
        assert_eq!(item_due("2023年底前", 2021), Some(date!(2023 - 12 - 31)));
        assert_eq!(item_due("2018-2020年", 2019), Some(date!(2020 - 12 - 31)));
        assert_eq!(item_due("每年", 2019), Some(date!(2019 - 12 - 31)));
        assert_eq!(
            item_due("每年第一季度前", 2019),
            Some(date!(2019 - 03 - 31))
        );
        assert_eq!(item_due("每年6月15日前", 2019), Some(date!(2019 - 06 - 15)));
        assert_eq!(item_due("长期", 2019), None);
        assert_eq!(item_due("", 2019), None);
    }

    #[test]
    fn the_window_is_sixty_days_ahead_and_overdue_is_this_year() {
        let today = date!(2019 - 09 - 01);
        assert!(due_soon(today, date!(2019 - 10 - 31)));
        assert!(due_soon(today, today));
        assert!(!due_soon(today, date!(2019 - 11 - 01)));
        assert!(overdue(today, date!(2019 - 03 - 31)));
        assert!(!overdue(today, date!(2018 - 12 - 31)));
    }
}
