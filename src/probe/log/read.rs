//! The input, read on a thread of its own into blocks of whole lines, so
//! that reading (the kernel's copy, gzip) overlaps parsing. A few buffers
//! go round between the reader and the scanner: memory stays flat.

use std::io::{self, Read};
use std::ops::Range;
use std::sync::mpsc::{Receiver, SyncSender};

use super::{CHUNK, LINE_MAX};

/// Buffers in flight: one being read, one waiting, one being parsed.
const BUFFERS: usize = 3;

/// One block of the input.
pub struct Piece {
    pub buf: Vec<u8>,
    /// Whole lines, each ending in `\n`.
    pub lines: Range<usize>,
    /// Then one more line: the input's last, without its `\n`, or the
    /// first [`LINE_MAX`] bytes of a longer line (`true`: the rest is
    /// skipped).
    pub extra: Option<(Range<usize>, bool)>,
    /// The input ended in this error (a truncated gzip, an I/O error).
    pub error: Option<String>,
}

/// Read `input` to its end, sending each block to `out`; buffers come
/// back through `free`. Stops early when the scanner is gone.
pub fn blocks(mut input: impl Read, out: SyncSender<Piece>, free: Receiver<Vec<u8>>) {
    let mut made = 1usize;
    let mut buf = vec![0u8; CHUNK + LINE_MAX];
    let mut filled = 0usize;
    // Skipping the rest of a line longer than LINE_MAX.
    let mut skipping = false;
    loop {
        let mut error = None;
        let mut eof = false;
        while filled < buf.len() {
            match input.read(&mut buf[filled..]) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    error = Some(e.to_string());
                    eof = true;
                    break;
                }
            }
        }
        let mut start = 0usize;
        if skipping {
            match memchr::memchr(b'\n', &buf[..filled]) {
                Some(nl) => {
                    start = nl + 1;
                    skipping = false;
                }
                None if eof => {
                    let _ = out.send(Piece {
                        buf,
                        lines: 0..0,
                        extra: None,
                        error,
                    });
                    return;
                }
                None => {
                    filled = 0;
                    continue;
                }
            }
        }
        let end = memchr::memrchr(b'\n', &buf[start..filled]).map_or(start, |nl| start + nl + 1);
        let tail = filled - end;
        if eof {
            let extra = (tail > 0).then_some((end..filled, false));
            let _ = out.send(Piece {
                buf,
                lines: start..end,
                extra,
                error,
            });
            return;
        }
        let Some(mut next) = spare(&free, &mut made) else {
            return;
        };
        let extra = if tail >= LINE_MAX {
            skipping = true;
            filled = 0;
            Some((end..end + LINE_MAX, true))
        } else {
            next[..tail].copy_from_slice(&buf[end..filled]);
            filled = tail;
            None
        };
        let piece = Piece {
            buf,
            lines: start..end,
            extra,
            error: None,
        };
        if out.send(piece).is_err() {
            return;
        }
        buf = next;
    }
}

/// A buffer to read into: one that came back, or a new one while fewer
/// than [`BUFFERS`] exist. None when the scanner is gone.
fn spare(free: &Receiver<Vec<u8>>, made: &mut usize) -> Option<Vec<u8>> {
    if let Ok(buf) = free.try_recv() {
        return Some(buf);
    }
    if *made < BUFFERS {
        *made += 1;
        return Some(vec![0u8; CHUNK + LINE_MAX]);
    }
    free.recv().ok()
}
