//! The JSON API under `/api/v1` (docs/interfaces.md, "HTTP API"). Handlers stay thin: they
//! read the request, call `duikou_app::service::Services` (which owns every rule) and turn
//! its answer or its `ServiceError` into JSON with the matching status code.
//!
//! Authentication: `Authorization: Bearer TOKEN` (from `POST /api/v1/login`) or the
//! session cookie; a cookie-borne request that changes something must also carry the
//! session's CSRF token in `X-CSRF-Token`. Until the initial password is changed
//! (`POST /api/v1/me/password`), a session may only ask who it is and sign out; every
//! other route answers 403 `password_change_required` (`auth::ApiUser`). The OpenAPI document is at
//! `/api/v1/openapi.json`, Swagger UI at `/api/v1/docs`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use duikou_domain::ids::RecordId;
use duikou_domain::record::{FieldError, Transition};
use duikou_domain::schema::{BuiltinKind, RecordKind};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_swagger_ui::SwaggerUi;

use super::AppState;
use super::auth::{self, ApiSelf, ApiUser, Authenticated};
use duikou_app::listing::ListAsk;
use duikou_app::service::{ServiceError, api_inputs};
use duikou_app::sign_in::{SignIn, sign_in};

/// The header carrying the CSRF token of a cookie session.
pub const CSRF_HEADER: &str = "x-csrf-token";

mod batches;
mod me;
pub mod records;
mod reminders;

const DEFAULT_PER_PAGE: u64 = 50;
const MAX_PER_PAGE: u64 = 500;

pub fn routes(for_plan: &duikou_domain::plan::Plan) -> Router<AppState> {
    Router::new()
        .route("/api/v1/login", post(login))
        .route("/api/v1/logout", post(logout))
        .route("/api/v1/me", get(me::me))
        .route("/api/v1/me/password", post(me::change_password))
        .route(
            "/api/v1/records/{kind}",
            get(records::list_records).post(records::create_record),
        )
        .route(
            "/api/v1/records/{kind}/bulk-approve",
            post(records::bulk_approve),
        )
        .route(
            "/api/v1/records/{kind}/{id}",
            get(records::get_record)
                .patch(records::patch_record)
                .delete(records::delete_record),
        )
        .route(
            "/api/v1/records/{kind}/{id}/dispute",
            post(records::dispute_record),
        )
        .route(
            "/api/v1/records/{kind}/{id}/{action}",
            post(records::record_action),
        )
        .route("/api/v1/assessment", get(assessment))
        .route("/api/v1/plan", get(plan))
        .route("/api/v1/notices", get(reminders::notices))
        .route("/api/v1/reminders/chase", post(reminders::chase))
        .route("/api/v1/batches/{id}", get(batches::summary))
        .route("/api/v1/batches/{id}/{action}", post(batches::review))
        .route("/api/v1", any(unknown_route))
        .route("/api/v1/{*rest}", any(unknown_route))
        .merge(
            SwaggerUi::new("/api/v1/docs")
                .external_url_unchecked("/api/v1/openapi.json", openapi_for(for_plan)),
        )
}

/// The OpenAPI document with the plan's record kinds: every `{kind}` path parameter is
/// an enumeration of the kinds this plan defines, its own included.
pub fn openapi_for(plan: &duikou_domain::plan::Plan) -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("OpenAPI serialises");
    let keys: Vec<&str> = plan.kinds().iter().map(|k| k.key()).collect();
    let names: Vec<String> = plan
        .kinds()
        .iter()
        .map(|k| format!("{} {}", k.key(), k.label_zh()))
        .collect();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for operation in paths.values_mut().filter_map(Value::as_object_mut) {
            for op in operation.values_mut() {
                let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
                    continue;
                };
                for p in params
                    .iter_mut()
                    .filter(|p| p["name"] == "kind" && p["in"] == "path")
                {
                    p["schema"] = json!({ "type": "string", "enum": keys });
                    p["description"] = json!(format!("record kind: {}", names.join(", ")));
                }
            }
        }
    }
    doc
}

// ------------------------------------------------------------------ errors

/// One field's problem, as the API reports it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The field's English key.
    #[schema(example = "amount")]
    pub field: String,
    /// Its Chinese column name.
    #[schema(example = "金额（元）")]
    pub field_zh: String,
    /// The value refused (an ID number masked).
    #[schema(example = "-5")]
    pub value: String,
    #[schema(example = "金额必须大于零")]
    pub zh: String,
    #[schema(example = "the amount must be greater than zero")]
    pub en: String,
}

impl From<&FieldError> for FieldProblem {
    fn from(f: &FieldError) -> Self {
        FieldProblem {
            field: f.field.clone(),
            field_zh: f.field_zh.clone(),
            value: f.value.clone(),
            zh: f.zh.clone(),
            en: f.en.clone(),
        }
    }
}

