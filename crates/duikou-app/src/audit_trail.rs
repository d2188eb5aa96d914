//! Reading the audit trail as people do: filtered (by who, what, which record, when, in
//! Beijing dates), a page at a time, each entry told in words (登录, 审核通过 转账 #12)
//! rather than codes, with the hash chain's check above it. For coordinators and
//! auditors; the web's audit page and any other interface call this, not the tables.

use std::collections::BTreeMap;

use duikou_domain::message::Message;
use duikou_domain::plan::Plan;
use duikou_domain::roles::Actor;
use duikou_storage::Store;
use duikou_storage::audit::{self, AuditFilter, ChainReport};
use time::macros::offset;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

use crate::error::{AppError, AppResult};

/// The filter as typed into a form or a query string: every part optional.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// Beijing dates, YYYY-MM-DD, both days included.
    pub from: String,
    pub to: String,
    pub page: u64,
    pub per_page: u64,
}

pub const DEFAULT_PER_PAGE: u64 = 100;
pub const MAX_PER_PAGE: u64 = 500;

pub struct AuditEntry {
    pub seq: i64,
    pub at: OffsetDateTime,
    pub actor: String,
    pub action: String,
    pub action_label: Message,
    pub about: Message,
    /// The record the entry is about, while it still exists: (kind key, id).
    pub record: Option<(String, String)>,
}

pub struct AuditPage {
    pub chain: ChainReport,
    pub total: u64,
    pub page: u64,
    pub pages: u64,
    pub per_page: u64,
    pub entries: Vec<AuditEntry>,
    /// Every action the trail holds, for the filter: (code, words).
    pub actions: Vec<(String, Message)>,
    pub actors: Vec<String>,
}

/// One page of the trail as `actor` may read it.
pub async fn read(
    store: &Store,
    plan: &Plan,
    actor: &Actor,
    q: &AuditQuery,
) -> AppResult<AuditPage> {
    if !actor.can_read_audit() {
        return Err(AppError::forbidden());
    }
    let filter = filter_of(q)?;
    let per_page = match q.per_page {
        0 => DEFAULT_PER_PAGE,
        n => n.min(MAX_PER_PAGE),
    };
    let chain = audit::verify(&store.db).await.map_err(db_failure)?;
    let (total, page, rows) = audit::entries(&store.db, &filter, q.page, per_page)
        .await
        .map_err(db_failure)?;
    let pages = total.div_ceil(per_page).max(1);
    let (codes, actors) = audit::vocabulary(&store.db).await.map_err(db_failure)?;
    let users: BTreeMap<String, String> = store
        .users()
        .await?
        .into_iter()
        .map(|u| (u.id.to_string(), u.username))
        .collect();
    let entries = rows
        .into_iter()
        .map(|e| {
            let kind = plan.kinds().iter().find(|k| k.key() == e.entity);
            let about = about(&e.entity, &e.entity_id, kind.copied(), &users);
            let record = kind
                .filter(|_| e.action != "record.delete" && e.entity_id.parse::<i64>().is_ok())
                .map(|k| (k.key().to_string(), e.entity_id.clone()));
            AuditEntry {
                seq: e.seq,
                at: duikou_storage::parse_ts(&e.at).unwrap_or(OffsetDateTime::UNIX_EPOCH),
                actor: e.actor,
                action_label: action_label(&e.action),
                action: e.action,
                about,
                record,
            }
        })
        .collect();
    Ok(AuditPage {
        chain,
        total,
        page,
        pages,
        per_page,
        entries,
        actions: codes
            .into_iter()
            .map(|c| {
                let label = action_label(&c);
                (c, label)
            })
            .collect(),
        actors,
    })
}

/// What an entry is about, in words: a record by its kind and number, a user by name.
fn about(
    entity: &str,
    id: &str,
    kind: Option<duikou_domain::schema::RecordKind>,
    users: &BTreeMap<String, String>,
) -> Message {
    match (entity, kind) {
        ("user", _) => match users.get(id) {
            Some(name) => Message::new(format!("用户 {name}"), format!("user {name}")),
            None => Message::new(format!("用户 #{id}"), format!("user #{id}")),
        },
        ("plan", _) => Message::new(format!("计划 {id}"), format!("plan {id}")),
        ("import_batch", _) => {
            Message::new(format!("导入批次 #{id}"), format!("import batch #{id}"))
        }
        ("review_queue", _) if id == "selection" => Message::new(
            "审核队列中所选的记录",
            "the records chosen in the review queue",
        ),
        ("review_queue", _) => Message::new(
            "审核队列中符合筛选条件的记录",
            "the records of the review queue matching a filter",
        ),
        ("notice", _) => Message::new(
            format!("计划 {id} 的提醒"),
            format!("reminders of plan {id}"),
        ),
        (_, Some(k)) if id == "*" => Message::new(
            format!("全部{}记录", k.label_zh()),
            format!("every record of {}", k.label_en()),
        ),
        (_, Some(k)) => Message::new(
            format!("{} #{id}", k.label_zh()),
            format!("{} #{id}", k.label_en()),
        ),
        _ => Message::bilingual(format!("{entity} {id}")),
    }
}

fn db_failure(e: sea_orm::DbErr) -> AppError {
    tracing::error!(error = %e, "reading the audit trail");
    AppError::internal()
}

