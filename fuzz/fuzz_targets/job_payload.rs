//! RQ's job `data`: zlib-compressed pickle, from anyone who can write Redis.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = recdiag::probe::rq::job::decode_call(data);
});
