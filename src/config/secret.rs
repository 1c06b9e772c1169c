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

    /// The secrets of a URL as configured, whether it parses or not.
    pub fn add_raw_url(&mut self, raw: &str) {
        for s in url_secrets(raw) {
            self.add(&s);
        }
    }

    /// The text with every secret masked: by structure first (the
    /// password of anything that looks like a URL), then each configured
    /// secret where it stands as a whole token. A secret that is one of
    /// recdiag's own words (a check, a key, a status: `redis`, `status`)
    /// is left where it stands — recdiag prints those words whatever the
    /// password, so they tell nothing, and masking them would break the
    /// output (`check="***"`); its structural places are still masked.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = mask_userinfo(text);
        for s in &self.secrets {
            if out.contains(s.as_str()) && !is_recdiag_word(s) {
                out = mask_tokens(&out, s);
            }
        }
        out
    }
}

/// A word character: a secret glued to these is part of a longer word.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `text` with every whole-token occurrence of `secret` masked, except
/// where it stands as a URL's user name (`://postgres:` with password
/// `postgres`: the password after it is masked by structure).
fn mask_tokens(text: &str, secret: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in text.match_indices(secret) {
        if at < last {
            continue;
        }
        let end = at + secret.len();
        let before = text[..at].chars().last();
        let after = text[end..].chars().next();
        // Glued to a word on either side, it is part of a longer word;
        // glued to a `*`, it is part of a mask already written (a password
        // `%2a` decodes to `*`, which would otherwise re-mask `***`).
        let glued = |c: char| is_word(c) || c == '*';
        let whole = !before.is_some_and(glued) && !after.is_some_and(glued);
        let user_name = text[..at].ends_with("://") && after == Some(':');
        if whole && !user_name {
            out.push_str(&text[last..at]);
            out.push_str(MASK);
            last = end;
        }
    }
    out.push_str(&text[last..]);
    out
}

/// recdiag's own words: the keys and enumerated values of its JSON
/// Schemas (checks, statuses, codes, causes, verdicts) and its Prometheus
/// label names.
pub fn is_recdiag_word(word: &str) -> bool {
    static WORDS: std::sync::LazyLock<std::collections::BTreeSet<String>> =
        std::sync::LazyLock::new(|| {
            let mut words: std::collections::BTreeSet<String> = [
                "check",
                "code",
                "severity",
                "status",
                "state",
                "liveness",
                "cause",
                "kind",
                "stat",
                "column",
                "job_type",
                "accepted",
                "queue",
                "version",
                "role",
                "maxmemory_policy",
                "recdiag",
                "true",
                "false",
                "null",
            ]
            .into_iter()
            .map(str::to_string)
            .collect();
            for schema in [
                include_str!("../../schema/recdiag-v1.schema.json"),
                include_str!("../../schema/recdiag-call-v1.schema.json"),
                include_str!("../../schema/recdiag-failed-v1.schema.json"),
                include_str!("../../schema/recdiag-logs-v1.schema.json"),
            ] {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(schema) {
                    collect_words(&v, &mut words);
                }
            }
            words
        });
    WORDS.contains(word)
}

fn collect_words(v: &serde_json::Value, words: &mut std::collections::BTreeSet<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                if k == "properties"
                    && let serde_json::Value::Object(props) = v
                {
                    words.extend(props.keys().cloned());
                }
                if k == "enum"
                    && let serde_json::Value::Array(values) = v
                {
                    words.extend(values.iter().filter_map(|e| e.as_str().map(str::to_string)));
                }
                collect_words(v, words);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                collect_words(item, words);
            }
        }
        _ => {}
    }
}

