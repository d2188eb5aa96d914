//! The application layer: the use cases (records and review, import, assessment,
//! downloads, plans, accounts, backups) that the command line and the web call alike.
//! It knows the domain and the storage, never an interface: no HTTP, no terminal.

pub mod accounts;
pub mod assessment;
pub mod audit_trail;
pub mod backup;
pub mod config;
pub mod demo;
pub mod downloads;
pub mod error;
pub mod evidence_store;
pub mod import_report;
pub mod importer;
pub mod listing;
pub mod plan_book;
pub mod plans;
pub mod private_fs;
pub mod protect;
pub mod receipts;
pub mod reminders;
pub mod review;
pub mod service;
pub mod sign_in;
pub mod tabular;
pub mod upload_store;
pub mod user_import;
pub mod verify;
