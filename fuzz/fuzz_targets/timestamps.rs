//! RQ's timestamps and heartbeats, as text from Redis.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some(ts) = recdiag::probe::rq::parse_time(&text) {
        let _ = recdiag::probe::rq::age_s(jiff::Timestamp::UNIX_EPOCH, ts);
    }
});
