//! Call SIDs: `CA` followed by 32 lowercase hex digits. Anything else given
//! as a SID is rejected before it touches Redis, the database or the disk.

use std::fmt;

/// A validated call SID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallSid(String);

const LEN: usize = 34;

impl CallSid {
    pub fn parse(s: &str) -> Option<CallSid> {
        is_sid(s.as_bytes()).then(|| CallSid(s.to_string()))
    }

    /// `s` is a call SID (checked without building one).
    pub fn is_valid(s: &str) -> bool {
        is_sid(s.as_bytes())
    }

    /// A valid SID's 32 hex digits as one number (a table key that
    /// hashes and compares in one step).
    pub fn number(s: &str) -> Option<u128> {
        if !is_sid(s.as_bytes()) {
            return None;
        }
        Some(s.as_bytes()[2..].iter().fold(0u128, |n, &c| {
            let digit = match c {
                b'0'..=b'9' => c - b'0',
                _ => c - b'a' + 10,
            };
            n << 4 | u128::from(digit)
        }))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first call SID inside `text` (a job id, a description), if any.
    pub fn find_in(text: &str) -> Option<CallSid> {
        let bytes = text.as_bytes();
        (0..bytes.len().saturating_sub(LEN - 1))
            .find(|&i| {
                is_sid(&bytes[i..i + LEN]) && !bytes.get(i + LEN).is_some_and(u8::is_ascii_hexdigit)
            })
            .map(|i| CallSid(text[i..i + LEN].to_string()))
    }
}

fn is_sid(b: &[u8]) -> bool {
    b.len() == LEN
        && b.starts_with(b"CA")
        && b[2..]
            .iter()
            .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

impl fmt::Display for CallSid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sid_as_a_number() {
        assert_eq!(
            CallSid::number("CA000000000000000000000000000000ff"),
            Some(255)
        );
        assert_eq!(
            CallSid::number("CAffffffffffffffffffffffffffffffff"),
            Some(u128::MAX)
        );
        assert_eq!(CallSid::number("CA000000000000000000000000000000fF"), None);
        assert_eq!(CallSid::number("CA00"), None);
    }

    #[test]
    fn parse_accepts_only_the_exact_form() {
        assert!(CallSid::parse("CA0123456789abcdef0123456789abcdef").is_some());
        for bad in [
            "",
            "CA0123456789ABCDEF0123456789abcdef",
            "CA0123456789abcdef0123456789abcde",
            "CA0123456789abcdef0123456789abcdef0",
            "XX0123456789abcdef0123456789abcdef",
            "../../etc/passwd",
            "CA*",
            "CA0123456789abcdef0123456789abcde\n",
        ] {
            assert!(CallSid::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn found_inside_job_ids_and_descriptions() {
        let id = "recording_download_CA0123456789abcdef0123456789abcdef_1795482588844";
        assert_eq!(
            CallSid::find_in(id).unwrap().as_str(),
            "CA0123456789abcdef0123456789abcdef"
        );
        let desc = "f(business_id=1, call_sid='CAffffffffffffffffffffffffffffffff')";
        assert!(CallSid::find_in(desc).is_some());
        assert!(CallSid::find_in("recording_download_CA0123").is_none());
        assert!(CallSid::find_in("é CA0123456789abcdef0123456789abcdef").is_some());
    }
}
