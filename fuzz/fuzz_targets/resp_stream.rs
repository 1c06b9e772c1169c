//! The bound on what a server may make recdiag hold, and the reader of
//! `call`'s search behind it: any bytes, cut into any chunks, are scanned
//! and parsed onto a tape without a panic; a refusal is for good; every
//! reply parsed is read back whole, and a transaction is taken apart;
//! the reader started anywhere in the stream fails without a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use recdiag::probe::raw_resp::{Tape, transaction};
use recdiag::probe::resp_guard::Scanner;

fuzz_target!(|data: &[u8]| {
    let Some((&size, stream)) = data.split_first() else {
        return;
    };
    // The reader alone, from any point of the stream (as if it had lost
    // its place): an error, never a panic.
    let mut lost = Tape::default();
    let from = usize::from(size) % stream.len().max(1);
    lost.room(stream.len()).extend_from_slice(&stream[from..]);
    if lost.parse().is_ok() {
        let _ = (lost.whole(), lost.values());
    }
    let mut scanner = Scanner::default();
    let mut tape = Tape::default();
    for chunk in stream.chunks(usize::from(size).max(1)) {
        if scanner.feed(chunk).is_err() {
            return;
        }
        tape.room(chunk.len()).extend_from_slice(chunk);
        if tape.parse().is_err() {
            return;
        }
    }
    let _ = scanner.mid_reply();
    let values = tape.values();
    assert_eq!(values.len(), tape.replies());
    let n = values.len().saturating_sub(2);
    let _ = transaction(values, n);
});
