//! Replies read where they lie. `call` reads millions of job ids from RQ's
//! lists and registries to find the few that carry one SID; the driver
//! makes each id a value of its own (an allocation, a copy, ~270 ns),
//! which was most of the search's time. This reader keeps a reply's bytes
//! in one buffer and records where each value lies (a "tape"), resuming
//! where it stopped when more bytes arrive: the search then looks at ids
//! as slices of that buffer.
//!
//! It parses what the [`Guard`](super::resp_guard::Guard) under it lets
//! through, so a reply is already bounded in size, count and depth.

use redis::Value;

/// One value of a reply, as the search looks at it.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw<'a> {
    Nil,
    Int(i64),
    /// A simple string (`+OK`, `+QUEUED`).
    Simple(&'a [u8]),
    /// A server error, its text (`WRONGTYPE …`).
    Error(&'a [u8]),
    Bulk(&'a [u8]),
    Array(Vec<Raw<'a>>),
    /// Anything else (RESP3's doubles, maps…): nothing the search asks for.
    Other,
}

impl<'a> Raw<'a> {
    /// The members of an array (nothing for any other value).
    pub fn items(&self) -> &[Raw<'a>] {
        match self {
            Raw::Array(items) => items,
            _ => &[],
        }
    }

    /// The bytes of a string.
    pub fn bytes(&self) -> Option<&'a [u8]> {
        match self {
            Raw::Bulk(b) | Raw::Simple(b) => Some(b),
            _ => None,
        }
    }

    /// A non-negative integer (a length, a rank).
    pub fn count(&self) -> Option<u64> {
        match self {
            Raw::Int(n) => u64::try_from(*n).ok(),
            _ => None,
        }
    }

    /// The driver's error for a server error reply, made as the driver
    /// makes it (so that NOPERM, WRONGPASS… are classified alike).
    pub fn server_error(&self) -> Option<redis::RedisError> {
        let Raw::Error(text) = self else { return None };
        let mut line = Vec::with_capacity(text.len() + 3);
        line.push(b'-');
        line.extend_from_slice(text);
        line.extend_from_slice(b"\r\n");
        match redis::parse_redis_value(&line) {
            Ok(Value::ServerError(e)) => Some(e.into()),
            _ => Some(redis::RedisError::from((
                redis::ErrorKind::Server(redis::ServerErrorKind::ResponseError),
                "the server answered with an error",
                String::from_utf8_lossy(text).into_owned(),
            ))),
        }
    }

    /// The driver's value seen the same way (for replies the driver read).
    pub fn of_value(v: &'a Value) -> Raw<'a> {
        match v {
            Value::Nil => Raw::Nil,
            Value::Int(n) => Raw::Int(*n),
            Value::BulkString(b) => Raw::Bulk(b),
            Value::SimpleString(s) => Raw::Simple(s.as_bytes()),
            Value::Okay => Raw::Simple(b"OK"),
            Value::Array(items) | Value::Set(items) => {
                Raw::Array(items.iter().map(Raw::of_value).collect())
            }
            Value::ServerError(e) => Raw::Error(e.code().as_bytes()),
            _ => Raw::Other,
        }
    }
}

/// The reads' replies out of a transaction's (MULTI's, the queued ones,
/// EXEC's), as [`super::rq::query_snapshot`] takes them from the driver's:
/// EXEC's when it ran, the direct ones when MULTI was refused (then not
/// of one moment). A server error other than WRONGTYPE is the error.
pub fn transaction(values: Vec<Raw<'_>>, n: usize) -> redis::RedisResult<(Vec<Raw<'_>>, bool)> {
    let (replies, atomic) = super::rq::unpack_transaction(
        values,
        n,
        |r| matches!(r, Raw::Error(_)),
        |r| match r {
            Raw::Array(items) => Some(items),
            _ => None,
        },
        fail_on_server_errors,
    )?;
    fail_on_server_errors(&replies)?;
    Ok((replies, atomic))
}

fn fail_on_server_errors(replies: &[Raw<'_>]) -> redis::RedisResult<()> {
    match replies
        .iter()
        .find(|r| matches!(r, Raw::Error(text) if !text.starts_with(b"WRONGTYPE")))
    {
        Some(e) => Err(e.server_error().unwrap_or_else(|| {
            redis::RedisError::from((redis::ErrorKind::UnexpectedReturnType, "a server error"))
        })),
        None => Ok(()),
    }
}

/// Where a value lies in the buffer.
#[derive(Debug, Clone, Copy)]
enum Node {
    Nil,
    Int(i64),
    Simple(usize, usize),
    Error(usize, usize),
    Bulk(usize, usize),
    /// An array of `len` values, which follow it on the tape.
    Array(usize),
    /// A value of no interest; `len` values (its members) follow it.
    Other(usize),
}

/// Replies read so far from one connection, and how far they are parsed.
#[derive(Debug, Default)]
pub struct Tape {
    buf: Vec<u8>,
    /// The first byte not yet parsed.
    at: usize,
    nodes: Vec<Node>,
    /// Values still to come in each open aggregate, innermost last.
    open: Vec<usize>,
    /// Tape positions of the whole top-level replies.
    tops: Vec<usize>,
    /// Tape position of the top-level reply being parsed.
    top_start: usize,
}

/// The deepest nesting parsed (the guard under it allows no more).
const MAX_DEPTH: usize = 128;

impl Tape {
    /// The buffer, with room for at least `at_least` more bytes (and
    /// half again what it holds: reads append to its spare capacity).
    pub fn room(&mut self, at_least: usize) -> &mut Vec<u8> {
        let len = self.buf.len();
        if self.buf.capacity() - len < at_least {
            self.buf.reserve(at_least.max(len / 2));
        }
        &mut self.buf
    }

    /// Start over for the next replies, keeping the memory.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.nodes.clear();
        self.open.clear();
        self.tops.clear();
        self.at = 0;
        self.top_start = 0;
    }

    /// Every byte held is parsed, and no value is left open.
    pub fn whole(&self) -> bool {
        self.at == self.buf.len() && self.open.is_empty()
    }

    /// Whole top-level replies parsed so far.
    pub fn replies(&self) -> usize {
        self.tops.len()
    }

    /// Parse what has arrived, as far as values are whole. An error: the
    /// bytes are not RESP.
    pub fn parse(&mut self) -> Result<(), String> {
        loop {
            let rest = &self.buf[self.at..];
            let Some(eol) = memchr::memchr(b'\n', rest) else {
                return Ok(());
            };
            // A type byte, the text, `\r\n` (as the guard reads it: a
            // bare `\n` ends the line too).
            let end = if eol > 0 && rest[eol - 1] == b'\r' {
                eol - 1
            } else {
                eol
            };
            let (Some(&kind), Some(line)) = (rest.first(), rest.get(1..end)) else {
                return Err(not_resp());
            };
            let body = self.at + eol + 1;
            if self.open.is_empty() {
                self.top_start = self.nodes.len();
            }
            let (node, next, members) = match kind {
                b'$' | b'=' | b'!' => {
                    let n = number(line)?;
                    if n < 0 {
                        (Node::Nil, body, 0)
                    } else {
                        let n = n as usize;
                        if self.buf.len() < body + n + 2 {
                            return Ok(());
                        }
                        let node = if kind == b'$' {
                            Node::Bulk(body, body + n)
                        } else {
                            Node::Other(0)
                        };
                        (node, body + n + 2, 0)
                    }
                }
                b'*' | b'~' | b'>' | b'%' | b'|' => {
                    let n = number(line)?;
                    let n = match kind {
                        b'%' => n.saturating_mul(2),
                        b'|' => n.saturating_mul(2).saturating_add(1),
                        _ => n,
                    };
                    if n < 0 {
                        (Node::Nil, body, 0)
                    } else {
                        let n = n as usize;
                        let node = if matches!(kind, b'*' | b'~') {
                            Node::Array(n)
                        } else {
                            Node::Other(n)
                        };
                        (node, body, n)
                    }
                }
                b'+' => (Node::Simple(self.at + 1, self.at + end), body, 0),
                b'-' => (Node::Error(self.at + 1, self.at + end), body, 0),
                b':' => (Node::Int(number(line)?), body, 0),
                b'_' => (Node::Nil, body, 0),
                b'#' | b',' | b'(' => (Node::Other(0), body, 0),
                _ => return Err(not_resp()),
            };
            self.nodes.push(node);
            self.at = next;
            if members > 0 {
                if self.open.len() >= MAX_DEPTH {
                    return Err(format!(
                        "{}: values nested deeper than {MAX_DEPTH}",
                        super::resp_guard::REFUSED
                    ));
                }
                self.open.push(members);
            } else {
                self.value_done();
            }
        }
    }

    fn value_done(&mut self) {
        while let Some(left) = self.open.last_mut() {
            *left -= 1;
            if *left > 0 {
                return;
            }
            self.open.pop();
        }
        self.tops.push(self.top_start);
    }

    /// The top-level replies parsed, as values over the buffer.
    pub fn values(&self) -> Vec<Raw<'_>> {
        self.tops
            .iter()
            .map(|&i| self.value(&mut (i..self.nodes.len())))
            .collect()
    }

    /// The value at the next tape position, and its members after it.
    fn value(&self, at: &mut std::ops::Range<usize>) -> Raw<'_> {
        let Some(i) = at.next() else {
            return Raw::Nil;
        };
        match self.nodes[i] {
            Node::Nil => Raw::Nil,
            Node::Int(n) => Raw::Int(n),
            Node::Simple(a, b) => Raw::Simple(&self.buf[a..b]),
            Node::Error(a, b) => Raw::Error(&self.buf[a..b]),
            Node::Bulk(a, b) => Raw::Bulk(&self.buf[a..b]),
            Node::Array(n) => {
                let mut items = Vec::with_capacity(n.min(at.len()));
                for _ in 0..n {
                    items.push(self.value(at));
                }
                Raw::Array(items)
            }
            Node::Other(n) => {
                for _ in 0..n {
                    self.value(at);
                }
                Raw::Other
            }
        }
    }
}

fn number(text: &[u8]) -> Result<i64, String> {
    std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.trim().parse::<i64>().ok())
        .ok_or_else(not_resp)
}

