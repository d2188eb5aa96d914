#![no_main]
//! Any bytes as a plan file: a plan or errors with lines, never a panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = duikou_domain::plan::Plan::from_toml(text, "fuzz.toml");
    }
});
