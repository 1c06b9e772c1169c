//! The worker's log, read as a stream: files (plain or gzip) or standard
//! input, with or without the `docker compose logs` prefix and `-t`
//! timestamps, in the app's line format or as JSON lines (spec §1, "The
//! worker's log"). Only lines that carry one of the app's tags are parsed;
//! the rest are counted. Memory stays flat: lines are read in place from a
//! few fixed buffers, a line that outgrows a buffer is cut to its first
//! [`LINE_MAX`] bytes, and every table kept across lines is bounded.
//!
//! Each block of whole lines is parsed in two parts at once ([`parse`],
//! which keeps no state), then handed over in order by the [`Scanner`],
//! which follows each stream's job, each run's call and each traceback
//! across lines and blocks. The thread that parses a block's second part
//! then reads the next block ([`read`]): two threads, one per core, and
//! reading overlaps the hand-over.

mod parse;
mod read;

pub use read::AheadFile;

use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use parse::{Kind, Parsed, SidRef};

use crate::bounded::Bounded;
use crate::sid::CallSid;

/// What is kept of a line that outgrows the read buffer; the rest of it
/// is skipped.
pub const LINE_MAX: usize = 64 * 1024;
/// Read size: a block of whole lines parsed in two parts at once. 2 MiB
/// rather than 1: half the hand-offs between threads, 3 % faster on 1 GiB,
/// for a few MiB more memory (two buffers take turns).
const CHUNK: usize = 2 << 20;
/// Runs followed to their call: the 2,048 picked last at least (small
/// enough to stay in the CPU's cache).
const TRACKED: usize = 2_048;
/// Streams followed (the compose services: a few; a line's own call is
/// never lost beyond them, only the stream's current job).
const STREAMS: usize = 256;
/// A block at least this long is parsed in two parts at once.
const PARALLEL_MIN: usize = 256 * 1024;
/// The helper's part of a block is parsed and handed over in pieces of
/// about this size.
const PIECE: usize = 256 * 1024;
/// This thread parses its own part in pieces of about this size, each
/// handed over at once.
const OWN_PIECE: usize = 64 * 1024;
/// Emptied record lists kept for reuse, at most (about as many pieces as
/// a block has).
const SPARES: usize = 16;

/// What one line of the log says, when it says something about downloads.
#[derive(Debug, Clone, PartialEq)]
pub enum Event<'a> {
    /// `[DOWNLOAD_ONLY] Starting download for <SID>`.
    Started,
    /// The file was written (`Downloaded …`, `Recording saved: …`, `Complete: …`).
    Saved,
    /// The download failed (`Failed to download for`, `All download attempts failed`,
    /// `Job error`, `Failed to create RecordingRun …`, `Skipping download …`).
    Failed { detail: &'a str },
    /// A line that says why (401, 403, 5xx, timeout, missing credentials,
    /// circuit breaker, disk, no slot).
    Cause(LogCause),
    /// `Slow download detected (<s>s)`.
    Slow(f64),
    /// The worker started (RQ's `Worker … started with PID …`).
    WorkerStart,
    /// `DB schema appears outdated` / `Missing tables: …` at worker start.
    SchemaOutdated(Option<&'a str>),
    /// RQ's `Work horse killed for job …` with a signal (or `None`): the
    /// job's work-horse was killed (the OOM killer, `docker kill`, RQ's
    /// hard kill); RQ retries the job under the same id while it has
    /// retries left.
    HorseKilled,
}

/// Why a download failed, as the worker's log says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LogCause {
    Unauthorized401,
    Forbidden403,
    ServerError5xx,
    Timeout,
    MissingCredentials,
    NoSlot,
    CircuitBreaker,
    DiskSaveFailed,
    /// The download's work-horse was killed mid-job.
    WorkHorseKilled,
    /// A worker refused to start: another is registered under its name.
    WorkerNameClash,
    Other,
}

/// One recognised line, borrowed from the read buffer: whoever keeps a
/// part of it copies that part.
#[derive(Debug, Clone, PartialEq)]
pub struct Line<'a> {
    /// When it was written: the docker `-t` stamp, else the app's own
    /// (`[YYYY-MM-DD HH:MM:SS]`, the container's clock, taken as UTC).
    pub at: Option<jiff::Timestamp>,
    /// The compose service (`worker-1`), when the prefix is there.
    pub stream: Option<&'a str>,
    pub level: Option<&'a str>,
    pub call_sid: Option<&'a str>,
    /// The call's SID as a table key ([`crate::sid::CallSid::key`]), with
    /// `call_sid`.
    pub call_key: Option<u128>,
    pub event: Option<&'a Event<'a>>,
    pub message: &'a str,
}

