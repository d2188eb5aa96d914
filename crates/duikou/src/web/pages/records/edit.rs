//! The forms: a new record, and editing one, generated from the kind's fields.

use duikou_domain::ids::RecordId;
use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use duikou_domain::record::{FieldInput, Transition};
use duikou_domain::roles::{Actor, Role};
use duikou_domain::schema::{BuiltinKind, FieldType, RecordKind};
use duikou_storage::records::StoredRecord;

use crate::web::AppState;
use crate::web::pages::forms::{
    FormField, build_fields, defaults_for, inputs_from_form, values_from_form, values_of,
};
use crate::web::pages::{
    Ctx, ErrorLink, Form, FormWithFiles, Lang, Req, html, html_status, see_other,
};
use duikou_app::evidence_store::MAX_EVIDENCE_BYTES;
use duikou_app::service::{ServiceError, facts};

use super::*;

// ------------------------------------------------------------------ forms

/// Fields a user does not fill in: a transfer's date of receipt is set when the payee
/// confirms it (only the coordinators enter it directly, e.g. for past years).
pub(super) fn hidden_fields(actor: &Actor, kind: RecordKind) -> &'static [&'static str] {
    if kind.is(BuiltinKind::Transfer) && actor.role != Role::Coordinator {
        &["received_on"]
    } else {
        &[]
    }
}

#[derive(Template)]
#[template(path = "record_form.html")]
pub(super) struct FormPage {
    ctx: Ctx,
    kind_key: &'static str,
    kind_label: String,
    editing: bool,
    /// None for a new record.
    id: Option<RecordId>,
    version: i32,
    action_url: String,
    back_href: String,
    fields: Vec<FormField>,
    errors: Vec<ErrorLink>,
    /// A new record takes evidence files with it.
    evidence_error: String,
    max_mb: usize,
}

/// Map the service's refusal onto the form: field errors next to their fields.
pub(super) fn form_errors(
    l: Lang,
    kind: RecordKind,
    e: &ServiceError,
) -> (BTreeMap<String, String>, Vec<ErrorLink>) {
    let mut by_field = BTreeMap::new();
    let mut links = Vec::new();
    let fallback = kind.own_unit_field().unwrap_or("reporting_unit");
    match e {
        ServiceError::Invalid { fields } => {
            for f in fields {
                let known = kind.all_fields().any(|fd| fd.key == f.field);
                let key = if known {
                    f.field.clone()
                } else if f.field == "file" {
                    "evidence".to_string()
                } else {
                    fallback.to_string()
                };
                let label = l.field(&f.field, &f.field_zh);
                let mut msg = l.t(f.zh.clone(), f.en.clone());
                if !f.value.is_empty() && f.field != "id_number" {
                    msg = format!("{msg}（{}）", f.value);
                }
                links.push(ErrorLink::new(
                    &format!("f-{key}"),
                    format!("{label}：{msg}"),
                ));
                by_field
                    .entry(key)
                    .and_modify(|m: &mut String| m.push_str(&format!("；{msg}")))
                    .or_insert(msg);
            }
        }
        ServiceError::Forbidden { zh, en } | ServiceError::Conflict { zh, en } => {
            let msg = l.t(zh.clone(), en.clone());
            links.push(ErrorLink::new(&format!("f-{fallback}"), msg.clone()));
            by_field.insert(fallback.to_string(), msg);
        }
        ServiceError::Input(m) => {
            let msg = m.in_english(l.is_en()).to_string();
            links.push(ErrorLink::new(&format!("f-{fallback}"), msg.clone()));
            by_field.insert(fallback.to_string(), msg);
        }
        ServiceError::NotFound | ServiceError::Failure(_) => {}
    }
    (by_field, links)
}

pub(super) fn error_status(e: &ServiceError) -> StatusCode {
    StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY)
}

