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

    /// A table key for a valid SID, None for anything else: its 32 hex
    /// digits packed into 128 bits (one distinct key per SID, though not
    /// the hex number itself), sixteen digits at a time.
    pub fn key(s: &str) -> Option<u128> {
        let digits: &[u8; 32] = s.as_bytes().strip_prefix(b"CA")?.try_into().ok()?;
        let (first, second) = digits.split_at(16);
        let a = digits16(first.try_into().ok()?)?;
        let b = digits16(second.try_into().ok()?)?;
        Some(a | b << 4)
    }

    /// The SID whose [`CallSid::key`] is `key`, as its 34 ASCII bytes.
    pub fn key_text(key: u128) -> [u8; LEN] {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = [0u8; LEN];
        text[..2].copy_from_slice(b"CA");
        for (i, byte) in key.to_le_bytes().into_iter().enumerate() {
            text[2 + i] = HEX[usize::from(byte & 0x0f)];
            text[18 + i] = HEX[usize::from(byte >> 4)];
        }
        text
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

const ONES: u128 = u128::MAX / 255;
const HIGH: u128 = ONES * 0x80;

/// Sixteen lowercase hex digits, each byte's value (0..=15) in its byte;
/// None if any byte is not one. All sixteen at once, without a branch per
/// byte (Bit Twiddling Hacks' "between" test: exact for ASCII bytes).
#[inline]
fn digits16(bytes: &[u8; 16]) -> Option<u128> {
    let x = u128::from_le_bytes(*bytes);
    if x & HIGH != 0 {
        return None;
    }
    // Each byte's high bit set when m < byte < n.
    let between = |m: u128, n: u128| ((ONES * (127 + n) - x) & !x & (x + ONES * (127 - m))) & HIGH;
    let digit = between(u128::from(b'0') - 1, u128::from(b'9') + 1);
    let letter = between(u128::from(b'a') - 1, u128::from(b'f') + 1);
    if digit | letter != HIGH {
        return None;
    }
    // '0'..'9' → 0..9; 'a'..'f' (bit 6 set) → 1..6 + 9.
    Some((x & (ONES * 0x0f)) + ((x >> 6) & ONES) * 9)
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
    fn a_key_gives_its_sid_back() {
        for sid in [
            "CA00000000000000000000000000000000",
            "CAffffffffffffffffffffffffffffffff",
            "CA0123456789abcdef0123456789abcdef",
            "CAfedcba98765432100123456789abcdef",
            "CA9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d",
        ] {
            let key = CallSid::key(sid).unwrap();
            assert_eq!(&CallSid::key_text(key), sid.as_bytes());
        }
    }

    #[test]
    fn a_key_per_sid_and_none_for_anything_else() {
        let mut seen = std::collections::HashSet::new();
        let digits = "0123456789abcdef";
        for (i, d) in digits.chars().enumerate() {
            for at in 0..32 {
                let mut sid: Vec<char> = "CA00000000000000000000000000000000".chars().collect();
                sid[2 + at] = d;
                let sid: String = sid.into_iter().collect();
                let key = CallSid::key(&sid);
                assert_eq!(key.is_some(), is_sid(sid.as_bytes()), "{sid}");
                // One key per SID: the all-zero SID comes once per position.
                if i > 0 || at == 0 {
                    assert!(seen.insert(key), "{sid}");
                }
            }
        }
        for bad in 0u8..=255 {
            if bad.is_ascii_digit() || (b'a'..=b'f').contains(&bad) {
                continue;
            }
            let sid = b"CA00000000000000000000000000000000";
            for at in [2, 9, 17, 33] {
                let mut s = sid.to_vec();
                s[at] = bad;
                if let Ok(s) = std::str::from_utf8(&s) {
                    assert_eq!(CallSid::key(s), None, "{s:?}");
                }
            }
        }
        assert_eq!(CallSid::key("CA00"), None);
        assert_eq!(CallSid::key("CA000000000000000000000000000000000"), None);
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
