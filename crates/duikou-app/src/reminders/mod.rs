//! Reminders (催办), the use cases: the notices of a signed-in person (the 通知 page and
//! the count in the header), the daily digest (`duikou remind`), and 催报 (a
//! coordinator's reminder to every unit that still owes something).
//!
//! The rules are the domain's (`duikou_domain::reminders`); this module reads the facts
//! from the database once per change ([`NoticeCache`]), composes the digests
//! (`digest.rs`) and delivers them by e-mail (`smtp.rs`) or to a group robot
//! (`webhook.rs`), as the installation's configuration says
//! (`config::ReminderConfig`).

pub mod digest;
pub mod smtp;
pub mod webhook;

use std::collections::BTreeSet;
use std::sync::Arc;

use duikou_domain::engine::{AssessOptions, Assessment};
use duikou_domain::message::Message;
use duikou_domain::record::{Status, Value};
use duikou_domain::reminders::{
    ChaseRef, Facts, Notice, Owed, RecordRef, TransferRef, notices_for, owing_units,
};
use duikou_domain::roles::{Actor, Role, named_units};
use duikou_domain::schema::{BuiltinKind, RecordKind};
use duikou_storage::audit::AuditEvent;
use duikou_storage::reminders::RecordBrief;

use crate::config::ReminderConfig;
use crate::error::{AppError, AppResult};
use crate::service::Services;

pub use digest::{Channel, Digest};

/// The most records of one sort a snapshot reads (rejected, awaiting receipt).
const MAX_ROWS: u64 = 5_000;
/// How long a 催报 stays on a unit's notices page.
const CHASE_DAYS: i64 = 30;

/// The facts the reminders are computed from, read at one change of the database.
#[derive(Debug)]
pub struct Snapshot {
    pub today: time::Date,
    assessment: Option<Arc<Assessment>>,
    rejected: Vec<RecordRef>,
    waiting_review: Vec<(RecordKind, u64)>,
    awaiting_receipt: Vec<TransferRef>,
    disputes: Vec<RecordRef>,
    reported_items: BTreeSet<(String, String)>,
    chases: Vec<ChaseRef>,
}

impl Snapshot {
    /// The domain's view of it, with the plan.
    pub fn facts<'a>(&'a self, plan: &'a duikou_domain::plan::Plan) -> Facts<'a> {
        Facts {
            plan,
            today: self.today,
            results: self
                .assessment
                .as_ref()
                .map_or(&[][..], |a| a.results.as_slice()),
            rejected: self.rejected.clone(),
            waiting_review: self.waiting_review.clone(),
            awaiting_receipt: self.awaiting_receipt.clone(),
            disputes: self.disputes.clone(),
            reported_items: self.reported_items.clone(),
            chases: self.chases.clone(),
        }
    }
}

/// A few words naming a record: its title, name, product or voucher number.
fn title_of(fields: &std::collections::BTreeMap<String, Value>) -> String {
    for key in ["title", "name", "product", "voucher_no", "summary"] {
        if let Some(t) = fields.get(key).and_then(Value::as_text) {
            let t = t.trim();
            if !t.is_empty() {
                return t.chars().take(40).collect();
            }
        }
    }
    String::new()
}

fn record_ref(b: &RecordBrief, reason: Option<String>, by: Option<String>) -> RecordRef {
    RecordRef {
        id: b.id,
        kind: b.kind,
        reporting_unit: b.reporting_unit.clone(),
        title: title_of(&b.fields),
        reason,
        by,
    }
}

/// The field of a kind naming the checklist item a record is about: what the kind
/// narrates (工作进展), or an activity's 对应工作清单.
fn item_field(kind: RecordKind) -> Option<&'static str> {
    kind.narrates()
        .or_else(|| kind.field("plan_item").map(|f| f.key))
}

