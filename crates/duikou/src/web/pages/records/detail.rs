//! One record: its fields, evidence, history, and the review actions its state allows.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use duikou_domain::ids::RecordId;
use duikou_domain::record::{Status, Transition};
use duikou_domain::roles::Actor;
use duikou_domain::schema::RecordKind;
use duikou_storage::records::StoredRecord;

use crate::web::AppState;
use crate::web::pages::recview::{FieldView, field_views};
use crate::web::pages::{
    Ctx, ErrorLink, Form, Lang, Req, html, html_status, safe_local, see_other,
};
use duikou_app::evidence_store::MAX_EVIDENCE_BYTES;
use duikou_app::service::{ServiceError, facts};

use super::*;

// ------------------------------------------------------------------ detail

pub struct EvidenceRow {
    pub name: String,
    pub size: String,
    pub by: String,
    pub at: String,
    pub href: String,
    pub view_href: String,
    pub is_image: bool,
}

pub struct HistoryRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "record_detail.html")]
pub struct DetailPage {
    ctx: Ctx,
    kind_key: &'static str,
    kind_label: String,
    id: RecordId,
    version: i32,
    status: String,
    status_key: &'static str,
    reject_reason: String,
    reporting_unit: String,
    plan_year: i32,
    notes: String,
    fields: Vec<FieldView>,
    id_masked: String,
    id_plain: String,
    can_unmask: bool,
    created: String,
    updated: String,
    imported_batch: String,
    can_edit: bool,
    can_submit: bool,
    can_review_submitted: bool,
    can_reopen: bool,
    can_dispute: bool,
    /// The last dispute, while the record awaits its new review: who, and why.
    dispute: Option<(String, String)>,
    can_confirm: bool,
    /// The payee may still correct its confirmation (until `correct_until`).
    can_correct: bool,
    correct_until: String,
    /// Who confirmed receipt, and when (empty for a date entered otherwise).
    receipt_by: String,
    receipt_on: String,
    can_revert: bool,
    can_withdraw: bool,
    can_upload: bool,
    evidence: Vec<EvidenceRow>,
    history: Vec<HistoryRow>,
    errors: Vec<ErrorLink>,
    reason_error: String,
    received_error: String,
    correct_error: String,
    revert_error: String,
    upload_error: String,
    today: String,
    max_mb: usize,
}

pub(super) fn size_text(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / 1024.0 / 1024.0)
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

pub(super) fn action_label(l: Lang, action: &str) -> String {
    let (zh, en) = match action {
        "record.create" => ("创建", "Created"),
        "record.update" => ("修改", "Changed"),
        "record.submit" => ("提交审核", "Submitted"),
        "record.approve" => ("审核通过", "Approved"),
        "record.reject" => ("退回", "Rejected"),
        "record.reopen" => ("重新打开", "Reopened"),
        "record.dispute" => ("退回复核", "Disputed"),
        "record.withdraw" => ("撤回", "Withdrawn"),
        "record.confirm" => ("确认到账", "Receipt confirmed"),
        "record.receipt_corrected" => ("更正到账日期", "Receipt date corrected"),
        "record.receipt_reverted" => ("撤销到账确认", "Receipt reverted"),
        "record.receipt_cleared" => ("到账确认失效", "Receipt cleared"),
        "record.delete" => ("删除", "Deleted"),
        "evidence.add" => ("上传佐证", "Evidence added"),
        "personal_data.unmask" => ("查看完整身份证号", "ID number shown in full"),
        other => return other.to_string(),
    };
    l.t(zh, en)
}

