//! One RQ job, decoded tolerantly: missing fields, non-UTF-8 bytes, corrupt
//! zlib or pickle payloads are reported on the job, never fatal.

use std::collections::BTreeMap;
use std::io::Read;

use base64::Engine;
use flate2::read::ZlibDecoder;
use redis::Value;
use serde::Serialize;
use serde_pickle::{DeOptions, HashableValue, Value as Pickle};

use super::{parse_time, text};
use crate::sid::CallSid;

/// The job hash fields recdiag reads, in HMGET order.
pub const FIELDS: [&str; 14] = [
    "status",
    "origin",
    "description",
    "created_at",
    "enqueued_at",
    "started_at",
    "ended_at",
    "worker_name",
    "retries_left",
    "timeout",
    "failure_ttl",
    "data",
    "exc_info",
    "last_heartbeat",
];

/// Most exception text kept per job; the rest is cut with a marker.
pub const MAX_EXCEPTION_BYTES: usize = 256 * 1024;
/// Most decompressed bytes read from any payload (a zip bomb stops here).
const MAX_INFLATE: u64 = 16 * 1024 * 1024;
// Job payloads stop earlier: see MAX_PICKLE.

/// What recdiag knows of one job.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Job {
    pub id: String,
    /// False when the id is listed somewhere but its hash has expired.
    pub exists: bool,
    pub status: Option<String>,
    pub origin: Option<String>,
    pub call_sid: Option<String>,
    pub func: Option<String>,
    /// Keyword arguments as Python reprs, from the decoded payload.
    pub kwargs: BTreeMap<String, String>,
    pub description: Option<String>,
    pub created_at: Option<jiff::Timestamp>,
    pub enqueued_at: Option<jiff::Timestamp>,
    pub started_at: Option<jiff::Timestamp>,
    pub ended_at: Option<jiff::Timestamp>,
    pub worker_name: Option<String>,
    pub retries_left: Option<i64>,
    pub timeout_s: Option<i64>,
    pub failure_ttl_s: Option<i64>,
    /// Whole exception text (cut at 256 KiB), wherever the RQ version kept it.
    pub exception: Option<String>,
    /// Where the text came from: `results_stream` (RQ ≥ 1.12) or `job_hash` (older).
    pub exception_source: Option<&'static str>,
    /// Problems met while decoding this job's data.
    pub decode_errors: Vec<String>,
}

impl Job {
    /// Build from the HMGET reply for [`FIELDS`] and the newest results
    /// stream entry (XREVRANGE … COUNT 1), if it was asked for.
    pub fn from_reply(id: &str, fields: &Value, newest_result: Option<&Value>) -> Job {
        let values = super::items(fields);
        let get = |name: &str| -> Option<&Value> {
            let i = FIELDS.iter().position(|f| *f == name)?;
            values.get(i).filter(|v| !matches!(v, Value::Nil))
        };
        let mut job = Job {
            id: id.to_string(),
            exists: values.iter().any(|v| !matches!(v, Value::Nil)),
            ..Default::default()
        };
        if super::is_error(fields) {
            job.decode_errors.push("the job key is not a hash".into());
        }
        let txt = |name: &str| get(name).and_then(text);
        job.status = txt("status");
        job.origin = txt("origin");
        job.description = txt("description");
        job.worker_name = txt("worker_name").filter(|w| !w.is_empty());
        for (name, slot) in [
            ("created_at", &mut job.created_at),
            ("enqueued_at", &mut job.enqueued_at),
            ("started_at", &mut job.started_at),
            ("ended_at", &mut job.ended_at),
        ] {
            *slot = txt(name).as_deref().and_then(parse_time);
        }
        job.retries_left = get("retries_left").and_then(super::int);
        job.timeout_s = get("timeout").and_then(super::int);
        job.failure_ttl_s = get("failure_ttl").and_then(super::int);

        if let Some(data) = get("data").and_then(super::bytes) {
            match decode_call(data) {
                Ok((func, kwargs)) => {
                    job.func = func;
                    job.kwargs = kwargs;
                }
                Err(e) => job.decode_errors.push(format!("job data: {e}")),
            }
        }
        job.call_sid = CallSid::find_in(id)
            .or_else(|| job.kwargs.get("call_sid").and_then(|s| CallSid::find_in(s)))
            .or_else(|| job.description.as_deref().and_then(CallSid::find_in))
            .map(|s| s.to_string());

        if let Some(entry) = newest_result {
            match exception_from_result(entry) {
                Ok(Some(text)) => {
                    job.exception = Some(text);
                    job.exception_source = Some("results_stream");
                }
                Ok(None) => {}
                Err(e) => job.decode_errors.push(format!("result: {e}")),
            }
        }
        if job.exception.is_none()
            && let Some(raw) = get("exc_info").and_then(super::bytes)
        {
            job.exception = Some(cap(inflate_or_plain(raw)));
            job.exception_source = Some("job_hash");
        }
        job
    }

