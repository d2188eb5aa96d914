//! The review queue's filter as the page carries it: read from a query string or a
//! form, written back as links (pagination, the return after an act) and as hidden
//! fields (the forms that act on everything the filter matches).

use duikou_app::review::FilterInput;

use crate::web::auth::urlencode;

/// Page sizes offered; the default is the first but one.
pub const PAGE_SIZES: [u64; 4] = [25, 50, 100, 200];
pub const DEFAULT_PER_PAGE: u64 = 50;

/// The filter's parts as typed (trimmed, at most 100 characters each).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterParams {
    pub kind: String,
    pub unit: String,
    pub batch: String,
    pub year: String,
    pub since: String,
}

fn clip(s: &str) -> String {
    s.trim().chars().take(100).collect()
}

impl FilterParams {
    /// From decoded pairs (a query string or a form body); the first of each wins.
    pub fn from_pairs(pairs: &[(String, String)]) -> FilterParams {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| clip(v))
                .unwrap_or_default()
        };
        FilterParams {
            kind: get("kind"),
            unit: get("unit"),
            batch: get("batch"),
            year: get("year"),
            since: get("since"),
        }
    }

    pub fn input(&self) -> FilterInput<'_> {
        FilterInput {
            kind: Some(self.kind.as_str()),
            unit: Some(self.unit.as_str()),
            batch: Some(self.batch.as_str()),
            year: Some(self.year.as_str()),
            since: Some(self.since.as_str()),
        }
    }

    fn parts(&self) -> [(&'static str, &str); 5] {
        [
            ("kind", self.kind.as_str()),
            ("unit", self.unit.as_str()),
            ("batch", self.batch.as_str()),
            ("year", self.year.as_str()),
            ("since", self.since.as_str()),
        ]
    }

    pub fn is_empty(&self) -> bool {
        self.parts().iter().all(|(_, v)| v.is_empty())
    }

    /// `kind=person&batch=3` (the parts given), url-encoded.
    pub fn query(&self) -> String {
        self.parts()
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The parts given, as (name, value) for hidden fields.
    pub fn hidden(&self) -> Vec<(&'static str, String)> {
        self.parts()
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (*k, v.to_string()))
            .collect()
    }
}

/// `/review?…` with the filter, the page size (when not the default) and more.
pub fn review_href(f: &FilterParams, per_page: u64, extra: &[(&str, String)]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let q = f.query();
    if !q.is_empty() {
        parts.push(q);
    }
    if per_page != DEFAULT_PER_PAGE {
        parts.push(format!("per_page={per_page}"));
    }
    for (k, v) in extra {
        parts.push(format!("{k}={}", urlencode(v)));
    }
    if parts.is_empty() {
        "/review".into()
    } else {
        format!("/review?{}", parts.join("&"))
    }
}

/// The page size asked for, if it is one offered.
pub fn per_page_of(text: &str) -> u64 {
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| PAGE_SIZES.contains(n))
        .unwrap_or(DEFAULT_PER_PAGE)
}
