//! Receipt of a transfer (到账确认): the one home of its rules. Every path that could set
//! `received_on` (the confirm action, forms, the API, web and command-line imports) and
//! the storage layer, under its lock, ask these functions, so no path can count money as
//! received that the payee did not confirm.

use time::Date;

use crate::record::{FieldLookup, Status, Value, format_date};
use crate::roles::{Actor, RecordFacts, Role};
use crate::schema::{BuiltinKind, RecordKind};

/// The fields a confirmation vouches for: change one and the payee must confirm again.
pub const BOUND_FIELDS: [&str; 5] = ["amount", "payer", "payee", "source", "budget_year"];

/// Why a receipt was refused: `forbidden` for who asked, otherwise the record's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub forbidden: bool,
    pub zh: String,
    pub en: String,
}

impl Refusal {
    fn forbidden(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Refusal {
            forbidden: true,
            zh: zh.into(),
            en: en.into(),
        }
    }
    fn state(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Refusal {
            forbidden: false,
            zh: zh.into(),
            en: en.into(),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.zh, self.en)
    }
}

/// The text of the refusal when anyone but the payee (or a coordinator) sets the date.
pub const NOT_YOURS_ZH: &str = "到账日期由接收单位确认到账时填写";
pub const NOT_YOURS_EN: &str = "received_on is set when the payee confirms receipt";

/// Whether the record may be confirmed now, whoever asks: a transfer, submitted or
/// approved (a draft can still change under the payee's confirmation; a rejected one is
/// not what was paid), not yet confirmed, and not received before it was sent.
pub fn confirmable(
    kind: RecordKind,
    status: Status,
    fields: &dyn FieldLookup,
    received_on: Date,
) -> Result<(), Refusal> {
    if !kind.is(BuiltinKind::Transfer) {
        return Err(Refusal::state(
            "只有资金拨付记录需要确认到账",
            "only transfers are confirmed",
        ));
    }
    if !matches!(status, Status::Submitted | Status::Approved) {
        return Err(Refusal::state(
            format!(
                "记录状态为「{}」，不能确认到账；须在提交后确认",
                status.label_zh()
            ),
            format!(
                "a {} transfer cannot be confirmed; it must be submitted first",
                status.key()
            ),
        ));
    }
    if fields.field("received_on").is_some() {
        return Err(Refusal::state(
            "此笔资金已确认到账",
            "receipt of this transfer is already confirmed",
        ));
    }
    if let Some(sent) = fields.field("sent_on").and_then(Value::as_date) {
        if received_on < sent {
            return Err(Refusal::state(
                format!("到账日期不能早于拨付日期 {}", format_date(sent)),
                format!("received_on cannot be before sent_on {}", format_date(sent)),
            ));
        }
    }
    Ok(())
}

/// The confirm action: only the payee county, then [`confirmable`].
pub fn may_confirm(actor: &Actor, r: &RecordFacts<'_>, received_on: Date) -> Result<(), Refusal> {
    if !actor.can_confirm(r) {
        return Err(Refusal::forbidden(
            "只有接收单位可以确认到账",
            "only the payee county confirms receipt",
        ));
    }
    confirmable(r.kind, r.status, r.fields, received_on)
}

/// Entering the date with the rest of a record (form, API, import): only a coordinator
/// (whose entry then waits for another coordinator's review); anyone else must leave it
/// as stored. `actor` is `None` on the administrator's command-line bulk import.
pub fn may_enter(
    actor: Option<&Actor>,
    kind: RecordKind,
    stored: Option<&Value>,
    given: Option<&Value>,
) -> Result<(), Refusal> {
    if !kind.is(BuiltinKind::Transfer) || actor.is_none_or(|a| a.role == Role::Coordinator) {
        return Ok(());
    }
    if stored != given {
        return Err(Refusal::forbidden(NOT_YOURS_ZH, NOT_YOURS_EN));
    }
    Ok(())
}

