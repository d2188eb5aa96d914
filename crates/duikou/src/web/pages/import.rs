//! Importing a spreadsheet from the browser: upload, a row-level error report (file,
//! row, column, value, reason) or a preview with counts, then confirm. The uploaded
//! bytes wait server-side in the evidence store under their SHA-256; the confirm form
//! carries the hash with a keyed token binding it to the user and the kind. And the
//! empty template per kind.

use askama::Template;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use duikou_domain::id_number::mask_id_number;
use duikou_domain::roles::Actor;
use duikou_domain::schema::{FieldType, RecordKind};
use duikou_storage::records::RecordError;

use super::forms::Opt;
use super::records::{may_create, parse_kind};
use super::{Ctx, ErrorLink, Form, Req, file_response, html, html_status};
use crate::web::AppState;
use crate::web::auth::constant_time_eq;
use duikou_app::import_report::Problems;
use duikou_app::importer::upload::{
    Pending, UPLOADED_STATUS, check_pending, first_rows, import_pending, report_workbook,
};
use duikou_app::importer::{ImportFailure, Imported};

const PREVIEW_ROWS: usize = 10;

pub struct RowErrorView {
    pub file: String,
    pub row: usize,
    pub column: String,
    pub value: String,
    pub reason: String,
}

pub struct Preview {
    pub kind_key: &'static str,
    pub kind_label: String,
    pub file_name: String,
    pub sha: String,
    pub token: String,
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
    pub total_rows: usize,
    pub new_rows: usize,
    pub existing_rows: usize,
    pub status_label: String,
    /// Rows that import but a reviewer should look at (cross-checks), the first listed.
    pub warnings: Vec<RowErrorView>,
    pub warnings_total: u64,
    /// The warnings as a workbook.
    pub report_href: String,
}

pub struct TemplateLink {
    pub href: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    ctx: Ctx,
    kind_opts: Vec<Opt>,
    templates: Vec<TemplateLink>,
    errors: Vec<ErrorLink>,
    kind_error: String,
    file_error: String,
    report: Vec<RowErrorView>,
    report_file: String,
    /// The problem report as a workbook.
    report_href: String,
    preview: Option<Preview>,
    max_mb: usize,
}

#[derive(Template)]
#[template(path = "import_done.html")]
struct ImportDone {
    ctx: Ctx,
    kind_key: &'static str,
    kind_label: String,
    file_name: String,
    inserted: usize,
    skipped: usize,
    batch: i64,
    status_label: String,
}

fn importable(plan: &duikou_domain::plan::Plan, actor: &Actor) -> Vec<RecordKind> {
    if !actor.can_import() {
        return Vec::new();
    }
    plan.kinds()
        .iter()
        .copied()
        .filter(|k| may_create(actor, *k))
        .collect()
}

fn page(state: &AppState, req: &Req, selected: Option<RecordKind>) -> ImportPage {
    let l = req.l;
    let actor = req.actor();
    let kinds = importable(state.plan(), &actor);
    let mut kind_opts = vec![Opt {
        value: String::new(),
        label: l.s("（请选择）", "(choose)").into(),
        selected: selected.is_none(),
    }];
    kind_opts.extend(kinds.iter().map(|k| Opt {
        value: k.key().into(),
        label: l.kind(*k).into(),
        selected: selected == Some(*k),
    }));
    ImportPage {
        ctx: req.ctx(l.t("批量导入", "Import a file")),
        kind_opts,
        templates: kinds
            .iter()
            .map(|k| TemplateLink {
                href: format!("/import/template/{}.xlsx", k.key()),
                label: l.kind(*k).into(),
            })
            .collect(),
        errors: Vec::new(),
        kind_error: String::new(),
        file_error: String::new(),
        report: Vec::new(),
        report_file: String::new(),
        report_href: String::new(),
        preview: None,
        max_mb: duikou_app::upload_store::MAX_UPLOAD_BYTES / 1024 / 1024,
    }
}

fn token(state: &AppState, actor: &Actor, kind: RecordKind, sha: &str) -> String {
    state
        .services
        .key
        .blind_index(&format!("import|{}|{}|{sha}", actor.username, kind.key()))
}

pub async fn form(State(state): State<AppState>, req: Req) -> Response {
    if !req.actor().can_import() {
        return req.forbidden();
    }
    html(&page(&state, &req, None))
}

