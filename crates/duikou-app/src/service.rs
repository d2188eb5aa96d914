//! The rules every interface goes through (web pages, JSON API, command line):
//! authorization by role and unit, validation, state checks, audit. Handlers stay thin.

use duikou_domain::ids::RecordId;
use duikou_domain::message::Message;
use std::collections::BTreeMap;

use duikou_domain::crypto::SecretKey;
use duikou_domain::plan::Plan;
use duikou_domain::receipt;
use duikou_domain::record::{
    FieldError, FieldInput, Status, Transition, ValidationContext, validate,
};
use duikou_domain::roles::{Actor, RecordFacts, Role};
use duikou_domain::schema::{BuiltinKind, RecordKind};
use duikou_storage::Store;
use duikou_storage::audit::AuditEvent;
use duikou_storage::records::{RecordQuery, StoredRecord};

use crate::importer::new_record;

/// The use cases' error is the application's one (`crate::error::AppError`); the name
/// stays for the code that speaks of a service's refusals.
pub type ServiceError = crate::error::AppError;

pub type ServiceResult<T> = Result<T, ServiceError>;

/// A list the role does not get (`Actor::can_list_kind`): said plainly, 403.
pub fn kind_not_listed(kind: RecordKind) -> ServiceError {
    ServiceError::Forbidden {
        zh: format!(
            "您的角色不查看「{}」记录（各项指标数字仍可查看）",
            kind.label_zh()
        ),
        en: format!(
            "your role does not see {} records (the indicator figures stay visible)",
            kind.key()
        ),
    }
}

/// A review or dispute reason: present where the transition needs one, of a bounded
/// length, and free of ID numbers (it lands in the audit trail for good).
fn check_reason(t: Transition, reason: Option<&str>) -> ServiceResult<()> {
    check_reason_text(t.needs_reason(), reason)
}

/// A reason's text: present when `required`, bounded, free of ID numbers.
pub(crate) fn check_reason_text(required: bool, reason: Option<&str>) -> ServiceResult<()> {
    let invalid = |zh: &str, en: &str| ServiceError::invalid_field("reason", "理由", zh, en);
    let text = reason.unwrap_or("");
    if required && text.trim().is_empty() {
        return Err(invalid("请填写理由", "a reason is required"));
    }
    if let Some((zh, en)) = duikou_domain::limits::check_length("reason", "理由", text) {
        return Err(invalid(&zh, &en));
    }
    if duikou_domain::limits::contains_id_number(text) {
        let (zh, en) = duikou_domain::limits::id_number_in_text_message();
        return Err(invalid(zh, en));
    }
    Ok(())
}

pub fn facts(r: &StoredRecord) -> RecordFacts<'_> {
    RecordFacts {
        kind: r.kind,
        status: r.status,
        reporting_unit: &r.reporting_unit,
        fields: &r.fields,
    }
}

/// Everything a request needs besides the actor.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub plan: std::sync::Arc<Plan>,
    pub key: std::sync::Arc<SecretKey>,
    pub evidence: std::sync::Arc<crate::evidence_store::EvidenceStore>,
    pub uploads: std::sync::Arc<crate::upload_store::PendingUploads>,
    /// The figures, cached per change of the database (`assessment::Figures`).
    pub figures: std::sync::Arc<crate::assessment::Figures>,
    /// The day taken for today instead of the clock's (`DUIKOU_TODAY`: a drill, a test).
    pub today: Option<time::Date>,
}

impl Services {
    /// Today in Beijing time, or the day configured in its place.
    pub fn today(&self) -> time::Date {
        self.today.unwrap_or_else(crate::assessment::today)
    }

