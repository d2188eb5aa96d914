//! Receipt of a transfer (到账确认): the one home of its rules. Every path that could set
//! `received_on` (the confirm action, its correction and revert, forms, the API, web and
//! command-line imports) and the storage layer, under its lock, ask these functions, so
//! no path can count money as received that the payee did not confirm.
//!
//! The date a payee enters lies between the transfer's 拨付日期 and today (today is passed
//! in: this crate reads no clock). A date more than [`FAR_DAYS`] days after sending is
//! possible (money held up at a bank, a late budget) but more often a slip of the year or
//! the month, so it is accepted only when confirmed a second time. The payee may correct
//! its own confirmation for [`CORRECTION_DAYS`] days; after that, or for a date it did not
//! confirm itself, only a coordinator may revert it, with a reason.

use time::{Date, Duration};

use crate::record::{FieldLookup, Status, Value, format_date};
use crate::roles::{Actor, RecordFacts, Role};
use crate::schema::{BuiltinKind, RecordKind};

/// The fields a confirmation vouches for: change one and the payee must confirm again.
pub const BOUND_FIELDS: [&str; 5] = ["amount", "payer", "payee", "source", "budget_year"];

/// A receipt date more than this many days after the sending date asks to be confirmed
/// again: a quarter covers a transfer held over a budget year's close, while a year typed
/// wrong (2026 for 2020) lands far beyond it.
pub const FAR_DAYS: i64 = 90;

/// For this many days after confirming (the day of confirming plus seven), the payee may
/// correct its own confirmation; later, a coordinator reverts it.
pub const CORRECTION_DAYS: i64 = 7;

/// The field a far date's second confirmation is given in (forms, the API).
pub const FAR_FIELD: &str = "far_date_confirmed";

/// What kind of refusal: who asked, the record's state, or what was entered (a field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    Forbidden,
    State,
    Input {
        field: &'static str,
        field_zh: &'static str,
    },
}

/// Why a receipt was refused, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub kind: RefusalKind,
    pub zh: String,
    pub en: String,
}

impl Refusal {
    fn forbidden(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Refusal {
            kind: RefusalKind::Forbidden,
            zh: zh.into(),
            en: en.into(),
        }
    }
    fn state(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Refusal {
            kind: RefusalKind::State,
            zh: zh.into(),
            en: en.into(),
        }
    }
    fn date(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Refusal {
            kind: RefusalKind::Input {
                field: "received_on",
                field_zh: "到账日期",
            },
            zh: zh.into(),
            en: en.into(),
        }
    }
    pub fn is_forbidden(&self) -> bool {
        self.kind == RefusalKind::Forbidden
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

/// A payee's confirmation as stored: who confirmed, and on which day (by which the
/// correction window is counted). A date entered otherwise (a coordinator's, an old
/// import) has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    pub by: String,
    pub on: Date,
}

impl Confirmation {
    /// The last day the payee may still correct it.
    pub fn correctable_until(&self) -> Date {
        self.on
            .checked_add(Duration::days(CORRECTION_DAYS))
            .unwrap_or(Date::MAX)
    }
}

/// A receipt date inside its window, and how long after sending it lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateCheck {
    pub received_on: Date,
    pub days_after_sending: Option<i64>,
}

impl DateCheck {
    /// Far from the sending date: to be confirmed a second time.
    pub fn is_far(&self) -> bool {
        self.days_after_sending.is_some_and(|d| d > FAR_DAYS)
    }
}

/// The window of a receipt date: entered at all, not before the transfer was sent, not
/// after today.
pub fn check_date(
    entered: Option<Date>,
    sent_on: Option<Date>,
    today: Date,
) -> Result<DateCheck, Refusal> {
    let Some(received_on) = entered else {
        return Err(Refusal::date(
            "请填写到账日期（资金实际到达本单位账户的日期）",
            "enter the date the money arrived in your account",
        ));
    };
    if let Some(sent) = sent_on
        && received_on < sent
    {
        return Err(Refusal::date(
            format!("到账日期不能早于拨付日期 {}", format_date(sent)),
            format!("received_on cannot be before sent_on {}", format_date(sent)),
        ));
    }
    if received_on > today {
        return Err(Refusal::date(
            format!(
                "到账日期 {} 晚于今天 {}；请填写资金实际到账的日期",
                format_date(received_on),
                format_date(today)
            ),
            format!(
                "received_on {} is after today {}; enter the day the money actually arrived",
                format_date(received_on),
                format_date(today)
            ),
        ));
    }
    Ok(DateCheck {
        received_on,
        days_after_sending: sent_on.map(|s| (received_on - s).whole_days()),
    })
}