/// Counts of what was read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadStats {
    pub lines: u64,
    pub recognised: u64,
    pub long_lines: u64,
    pub invalid_utf8: u64,
    /// The input ended in an error (a truncated gzip, an I/O error).
    pub error: Option<String>,
}

/// What the scanner hands over (a line by reference: passed by value, the
/// receiver's first wide read of it waited on the sender's narrow writes).
pub enum Item<'a> {
    Line(&'a Line<'a>),
    /// The last line of a traceback (its exception).
    Traceback(&'a str),
}

/// The callback items go to.
pub type Sink<'s> = dyn for<'a> FnMut(Item<'a>) + 's;

/// Reads a log and hands each recognised line, and each folded traceback,
/// to the caller.
pub struct Scanner {
    /// Per stream (the compose services: a few), the SID of the job being
    /// processed, for lines that do not name it (`No slot available …`,
    /// `Failed to save …`).
    current: Vec<(String, u128)>,
    /// The entry of `current` looked up last: a stream's lines come in
    /// runs, so it is looked at first.
    last_stream: usize,
    /// The run and call put in `runs` last: `Job picked` repeats what
    /// `Created RecordingRun` said just before it.
    last_run: Option<(u64, u128)>,
    /// run id → SID, from `Created RecordingRun` and `Job picked`.
    runs: Bounded<u64, u128>,
    /// Inside a traceback: the stream it belongs to.
    traceback: Option<Option<String>>,
    last_at: Option<jiff::Timestamp>,
    /// The text of a call kept across lines by its key ([`CallSid::key`]),
    /// written when a line names its call only through its stream or run.
    sid_text: [u8; 34],
    /// For lines repaired from invalid UTF-8, parsed here.
    memo: parse::StampMemo,
    /// The share of a block the calling thread parses itself, in 1/64ths:
    /// it also hands every line over, so it takes less than half; the
    /// share follows which thread was done first with the last block.
    share: usize,
    /// Blocks shorter than this are parsed on the calling thread alone.
    parallel_min: usize,
    /// This thread parses its own part in pieces of about this size.
    own_piece: usize,
    /// Emptied record lists, kept for the next pieces: a new list for
    /// every piece was memory fetched from the kernel and given back
    /// (page faults that cost as much as the parsing they served).
    spares: Vec<Records<'static>>,
}

/// The parsed lines of a piece of a block.
type Records<'a> = Vec<Parsed<'a>>;

/// An emptied list, its memory kept for records of another block.
// `filter_map` and not `filter`: it is what changes the records' lifetime.
#[allow(clippy::unnecessary_filter_map)]
fn recycle<'b>(mut recs: Records<'_>) -> Records<'b> {
    recs.clear();
    // Collected in place: no record is made, the memory is reused.
    recs.into_iter().filter_map(|_| None).collect()
}

impl Scanner {
    pub fn new() -> Scanner {
        Scanner {
            current: Vec::new(),
            last_stream: 0,
            last_run: None,
            runs: Bounded::new(TRACKED),
            traceback: None,
            last_at: None,
            sid_text: [0; 34],
            memo: parse::StampMemo::default(),
            share: 24,
            parallel_min: PARALLEL_MIN,
            own_piece: OWN_PIECE,
            spares: Vec::new(),
        }
    }

    /// Read `input` to its end (or its first error), calling `each` for
    /// every item. Plain text or gzip, by the first two bytes.
    pub fn scan(&mut self, input: impl Read + Send, stats: &mut ReadStats, each: &mut Sink) {
        let mut input = io::BufReader::with_capacity(LINE_MAX, input);
        let gz = match io::BufRead::fill_buf(&mut input) {
            Ok(head) => head.starts_with(&[0x1f, 0x8b]),
            Err(e) => {
                stats.error = Some(e.to_string());
                return;
            }
        };
        if gz {
            self.scan_plain(flate2::read::MultiGzDecoder::new(input), stats, each);
        } else {
            self.scan_plain(input, stats, each);
        }
    }

