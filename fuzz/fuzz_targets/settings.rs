//! What an operator types or leaves in a file: a `.env` file's content
//! and duration settings. Any bytes give variables or an error that
//! shows no value of the file; nothing panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use recdiag::config::{DotEnv, duration};
use std::path::Path;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = DotEnv::parse(Path::new(".env"), data.to_vec()) {
        let said = e.to_string();
        // A value is never echoed: the text after an `=`, when it is
        // long enough not to be one of the error's own words.
        for line in String::from_utf8_lossy(data).lines() {
            if let Some((_, value)) = line.split_once('=') {
                let value = value.trim();
                if value.len() >= 24 {
                    assert!(!said.contains(value), "{said}");
                }
            }
        }
    }
    let text = String::from_utf8_lossy(data).into_owned();
    if let Ok(d) = duration("RECDIAG_TIMEOUT", Some(text), Duration::from_secs(5)) {
        assert!(d <= recdiag::config::MAX_DURATION);
    }
});
