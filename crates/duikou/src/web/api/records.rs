//! Records over the API: list (filtered, sorted, paged), create, read, change, delete,
//! the review and receipt actions, disputes and bulk approval. Every handler parses,
//! calls `duikou_app::service::Services` and shapes the answer; the rules are there.

use super::*;

/// Filters, order and paging of a record list. Besides these, every field of the kind
/// that names a unit filters by its key: `payee=镇雄县` (a transfer's 接收单位),
/// `hukou_county=镇雄县` (a person's 户籍县区), `organizers=清溪镇` (an activity naming
/// the unit among its organisers). Any other parameter is refused (422).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Plan year the records count toward
    #[param(value_type = Option<i32>, example = 2019)]
    pub year: Option<String>,
    /// Reporting unit (name)
    #[param(example = "清溪镇")]
    pub unit: Option<String>,
    /// draft, submitted, approved or rejected
    #[param(example = "approved")]
    pub status: Option<String>,
    /// Text search in fields and notes (literal: `%` is a percent sign). A whole ID
    /// number is looked up as `id_number` is, for the roles that may.
    pub q: Option<String>,
    /// The full ID number (18 characters): the records that carry it, found through its
    /// blind index. Only for roles that see person lists (403 for others); a number that
    /// is not a valid ID number is a 422.
    #[param(example = "530627199001011234")]
    pub id_number: Option<String>,
    /// Order: a column (`id`, `reporting_unit`, `plan_year`, `status`, `evidence_count`,
    /// `updated_at`) or a field key (`amount`, `sent_on`, `name`…), ascending; with a
    /// leading `-`, descending. Empty values last; ties by id in the same direction.
    /// Newest first when absent. An unknown column is a 422 naming it.
    #[param(example = "-amount")]
    pub sort: Option<String>,
    /// Page number, from 1
    #[param(value_type = Option<u64>, example = 1)]
    pub page: Option<String>,
    /// Records per page, 1–500 (default 50)
    #[param(value_type = Option<u64>, example = 50)]
    pub per_page: Option<String>,
}

const RECORD_EXAMPLE: fn() -> Value = || {
    json!({
        "id": 42, "kind": "transfer", "status": "draft", "reporting_unit": "清溪镇", "plan_year": 2019,
        "fields": {"source": "镇街财政", "payer": "清溪镇", "payee": "镇雄县", "amount": 100000000, "budget_year": 2019,
                   "sent_on": "2019-03-15", "voucher_no": "QX-2019-001", "purpose": "产业帮扶"},
        "notes": "", "reject_reason": null, "version": 1, "evidence_count": 0,
        "created_by": "清溪镇", "created_at": "2019-03-15T02:00:00.000000Z", "updated_by": "清溪镇", "updated_at": "2019-03-15T02:00:00.000000Z"
    })
};

/// Records of a kind that the caller may see: filtered, sorted (newest first unless
/// asked otherwise), a page at a time.
#[utoipa::path(get, path = "/api/v1/records/{kind}", tag = "records",
    params(("kind" = String, Path, description = "record kind"), ListParams),
    responses(
        (status = 200, description = "One page of records (ID numbers masked; money as yuan text with two decimals)", body = Value,
            example = json!({"items": [RECORD_EXAMPLE()], "total": 1, "page": 1, "per_page": 50})),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The role may not read records (admin), or may not search by ID number (`id_number` from a leader)", body = ErrorBody),
        (status = 404, description = "No such kind", body = ErrorBody),
        (status = 422, description = "Invalid filter, order or parameter, named in `fields`", body = ErrorBody),
    ))]
