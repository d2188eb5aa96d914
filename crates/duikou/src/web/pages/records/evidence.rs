//! Evidence files of a record: upload, download and view.

use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use duikou_domain::ids::RecordId;
use duikou_domain::schema::RecordKind;

use crate::web::AppState;
use crate::web::pages::{Req, file_response, see_other};
use duikou_app::evidence_store::{MAX_EVIDENCE_BYTES, clean_file_name, content_type_for};
use duikou_app::service::ServiceError;

use super::detail::{may_upload, rerender};
use super::*;

// ------------------------------------------------------------------ evidence

pub async fn upload_evidence(
    State(state): State<AppState>,
    req: Req,
    Path((kind, id)): Path<(String, String)>,
    mut multipart: Multipart,
) -> Response {
    let (Some(kind), Ok(id)) = (
        parse_kind(state.plan(), &kind),
        RecordId::parse(&id).ok_or(()),
    ) else {
        return req.not_found();
    };
    let l = req.l;
    let mut csrf = None;
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                if name == "csrf_token" {
                    csrf = field.text().await.ok();
                } else if name == "file" {
                    let fname = field.file_name().unwrap_or_default().to_string();
                    match field.bytes().await {
                        Ok(b) => file = Some((fname, b.to_vec())),
                        Err(_) => return upload_refused(&state, &req, kind, id, l.t(format!("文件过大（上限 {} MB）", MAX_EVIDENCE_BYTES / 1024 / 1024), format!("The file is too large (at most {} MB)", MAX_EVIDENCE_BYTES / 1024 / 1024))).await,
                    }
                }
            }
            Ok(None) => break,
            Err(_) => return req.bad_request(l.t(format!("上传失败：文件过大（上限 {} MB）或传输中断", MAX_EVIDENCE_BYTES / 1024 / 1024), format!("The upload failed: the file is too large (at most {} MB) or the transfer broke off", MAX_EVIDENCE_BYTES / 1024 / 1024))),
        }
    }
    if let Err(r) = req.check_csrf(csrf.as_deref()) {
        return r;
    }
    let actor = req.actor();
    let r = match state.services.read(&actor, Some(kind), id).await {
        Ok(r) => r,
        Err(e) => return req.service_error(e),
    };
    if !may_upload(&actor, &r) {
        return req.forbidden();
    }
    let Some((raw_name, bytes)) = file.filter(|(n, b)| !n.is_empty() && !b.is_empty()) else {
        return upload_refused(
            &state,
            &req,
            kind,
            id,
            l.t("请选择要上传的文件", "Choose a file to upload"),
        )
        .await;
    };
    if bytes.len() > MAX_EVIDENCE_BYTES {
        return upload_refused(
            &state,
            &req,
            kind,
            id,
            l.t(
                format!("文件过大（上限 {} MB）", MAX_EVIDENCE_BYTES / 1024 / 1024),
                format!(
                    "The file is too large (at most {} MB)",
                    MAX_EVIDENCE_BYTES / 1024 / 1024
                ),
            ),
        )
        .await;
    }
    let Some(name) = clean_file_name(&raw_name) else {
        return upload_refused(
            &state,
            &req,
            kind,
            id,
            l.t("文件名无效", "The file name is not valid"),
        )
        .await;
    };
    let Some(content_type) = content_type_for(&name) else {
        return upload_refused(
            &state,
            &req,
            kind,
            id,
            l.t("不支持此文件类型；可上传图片（jpg、png、gif）、PDF、Word、Excel、txt、csv、zip", "This type of file is not accepted: upload images (jpg, png, gif), PDF, Word, Excel, txt, csv or zip"),
        )
        .await;
    };
    let evidence = state.services.evidence.clone();
    let size = bytes.len() as i64;
    let sha = match tokio::task::spawn_blocking(move || evidence.put(&bytes)).await {
        Ok(Ok(sha)) => sha,
        Ok(Err(e)) => return req.internal(e),
        Err(e) => return req.internal(e),
    };
    match state
        .store()
        .add_evidence(id, &sha, &name, content_type, size, &actor.username)
        .await
    {
        Ok(_) => see_other(&format!("/records/{}/{id}?done=evidence", kind.key())),
        Err(e) => req.service_error(e.into()),
    }
}

pub(super) async fn upload_refused(
    state: &AppState,
    req: &Req,
    kind: RecordKind,
    id: RecordId,
    msg: String,
) -> Response {
    rerender(
        state,
        req,
        kind,
        id,
        ServiceError::Invalid {
            fields: vec![duikou_domain::record::FieldError {
                field: "file".into(),
                field_zh: "文件".into(),
                value: String::new(),
                zh: msg.clone(),
                en: msg,
            }],
        },
        "evidence-file",
    )
    .await
}

pub(super) async fn evidence_file(
    state: &AppState,
    req: &Req,
    kind: &str,
    id: &str,
    eid: &str,
) -> Result<(duikou_storage::entities::evidence::Model, Vec<u8>), Response> {
    let (Some(kind), Ok(id), Ok(eid)) = (
        parse_kind(state.plan(), kind),
        RecordId::parse(&id).ok_or(()),
        eid.parse::<i64>(),
    ) else {
        return Err(req.not_found());
    };
    state
        .services
        .read(&req.actor(), Some(kind), id)
        .await
        .map_err(|e| req.service_error(e))?;
    let ev = match state.store().evidence_by_id(eid).await {
        Ok(Some(ev)) if ev.record_id == id.0 => ev,
        Ok(_) => return Err(req.not_found()),
        Err(e) => return Err(req.internal(e)),
    };
    let store = state.services.evidence.clone();
    let sha = ev.sha256.clone();
    match tokio::task::spawn_blocking(move || store.get(&sha)).await {
        Ok(Ok(bytes)) => Ok((ev, bytes)),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => Err(req.not_found()),
        Ok(Err(e)) => Err(req.internal(e)),
        Err(e) => Err(req.internal(e)),
    }
}

pub async fn download_evidence(
    State(state): State<AppState>,
    req: Req,
    Path((kind, id, eid)): Path<(String, String, String)>,
) -> Response {
    match evidence_file(&state, &req, &kind, &id, &eid).await {
        Ok((ev, bytes)) => file_response(&ev.file_name, &ev.content_type, bytes, false),
        Err(r) => r,
    }
}

pub async fn view_evidence(
    State(state): State<AppState>,
    req: Req,
    Path((kind, id, eid)): Path<(String, String, String)>,
) -> Response {
    match evidence_file(&state, &req, &kind, &id, &eid).await {
        Ok((ev, bytes))
            if ev.content_type.starts_with("image/") || ev.content_type == "application/pdf" =>
        {
            file_response(&ev.file_name, &ev.content_type, bytes, true)
        }
        Ok((ev, bytes)) => file_response(&ev.file_name, &ev.content_type, bytes, false),
        Err(r) => r,
    }
}