/// Every error: a stable code, a message in Chinese and English, and for 422 the fields.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"error": "invalid", "message": "金额（元）（amount）「-5」：金额必须大于零 / the amount must be greater than zero",
    "fields": [{"field": "amount", "field_zh": "金额（元）", "value": "-5", "zh": "金额必须大于零", "en": "the amount must be greater than zero"}]}))]
pub struct ErrorBody {
    /// unauthorized, password_change_required, invalid_login, locked, csrf, forbidden, not_found, conflict, invalid,
    /// bad_request, unsupported_media_type, internal
    pub error: String,
    /// "中文 / English"
    pub message: String,
    pub fields: Vec<FieldProblem>,
}

/// An error response of the API.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
    retry_after: Option<i64>,
}

impl ApiError {
    fn new(
        status: StatusCode,
        error: &str,
        zh: impl std::fmt::Display,
        en: impl std::fmt::Display,
    ) -> Self {
        ApiError {
            status,
            body: ErrorBody {
                error: error.into(),
                message: format!("{zh} / {en}"),
                fields: Vec::new(),
            },
            retry_after: None,
        }
    }
    fn bad_request(zh: impl std::fmt::Display, en: impl std::fmt::Display) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", zh, en)
    }
    fn not_found() -> Self {
        ServiceError::NotFound.into()
    }
    fn invalid(field: &str, value: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        ServiceError::Invalid {
            fields: vec![FieldError {
                field: field.into(),
                field_zh: String::new(),
                value: value.into(),
                zh: zh.into(),
                en: en.into(),
            }],
        }
        .into()
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        let status =
            StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let (error, fields) = match &e {
            ServiceError::Forbidden { .. } => ("forbidden", Vec::new()),
            ServiceError::NotFound => ("not_found", Vec::new()),
            ServiceError::Conflict { .. } => ("conflict", Vec::new()),
            ServiceError::Invalid { fields } => {
                ("invalid", fields.iter().map(FieldProblem::from).collect())
            }
            ServiceError::Input(_) => ("invalid", Vec::new()),
            ServiceError::Failure(_) => ("internal", Vec::new()),
        };
        let message = match &e {
            ServiceError::Failure(message) => {
                tracing::error!(error = %message, "internal error in the API");
                "内部错误 / internal error".to_string()
            }
            other => other.to_string(),
        };
        ApiError {
            status,
            body: ErrorBody {
                error: error.into(),
                message,
                fields,
            },
            retry_after: None,
        }
    }
}

impl From<duikou_storage::StoreError> for ApiError {
    fn from(e: duikou_storage::StoreError) -> Self {
        ServiceError::from(e).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.status, axum::Json(self.body)).into_response();
        if let Some(s) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        res
    }
}

type ApiResult<T> = Result<T, ApiError>;

// ------------------------------------------------------------------ request helpers

fn kind_of(plan: &duikou_domain::plan::Plan, key: &str) -> ApiResult<RecordKind> {
    plan.kind(key).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("没有记录类型「{key}」"),
            format!("no record kind \"{key}\""),
        )
    })
}

fn record_id_of(s: &str) -> ApiResult<RecordId> {
    RecordId::parse(s).ok_or_else(ApiError::not_found)
}

fn id_of(s: &str) -> ApiResult<i64> {
    s.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(ApiError::not_found)
}

/// Cookie-borne requests that change something must carry the session's CSRF token.
fn check_csrf(user: &Authenticated, headers: &HeaderMap) -> ApiResult<()> {
    let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    if user.check_csrf(sent) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "缺少或错误的 X-CSRF-Token 请求头",
            "missing or wrong X-CSRF-Token header",
        ))
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| {
            let m = m.trim().to_ascii_lowercase();
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// A JSON request body; an empty body gives `T::default()` when `required` is false.
fn parse_body<T: DeserializeOwned + Default>(
    headers: &HeaderMap,
    body: &Bytes,
    required: bool,
) -> ApiResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return if required {
            Err(ApiError::bad_request(
                "请求体为空，应为 JSON",
                "the request body is empty; JSON expected",
            ))
        } else {
            Ok(T::default())
        };
    }
    if !is_json(headers) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "请求体应为 JSON（Content-Type: application/json）",
            "the body must be JSON (Content-Type: application/json)",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        if e.classify() == serde_json::error::Category::Data {
            let mut err = ApiError::bad_request(
                "请求体字段类型不对",
                format!("wrong field type in the body: {e}"),
            );
            err.status = StatusCode::UNPROCESSABLE_ENTITY;
            err.body.error = "invalid".into();
            err
        } else {
            ApiError::bad_request(
                "请求体不是有效的 JSON",
                format!("the body is not valid JSON: {e}"),
            )
        }
    })
}

