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
}

impl Transition {
    pub fn from_key(s: &str) -> Option<Transition> {
        match s {
            "submit" => Some(Transition::Submit),
            "approve" => Some(Transition::Approve),
            "reject" => Some(Transition::Reject),
            "reopen" => Some(Transition::Reopen),
            "dispute" => Some(Transition::Dispute),
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
            _ => None,
        }
    }
}
