//! RQ's job `data` once inflated: the pickle itself, so that deep nesting
//! (20 KB of brackets) is within reach (CI runs it with -max_len=65536).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = recdiag::probe::rq::job::decode_pickle(data);
});