pub async fn new_form(
    State(state): State<AppState>,
    req: Req,
    Path(kind): Path<String>,
) -> Response {
    let Some(kind) = parse_kind(state.plan(), &kind) else {
        return req.not_found();
    };
    let actor = req.actor();
    if !may_create(&actor, kind) {
        return req.forbidden();
    }
    let l = req.l;
    let values = defaults_for(kind, state.plan(), &actor);
    html(&FormPage {
        ctx: req.ctx(l.t(
            format!("新增{}", kind.label_zh()),
            format!("New: {}", kind.label_en()),
        )),
        kind_key: kind.key(),
        kind_label: l.kind(kind).to_string(),
        editing: false,
        id: None,
        version: 0,
        action_url: format!("/records/{}/new", kind.key()),
        back_href: format!("/records/{}", kind.key()),
        fields: build_fields(
            l,
            state.plan(),
            &actor,
            kind,
            &values,
            &BTreeMap::new(),
            None,
            hidden_fields(&actor, kind),
        ),
        errors: Vec::new(),
        evidence_error: String::new(),
        max_mb: MAX_EVIDENCE_BYTES / 1024 / 1024,
    })
}

pub async fn create(
    State(state): State<AppState>,
    req: Req,
    Path(kind): Path<String>,
    body: FormWithFiles,
) -> Response {
    let Some(kind) = parse_kind(state.plan(), &kind) else {
        return req.not_found();
    };
    let FormWithFiles {
        form,
        files,
        broken,
    } = body;
    if let Err(r) = req.check_csrf(form.csrf()) {
        return r;
    }
    let actor = req.actor();
    if !may_create(&actor, kind) {
        return req.forbidden();
    }
    let submit = form.get("intent") == Some("submit");
    let mut inputs = inputs_from_form(kind, &form);
    for key in hidden_fields(&actor, kind) {
        inputs.remove(*key);
    }
    let result = if broken {
        let mb = MAX_EVIDENCE_BYTES / 1024 / 1024;
        Err(ServiceError::invalid_field(
            "file",
            "佐证材料",
            &format!("上传失败：文件过大（每个不超过 {mb} MB，合计不超过 25 MB）或传输中断"),
            &format!(
                "the upload failed: a file is too large (at most {mb} MB each, 25 MB in all) or the transfer broke off"
            ),
        ))
    } else {
        state
            .services
            .create_with_evidence(&actor, kind, &inputs, submit, files)
            .await
    };
    match result {
        Ok(r) => see_other(&format!(
            "/records/{}/{}?done={}",
            kind.key(),
            r.id,
            if submit { "submit" } else { "created" }
        )),
        Err(
            e @ (ServiceError::Invalid { .. }
            | ServiceError::Forbidden { .. }
            | ServiceError::Conflict { .. }),
        ) => {
            let l = req.l;
            let (by_field, errors) = form_errors(l, kind, &e);
            let page = FormPage {
                ctx: req.ctx(l.t(
                    format!("新增{}", kind.label_zh()),
                    format!("New: {}", kind.label_en()),
                )),
                kind_key: kind.key(),
                kind_label: l.kind(kind).to_string(),
                editing: false,
                id: None,
                version: 0,
                action_url: format!("/records/{}/new", kind.key()),
                back_href: format!("/records/{}", kind.key()),
                fields: build_fields(
                    l,
                    state.plan(),
                    &actor,
                    kind,
                    &values_from_form(kind, &form),
                    &by_field,
                    None,
                    hidden_fields(&actor, kind),
                ),
                evidence_error: by_field.get("evidence").cloned().unwrap_or_default(),
                errors,
                max_mb: MAX_EVIDENCE_BYTES / 1024 / 1024,
            };
            html_status(error_status(&e), &page)
        }
        Err(e) => req.service_error(e),
    }
}

pub(super) async fn editable(
    state: &AppState,
    req: &Req,
    kind: RecordKind,
    id: RecordId,
) -> Result<StoredRecord, Response> {
    let actor = req.actor();
    let r = state
        .services
        .read(&actor, Some(kind), id)
        .await
        .map_err(|e| req.service_error(e))?;
    if !actor.can_edit(&facts(&r)) {
        return Err(req.forbidden());
    }
    if !r.status.is_editable() {
        let l = req.l;
        return Err(req.error(
            StatusCode::CONFLICT,
            l.t("记录不能修改", "The record cannot be changed"),
            l.t(
                format!(
                    "记录状态为「{}」，只有草稿或已退回的记录可以修改。",
                    r.status.label_zh()
                ),
                format!(
                    "The record is {}; only drafts and returned records can be changed.",
                    r.status.key()
                ),
            ),
        ));
    }
    Ok(r)
}

