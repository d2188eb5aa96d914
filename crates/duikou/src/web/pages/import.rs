//! Importing a spreadsheet from the browser: upload, a row-level error report (file,
//! row, column, value, reason) or a preview with counts, then confirm. The uploaded
//! bytes wait server-side in the evidence store under their SHA-256; the confirm form
//! carries the hash with a keyed token binding it to the user and the kind. And the
//! empty template per kind.

use duikou_domain::message::Message;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use duikou_domain::id_number::mask_id_number;
use duikou_domain::record::Status;
use duikou_domain::roles::Actor;
use duikou_domain::schema::{FieldType, RecordKind};
use duikou_storage::records::{ImportFile, NewRecord, RecordError};
use sha2::{Digest, Sha256};

use super::forms::Opt;
use super::records::{may_create, parse_kind};
use super::{Ctx, ErrorLink, Form, Req, file_response, html, html_status};
use crate::web::AppState;
use crate::web::auth::constant_time_eq;
use duikou_app::import_report::Problems;
use duikou_app::importer::{PrepareContext, conflicts_with_stored, prepare};
use duikou_app::tabular::Table;

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
        preview: None,
        max_mb: duikou_app::upload_store::MAX_UPLOAD_BYTES / 1024 / 1024,
    }
}

/// Every upload waits for review, a coordinator's too: four eyes (another coordinator
/// approves). Only the administrator's command-line bulk import writes approved records.
fn status_for(_actor: &Actor) -> Status {
    Status::Submitted
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

/// Read and check a file as the actor would import it.
struct Checked {
    table: Table,
    rows: Vec<NewRecord>,
    existing: usize,
}

async fn check(
    state: &AppState,
    actor: &Actor,
    kind: RecordKind,
    file_name: &str,
    bytes: Arc<Vec<u8>>,
) -> Result<Result<Checked, Problems>, Message> {
    let plan = state.services.plan.clone();
    let key = state.services.key.clone();
    let actor2 = actor.clone();
    let name = file_name.to_string();
    let today = state.services.today();
    let prepared = tokio::task::spawn_blocking(move || {
        let table =
            duikou_app::tabular::read_table_bytes(&name, &bytes, &[kind.key(), kind.label_zh()])?;
        let ctx = PrepareContext {
            plan: &plan,
            key: &key,
            actor: Some(&actor2),
            today,
        };
        let rows = prepare(&table, kind, &ctx);
        Ok::<_, duikou_app::tabular::TableError>((table, rows))
    })
    .await
    .map_err(|e| Message::bilingual(e.to_string()))?;
    let (table, rows) = match prepared {
        Ok(x) => x,
        Err(table_error) => return Err(Message::new(table_error.zh(), table_error.en())),
    };
    let rows = match rows {
        Ok(r) => r,
        Err(errors) => return Ok(Err(errors)),
    };
    let keys: Vec<String> = rows.iter().filter_map(|r| r.natural_key.clone()).collect();
    let stored = state
        .store()
        .stored_by_natural_key(&keys)
        .await
        .map_err(|e| Message::bilingual(e.to_string()))?;
    let conflicts = conflicts_with_stored(&table, kind, &rows, &stored);
    if !conflicts.is_empty() {
        return Ok(Err(conflicts));
    }
    let existing = rows
        .iter()
        .filter(|r| {
            r.natural_key
                .as_ref()
                .is_some_and(|k| stored.contains_key(k))
        })
        .count();
    Ok(Ok(Checked {
        table,
        rows,
        existing,
    }))
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
    let sha = hex::encode(Sha256::digest(&bytes));
    match state.store().find_import(kind, &sha).await {
        Ok(Some((batch, at))) => {
            return html_status(
                StatusCode::CONFLICT,
                &with_error(page(&state, &req, Some(kind)), "file", l.t(format!("此文件已导入（批次 {batch}，{}），不会重复导入", l.timestamp(&at)), format!("This file was already imported (batch {batch}, {}); it is not imported twice", l.timestamp(&at)))),
            );
        }
        Ok(None) => {}
        Err(e) => return req.internal(e),
    }
    let bytes = Arc::new(bytes);
    let checked = match check(&state, &actor, kind, &file_name, bytes.clone()).await {
        Ok(c) => c,
        Err(msg) => {
            return html_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &with_error(
                    page(&state, &req, Some(kind)),
                    "file",
                    msg.in_english(l.is_en()).to_string(),
                ),
            );
        }
    };
    match checked {
        Err(row_errors) => {
            let mut p = page(&state, &req, Some(kind));
            let (zh, en) = (row_errors.summary_zh(), row_errors.summary_en());
            p.errors.push(ErrorLink::new("report", l.t(format!("{file_name}：{zh}，整个文件未导入。请修改后重新上传。"), format!("{file_name}: {en}; nothing was imported. Correct them and upload the file again."))));
            p.report_file = file_name;
            p.report = row_errors
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
                .collect();
            html_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Ok(c) => {
            // Keep the bytes until the user confirms, and no longer.
            let store = state.services.uploads.clone();
            let b = bytes.clone();
            match tokio::task::spawn_blocking(move || store.put(&b)).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => return req.internal(e),
                Err(e) => return req.internal(e),
            }
            let id_columns: Vec<usize> = c
                .table
                .headers
                .iter()
                .enumerate()
                .filter(|(_, h)| {
                    kind.field_by_header(h)
                        .is_some_and(|(fd, _)| fd.ty == FieldType::IdNumber)
                })
                .map(|(i, _)| i)
                .collect();
            let rows = c
                .table
                .rows
                .iter()
                .take(PREVIEW_ROWS)
                .map(|r| {
                    (
                        r.number,
                        r.cells
                            .iter()
                            .enumerate()
                            .map(|(i, v)| {
                                if id_columns.contains(&i) && !v.is_empty() {
                                    mask_id_number(v)
                                } else {
                                    v.clone()
                                }
                            })
                            .collect(),
                    )
                })
                .collect();
            let mut p = page(&state, &req, Some(kind));
            p.preview = Some(Preview {
                kind_key: kind.key(),
                kind_label: l.kind(kind).to_string(),
                token: token(&state, &actor, kind, &sha),
                sha,
                headers: c.table.headers.clone(),
                rows,
                total_rows: c.rows.len(),
                new_rows: c.rows.len() - c.existing,
                existing_rows: c.existing,
                status_label: l.status(status_for(&actor)).to_string(),
                file_name,
            });
            html(&p)
        }
    }
}

