//! The values that cross from one crate to another under a name of their own, so that a
//! record's number is never taken for a user's, a unit's name for any other text, or a
//! stored time for a date: `RecordId`, `UserId`, `UnitName`, `Timestamp`. Money has its
//! own type (`money::Fen`). Each serialises as the bare value (JSON and the database are
//! unchanged).

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A stored record's number (its row id; 1 and up).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RecordId(pub i64);

impl RecordId {
    /// A record number as people and URLs write it: a positive integer.
    pub fn parse(text: &str) -> Option<RecordId> {
        text.trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(RecordId)
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<i64> for RecordId {
    fn from(n: i64) -> Self {
        RecordId(n)
    }
}

/// A user account's number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub i32);

impl UserId {
    pub fn parse(text: &str) -> Option<UserId> {
        text.trim()
            .parse::<i32>()
            .ok()
            .filter(|n| *n > 0)
            .map(UserId)
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The name of a unit of the plan (清溪镇, 市经协办): what records, accounts and figures
/// name a unit by. Reads as text wherever text is wanted.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnitName(String);

impl UnitName {
    pub fn new(name: impl Into<String>) -> UnitName {
        UnitName(name.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl Deref for UnitName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for UnitName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for UnitName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnitName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for UnitName {
    fn from(s: String) -> Self {
        UnitName(s)
    }
}

impl From<&str> for UnitName {
    fn from(s: &str) -> Self {
        UnitName(s.to_owned())
    }
}

impl From<UnitName> for String {
    fn from(u: UnitName) -> Self {
        u.0
    }
}

impl PartialEq<str> for UnitName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for UnitName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for UnitName {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

/// A moment as the database stores it: UTC, RFC 3339 with microseconds
/// (`2019-03-15T02:00:00.000000Z`), so that text order is time order. Shown to people
/// in Beijing time (`beijing`).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(String);

/// Beijing time, the programme's clock.
pub const BEIJING: time::UtcOffset = time::macros::offset!(+8);

impl Timestamp {
    /// A stored text, taken as it is (the database wrote it).
    pub fn from_stored(text: impl Into<String>) -> Timestamp {
        Timestamp(text.into())
    }

    pub fn of(at: OffsetDateTime) -> Timestamp {
        let at = at.to_offset(time::UtcOffset::UTC);
        Timestamp(format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second(),
            at.microsecond()
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The moment, if the text is one.
    pub fn parse(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::parse(&self.0, &time::format_description::well_known::Rfc3339).ok()
    }

    /// `2019-03-15 10:00` in Beijing time; the stored text when it is not a moment.
    pub fn beijing(&self) -> String {
        match self.parse() {
            Some(at) => {
                let at = at.to_offset(BEIJING);
                format!(
                    "{:04}-{:02}-{:02} {:02}:{:02}",
                    at.year(),
                    u8::from(at.month()),
                    at.day(),
                    at.hour(),
                    at.minute()
                )
            }
            None => self.0.clone(),
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Deref for Timestamp {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_ids_are_positive_numbers() {
        assert_eq!(RecordId::parse(" 42 "), Some(RecordId(42)));
        assert_eq!(RecordId::parse("0"), None);
        assert_eq!(RecordId::parse("-3"), None);
        assert_eq!(RecordId::parse("4x"), None);
        assert_eq!(serde_json::to_string(&RecordId(7)).unwrap(), "7");
    }

    #[test]
    fn unit_names_read_as_text_and_serialise_bare() {
        let u = UnitName::from("清溪镇");
        assert_eq!(u, "清溪镇");
        assert!(u.starts_with("清溪"));
        assert_eq!(serde_json::to_string(&u).unwrap(), "\"清溪镇\"");
        let set: std::collections::BTreeSet<UnitName> = [u.clone()].into();
        assert!(set.contains("清溪镇"));
    }

    #[test]
    fn timestamps_keep_time_order_and_show_beijing_time() {
        let t = Timestamp::of(time::macros::datetime!(2019-03-15 18:30:00.5 UTC));
        assert_eq!(t.as_str(), "2019-03-15T18:30:00.500000Z");
        assert_eq!(t.beijing(), "2019-03-16 02:30");
        let earlier = Timestamp::of(time::macros::datetime!(2019-03-15 09:00 UTC));
        assert!(earlier < t);
        assert_eq!(Timestamp::from_stored("not a time").beijing(), "not a time");
    }
}