pub async fn edit_form(
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
    let r = match editable(&state, &req, kind, id).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let l = req.l;
    let actor = req.actor();
    let values = values_of(&r.fields, &r.notes, &r.reporting_unit, r.plan_year);
    html(&FormPage {
        ctx: req.ctx(l.t(
            format!("修改{} #{id}", kind.label_zh()),
            format!("Change {} #{id}", kind.label_en()),
        )),
        kind_key: kind.key(),
        kind_label: l.kind(kind).to_string(),
        editing: true,
        id: Some(id),
        version: r.version,
        action_url: format!("/records/{}/{id}/edit", kind.key()),
        back_href: format!("/records/{}/{id}", kind.key()),
        fields: build_fields(
            l,
            state.plan(),
            &actor,
            kind,
            &values,
            &BTreeMap::new(),
            r.id_masked.as_deref(),
            hidden_fields(&actor, kind),
        ),
        errors: Vec::new(),
        evidence_error: String::new(),
        max_mb: MAX_EVIDENCE_BYTES / 1024 / 1024,
    })
}

pub async fn update(
    State(state): State<AppState>,
    req: Req,
    Path((kind, id)): Path<(String, String)>,
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
    let r = match editable(&state, &req, kind, id).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let actor = req.actor();
    let mut inputs = inputs_from_form(kind, &form);
    // A required ID number left empty keeps the stored one (never shown in the form).
    if let Some(fd) = kind
        .fields()
        .iter()
        .find(|f| f.ty == FieldType::IdNumber && f.required)
        && inputs.get(fd.key).is_none_or(|v| v.text.trim().is_empty())
        && let Some(plain) = r
            .id_cipher
            .as_deref()
            .and_then(|c| state.services.key.decrypt(c).ok())
    {
        inputs.insert(fd.key.to_string(), FieldInput::new(plain));
    }
    // Hidden fields keep what is stored.
    for key in hidden_fields(&actor, kind) {
        let stored = r
            .fields
            .get(*key)
            .map(duikou_domain::record::Value::display)
            .unwrap_or_default();
        inputs.insert(key.to_string(), FieldInput::new(stored));
    }
    let version = form.get("version").and_then(|v| v.parse::<i32>().ok());
    let submit = form.get("intent") == Some("submit");
    let result = match state
        .services
        .update(&actor, kind, id, &inputs, version)
        .await
    {
        Ok(after) if submit => {
            state
                .services
                .transition(
                    &actor,
                    kind,
                    id,
                    Transition::Submit,
                    None,
                    Some(after.version),
                )
                .await
        }
        other => other,
    };
    match result {
        Ok(_) => see_other(&format!(
            "/records/{}/{id}?done={}",
            kind.key(),
            if submit { "submit" } else { "saved" }
        )),
        Err(
            e @ (ServiceError::Invalid { .. }
            | ServiceError::Forbidden { .. }
            | ServiceError::Conflict { .. }),
        ) => {
            let l = req.l;
            let (by_field, errors) = form_errors(l, kind, &e);
            let page = FormPage {
                ctx: req.ctx(l.t(
                    format!("修改{} #{id}", kind.label_zh()),
                    format!("Change {} #{id}", kind.label_en()),
                )),
                kind_key: kind.key(),
                kind_label: l.kind(kind).to_string(),
                editing: true,
                id: Some(id),
                version: version.unwrap_or(r.version),
                action_url: format!("/records/{}/{id}/edit", kind.key()),
                back_href: format!("/records/{}/{id}", kind.key()),
                fields: build_fields(
                    l,
                    state.plan(),
                    &actor,
                    kind,
                    &values_from_form(kind, &form),
                    &by_field,
                    r.id_masked.as_deref(),
                    hidden_fields(&actor, kind),
                ),
                evidence_error: by_field.get("evidence").cloned().unwrap_or_default(),
                errors,
                max_mb: MAX_EVIDENCE_BYTES / 1024 / 1024,
            };
            html_status(error_status(&e), &page)
        }
        Err(e) => req.service_error(e),
    }
}