fn query<T: Default>(q: Result<Query<T>, QueryRejection>) -> ApiResult<T> {
    q.map(|Query(t)| t).map_err(|e| {
        ApiError::bad_request("查询参数无效", format!("invalid query parameters: {e}"))
    })
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn parse_number<T: std::str::FromStr>(field: &str, s: &Option<String>) -> ApiResult<Option<T>> {
    match non_empty(s) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| ApiError::invalid(field, v, "应为整数", "must be a whole number")),
    }
}

fn parse_flag(field: &str, s: &Option<String>) -> ApiResult<bool> {
    match non_empty(s) {
        None => Ok(false),
        Some("1" | "true" | "yes" | "是") => Ok(true),
        Some("0" | "false" | "no" | "否") => Ok(false),
        Some(v) => Err(ApiError::invalid(
            field,
            v,
            "应为 true 或 false",
            "must be true or false",
        )),
    }
}

/// Take an optional non-API key (submit, version) out of a record body.
fn take_bool(obj: &mut serde_json::Map<String, Value>, key: &str) -> ApiResult<bool> {
    match obj.remove(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(b),
        Some(v) => Err(ApiError::invalid(
            key,
            &v.to_string(),
            "应为 true 或 false",
            "must be true or false",
        )),
    }
}

fn take_version(obj: &mut serde_json::Map<String, Value>) -> ApiResult<Option<i32>> {
    match obj.remove("version") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| {
                ApiError::invalid(
                    "version",
                    &v.to_string(),
                    "应为整数",
                    "must be a whole number",
                )
            }),
    }
}

fn record_url(kind: RecordKind, id: i64) -> String {
    format!("/api/v1/records/{}/{id}", kind.key())
}

fn user_json(u: &duikou_storage::users::User) -> Value {
    json!({ "id": u.id, "username": u.username, "role": u.role.key(), "role_zh": u.role.label_zh(), "unit": u.unit, "must_change_password": u.must_change_password })
}

fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

// ------------------------------------------------------------------ sign-in

#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({"username": "清溪镇", "password": "initial-password"}))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// Sign in; returns a bearer token (and sets the session cookie for browsers).
#[utoipa::path(post, path = "/api/v1/login", tag = "auth", security(()),
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in. `token` goes in `Authorization: Bearer`; a cookie client sends `csrf_token` in `X-CSRF-Token` on changes.",
            body = Value, example = json!({"token": "64 hex digits", "csrf_token": "64 hex digits", "expires_in": 28800, "must_change_password": true,
                "user": {"id": 2, "username": "清溪镇", "role": "reporter", "role_zh": "填报单位", "unit": "清溪镇", "must_change_password": true}})),
        (status = 401, description = "Wrong username or password (one answer for both), or account disabled", body = ErrorBody),
        (status = 429, description = "Too many failures: locked; see Retry-After (seconds)", body = ErrorBody),
    ))]
async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let req: LoginRequest = parse_body(&headers, &body, true)?;
    let invalid = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_login",
            "用户名或密码错误",
            "wrong username or password",
        )
    };
    match sign_in(state.store(), &req.username, &req.password).await? {
        SignIn::Welcome { user, session } => {
            let body = json!({
                "token": session.token,
                "csrf_token": session.csrf_token,
                "expires_in": auth::SESSION_LIFETIME.whole_seconds(),
                "must_change_password": user.must_change_password,
                "user": user_json(&user),
            });
            let cookie = auth::session_cookie(&session.token, state.secure_cookies).to_string();
            let mut res = axum::Json(body).into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                res.headers_mut().insert(header::SET_COOKIE, v);
            }
            Ok(no_store(res))
        }
        SignIn::Refused => Err(invalid()),
        SignIn::Locked { seconds } => {
            let mut e = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "locked",
                format!("登录失败次数过多，请 {seconds} 秒后再试"),
                format!("too many failed sign-ins; try again in {seconds} seconds"),
            );
            e.retry_after = Some(seconds);
            Err(e)
        }
    }
}

/// End the session of this request (token or cookie).
#[utoipa::path(post, path = "/api/v1/logout", tag = "auth",
    params(("X-CSRF-Token" = Option<String>, Header, description = "required with cookie sessions")),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Cookie session without the CSRF token", body = ErrorBody),
    ))]
async fn logout(
    State(state): State<AppState>,
    ApiSelf(user): ApiSelf,
    headers: HeaderMap,
) -> ApiResult<Response> {
    check_csrf(&user, &headers)?;
    state.store().end_session(&user.token).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::clear_session_cookie().to_string()) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(res)
}