fn with_error(mut p: ImportPage, field: &str, msg: String) -> ImportPage {
    p.errors.push(ErrorLink::new(field, msg.clone()));
    match field {
        "kind" => p.kind_error = msg,
        _ => p.file_error = msg,
    }
    p
}

pub async fn upload(State(state): State<AppState>, req: Req, mut multipart: Multipart) -> Response {
    let l = req.l;
    let mut csrf = None;
    let mut kind_text = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                match field.name().unwrap_or_default() {
                    "csrf_token" => csrf = field.text().await.ok(),
                    "kind" => kind_text = field.text().await.unwrap_or_default(),
                    "file" => {
                        let name = field.file_name().unwrap_or_default().to_string();
                        match field.bytes().await {
                        Ok(b) => file = Some((name, b.to_vec())),
                        Err(_) => return req.bad_request(l.t("上传失败：文件过大或传输中断", "The upload failed: the file is too large or the transfer broke off")),
                    }
                    }
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(_) => {
                return req.bad_request(l.t(
                    "上传失败：文件过大或传输中断",
                    "The upload failed: the file is too large or the transfer broke off",
                ));
            }
        }
    }
    if let Err(r) = req.check_csrf(csrf.as_deref()) {
        return r;
    }
    let actor = req.actor();
    if !actor.can_import() {
        return req.forbidden();
    }
    let kind = parse_kind(state.plan(), kind_text.trim())
        .filter(|k| importable(state.plan(), &actor).contains(k));
    let Some(kind) = kind else {
        return html_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &with_error(
                page(&state, &req, None),
                "kind",
                l.t("请选择记录类型", "Choose the kind of records"),
            ),
        );
    };
    let Some((raw_name, bytes)) = file.filter(|(n, b)| !n.is_empty() && !b.is_empty()) else {
        return html_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &with_error(
                page(&state, &req, Some(kind)),
                "file",
                l.t(
                    "请选择要导入的 .xlsx 或 .csv 文件",
                    "Choose an .xlsx or .csv file to import",
                ),
            ),
        );
    };
    let Some(file_name) = duikou_app::evidence_store::clean_file_name(&raw_name) else {
        return html_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &with_error(
                page(&state, &req, Some(kind)),
                "file",
                l.t("文件名无效", "The file name is not valid"),
            ),
        );
    };
    let uploads = state.services.uploads.clone();
    let sha = match tokio::task::spawn_blocking(move || uploads.put(&bytes)).await {
        Ok(Ok(sha)) => sha,
        Ok(Err(e)) => return req.internal(e),
        Err(e) => return req.internal(e),
    };
    let pending = Pending {
        kind,
        file_name: &file_name,
        sha256: &sha,
    };
    match check_pending(&state.services, &actor, &pending).await {
        Ok(Imported::Checked {
            rows,
            existing,
            warnings,
        }) => {
            let first = match first_rows(&state.services, &pending, PREVIEW_ROWS).await {
                Ok(f) => f,
                Err(e) => return req.service_error(e),
            };
            let id_columns: Vec<usize> = first
                .headers
                .iter()
                .enumerate()
                .filter(|(_, h)| {
                    kind.field_by_header(h)
                        .is_some_and(|(fd, _)| fd.ty == FieldType::IdNumber)
                })
                .map(|(i, _)| i)
                .collect();
            let shown = first
                .rows
                .into_iter()
                .map(|r| {
                    (
                        r.number,
                        r.cells
                            .into_iter()
                            .enumerate()
                            .map(|(i, v)| {
                                if id_columns.contains(&i) && !v.is_empty() {
                                    mask_id_number(&v)
                                } else {
                                    v
                                }
                            })
                            .collect(),
                    )
                })
                .collect();
            let report_href = if warnings.is_empty() {
                String::new()
            } else {
                match keep_report(&state, &actor, &pending, &Problems::new(), &warnings).await {
                    Ok(href) => href,
                    Err(e) => return req.service_error(e),
                }
            };
            let token = token(&state, &actor, kind, &sha);
            let mut p = page(&state, &req, Some(kind));
            p.preview = Some(Preview {
                kind_key: kind.key(),
                kind_label: l.kind(kind).to_string(),
                report_href,
                token,
                sha,
                headers: first.headers,
                rows: shown,
                total_rows: rows,
                new_rows: rows - existing,
                existing_rows: existing,
                status_label: l.status(UPLOADED_STATUS).to_string(),
                warnings_total: warnings.total(),
                warnings: problem_views(l, warnings),
                file_name,
            });
            html(&p)
        }
        Ok(Imported::Written { .. }) => req.internal("a dry run wrote records"),
        Err(failure) => refused(&state, &req, &pending, failure, false).await,
    }
}