    /// A record the actor may see; 404 otherwise (no hint that it exists).
    pub async fn read(
        &self,
        actor: &Actor,
        kind: Option<RecordKind>,
        id: RecordId,
    ) -> ServiceResult<StoredRecord> {
        if actor.role == Role::Admin {
            return Err(ServiceError::forbidden());
        }
        let r = self
            .store
            .get_record(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if kind.is_some_and(|k| k != r.kind) || !actor.can_read(&facts(&r)) {
            return Err(ServiceError::NotFound);
        }
        Ok(r)
    }

    /// List what the actor may see.
    pub async fn list(
        &self,
        actor: &Actor,
        q: RecordQuery,
    ) -> ServiceResult<(Vec<StoredRecord>, u64)> {
        let q = self.scoped_query(actor, q)?;
        Ok(self.store.list_records(&q).await?)
    }

    /// The query restricted to what the actor may see (its role's statuses, its unit's
    /// records); refused for a role that may not read records. Two actors with the same
    /// scoped query see the same list.
    pub fn scoped_query(&self, actor: &Actor, mut q: RecordQuery) -> ServiceResult<RecordQuery> {
        match q.kind {
            Some(kind) if !actor.can_list_kind(kind) => return Err(kind_not_listed(kind)),
            // A list across kinds would carry the kinds the role may not see.
            None if self.plan.kinds().iter().any(|k| !actor.can_list_kind(*k)) => {
                return Err(ServiceError::forbidden());
            }
            _ => {}
        }
        match actor.role {
            Role::Coordinator | Role::Auditor => {}
            Role::Viewer => q.only_status = Some(vec![Status::Approved]),
            Role::Reporter => {
                q.visible_to_unit = Some(actor.unit.clone().ok_or_else(ServiceError::forbidden)?);
                q.include_county = false;
            }
            Role::Receiver => {
                q.visible_to_unit = Some(actor.unit.clone().ok_or_else(ServiceError::forbidden)?);
                q.include_county = true;
            }
            Role::Admin => return Err(ServiceError::forbidden()),
        }
        Ok(q)
    }

    fn validate(
        &self,
        actor: &Actor,
        kind: RecordKind,
        input: &BTreeMap<String, FieldInput>,
    ) -> ServiceResult<duikou_storage::records::NewRecord> {
        let ctx = ValidationContext {
            plan: &self.plan,
            default_unit: actor.unit.as_deref(),
        };
        let valid =
            validate(kind, input, &ctx).map_err(|fields| ServiceError::Invalid { fields })?;
        Ok(new_record(valid, &self.plan, &self.key))
    }

    async fn check_voucher(
        &self,
        n: &duikou_storage::records::NewRecord,
        except: Option<i64>,
    ) -> ServiceResult<()> {
        if let Some(k) = &n.natural_key {
            if self.store.natural_key_exists(k, except).await? {
                let (field, zh, en) = if n.valid.kind.is(BuiltinKind::Transfer) {
                    (
                        "voucher_no",
                        "该拨付单位已有相同凭证号的记录",
                        "this payer already has a transfer with this voucher number",
                    )
                } else {
                    (
                        "id_number",
                        "本单位已有此人同一类别、同一开始日期的记录",
                        "this reporting unit already has a record of this person in this programme with this start date",
                    )
                };
                let fd = n.valid.kind.field(field).expect("schema field");
                return Err(ServiceError::invalid_field(field, fd.zh, zh, en));
            }
        }
        Ok(())
    }

    pub async fn create(
        &self,
        actor: &Actor,
        kind: RecordKind,
        input: &BTreeMap<String, FieldInput>,
        submit: bool,
    ) -> ServiceResult<StoredRecord> {
        self.create_with_evidence(actor, kind, input, submit, Vec::new())
            .await
    }

    /// Create a record with evidence files chosen on the same form: each file is checked
    /// (name, type, size) before anything is written, then the record and its evidence
    /// are written together.
    pub async fn create_with_evidence(
        &self,
        actor: &Actor,
        kind: RecordKind,
        input: &BTreeMap<String, FieldInput>,
        submit: bool,
        files: Vec<crate::evidence_store::Upload>,
    ) -> ServiceResult<StoredRecord> {
        if !matches!(
            actor.role,
            Role::Coordinator | Role::Reporter | Role::Receiver
        ) {
            return Err(ServiceError::forbidden());
        }
        let n = self.validate(actor, kind, input)?;
        check_may_report(actor, &n)?;
        check_receipt_field(actor, &n, None, self.today())?;
        let checked = files
            .into_iter()
            .map(crate::evidence_store::check_upload)
            .collect::<ServiceResult<Vec<_>>>()?;
        self.check_voucher(&n, None).await?;
        let status = if submit {
            Status::Submitted
        } else {
            Status::Draft
        };
        let mut stored = Vec::with_capacity(checked.len());
        for upload in checked {
            let evidence = self.evidence.clone();
            let size = upload.bytes.len() as i64;
            let bytes = upload.bytes;
            let sha256 = tokio::task::spawn_blocking(move || evidence.put(&bytes))
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "storing evidence panicked");
                    ServiceError::internal()
                })??;
            stored.push(duikou_storage::records::NewEvidence {
                sha256,
                file_name: upload.name,
                content_type: upload.content_type.to_string(),
                size,
            });
        }
        Ok(self
            .store
            .create_record_with_evidence(&n, status, &actor.username, &stored)
            .await?)
    }

    pub async fn update(
        &self,
        actor: &Actor,
        kind: RecordKind,
        id: RecordId,
        input: &BTreeMap<String, FieldInput>,
        expected_version: Option<i32>,
    ) -> ServiceResult<StoredRecord> {
        let before = self.read(actor, Some(kind), id).await?;
        if !actor.can_edit(&facts(&before)) {
            return Err(ServiceError::forbidden());
        }
        if !before.status.is_editable() {
            return Err(ServiceError::Conflict {
                zh: format!("记录状态为「{}」，不能修改", before.status.label_zh()),
                en: format!(
                    "the record is {}; it cannot be changed",
                    before.status.key()
                ),
            });
        }
        let n = self.validate(actor, kind, input)?;
        // A reporter may not move a record to another unit either.
        check_may_report(actor, &n)?;
        check_receipt_field(actor, &n, Some(&before), self.today())?;
        self.check_voucher(&n, Some(id.0)).await?;
        Ok(self
            .store
            .update_record(id, expected_version, &n, &actor.username)
            .await?)
    }

    pub async fn delete(&self, actor: &Actor, kind: RecordKind, id: RecordId) -> ServiceResult<()> {
        let before = self.read(actor, Some(kind), id).await?;
        if !actor.can_edit(&facts(&before)) {
            return Err(ServiceError::forbidden());
        }
        Ok(self.store.delete_record(id, &actor.username).await?)
    }

    pub async fn transition(
        &self,
        actor: &Actor,
        kind: RecordKind,
        id: RecordId,
        t: Transition,
        reason: Option<&str>,
        expected_version: Option<i32>,
    ) -> ServiceResult<StoredRecord> {
        let before = self.read(actor, Some(kind), id).await?;
        let allowed = match t {
            Transition::Submit => actor.can_submit(&facts(&before)),
            Transition::Approve | Transition::Reject | Transition::Reopen => actor.can_review(),
            Transition::Dispute => actor.can_dispute(&facts(&before)),
            Transition::Withdraw => actor.can_withdraw(&facts(&before)),
        };
        if !allowed {
            return Err(ServiceError::forbidden());
        }
        if t == Transition::Withdraw {
            self.check_withdrawable(&before).await?;
        }
        if matches!(
            t,
            Transition::Approve | Transition::Reject | Transition::Reopen
        ) {
            check_four_eyes(actor, &before)?;
        }
        check_reason(t, reason)?;
        // At the version four eyes was checked on: a change since then (by the reviewer
        // too) makes this a conflict rather than a review of content nobody else saw.
        let version = expected_version.or(Some(before.version));
        Ok(self
            .store
            .transition_record(id, t, reason, version, &actor.username)
            .await?)
    }

    /// 退回复核: a unit the record names but that did not report it sends it back to the
    /// coordinators' review (submitted), with its reason in the audit trail.
    pub async fn dispute(
        &self,
        actor: &Actor,
        kind: RecordKind,
        id: RecordId,
        reason: Option<&str>,
        expected_version: Option<i32>,
    ) -> ServiceResult<StoredRecord> {
        self.transition(
            actor,
            kind,
            id,
            Transition::Dispute,
            reason,
            expected_version,
        )
        .await
    }

    /// 撤回: nobody acted on the record since it was submitted (its history says), and a
    /// transfer's receipt is not confirmed. Storage then changes it only at the version
    /// read here.
    async fn check_withdrawable(&self, r: &StoredRecord) -> ServiceResult<()> {
        let history = self.store.history(r.kind.key(), &r.id.to_string()).await?;
        let last_act = history.iter().rev().find_map(|h| {
            h.action
                .strip_prefix("record.")
                .and_then(Transition::from_key)
        });
        duikou_domain::record::may_withdraw(
            r.status,
            last_act,
            r.fields.contains_key("received_on"),
        )
        .map_err(|(zh, en)| ServiceError::Conflict { zh, en })
    }

    /// The plain ID number, for a role allowed to see it; the read is audited.
    pub async fn unmasked_id(
        &self,
        actor: &Actor,
        r: &StoredRecord,
    ) -> ServiceResult<Option<String>> {
        if !actor.can_unmask(&facts(r)) {
            return Err(ServiceError::forbidden());
        }
        let Some(cipher) = &r.id_cipher else {
            return Ok(None);
        };
        let plain = self.key.decrypt(cipher).map_err(|_| {
            ServiceError::Failure(duikou_domain::message::Message::new(
                "无法解密",
                "cannot decrypt",
            ))
        })?;
        self.store
            .audit_event(
                AuditEvent::new(&actor.username, "personal_data.unmask", r.kind.key(), r.id)
                    .after(&serde_json::json!({ "field": "id_number", "masked": r.id_masked })),
            )
            .await?;
        Ok(Some(plain))
    }

    /// Change some fields of a record (the API's PATCH): the given fields over the stored
    /// values, then the whole record validated as in `update`. Values derived from a field
    /// (reporting unit, plan year) follow it unless they were set apart from it; the ID
    /// number, when not given, stays as stored.
    ///
    /// The merge is over the version read, so it is written only if the record is still
    /// at that version: two changes to different fields at once must not undo each other.
    /// Without a `version` from the caller, a change lost that way is merged again over
    /// the newer record (a few times); with one, the caller is told (409).
    pub async fn patch(
        &self,
        actor: &Actor,
        kind: RecordKind,
        id: RecordId,
        given: &BTreeMap<String, FieldInput>,
        expected_version: Option<i32>,
    ) -> ServiceResult<StoredRecord> {
        let mut attempt = 0;
        loop {
            let before = self.read(actor, Some(kind), id).await?;
            let read_version = before.version;
            match self
                .patch_once(
                    actor,
                    kind,
                    id,
                    given,
                    before,
                    expected_version.or(Some(read_version)),
                )
                .await
            {
                Err(ServiceError::Conflict { .. })
                    if expected_version.is_none()
                        && attempt < 5
                        && self
                            .store
                            .get_record(id)
                            .await?
                            .is_some_and(|now| now.version != read_version) =>
                {
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn patch_once(
        &self,
        actor: &Actor,
        kind: RecordKind,
        id: RecordId,
        given: &BTreeMap<String, FieldInput>,
        before: StoredRecord,
        expected_version: Option<i32>,
    ) -> ServiceResult<StoredRecord> {
        let mut input: BTreeMap<String, FieldInput> = before
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), FieldInput::new(v.display())))
            .collect();
        let derived_unit = kind
            .own_unit_field()
            .and_then(|f| before.fields.get(f))
            .and_then(|v| v.units().first().cloned());
        if derived_unit.as_deref() != Some(before.reporting_unit.as_str()) {
            input.insert(
                "reporting_unit".into(),
                FieldInput::new(before.reporting_unit.clone()),
            );
        }
        let derived_year = match kind.builtin() {
            Some(BuiltinKind::Transfer) => before
                .fields
                .get("budget_year")
                .and_then(|v| v.as_amount())
                .map(|y| y as i32),
            _ => before
                .fields
                .get(kind.event_date_field())
                .and_then(|v| v.as_date())
                .map(|d| d.year()),
        };
        if derived_year != Some(before.plan_year) {
            input.insert(
                "plan_year".into(),
                FieldInput::new(before.plan_year.to_string()),
            );
        }
        if !before.notes.is_empty() {
            input.insert("notes".into(), FieldInput::new(before.notes.clone()));
        }
        // The masked number a client read back is no new number.
        let given_id = given
            .get("id_number")
            .filter(|v| before.id_masked.as_deref() != Some(v.text.trim()));
        if given_id.is_none()
            && let Some(cipher) = &before.id_cipher
        {
            // Only to validate and re-protect the record; never shown, so not an unmasked read.
            let plain = self.key.decrypt(cipher).map_err(|_| {
                ServiceError::Failure(duikou_domain::message::Message::new(
                    "无法解密",
                    "cannot decrypt",
                ))
            })?;
            input.insert("id_number".into(), FieldInput::new(plain));
        }
        for (k, v) in given {
            if k != "id_number" || given_id.is_some() {
                input.insert(k.clone(), v.clone());
            }
        }
        self.update(actor, kind, id, &input, expected_version).await
    }

    /// Apply one review transition to many records of a kind (coordinators): each id
    /// succeeds or fails on its own; what succeeds is written in one transaction.
    pub async fn bulk_transition(
        &self,
        actor: &Actor,
        kind: RecordKind,
        ids: &[RecordId],
        t: Transition,
        reason: Option<&str>,
    ) -> ServiceResult<Vec<(RecordId, Result<(), String>)>> {
        if !actor.can_review()
            || matches!(
                t,
                Transition::Submit | Transition::Dispute | Transition::Withdraw
            )
        {
            return Err(ServiceError::forbidden());
        }
        check_reason(t, reason)?;
        if ids.is_empty() || ids.len() > 1000 {
            return Err(ServiceError::invalid_field(
                "ids",
                "记录编号",
                "请给出 1–1000 个记录编号",
                "give 1 to 1000 record ids",
            ));
        }
        let mut out = Vec::with_capacity(ids.len());
        let mut valid = Vec::new();
        for &id in ids {
            match self
                .read(actor, Some(kind), id)
                .await
                .and_then(|r| check_four_eyes(actor, &r))
            {
                Ok(()) => valid.push(id),
                Err(e) => out.push((id, Err(e.message().to_string()))),
            }
        }
        if !valid.is_empty() {
            out.extend(
                self.store
                    .bulk_transition(&valid, t, reason, &actor.username)
                    .await?,
            );
        }
        out.sort_by_key(|(id, _)| ids.iter().position(|x| x == id));
        Ok(out)
    }

    /// The assessment as `duikou assess --format json` gives it, for a role that may see
    /// it: every unit's figures (docs/security.md, "Who sees which figures").
    pub async fn assessment(
        &self,
        actor: &Actor,
        year: Option<i32>,
        as_of: Option<&str>,
        include_submitted: bool,
    ) -> ServiceResult<duikou_domain::engine::Assessment> {
        self.may_see_figures(actor)?;
        let opts = self.assessment_options(year, as_of, include_submitted)?;
        let a = self
            .figures
            .compute(&self.store, &self.plan, &opts)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "assessment failed");
                ServiceError::internal()
            })?;
        Ok(a)
    }

    /// The latest progress (工作进展) per checklist item and unit as of a day, from the
    /// approved records of the kinds the plan marks `narrates`. Circulated with the
    /// checklist like the figures, to every role that sees them (docs/security.md).
    pub async fn narratives(
        &self,
        actor: &Actor,
        as_of: time::Date,
    ) -> ServiceResult<duikou_reports::narratives::Narratives> {
        self.may_see_figures(actor)?;
        Ok(duikou_reports::narratives::load(&self.store, &self.plan, as_of).await?)
    }

    /// Whether the actor may see the figures. Figures are aggregates and circulate, as a
    /// 月度通报 does, to every role that sees the assessment, every unit's alike; the
    /// records behind a figure stay limited to what the role and unit may read
    /// (`Actor::may_read`). One rule for every interface: pages, API, workbooks.
    pub fn may_see_figures(&self, actor: &Actor) -> ServiceResult<()> {
        if actor.can_assess() {
            Ok(())
        } else {
            Err(ServiceError::forbidden())
        }
    }

    /// The assessment options of a request; a bad year or date is named as invalid.
    pub fn assessment_options(
        &self,
        year: Option<i32>,
        as_of: Option<&str>,
        include_submitted: bool,
    ) -> ServiceResult<duikou_domain::engine::AssessOptions> {
        crate::assessment::options(&self.plan, year, as_of, include_submitted).map_err(|e| {
            let bad_date = as_of.is_some_and(|s| {
                duikou_domain::cells::parse_date(s).is_err()
                    && duikou_domain::record::parse_iso_date(s).is_none()
            });
            let (field, field_zh, value) = if bad_date {
                ("as_of", "截至日期", as_of.unwrap_or_default().to_string())
            } else {
                (
                    "year",
                    "年度",
                    year.map(|y| y.to_string()).unwrap_or_default(),
                )
            };
            let Message { zh, en } = e.message().clone();
            ServiceError::Invalid {
                fields: vec![FieldError {
                    field: field.into(),
                    field_zh: field_zh.into(),
                    value,
                    zh,
                    en,
                }],
            }
        })
    }
}

