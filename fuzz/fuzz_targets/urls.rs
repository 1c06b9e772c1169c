//! Redis and database URLs, and the redaction of secrets from any text:
//! a secret never survives, and the text around it always does.
#![no_main]
use libfuzzer_sys::fuzz_target;
use recdiag::config::{
    DatabaseTarget, Redactor, RedisTarget, is_recdiag_word, mask_url, mask_userinfo, url_secrets,
};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(t) = RedisTarget::parse(&text) {
        let shown = t.url.to_string();
        // Where the password stood, the mask stands (the host, path or
        // query may hold the same characters: they are not the password).
        let rest = shown.split_once("://").map_or(shown.as_str(), |(_, r)| r);
        let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
        for secret in t.url.secrets() {
            if !secret.contains('*') {
                assert!(!authority.contains(&format!(":{secret}@")), "{shown}");
            }
        }
    }
    if let Ok(t) = DatabaseTarget::parse(&text) {
        let _ = t.url.to_string();
    }
    let _ = mask_userinfo(&text);
    let _ = url_secrets(&text);

    // The input as a password, in a URL that may or may not parse.
    let pw: &str = &text;
    if pw.is_empty() || pw.contains('*') {
        return;
    }
    let url = format!("redis://:{pw}@cache:6379/0");
    let masked = mask_url(&url);
    assert!(!masked.contains(&format!(":{pw}@")), "{masked}");
    let mut r = Redactor::default();
    r.add_raw_url(&url);
    r.add(pw);
    let said = r.scrub(&format!("cannot use '{url}' now"));
    assert!(!said.contains(&format!(":{pw}@")), "{said}");
    // Standing alone between words, it is masked whole — unless it is one
    // of recdiag's own words — and the words around it survive.
    let plain = pw.chars().all(|c| !c.is_whitespace())
        && !pw.contains("://")
        && !pw.contains(['=', '@', '?', '&', '#', '"', '\''])
        && !matches!(pw, "before" | "after");
    if plain {
        let out = r.scrub(&format!("before {pw} after"));
        if is_recdiag_word(pw) {
            assert_eq!(out, format!("before {pw} after"));
        } else {
            assert_eq!(out, "before *** after", "{pw:?}");
        }
    }
});
