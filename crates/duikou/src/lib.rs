//! The `duikou` program: command line, importer, outputs and the web application.

pub mod assess_view;
pub mod backup;
pub mod cli;
pub mod config;
pub mod demo;
pub mod error;
pub mod evidence_store;
pub mod importer;
pub mod plan_view;
pub mod protect;
pub mod service;
pub mod tabular;
pub mod web;