pub(super) fn history_detail(
    l: Lang,
    kind: RecordKind,
    action: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> String {
    let parse = |s: Option<&str>| {
        s.and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
            .unwrap_or(serde_json::Value::Null)
    };
    let (b, a) = (parse(before), parse(after));
    match action {
        "record.reject" | "record.reopen" | "record.dispute" => a
            .get("reason")
            .and_then(|r| r.as_str())
            .map(|r| format!("{}：{r}", l.s("理由", "Reason")))
            .unwrap_or_default(),
        "record.confirm" => a
            .get("received_on")
            .and_then(|r| r.as_str())
            .map(|d| format!("{}：{}", l.s("到账日期", "Received on"), l.date_text(d)))
            .unwrap_or_default(),
        "record.receipt_corrected" => {
            let date = |v: &serde_json::Value| {
                v.get("received_on")
                    .and_then(|r| r.as_str())
                    .map(|d| l.date_text(d))
                    .unwrap_or_default()
            };
            format!(
                "{}：{} → {}",
                l.s("到账日期", "Received on"),
                date(&b),
                date(&a)
            )
        }
        "record.receipt_reverted" => {
            let was = b
                .get("received_on")
                .and_then(|r| r.as_str())
                .map(|d| l.date_text(d))
                .unwrap_or_default();
            let why = a.get("reason").and_then(|r| r.as_str()).unwrap_or_default();
            format!(
                "{}：{why}（{}：{was}）",
                l.s("理由", "Reason"),
                l.s("原到账日期", "was received on")
            )
        }
        "record.receipt_cleared" => l
            .s(
                "金额、单位、来源或年度改动后，到账确认失效，须由接收单位重新确认",
                "a confirmed field changed; the payee must confirm again",
            )
            .to_string(),
        "evidence.add" => a
            .get("file_name")
            .and_then(|r| r.as_str())
            .unwrap_or_default()
            .to_string(),
        "record.update" => {
            let (bf, af) = (
                b.get("fields").cloned().unwrap_or_default(),
                a.get("fields").cloned().unwrap_or_default(),
            );
            let mut changed: Vec<String> = kind
                .fields()
                .iter()
                .filter(|fd| bf.get(fd.key) != af.get(fd.key))
                .map(|fd| l.field(fd.key, fd.zh))
                .collect();
            for (k, zh) in [
                ("notes", "备注"),
                ("reporting_unit", "填报单位"),
                ("plan_year", "计划年度"),
            ] {
                if b.get(k) != a.get(k) {
                    changed.push(l.field(k, zh));
                }
            }
            if changed.is_empty() {
                String::new()
            } else {
                format!("{}：{}", l.s("改动", "Changed"), changed.join("、"))
            }
        }
        _ => String::new(),
    }
}

/// What the detail page needs besides the record, for re-rendering after an error.
#[derive(Default)]
pub(super) struct DetailExtras {
    id_plain: Option<String>,
    errors: Vec<ErrorLink>,
    reason_error: String,
    received_error: String,
    correct_error: String,
    revert_error: String,
    upload_error: String,
}

/// A receipt rule's answer for a date not yet entered: open when only the date is
/// missing (the rules ask for it last).
fn open_without_date<T>(r: Result<T, duikou_domain::receipt::Refusal>) -> bool {
    matches!(
        r,
        Ok(_)
            | Err(duikou_domain::receipt::Refusal {
                kind: duikou_domain::receipt::RefusalKind::Input { .. },
                ..
            })
    )
}

pub(super) async fn detail_page(
    state: &AppState,
    req: &Req,
    r: &StoredRecord,
    extras: DetailExtras,
) -> Result<DetailPage, Response> {
    let l = req.l;
    let actor = req.actor();
    let f = facts(r);
    let kind = r.kind;
    let evidence = state
        .store()
        .evidence_of(r.id)
        .await
        .map_err(|e| req.internal(e))?;
    let history = state
        .store()
        .history(kind.key(), &r.id.to_string())
        .await
        .map_err(|e| req.internal(e))?;
    let can_edit = actor.can_edit(&f) && r.status.is_editable();
    let today = state.services.today();
    Ok(DetailPage {
        ctx: req.ctx(format!("{} #{}", l.kind(kind), r.id)),
        kind_key: kind.key(),
        kind_label: l.kind(kind).to_string(),
        id: r.id,
        version: r.version,
        status: l.status(r.status).to_string(),
        status_key: r.status.key(),
        reject_reason: r.reject_reason.clone().unwrap_or_default(),
        reporting_unit: r.reporting_unit.to_string(),
        plan_year: r.plan_year,
        notes: r.notes.clone(),
        fields: field_views(l, kind, &r.fields, None),
        id_masked: r.id_masked.clone().unwrap_or_default(),
        id_plain: extras.id_plain.unwrap_or_default(),
        can_unmask: r.id_masked.is_some() && actor.can_unmask(&f),
        created: format!("{} · {}", r.created_by, l.timestamp(&r.created_at)),
        updated: format!("{} · {}", r.updated_by, l.timestamp(&r.updated_at)),
        imported_batch: r.import_batch_id.map(|b| b.to_string()).unwrap_or_default(),
        can_edit,
        can_submit: actor.can_submit(&f) && Transition::Submit.apply(r.status).is_some(),
        can_review_submitted: actor.can_review() && r.status == Status::Submitted,
        can_reopen: actor.can_review() && Transition::Reopen.apply(r.status).is_some(),
        can_dispute: actor.can_dispute(&f) && Transition::Dispute.apply(r.status).is_some(),
        dispute: open_dispute(r, &history),
        can_confirm: open_without_date(duikou_domain::receipt::may_confirm(
            &actor, &f, None, today, false,
        )),
        can_correct: open_without_date(duikou_domain::receipt::may_correct(
            &actor,
            &f,
            r.receipt.as_ref(),
            None,
            today,
            false,
        )),
        correct_until: r
            .receipt
            .as_ref()
            .map(|c| l.date(c.correctable_until()))
            .unwrap_or_default(),
        receipt_by: r.receipt.as_ref().map(|c| c.by.clone()).unwrap_or_default(),
        receipt_on: r.receipt.as_ref().map(|c| l.date(c.on)).unwrap_or_default(),
        can_revert: duikou_domain::receipt::may_revert(&actor, &f).is_ok(),
        can_withdraw: actor.can_withdraw(&f)
            && duikou_domain::record::may_withdraw(
                r.status,
                last_act(&history),
                r.fields.contains_key("received_on"),
            )
            .is_ok(),
        can_upload: may_upload(&actor, r),
        evidence: evidence
            .iter()
            .map(|e| {
                let base = format!("/records/{}/{}/evidence/{}", kind.key(), r.id, e.id);
                let previewable =
                    e.content_type.starts_with("image/") || e.content_type == "application/pdf";
                EvidenceRow {
                    name: e.file_name.clone(),
                    size: size_text(e.size),
                    by: e.uploaded_by.clone(),
                    at: l.timestamp(&e.uploaded_at),
                    view_href: if previewable {
                        format!("{base}/view")
                    } else {
                        String::new()
                    },
                    is_image: e.content_type.starts_with("image/"),
                    href: base,
                }
            })
            .collect(),
        history: history
            .iter()
            .map(|h| HistoryRow {
                at: l.timestamp(&h.at),
                actor: h.actor.clone(),
                action: action_label(l, &h.action),
                detail: history_detail(l, kind, &h.action, h.before.as_deref(), h.after.as_deref()),
            })
            .collect(),
        errors: extras.errors,
        reason_error: extras.reason_error,
        received_error: extras.received_error,
        correct_error: extras.correct_error,
        revert_error: extras.revert_error,
        upload_error: extras.upload_error,
        today: duikou_domain::record::format_date(today),
        max_mb: MAX_EVIDENCE_BYTES / 1024 / 1024,
    })
}

/// The last review transition in a record's history (none for a record created or
/// imported as it is).
pub(super) fn last_act(
    history: &[duikou_storage::entities::audit_log::Model],
) -> Option<Transition> {
    history.iter().rev().find_map(|h| {
        h.action
            .strip_prefix("record.")
            .and_then(Transition::from_key)
    })
}

/// The dispute a submitted record is back in review for: the last review event was a
/// dispute (an approval, rejection or new submission settles it).
pub(super) fn open_dispute(
    r: &StoredRecord,
    history: &[duikou_storage::entities::audit_log::Model],
) -> Option<(String, String)> {
    if r.status != Status::Submitted {
        return None;
    }
    let last = history.iter().rev().find(|h| {
        h.action
            .strip_prefix("record.")
            .and_then(Transition::from_key)
            .is_some()
    })?;
    if last.action != "record.dispute" {
        return None;
    }
    let reason = last
        .after
        .as_deref()
        .and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok())
        .and_then(|a| a.get("reason").and_then(|r| r.as_str()).map(str::to_string))
        .unwrap_or_default();
    Some((last.actor.clone(), reason))
}