/// A transfer's receipt date is set by its payee's confirmation (`confirm`); only a
/// coordinator may enter or change it with the rest of the record (`receipt::may_enter`).
fn check_receipt_field(
    actor: &Actor,
    n: &duikou_storage::records::NewRecord,
    before: Option<&StoredRecord>,
    today: time::Date,
) -> ServiceResult<()> {
    let stored = before.and_then(|b| b.fields.get("received_on"));
    receipt::may_enter(
        Some(actor),
        n.valid.kind,
        stored,
        n.valid.get("received_on"),
        today,
    )
    .map_err(refusal)
}

/// A refusal of the receipt rules as the application's error: 403 for who asked, 409
/// for the record's state, 422 naming the field for what was entered.
pub fn refusal(r: receipt::Refusal) -> ServiceError {
    match r.kind {
        receipt::RefusalKind::Forbidden => ServiceError::Forbidden { zh: r.zh, en: r.en },
        receipt::RefusalKind::State => ServiceError::Conflict { zh: r.zh, en: r.en },
        receipt::RefusalKind::Input { field, field_zh } => {
            ServiceError::invalid_field(field, field_zh, &r.zh, &r.en)
        }
    }
}

/// Four eyes: the reviewer is neither the record's author nor its last editor.
fn check_four_eyes(actor: &Actor, r: &StoredRecord) -> ServiceResult<()> {
    duikou_domain::four_eyes::check_reviewer(actor, &r.created_by, &r.edited_by)
        .map_err(|(zh, en)| ServiceError::Forbidden { zh, en })
}

