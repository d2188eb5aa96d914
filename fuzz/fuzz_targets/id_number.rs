#![no_main]
//! ID-number validation: never panics, and what it accepts re-parses to itself.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(id) = duikou_domain::id_number::IdNumber::parse(text) {
            let again = duikou_domain::id_number::IdNumber::parse(id.as_str()).expect("accepted number parses again");
            assert_eq!(again.as_str(), id.as_str());
            assert_eq!(id.masked().chars().count(), 18);
        }
    }
});