    /// The last non-empty line of the exception: what a person reads first.
    pub fn exception_last_line(&self) -> Option<&str> {
        self.exception
            .as_deref()
            .and_then(|t| t.lines().rev().map(str::trim).find(|l| !l.is_empty()))
    }
}

/// The newest results-stream entry: `[[id, [field, value, …]]]`. Type 2 is
/// a failure whose `exc_string` is base64 of zlib of UTF-8 text.
fn exception_from_result(reply: &Value) -> Result<Option<String>, String> {
    if super::is_error(reply) {
        return Err("the results key is not a stream".into());
    }
    let Some(entry) = super::items(reply).first() else {
        return Ok(None);
    };
    let pairs = super::items(entry).get(1).map(super::items).unwrap_or(&[]);
    let mut kind = None;
    let mut exc = None;
    for pair in pairs.chunks(2) {
        if let [k, v] = pair {
            match super::bytes(k) {
                Some(b"type") => kind = super::int(v),
                Some(b"exc_string") => exc = super::bytes(v),
                _ => {}
            }
        }
    }
    if kind != Some(2) {
        return Ok(None);
    }
    let Some(raw) = exc else {
        return Err("failure result without exc_string".into());
    };
    let compressed = base64::engine::general_purpose::STANDARD
        .decode(raw.trim_ascii())
        .map_err(|e| format!("exc_string is not base64 ({e})"))?;
    Ok(Some(cap(inflate_or_plain(&compressed))))
}

/// zlib-inflate if it is zlib, else take the bytes as text; never fails.
fn inflate_or_plain(raw: &[u8]) -> String {
    match inflate(raw) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => String::from_utf8_lossy(raw).into_owned(),
    }
}

fn inflate(raw: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    ZlibDecoder::new(raw)
        .take(MAX_INFLATE)
        .read_to_end(&mut out)
        .map_err(|e| format!("not zlib data ({e})"))?;
    Ok(out)
}

fn cap(mut text: String) -> String {
    if text.len() > MAX_EXCEPTION_BYTES {
        let cut = text.len() - MAX_EXCEPTION_BYTES;
        // Keep the end: the last lines name the exception.
        let mut start = cut;
        while !text.is_char_boundary(start) {
            start += 1;
        }
        text = format!("[… {cut} bytes cut …]\n{}", &text[start..]);
    }
    text
}

/// Largest inflated job payload decoded (this app's are a few hundred bytes).
const MAX_PICKLE: usize = 64 * 1024;
/// Most memo look-ups and DUPs a decoded pickle may hold: each can double
/// what the decoder materialises, so a few dozen make a "pickle bomb".
const MAX_SHARED_REFS: usize = 16;

/// Why a pickle with a NaN float is not decoded.
const NAN: &str = "a NaN float (no order: could break the decoder): not decoded";

/// Deepest nesting of a decoded pickle (this app's job data nests 3 or 4
/// levels): the decoder, the repr and the drop of a value all recurse.
const MAX_NESTING: u32 = 64;