pub(super) async fn list_records(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(kind): Path<String>,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult<Response> {
    let kind = kind_of(state.plan(), &kind)?;
    let pairs = query(q)?;
    let (ask, unknown) = ListAsk::from_pairs(kind, &pairs);
    if let Some(name) = unknown.first() {
        let name = if duikou_domain::limits::contains_id_number(name) {
            duikou_domain::id_number::mask_id_number(name)
        } else {
            name.chars().take(100).collect()
        };
        let known = duikou_app::listing::PARAMS
            .iter()
            .copied()
            .chain(
                duikou_app::listing::unit_filter_fields(kind)
                    .iter()
                    .map(|f| f.key),
            )
            .collect::<Vec<_>>()
            .join(", ");
        return Err(ApiError::invalid(
            &name,
            "",
            format!("未知的查询参数「{name}」；可用：{known}"),
            format!("unknown query parameter \"{name}\"; one of: {known}"),
        ));
    }
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let page = parse_number::<u64>("page", &param("page"))?.unwrap_or(1);
    if page == 0 {
        return Err(ApiError::invalid(
            "page",
            "0",
            "页码从 1 开始",
            "pages start at 1",
        ));
    }
    let per_page = parse_number::<u64>("per_page", &param("per_page"))?.unwrap_or(DEFAULT_PER_PAGE);
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(ApiError::invalid(
            "per_page",
            &per_page.to_string(),
            format!("应为 1–{MAX_PER_PAGE}"),
            format!("must be 1 to {MAX_PER_PAGE}"),
        ));
    }
    let mut rq = state.services.list_query(&user.actor(), kind, &ask)?;
    rq.page = page - 1;
    rq.per_page = per_page;
    // The list as this user may see it: two users with the same scoped query see the
    // same list, so the body is shared between them until the next write.
    let scoped = state.services.scoped_query(&user.actor(), rq.clone())?;
    let render = || async {
        let listed = crate::web::cache::list(&state, &user, rq).await?;
        let (items, total) = (&listed.0, listed.1);
        let items: Vec<Value> = items.iter().map(|r| r.public_json()).collect();
        let body = json!({ "items": items, "total": total, "page": page, "per_page": per_page });
        Ok::<_, ApiError>(Bytes::from(
            serde_json::to_vec(&body).expect("JSON serialises"),
        ))
    };
    let body = if per_page <= DEFAULT_PER_PAGE * 2 {
        state
            .caches
            .list_bodies
            .get_or_try_init(
                state.store().instance,
                user.change_seq,
                format!("{scoped:?}"),
                render,
            )
            .await?
    } else {
        render().await?
    };
    Ok(json_body(body))
}

pub(super) fn json_body(body: Bytes) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// Create a record (draft; `"submit": true` submits it at once).
#[utoipa::path(post, path = "/api/v1/records/{kind}", tag = "records",
    params(("kind" = String, Path, description = "record kind"), ("X-CSRF-Token" = Option<String>, Header, description = "required with cookie sessions")),
    request_body(content = Value, description = "The record's fields by English key (or Chinese column name, as in import files); amounts in yuan. Optional `\"submit\": true`.",
        example = json!({"source": "镇街财政", "payer": "清溪镇", "payee": "镇雄县", "amount": "1000000", "budget_year": 2019,
                         "sent_on": "2019-03-15", "voucher_no": "QX-2019-001", "purpose": "产业帮扶", "submit": false})),
    responses(
        (status = 201, description = "Created; `Location` names it", body = Value, example = json!(RECORD_EXAMPLE())),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Role or unit may not report this record, or CSRF token missing", body = ErrorBody),
        (status = 404, description = "No such kind", body = ErrorBody),
        (status = 422, description = "Invalid or unknown fields, each named", body = ErrorBody),
    ))]
pub(super) async fn create_record(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path(kind): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    check_csrf(&user, &headers)?;
    let kind = kind_of(state.plan(), &kind)?;
    let mut obj: serde_json::Map<String, Value> = parse_body(&headers, &body, true)?;
    let submit = take_bool(&mut obj, "submit")?;
    let input = api_inputs(kind, &obj)?;
    let r = state
        .services
        .create(&user.actor(), kind, &input, submit)
        .await?;
    let mut res = (StatusCode::CREATED, axum::Json(r.public_json())).into_response();
    if let Ok(v) = HeaderValue::from_str(&record_url(kind, r.id.0)) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GetParams {
    /// `1` or `true` to see the ID number unmasked (roles allowed only; audited)
    #[param(value_type = Option<bool>, example = true)]
    pub unmask: Option<String>,
}

/// One record.
#[utoipa::path(get, path = "/api/v1/records/{kind}/{id}", tag = "records",
    params(("kind" = String, Path, description = "record kind"), ("id" = i64, Path, description = "record id"), GetParams),
    responses(
        (status = 200, description = "The record (with `?unmask=1`, `fields.id_number` in plain text)", body = Value, example = json!(RECORD_EXAMPLE())),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Unmasking not allowed for this role, or admin", body = ErrorBody),
        (status = 404, description = "No such record, or not visible to the caller", body = ErrorBody),
    ))]
pub(super) async fn get_record(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((kind, id)): Path<(String, String)>,
    q: Result<Query<GetParams>, QueryRejection>,
) -> ApiResult<Response> {
    let kind = kind_of(state.plan(), &kind)?;
    let id = record_id_of(&id)?;
    let p = query(q)?;
    let unmask = parse_flag("unmask", &p.unmask)?;
    let actor = user.actor();
    let r = state.services.read(&actor, Some(kind), id).await?;
    let mut out = r.public_json();
    if unmask {
        if let Some(plain) = state.services.unmasked_id(&actor, &r).await? {
            out["fields"]["id_number"] = Value::String(plain);
        }
        out["id_unmasked"] = Value::Bool(true);
        return Ok(no_store(axum::Json(out).into_response()));
    }
    Ok(axum::Json(out).into_response())
}