    /// Parse and hand over block after block, the next read while this
    /// one is parsed.
    fn scan_plain(&mut self, input: impl Read + Send, stats: &mut ReadStats, each: &mut Sink) {
        let mut blocks = read::Blocks::new(input);
        let (mut buf, mut next_buf) = (Vec::new(), Vec::new());
        let mut block = blocks.fill(&[], &mut buf);
        loop {
            let (lines, carry) = (&buf[block.lines.clone()], &buf[block.carry.clone()]);
            let next = if block.last {
                self.lines(lines, stats, each, || ());
                None
            } else {
                let (blocks, next_buf) = (&mut blocks, &mut next_buf);
                let next = self.lines(lines, stats, each, move || blocks.fill(carry, next_buf));
                if next.is_none() {
                    // Only if the helper never ran `then` (it always does):
                    // stop, and say so rather than end in silence.
                    stats.error = Some("the log's reading stopped".into());
                }
                next
            };
            if let Some((extra, long)) = block.extra.clone() {
                self.lines(&buf[extra], stats, each, || ());
                stats.lines += 1;
                stats.long_lines += u64::from(long);
            }
            if block.error.is_some() {
                stats.error = block.error.take();
            }
            let Some(next) = next else {
                return;
            };
            std::mem::swap(&mut buf, &mut next_buf);
            block = next;
        }
    }

    /// Whole lines (each ending in `\n`, or the last one without). A long
    /// block is parsed on two threads: this one parses its first part and
    /// hands those lines over while the helper parses the rest in pieces,
    /// each handed over here as soon as it is parsed, so neither thread
    /// waits for the other's whole part.
    ///
    /// `then` runs meanwhile (the helper runs it after its part: it reads
    /// the next block while this thread hands the last lines over), and
    /// its result is returned.
    fn lines<T: Send>(
        &mut self,
        chunk: &[u8],
        stats: &mut ReadStats,
        each: &mut Sink,
        then: impl FnOnce() -> T + Send,
    ) -> Option<T> {
        let mut pos = 0usize;
        let cut = (chunk.len() >= self.parallel_min)
            .then(|| line_end_after(chunk, chunk.len() / 64 * self.share))
            .filter(|&cut| cut < chunk.len());
        let pool = helper();
        let (Some(cut), Some(pool)) = (cut, pool) else {
            let got = then();
            self.parse_here(chunk, 0, chunk.len(), &mut pos, stats, each);
            return Some(got);
        };
        let piece = (self.parallel_min / 2).clamp(1, PIECE);
        let (parsed, pieces) = mpsc::channel();
        // The lists go round: the helper takes one for each piece, and
        // this thread gives it back once the piece is handed over.
        let spares = std::sync::Mutex::new(std::mem::take(&mut self.spares));
        let spares = &spares;
        // The helper has done all it had to (parsed its part, then run
        // `then`): looked at once this thread has handed every line over,
        // to balance the next block.
        let finished = AtomicBool::new(false);
        let helper_done = &finished;
        let mut handed = cut;
        let mut helper_first = false;
        let mut got = None;
        let done = &mut got;
        pool.in_place_scope(|s| {
            s.spawn(move |_| {
                let mut from = cut;
                while from < chunk.len() {
                    let to = line_end_after(chunk, from + piece);
                    let mut part = ReadStats::default();
                    let spare = spares.lock().ok().and_then(|mut s| s.pop());
                    let mut recs = spare.map(recycle).unwrap_or_default();
                    parse::block(&chunk[from..to], from, &mut part, &mut recs);
                    if parsed.send((recs, part, to)).is_err() {
                        break;
                    }
                    from = to;
                }
                // The last piece is sent: the channel closes, and the next
                // block is read while this thread hands the rest over.
                drop(parsed);
                *done = Some(then());
                helper_done.store(true, Ordering::Release);
            });
            self.parse_here(chunk, 0, cut, &mut pos, stats, each);
            while let Ok((recs, part, to)) = pieces.recv() {
                stats.lines += part.lines;
                stats.invalid_utf8 += part.invalid_utf8;
                self.hand_over(chunk, &recs, &mut 0, &mut pos, to, stats, each);
                handed = to;
                if let Ok(mut s) = spares.lock()
                    && s.len() < SPARES
                {
                    s.push(recycle(recs));
                }
            }
            helper_first = finished.load(Ordering::Acquire);
        });
        if let Ok(mut s) = spares.lock() {
            self.spares.append(&mut s);
        }
        // Balance: both threads should be done at once. The helper done
        // first: this thread takes less of the next block; else more.
        if helper_first {
            self.share = self.share.saturating_sub(1).max(4);
        } else {
            self.share = (self.share + 1).min(60);
        }
        // The helper stops only at the end; if it ever did not, finish here.
        if handed < chunk.len() {
            self.parse_here(chunk, handed, chunk.len(), &mut pos, stats, each);
        }
        got
    }