/// Read the facts for `today`.
pub async fn snapshot(services: &Services, today: time::Date) -> AppResult<Snapshot> {
    let store = &services.store;
    let plan = &services.plan;
    let year = today.year();
    let assessment = if plan.years().contains(&year) {
        let opts = AssessOptions {
            year,
            as_of: today,
            include_submitted: false,
        };
        Some(
            services
                .figures
                .assessment_cached(store, plan, &opts)
                .await?,
        )
    } else {
        None
    };
    let rejected = store
        .briefs(&[Status::Rejected], None, None, MAX_ROWS)
        .await?
        .iter()
        .map(|b| record_ref(b, b.reject_reason.clone(), None))
        .collect();
    let waiting_review = store
        .submitted_counts()
        .await?
        .into_iter()
        .filter_map(|(k, n)| plan.kind(&k).map(|k| (k, n)))
        .collect();
    let transfer = plan.kind_of(BuiltinKind::Transfer);
    let awaiting_receipt = store
        .awaiting_receipt(transfer, MAX_ROWS)
        .await?
        .into_iter()
        .map(|b| TransferRef {
            id: b.id,
            kind: b.kind,
            payer: b
                .fields
                .get("payer")
                .and_then(|v| {
                    v.units()
                        .first()
                        .cloned()
                        .or(v.as_text().map(str::to_string))
                })
                .unwrap_or_else(|| b.reporting_unit.clone()),
            payee: b
                .fields
                .get("payee")
                .and_then(|v| {
                    v.units()
                        .first()
                        .cloned()
                        .or(v.as_text().map(str::to_string))
                })
                .unwrap_or_default(),
            amount: b.fields.get("amount").and_then(Value::as_amount),
            sent_on: b.fields.get("sent_on").and_then(Value::as_date),
        })
        .collect();
    let mut disputes = Vec::new();
    for (b, ev) in store.open_disputes().await? {
        let by = match store.user_by_name(&ev.actor).await? {
            Some(u) => u.unit.unwrap_or(u.username),
            None => ev.actor.clone(),
        };
        disputes.push(record_ref(&b, ev.reason.clone(), Some(by)));
    }
    let mut reported_items = BTreeSet::new();
    if let Some(a) = &assessment {
        for r in a
            .results
            .iter()
            .filter(|r| r.scope != "plan" && r.records > 0)
        {
            if let Some(item) = plan.checklist_item_of(&r.item) {
                reported_items.insert((r.scope.clone(), item.no.clone()));
            }
        }
        let kinds: Vec<RecordKind> = plan
            .kinds()
            .iter()
            .copied()
            .filter(|k| item_field(*k).is_some())
            .collect();
        if !kinds.is_empty() {
            for b in store
                .briefs(
                    &[Status::Submitted, Status::Approved],
                    Some(&kinds),
                    Some(year),
                    200_000,
                )
                .await?
            {
                let Some(field) = item_field(b.kind) else {
                    continue;
                };
                let Some(item) = b
                    .fields
                    .get(field)
                    .map(Value::display)
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                else {
                    continue;
                };
                // "1.2 经贸合作交流" or "1.2": the number is what counts.
                let no = item
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string();
                let mut units = named_units(b.kind, &b.reporting_unit, &b.fields);
                units.push(b.reporting_unit.clone());
                for u in units {
                    reported_items.insert((u, no.clone()));
                }
            }
        }
    }
    let since = duikou_storage::format_ts(
        time::OffsetDateTime::now_utc() - time::Duration::days(CHASE_DAYS),
    );
    let mut chases: Vec<ChaseRef> = Vec::new();
    for n in store.notices_since(&since).await? {
        // Newest first: the latest 催报 of each unit.
        if n.kind != "chase" || chases.iter().any(|c| c.unit == n.unit) {
            continue;
        }
        chases.push(ChaseRef {
            unit: n.unit,
            at: n.created_at,
            by: n.created_by,
            lines: n
                .lines
                .into_iter()
                .map(|(zh, en)| Message::new(zh, en))
                .collect(),
        });
    }
    Ok(Snapshot {
        today,
        assessment,
        rejected,
        waiting_review,
        awaiting_receipt,
        disputes,
        reported_items,
        chases,
    })
}

type SnapshotKey = (u64, String, i64, time::Date);

/// The snapshot of the last change, shared by every page between two writes (the count
/// in the header is read on every page). Owned by the web's application state.
#[derive(Default)]
pub struct NoticeCache {
    last: std::sync::Mutex<Option<(SnapshotKey, Arc<Snapshot>)>>,
    loading: tokio::sync::Mutex<()>,
}