/// Evidence may be added by whoever may change the record, the payee confirming
/// receipt, and the coordinators.
pub(super) fn may_upload(actor: &Actor, r: &StoredRecord) -> bool {
    actor.can_attach_evidence(&facts(r))
}

pub async fn detail(
    State(state): State<AppState>,
    req: Req,
    Path((kind, id)): Path<(String, String)>,
) -> Response {
    let (Some(kind), Ok(id)) = (
        parse_kind(state.plan(), &kind),
        RecordId::parse(&id).ok_or(()),
    ) else {
        return req.not_found();
    };
    let r = match state.services.read(&req.actor(), Some(kind), id).await {
        Ok(r) => r,
        Err(e) => return req.service_error(e),
    };
    match detail_page(&state, &req, &r, DetailExtras::default()).await {
        Ok(p) => html(&p),
        Err(resp) => resp,
    }
}

/// A review action, confirmation, deletion or ID reveal from the detail page.
pub async fn action(
    State(state): State<AppState>,
    req: Req,
    Path((kind, id, action)): Path<(String, String, String)>,
    form: Form,
) -> Response {
    let (Some(kind), Ok(id)) = (
        parse_kind(state.plan(), &kind),
        RecordId::parse(&id).ok_or(()),
    ) else {
        return req.not_found();
    };
    if let Err(r) = req.check_csrf(form.csrf()) {
        return r;
    }
    let actor = req.actor();
    let l = req.l;
    let version = form.get("version").and_then(|v| v.parse::<i32>().ok());
    let back = form.get("back").and_then(safe_local).map(str::to_string);
    let done = |what: &str| {
        let to = back
            .clone()
            .unwrap_or_else(|| format!("/records/{}/{id}", kind.key()));
        let sep = if to.contains('?') { '&' } else { '?' };
        see_other(&format!("{to}{sep}done={what}"))
    };
    let result = match action.as_str() {
        "unmask" => {
            let r = match state.services.read(&actor, Some(kind), id).await {
                Ok(r) => r,
                Err(e) => return req.service_error(e),
            };
            return match state.services.unmasked_id(&actor, &r).await {
                Ok(plain) => match detail_page(
                    &state,
                    &req,
                    &r,
                    DetailExtras {
                        id_plain: plain,
                        ..Default::default()
                    },
                )
                .await
                {
                    Ok(p) => html(&p),
                    Err(resp) => resp,
                },
                Err(e) => req.service_error(e),
            };
        }
        "delete" => {
            return match state.services.delete(&actor, kind, id).await {
                Ok(()) => see_other(&format!("/records/{}?done=delete", kind.key())),
                Err(e @ ServiceError::Conflict { .. }) => {
                    rerender(&state, &req, kind, id, e, "").await
                }
                Err(e) => req.service_error(e),
            };
        }
        "confirm" | "correct-receipt" => {
            return super::receipt::step(
                &state,
                &req,
                kind,
                id,
                action == "correct-receipt",
                &form,
            )
            .await;
        }
        "revert-receipt" => {
            state
                .services
                .revert_receipt(&actor, id, form.get("reason"), version)
                .await
        }
        other => match Transition::from_key(other) {
            Some(t) => {
                state
                    .services
                    .transition(&actor, kind, id, t, form.get("reason"), version)
                    .await
            }
            None => return req.not_found(),
        },
    };
    match result {
        Ok(_) => done(&action),
        Err(e @ (ServiceError::Invalid { .. } | ServiceError::Conflict { .. })) => {
            let field = match &e {
                ServiceError::Invalid { fields } => {
                    fields.first().map(|f| f.field.clone()).unwrap_or_default()
                }
                _ => String::new(),
            };
            let target = match (action.as_str(), field.as_str()) {
                ("revert-receipt", _) => "reason-revert",
                (_, "received_on") | ("confirm", _) => "received_on",
                ("reject", _) => "reason-reject",
                ("reopen", _) => "reason-reopen",
                ("dispute", _) => "reason-dispute",
                _ => "",
            };
            let _ = l;
            rerender(&state, &req, kind, id, e, target).await
        }
        Err(e) => req.service_error(e),
    }
}

