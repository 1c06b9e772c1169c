//! Text shared by renderers and summaries: terminal-safe strings and human
//! sizes and durations.

use std::borrow::Cow;
use std::fmt::Write;

/// Escape what must never reach a terminal raw: C0/C1 control characters
/// (ANSI escapes, carriage returns), DEL, bidirectional overrides and
/// zero-width characters. Text from Redis, the database or file names goes
/// through here before it is printed in a table.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Text from outside for a table cell: cut to [`CELL_CHARS`] characters
/// (saying how long it was) before it is escaped and laid out — a 10 MB
/// field must not reach the table's layout, which is not linear in it.
pub fn cell(s: &str) -> String {
    match s.char_indices().nth(CELL_CHARS) {
        None => sanitize(s).into_owned(),
        Some((cut, _)) => format!("{}… ({} bytes)", sanitize(&s[..cut]), count(s.len() as u64)),
    }
}

/// The longest text from outside shown in one table cell.
pub const CELL_CHARS: usize = 200;

pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// At most `max` characters: a longer text is cut, ending in `…`.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!(
            "{}…",
            s.chars().take(max.saturating_sub(1)).collect::<String>()
        )
    }
}

/// At most `max` characters, cut after a whole word and ending in `…`
/// (mid-word only when one word is longer than `max`).
pub fn truncate_words(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let head: String = s.chars().take(max.saturating_sub(1)).collect();
    let whole = match head.rfind(' ') {
        Some(at) if at > 0 => head[..at].trim_end(),
        _ => head.as_str(),
    };
    format!("{whole}…")
}

/// `1.5 KiB`, `3.2 GiB`; bytes below 1 KiB as `999 B`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// A duration in seconds for people: `0.4 ms`, `12 ms`, `3.2 s`, `5m 10s`, `2h 3m`, `4d 1h`.
pub fn seconds(s: f64) -> String {
    if !s.is_finite() {
        return "?".to_string();
    }
    let sign = if s < 0.0 { "-" } else { "" };
    let s = s.abs();
    let body = if s == 0.0 {
        "0 s".to_string()
    } else if s < 0.001 {
        format!("{:.0} µs", s * 1e6)
    } else if s < 0.01 {
        format!("{:.1} ms", s * 1000.0)
    } else if s < 1.0 {
        format!("{:.0} ms", s * 1000.0)
    } else if s < 60.0 {
        format!("{s:.1} s")
    } else {
        let total = s.round() as u64;
        let (d, h, m, sec) = (
            total / 86_400,
            total % 86_400 / 3600,
            total % 3600 / 60,
            total % 60,
        );
        if d > 0 {
            format!("{d}d {h}h")
        } else if h > 0 {
            format!("{h}h {m}m")
        } else {
            format!("{m}m {sec}s")
        }
    };
    format!("{sign}{body}")
}

/// `1,234,567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A plain decimal for machine formats: whole numbers without a fraction,
/// others to at most six places; never scientific notation. NaN and the
/// infinities are spelled as Prometheus reads them.
pub fn decimal(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.6}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

/// `2026-11-24 12:00:00` (UTC), or `—` when unknown.
pub fn datetime(t: Option<jiff::Timestamp>) -> String {
    t.map_or("—".to_string(), |t| {
        t.strftime("%Y-%m-%d %H:%M:%S").to_string()
    })
}

