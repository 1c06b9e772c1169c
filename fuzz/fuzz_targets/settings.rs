//! What an operator types or leaves in a file: a `.env` file's content
//! and duration settings. Any bytes give variables, a duration of at most
//! a year, or an error; nothing panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use recdiag::config::{DotEnv, duration};
use std::path::Path;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    // The error shows no content (a unit test holds that); here, it is
    // made without a panic, whatever the bytes.
    if let Err(e) = DotEnv::parse(Path::new(".env"), data.to_vec()) {
        let _ = e.to_string();
    }
    let text = String::from_utf8_lossy(data).into_owned();
    if let Ok(d) = duration("RECDIAG_TIMEOUT", Some(text), Duration::from_secs(5)) {
        assert!(d <= recdiag::config::MAX_DURATION);
    }
});