/// The token binding a kept report to the person it was made for.
fn report_token(state: &AppState, actor: &Actor, id: &str) -> String {
    state
        .services
        .key
        .blind_index(&format!("import-report|{}|{id}", actor.username))
}

/// Keep the problem report of a waiting upload for its uploader; the link to it.
async fn keep_report(
    state: &AppState,
    actor: &Actor,
    pending: &Pending<'_>,
    errors: &Problems,
    warnings: &Problems,
) -> Result<String, duikou_app::error::AppError> {
    let bytes = report_workbook(&state.services, pending, errors, warnings).await?;
    let uploads = state.services.uploads.clone();
    let id = tokio::task::spawn_blocking(move || uploads.put_report(&bytes))
        .await
        .map_err(|e| duikou_app::error::AppError::failure_text(e.to_string()))?
        .map_err(|e| duikou_app::error::AppError::failure_text(e.to_string()))?;
    Ok(format!(
        "/import/report?id={id}&file_name={}&token={}",
        crate::web::auth::urlencode(pending.file_name),
        report_token(state, actor, &id)
    ))
}

fn problem_views(l: super::Lang, problems: Problems) -> Vec<RowErrorView> {
    problems
        .into_iter()
        .map(|e| RowErrorView {
            file: e.file,
            row: e.row,
            column: e.column,
            value: e.value,
            reason: if l.is_en() {
                e.en
            } else {
                format!("{} / {}", e.zh, e.en)
            },
        })
        .collect()
}

/// The page for a file that was not imported: its problems row by row (with the report
/// as a workbook to download), or why it could not be read. The file is not kept.
async fn refused(
    state: &AppState,
    req: &Req,
    pending: &Pending<'_>,
    failure: ImportFailure,
    at_confirmation: bool,
) -> Response {
    let l = req.l;
    let (kind, file_name) = (pending.kind, pending.file_name);
    let report_href = match &failure {
        ImportFailure::Rows(problems) => {
            match keep_report(state, &req.actor(), pending, problems, &Problems::new()).await {
                Ok(href) => href,
                Err(e) => {
                    state.services.uploads.remove(pending.sha256);
                    return req.service_error(e);
                }
            }
        }
        _ => String::new(),
    };
    state.services.uploads.remove(pending.sha256);
    match failure {
        ImportFailure::Rows(problems) => {
            let mut p = page(state, req, Some(kind));
            let (zh, en) = (problems.summary_zh(), problems.summary_en());
            let text = if at_confirmation {
                l.t(
                    format!("文件在确认时发现错误（{zh}），整个文件未导入"),
                    format!("Problems were found when confirming ({en}); nothing was imported"),
                )
            } else {
                l.t(
                    format!("{file_name}：{zh}，整个文件未导入。请修改后重新上传。"),
                    format!("{file_name}: {en}; nothing was imported. Correct them and upload the file again."),
                )
            };
            p.errors.push(ErrorLink::new("report", text));
            p.report_file = file_name.to_string();
            p.report_href = report_href;
            p.report = problem_views(l, problems);
            html_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        ImportFailure::Table(e) => html_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &with_error(
                page(state, req, Some(kind)),
                "file",
                if l.is_en() { e.en() } else { e.zh() },
            ),
        ),
        ImportFailure::Changed => html_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &with_error(
                page(state, req, Some(kind)),
                "file",
                l.t(
                    "找不到上传的文件，请重新上传",
                    "The uploaded file is gone; upload it again",
                ),
            ),
        ),
        ImportFailure::Record(RecordError::AlreadyImported { batch, at }) => html_status(
            StatusCode::CONFLICT,
            &with_error(
                page(state, req, Some(kind)),
                "file",
                l.t(
                    format!("此文件已导入（批次 {batch}，{}），不会重复导入", l.timestamp(&at)),
                    format!(
                        "This file was already imported (batch {batch}, {}); it is not imported twice",
                        l.timestamp(&at)
                    ),
                ),
            ),
        ),
        ImportFailure::Record(e) => req.service_error(e.into()),
    }
}

