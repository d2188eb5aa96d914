//! The rules every interface goes through (web pages, JSON API, command line):
//! authorization by role and unit, validation, state checks, audit. Handlers stay thin.

use std::collections::BTreeMap;

use duikou_domain::crypto::SecretKey;
use duikou_domain::plan::Plan;
use duikou_domain::record::{FieldError, FieldInput, Status, Transition, ValidationContext, validate};
use duikou_domain::roles::{Actor, RecordFacts, Role};
use duikou_domain::schema::RecordKind;
use duikou_storage::Store;
use duikou_storage::audit::AuditEvent;
use duikou_storage::records::{RecordError, RecordQuery, StoredRecord};
use serde::Serialize;

use crate::importer::new_record;

/// Why a request was refused, in the terms of HTTP status codes.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum ServiceError {
    /// 403: the role or unit does not allow it.
    Forbidden { zh: String, en: String },
    /// 404: does not exist, or may not be seen.
    NotFound,
    /// 409: the record's state forbids it.
    Conflict { zh: String, en: String },
    /// 422: invalid input, with the fields named.
    Invalid { fields: Vec<FieldError> },
    /// 500.
    Internal { message: String },
}

impl ServiceError {
    pub fn forbidden() -> Self {
        ServiceError::Forbidden { zh: "您的角色或单位无权进行此操作".into(), en: "your role or unit does not allow this".into() }
    }
    pub fn invalid_field(field: &str, field_zh: &str, zh: &str, en: &str) -> Self {
        ServiceError::Invalid { fields: vec![FieldError { field: field.into(), field_zh: field_zh.into(), value: String::new(), zh: zh.into(), en: en.into() }] }
    }
    pub fn http_status(&self) -> u16 {
        match self {
            ServiceError::Forbidden { .. } => 403,
            ServiceError::NotFound => 404,
            ServiceError::Conflict { .. } => 409,
            ServiceError::Invalid { .. } => 422,
            ServiceError::Internal { .. } => 500,
        }
    }
    pub fn message(&self) -> String {
        match self {
            ServiceError::Forbidden { zh, en } | ServiceError::Conflict { zh, en } => format!("{zh} / {en}"),
            ServiceError::NotFound => "不存在或无权查看 / not found".into(),
            ServiceError::Invalid { fields } => fields.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("；"),
            ServiceError::Internal { message } => message.clone(),
        }
    }
}

impl From<RecordError> for ServiceError {
    fn from(e: RecordError) -> Self {
        match e {
            RecordError::NotFound => ServiceError::NotFound,
            RecordError::Conflict { zh, en } => ServiceError::Conflict { zh, en },
            RecordError::AlreadyImported { .. } => ServiceError::Conflict { zh: e.to_string(), en: String::new() },
            RecordError::Store(s) => ServiceError::Internal { message: s.to_string() },
        }
    }
}

impl From<duikou_storage::StoreError> for ServiceError {
    fn from(e: duikou_storage::StoreError) -> Self {
        tracing::error!(error = %e, "storage error");
        ServiceError::Internal { message: "内部错误 / internal error".into() }
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;

pub fn facts(r: &StoredRecord) -> RecordFacts<'_> {
    RecordFacts { kind: r.kind, status: r.status, reporting_unit: &r.reporting_unit, fields: &r.fields }
}

/// Everything a request needs besides the actor.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub plan: std::sync::Arc<Plan>,
    pub key: std::sync::Arc<SecretKey>,
    pub evidence: std::sync::Arc<crate::evidence_store::EvidenceStore>,
}

impl Services {
    /// A record the actor may see; 404 otherwise (no hint that it exists).
    pub async fn read(&self, actor: &Actor, kind: Option<RecordKind>, id: i64) -> ServiceResult<StoredRecord> {
        let r = self.store.get_record(id).await?.ok_or(ServiceError::NotFound)?;
        if kind.is_some_and(|k| k != r.kind) || !actor.can_read(&facts(&r)) {
            return Err(ServiceError::NotFound);
        }
        Ok(r)
    }

    /// List what the actor may see.
    pub async fn list(&self, actor: &Actor, mut q: RecordQuery) -> ServiceResult<(Vec<StoredRecord>, u64)> {
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
        Ok(self.store.list_records(&q).await?)
    }

    fn validate(&self, actor: &Actor, kind: RecordKind, input: &BTreeMap<String, FieldInput>) -> ServiceResult<duikou_storage::records::NewRecord> {
        let ctx = ValidationContext { plan: &self.plan, default_unit: actor.unit.as_deref() };
        let valid = validate(kind, input, &ctx).map_err(|fields| ServiceError::Invalid { fields })?;
        Ok(new_record(valid, &self.plan, &self.key))
    }

    async fn check_voucher(&self, n: &duikou_storage::records::NewRecord, except: Option<i64>) -> ServiceResult<()> {
        if let Some(k) = &n.natural_key {
            if self.store.natural_key_exists(k, except).await? {
                let (field, zh, en) = if n.valid.kind == RecordKind::Transfer {
                    ("voucher_no", "该拨付单位已有相同凭证号的记录", "this payer already has a transfer with this voucher number")
                } else {
                    ("id_number", "此人在同一类别、同一开始日期已有记录", "this person already has a record in this programme with this start date")
                };
                let fd = n.valid.kind.field(field).expect("schema field");
                return Err(ServiceError::invalid_field(field, fd.zh, zh, en));
            }
        }
        Ok(())
    }

