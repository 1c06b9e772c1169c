//! Redis and database URLs, and the redaction of secrets from any text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use recdiag::config::{DatabaseTarget, Redactor, RedisTarget, mask_userinfo};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(t) = RedisTarget::parse(&text) {
        let shown = t.url.to_string();
        for secret in t.url.secrets() {
            if secret.len() > 3 {
                assert!(!shown.contains(secret.as_str()), "{shown}");
            }
        }
    }
    if let Ok(t) = DatabaseTarget::parse(&text) {
        let _ = t.url.to_string();
    }
    let _ = mask_userinfo(&text);
    let mut r = Redactor::default();
    r.add(&text);
    let scrubbed = r.scrub(&format!("x {text} y"));
    // A known secret never survives scrubbing (a secret made of the mask's
    // own characters could be re-formed by it, so those are not judged).
    if !text.is_empty() && !text.contains('*') {
        assert!(!scrubbed.contains(text.as_ref()), "{scrubbed}");
    }
});