/// True when a URL's user information spills past its authority: an `@`
/// after a `/`, `?` or `#` that is no query value (`user:p@ss/word@host`,
/// `user:#word@host`) — a password with those characters unencoded, which
/// a URL parser splits into a host and a path, query or fragment made of
/// the password's rest, printed later as a host or a name.
pub fn userinfo_spills(raw: &str) -> bool {
    let rest = raw.split_once("://").map_or(raw, |(_, r)| r);
    let (Some(delim), Some(at)) = (rest.find(['/', '?', '#']), rest.rfind('@')) else {
        return false;
    };
    at > delim && !rest[delim..at].contains('=')
}

/// Why [`userinfo_spills`] refuses a URL.
pub const USERINFO_SPILLS: &str = "an '@' after a '/', '?' or '#': percent-encode those characters in the password (%2F, %3F, %23; '@' as %40)";

/// The secrets a URL string holds, found by structure whether or not it
/// parses: the password of its user information, and the values of its
/// password parameters — as written and percent-decoded.
pub fn url_secrets(raw: &str) -> Vec<String> {
    let raw = raw.trim();
    let mut out = Vec::new();
    let mut push = |s: &str| {
        if !s.is_empty() {
            out.push(s.to_string());
            if let Ok(d) = percent_decode(s)
                && d != s
                && !d.is_empty()
            {
                out.push(d);
            }
        }
    };
    let rest = raw.split_once("://").map_or(raw, |(_, r)| r);
    // The user information up to the last `@` (a password may hold any
    // character when it is not percent-encoded), and (should a password
    // parameter hold an `@`) up to the last `@` before the query.
    let before_query = rest.split_once('?').map_or(rest, |(b, _)| b);
    for end in [rest.rfind('@'), before_query.rfind('@')]
        .into_iter()
        .flatten()
    {
        if let Some((_, password)) = rest[..end].split_once(':') {
            push(password);
        }
    }
    for (at, _) in raw.match_indices('=') {
        let key_start = raw[..at].rfind(['?', '&', ';', ' ']).map_or(0, |i| i + 1);
        if is_secret_param(&raw[key_start..at]) {
            let value = &raw[at + 1..];
            let end = value.find(['&', '#']).unwrap_or(value.len());
            push(&value[..end]);
        }
    }
    out
}

/// A whole URL string (as configured, parsed or not) with its secrets
/// masked where they stand: [`mask_userinfo`]'s masking of one URL, over
/// the whole string (a password may hold spaces and quotes).
pub fn mask_url(raw: &str) -> String {
    match raw.find("://") {
        Some(i) => format!("{}{}", &raw[..i + 3], mask_segment(&raw[i + 3..], false)),
        None => mask_segment(raw, false),
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
        out.push_str(&mask_segment(segment, true));
        rest = after;
    }
    out.push_str(rest);
    out
}

