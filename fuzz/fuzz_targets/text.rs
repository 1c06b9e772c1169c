//! Text that reaches a terminal (sanitised) and Redis INFO replies.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let clean = recdiag::text::sanitize(&text);
    assert!(!clean.chars().any(|c| c.is_control()));
    let _ = recdiag::probe::redis::parse_info(&text);
});
