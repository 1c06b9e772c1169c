//! The worker's log: any bytes, plain or gzip, through the scanner and the
//! summary. Nothing may panic, and the counts must hold together.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut summary = recdiag::verdict::logs::Summary::new(None, None, vec![]);
    let mut stats = recdiag::probe::log::ReadStats::default();
    recdiag::probe::log::Scanner::new().scan(data, &mut stats, &mut |item| summary.add(item));
    assert!(stats.recognised <= stats.lines + 1);
    let _ = summary.finish(jiff::Timestamp::UNIX_EPOCH, vec!["-".into()], stats, vec![]);
});