/// Show the detail page again with the refusal at the top and next to its field.
pub(super) async fn rerender(
    state: &AppState,
    req: &Req,
    kind: RecordKind,
    id: RecordId,
    e: ServiceError,
    field_id: &str,
) -> Response {
    let l = req.l;
    let r = match state.services.read(&req.actor(), Some(kind), id).await {
        Ok(r) => r,
        Err(e) => return req.service_error(e),
    };
    let msg = match &e {
        ServiceError::Invalid { fields } => fields
            .iter()
            .map(|f| l.t(f.zh.clone(), f.en.clone()))
            .collect::<Vec<_>>()
            .join("；"),
        ServiceError::Conflict { zh, en } | ServiceError::Forbidden { zh, en } => {
            l.t(zh.clone(), en.clone())
        }
        _ => e.message().in_english(l.is_en()).to_string(),
    };
    let mut extras = DetailExtras {
        errors: vec![ErrorLink::new(
            if field_id.is_empty() {
                "actions"
            } else {
                field_id
            },
            msg.clone(),
        )],
        ..Default::default()
    };
    match field_id {
        "received_on" => extras.received_error = msg,
        "corrected_on" => extras.correct_error = msg,
        "reason-revert" => extras.revert_error = msg,
        "reason-reject" | "reason-reopen" | "reason-dispute" => extras.reason_error = msg,
        "evidence-file" => extras.upload_error = msg,
        _ => {}
    }
    match detail_page(state, req, &r, extras).await {
        Ok(p) => html_status(
            StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::CONFLICT),
            &p,
        ),
        Err(resp) => resp,
    }
}