/// The refusal of a far date not yet confirmed a second time.
fn far_unconfirmed(c: &DateCheck) -> Refusal {
    let days = c.days_after_sending.unwrap_or_default();
    Refusal {
        kind: RefusalKind::Input {
            field: FAR_FIELD,
            field_zh: "再次确认",
        },
        zh: format!(
            "到账日期 {} 比拨付日期晚 {days} 天（超过 {FAR_DAYS} 天）；请核对年份和月份，确认无误后再次确认",
            format_date(c.received_on)
        ),
        en: format!(
            "received_on {} is {days} days after sent_on (more than {FAR_DAYS}); check the year and the month, then confirm again",
            format_date(c.received_on)
        ),
    }
}

fn sent_on(fields: &dyn FieldLookup) -> Option<Date> {
    fields.field("sent_on").and_then(Value::as_date)
}

fn only_transfers(kind: RecordKind) -> Result<(), Refusal> {
    if kind.is(BuiltinKind::Transfer) {
        Ok(())
    } else {
        Err(Refusal::state(
            "只有资金拨付记录需要确认到账",
            "only transfers are confirmed",
        ))
    }
}

/// A draft can still change under the payee's confirmation; a rejected one is not what
/// was paid.
fn submitted_or_approved(status: Status, zh_act: &str, en_act: &str) -> Result<(), Refusal> {
    if matches!(status, Status::Submitted | Status::Approved) {
        return Ok(());
    }
    Err(Refusal::state(
        format!(
            "记录状态为「{}」，不能{zh_act}；须在提交后进行",
            status.label_zh()
        ),
        format!(
            "a {} transfer cannot be {en_act}; it must be submitted first",
            status.key()
        ),
    ))
}

/// Whether the record may be confirmed now, whoever asks: a transfer, submitted or
/// approved, not yet confirmed, and not received before it was sent. (What storage checks
/// again under its lock; the window up to today is the caller's, who knows the day.)
pub fn confirmable(
    kind: RecordKind,
    status: Status,
    fields: &dyn FieldLookup,
    received_on: Date,
) -> Result<(), Refusal> {
    only_transfers(kind)?;
    submitted_or_approved(status, "确认到账", "confirmed")?;
    if fields.field("received_on").is_some() {
        return Err(Refusal::state(
            "此笔资金已确认到账",
            "receipt of this transfer is already confirmed",
        ));
    }
    if let Some(sent) = sent_on(fields)
        && received_on < sent
    {
        return Err(Refusal::date(
            format!("到账日期不能早于拨付日期 {}", format_date(sent)),
            format!("received_on cannot be before sent_on {}", format_date(sent)),
        ));
    }
    Ok(())
}

/// The confirm action: only the payee county; a confirmable record; a date in its window;
/// a far date confirmed twice (`far_confirmed`). Answers the checked date (what the
/// confirmation step shows).
pub fn may_confirm(
    actor: &Actor,
    r: &RecordFacts<'_>,
    entered: Option<Date>,
    today: Date,
    far_confirmed: bool,
) -> Result<DateCheck, Refusal> {
    if !actor.can_confirm(r) {
        return Err(Refusal::forbidden(
            "只有接收单位可以确认到账",
            "only the payee county confirms receipt",
        ));
    }
    only_transfers(r.kind)?;
    submitted_or_approved(r.status, "确认到账", "confirmed")?;
    if r.fields.field("received_on").is_some() {
        return Err(Refusal::state(
            "此笔资金已确认到账",
            "receipt of this transfer is already confirmed",
        ));
    }
    let c = check_date(entered, sent_on(r.fields), today)?;
    if c.is_far() && !far_confirmed {
        return Err(far_unconfirmed(&c));
    }
    Ok(c)
}