    /// Parse `chunk` from `from` up to `until` on this thread and hand its
    /// lines over a piece ([`OWN_PIECE`]) at a time: a piece's records are
    /// still in the CPU's cache when they are handed over.
    #[allow(clippy::too_many_arguments)]
    fn parse_here(
        &mut self,
        chunk: &[u8],
        from: usize,
        until: usize,
        pos: &mut usize,
        stats: &mut ReadStats,
        each: &mut Sink,
    ) {
        let mut from = from;
        let mut recs = self.spares.pop().map(recycle).unwrap_or_default();
        while from < until {
            let to = line_end_after(chunk, from.saturating_add(self.own_piece)).min(until);
            parse::block(&chunk[from..to], from, stats, &mut recs);
            self.hand_over(chunk, &recs, &mut 0, pos, to, stats, each);
            from = to;
        }
        if self.spares.len() < SPARES {
            self.spares.push(recycle(recs));
        }
    }

    /// Hand over the lines of `chunk` from `pos` up to `until`: each parsed
    /// line in `recs` from `next` on, and inside a traceback every line,
    /// parsed or not.
    #[allow(clippy::too_many_arguments)]
    fn hand_over(
        &mut self,
        chunk: &[u8],
        recs: &[Parsed<'_>],
        next: &mut usize,
        pos: &mut usize,
        until: usize,
        stats: &mut ReadStats,
        each: &mut Sink,
    ) {
        loop {
            let rec = recs.get(*next);
            if self.traceback.is_some() {
                if *pos >= until {
                    return;
                }
                let end = memchr::memchr(b'\n', &chunk[*pos..until]).map_or(until, |n| *pos + n);
                let rec = rec.filter(|r| r.start == *pos);
                if rec.is_some() {
                    *next += 1;
                }
                self.traceback_line(&chunk[*pos..end], rec, stats, each);
                *pos = end + 1;
                continue;
            }
            let Some(rec) = rec.filter(|r| r.start < until) else {
                return;
            };
            *next += 1;
            *pos = rec.end + 1;
            self.record(&chunk[rec.start..rec.end], rec, stats, each);
        }
    }

    /// One parsed line.
    fn record(&mut self, raw: &[u8], rec: &Parsed<'_>, stats: &mut ReadStats, each: &mut Sink) {
        match rec.kind {
            Kind::TracebackStart => self.traceback = Some(rec.stream.map(str::to_string)),
            Kind::Line => self.line(rec, stats, each),
            Kind::Invalid => {
                let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
                let text = String::from_utf8_lossy(raw);
                let mut repaired = Parsed::blank(rec.start, rec.end);
                parse::line(&text, None, &mut self.memo, &mut repaired);
                // Parsed text is a line or a traceback's start, never invalid.
                if repaired.kind != Kind::Invalid {
                    self.record(raw, &repaired, stats, each);
                }
            }
        }
    }

    /// A line inside a traceback (`parsed` if it carries a tag).
    fn traceback_line(
        &mut self,
        raw: &[u8],
        parsed: Option<&Parsed<'_>>,
        stats: &mut ReadStats,
        each: &mut Sink,
    ) {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let text = match std::str::from_utf8(raw) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => {
                // A parsed line was counted when it was parsed.
                if parsed.is_none() {
                    stats.invalid_utf8 += 1;
                }
                String::from_utf8_lossy(raw)
            }
        };
        let (stream, rest) = parse::strip_prefix(&text);
        let (_, rest) = parse::strip_docker_time(rest);
        let ours = self.traceback.as_ref().and_then(|s| s.as_deref());
        if stream.is_some() && stream != ours {
            // Another worker's line, interleaved: not part of this
            // traceback, but a line in its own right.
            if let Some(rec) = parsed {
                self.record(raw, rec, stats, each);
            }
            return;
        }
        if rest.starts_with(' ')
            || rest.starts_with('\t')
            || rest.is_empty()
            || rest.starts_with("Traceback")
        {
            return;
        }
        self.traceback = None;
        stats.recognised += 1;
        each(Item::Traceback(rest.trim()));
    }

