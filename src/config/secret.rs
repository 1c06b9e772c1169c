//! Secrets stay secret: URL types whose every printed form hides the
//! password, and a redactor that scrubs any text before it leaves recdiag.

use std::fmt;

use serde::{Serialize, Serializer};
use url::Url;

const MASK: &str = "***";
/// Query parameters that carry a password in some URL dialects.
const SECRET_PARAMS: [&str; 5] = [
    "password",
    "pass",
    "sslpassword",
    "passwd",
    "sentinel_password",
];

/// A connection URL. `Display`, `Debug` and `Serialize` show it with the
/// password replaced by `***`; only [`SecretUrl::expose`] gives the real one.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl {
    raw: String,
    shown: String,
    secrets: Vec<String>,
}

impl SecretUrl {
    /// Wrap a parsed URL. `raw` is the exact text the driver will get.
    pub fn new(url: &Url) -> Self {
        let raw = url.to_string();
        let mut secrets = Vec::new();
        let mut shown = url.clone();
        if let Some(password) = url.password() {
            secrets.push(password.to_string());
            if let Ok(decoded) = percent_decode(password) {
                secrets.push(decoded);
            }
            // Cannot fail: the URL already has a password, so it has a host.
            let _ = shown.set_password(Some(MASK));
        }
        let params: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if params.iter().any(|(k, _)| is_secret_param(k)) {
            let mut pairs = shown.query_pairs_mut();
            pairs.clear();
            for (k, v) in &params {
                if is_secret_param(k) {
                    secrets.push(v.clone());
                    pairs.append_pair(k, MASK);
                } else {
                    pairs.append_pair(k, v);
                }
            }
        }
        secrets.retain(|s| !s.is_empty());
        let shown = shown.to_string().replace("%2A%2A%2A", MASK);
        SecretUrl {
            raw,
            shown,
            secrets,
        }
    }

    /// A URL the `url` crate cannot hold (a Sentinel URL names several
    /// hosts), with the secrets it carries: shown masked by
    /// [`mask_userinfo`], and every secret scrubbed besides.
    pub fn opaque(raw: &str, secrets: Vec<String>) -> Self {
        let mut shown = mask_userinfo(raw);
        for s in secrets.iter().filter(|s| !s.is_empty()) {
            shown = shown.replace(s.as_str(), MASK);
        }
        SecretUrl {
            raw: raw.to_string(),
            shown,
            secrets: secrets.into_iter().filter(|s| !s.is_empty()).collect(),
        }
    }

    /// The real URL, for the driver only. Never print it.
    pub fn expose(&self) -> &str {
        &self.raw
    }

    /// The secrets this URL holds (password, secret query values).
    pub fn secrets(&self) -> &[String] {
        &self.secrets
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretUrl({})", self.shown)
    }
}

impl Serialize for SecretUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.shown)
    }
}

fn is_secret_param(key: &str) -> bool {
    SECRET_PARAMS.iter().any(|p| p.eq_ignore_ascii_case(key))
}

fn percent_decode(s: &str) -> Result<String, std::str::Utf8Error> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
}

/// Scrubs secrets out of text on its way to stdout or stderr: every known
/// secret (in plain and JSON-escaped form) and, as a second line of defence,
/// the password part of anything that looks like `scheme://user:pass@host`.
#[derive(Debug, Default, Clone)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    pub fn add(&mut self, secret: &str) {
        if secret.is_empty() || self.secrets.iter().any(|s| s == secret) {
            return;
        }
        self.secrets.push(secret.to_string());
        if let Ok(json) = serde_json::to_string(secret) {
            let inner = json.trim_matches('"').to_string();
            if inner != secret {
                self.secrets.push(inner);
            }
        }
        // Longest first, so a secret containing another is masked whole.
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    pub fn add_url(&mut self, url: &SecretUrl) {
        for s in url.secrets() {
            self.add(s);
        }
    }

    /// The text with every secret masked.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = mask_userinfo(text);
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), MASK);
            }
        }
        out
    }
}

/// Mask `user:password@` after every `://`, and `password=` style query
/// values, in free text (error messages, usage errors, raw bad URLs).
pub fn mask_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
            .unwrap_or(tail.len());
        let (segment, after) = tail.split_at(end);
        out.push_str(&mask_segment(segment));
        rest = after;
    }
    out.push_str(rest);
    out
}

fn mask_segment(segment: &str) -> String {
    let mut seg = segment.to_string();
    if let Some(at) = seg.rfind('@') {
        let userinfo = &seg[..at];
        // The documentation's placeholder is not a secret (a configured
        // password is scrubbed by value whatever it is).
        let placeholder = userinfo.ends_with(":PASSWORD");
        if let Some(colon) = userinfo.find(':').filter(|_| !placeholder) {
            seg = format!("{}:{MASK}{}", &userinfo[..colon], &seg[at..]);
        }
    }
    if let Some(q) = seg.find('?') {
        let (base, query) = seg.split_at(q + 1);
        let masked: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if is_secret_param(k) => format!("{k}={MASK}"),
                _ => pair.to_string(),
            })
            .collect();
        seg = format!("{base}{}", masked.join("&"));
    }
    seg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(raw: &str) -> SecretUrl {
        SecretUrl::new(&Url::parse(raw).unwrap())
    }

    #[test]
    fn every_printed_form_hides_the_password() {
        let u = secret("redis://alice:s3cr%40t@cache:6380/2");
        for shown in [
            u.to_string(),
            format!("{u:?}"),
            serde_json::to_string(&u).unwrap(),
        ] {
            assert!(!shown.contains("s3cr"), "{shown}");
            assert!(shown.contains("alice:***@cache:6380/2"), "{shown}");
        }
        assert_eq!(u.expose(), "redis://alice:s3cr%40t@cache:6380/2");
        assert!(u.secrets().contains(&"s3cr@t".to_string()));
    }

    #[test]
    fn query_passwords_are_hidden() {
        let u = secret("redis+unix:///run/redis.sock?db=1&pass=hunter22");
        assert_eq!(u.to_string(), "redis+unix:///run/redis.sock?db=1&pass=***");
        assert!(u.secrets().contains(&"hunter22".to_string()));
    }

    #[test]
    fn free_text_is_scrubbed() {
        let text =
            "cannot parse 'redis://:pa/ss@host:6379' or postgres://u:p%40w@db/x?sslpassword=zz now";
        let out = mask_userinfo(text);
        assert!(!out.contains("pa/ss"), "{out}");
        assert!(!out.contains("p%40w"), "{out}");
        assert!(!out.contains("zz"), "{out}");
        assert!(out.contains("redis://:***@host:6379"), "{out}");
        assert!(out.ends_with(" now"));
    }

    #[test]
    fn redactor_masks_known_secrets_anywhere() {
        let mut r = Redactor::default();
        r.add("quo\"te");
        r.add("hunter2");
        let out = r.scrub("auth hunter2 failed; json \"quo\\\"te\"");
        assert_eq!(out, "auth *** failed; json \"***\"");
    }
}
