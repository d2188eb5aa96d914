//! Money: an exact amount in fen (分), never a float. Every amount a record holds is a
//! [`Fen`]; figures the engine adds up are plain sums of it.

use serde::{Deserialize, Serialize};

use crate::cells;

/// An amount of money in fen (1 yuan = 100 fen). Stored as BIGINT, written in JSON as a
/// whole number of fen, shown as yuan with two decimals.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Fen(i64);

impl Fen {
    pub const ZERO: Fen = Fen(0);

    pub const fn new(fen: i64) -> Self {
        Fen(fen)
    }

    /// Whole yuan, unless the amount in fen would not fit.
    pub const fn from_yuan(yuan: i64) -> Option<Self> {
        match yuan.checked_mul(100) {
            Some(fen) => Some(Fen(fen)),
            None => None,
        }
    }

    /// The amount in fen.
    pub const fn fen(self) -> i64 {
        self.0
    }

    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn checked_add(self, other: Fen) -> Option<Fen> {
        self.0.checked_add(other.0).map(Fen)
    }

    /// Yuan with exactly two decimals: `Fen::new(123450)` → `"1234.50"`.
    pub fn yuan_text(self) -> String {
        cells::format_fen_yuan(self.0)
    }

    /// 万元 with exactly two decimals, rounded half away from zero.
    pub fn wan_text(self) -> String {
        cells::format_fen_wan(self.0)
    }
}

impl std::fmt::Display for Fen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.yuan_text())
    }
}

impl From<Fen> for i64 {
    fn from(f: Fen) -> i64 {
        f.0
    }
}

#[cfg(test)]
mod tests {
    use super::Fen;

    #[test]
    fn yuan_are_a_hundred_fen_and_overflow_is_refused() {
        assert_eq!(Fen::from_yuan(1_800), Some(Fen::new(180_000)));
        assert_eq!(Fen::from_yuan(i64::MAX / 10), None);
        assert_eq!(Fen::new(123_450).to_string(), "1234.50");
        assert_eq!(Fen::new(-5).yuan_text(), "-0.05");
        assert_eq!(Fen::new(i64::MAX).checked_add(Fen::new(1)), None);
        assert_eq!(
            serde_json::to_string(&Fen::new(100_000_050)).unwrap(),
            "100000050"
        );
    }
}
