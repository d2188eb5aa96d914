//! A record's review status and the transitions between statuses.

use serde::{Deserialize, Serialize};

/// Review status of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Submitted,
    Approved,
    Rejected,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Draft,
        Status::Submitted,
        Status::Approved,
        Status::Rejected,
    ];
    pub fn key(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Draft => "草稿",
            Status::Submitted => "待审核",
            Status::Approved => "已审核",
            Status::Rejected => "已退回",
        }
    }
    pub fn from_key(s: &str) -> Option<Status> {
        Status::ALL
            .into_iter()
            .find(|st| st.key() == s || st.label_zh() == s)
    }
    /// Content may change only while draft or rejected; approved records are locked.
    pub fn is_editable(self) -> bool {
        matches!(self, Status::Draft | Status::Rejected)
    }
}

/// A change of review status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    Submit,
    Approve,
    Reject,
    Reopen,
    /// 退回复核: a unit the record names but that did not report it sends it back to
    /// the coordinators, so its figures are not decided by another unit alone.
    Dispute,
    /// 撤回: the reporter takes a submitted record back to draft before anyone acted on
    /// it ([`may_withdraw`]).
    Withdraw,
}

impl Transition {
    pub fn from_key(s: &str) -> Option<Transition> {
        match s {
            "submit" => Some(Transition::Submit),
            "approve" => Some(Transition::Approve),
            "reject" => Some(Transition::Reject),
            "reopen" => Some(Transition::Reopen),
            "dispute" => Some(Transition::Dispute),
            "withdraw" => Some(Transition::Withdraw),
            _ => None,
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Transition::Submit => "submit",
            Transition::Approve => "approve",
            Transition::Reject => "reject",
            Transition::Reopen => "reopen",
            Transition::Dispute => "dispute",
            Transition::Withdraw => "withdraw",
        }
    }
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            Transition::Reject | Transition::Reopen | Transition::Dispute
        )
    }
    /// The status after this transition, or None when the current status forbids it.
    pub fn apply(self, from: Status) -> Option<Status> {
        match (self, from) {
            (Transition::Submit, Status::Draft | Status::Rejected) => Some(Status::Submitted),
            (Transition::Approve, Status::Submitted) => Some(Status::Approved),
            (Transition::Reject, Status::Submitted) => Some(Status::Rejected),
            (Transition::Reopen, Status::Approved | Status::Rejected) => Some(Status::Draft),
            (Transition::Dispute, Status::Submitted | Status::Approved) => Some(Status::Submitted),
            (Transition::Withdraw, Status::Submitted) => Some(Status::Draft),
            _ => None,
        }
    }
}

/// Whether a submitted record may be withdrawn (撤回) by its reporter: it is submitted,
/// nobody has acted on it since (`last_act`: the last review transition in its history,
/// none for a record created or imported as submitted), and, for a transfer, its payee
/// has not confirmed receipt (the county would lose sight of money it vouched for).
pub fn may_withdraw(
    status: Status,
    last_act: Option<Transition>,
    receipt_confirmed: bool,
) -> Result<(), (String, String)> {
    if status != Status::Submitted {
        return Err((
            format!(
                "记录状态为「{}」，只有待审核的记录可以撤回",
                status.label_zh()
            ),
            format!(
                "a {} record cannot be withdrawn; only submitted ones can",
                status.key()
            ),
        ));
    }
    if !matches!(last_act, None | Some(Transition::Submit)) {
        return Err((
            "此记录提交后已被退回复核，须由统筹协调单位审核，不能撤回".into(),
            "this record was disputed after it was submitted; the coordinators review it, it cannot be withdrawn".into(),
        ));
    }
    if receipt_confirmed {
        return Err((
            "接收单位已确认到账，不能撤回；如需修改，请统筹协调单位退回".into(),
            "the payee has confirmed receipt, so it cannot be withdrawn; ask a coordinator to return it".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod withdraw_tests {
    use super::*;

    #[test]
    fn only_a_submitted_record_nobody_acted_on_is_withdrawn() {
        assert_eq!(
            Transition::Withdraw.apply(Status::Submitted),
            Some(Status::Draft)
        );
        for s in [Status::Draft, Status::Approved, Status::Rejected] {
            assert!(Transition::Withdraw.apply(s).is_none());
            assert!(may_withdraw(s, None, false).is_err());
        }
        assert!(may_withdraw(Status::Submitted, None, false).is_ok());
        assert!(may_withdraw(Status::Submitted, Some(Transition::Submit), false).is_ok());
        assert!(may_withdraw(Status::Submitted, Some(Transition::Dispute), false).is_err());
        assert!(may_withdraw(Status::Submitted, Some(Transition::Submit), true).is_err());
    }
}
