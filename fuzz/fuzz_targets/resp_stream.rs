//! The bound on what a server may make recdiag hold: any bytes, cut into
//! any chunks, are scanned without a panic, and a refusal is for good.
#![no_main]
use libfuzzer_sys::fuzz_target;
use recdiag::probe::resp_guard::Scanner;

fuzz_target!(|data: &[u8]| {
    let Some((&size, stream)) = data.split_first() else {
        return;
    };
    let mut scanner = Scanner::default();
    for chunk in stream.chunks(usize::from(size).max(1)) {
        if scanner.feed(chunk).is_err() {
            return;
        }
    }
    let _ = scanner.mid_reply();
});