pub async fn confirm(State(state): State<AppState>, req: Req, form: Form) -> Response {
    if let Err(r) = req.check_csrf(form.csrf()) {
        return r;
    }
    let l = req.l;
    let actor = req.actor();
    if !actor.can_import() {
        return req.forbidden();
    }
    let Some(kind) = form
        .get("kind")
        .and_then(|k| parse_kind(state.plan(), k))
        .filter(|k| importable(state.plan(), &actor).contains(k))
    else {
        return req.bad_request(l.t("记录类型无效", "Invalid kind"));
    };
    let sha = form.text("sha");
    let file_name = form
        .get("file_name")
        .and_then(duikou_app::evidence_store::clean_file_name)
        .unwrap_or_else(|| "upload".into());
    let expected = token(&state, &actor, kind, &sha);
    if !constant_time_eq(expected.as_bytes(), form.text("token").as_bytes()) {
        return req.bad_request(l.t(
            "导入确认无效，请重新上传文件",
            "The confirmation is not valid; upload the file again",
        ));
    }
    if state.services.uploads.existing_path(&sha).is_none() {
        return req.bad_request(l.t(
            "找不到上传的文件，请重新上传",
            "The uploaded file is gone; upload it again",
        ));
    }
    let pending = Pending {
        kind,
        file_name: &file_name,
        sha256: &sha,
    };
    match import_pending(&state.services, &actor, &pending).await {
        Ok(Imported::Written { outcome, .. }) => {
            // The upload has served its purpose.
            state.services.uploads.remove(&sha);
            html(&ImportDone {
                ctx: req.ctx(l.t("导入完成", "Imported")),
                kind_key: kind.key(),
                kind_label: l.kind(kind).to_string(),
                file_name,
                inserted: outcome.inserted,
                skipped: outcome.skipped_existing,
                batch: outcome.batch,
                status_label: l.status(UPLOADED_STATUS).to_string(),
            })
        }
        Ok(Imported::Checked { .. }) => req.internal("an import was only checked"),
        Err(failure) => refused(&state, &req, &pending, failure, true).await,
    }
}

/// A kept problem report (a refused file's, or a valid one's warnings), for the person
/// it was made for: its token binds it to them.
pub async fn report(State(state): State<AppState>, req: Req, RawQuery(q): RawQuery) -> Response {
    let l = req.l;
    let actor = req.actor();
    if !actor.can_import() {
        return req.forbidden();
    }
    let pairs = super::forms::parse_urlencoded(q.unwrap_or_default().as_bytes());
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let id = get("id");
    let expected = report_token(&state, &actor, id);
    if !constant_time_eq(expected.as_bytes(), get("token").as_bytes()) {
        return req.bad_request(l.t(
            "错误报告链接无效，请重新上传文件",
            "The report link is not valid; upload the file again",
        ));
    }
    let uploads = state.services.uploads.clone();
    let id = id.to_string();
    let bytes = match tokio::task::spawn_blocking(move || uploads.report(&id)).await {
        Ok(Ok(b)) => b,
        _ => {
            return req.bad_request(l.t(
                "错误报告已过期，请重新上传文件",
                "The report has expired; upload the file again",
            ));
        }
    };
    let file_name = duikou_app::evidence_store::clean_file_name(get("file_name"))
        .unwrap_or_else(|| "upload.xlsx".into());
    file_response(
        &duikou_app::importer::error_book::report_file_name(&file_name),
        duikou_reports::XLSX_CONTENT_TYPE,
        bytes,
        false,
    )
}

pub async fn template(
    State(state): State<AppState>,
    req: Req,
    Path(file): Path<String>,
) -> Response {
    let Some(kind) = file
        .strip_suffix(".xlsx")
        .and_then(|k| parse_kind(state.plan(), k))
    else {
        return req.not_found();
    };
    match duikou_reports::template::template(state.plan(), kind) {
        Ok(bytes) => file_response(
            &duikou_reports::template::file_name(kind),
            duikou_reports::XLSX_CONTENT_TYPE,
            bytes,
            false,
        ),
        Err(e) => req.internal(e),
    }
}