/// The payee corrects its own confirmation's date, within [`CORRECTION_DAYS`] days of
/// confirming; the new date is checked as a confirmation's.
pub fn may_correct(
    actor: &Actor,
    r: &RecordFacts<'_>,
    confirmation: Option<&Confirmation>,
    entered: Option<Date>,
    today: Date,
    far_confirmed: bool,
) -> Result<DateCheck, Refusal> {
    if !actor.can_confirm(r) {
        return Err(Refusal::forbidden(
            "只有接收单位可以更正本单位的到账确认",
            "only the payee county corrects its confirmation",
        ));
    }
    only_transfers(r.kind)?;
    submitted_or_approved(r.status, "更正到账日期", "corrected")?;
    let Some(stored) = r.fields.field("received_on").and_then(Value::as_date) else {
        return Err(Refusal::state(
            "此笔资金尚未确认到账，没有可更正的日期",
            "receipt of this transfer is not confirmed: there is no date to correct",
        ));
    };
    let Some(c) = confirmation else {
        return Err(Refusal::state(
            "此到账日期不是接收单位确认的，不能由接收单位更正；如有错误，请统筹协调单位撤销",
            "this receipt date was not confirmed by the payee, so the payee cannot correct it; a coordinator can revert it",
        ));
    };
    if today > c.correctable_until() {
        return Err(Refusal::state(
            format!(
                "到账确认于 {}，已超过 {CORRECTION_DAYS} 天更正期限（截至 {}）；如有错误，请统筹协调单位撤销",
                format_date(c.on),
                format_date(c.correctable_until())
            ),
            format!(
                "receipt was confirmed on {}; the {CORRECTION_DAYS} days to correct it ended on {}; a coordinator can revert it",
                format_date(c.on),
                format_date(c.correctable_until())
            ),
        ));
    }
    let checked = check_date(entered, sent_on(r.fields), today)?;
    if checked.received_on == stored {
        return Err(Refusal::date(
            format!("新的到账日期与原日期 {} 相同", format_date(stored)),
            format!("the new date is the stored one, {}", format_date(stored)),
        ));
    }
    if checked.is_far() && !far_confirmed {
        return Err(far_unconfirmed(&checked));
    }
    Ok(checked)
}

/// A coordinator reverts a receipt (the reason is checked by the caller with every
/// other reason): the money no longer counts until the payee confirms again.
pub fn may_revert(actor: &Actor, r: &RecordFacts<'_>) -> Result<(), Refusal> {
    if actor.role != Role::Coordinator {
        return Err(Refusal::forbidden(
            "只有统筹协调单位可以撤销到账确认",
            "only a coordinator reverts a receipt",
        ));
    }
    only_transfers(r.kind)?;
    if r.fields.field("received_on").is_none() {
        return Err(Refusal::state(
            "此笔资金尚未确认到账，没有可撤销的确认",
            "receipt of this transfer is not confirmed: there is nothing to revert",
        ));
    }
    Ok(())
}

