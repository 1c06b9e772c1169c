//! A bound on what a Redis (or a sentinel, or whatever answers on its
//! port) may make recdiag hold. The driver buffers a reply until it is
//! whole, so a server that announces a 2 GB string — or an array of two
//! billion elements, or a line that never ends — would grow recdiag's
//! memory for as long as it keeps sending. [`Guard`] reads the RESP stream
//! as it arrives, keeping only a few counters, and ends the connection with
//! a plain error the moment one reply passes a limit that no answer to
//! recdiag's bounded commands comes near.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The most one reply (with everything nested in it) may hold: 10 MB job
/// fields and 10,000-member registry pages fit many times over.
pub const MAX_REPLY_BYTES: u64 = 32 * 1024 * 1024;
/// The most values one reply may nest in it.
pub const MAX_REPLY_VALUES: u64 = 1_000_000;
/// The longest header line (`+OK`, `-ERR …`, `$123`).
pub const MAX_LINE: usize = 64 * 1024;
/// The deepest nesting (the driver itself refuses past 100).
pub const MAX_DEPTH: usize = 128;

/// The words of every refusal, so that the caller can tell it apart from
/// the server's own errors.
pub const REFUSED: &str = "recdiag refused the reply";

/// The words for a server that closed the connection with a reply half
/// sent (the driver would call the cut reply "not the protocol").
pub const MID_REPLY: &str = "closed by the server in the middle of a reply";

/// Where the scanner stands in the byte stream.
#[derive(Debug)]
enum At {
    /// Reading a header line: a type byte, then text up to `\r\n`.
    Line(Vec<u8>),
    /// Skipping the body of a bulk value and its `\r\n`.
    Body(u64),
}

/// The state of the RESP stream as read so far.
#[derive(Debug)]
pub struct Scanner {
    at: At,
    /// Values still to come in each open aggregate, innermost last.
    open: Vec<u64>,
    /// Bytes and values of the reply being read.
    bytes: u64,
    values: u64,
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner {
            at: At::Line(Vec::new()),
            open: Vec::new(),
            bytes: 0,
            values: 0,
        }
    }
}

impl Scanner {
    /// Account for `data`, the next bytes from the server. An error says,
    /// in words, which limit the reply passed.
    pub fn feed(&mut self, mut data: &[u8]) -> Result<(), String> {
        while !data.is_empty() {
            match &mut self.at {
                At::Body(left) => {
                    let n = (*left).min(data.len() as u64);
                    *left -= n;
                    self.bytes += n;
                    data = &data[n as usize..];
                    if *left == 0 {
                        self.at = At::Line(Vec::new());
                        self.value_done();
                    }
                }
                At::Line(line) => {
                    let (taken, complete) = match memchr::memchr(b'\n', data) {
                        Some(i) => (&data[..=i], true),
                        None => (data, false),
                    };
                    if line.len() + taken.len() > MAX_LINE {
                        return Err(format!(
                            "{REFUSED}: a line longer than {} KiB",
                            MAX_LINE / 1024
                        ));
                    }
                    line.extend_from_slice(taken);
                    self.bytes += taken.len() as u64;
                    data = &data[taken.len()..];
                    if complete {
                        let line = std::mem::take(line);
                        self.header(&line)?;
                    }
                }
            }
            if self.bytes > MAX_REPLY_BYTES {
                return Err(format!(
                    "{REFUSED}: a reply larger than {} MiB",
                    MAX_REPLY_BYTES / (1024 * 1024)
                ));
            }
        }
        Ok(())
    }

    /// True when a reply has begun and not ended.
    pub fn mid_reply(&self) -> bool {
        let begun = match &self.at {
            At::Body(_) => true,
            At::Line(line) => !line.is_empty(),
        };
        begun || !self.open.is_empty()
    }

    /// A whole header line (with its `\n`).
    fn header(&mut self, line: &[u8]) -> Result<(), String> {
        self.values += 1;
        if self.values > MAX_REPLY_VALUES {
            return Err(format!(
                "{REFUSED}: a reply of more than {MAX_REPLY_VALUES} values"
            ));
        }
        let Some((&kind, rest)) = line.split_first() else {
            return Err(not_resp());
        };
        let number = || -> Result<i64, String> {
            let text = rest.strip_suffix(b"\r\n").ok_or_else(not_resp)?;
            std::str::from_utf8(text)
                .ok()
                .and_then(|t| t.trim().parse::<i64>().ok())
                .ok_or_else(not_resp)
        };
        match kind {
            // Bulk string, verbatim string, bulk error: a length, a body.
            b'$' | b'=' | b'!' => {
                let n = number()?;
                if n < 0 {
                    self.value_done();
                } else {
                    let n = n as u64;
                    if n > MAX_REPLY_BYTES {
                        return Err(format!(
                            "{REFUSED}: it announced a string of {n} bytes (at most {} MiB are read)",
                            MAX_REPLY_BYTES / (1024 * 1024)
                        ));
                    }
                    self.at = At::Body(n + 2);
                }
            }
            // Array, set, push; map (pairs); attribute (pairs, then the
            // value they describe).
            b'*' | b'~' | b'>' | b'%' | b'|' => {
                let n = number()?;
                let n = match kind {
                    b'%' => n.saturating_mul(2),
                    b'|' => n.saturating_mul(2).saturating_add(1),
                    _ => n,
                };
                if n > MAX_REPLY_VALUES as i64 {
                    return Err(format!(
                        "{REFUSED}: it announced {n} values (at most {MAX_REPLY_VALUES} are read)"
                    ));
                }
                if n <= 0 {
                    self.value_done();
                } else if self.open.len() >= MAX_DEPTH {
                    return Err(format!("{REFUSED}: values nested deeper than {MAX_DEPTH}"));
                } else {
                    self.open.push(n as u64);
                }
            }
            // One-line values: simple string, error, integer, null,
            // boolean, double, big number.
            b'+' | b'-' | b':' | b'_' | b'#' | b',' | b'(' => self.value_done(),
            _ => return Err(not_resp()),
        }
        Ok(())
    }