fn filter_of(q: &AuditQuery) -> AppResult<AuditFilter> {
    let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let from = beijing_date(&q.from, "from", "起始日期")?;
    let to = beijing_date(&q.to, "to", "截止日期")?;
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(AppError::invalid_field(
                "to",
                "截止日期",
                "截止日期早于起始日期",
                "the last day is before the first",
            ));
        }
    }
    Ok(AuditFilter {
        actor: text(&q.actor),
        action: text(&q.action),
        entity: text(&q.entity),
        entity_id: text(&q.entity_id),
        since: from.map(beijing_midnight),
        before: to.and_then(|d| d.next_day()).map(beijing_midnight),
    })
}

fn beijing_date(text: &str, field: &str, field_zh: &str) -> AppResult<Option<Date>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format).map(Some).map_err(|_| {
        AppError::invalid_field(
            field,
            field_zh,
            &format!("“{text}”不是日期，应写作 2020-03-31"),
            &format!("“{text}” is not a date; write it as 2020-03-31"),
        )
    })
}

/// The stored (UTC) time at which this Beijing day begins.
fn beijing_midnight(d: Date) -> String {
    duikou_storage::format_ts(PrimitiveDateTime::new(d, Time::MIDNIGHT).assume_offset(offset!(+8)))
}

/// An action's code told in words; a code this release does not know is shown as it is.
pub fn action_label(code: &str) -> Message {
    let (zh, en) = match code {
        "user.login" => ("登录", "signed in"),
        "user.login_failed" => ("登录失败", "failed sign-in"),
        "user.logout" => ("退出", "signed out"),
        "user.create" => ("创建用户", "created a user"),
        "user.update" => ("修改用户", "changed a user"),
        "user.email" => ("修改邮箱", "changed an e-mail address"),
        "user.password_change" => ("修改密码", "changed a password"),
        "user.password_reset" => ("重置密码", "reset a password"),
        "user.disable" => ("停用用户", "disabled a user"),
        "user.enable" => ("启用用户", "enabled a user"),
        "record.create" => ("新建记录", "created a record"),
        "record.update" => ("修改记录", "changed a record"),
        "record.delete" => ("删除记录", "deleted a record"),
        "record.import" => ("导入", "imported"),
        "record.submit" => ("提交审核", "submitted for review"),
        "record.approve" => ("审核通过", "approved"),
        "record.reject" => ("退回", "rejected"),
        "record.reopen" => ("重新打开", "reopened"),
        "record.withdraw" => ("撤回", "withdrew"),
        "record.bulk_approve" => ("批量审核通过", "approved in bulk"),
        "record.bulk_reject" => ("批量退回", "returned in bulk"),
        "record.dispute" => ("提出异议", "disputed"),
        "record.confirm" => ("确认到账", "confirmed receipt"),
        "record.receipt_cleared" => ("清除到账确认", "cleared a receipt"),
        "record.receipt_corrected" => ("更正到账日期", "corrected a receipt date"),
        "record.receipt_reverted" => ("撤销到账确认", "reverted a receipt"),
        "record.export_unmasked" => ("导出完整身份证号", "exported full ID numbers"),
        "personal_data.unmask" => ("查看完整身份证号", "viewed a full ID number"),
        "evidence.add" => ("上传佐证材料", "added evidence"),
        "plan.load" => ("载入计划", "loaded a plan"),
        "plan.update" => ("修订计划", "amended a plan"),
        "batch.approve" => ("整批审核通过", "approved a batch"),
        "batch.reject" => ("整批退回", "rejected a batch"),
        "backup.restore" => ("恢复备份", "restored a backup"),
        "reminders.daily" => ("发送每日提醒", "sent the daily reminders"),
        "reminders.chase" => ("催报", "chased units for their reports"),
        _ => {
            return match code.split_once('.') {
                Some(("reminders", what)) => Message::new(
                    format!("发送提醒（{what}）"),
                    format!("sent reminders ({what})"),
                ),
                _ => Message::bilingual(code),
            };
        }
    };
    Message::new(zh, en)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_beijing_day_runs_from_16_00_utc_the_day_before() {
        let q = AuditQuery {
            from: "2020-03-01".into(),
            to: "2020-03-01".into(),
            ..Default::default()
        };
        let f = filter_of(&q).expect("valid");
        assert_eq!(f.since.as_deref(), Some("2020-02-29T16:00:00.000000Z"));
        assert_eq!(f.before.as_deref(), Some("2020-03-01T16:00:00.000000Z"));
    }

    #[test]
    fn a_date_that_is_not_one_is_refused_naming_the_field() {
        let q = AuditQuery {
            from: "2020-13-01".into(),
            ..Default::default()
        };
        let AppError::Invalid { fields } = filter_of(&q).unwrap_err() else {
            panic!("not an invalid-field error");
        };
        assert_eq!(fields[0].field, "from");
        let q = AuditQuery {
            from: "2020-03-02".into(),
            to: "2020-03-01".into(),
            ..Default::default()
        };
        assert!(filter_of(&q).is_err(), "a range that ends before it starts");
    }

    #[test]
    fn known_codes_are_told_in_words_and_unknown_ones_as_they_are() {
        assert_eq!(action_label("user.login").zh, "登录");
        assert_eq!(action_label("record.approve").en, "approved");
        assert_eq!(action_label("something.new").zh, "something.new");
        assert_eq!(action_label("reminders.chase").zh, "催报");
        assert!(action_label("reminders.weekly").zh.starts_with("发送提醒"));
    }
}