/// Field inputs of one record from a JSON object (the API): English keys or Chinese
/// column names as in import files (a name ending in （万元） is in 万元). Unknown names
/// are refused, each named.
pub fn api_inputs(
    kind: RecordKind,
    obj: &serde_json::Map<String, serde_json::Value>,
) -> ServiceResult<BTreeMap<String, FieldInput>> {
    let mut unknown = Vec::new();
    let mut out = BTreeMap::new();
    for (name, input) in inputs_from_json(obj) {
        match kind.field_by_header(&name) {
            Some((fd, in_wan)) => {
                out.insert(
                    fd.key.to_string(),
                    FieldInput {
                        text: input.text,
                        in_wan,
                    },
                );
            }
            None => unknown.push(FieldError {
                field: name.clone(),
                field_zh: String::new(),
                value: String::new(),
                zh: format!("{}没有字段「{name}」", kind.label_zh()),
                en: format!("{} has no field \"{name}\"", kind.key()),
            }),
        }
    }
    if !unknown.is_empty() {
        return Err(ServiceError::Invalid { fields: unknown });
    }
    Ok(out)
}

/// The record must be the actor's own unit's: reported for it, and naming it in the
/// field that attributes the record (so nobody adds to another unit's figures).
pub fn check_may_report(
    actor: &Actor,
    n: &duikou_storage::records::NewRecord,
) -> ServiceResult<()> {
    let kind = n.valid.kind;
    if !actor.can_create(kind, &n.valid.reporting_unit) {
        return Err(ServiceError::Forbidden {
            zh: format!(
                "不能为「{}」填报{}",
                n.valid.reporting_unit,
                kind.label_zh()
            ),
            en: format!(
                "you may not report {} for {}",
                kind.key(),
                n.valid.reporting_unit
            ),
        });
    }
    if !actor.names_own_unit(kind, &n.valid.fields) {
        return Err(ServiceError::Forbidden {
            zh: format!(
                "{}记录中的单位须为本单位「{}」",
                kind.label_zh(),
                actor.unit.as_deref().unwrap_or("")
            ),
            en: format!(
                "a {} you report must name your own unit {}",
                kind.key(),
                actor.unit.as_deref().unwrap_or("")
            ),
        });
    }
    Ok(())
}

/// Field inputs from a JSON object (the API): numbers and booleans become text,
/// lists of units are joined, so one validator serves every path.
pub fn inputs_from_json(
    obj: &serde_json::Map<String, serde_json::Value>,
) -> BTreeMap<String, FieldInput> {
    let mut out = BTreeMap::new();
    for (k, v) in obj {
        let text = match v {
            serde_json::Value::Null => String::new(),
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Bool(b) => if *b { "是" } else { "否" }.to_string(),
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Array(a) => a
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| x.to_string())
                })
                .collect::<Vec<_>>()
                .join("、"),
            serde_json::Value::Object(_) => v.to_string(),
        };
        out.insert(
            k.clone(),
            FieldInput {
                text,
                in_wan: false,
            },
        );
    }
    out
}