/// How deep the values on the pickle machine's stack nest, followed opcode
/// by opcode without building them: each item's depth, and the marks.
#[derive(Default)]
struct Nesting {
    stack: Vec<u32>,
    marks: Vec<usize>,
    deepest: u32,
}

impl Nesting {
    fn push(&mut self, depth: u32) {
        self.deepest = self.deepest.max(depth);
        self.stack.push(depth);
    }

    fn pop(&mut self) -> u32 {
        self.stack.pop().unwrap_or(1)
    }

    /// The items above the last mark, removed: their deepest.
    fn pop_mark(&mut self) -> u32 {
        let at = self.marks.pop().unwrap_or(0).min(self.stack.len());
        self.stack.drain(at..).max().unwrap_or(0)
    }

    /// `n` items popped into a container built around them.
    fn wrap(&mut self, n: usize) {
        let inner = (0..n).map(|_| self.pop()).max().unwrap_or(0);
        self.push(inner + 1);
    }

    /// Items popped into the container below them.
    fn fill(&mut self, inner: u32) {
        let outer = self.pop();
        self.push(outer.max(inner + 1));
    }

    /// The stack effect of `op` on the depths.
    fn step(&mut self, op: u8) {
        match op {
            b'(' => self.marks.push(self.stack.len()),
            b'0' => {
                self.pop();
            }
            b'1' => {
                self.pop_mark();
            }
            // Containers built from the items above the mark.
            b't' | b'l' | b'd' | 0x91 | b'o' | b'i' => {
                let inner = self.pop_mark();
                self.push(inner + 1);
            }
            // Items above the mark added to the container below it.
            b'e' | b'u' | 0x90 => {
                let inner = self.pop_mark();
                self.fill(inner);
            }
            b'a' => {
                let item = self.pop();
                self.fill(item);
            }
            b's' => {
                let value = self.pop();
                let key = self.pop();
                self.fill(value.max(key));
            }
            0x85 => self.wrap(1),
            0x86 | b'R' | 0x81 | 0x93 => self.wrap(2),
            0x87 | 0x92 => self.wrap(3),
            b'b' => {
                let state = self.pop();
                self.fill(state);
            }
            // No stack effect.
            b'q' | b'r' | b'p' | 0x94 | 0x80 | 0x95 | 0x98 | b'Q' | b'.' => {}
            // A memo look-up or a DUP: a reference to something already
            // built, which may still grow; counted as the deepest so far.
            b'h' | b'j' | b'g' | b'2' => self.push(self.deepest.max(1)),
            // Everything else pushes one value of its own.
            _ => self.push(1),
        }
    }
}

