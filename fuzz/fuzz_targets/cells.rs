#![no_main]
//! Cell parsers: dates, booleans, amounts, integers, lists.
use duikou_domain::cells;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = cells::parse_date(text);
        let _ = cells::parse_bool(text);
        let _ = cells::parse_int(text);
        let _ = cells::split_list(text);
        for wan in [false, true] {
            if let Ok(fen) = cells::parse_amount_fen(text, wan) {
                if !wan {
                    assert_eq!(cells::parse_amount_fen(&cells::format_fen_yuan(fen), false).ok(), Some(fen));
                }
            }
        }
    }
});
