//! The problems an import reports: the first [`MAX_LISTED_PROBLEMS`] and the count of
//! all, so that a file with a million bad rows costs no more memory, and no longer a
//! report, than one with a thousand (web page, command line and API alike).

use serde::Serialize;

use crate::importer::RowError;

/// The most problems one import report lists; the others are only counted.
pub const MAX_LISTED_PROBLEMS: usize = 1_000;

/// Problems found, the first of them kept in the order they were added.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Problems {
    listed: Vec<RowError>,
    total: u64,
}

impl Problems {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, e: RowError) {
        self.total += 1;
        if self.listed.len() < MAX_LISTED_PROBLEMS {
            self.listed.push(e);
        }
    }

    /// Counts `n` problems that are not listed (found past the limit by a caller that
    /// only counted them).
    pub fn count_unlisted(&mut self, n: u64) {
        self.total += n;
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Every problem found, listed or not.
    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn listed(&self) -> &[RowError] {
        &self.listed
    }

    /// Whether some problems are counted but not listed.
    pub fn truncated(&self) -> bool {
        self.total > self.listed.len() as u64
    }

    /// "发现 1,000,000 处错误" or, when not all are listed, "…，仅列出前 1,000 处".
    pub fn summary_zh(&self) -> String {
        let mut s = format!("发现 {} 处错误", group(self.total));
        if self.truncated() {
            s.push_str(&format!(
                "，仅列出前 {} 处",
                group(self.listed.len() as u64)
            ));
        }
        s
    }

    pub fn summary_en(&self) -> String {
        if self.truncated() {
            format!(
                "found {} problems, the first {} listed",
                group(self.total),
                group(self.listed.len() as u64)
            )
        } else {
            format!("found {} problems", group(self.total))
        }
    }
}

impl From<Vec<RowError>> for Problems {
    fn from(errors: Vec<RowError>) -> Self {
        let mut p = Problems::new();
        for e in errors {
            p.push(e);
        }
        p
    }
}

impl Extend<RowError> for Problems {
    fn extend<I: IntoIterator<Item = RowError>>(&mut self, iter: I) {
        for e in iter {
            self.push(e);
        }
    }
}

/// The listed problems.
impl IntoIterator for Problems {
    type Item = RowError;
    type IntoIter = std::vec::IntoIter<RowError>;
    fn into_iter(self) -> Self::IntoIter {
        self.listed.into_iter()
    }
}

/// 1234567 → "1,234,567".
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(row: usize) -> RowError {
        RowError {
            file: "f.csv".into(),
            row,
            column: String::new(),
            field: String::new(),
            value: String::new(),
            zh: "错".into(),
            en: "wrong".into(),
        }
    }

    #[test]
    fn only_the_first_problems_are_kept_and_all_are_counted() {
        let mut p = Problems::new();
        for row in 2..1_000_002 {
            p.push(problem(row));
        }
        assert_eq!(p.total(), 1_000_000);
        assert_eq!(p.listed().len(), MAX_LISTED_PROBLEMS);
        assert_eq!(p.listed()[0].row, 2);
        assert_eq!(p.summary_zh(), "发现 1,000,000 处错误，仅列出前 1,000 处");
        assert_eq!(
            p.summary_en(),
            "found 1,000,000 problems, the first 1,000 listed"
        );
        let few = Problems::from(vec![problem(2), problem(3)]);
        assert!(!few.truncated());
        assert_eq!(few.summary_en(), "found 2 problems");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
    }
}