// ------------------------------------------------------------------ assessment and plan

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssessParams {
    /// Plan year (default: this year, within the plan's years; or the year of as_of)
    #[param(value_type = Option<i32>, example = 2019)]
    pub year: Option<String>,
    /// As-of date (default: today, or the end of a past year)
    #[param(value_type = Option<String>, format = Date, example = "2019-12-31")]
    pub as_of: Option<String>,
    /// Count submitted records too
    #[param(value_type = Option<bool>, example = false)]
    pub include_submitted: Option<String>,
}

/// Every indicator: the same document as `duikou assess --format json`.
#[utoipa::path(get, path = "/api/v1/assessment", tag = "assessment", params(AssessParams),
    responses(
        (status = 200, description = "The assessment: every unit's figures, for every role that may see figures", body = Value,
            example = json!({"plan": "dongguan-zhaotong-2018-2020", "year": 2019, "as_of": "2019-12-31", "include_submitted": false, "results": [
                {"indicator": "5.2-employed", "item": "5.2", "scope": "plan", "actual": 8123, "target_min": 8000, "target_max": null, "unit": "人",
                 "status": "met", "above_range": false, "records": 8123, "with_evidence": 0, "deadline": "2019-12-31", "name": "劳务就业人数"}]})),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The role may not run assessments (admin)", body = ErrorBody),
        (status = 422, description = "Invalid year or date", body = ErrorBody),
    ))]
async fn assessment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    q: Result<Query<AssessParams>, QueryRejection>,
) -> ApiResult<Response> {
    let p = query(q)?;
    let year = parse_number::<i32>("year", &p.year)?;
    let include_submitted = parse_flag("include_submitted", &p.include_submitted)?;
    let services = &state.services;
    // Checked on every request; the body is the same for everyone who may see it.
    services.may_see_figures(&user.actor())?;
    let opts = services.assessment_options(year, non_empty(&p.as_of), include_submitted)?;
    let seq = user.change_seq;
    let key = (opts.include_submitted, opts.year, opts.as_of);
    let body = state
        .caches
        .assessment_bodies
        .get_or_try_init(state.store().instance, seq, key, || async {
            let a = super::cache::assessment(&state, seq, &opts)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "assessment failed");
                    ApiError::from(ServiceError::internal())
                })?;
            let json = serde_json::to_vec(&*a).expect("JSON serialises");
            Ok::<_, ApiError>(Bytes::from(json))
        })
        .await?;
    Ok(records::json_body(body))
}

/// The loaded plan: units, pairings, actions, items, indicators.
#[utoipa::path(get, path = "/api/v1/plan", tag = "assessment",
    responses(
        (status = 200, description = "The plan, as `duikou plan show --format json`", body = Value,
            example = json!({"meta": {"id": "dongguan-zhaotong-2018-2020", "first_year": 2018, "last_year": 2020}, "units": [{"name": "清溪镇"}], "indicators": []})),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
async fn plan(State(state): State<AppState>, ApiUser(_user): ApiUser) -> Response {
    let plan = state.plan();
    let mut body = serde_json::to_value(plan).unwrap_or_default();
    if let Value::Object(m) = &mut body {
        // Which version of the plan the answer describes (`duikou plan history`).
        m.insert("version".into(), Value::from(plan.version));
    }
    axum::Json(body).into_response()
}

async fn unknown_route() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "没有此接口",
        "no such API route",
    )
}

// ------------------------------------------------------------------ OpenAPI

struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The token from POST /api/v1/login"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                auth::SESSION_COOKIE,
                "Browser session; changes need X-CSRF-Token",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "duikou API", description = "对口：东西部扶贫协作计划、记录与考核 / East–West paired-assistance plan, records and assessment. \
        Status codes: 401 without a valid login, 403 when the role or unit does not allow it, 404 for what does not exist or may not be seen, \
        409 for a change the record's state forbids, 422 for invalid input with the field named."),
    paths(login, logout, me::me, me::change_password, records::list_records, records::create_record, records::get_record, records::patch_record, records::delete_record, records::record_action, records::dispute_record, records::bulk_approve, assessment, plan, reminders::notices, reminders::chase, batches::summary, batches::review),
    components(schemas(ErrorBody, FieldProblem, LoginRequest, me::PasswordChange, records::ActionBody, records::DisputeBody, records::BulkBody)),
    modifiers(&SecurityAddon),
    security(("bearer" = []), ("session_cookie" = [])),
    tags(
        (name = "auth", description = "Sign in and out, who am I, change the password"),
        (name = "records", description = "Records of the nine kinds and their review"),
        (name = "assessment", description = "Indicators and the plan"),
        (name = "reminders", description = "Notices of the signed-in user, and 催报"),
        (name = "review", description = "Import batches reviewed whole (coordinators)"),
    )
)]
pub struct ApiDoc;