fn not_resp() -> String {
    format!(
        "{}: parse error, this is not the Redis protocol",
        super::resp_guard::REFUSED
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fed(chunks: &[&[u8]]) -> Tape {
        let mut t = Tape::default();
        for c in chunks {
            t.room(c.len()).extend_from_slice(c);
            t.parse().unwrap_or_default();
        }
        t
    }

    const STREAM: &[u8] = b"+OK\r\n+QUEUED\r\n*4\r\n:7\r\n*3\r\n$3\r\nabc\r\n$0\r\n\r\n$-1\r\n-WRONGTYPE no\r\n%1\r\n+k\r\n*1\r\n$3\r\nxyz\r\n:-1\r\n";

    #[test]
    fn replies_parse_alike_in_any_chunking() {
        let whole = fed(&[STREAM]);
        let values = whole.values();
        assert_eq!(values.len(), 4, "{values:?}");
        assert_eq!(values[0], Raw::Simple(b"OK"));
        assert_eq!(values[1], Raw::Simple(b"QUEUED"));
        let exec = values[2].items();
        assert_eq!(exec[0].count(), Some(7));
        let ids: Vec<Option<&[u8]>> = exec[1].items().iter().map(Raw::bytes).collect();
        assert_eq!(ids, [Some(&b"abc"[..]), Some(&b""[..]), None]);
        assert!(
            exec[2]
                .server_error()
                .is_some_and(|e| e.code() == Some("WRONGTYPE"))
        );
        assert_eq!(exec[3], Raw::Other);
        assert_eq!(values[3], Raw::Int(-1));
        for size in 1..STREAM.len() {
            let chunks: Vec<&[u8]> = STREAM.chunks(size).collect();
            assert_eq!(fed(&chunks).values(), values, "chunks of {size}");
        }
    }

    #[test]
    fn a_half_reply_is_not_a_reply() {
        let t = fed(&[b"*2\r\n$3\r\nabc\r\n$3\r\nab"]);
        assert_eq!(t.replies(), 0);
    }

    #[test]
    fn garbage_and_depth_are_refused() {
        let mut t = fed(&[b"?what\r\n"]);
        assert!(t.parse().is_err());
        for bare in [&b"\r\n"[..], b"\n", b"\r\r\n", b"$\r\n", b"*x\r\n"] {
            let mut t = fed(&[bare]);
            assert!(t.parse().is_err(), "{bare:?}");
        }
        let mut deep = Vec::new();
        for _ in 0..200 {
            deep.extend_from_slice(b"*1\r\n");
        }
        let mut t = fed(&[&deep]);
        assert!(t.parse().is_err());
    }
}