/// Entering the date with the rest of a record (form, API, import): only a coordinator
/// (whose entry then waits for another coordinator's review), and never a day after
/// today; anyone else must leave it as stored. `actor` is `None` on the administrator's
/// command-line bulk import.
pub fn may_enter(
    actor: Option<&Actor>,
    kind: RecordKind,
    stored: Option<&Value>,
    given: Option<&Value>,
    today: Date,
) -> Result<(), Refusal> {
    if !kind.is(BuiltinKind::Transfer) || stored == given {
        return Ok(());
    }
    if actor.is_some_and(|a| a.role != Role::Coordinator) {
        return Err(Refusal::forbidden(NOT_YOURS_ZH, NOT_YOURS_EN));
    }
    if let Some(d) = given.and_then(Value::as_date)
        && d > today
    {
        return Err(Refusal::date(
            format!(
                "到账日期 {} 晚于今天 {}",
                format_date(d),
                format_date(today)
            ),
            format!(
                "received_on {} is after today {}",
                format_date(d),
                format_date(today)
            ),
        ));
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

    fn reporter() -> Actor {
        Actor {
            username: "清溪镇".into(),
            role: Role::Reporter,
            unit: Some("清溪镇".into()),
        }
    }
    fn county() -> Actor {
        Actor {
            username: "镇雄县".into(),
            role: Role::Receiver,
            unit: Some("镇雄县".into()),
        }
    }
    fn coordinator() -> Actor {
        Actor {
            username: "经协办".into(),
            role: Role::Coordinator,
            unit: None,
        }
    }
    fn facts<'a>(f: &'a BTreeMap<String, Value>, status: Status) -> RecordFacts<'a> {
        RecordFacts {
            kind: test_kind(BuiltinKind::Transfer),
            status,
            reporting_unit: "清溪镇",
            fields: f,
        }
    }
    fn input_field(r: &Refusal) -> Option<&'static str> {
        match r.kind {
            RefusalKind::Input { field, .. } => Some(field),
            _ => None,
        }
    }

    #[test]
    fn only_a_coordinator_or_the_bulk_path_enters_the_date() {
        let today = d(2020, 6, 1);
        let date = Value::Date(d(2020, 5, 3));
        let t = test_kind(BuiltinKind::Transfer);
        let r = reporter();
        assert!(
            may_enter(Some(&r), t, None, Some(&date), today)
                .unwrap_err()
                .is_forbidden()
        );
        assert!(may_enter(Some(&r), t, Some(&date), Some(&date), today).is_ok());
        assert!(may_enter(Some(&r), t, Some(&date), None, today).is_err());
        assert!(may_enter(Some(&coordinator()), t, None, Some(&date), today).is_ok());
        assert!(may_enter(None, t, None, Some(&date), today).is_ok());
        // Nobody enters a day still to come.
        let later = Value::Date(d(2020, 6, 2));
        let e = may_enter(Some(&coordinator()), t, None, Some(&later), today).unwrap_err();
        assert_eq!(input_field(&e), Some("received_on"));
        assert!(may_enter(None, t, None, Some(&later), today).is_err());
    }

    #[test]
    fn a_receipt_date_lies_between_sending_and_today() {
        let today = d(2020, 6, 1);
        let sent = Some(d(2020, 5, 1));
        for entered in [None, Some(d(2020, 4, 30)), Some(d(2020, 6, 2))] {
            let e = check_date(entered, sent, today).unwrap_err();
            assert_eq!(input_field(&e), Some("received_on"), "{entered:?}: {e}");
        }
        for ok in [d(2020, 5, 1), d(2020, 6, 1)] {
            let c = check_date(Some(ok), sent, today).unwrap();
            assert!(!c.is_far());
        }
        // Without a sending date only today bounds it.
        assert!(check_date(Some(d(2001, 1, 1)), None, today).is_ok());
    }

    #[test]
    fn a_date_far_from_sending_is_confirmed_twice() {
        let f = transfer(None);
        let today = d(2021, 1, 1);
        let r = facts(&f, Status::Approved);
        let within = d(2020, 5, 1) + Duration::days(FAR_DAYS);
        assert!(
            !may_confirm(&county(), &r, Some(within), today, false)
                .unwrap()
                .is_far()
        );
        let far = within + Duration::days(1);
        let e = may_confirm(&county(), &r, Some(far), today, false).unwrap_err();
        assert_eq!(input_field(&e), Some(FAR_FIELD));
        assert!(e.zh.contains("91 天"), "{e}");
        let c = may_confirm(&county(), &r, Some(far), today, true).unwrap();
        assert_eq!(c.days_after_sending, Some(91));
        // Only the payee confirms, and only once.
        assert!(
            may_confirm(&coordinator(), &r, Some(within), today, false)
                .unwrap_err()
                .is_forbidden()
        );
        let confirmed = transfer(Some(d(2020, 5, 3)));
        assert_eq!(
            may_confirm(
                &county(),
                &facts(&confirmed, Status::Approved),
                Some(within),
                today,
                false
            )
            .unwrap_err()
            .kind,
            RefusalKind::State
        );
    }

    #[test]
    fn the_payee_corrects_its_own_confirmation_for_seven_days() {
        let f = transfer(Some(d(2020, 5, 3)));
        let r = facts(&f, Status::Submitted);
        let c = Confirmation {
            by: "镇雄县".into(),
            on: d(2020, 5, 4),
        };
        assert_eq!(c.correctable_until(), d(2020, 5, 11));
        let ok = may_correct(
            &county(),
            &r,
            Some(&c),
            Some(d(2020, 5, 2)),
            d(2020, 5, 11),
            false,
        );
        assert_eq!(ok.unwrap().received_on, d(2020, 5, 2));
        let late = may_correct(
            &county(),
            &r,
            Some(&c),
            Some(d(2020, 5, 2)),
            d(2020, 5, 12),
            false,
        )
        .unwrap_err();
        assert_eq!(late.kind, RefusalKind::State);
        assert!(late.zh.contains("2020-05-11"), "{late}");
        // A date nobody confirmed as payee (a coordinator's entry) is not the payee's to correct.
        assert_eq!(
            may_correct(
                &county(),
                &r,
                None,
                Some(d(2020, 5, 2)),
                d(2020, 5, 5),
                false
            )
            .unwrap_err()
            .kind,
            RefusalKind::State
        );
        let same = may_correct(
            &county(),
            &r,
            Some(&c),
            Some(d(2020, 5, 3)),
            d(2020, 5, 5),
            false,
        )
        .unwrap_err();
        assert_eq!(input_field(&same), Some("received_on"));
        assert!(
            may_correct(
                &reporter(),
                &r,
                Some(&c),
                Some(d(2020, 5, 2)),
                d(2020, 5, 5),
                false
            )
            .unwrap_err()
            .is_forbidden()
        );
    }

    #[test]
    fn only_a_coordinator_reverts_a_receipt() {
        let confirmed = transfer(Some(d(2020, 5, 3)));
        let r = facts(&confirmed, Status::Approved);
        assert!(may_revert(&coordinator(), &r).is_ok());
        assert!(may_revert(&county(), &r).unwrap_err().is_forbidden());
        assert!(may_revert(&reporter(), &r).unwrap_err().is_forbidden());
        let open = transfer(None);
        assert_eq!(
            may_revert(&coordinator(), &facts(&open, Status::Approved))
                .unwrap_err()
                .kind,
            RefusalKind::State
        );
    }
}