/// Walk the pickle's opcodes (protocols 0 to 5) without building anything,
/// and refuse what could blow up the decoder: unknown opcodes, truncated
/// arguments, more than [`MAX_SHARED_REFS`] memo look-ups or DUPs, and
/// values nested deeper than [`MAX_NESTING`].
fn pickle_is_safe(p: &[u8]) -> Result<(), String> {
    let mut i = 0;
    let mut shared = 0;
    let mut nesting = Nesting::default();
    let len_at = |i: usize, n: usize| -> Option<usize> {
        let b = p.get(i..i + n)?;
        let mut v: u64 = 0;
        for (k, byte) in b.iter().enumerate() {
            v |= u64::from(*byte) << (8 * k);
        }
        usize::try_from(v).ok()
    };
    while i < p.len() {
        let op = p[i];
        i += 1;
        let skip = match op {
            // No argument.
            b'('
            | b'0'
            | b'1'
            | b'N'
            | b')'
            | b']'
            | b'}'
            | b'a'
            | b'e'
            | b's'
            | b'u'
            | b't'
            | b'l'
            | b'd'
            | b'R'
            | b'b'
            | b'o'
            | b'Q'
            | 0x81
            | 0x85..=0x88
            | 0x89
            | 0x8f
            | 0x90
            | 0x91
            | 0x92
            | 0x93
            | 0x94
            | 0x97
            | 0x98 => 0,
            b'.' => return Ok(()),
            b'2' => {
                shared += 1;
                0
            }
            // Fixed-size arguments.
            b'h' => {
                shared += 1;
                1
            }
            b'j' => {
                shared += 1;
                4
            }
            b'K' | b'q' | 0x80 | 0x82 => 1,
            b'M' | 0x83 => 2,
            b'J' | b'r' | 0x84 => 4,
            // A NaN float has no order: as a set member or a dict key it
            // breaks the decoder's sort (a panic in the library).
            b'G' => {
                let bits = p.get(i..i + 8).ok_or("truncated pickle")?;
                let mut be = [0u8; 8];
                be.copy_from_slice(bits);
                if f64::from_be_bytes(be).is_nan() {
                    return Err(NAN.into());
                }
                8
            }
            0x95 => 8,
            // Length-prefixed arguments.
            b'U' | b'C' | 0x8c | 0x8a => 1 + len_at(i, 1).ok_or("truncated pickle")?,
            b'T' | b'B' | b'X' | 0x8b => 4 + len_at(i, 4).ok_or("truncated pickle")?,
            0x8e | 0x8d | 0x96 => 8 + len_at(i, 8).ok_or("truncated pickle")?,
            // Text arguments, one line (two for GLOBAL and INST).
            b'I' | b'L' | b'F' | b'S' | b'V' | b'P' | b'g' | b'p' | b'c' | b'i' => {
                if op == b'g' {
                    shared += 1;
                }
                let lines = if matches!(op, b'c' | b'i') { 2 } else { 1 };
                let mut end = i;
                for _ in 0..lines {
                    let nl = p[end..]
                        .iter()
                        .position(|b| *b == b'\n')
                        .ok_or("truncated pickle")?;
                    end += nl + 1;
                }
                if op == b'F'
                    && String::from_utf8_lossy(&p[i..end])
                        .trim()
                        .parse::<f64>()
                        .is_ok_and(f64::is_nan)
                {
                    return Err(NAN.into());
                }
                end - i
            }
            other => return Err(format!("unknown pickle opcode 0x{other:02x}")),
        };
        if shared > MAX_SHARED_REFS {
            return Err(format!(
                "more than {MAX_SHARED_REFS} shared references: not decoded (could exhaust memory)"
            ));
        }
        // (A shared reference may grow after it was taken, so the real
        // depth can exceed this by a factor of the few references allowed:
        // still far from the stack's limit.)
        nesting.step(op);
        if nesting.deepest > MAX_NESTING {
            return Err(format!(
                "values nested deeper than {MAX_NESTING} levels: not decoded (could exhaust the stack)"
            ));
        }
        i = i
            .checked_add(skip)
            .filter(|&n| n <= p.len())
            .ok_or("truncated pickle")?;
    }
    Err("pickle without STOP".into())
}

/// Decode `data`: zlib-compressed pickle of `(func_name, instance, args,
/// kwargs)`. Returns the function name and the keyword arguments.
pub fn decode_call(data: &[u8]) -> Result<(Option<String>, BTreeMap<String, String>), String> {
    decode_pickle(&inflate(data)?)
}