    /// A recognised line, its call resolved from what the scanner keeps.
    fn line(&mut self, f: &Parsed<'_>, stats: &mut ReadStats, each: &mut Sink) {
        let stream = f.stream.unwrap_or("");
        if let SidRef::In(_) = f.sid {
            let key = f.key();
            if let Some(run) = f.run {
                let run = (run_key(run), key);
                if self.last_run != Some(run) {
                    self.runs.insert(run.0, key);
                    self.last_run = Some(run);
                }
            }
            if f.current {
                self.set_current(stream, key);
            }
        }
        // The line's time, else the last one seen; written only when it
        // moves (most lines repeat the last second).
        if f.at.is_some() && f.at != self.last_at {
            self.last_at = f.at;
        }
        let at = self.last_at;
        let call_key = match f.sid {
            SidRef::In(_) => Some(f.key()),
            SidRef::Current => self.current_of(stream),
            SidRef::Run(run) => match self.runs.get(&run_key(run)) {
                Some(key) => Some(*key),
                None => self.current_of(stream),
            },
            SidRef::None => None,
        };
        let call_sid = match (&f.sid, call_key) {
            (SidRef::In(s), _) => Some(*s),
            (_, Some(key)) => {
                self.sid_text = CallSid::key_text(key);
                std::str::from_utf8(&self.sid_text).ok()
            }
            (_, None) => None,
        };
        stats.recognised += 1;
        each(Item::Line(&Line {
            at,
            stream: f.stream,
            level: f.level,
            call_sid,
            call_key,
            event: f.event.as_ref(),
            message: f.message,
        }));
    }

    fn current_of(&mut self, stream: &str) -> Option<u128> {
        let at = self.stream_at(stream)?;
        self.current.get(at).map(|(_, key)| *key)
    }

    fn set_current(&mut self, stream: &str, key: u128) {
        if let Some(v) = self.stream_at(stream).and_then(|i| self.current.get_mut(i)) {
            v.1 = key;
        } else if self.current.len() < STREAMS {
            self.last_stream = self.current.len();
            self.current.push((stream.to_string(), key));
        }
    }

    /// Where `stream` is in `current`: the last one found first.
    fn stream_at(&mut self, stream: &str) -> Option<usize> {
        if self
            .current
            .get(self.last_stream)
            .is_some_and(|(s, _)| same(s, stream))
        {
            return Some(self.last_stream);
        }
        let at = self.current.iter().position(|(s, _)| same(s, stream))?;
        self.last_stream = at;
        Some(at)
    }
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner::new()
    }
}

/// Stream names are short: compared byte by byte, without a call to
/// `memcmp` on every line.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// Just past the first `\n` at or after `from` (the end when none).
fn line_end_after(chunk: &[u8], from: usize) -> usize {
    let from = from.min(chunk.len());
    memchr::memchr(b'\n', &chunk[from..]).map_or(chunk.len(), |n| from + n + 1)
}

/// The one thread that parses the second part of each block and then reads
/// the next block, started on first use (None if it cannot be: then blocks
/// are read and parsed here).
/// One, not one per core: a single part is handed out at a time, and idle
/// pool threads spin a while before they sleep, which costs the busy ones.
fn helper() -> Option<&'static rayon::ThreadPool> {
    static POOL: std::sync::LazyLock<Option<rayon::ThreadPool>> = std::sync::LazyLock::new(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .thread_name(|_| "recdiag-parse".into())
            .build()
            .ok()
    });
    POOL.as_ref()
}