/// Change a record while draft or rejected: the given fields over the stored ones.
#[utoipa::path(patch, path = "/api/v1/records/{kind}/{id}", tag = "records",
    params(("kind" = String, Path, description = "record kind"), ("id" = i64, Path, description = "record id"),
        ("X-CSRF-Token" = Option<String>, Header, description = "required with cookie sessions")),
    request_body(content = Value, description = "Fields to change (null or \"\" clears an optional one); the rest keep their stored values. Optional `version`: refused with 409 if the record changed since.",
        example = json!({"amount": "1200000", "purpose": "产业帮扶（追加）", "version": 1})),
    responses(
        (status = 200, description = "The changed record", body = Value, example = json!(RECORD_EXAMPLE())),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Role or unit may not change it (or move it to another unit), or CSRF token missing", body = ErrorBody),
        (status = 404, description = "No such record, or not visible", body = ErrorBody),
        (status = 409, description = "Submitted or approved (locked), or changed since `version`", body = ErrorBody),
        (status = 422, description = "Invalid or unknown fields, each named", body = ErrorBody),
    ))]
pub(super) async fn patch_record(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path((kind, id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    check_csrf(&user, &headers)?;
    let kind = kind_of(state.plan(), &kind)?;
    let id = record_id_of(&id)?;
    let mut obj: serde_json::Map<String, Value> = parse_body(&headers, &body, true)?;
    let version = take_version(&mut obj)?;
    let input = api_inputs(kind, &obj)?;
    let r = state
        .services
        .patch(&user.actor(), kind, id, &input, version)
        .await?;
    Ok(axum::Json(r.public_json()).into_response())
}

/// Delete a record while draft or rejected.
#[utoipa::path(delete, path = "/api/v1/records/{kind}/{id}", tag = "records",
    params(("kind" = String, Path, description = "record kind"), ("id" = i64, Path, description = "record id"),
        ("X-CSRF-Token" = Option<String>, Header, description = "required with cookie sessions")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Role or unit may not delete it, or CSRF token missing", body = ErrorBody),
        (status = 404, description = "No such record, or not visible", body = ErrorBody),
        (status = 409, description = "Submitted or approved records cannot be deleted", body = ErrorBody),
    ))]
pub(super) async fn delete_record(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path((kind, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    check_csrf(&user, &headers)?;
    let kind = kind_of(state.plan(), &kind)?;
    let id = record_id_of(&id)?;
    state.services.delete(&user.actor(), kind, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Body of a review action; every member optional.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({"reason": "凭证号有误", "version": 2}))]
pub struct ActionBody {
    /// reject, reopen: required
    pub reason: Option<String>,
    /// confirm, correct-receipt: the date the money arrived, from the sending date to today
    #[schema(example = "2019-04-02")]
    pub received_on: Option<String>,
    /// confirm, correct-receipt: `true` to confirm a date more than 90 days after the
    /// sending date a second time (without it such a date is refused, 422, naming this field)
    pub far_date_confirmed: Option<bool>,
    /// refused with 409 if the record changed since
    pub version: Option<i32>,
}

/// Review a record: submit, withdraw (the reporter takes a submitted record nobody acted
/// on back to draft), approve, reject, reopen; or a transfer's receipt: confirm (the
/// payee county; the date from the sending date to today, a date more than 90 days after
/// sending with `far_date_confirmed`), correct-receipt (the payee, within 7 days of its
/// confirmation), revert-receipt (a coordinator, with a reason).
#[utoipa::path(post, path = "/api/v1/records/{kind}/{id}/{action}", tag = "records",
    params(("kind" = String, Path, description = "record kind"), ("id" = i64, Path, description = "record id"),
        ("action" = String, Path, description = "submit, withdraw, approve, reject, reopen; for transfers confirm and correct-receipt (the payee county only), revert-receipt (coordinators)"),
        ("X-CSRF-Token" = Option<String>, Header, description = "required with cookie sessions")),
    request_body(content = ActionBody, description = "`{\"reason\"}` for reject, reopen and revert-receipt, `{\"received_on\"}` (and `far_date_confirmed`) for confirm and correct-receipt; may be empty for submit, withdraw and approve"),
    responses(
        (status = 200, description = "The record after the action", body = Value, example = json!(RECORD_EXAMPLE())),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The role or unit may not do this, or CSRF token missing", body = ErrorBody),
        (status = 404, description = "No such record or action, or not visible", body = ErrorBody),
        (status = 409, description = "The record's status does not allow it, or it changed since `version`", body = ErrorBody),
        (status = 422, description = "Reason or date missing or invalid", body = ErrorBody),
    ))]