impl NoticeCache {
    fn hit(&self, key: &SnapshotKey) -> Option<Arc<Snapshot>> {
        self.last
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .filter(|(k, _)| k == key)
            .map(|(_, s)| s.clone())
    }

    /// The snapshot as of the database's current change number and `today`.
    pub async fn snapshot(
        &self,
        services: &Services,
        today: time::Date,
    ) -> AppResult<Arc<Snapshot>> {
        let seq = services.store.change_seq().await?;
        self.snapshot_at(services, today, seq).await
    }

    /// The snapshot at change number `seq` (read by the caller, before the data).
    pub async fn snapshot_at(
        &self,
        services: &Services,
        today: time::Date,
        seq: i64,
    ) -> AppResult<Arc<Snapshot>> {
        let key = (
            services.store.instance,
            services.plan.meta.id.clone(),
            seq,
            today,
        );
        if let Some(s) = self.hit(&key) {
            return Ok(s);
        }
        let _one = self.loading.lock().await;
        if let Some(s) = self.hit(&key) {
            return Ok(s);
        }
        let s = Arc::new(snapshot(services, today).await?);
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some((key, s.clone()));
        Ok(s)
    }

    /// The notices of a signed-in person today, at change number `seq`.
    pub async fn notices_at(
        &self,
        services: &Services,
        actor: &Actor,
        today: time::Date,
        seq: i64,
    ) -> AppResult<Vec<Notice>> {
        if !has_notices(actor.role) {
            return Ok(Vec::new());
        }
        let s = self.snapshot_at(services, today, seq).await?;
        Ok(notices_for(
            &s.facts(&services.plan),
            actor.role,
            actor.unit.as_deref(),
        ))
    }

    /// The units that owe something today (what a 催报 would remind), at `seq`.
    pub async fn owing_at(
        &self,
        services: &Services,
        today: time::Date,
        seq: i64,
    ) -> AppResult<Vec<(String, Vec<Owed>)>> {
        let s = self.snapshot_at(services, today, seq).await?;
        Ok(owing_units(&s.facts(&services.plan)))
    }
}

/// The roles that act on records and so get notices.
pub fn has_notices(role: Role) -> bool {
    matches!(role, Role::Coordinator | Role::Reporter | Role::Receiver)
}

/// Today in Beijing time.
pub fn today() -> time::Date {
    crate::assessment::today()
}

/// The day reminders are computed for: `DUIKOU_TODAY` where set, else today.
pub fn today_for(cfg: &ReminderConfig) -> time::Date {
    cfg.today.unwrap_or_else(today)
}

/// A problem delivering to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub recipient: String,
    pub channel: String,
    pub error: String,
}

/// What a delivery run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub failed: Vec<Failure>,
}

/// Send the digests, each to its channel; a failure is kept and the others still go.
pub async fn deliver(cfg: &ReminderConfig, digests: &[Digest]) -> AppResult<Delivered> {
    let mut out = Delivered::default();
    let mut mailer = None;
    let web = webhook::client()?;
    for d in digests {
        let result = match &d.channel {
            Channel::Email(address) => match &cfg.smtp {
                Some(smtp) => {
                    if mailer.is_none() {
                        mailer = Some(smtp::Mailer::new(smtp)?);
                    }
                    match &mailer {
                        Some(m) => m.send(address, &d.title, &d.text).await,
                        None => Err("SMTP".into()),
                    }
                }
                None => Err("未配置 SMTP / SMTP is not configured".into()),
            },
            Channel::Webhook => match &cfg.webhook {
                Some(w) => webhook::post(&web, w, &d.title, &d.markdown).await,
                None => Err("未配置 webhook / no webhook is configured".into()),
            },
            Channel::None => continue,
        };
        match result {
            Ok(()) => out.sent += 1,
            Err(error) => {
                tracing::warn!(recipient = %d.recipient, channel = %d.channel.key(), %error, "reminder not delivered");
                out.failed.push(Failure {
                    recipient: d.recipient.clone(),
                    channel: d.channel.key().to_string(),
                    error,
                })
            }
        }
    }
    Ok(out)
}

