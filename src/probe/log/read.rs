//! The input, cut into blocks of whole lines. Two buffers take turns:
//! while one block is handed over, the next is read into the other by the
//! thread that parsed the block's second part, so reading (the kernel's
//! copy, gzip) overlaps the work without a third thread competing for the
//! cores. Memory stays flat.

use std::io::{self, Read};
use std::ops::Range;

use super::{CHUNK, LINE_MAX};

/// What one block of the input holds, in the buffer it was read into.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Block {
    /// Whole lines, each ending in `\n`.
    pub lines: Range<usize>,
    /// Then one more line: the input's last, without its `\n`, or the
    /// first [`LINE_MAX`] bytes of a longer line (`true`: the rest is
    /// skipped).
    pub extra: Option<(Range<usize>, bool)>,
    /// The start of the next block's first line, carried over to it.
    pub carry: Range<usize>,
    /// The input ended in this error (a truncated gzip, an I/O error).
    pub error: Option<String>,
    /// Nothing follows this block.
    pub last: bool,
}

/// The input, read a block at a time.
pub struct Blocks<R> {
    input: R,
    /// Skipping the rest of a line longer than [`LINE_MAX`].
    skipping: bool,
}

impl<R: Read> Blocks<R> {
    pub fn new(input: R) -> Blocks<R> {
        Blocks {
            input,
            skipping: false,
        }
    }

    /// The next block, read into `buf`: `carry` (the previous block's
    /// unfinished line) first, then as much of the input as fits.
    pub fn fill(&mut self, carry: &[u8], buf: &mut Vec<u8>) -> Block {
        if buf.len() != CHUNK + LINE_MAX {
            // Zeroed by the allocator, page by page as it is touched: a
            // short log does not pay for writing the whole buffer.
            *buf = vec![0u8; CHUNK + LINE_MAX];
        }
        let mut filled = carry.len().min(buf.len());
        buf[..filled].copy_from_slice(&carry[..filled]);
        loop {
            let mut error = None;
            let mut eof = false;
            while filled < buf.len() {
                match self.input.read(&mut buf[filled..]) {
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
            if self.skipping {
                match memchr::memchr(b'\n', &buf[..filled]) {
                    Some(nl) => {
                        start = nl + 1;
                        self.skipping = false;
                    }
                    None if eof => {
                        return Block {
                            error,
                            last: true,
                            ..Block::default()
                        };
                    }
                    None => {
                        filled = 0;
                        continue;
                    }
                }
            }
            let end =
                memchr::memrchr(b'\n', &buf[start..filled]).map_or(start, |nl| start + nl + 1);
            let tail = filled - end;
            if eof {
                return Block {
                    lines: start..end,
                    extra: (tail > 0).then_some((end..filled, false)),
                    carry: 0..0,
                    error,
                    last: true,
                };
            }
            if tail >= LINE_MAX {
                self.skipping = true;
                return Block {
                    lines: start..end,
                    extra: Some((end..end + LINE_MAX, true)),
                    carry: 0..0,
                    error: None,
                    last: false,
                };
            }
            return Block {
                lines: start..end,
                extra: None,
                carry: end..filled,
                error: None,
                last: false,
            };
        }
    }
}

/// A log file, read with a hint to the kernel to fetch what follows: the
/// thread that reads a block parses too, so without it the disk would
/// idle while a block is parsed. A hint only: nothing is written, and a
/// hint refused changes nothing.
pub struct AheadFile {
    file: std::fs::File,
    pos: u64,
    hinted: u64,
}

/// How far ahead of the reading the kernel is asked to fetch.
const AHEAD: u64 = 16 << 20;

impl AheadFile {
    pub fn new(file: std::fs::File) -> AheadFile {
        AheadFile {
            file,
            pos: 0,
            hinted: 0,
        }
    }
}

impl Read for AheadFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        self.pos += n as u64;
        if n > 0 && self.pos + AHEAD / 2 > self.hinted {
            let from = self.hinted.max(self.pos);
            let _ = rustix::fs::fadvise(
                &self.file,
                from,
                std::num::NonZeroU64::new(self.pos + AHEAD - from),
                rustix::fs::Advice::WillNeed,
            );
            self.hinted = self.pos + AHEAD;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the blocks hold, put back together: every line, each long
    /// line cut to its first `LINE_MAX` bytes and a `\n`.
    fn reassembled(input: &[u8]) -> (Vec<u8>, usize) {
        let mut blocks = Blocks::new(input);
        let (mut buf, mut next) = (Vec::new(), Vec::new());
        let mut out = Vec::new();
        let mut block = blocks.fill(&[], &mut buf);
        let mut n = 1;
        loop {
            out.extend_from_slice(&buf[block.lines.clone()]);
            if let Some((extra, long)) = block.extra.clone() {
                out.extend_from_slice(&buf[extra]);
                if long {
                    out.push(b'\n');
                }
            }
            if block.last {
                return (out, n);
            }
            let carry = block.carry.clone();
            block = blocks.fill(&buf[carry], &mut next);
            std::mem::swap(&mut buf, &mut next);
            n += 1;
        }
    }

    #[test]
    fn blocks_hold_every_line_once_and_cut_long_ones() {
        let mut input = Vec::new();
        let mut expected = Vec::new();
        for i in 0..60_000 {
            let line = format!("line {i} {}\n", "x".repeat(i % 97));
            input.extend_from_slice(line.as_bytes());
            expected.extend_from_slice(line.as_bytes());
            if i == 30_000 {
                // Longer than a block: its first LINE_MAX bytes are kept.
                let long = vec![b'y'; CHUNK + 3 * LINE_MAX];
                input.extend_from_slice(&long);
                input.push(b'\n');
                expected.extend_from_slice(&long[..LINE_MAX]);
                expected.push(b'\n');
            }
        }
        input.extend_from_slice(b"no newline at the end");
        expected.extend_from_slice(b"no newline at the end");
        let (out, blocks) = reassembled(&input);
        assert!(blocks > 2, "{blocks} blocks");
        assert!(out == expected, "the blocks differ from the input");
    }

    #[test]
    fn empty_input_is_one_empty_last_block() {
        let mut buf = Vec::new();
        let block = Blocks::new(&b""[..]).fill(&[], &mut buf);
        assert!(block.last && block.lines.is_empty() && block.extra.is_none());
    }
}