    pub async fn create(&self, actor: &Actor, kind: RecordKind, input: &BTreeMap<String, FieldInput>, submit: bool) -> ServiceResult<StoredRecord> {
        if !matches!(actor.role, Role::Coordinator | Role::Reporter | Role::Receiver) {
            return Err(ServiceError::forbidden());
        }
        let n = self.validate(actor, kind, input)?;
        if !actor.can_create(kind, &n.valid.reporting_unit) {
            return Err(ServiceError::Forbidden {
                zh: format!("不能为「{}」填报{}", n.valid.reporting_unit, kind.label_zh()),
                en: format!("you may not report {} for {}", kind.key(), n.valid.reporting_unit),
            });
        }
        self.check_voucher(&n, None).await?;
        let status = if submit { Status::Submitted } else { Status::Draft };
        Ok(self.store.create_record(&n, status, &actor.username).await?)
    }

    pub async fn update(&self, actor: &Actor, kind: RecordKind, id: i64, input: &BTreeMap<String, FieldInput>, expected_version: Option<i32>) -> ServiceResult<StoredRecord> {
        let before = self.read(actor, Some(kind), id).await?;
        if !actor.can_edit(&facts(&before)) {
            return Err(ServiceError::forbidden());
        }
        if !before.status.is_editable() {
            return Err(ServiceError::Conflict {
                zh: format!("记录状态为「{}」，不能修改", before.status.label_zh()),
                en: format!("the record is {}; it cannot be changed", before.status.key()),
            });
        }
        let n = self.validate(actor, kind, input)?;
        // A reporter may not move a record to another unit.
        if !actor.can_create(kind, &n.valid.reporting_unit) {
            return Err(ServiceError::Forbidden {
                zh: format!("不能把记录改为「{}」的记录", n.valid.reporting_unit),
                en: format!("you may not move the record to {}", n.valid.reporting_unit),
            });
        }
        self.check_voucher(&n, Some(id)).await?;
        Ok(self.store.update_record(id, expected_version, &n, &actor.username).await?)
    }

    pub async fn delete(&self, actor: &Actor, kind: RecordKind, id: i64) -> ServiceResult<()> {
        let before = self.read(actor, Some(kind), id).await?;
        if !actor.can_edit(&facts(&before)) {
            return Err(ServiceError::forbidden());
        }
        Ok(self.store.delete_record(id, &actor.username).await?)
    }

    pub async fn transition(&self, actor: &Actor, kind: RecordKind, id: i64, t: Transition, reason: Option<&str>, expected_version: Option<i32>) -> ServiceResult<StoredRecord> {
        let before = self.read(actor, Some(kind), id).await?;
        let allowed = match t {
            Transition::Submit => actor.can_submit(&facts(&before)),
            Transition::Approve | Transition::Reject | Transition::Reopen => actor.can_review(),
        };
        if !allowed {
            return Err(ServiceError::forbidden());
        }
        if t.needs_reason() && reason.is_none_or(|r| r.trim().is_empty()) {
            return Err(ServiceError::invalid_field("reason", "理由", "请填写理由", "a reason is required"));
        }
        Ok(self.store.transition_record(id, t, reason, expected_version, &actor.username).await?)
    }

    pub async fn confirm(&self, actor: &Actor, id: i64, received_on: &str) -> ServiceResult<StoredRecord> {
        let before = self.read(actor, Some(RecordKind::Transfer), id).await?;
        if !actor.can_confirm(&facts(&before)) {
            return Err(ServiceError::forbidden());
        }
        let date = duikou_domain::cells::parse_date(received_on)
            .map_err(|e| ServiceError::invalid_field("received_on", "到账日期", &e.zh, &e.en))?;
        Ok(self.store.confirm_receipt(id, date, &actor.username).await?)
    }

    /// The plain ID number, for a role allowed to see it; the read is audited.
    pub async fn unmasked_id(&self, actor: &Actor, r: &StoredRecord) -> ServiceResult<Option<String>> {
        if !actor.can_unmask(&facts(r)) {
            return Err(ServiceError::forbidden());
        }
        let Some(cipher) = &r.id_cipher else { return Ok(None) };
        let plain = self.key.decrypt(cipher).map_err(|_| ServiceError::Internal { message: "无法解密 / cannot decrypt".into() })?;
        self.store
            .audit_event(AuditEvent::new(&actor.username, "personal_data.unmask", r.kind.key(), r.id).after(&serde_json::json!({ "field": "id_number", "masked": r.id_masked })))
            .await?;
        Ok(Some(plain))
    }
}

/// Field inputs from a JSON object (the API): numbers and booleans become text,
/// lists of units are joined, so one validator serves every path.
pub fn inputs_from_json(obj: &serde_json::Map<String, serde_json::Value>) -> BTreeMap<String, FieldInput> {
    let mut out = BTreeMap::new();
    for (k, v) in obj {
        let text = match v {
            serde_json::Value::Null => String::new(),
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Bool(b) => if *b { "是" } else { "否" }.to_string(),
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Array(a) => a.iter().map(|x| x.as_str().map(str::to_string).unwrap_or_else(|| x.to_string())).collect::<Vec<_>>().join("、"),
            serde_json::Value::Object(_) => v.to_string(),
        };
        out.insert(k.clone(), FieldInput { text, in_wan: false });
    }
    out
}