/// `user:password@` and password parameters masked in one URL's text. In
/// free text (`keep_placeholder`), the documentation's placeholder
/// `:PASSWORD@` is no secret and stays (a configured password is scrubbed
/// by value besides, whatever it is); in a configured URL it is masked.
fn mask_segment(segment: &str, keep_placeholder: bool) -> String {
    let mut seg = segment.to_string();
    if let Some(at) = seg.rfind('@') {
        let userinfo = &seg[..at];
        let placeholder = keep_placeholder
            && userinfo
                .split_once(':')
                .is_some_and(|(_, password)| password == "PASSWORD");
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
    fn a_secret_that_decodes_to_the_mask_character_leaves_the_mask_whole() {
        let mut r = Redactor::default();
        r.add_raw_url("redis://:%2a@cache:6379/0");
        assert_eq!(r.scrub("before %2a after"), "before *** after");
        assert_eq!(
            r.scrub("cannot use 'redis://:%2a@cache:6379/0' now"),
            "cannot use 'redis://:***@cache:6379/0' now"
        );
        assert_eq!(r.scrub("a * alone"), "a *** alone");
    }

    #[test]
    fn only_the_whole_placeholder_password_is_left_shown() {
        let hint = "fix it: redis://user:PASSWORD@host:port/db";
        assert_eq!(mask_userinfo(hint), hint);
        assert_eq!(
            mask_userinfo("redis://::PASSWORD@cache"),
            "redis://:***@cache"
        );
        // A configured URL whose password is the placeholder hides it.
        assert_eq!(mask_url("redis://:PASSWORD@cache"), "redis://:***@cache");
        assert_eq!(
            mask_url("redis://u:x:PASSWORD@cache"),
            "redis://u:***@cache"
        );
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
    fn urls_that_do_not_parse_are_masked_by_structure() {
        for (raw, secret) in [
            ("redis://:pa SECRET@127.0.0.1:notaport/0", "pa SECRET"),
            (
                "redis+sentinel://user:p@ss/SECRET@127.0.0.1:6467/0",
                "p@ss/SECRET",
            ),
            ("postgresql://u:a'b\"c@db:x/y", "a'b\"c"),
            ("redis://h:1/0?password=a SECRET&db=1", "a SECRET"),
            (
                "redis+sentinel://h:1/m/0?sentinel_password=s%23x#insecure",
                "s%23x",
            ),
            ("redis://:pässwörd%@h:1/0", "pässwörd%"),
        ] {
            let shown = mask_url(raw);
            assert!(!shown.contains(secret), "{raw} → {shown}");
            assert!(shown.contains("***"), "{raw} → {shown}");
            assert!(url_secrets(raw).iter().any(|s| s == secret), "{raw}");
        }
        assert_eq!(
            mask_url("postgresql://postgres:postgres@db:5432/app"),
            "postgresql://postgres:***@db:5432/app"
        );
        assert_eq!(
            mask_url("redis://h:1/0?db=1&pass=x y&ssl=true"),
            "redis://h:1/0?db=1&pass=***&ssl=true"
        );
    }

    #[test]
    fn a_password_spilling_past_the_authority_is_told_apart() {
        for raw in [
            "redis://:p@ss/SECRET@h:1/0",
            "postgresql://app:#frag@h/app",
            "postgresql://app:pa?ss@h/app",
            "redis+sentinel://u:p@ss/SECRET@h:26379/m/0",
        ] {
            assert!(userinfo_spills(raw), "{raw}");
        }
        for raw in [
            "redis://:p%40ss%2FSECRET@h:1/0",
            "postgresql://u:p@h/db?application_name=me@host",
            "redis+sentinel://h:1/m/0?sentinel_username=a@b",
            "sqlite:///data/x.db",
        ] {
            assert!(!userinfo_spills(raw), "{raw}");
        }
    }

    #[test]
    fn short_and_common_passwords_garble_nothing() {
        let scrub = |password: &str, text: &str| {
            let mut r = Redactor::default();
            r.add_raw_url(&format!("redis://:{password}@h:6379/0"));
            r.add(password);
            r.scrub(text)
        };
        // One letter: never inside words.
        assert_eq!(
            scrub("e", "Redis authentication rejected"),
            "Redis authentication rejected"
        );
        assert_eq!(
            scrub("e", "password e was rejected"),
            "password *** was rejected"
        );
        // The user name stays; the password after it goes.
        assert_eq!(
            scrub(
                "postgres",
                "postgresql://postgres:postgres@db/app and postgres"
            ),
            "postgresql://postgres:***@db/app and ***"
        );
        // recdiag's own words stay where they stand: a key, a label.
        assert_eq!(
            scrub("status", "{\"status\":\"ok\"} redis://:status@h"),
            "{\"status\":\"ok\"} redis://:***@h"
        );
        assert_eq!(
            scrub("redis", "recdiag_up{check=\"redis\"} 0"),
            "recdiag_up{check=\"redis\"} 0"
        );
        // Punctuation and spaces: masked whole.
        assert_eq!(scrub("a b", "auth a b failed"), "auth *** failed");
        assert_eq!(scrub("%", "at 100% now: %"), "at 100% now: ***");
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