/// Decode an inflated job payload (see [`decode_call`]).
pub fn decode_pickle(raw: &[u8]) -> Result<(Option<String>, BTreeMap<String, String>), String> {
    if raw.len() > MAX_PICKLE {
        return Err(format!(
            "payload of {} bytes is larger than {} KiB: not decoded",
            raw.len(),
            MAX_PICKLE / 1024
        ));
    }
    pickle_is_safe(raw)?;
    // The decoder sorts set members and dict keys with an order that is
    // not total across types (found by fuzz/job_pickle): Rust's sort then
    // panics. Such a pickle is reported, quietly, like any other bad one.
    let decoded = quietly(|| {
        serde_pickle::value_from_slice(
            raw,
            DeOptions::new()
                .replace_unresolved_globals()
                .replace_recursive_structures()
                .decode_strings(),
        )
    })
    .ok_or("a set or dict whose members have no order (mixed types): not decoded")?;
    let value = decoded.map_err(|e| format!("not a pickle RQ can read ({e})"))?;
    let (Pickle::Tuple(parts) | Pickle::List(parts)) = value else {
        return Err("pickle is not RQ's (func, instance, args, kwargs) tuple".into());
    };
    let func = match parts.first() {
        Some(Pickle::String(s)) => Some(s.clone()),
        Some(Pickle::Bytes(b)) => Some(String::from_utf8_lossy(b).into_owned()),
        _ => None,
    };
    let mut kwargs = BTreeMap::new();
    if let Some(Pickle::Dict(map)) = parts.get(3) {
        for (k, v) in map {
            let key = match k {
                HashableValue::String(s) => s.clone(),
                other => repr_hashable(other),
            };
            kwargs.insert(key, repr(v));
        }
    }
    Ok((func, kwargs))
}

thread_local! {
    /// Set while [`quietly`] runs: the panic hook says nothing.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `f`, a library call that may panic on hostile input; None if it
/// did. The panic is not printed (the caller reports the input as bad);
/// any other panic is printed as before.
fn quietly<T>(f: impl FnOnce() -> T) -> Option<T> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok();
    QUIET.with(|q| q.set(false));
    result
}