/// Removes a pending upload when the confirmation is done with it.
struct ForgetUpload<'a>(&'a duikou_app::upload_store::PendingUploads, &'a str);

impl Drop for ForgetUpload<'_> {
    fn drop(&mut self) {
        self.0.remove(self.1);
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
    let uploads = state.services.uploads.clone();
    let sha2 = sha.clone();
    let bytes = match tokio::task::spawn_blocking(move || uploads.get(&sha2)).await {
        Ok(Ok(b)) => Arc::new(b),
        _ => {
            return req.bad_request(l.t(
                "找不到上传的文件，请重新上传",
                "The uploaded file is gone; upload it again",
            ));
        }
    };
    // Whatever comes of the confirmation, the upload has served its purpose.
    let _forget = ForgetUpload(&state.services.uploads, &sha);
    // Check again: records may have changed since the preview.
    let checked = match check(&state, &actor, kind, &file_name, bytes).await {
        Ok(Ok(c)) => c,
        Ok(Err(errors)) => {
            let mut p = page(&state, &req, Some(kind));
            p.errors.push(ErrorLink::new(
                "report",
                l.t(
                    format!(
                        "文件在确认时发现错误（{}），整个文件未导入",
                        errors.summary_zh()
                    ),
                    format!(
                        "Problems were found when confirming ({}); nothing was imported",
                        errors.summary_en()
                    ),
                ),
            ));
            p.report_file = file_name;
            p.report = errors
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
                .collect();
            return html_status(StatusCode::UNPROCESSABLE_ENTITY, &p);
        }
        Err(msg) => {
            return html_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &with_error(
                    page(&state, &req, Some(kind)),
                    "file",
                    msg.in_english(l.is_en()).to_string(),
                ),
            );
        }
    };
    let status = status_for(&actor);
    let outcome = state
        .store()
        .import_records(
            &ImportFile {
                kind,
                file_name: &file_name,
                sha256: &sha,
            },
            &checked.rows,
            status,
            &actor.username,
            |_| {},
        )
        .await;
    match outcome {
        Ok(o) => html(&ImportDone {
            ctx: req.ctx(l.t("导入完成", "Imported")),
            kind_key: kind.key(),
            kind_label: l.kind(kind).to_string(),
            file_name,
            inserted: o.inserted,
            skipped: o.skipped_existing,
            batch: o.batch,
            status_label: l.status(status).to_string(),
        }),
        Err(RecordError::AlreadyImported { batch, at }) => html_status(
            StatusCode::CONFLICT,
            &with_error(
                page(&state, &req, Some(kind)),
                "file",
                l.t(
                    format!("此文件已导入（批次 {batch}，{}）", l.timestamp(&at)),
                    format!(
                        "This file was already imported (batch {batch}, {})",
                        l.timestamp(&at)
                    ),
                ),
            ),
        ),
        Err(e) => req.service_error(e.into()),
    }
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