/// A run id as a table key: the app's ids are integers; anything else is
/// hashed (and kept apart from the integers by the top bit).
fn run_key(run: &str) -> u64 {
    match run.parse::<u64>() {
        Ok(n) if n >> 63 == 0 => n,
        _ => {
            use std::hash::BuildHasher;
            foldhash::fast::FixedState::with_seed(0).hash_one(run) | 1 << 63
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the tests look at, owned.
    #[derive(Debug, PartialEq)]
    struct Seen {
        at: Option<jiff::Timestamp>,
        stream: Option<String>,
        level: Option<String>,
        call_sid: Option<String>,
        event: Option<String>,
    }

    #[derive(Debug, PartialEq)]
    enum Got {
        Line(Seen),
        Traceback(String),
    }

    fn scan(text: &[u8]) -> (Vec<Got>, ReadStats) {
        scan_with(Scanner::new(), text)
    }

    fn scan_with(mut scanner: Scanner, input: impl Read + Send) -> (Vec<Got>, ReadStats) {
        let mut items = Vec::new();
        let mut stats = ReadStats::default();
        scanner.scan(input, &mut stats, &mut |i| {
            items.push(match i {
                Item::Line(l) => Got::Line(Seen {
                    at: l.at,
                    stream: l.stream.map(str::to_string),
                    level: l.level.map(str::to_string),
                    call_sid: l.call_sid.map(str::to_string),
                    event: l.event.map(|e| format!("{e:?}")),
                }),
                Item::Traceback(t) => Got::Traceback(t.to_string()),
            })
        });
        (items, stats)
    }

    fn lines(items: &[Got]) -> Vec<&Seen> {
        items
            .iter()
            .filter_map(|i| match i {
                Got::Line(l) => Some(l),
                _ => None,
            })
            .collect()
    }

    const SID: &str = "CA00000000000000000000000000000002";

    #[test]
    fn the_apps_format_with_and_without_the_compose_prefix_and_stamps() {
        let log = format!(
            "[2026-11-25 09:08:48] ERROR [server.services.recording_service] [RECORDING_SERVICE] Authentication failed (401) for {SID}\n\
             worker-1  | [2026-11-25 09:08:49] ERROR [x] [DOWNLOAD_ONLY] Failed to download for {SID}\n\
             worker-2  | 2026-11-25T09:08:50.123456789Z [2026-11-25 09:08:50] INFO [x] [DOWNLOAD_ONLY] Starting download for {SID}\n\
             {{\"timestamp\": \"2026-11-25T09:08:51\", \"level\": \"ERROR\", \"module\": \"m\", \"message\": \"[RECORDING_SERVICE] Access forbidden (403) for {SID}\"}}\n\
             unrelated line\n"
        );
        let (items, stats) = scan(log.as_bytes());
        let l = lines(&items);
        assert_eq!(stats.lines, 5);
        assert_eq!(l.len(), 4);
        assert_eq!(l[0].event.as_deref(), Some("Cause(Unauthorized401)"));
        assert_eq!(l[0].call_sid.as_deref(), Some(SID));
        assert_eq!(l[0].level.as_deref(), Some("ERROR"));
        assert_eq!(l[1].stream.as_deref(), Some("worker-1"));
        assert!(
            l[1].event
                .as_deref()
                .is_some_and(|e| e.starts_with("Failed"))
        );
        assert_eq!(l[2].event.as_deref(), Some("Started"));
        assert_eq!(
            l[2].at.map(|t| t.to_string()),
            Some("2026-11-25T09:08:50.123456789Z".to_string())
        );
        assert_eq!(l[3].event.as_deref(), Some("Cause(Forbidden403)"));
    }

    #[test]
    fn no_slot_names_the_call_of_its_stream() {
        let log = format!(
            "worker-1 | [2026-11-25 09:00:00] INFO [j] [RQ_RECORDING] Job picked: run_id=14 call_sid={SID} business_id=7 job_type=download\n\
             worker-2 | [2026-11-25 09:00:00] INFO [j] [RQ_RECORDING] Job picked: run_id=15 call_sid=CA00000000000000000000000000000003 business_id=7 job_type=download\n\
             worker-1 | [2026-11-25 09:00:01] WARNING [j] ⚠️ [RQ_RECORDING] No slot available for business 7, status=queued\n\
             worker-1 | [2026-11-25 09:00:01] ERROR [j] ❌ [RQ_RECORDING] Job error: run_id=14 error=No slot available: queued\n"
        );
        let (items, _) = scan(log.as_bytes());
        let l = lines(&items);
        assert_eq!(l[2].call_sid.as_deref(), Some(SID));
        assert_eq!(l[2].event.as_deref(), Some("Cause(NoSlot)"));
        assert_eq!(l[3].call_sid.as_deref(), Some(SID));
    }

    #[test]
    fn tracebacks_fold_to_their_last_line_even_interleaved() {
        let log = b"worker-1 | [2026-11-25 09:00:00] ERROR [j] [RQ_RECORDING] Job error: run_id=1 error=boom\n\
            worker-1 | Traceback (most recent call last):\n\
            worker-1 |   File \"x.py\", line 1, in f\n\
            worker-2 | [2026-11-25 09:00:00] INFO [j] [DOWNLOAD_ONLY] Starting download for CA00000000000000000000000000000009\n\
            worker-1 |     raise ValueError('x')\n\
            worker-1 | ValueError: x\n";
        let (items, _) = scan(log);
        let folded: Vec<&String> = items
            .iter()
            .filter_map(|i| match i {
                Got::Traceback(t) => Some(t),
                _ => None,
            })
            .collect();
        assert_eq!(folded, ["ValueError: x"]);
    }

    #[test]
    fn counts_hold_across_buffer_growth() {
        let line = "[2026-11-25 09:00:00] INFO [x] [DOWNLOAD_ONLY] Starting download for CA00000000000000000000000000000002\n";
        let n = 50_000;
        let (items, stats) = scan(line.repeat(n).as_bytes());
        assert_eq!(stats.lines, n as u64);
        assert_eq!(lines(&items).len(), n);
    }

    #[test]
    fn bad_input_is_counted_never_fatal() {
        // Invalid UTF-8, a line of 10 MB, no final newline.
        let mut log = b"[2026-11-25 09:00:00] ERROR [x] [RECORDING_SERVICE] Authentication failed (401) for CA00000000000000000000000000000002 \xff\xfe\n".to_vec();
        log.extend(std::iter::repeat_n(b'a', 10 * 1024 * 1024));
        log.extend(b"\n[2026-11-25 09:00:01] INFO [x] [DOWNLOAD_ONLY] Starting download for CA00000000000000000000000000000002");
        let (items, stats) = scan(&log);
        assert_eq!(stats.invalid_utf8, 1);
        assert_eq!(stats.long_lines, 1);
        assert_eq!(stats.lines, 3);
        assert_eq!(lines(&items).len(), 2);
        // A truncated gzip: what was read counts, the error is said.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &log[..200]).unwrap();
        let whole = gz.finish().unwrap();
        let (_, stats) = scan(&whole[..whole.len() - 10]);
        assert!(stats.error.is_some());
    }

    /// A log that crosses every seam: three interleaved streams, tracebacks
    /// (some interrupted by another stream's tagged lines, some without the
    /// compose prefix), invalid UTF-8, CRLF, lines without a tag, runs named
    /// only by their id, and a line longer than the read buffer.
    fn seams_log(calls: usize) -> Vec<u8> {
        let mut log = Vec::new();
        for n in 0..calls {
            let sid = format!("CA{n:032x}");
            let w = format!("worker-{}  | ", n % 3);
            let o = format!("worker-{}  | ", (n + 1) % 3);
            let t = format!("[2026-11-25 09:{:02}:{:02}]", n / 60 % 60, n % 60);
            let mut add = |s: String| log.extend_from_slice(s.as_bytes());
            add(format!(
                "{w}{t} INFO [j] [RQ_RECORDING] Created RecordingRun {n} for call_sid={sid}\n"
            ));
            add(format!(
                "{w}{t} INFO [j] [RQ_RECORDING] Job picked: run_id={n} call_sid={sid} business_id=1\n"
            ));
            add(format!("{o}{t} INFO [werkzeug] GET /health 200 שלום 📞\n"));
            add(format!(
                "{w}{t} INFO [s] [DOWNLOAD_ONLY] Starting download for {sid}\r\n"
            ));
            match n % 7 {
                0 => {
                    add(format!(
                        "{w}{t} ERROR [s] [RECORDING_SERVICE] Authentication failed (401) for {sid}\n"
                    ));
                    add(format!(
                        "{w}Traceback (most recent call last):\n{w}  File \"x.py\", line {n}, in f\n"
                    ));
                    add(format!(
                        "{o}{t} INFO [s] [DOWNLOAD_ONLY] Starting download for CA{:032x}\n",
                        n + 1_000_000
                    ));
                    add(format!(
                        "{w}    raise HTTPError({n})\n{w}requests.exceptions.HTTPError: 401 #{}\n",
                        n % 5
                    ));
                    add(format!(
                        "{w}{t} ERROR [j] [RQ_RECORDING] Job error: run_id={n} error=HTTP 401\n"
                    ));
                }
                1 => {
                    add(format!(
                        "{w}{t} WARNING [j] [RQ_RECORDING] No slot available for business 1, status=queued\n"
                    ));
                    add(format!(
                        "Traceback (most recent call last):\n  File \"y.py\", line 2, in g\nValueError: {}\n",
                        n % 3
                    ));
                }
                2 => {
                    log.extend_from_slice(w.as_bytes());
                    log.extend_from_slice(b"[2026-11-25 09:00:00] ERROR [s] [RECORDING_SERVICE] Failed to save recording to disk \xff\xfe for ");
                    log.extend_from_slice(sid.as_bytes());
                    log.push(b'\n');
                }
                3 if n == 3 => {
                    // Longer than a read buffer holds: cut.
                    log.extend(std::iter::repeat_n(b'x', CHUNK + 2 * LINE_MAX));
                    log.extend_from_slice(b" [RQ_RECORDING] hidden\n");
                }
                _ => {
                    add(format!(
                        "{w}{t} INFO [s] [RECORDING_SERVICE] Recording saved: /r/{sid}.mp3 (10 bytes) - took 1.2s\n"
                    ));
                    add(format!(
                        "{w}{t} INFO [j] [RQ_RECORDING] Complete: run_id={n} call_sid={sid} duration_ms=1\n"
                    ));
                }
            }
        }
        log
    }

    /// Hands out a few bytes at a time, like a pipe.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.step = self.step % 9973 + 7919;
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn two_threads_and_any_read_size_see_what_one_thread_sees() {
        let log = seams_log(40_000);
        assert!(log.len() > 4 * CHUNK, "the log spans several blocks");
        let mut alone = Scanner::new();
        alone.parallel_min = usize::MAX;
        alone.own_piece = usize::MAX;
        let (expected, expected_stats) = scan_with(alone, log.as_slice());
        assert!(expected.iter().any(|g| matches!(g, Got::Traceback(_))));
        assert!(
            expected_stats.invalid_utf8 > 0 && expected_stats.long_lines > 0,
            "{expected_stats:?}"
        );
        // Blocks split wherever the share puts the cut, the helper's part
        // handed over a line at a time or in pieces of 32 KiB; this
        // thread's part parsed a line at a time or in its usual pieces.
        for (min, own) in [(1, 1), (64 * 1024, OWN_PIECE), (usize::MAX, 1)] {
            let mut split = Scanner::new();
            split.parallel_min = min;
            split.own_piece = own;
            let (items, stats) = scan_with(split, log.as_slice());
            assert_eq!(stats, expected_stats);
            assert!(items == expected, "the split read differs ({min}, {own})");
        }
        // Reads of a few kilobytes, as from a pipe.
        let (items, stats) = scan_with(
            Scanner::new(),
            Trickle {
                data: &log,
                step: 0,
            },
        );
        assert_eq!(stats, expected_stats);
        assert!(items == expected, "the trickled read differs");
        // Gzip, read the same way.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &log).unwrap();
        let (items, stats) = scan_with(Scanner::new(), gz.finish().unwrap().as_slice());
        assert_eq!(stats, expected_stats);
        assert!(items == expected, "the gzip read differs");
    }

    #[test]
    fn a_block_cut_anywhere_reads_the_same() {
        // One block of a few hundred lines, cut at every 64th of it: the
        // cut falls inside tracebacks, between a traceback and the other
        // stream's lines within it, and next to invalid lines.
        let log: Vec<u8> = seams_log(60)
            .split_inclusive(|&b| b == b'\n')
            .filter(|l| l.len() < LINE_MAX)
            .flatten()
            .copied()
            .collect();
        let mut alone = Scanner::new();
        alone.parallel_min = usize::MAX;
        alone.own_piece = usize::MAX;
        let expected = scan_with(alone, log.as_slice());
        for share in 0..64 {
            let mut split = Scanner::new();
            split.parallel_min = 1;
            split.share = share;
            // This thread's part a line at a time, or in pieces of 1 KiB.
            split.own_piece = if share % 2 == 0 { 1 } else { 1024 };
            assert!(
                scan_with(split, log.as_slice()) == expected,
                "share {share}"
            );
        }
    }
}
