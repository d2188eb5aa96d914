//! The `duikou` program: command line, importer, outputs and the web application.

pub mod accounts;
pub mod assess_view;
pub mod backup;
pub mod cli;
pub mod config;
pub mod demo;
pub mod downloads;
pub mod error;
pub mod evidence_store;
pub mod import_report;
pub mod importer;
pub mod plan_view;
pub mod private_fs;
pub mod protect;
pub mod service;
pub mod tabular;
pub mod upload_store;
pub mod web;

// glibc malloc spent a third of an import in `_int_malloc`/`unlink_chunk`/
// `malloc_consolidate` once the heap held a few hundred thousand records (BENCHMARKS.md).
// Not under the fuzzer: the address sanitiser must see the heap.
#[cfg(not(fuzzing))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