    /// A value ended: it fills a place in its aggregate, which may end
    /// in turn; when none is open, the reply is whole and the counts
    /// start again.
    fn value_done(&mut self) {
        while let Some(left) = self.open.last_mut() {
            *left -= 1;
            if *left > 0 {
                return;
            }
            self.open.pop();
        }
        self.bytes = 0;
        self.values = 0;
    }
}

fn not_resp() -> String {
    // "parse error": the words the driver uses for a reply it cannot read.
    format!("{REFUSED}: parse error, this is not the Redis protocol")
}

/// A connection whose every byte read passes through a [`Scanner`].
pub struct Guard<S> {
    inner: S,
    scanner: Scanner,
    /// Once a limit is passed, every later read fails the same way.
    refused: Option<String>,
}

impl<S> Guard<S> {
    pub fn new(inner: S) -> Self {
        Guard {
            inner,
            scanner: Scanner::default(),
            refused: None,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Guard<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(why) = &self.refused {
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, why.clone())));
        }
        let before = buf.filled().len();
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let read = &buf.filled()[before..];
                if read.is_empty() && this.scanner.mid_reply() {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        MID_REPLY,
                    )));
                }
                if let Err(why) = this.scanner.feed(read) {
                    buf.set_filled(before);
                    this.refused = Some(why.clone());
                    return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, why)));
                }
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Guard<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(chunks: &[&[u8]]) -> Result<Scanner, String> {
        let mut s = Scanner::default();
        for c in chunks {
            s.feed(c)?;
        }
        Ok(s)
    }

    #[test]
    fn ordinary_replies_pass_in_any_chunking() {
        let stream: &[u8] = b"+OK\r\n$5\r\nhello\r\n*2\r\n:1\r\n$-1\r\n*0\r\n%1\r\n+k\r\n*1\r\n$3\r\nabc\r\n_\r\n-ERR no\r\n";
        for size in 1..stream.len() {
            let chunks: Vec<&[u8]> = stream.chunks(size).collect();
            let s = scan(&chunks).unwrap();
            assert!(s.open.is_empty() && s.bytes == 0 && s.values == 0);
        }
    }

    #[test]
    fn a_reply_begun_and_not_ended_is_told() {
        let mut s = Scanner::default();
        assert!(!s.mid_reply());
        for part in [&b"*2\r\n"[..], b"$3\r\nab", b"c\r\n", b":1"] {
            s.feed(part).unwrap();
            assert!(s.mid_reply());
        }
        s.feed(b"\r\n").unwrap();
        assert!(!s.mid_reply());
    }

    #[test]
    fn counts_start_again_with_each_reply() {
        let mut s = Scanner::default();
        let big = vec![b'x'; 20 * 1024 * 1024];
        for _ in 0..3 {
            s.feed(format!("${}\r\n", big.len()).as_bytes()).unwrap();
            s.feed(&big).unwrap();
            s.feed(b"\r\n").unwrap();
        }
    }

    #[test]
    fn announced_giants_are_refused_before_any_body() {
        for (stream, words) in [
            (&b"$2000000000\r\n"[..], "string of 2000000000 bytes"),
            (b"*2000000000\r\n", "2000000000 values"),
            (b"%9223372036854775807\r\n", "values"),
            (b"|9223372036854775807\r\n", "values"),
        ] {
            let e = scan(&[stream]).unwrap_err();
            assert!(e.contains(words), "{e}");
        }
    }

    #[test]
    fn a_reply_growing_past_the_limit_is_refused() {
        let mut s = Scanner::default();
        s.feed(b"*1000\r\n").unwrap();
        let part = format!("${}\r\n{}\r\n", 1 << 20, "y".repeat(1 << 20));
        let mut refused = None;
        for _ in 0..40 {
            if let Err(e) = s.feed(part.as_bytes()) {
                refused = Some(e);
                break;
            }
        }
        assert!(refused.is_some_and(|e| e.contains("larger than 32 MiB")));
    }

    #[test]
    fn endless_lines_deep_nesting_and_garbage_are_refused() {
        let e = scan(&[&vec![b'+'; MAX_LINE + 1]]).unwrap_err();
        assert!(e.contains("line longer"), "{e}");
        let e = scan(&[b"*1\r\n".repeat(200).as_slice()]).unwrap_err();
        assert!(e.contains("nested deeper"), "{e}");
        let e = scan(&[b"HTTP/1.1 400 Bad Request\r\n"]).unwrap_err();
        assert!(e.contains("parse error"), "{e}");
        let e = scan(&[b"$abc\r\n"]).unwrap_err();
        assert!(e.contains("parse error"), "{e}");
    }
}
