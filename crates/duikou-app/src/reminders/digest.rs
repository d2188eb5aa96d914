//! The digests: one message per recipient with something due, worded for e-mail (plain
//! text) and for a group robot (markdown). A recipient with nothing due gets none.

use std::collections::BTreeMap;

use duikou_domain::reminders::{
    Facts, Notice, NoticeKind, Owed, coordinator_notices, notices_for, unit_notices,
};
use duikou_storage::users::User;

use crate::config::ReminderConfig;

/// Where a digest goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Channel {
    /// To one person's address.
    Email(String),
    /// To the installation's group robot.
    Webhook,
    /// Nowhere: no channel is configured (shown by a dry run only).
    None,
}

impl Channel {
    pub fn key(&self) -> &'static str {
        match self {
            Channel::Email(_) => "email",
            Channel::Webhook => "webhook",
            Channel::None => "none",
        }
    }

    /// For people: "email 张三 <a@b.cn>", "webhook wecom", "none".
    pub fn describe(&self, cfg: &ReminderConfig) -> String {
        match self {
            Channel::Email(a) => format!("email <{a}>"),
            Channel::Webhook => format!(
                "webhook {}",
                cfg.webhook.as_ref().map_or("", |w| w.flavour.key())
            ),
            Channel::None => "none（未配置渠道 / no channel configured）".into(),
        }
    }
}

/// One message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// A username (e-mail) or a unit (webhook), or the coordinators.
    pub recipient: String,
    pub channel: Channel,
    pub title: String,
    /// Plain text (e-mail).
    pub text: String,
    /// Markdown (group robots).
    pub markdown: String,
    /// How many lines it lists.
    pub count: usize,
}

/// The recipient of the coordinators' digest on a group robot.
pub const COORDINATORS: &str = "统筹协调单位";

/// The most a robot's message holds: 企业微信 takes 4096 bytes of markdown.
const MAX_MARKDOWN_BYTES: usize = 3800;

fn sections(notices: &[Notice]) -> Vec<(NoticeKind, Vec<&Notice>)> {
    let mut by: BTreeMap<NoticeKind, Vec<&Notice>> = BTreeMap::new();
    for n in notices {
        by.entry(n.kind).or_default().push(n);
    }
    by.into_iter().collect()
}

fn link(cfg: &ReminderConfig, path: &str) -> Option<String> {
    cfg.public_url.as_ref().map(|u| format!("{u}{path}"))
}

/// Markdown text made safe for a robot: no line breaks, and the characters markdown
/// (or 企业微信's `<font>`) would read as markup in their full-width forms.
fn md(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            '*' => '＊',
            '_' => '＿',
            '`' => '｀',
            '[' => '［',
            ']' => '］',
            '<' => '＜',
            '>' => '＞',
            c => c,
        })
        .collect()
}

fn compose(
    cfg: &ReminderConfig,
    plan_title: &str,
    heading: &str,
    who: &str,
    groups: &[(String, Vec<String>)],
) -> (String, String, String, usize) {
    let count: usize = groups.iter().map(|(_, l)| l.len()).sum();
    let title = format!("【{plan_title}】{who}：{heading}（{count} 项）");
    let mut text = format!("{who}：\n\n{heading}，共 {count} 项。\n");
    for (label, lines) in groups {
        text.push_str(&format!("\n{label}（{}）\n", lines.len()));
        for l in lines {
            text.push_str(&format!("- {l}\n"));
        }
    }
    if let Some(url) = link(cfg, "/notices") {
        text.push_str(&format!("\n请登录查看并处理：{url}\n"));
    } else {
        text.push_str("\n请登录系统的「通知」页查看并处理。\n");
    }
    text.push_str("\n（本邮件由系统自动发送。）\n");
    let mut markdown = format!(
        "### {}\n**{}**：{heading}，共 {count} 项\n",
        md(plan_title),
        md(who)
    );
    let mut shown = 0;
    'outer: for (label, lines) in groups {
        let head = format!("\n**{}**\n", md(label));
        if markdown.len() + head.len() > MAX_MARKDOWN_BYTES {
            break;
        }
        markdown.push_str(&head);
        for l in lines {
            let line = format!("> {}\n", md(l));
            if markdown.len() + line.len() > MAX_MARKDOWN_BYTES {
                break 'outer;
            }
            markdown.push_str(&line);
            shown += 1;
        }
    }
    if shown < count {
        markdown.push_str(&format!("\n……另有 {} 项，请登录查看\n", count - shown));
    }
    if let Some(url) = link(cfg, "/notices") {
        markdown.push_str(&format!("\n[查看通知]({url})\n"));
    }
    (title, text, markdown, count)
}

