//! The importer's cross-checks on the bundled plan: the area-code rules alone
//! (`cross_check`), then whole files through `prepare` and the error workbook (`rows`).

mod cross_check;
mod rows;