pub(super) async fn record_action(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path((kind, id, action)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    check_csrf(&user, &headers)?;
    let kind = kind_of(state.plan(), &kind)?;
    let id = record_id_of(&id)?;
    let b: ActionBody = parse_body(&headers, &body, false)?;
    let actor = user.actor();
    let receipt = matches!(
        action.as_str(),
        "confirm" | "correct-receipt" | "revert-receipt"
    );
    if receipt && !kind.is(BuiltinKind::Transfer) {
        return Err(ApiError::not_found());
    }
    let received_on = b.received_on.as_deref().unwrap_or_default();
    let far = b.far_date_confirmed.unwrap_or(false);
    let r = if action == "confirm" {
        state.services.confirm(&actor, id, received_on, far).await?
    } else if action == "correct-receipt" {
        state
            .services
            .correct_receipt(&actor, id, received_on, far, b.version)
            .await?
    } else if action == "revert-receipt" {
        state
            .services
            .revert_receipt(&actor, id, b.reason.as_deref(), b.version)
            .await?
    } else {
        let t = Transition::from_key(&action).ok_or_else(ApiError::not_found)?;
        state
            .services
            .transition(&actor, kind, id, t, b.reason.as_deref(), b.version)
            .await?
    };
    Ok(axum::Json(r.public_json()).into_response())
}

/// Body of a dispute (退回复核).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({"reason": "我镇未参与此次活动", "version": 3}))]
pub struct DisputeBody {
    /// Why the record is wrong for your unit: required
    pub reason: Option<String>,
    /// Refused with 409 if the record changed since
    pub version: Option<i32>,
}

/// Dispute a record that names your unit but that another unit reported (退回复核): a
/// co-organiser of an activity, the sending or receiving unit of a secondment, the payee
/// of a transfer… A submitted or approved record goes back to review (submitted) for the
/// coordinators; the reason is kept in its history. It counts for your unit's figures
/// only once approved.
#[utoipa::path(post, path = "/api/v1/records/{kind}/{id}/dispute", tag = "records",
    params(("kind" = String, Path, description = "record kind"), ("id" = i64, Path, description = "record id"),
        ("X-CSRF-Token" = Option<String>, Header, description = "required with cookie sessions")),
    request_body = DisputeBody,
    responses(
        (status = 200, description = "The record, back in review", body = Value, example = json!(RECORD_EXAMPLE())),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Your unit is not named in the record (or reported it), or CSRF token missing", body = ErrorBody),
        (status = 404, description = "No such record, or not visible", body = ErrorBody),
        (status = 409, description = "The record is a draft or rejected, or it changed since `version`", body = ErrorBody),
        (status = 422, description = "Reason missing", body = ErrorBody),
    ))]
pub(super) async fn dispute_record(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path((kind, id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    check_csrf(&user, &headers)?;
    let kind = kind_of(state.plan(), &kind)?;
    let id = record_id_of(&id)?;
    let b: DisputeBody = parse_body(&headers, &body, false)?;
    let r = state
        .services
        .dispute(&user.actor(), kind, id, b.reason.as_deref(), b.version)
        .await?;
    Ok(axum::Json(r.public_json()).into_response())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({"ids": [41, 42, 43]}))]
pub struct BulkBody {
    #[schema(value_type = Vec<i64>)]
    pub ids: Vec<RecordId>,
}

/// Approve many submitted records of a kind at once (coordinators).
#[utoipa::path(post, path = "/api/v1/records/{kind}/bulk-approve", tag = "records",
    params(("kind" = String, Path, description = "record kind"), ("X-CSRF-Token" = Option<String>, Header, description = "required with cookie sessions")),
    request_body = BulkBody,
    responses(
        (status = 200, description = "Each id with its outcome", body = Value,
            example = json!({"approved": 2, "results": [{"id": 41, "ok": true}, {"id": 42, "ok": true}, {"id": 43, "ok": false, "error": "记录状态为「草稿」，不能审核通过 / a draft record cannot be approved"}]})),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a coordinator, or CSRF token missing", body = ErrorBody),
        (status = 404, description = "No such kind", body = ErrorBody),
        (status = 422, description = "No ids, or too many", body = ErrorBody),
    ))]
pub(super) async fn bulk_approve(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path(kind): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    check_csrf(&user, &headers)?;
    let kind = kind_of(state.plan(), &kind)?;
    let b: BulkBody = parse_body(&headers, &body, true)?;
    let out = state
        .services
        .bulk_transition(&user.actor(), kind, &b.ids, Transition::Approve, None)
        .await?;
    let approved = out.iter().filter(|(_, r)| r.is_ok()).count();
    let results: Vec<Value> = out
        .into_iter()
        .map(|(id, r)| match r {
            Ok(()) => json!({ "id": id, "ok": true }),
            Err(e) => json!({ "id": id, "ok": false, "error": e }),
        })
        .collect();
    Ok(axum::Json(json!({ "approved": approved, "results": results })).into_response())
}