/// A driver's error text in words: rustls' certificate verdicts named,
/// Rust's `Debug` dress (`Other(OtherError(X))`, `(crate::module:173)`,
/// `(os error 111)`, escaped newlines) taken off, one line.
pub fn driver_error(text: &str) -> String {
    const TLS: [(&str, &str); 8] = [
        (
            "CaUsedAsEndEntity",
            "the server presented a CA certificate as its own",
        ),
        (
            "UnknownIssuer",
            "the server's certificate is signed by an authority this machine does not trust",
        ),
        (
            "NotValidForName",
            "the server's certificate is not valid for this host name",
        ),
        ("Expired", "the server's certificate has expired"),
        ("NotValidYet", "the server's certificate is not valid yet"),
        (
            "BadSignature",
            "the server's certificate has a bad signature",
        ),
        ("Revoked", "the server's certificate is revoked"),
        (
            "UnsupportedCertVersion",
            "the server's certificate is of an unsupported version",
        ),
    ];
    let verdict = TLS
        .iter()
        .find(|(name, _)| text.contains("certificate") && text.contains(name));
    if let Some((_, words)) = verdict {
        return (*words).to_string();
    }
    let mut out = text.replace(['\n', '\r'], " ");
    // `(sqlx_postgres::message:173)`: where in the driver, not why.
    while let Some(start) = out.find(" (") {
        let Some(len) = out[start..].find(')') else {
            break;
        };
        let inner = &out[start + 2..start + len];
        if inner.contains("::") || inner.starts_with("os error") {
            out.replace_range(start..=start + len, "");
        } else {
            break;
        }
    }
    // `Other(OtherError(X))` → `X`.
    while let Some(open) = out.find('(') {
        let head = &out[..open];
        let word_start = head
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        let wrapper = &head[word_start..];
        let is_debug = !wrapper.is_empty()
            && wrapper.starts_with(|c: char| c.is_ascii_uppercase())
            && out.ends_with(')');
        if !is_debug {
            break;
        }
        let inner = out[open + 1..out.len() - 1].to_string();
        out = format!("{}{inner}", &out[..word_start]);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An I/O error in words: its text without Rust's `(os error 28)` tail,
/// lower-cased as it continues a sentence ("no space left on device").
pub fn io_error(e: &std::io::Error) -> String {
    let text = driver_error(&e.to_string());
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

/// When a TTL of `ms` milliseconds read at `now` runs out: None when it
/// has already (0 or less) or never will (`i64::MAX`, no expiry).
pub fn expires(now: jiff::Timestamp, ms: i64) -> Option<jiff::Timestamp> {
    if ms <= 0 || ms == i64::MAX {
        return None;
    }
    now.checked_add(jiff::SignedDuration::from_millis(ms)).ok()
}

/// A moment after `now`, absolute and relative: `13:20:02 UTC (in 14m
/// 2s)`; one already past: `13:20:02 UTC (12s ago)`.
pub fn moment(now: jiff::Timestamp, at: jiff::Timestamp) -> String {
    let d = (at.as_millisecond() - now.as_millisecond()) as f64 / 1000.0;
    let clock = at.strftime("%H:%M:%S");
    if d >= 0.0 {
        format!("{clock} UTC (in {})", seconds(d))
    } else {
        format!("{clock} UTC ({} ago)", seconds(-d))
    }
}

/// "1 file" / "2 files".
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_ends_after_a_whole_word() {
        assert_eq!(truncate_words("5 downloads failed", 14), "5 downloads…");
        assert_eq!(truncate_words("short", 14), "short");
        assert_eq!(truncate_words("abcdefghijklmnop", 6), "abcde…");
    }

    #[test]
    fn driver_errors_in_words() {
        assert_eq!(
            driver_error("invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))"),
            "the server presented a CA certificate as its own"
        );
        assert_eq!(
            driver_error("unknown message type: '$' (sqlx_postgres::message:173)"),
            "unknown message type: '$'"
        );
        assert_eq!(
            driver_error("Parse error at 1\nUnexpected `112`"),
            "Parse error at 1 Unexpected `112`"
        );
        assert_eq!(
            driver_error("Connection refused (os error 111)"),
            "Connection refused"
        );
        assert_eq!(
            driver_error("plain words (with an aside)"),
            "plain words (with an aside)"
        );
    }

    #[test]
    fn moments_are_absolute_and_relative() {
        let now: jiff::Timestamp = "2026-12-03T13:05:00Z".parse().unwrap();
        let later: jiff::Timestamp = "2026-12-03T13:20:02Z".parse().unwrap();
        assert_eq!(moment(now, later), "13:20:02 UTC (in 15m 2s)");
        assert_eq!(moment(later, now), "13:05:00 UTC (15m 2s ago)");
    }

    #[test]
    fn sanitize_escapes_terminal_tricks() {
        assert_eq!(sanitize("plain.mp3"), "plain.mp3");
        assert_eq!(sanitize("a\x1b[31mred"), "a\\u{1b}[31mred");
        assert_eq!(sanitize("x\r\ny"), "x\\u{d}\\u{a}y");
        assert_eq!(sanitize("evil\u{202E}3pm.exe"), "evil\\u{202e}3pm.exe");
        assert_eq!(sanitize("zero\u{200B}width"), "zero\\u{200b}width");
        assert_eq!(sanitize("\u{85}c1"), "\\u{85}c1");
    }

    #[test]
    fn humanised_numbers() {
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(5 * 1024 * 1024 * 1024), "5.0 GiB");
        assert_eq!(seconds(0.0004), "400 µs");
        assert_eq!(seconds(0.0042), "4.2 ms");
        assert_eq!(seconds(0.25), "250 ms");
        assert_eq!(seconds(3.21), "3.2 s");
        assert_eq!(seconds(310.0), "5m 10s");
        assert_eq!(seconds(7380.0), "2h 3m");
        assert_eq!(seconds(90_000.0), "1d 1h");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(12), "12");
        assert_eq!(plural(1, "file", "files"), "1 file");
    }
}