/// Whether a change clears the receipt: the stored date is carried over unchanged while
/// a field the payee confirmed changed. (A date the change itself sets, a coordinator's,
/// stands.)
pub fn change_clears(before: &dyn FieldLookup, after: &dyn FieldLookup) -> bool {
    let Some(received) = before.field("received_on") else {
        return false;
    };
    after.field("received_on") == Some(received)
        && BOUND_FIELDS
            .iter()
            .any(|k| before.field(k) != after.field(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::money::Fen;
    use crate::plan::bundled_kind as test_kind;
    use std::collections::BTreeMap;

    fn d(y: i32, m: u8, day: u8) -> Date {
        Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), day).unwrap()
    }

    fn transfer(received: Option<Date>) -> BTreeMap<String, Value> {
        let mut f = BTreeMap::new();
        f.insert("payer".into(), Value::Units(vec!["清溪镇".into()]));
        f.insert("payee".into(), Value::Units(vec!["镇雄县".into()]));
        f.insert("amount".into(), Value::Money(Fen::new(1_000_000)));
        f.insert("sent_on".into(), Value::Date(d(2020, 5, 1)));
        if let Some(r) = received {
            f.insert("received_on".into(), Value::Date(r));
        }
        f
    }

    #[test]
    fn only_submitted_or_approved_unconfirmed_transfers_after_sending_are_confirmable() {
        let f = transfer(None);
        let on = d(2020, 5, 3);
        for (s, ok) in [
            (Status::Draft, false),
            (Status::Rejected, false),
            (Status::Submitted, true),
            (Status::Approved, true),
        ] {
            assert_eq!(
                confirmable(test_kind(BuiltinKind::Transfer), s, &f, on).is_ok(),
                ok,
                "{s:?}"
            );
        }
        assert!(
            confirmable(
                test_kind(BuiltinKind::Transfer),
                Status::Submitted,
                &f,
                d(2020, 4, 30)
            )
            .is_err()
        );
        assert!(
            confirmable(
                test_kind(BuiltinKind::Transfer),
                Status::Submitted,
                &transfer(Some(on)),
                on
            )
            .is_err()
        );
        assert!(confirmable(test_kind(BuiltinKind::Activity), Status::Submitted, &f, on).is_err());
    }

    #[test]
    fn a_change_of_a_confirmed_field_clears_the_receipt() {
        let before = transfer(Some(d(2020, 5, 3)));
        let mut after = before.clone();
        after.insert("purpose".into(), Value::Text("x".into()));
        assert!(!change_clears(&before, &after), "purpose is not confirmed");
        after.insert("amount".into(), Value::Money(Fen::new(900_000_000)));
        assert!(change_clears(&before, &after));
        after.insert("received_on".into(), Value::Date(d(2020, 5, 9)));
        assert!(
            !change_clears(&before, &after),
            "a newly entered date stands"
        );
        assert!(!change_clears(&transfer(None), &after));
    }

    #[test]
    fn only_a_coordinator_or_the_bulk_path_enters_the_date() {
        let date = Value::Date(d(2020, 5, 3));
        let reporter = Actor {
            username: "清溪镇".into(),
            role: Role::Reporter,
            unit: Some("清溪镇".into()),
        };
        let coordinator = Actor {
            username: "经协办".into(),
            role: Role::Coordinator,
            unit: None,
        };
        let t = test_kind(BuiltinKind::Transfer);
        assert!(
            may_enter(Some(&reporter), t, None, Some(&date))
                .unwrap_err()
                .forbidden
        );
        assert!(may_enter(Some(&reporter), t, Some(&date), Some(&date)).is_ok());
        assert!(may_enter(Some(&reporter), t, Some(&date), None).is_err());
        assert!(may_enter(Some(&coordinator), t, None, Some(&date)).is_ok());
        assert!(may_enter(None, t, None, Some(&date)).is_ok());
    }
}