fn notice_groups(notices: &[Notice]) -> Vec<(String, Vec<String>)> {
    sections(notices)
        .into_iter()
        .map(|(k, ns)| (k.label().zh, ns.iter().map(|n| n.zh.clone()).collect()))
        .collect()
}

/// A day's notices without the 催报 (which went out when it was sent).
fn daily_only(mut notices: Vec<Notice>) -> Vec<Notice> {
    notices.retain(|n| n.kind != NoticeKind::Chase);
    notices
}

fn digest(
    cfg: &ReminderConfig,
    plan_title: &str,
    heading: &str,
    recipient: &str,
    channel: Channel,
    groups: &[(String, Vec<String>)],
) -> Digest {
    let (title, text, markdown, count) = compose(cfg, plan_title, heading, recipient, groups);
    Digest {
        recipient: recipient.to_string(),
        channel,
        title,
        text,
        markdown,
        count,
    }
}

/// The day's digests: by e-mail, one per user with an address and something due; to the
/// group robot, one per unit with something due and one for the coordinators. With no
/// channel configured, the robot's (for a dry run to show).
pub fn daily(
    f: &Facts<'_>,
    cfg: &ReminderConfig,
    users: &[User],
    emails: &BTreeMap<duikou_domain::ids::UserId, String>,
    plan_title: &str,
) -> Vec<Digest> {
    let heading = format!("{} 待办提醒", duikou_domain::record::format_date(f.today));
    let mut out = Vec::new();
    if cfg.smtp.is_some() {
        for u in users.iter().filter(|u| !u.disabled) {
            let Some(address) = emails.get(&u.id) else {
                continue;
            };
            let notices = daily_only(notices_for(f, u.role, u.unit.as_deref()));
            if notices.is_empty() {
                continue;
            }
            let who = match &u.unit {
                Some(unit) => format!("{unit} {}", u.username),
                None => u.username.clone(),
            };
            let mut d = digest(
                cfg,
                plan_title,
                &heading,
                &who,
                Channel::Email(address.clone()),
                &notice_groups(&notices),
            );
            d.recipient = u.username.clone();
            out.push(d);
        }
    }
    if cfg.webhook.is_some() || !cfg.any_channel() {
        let channel = if cfg.webhook.is_some() {
            Channel::Webhook
        } else {
            Channel::None
        };
        let coordinators = daily_only(coordinator_notices(f));
        if !coordinators.is_empty() {
            out.push(digest(
                cfg,
                plan_title,
                &heading,
                COORDINATORS,
                channel.clone(),
                &notice_groups(&coordinators),
            ));
        }
        for unit in &f.plan.units {
            let notices = daily_only(unit_notices(f, &unit.name));
            if notices.is_empty() {
                continue;
            }
            out.push(digest(
                cfg,
                plan_title,
                &heading,
                &unit.name,
                channel.clone(),
                &notice_groups(&notices),
            ));
        }
    }
    out
}

/// The 催报's messages: to the group robot one per unit that owes something, and by
/// e-mail to each of that unit's users with an address.
pub fn chase(
    units: &[(String, Vec<Owed>)],
    cfg: &ReminderConfig,
    users: &[User],
    emails: &BTreeMap<duikou_domain::ids::UserId, String>,
    plan_title: &str,
    today: time::Date,
) -> Vec<Digest> {
    let heading = format!(
        "{} 催报：请抓紧报送尚欠事项",
        duikou_domain::record::format_date(today)
    );
    let mut out = Vec::new();
    for (unit, owed) in units {
        let groups = vec![(
            "尚欠事项".to_string(),
            owed.iter().map(|o| o.zh.clone()).collect::<Vec<_>>(),
        )];
        if cfg.webhook.is_some() {
            out.push(digest(
                cfg,
                plan_title,
                &heading,
                unit,
                Channel::Webhook,
                &groups,
            ));
        }
        if cfg.smtp.is_some() {
            for u in users
                .iter()
                .filter(|u| !u.disabled && u.unit.as_deref() == Some(unit.as_str()))
            {
                if let Some(address) = emails.get(&u.id) {
                    let mut d = digest(
                        cfg,
                        plan_title,
                        &heading,
                        &format!("{unit} {}", u.username),
                        Channel::Email(address.clone()),
                        &groups,
                    );
                    d.recipient = u.username.clone();
                    out.push(d);
                }
            }
        }
    }
    out
}