/// A Python-like repr, bounded in length.
fn repr(v: &Pickle) -> String {
    let mut s = match v {
        Pickle::None => "None".to_string(),
        Pickle::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        Pickle::I64(i) => i.to_string(),
        Pickle::Int(i) => i.to_string(),
        Pickle::F64(f) => f.to_string(),
        Pickle::Bytes(b) => format!("b{:?}", String::from_utf8_lossy(b)),
        Pickle::String(s) => format!("'{s}'"),
        Pickle::List(items) => format!(
            "[{}]",
            items.iter().map(repr).collect::<Vec<_>>().join(", ")
        ),
        Pickle::Tuple(items) => format!(
            "({})",
            items.iter().map(repr).collect::<Vec<_>>().join(", ")
        ),
        Pickle::Set(items) | Pickle::FrozenSet(items) => {
            format!(
                "{{{}}}",
                items
                    .iter()
                    .map(repr_hashable)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        Pickle::Dict(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", repr_hashable(k), repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    if s.len() > 512 {
        let mut end = 509;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
    s
}

fn repr_hashable(v: &HashableValue) -> String {
    repr(&v.clone().into_value())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn pickle_bombs_are_refused_before_decoding() {
        // [[...]] doubled 40 times through the memo: 2^40 elements if decoded.
        let mut bomb = vec![0x80, 0x05, b']', 0x94];
        for _ in 0..40 {
            bomb.extend_from_slice(&[b'h', 0, b'h', 0, 0x86, 0x94]);
        }
        bomb.push(b'.');
        let err = decode_call(&zlib(&bomb)).unwrap_err();
        assert!(err.contains("shared references"), "{err}");
        let err = decode_call(&zlib(&vec![b'N'; 100 * 1024])).unwrap_err();
        assert!(err.contains("larger than"), "{err}");
        assert!(pickle_is_safe(b"\x80\x05\x8c\x03abc\x94.").is_ok());
        assert!(pickle_is_safe(b"\x80\x05\x8c\xffab").is_err(), "truncated");
    }

    /// RQ's (func, instance, args, {'x': <deep>}) with `deep`'s opcodes.
    fn job_with(deep: &[u8]) -> Vec<u8> {
        let mut p = vec![0x80, 0x02, b'(', b'X', 1, 0, 0, 0, b'f', b'N', b')', b'}'];
        p.extend_from_slice(&[b'X', 1, 0, 0, 0, b'x']);
        p.extend_from_slice(deep);
        p.extend_from_slice(b"st.");
        p
    }

    #[test]
    fn deeply_nested_values_are_refused_not_a_crash() {
        // 10,000 nested lists (20 KB): a stack overflow once decoded.
        let mut lists = vec![b']'; 10_000];
        lists.extend(vec![b'a'; 9_999]);
        let err = decode_call(&zlib(&job_with(&lists))).unwrap_err();
        assert!(err.contains("nested deeper than"), "{err}");
        // 10,000 nested 1-tuples: no deeper on the stack, as deep a value.
        let mut tuples = vec![b')'];
        tuples.extend(vec![0x85; 10_000]);
        let err = decode_call(&zlib(&job_with(&tuples))).unwrap_err();
        assert!(err.contains("nested deeper than"), "{err}");
        // A few levels decode.
        let mut shallow = vec![b']'; 5];
        shallow.extend(vec![b'a'; 4]);
        let (func, kwargs) = decode_call(&zlib(&job_with(&shallow))).unwrap();
        assert_eq!(func.as_deref(), Some("f"));
        assert_eq!(kwargs["x"], "[[[[[]]]]]");
    }

    #[test]
    fn what_the_fuzzer_found_decodes_to_errors() {
        // Found by fuzz/job_pickle: a set of floats, NaNs among them,
        // made the decoder's sort panic.
        let found = include_bytes!("../../../tests/fixtures/pickles/nan-set.pickle");
        assert!(decode_pickle(found).is_err());
        // A frozenset of mixed types: the same sort panic, caught.
        let found = include_bytes!("../../../tests/fixtures/pickles/mixed-frozenset.pickle");
        assert!(decode_pickle(found).is_err());
        let mut nan = vec![0x80, 0x02, 0x8f, b'G'];
        nan.extend_from_slice(&f64::NAN.to_be_bytes());
        nan.extend_from_slice(&[b'G', 0, 0, 0, 0, 0, 0, 0, 0, 0x90, b'.']);
        assert!(decode_pickle(&nan).unwrap_err().contains("NaN"));
        assert!(
            decode_pickle(b"(Fnan\nFnan\n\x91.")
                .unwrap_err()
                .contains("NaN")
        );
    }

    #[test]
    fn corrupt_payloads_are_reported_not_fatal() {
        assert!(decode_call(b"not zlib").unwrap_err().contains("zlib"));
        assert!(
            decode_call(&zlib(b"\x80\x05garbage"))
                .unwrap_err()
                .contains("pickle")
        );
        assert!(decode_call(&zlib(b"")).is_err());
    }

    #[test]
    fn exception_text_from_the_job_hash_plain_or_zlib() {
        assert_eq!(
            inflate_or_plain(&zlib(b"Traceback\nValueError: x")),
            "Traceback\nValueError: x"
        );
        assert_eq!(inflate_or_plain(b"plain text"), "plain text");
        assert_eq!(
            inflate_or_plain(b"\xff\xfe bytes"),
            "\u{fffd}\u{fffd} bytes"
        );
    }

    #[test]
    fn huge_exceptions_keep_their_last_lines() {
        let big = format!("{}\nHTTPError: 401", "x".repeat(10 * 1024 * 1024));
        let capped = cap(big);
        assert!(capped.len() < MAX_EXCEPTION_BYTES + 64);
        assert!(capped.ends_with("HTTPError: 401"));
        assert!(capped.starts_with("[… "));
    }

    #[test]
    fn missing_hash_is_not_an_error() {
        let nils = Value::Array(vec![Value::Nil; FIELDS.len()]);
        let job = Job::from_reply(
            "recording_download_CA0123456789abcdef0123456789abcdef_1",
            &nils,
            None,
        );
        assert!(!job.exists);
        assert_eq!(
            job.call_sid.as_deref(),
            Some("CA0123456789abcdef0123456789abcdef")
        );
        assert!(job.decode_errors.is_empty());
    }
}