/// What `duikou remind` did.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub today: time::Date,
    pub digests: Vec<Digest>,
    pub delivered: Option<Delivered>,
}

/// The daily digest: computed for `today`; sent unless `dry_run` (then nothing is sent
/// or written). One audit entry per run that sends, with its counts.
pub async fn run_daily(
    services: &Services,
    cfg: &ReminderConfig,
    today: time::Date,
    dry_run: bool,
    actor: &str,
) -> AppResult<RunReport> {
    cfg.check()?;
    if !dry_run && !cfg.any_channel() {
        return Err(AppError::input(
            "未配置提醒渠道：请设置 DUIKOU_SMTP_HOST（电子邮件）或 DUIKOU_WEBHOOK_URL（企业微信/钉钉群机器人）",
            "no reminder channel is configured: set DUIKOU_SMTP_HOST (e-mail) or DUIKOU_WEBHOOK_URL (WeCom / DingTalk group robot)",
        ));
    }
    let snap = snapshot(services, today).await?;
    let users = services.store.users().await?;
    let emails = services.store.user_emails().await?;
    let digests = digest::daily(
        &snap.facts(&services.plan),
        cfg,
        &users,
        &emails,
        &services.plan.meta.title,
    );
    if dry_run {
        return Ok(RunReport {
            today,
            digests,
            delivered: None,
        });
    }
    let delivered = deliver(cfg, &digests).await?;
    let summary = serde_json::json!({
        "date": duikou_domain::record::format_date(today),
        "digests": digests.len(),
        "sent": delivered.sent,
        "failed": delivered.failed.len(),
        "email": digests.iter().filter(|d| matches!(d.channel, Channel::Email(_))).count(),
        "webhook": digests.iter().filter(|d| d.channel == Channel::Webhook).count(),
    });
    services
        .store
        .audit_event(
            AuditEvent::new(
                actor,
                "reminders.daily",
                "notice",
                services.plan.meta.id.clone(),
            )
            .after(&summary),
        )
        .await?;
    Ok(RunReport {
        today,
        digests,
        delivered: Some(delivered),
    })
}

/// What a 催报 did: the units reminded, the items listed, and the deliveries.
#[derive(Debug, Clone)]
pub struct ChaseReport {
    pub units: Vec<(String, Vec<Owed>)>,
    pub delivered: Delivered,
}

impl ChaseReport {
    pub fn items(&self) -> usize {
        self.units.iter().map(|(_, o)| o.len()).sum()
    }
}

/// 催报: a coordinator reminds every unit with 尚欠事项, in the application (a notice on
/// each unit's page) and through the configured channels; audited with its counts.
pub async fn chase(
    services: &Services,
    cfg: &ReminderConfig,
    actor: &Actor,
    today: time::Date,
) -> AppResult<ChaseReport> {
    if actor.role != Role::Coordinator {
        return Err(AppError::forbidden());
    }
    cfg.check()?;
    let snap = snapshot(services, today).await?;
    let facts = snap.facts(&services.plan);
    let units = owing_units(&facts);
    let rows: Vec<(String, Vec<(String, String)>)> = units
        .iter()
        .map(|(u, owed)| {
            (
                u.clone(),
                owed.iter().map(|o| (o.zh.clone(), o.en.clone())).collect(),
            )
        })
        .collect();
    let users = services.store.users().await?;
    let emails = services.store.user_emails().await?;
    let digests = digest::chase(
        &units,
        cfg,
        &users,
        &emails,
        &services.plan.meta.title,
        today,
    );
    let delivered = if cfg.any_channel() {
        deliver(cfg, &digests).await?
    } else {
        Delivered::default()
    };
    let summary = serde_json::json!({
        "date": duikou_domain::record::format_date(today),
        "units": units.len(),
        "items": units.iter().map(|(_, o)| o.len()).sum::<usize>(),
        "sent": delivered.sent,
        "failed": delivered.failed.len(),
        "to": units.iter().map(|(u, _)| u.as_str()).collect::<Vec<_>>(),
    });
    services
        .store
        .add_notices("chase", &rows, &actor.username, &summary)
        .await?;
    Ok(ChaseReport { units, delivered })
}
