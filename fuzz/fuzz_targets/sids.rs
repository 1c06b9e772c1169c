//! Call SIDs from the command line, and SIDs found in job ids and descriptions.
#![no_main]
use libfuzzer_sys::fuzz_target;
use recdiag::sid::CallSid;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some(sid) = CallSid::parse(&text) {
        assert_eq!(sid.as_str().len(), 34);
    }
    if let Some(sid) = CallSid::find_in(&text) {
        assert!(text.contains(sid.as_str()));
        assert!(CallSid::parse(sid.as_str()).is_some());
    }
});
