//! A transfer's receipt (到账确认) as every interface asks for it: the confirmation
//! step and the confirmation, the payee's correction within its window, a coordinator's
//! revert. The rules are `duikou_domain::receipt`'s, given today's date here.

use duikou_domain::ids::RecordId;
use duikou_domain::receipt::{self, DateCheck};
use duikou_domain::roles::Actor;
use duikou_domain::schema::BuiltinKind;
use duikou_storage::records::StoredRecord;

use crate::service::{ServiceError, ServiceResult, Services, check_reason_text, facts, refusal};

impl Services {
    /// The payee's transfer as the confirmation step shows it, with the date entered
    /// checked (empty, before sending, after today: refused); a far date is answered, not
    /// refused, so the step can ask again.
    pub async fn confirm_check(
        &self,
        actor: &Actor,
        id: RecordId,
        received_on: &str,
    ) -> ServiceResult<(StoredRecord, DateCheck)> {
        let before = self.transfer(actor, id).await?;
        let date = parse_receipt_date(received_on)?;
        let c = receipt::may_confirm(actor, &facts(&before), date, self.today(), true)
            .map_err(refusal)?;
        Ok((before, c))
    }

    /// Confirm receipt (the payee county): the date between sending and today, a date
    /// more than `receipt::FAR_DAYS` after sending only with `far_confirmed`.
    pub async fn confirm(
        &self,
        actor: &Actor,
        id: RecordId,
        received_on: &str,
        far_confirmed: bool,
    ) -> ServiceResult<StoredRecord> {
        let before = self.transfer(actor, id).await?;
        let date = parse_receipt_date(received_on)?;
        let today = self.today();
        let c = receipt::may_confirm(actor, &facts(&before), date, today, far_confirmed)
            .map_err(refusal)?;
        Ok(self
            .store
            .confirm_receipt(id, c.received_on, today, &actor.username)
            .await?)
    }

    /// The correction step: as `confirm_check`, for the payee correcting its own
    /// confirmation within `receipt::CORRECTION_DAYS` days.
    pub async fn correct_check(
        &self,
        actor: &Actor,
        id: RecordId,
        received_on: &str,
    ) -> ServiceResult<(StoredRecord, DateCheck)> {
        let before = self.transfer(actor, id).await?;
        let date = parse_receipt_date(received_on)?;
        let c = receipt::may_correct(
            actor,
            &facts(&before),
            before.receipt.as_ref(),
            date,
            self.today(),
            true,
        )
        .map_err(refusal)?;
        Ok((before, c))
    }

    /// The payee corrects the date it confirmed, within `receipt::CORRECTION_DAYS` days.
    pub async fn correct_receipt(
        &self,
        actor: &Actor,
        id: RecordId,
        received_on: &str,
        far_confirmed: bool,
        expected_version: Option<i32>,
    ) -> ServiceResult<StoredRecord> {
        let before = self.transfer(actor, id).await?;
        let date = parse_receipt_date(received_on)?;
        let c = receipt::may_correct(
            actor,
            &facts(&before),
            before.receipt.as_ref(),
            date,
            self.today(),
            far_confirmed,
        )
        .map_err(refusal)?;
        Ok(self
            .store
            .correct_receipt(
                id,
                c.received_on,
                expected_version.unwrap_or(before.version),
                &actor.username,
            )
            .await?)
    }

    /// A coordinator reverts a receipt, with a reason: the money counts nowhere until
    /// the payee confirms again.
    pub async fn revert_receipt(
        &self,
        actor: &Actor,
        id: RecordId,
        reason: Option<&str>,
        expected_version: Option<i32>,
    ) -> ServiceResult<StoredRecord> {
        let before = self.transfer(actor, id).await?;
        receipt::may_revert(actor, &facts(&before)).map_err(refusal)?;
        check_reason_text(true, reason)?;
        Ok(self
            .store
            .revert_receipt(
                id,
                reason.unwrap_or_default().trim(),
                expected_version.unwrap_or(before.version),
                &actor.username,
            )
            .await?)
    }

    /// A transfer the actor may see (404 otherwise).
    pub(crate) async fn transfer(
        &self,
        actor: &Actor,
        id: RecordId,
    ) -> ServiceResult<StoredRecord> {
        self.read(actor, Some(self.plan.kind_of(BuiltinKind::Transfer)), id)
            .await
    }
}

/// A receipt date as entered: empty is none (refused by the rules with their message),
/// anything else must read as a date.
fn parse_receipt_date(text: &str) -> ServiceResult<Option<time::Date>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    duikou_domain::cells::parse_date(text)
        .map(Some)
        .map_err(|e| ServiceError::invalid_field("received_on", "到账日期", &e.zh, &e.en))
}
