//! The worker's log, read as a stream: files (plain or gzip) or standard
//! input, with or without the `docker compose logs` prefix and `-t`
//! timestamps, in the app's line format or as JSON lines (spec §1, "The
//! worker's log"). Only lines that carry one of the app's tags are parsed;
//! the rest are counted. Memory stays flat: lines are read in place from a
//! fixed buffer, a line longer than [`LINE_MAX`] is cut, and every table
//! kept across lines is bounded.

use std::collections::VecDeque;
use std::io::{self, Read};

use aho_corasick::AhoCorasick;

/// A searcher for a literal, built once per call site: `str::find` and
/// `memmem::find` both set one up on every call, which dominated the
/// profile of a 1 GiB log.
macro_rules! finder {
    ($needle:literal) => {{
        static F: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new($needle));
        &*F
    }};
}

/// `$hay` contains the literal.
macro_rules! has {
    ($hay:expr, $needle:literal) => {
        finder!($needle).find($hay.as_bytes()).is_some()
    };
}

/// `$hay` split around the first occurrence of the literal.
macro_rules! split {
    ($hay:expr, $needle:literal) => {{
        let hay: &str = $hay;
        finder!($needle)
            .find(hay.as_bytes())
            .and_then(|at| Some((hay.get(..at)?, hay.get(at + $needle.len()..)?)))
    }};
}

/// Longest line kept; the rest of a longer line is skipped.
pub const LINE_MAX: usize = 64 * 1024;
/// Read size.
const CHUNK: usize = 1 << 20;
/// Entries kept in each table that follows downloads across lines.
const TRACKED: usize = 10_000;

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
    pub event: Option<Event<'a>>,
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

/// The app's tags, and the other lines worth a look. `RECORDING_SERVICE`
/// without brackets also finds JSON lines whose message dropped them.
const TAGS: [&str; 8] = [
    "[RQ_RECORDING]",
    "[DOWNLOAD_ONLY]",
    "[CIRCUIT_BREAKER]",
    "Traceback (most recent call last)",
    "DB schema appears outdated",
    "Missing tables:",
    "started with PID",
    "RECORDING_SERVICE",
];

/// Indices into [`TAGS`].
const RQ_RECORDING: usize = 0;
const DOWNLOAD_ONLY: usize = 1;
const TRACEBACK: usize = 3;
const RECORDING_SERVICE: usize = 7;

/// The tag the automaton found in a line: which, and where it ends.
#[derive(Debug, Clone, Copy)]
struct Tag {
    index: usize,
    /// Byte offset just past the tag, from the line's start.
    end: usize,
}

/// Reads a log and hands each recognised line, and each folded traceback,
/// to the caller.
pub struct Scanner {
    /// The app's tags; None only if the automaton could not be built,
    /// and then every line is parsed.
    tags: Option<&'static TagSearch>,
    /// Per stream, the SID of the job being processed (for lines that do
    /// not name it: `No slot available …`, `Failed to save …`).
    current: foldhash::HashMap<String, String>,
    /// run id → SID, from `Created RecordingRun` and `Job picked`.
    runs: foldhash::HashMap<String, String>,
    run_order: VecDeque<String>,
    /// Inside a traceback: the stream it belongs to.
    traceback: Option<Option<String>>,
    last_at: Option<jiff::Timestamp>,
    /// The app's stamps have a second's resolution: the last one parsed.
    last_stamp: String,
    last_stamp_at: Option<jiff::Timestamp>,
}

/// The tag searcher: SIMD (Teddy) where the CPU has it — it skips whole
/// vectors of bytes that cannot start a tag — else a DFA. Built once per
/// process (building costs more than scanning a short input).
pub struct TagSearch {
    packed: Option<aho_corasick::packed::Searcher>,
    dfa: AhoCorasick,
}

impl TagSearch {
    fn build() -> Option<TagSearch> {
        let packed = aho_corasick::packed::Config::new()
            .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(TAGS)
            .build();
        let dfa = AhoCorasick::builder()
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(TAGS)
            .ok()?;
        Some(TagSearch { packed, dfa })
    }

    /// The leftmost tag in `hay`: (start, which, length).
    fn find(&self, hay: &[u8]) -> Option<(usize, usize, usize)> {
        match &self.packed {
            Some(p) => p
                .find(hay)
                .map(|m| (m.start(), m.pattern().as_usize(), m.len())),
            None => self
                .dfa
                .find(hay)
                .map(|m| (m.start(), m.pattern().as_usize(), m.len())),
        }
    }

    fn is_match(&self, hay: &[u8]) -> bool {
        self.find(hay).is_some()
    }
}

static TAG_AUTOMATON: std::sync::LazyLock<Option<TagSearch>> =
    std::sync::LazyLock::new(TagSearch::build);

/// What the scanner hands over.
pub enum Item<'a> {
    Line(Line<'a>),
    /// The last line of a traceback (its exception).
    Traceback(&'a str),
}

/// The callback items go to.
pub type Sink<'s> = dyn for<'a> FnMut(Item<'a>) + 's;

impl Scanner {
    pub fn new() -> Scanner {
        Scanner {
            tags: TAG_AUTOMATON.as_ref(),
            current: foldhash::HashMap::default(),
            runs: foldhash::HashMap::default(),
            run_order: VecDeque::new(),
            traceback: None,
            last_at: None,
            last_stamp: String::new(),
            last_stamp_at: None,
        }
    }

    /// Read `input` to its end (or its first error), calling `each` for
    /// every item. Plain text or gzip, by the first two bytes.
    pub fn scan(&mut self, input: impl Read, stats: &mut ReadStats, each: &mut Sink) {
        let mut input = io::BufReader::with_capacity(CHUNK, input);
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

    fn scan_plain(&mut self, mut input: impl Read, stats: &mut ReadStats, each: &mut Sink) {
        // Small at first (a short input costs little), doubled while reads
        // keep filling it, up to a chunk plus the longest line.
        let mut buf = vec![0u8; LINE_MAX];
        let mut filled = 0usize;
        // Skipping the rest of a line longer than LINE_MAX.
        let mut skipping = false;
        loop {
            let n = match input.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    stats.error = Some(e.to_string());
                    break;
                }
            };
            filled += n;
            let full = filled == buf.len();
            let mut start = 0usize;
            if skipping {
                match memchr::memchr(b'\n', &buf[..filled]) {
                    Some(nl) => {
                        start = nl + 1;
                        skipping = false;
                    }
                    None => {
                        filled = 0;
                        continue;
                    }
                }
            }
            // Whole lines in buf[start..end].
            let end = match memchr::memrchr(b'\n', &buf[start..filled]) {
                Some(nl) => start + nl + 1,
                None => start,
            };
            self.lines(&buf[start..end], stats, each);
            // Keep the partial tail; cut it if it is already too long.
            let tail = filled - end;
            if tail >= LINE_MAX {
                self.lines(&buf[end..end + LINE_MAX], stats, each);
                stats.lines += 1;
                stats.long_lines += 1;
                skipping = true;
                filled = 0;
            } else {
                buf.copy_within(end..filled, 0);
                filled = tail;
            }
            if full && buf.len() < CHUNK + LINE_MAX {
                let grown = (buf.len() * 2).min(CHUNK + LINE_MAX);
                buf.resize(grown, 0);
            }
        }
        if filled > 0 && !skipping {
            let last = buf[..filled].to_vec();
            self.lines(&last, stats, each);
            stats.lines += 1;
        }
    }

    /// Whole lines (each ending in `\n`, or the last one without).
    fn lines(&mut self, chunk: &[u8], stats: &mut ReadStats, each: &mut Sink) {
        stats.lines += memchr::memchr_iter(b'\n', chunk).count() as u64;
        let mut pos = 0usize;
        while pos < chunk.len() {
            if self.traceback.is_some() {
                // Inside a traceback: every line until its exception.
                let end = memchr::memchr(b'\n', &chunk[pos..]).map_or(chunk.len(), |n| pos + n);
                self.traceback_line(&chunk[pos..end], stats, each);
                pos = end + 1;
                continue;
            }
            let (hit, tag) = match &self.tags {
                Some(tags) => match tags.find(&chunk[pos..]) {
                    Some((start, index, len)) => (pos + start, Some((index, len))),
                    None => break,
                },
                None => (pos, None),
            };
            let line_start = memchr::memrchr(b'\n', &chunk[pos..hit]).map_or(pos, |n| pos + n + 1);
            let line_end = memchr::memchr(b'\n', &chunk[hit..]).map_or(chunk.len(), |n| hit + n);
            let tag = tag.map(|(index, len)| Tag {
                index,
                end: hit - line_start + len,
            });
            self.line(&chunk[line_start..line_end], tag, stats, each);
            pos = line_end + 1;
        }
    }

    fn traceback_line(&mut self, raw: &[u8], stats: &mut ReadStats, each: &mut Sink) {
        let text = text_of(raw, stats);
        let (stream, rest) = strip_prefix(&text);
        let (_, rest) = strip_docker_time(rest);
        let expected = self.traceback.clone().flatten();
        if stream.is_some() && stream != expected.as_deref() {
            // Another worker's line, interleaved: not part of this traceback,
            // but a line in its own right.
            if self.tags.as_ref().is_none_or(|t| t.is_match(raw)) {
                self.line(raw, None, stats, each);
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

    fn line(&mut self, raw: &[u8], tag: Option<Tag>, stats: &mut ReadStats, each: &mut Sink) {
        let text = text_of(raw, stats);
        let (stream, rest) = strip_prefix(&text);
        let (docker_at, rest) = strip_docker_time(rest);
        let traceback = match tag {
            Some(t) => t.index == TRACEBACK,
            None => has!(rest, "Traceback (most recent call last)"),
        };
        if traceback {
            self.traceback = Some(stream.map(str::to_string));
            return;
        }
        let (stamp, level, message) = match parse_json(rest) {
            Some((at, level, message)) => (Stamp::Parsed(at), level, message),
            None => parse_app(rest),
        };
        let app_at = match stamp {
            Stamp::Parsed(at) => at,
            Stamp::Raw(raw) if raw == self.last_stamp => self.last_stamp_at,
            Stamp::Raw(raw) => {
                let at = civil_utc(raw);
                self.last_stamp.clear();
                self.last_stamp.push_str(raw);
                self.last_stamp_at = at;
                at
            }
            Stamp::None => None,
        };
        let at = docker_at.or(app_at).or(self.last_at);
        if at.is_some() {
            self.last_at = at;
        }
        let key = stream.unwrap_or("");
        // The text after the tag the automaton found, when it lies in
        // the message (so each branch reads only what follows its tag).
        // Offsets into a lossily repaired line no longer match: not then.
        let borrowed = matches!(text, std::borrow::Cow::Borrowed(_));
        let after = tag.filter(|_| borrowed).and_then(|t| {
            let offset = (message.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
            let within = t.end.checked_sub(offset)?;
            Some((t.index, message.get(within..)?))
        });
        let (sid, event) = match after.and_then(|(index, after)| self.tagged(key, index, after)) {
            Some(found) => found,
            None => self.event(key, message),
        };
        let call_sid = match sid {
            SidRef::In(s) => Some(s),
            SidRef::Current => self.current.get(key).map(String::as_str),
            SidRef::Run(run) => self
                .runs
                .get(run)
                .or_else(|| self.current.get(key))
                .map(String::as_str),
            SidRef::None => None,
        };
        stats.recognised += 1;
        each(Item::Line(Line {
            at,
            stream,
            level,
            call_sid,
            event,
            message,
        }));
    }

    /// The call and event of a message whose tag the automaton found,
    /// from the words that follow the tag (the app's formats, spec §1);
    /// None for anything else, which [`Scanner::event`] then reads whole.
    fn tagged<'a>(
        &mut self,
        stream: &str,
        tag: usize,
        after: &'a str,
    ) -> Option<(SidRef<'a>, Option<Event<'a>>)> {
        let or_current = |sid: Option<&'a str>| sid.map_or(SidRef::Current, SidRef::In);
        let call_sid = |r: &'a str| split!(r, "call_sid=").and_then(|(_, r)| sid_at(r));
        let a = after.trim_start_matches([']', ' ']);
        match tag {
            RQ_RECORDING => {
                if let Some(rest) = a.strip_prefix("Created RecordingRun ") {
                    let run = first_word(rest).unwrap_or("");
                    let sid = call_sid(rest);
                    if let Some(sid) = sid {
                        self.remember(run, sid);
                        self.set_current(stream, sid);
                    }
                    return Some((or_current(sid), None));
                }
                if let Some(rest) = a.strip_prefix("Job picked:") {
                    let sid = call_sid(rest);
                    if let (Some(sid), Some(run)) = (
                        sid,
                        split!(rest, "run_id=").and_then(|(_, r)| first_word(r)),
                    ) {
                        self.remember(run, sid);
                        self.set_current(stream, sid);
                    }
                    return Some((or_current(sid), None));
                }
                if a.starts_with("Slot acquired") || a.starts_with("Slot released") {
                    return Some((or_current(call_sid(a)), None));
                }
                if let Some(rest) = a.strip_prefix("Complete:") {
                    return Some((or_current(call_sid(rest)), Some(Event::Saved)));
                }
                None
            }
            DOWNLOAD_ONLY => {
                if let Some(rest) = a.strip_prefix("Starting download for ") {
                    let sid = sid_at(rest);
                    if let Some(sid) = sid {
                        self.set_current(stream, sid);
                    }
                    return Some((or_current(sid), Some(Event::Started)));
                }
                if let Some(rest) = a.strip_prefix("Downloaded ") {
                    let sid = split!(rest, " for ").and_then(|(_, r)| sid_at(r));
                    return Some((or_current(sid), Some(Event::Saved)));
                }
                None
            }
            RECORDING_SERVICE => {
                if let Some(rest) = a.strip_prefix("Recording saved: ") {
                    let sid = sid_at(rest);
                    return Some((or_current(sid), Some(Event::Saved)));
                }
                let cause = if a.starts_with("Authentication failed (401)") {
                    LogCause::Unauthorized401
                } else if a.starts_with("Access forbidden (403)") {
                    LogCause::Forbidden403
                } else if a.starts_with("Twilio server error") {
                    LogCause::ServerError5xx
                } else {
                    return None;
                };
                let sid = split!(a, " for ").and_then(|(_, r)| sid_at(r));
                Some((or_current(sid), Some(Event::Cause(cause))))
            }
            _ => None,
        }
    }

    /// The call and event a message names.
    fn event<'a>(&mut self, stream: &str, m: &'a str) -> (SidRef<'a>, Option<Event<'a>>) {
        let or_current = |sid: Option<&'a str>| sid.map_or(SidRef::Current, SidRef::In);
        if has!(m, "[RQ_RECORDING]") {
            if let Some(rest) = split!(m, "Created RecordingRun ").map(|(_, r)| r) {
                let run = rest.split_whitespace().next().unwrap_or("");
                let sid = split!(m, "call_sid=").and_then(|(_, r)| sid_at(r));
                if let Some(sid) = sid {
                    self.remember(run, sid);
                    self.set_current(stream, sid);
                }
                return (or_current(sid), None);
            }
            if has!(m, "Job picked:") {
                let sid = split!(m, "call_sid=").and_then(|(_, r)| sid_at(r));
                if let (Some(sid), Some(run)) =
                    (sid, split!(m, "run_id=").and_then(|(_, r)| first_word(r)))
                {
                    self.remember(run, sid);
                    self.set_current(stream, sid);
                }
                return (or_current(sid), None);
            }
            if has!(m, "No slot available for business") {
                // The line names no call: its stream's job, when the stream
                // is known (without the compose prefix, workers interleave).
                // The `Job error: run_id=…` line that follows names it exactly.
                let sid = if stream.is_empty() {
                    SidRef::None
                } else {
                    SidRef::Current
                };
                return (sid, Some(Event::Cause(LogCause::NoSlot)));
            }
            if has!(m, "Job error:") {
                let sid = split!(m, "run_id=")
                    .and_then(|(_, r)| first_word(r))
                    .map_or(SidRef::Current, SidRef::Run);
                let detail = split!(m, "error=").map_or("", |(_, e)| e);
                return (sid, Some(Event::Failed { detail }));
            }
            if has!(m, "Failed to create RecordingRun for ") {
                let sid =
                    split!(m, "Failed to create RecordingRun for ").and_then(|(_, r)| sid_at(r));
                let detail = split!(m, ": ").map_or("", |(_, e)| e);
                return (or_current(sid), Some(Event::Failed { detail }));
            }
            if has!(m, "Complete:") {
                return (
                    or_current(split!(m, "call_sid=").and_then(|(_, r)| sid_at(r))),
                    Some(Event::Saved),
                );
            }
            return (
                or_current(split!(m, "call_sid=").and_then(|(_, r)| sid_at(r))),
                None,
            );
        }
        if has!(m, "[DOWNLOAD_ONLY]") {
            if has!(m, "Starting download for ") {
                let sid = split!(m, "Starting download for ").and_then(|(_, r)| sid_at(r));
                if let Some(sid) = sid {
                    self.set_current(stream, sid);
                }
                return (or_current(sid), Some(Event::Started));
            }
            if has!(m, "Downloaded ") {
                return (
                    or_current(split!(m, " for ").and_then(|(_, r)| sid_at(r))),
                    Some(Event::Saved),
                );
            }
            if has!(m, "Failed to download for ") {
                return (
                    or_current(split!(m, "Failed to download for ").and_then(|(_, r)| sid_at(r))),
                    Some(Event::Failed { detail: "" }),
                );
            }
            return (
                or_current(split!(m, " for ").and_then(|(_, r)| sid_at(r))),
                None,
            );
        }
        if has!(m, "RECORDING_SERVICE") {
            let for_sid = || {
                or_current(
                    split!(m, " for ")
                        .and_then(|(_, r)| sid_at(r))
                        .or_else(|| split!(m, "call_sid=").and_then(|(_, r)| sid_at(r))),
                )
            };
            let cause = if has!(m, "(401)") {
                Some(LogCause::Unauthorized401)
            } else if has!(m, "(403)") {
                Some(LogCause::Forbidden403)
            } else if has!(m, "Twilio server error") {
                Some(LogCause::ServerError5xx)
            } else if has!(m, "Timeout downloading") {
                Some(LogCause::Timeout)
            } else if has!(m, "Missing TWILIO_") {
                Some(LogCause::MissingCredentials)
            } else if has!(m, "Failed to save recording to disk") {
                Some(LogCause::DiskSaveFailed)
            } else {
                None
            };
            if let Some(cause) = cause {
                return (for_sid(), Some(Event::Cause(cause)));
            }
            if has!(m, "All download attempts failed for ") {
                let detail = split!(m, "Last error: ").map_or("", |(_, e)| e);
                return (
                    or_current(
                        split!(m, "All download attempts failed for ").and_then(|(_, r)| sid_at(r)),
                    ),
                    Some(Event::Failed { detail }),
                );
            }
            if let Some(rest) = split!(m, "Slow download detected (").map(|(_, r)| r) {
                let secs = rest
                    .split('s')
                    .next()
                    .and_then(|s| s.trim().parse().ok())
                    .unwrap_or(0.0);
                return (for_sid(), Some(Event::Slow(secs)));
            }
            if has!(m, "Recording saved: ") {
                let sid = split!(m, "Recording saved: ")
                    .and_then(|(_, r)| sid_at(r))
                    .or_else(|| split!(m, "/").and_then(|(_, r)| sid_at(r)));
                return (or_current(sid), Some(Event::Saved));
            }
            return (for_sid(), None);
        }
        if has!(m, "[CIRCUIT_BREAKER]") {
            let sid = or_current(split!(m, " for ").and_then(|(_, r)| sid_at(r)));
            if has!(m, "Skipping download") {
                return (
                    sid,
                    Some(Event::Failed {
                        detail: "circuit breaker open",
                    }),
                );
            }
            return (sid, Some(Event::Cause(LogCause::CircuitBreaker)));
        }
        if has!(m, "DB schema appears outdated") {
            return (SidRef::None, Some(Event::SchemaOutdated(None)));
        }
        if let Some((_, tables)) = split!(m, "Missing tables:") {
            return (
                SidRef::None,
                Some(Event::SchemaOutdated(Some(tables.trim()))),
            );
        }
        if has!(m, "started with PID") {
            return (SidRef::None, Some(Event::WorkerStart));
        }
        (SidRef::None, None)
    }

    fn set_current(&mut self, stream: &str, sid: &str) {
        let room = self.current.len() < TRACKED;
        match self.current.get_mut(stream) {
            Some(v) => {
                v.clear();
                v.push_str(sid);
            }
            // Streams are the compose services: a few.
            None if room => {
                self.current.insert(stream.to_string(), sid.to_string());
            }
            None => {}
        }
    }

    fn remember(&mut self, run: &str, sid: &str) {
        // `Job picked` repeats what `Created RecordingRun` said: no copy then.
        if let Some(known) = self.runs.get_mut(run) {
            if known != sid {
                known.clear();
                known.push_str(sid);
            }
            return;
        }
        if self.runs.insert(run.to_string(), sid.to_string()).is_none() {
            self.run_order.push_back(run.to_string());
            if self.run_order.len() > TRACKED
                && let Some(old) = self.run_order.pop_front()
            {
                self.runs.remove(&old);
            }
        }
    }
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner::new()
    }
}

fn text_of<'a>(raw: &'a [u8], stats: &mut ReadStats) -> std::borrow::Cow<'a, str> {
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    match std::str::from_utf8(raw) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => {
            stats.invalid_utf8 += 1;
            String::from_utf8_lossy(raw)
        }
    }
}

/// `worker-1  | rest` → (Some("worker-1"), "rest").
fn strip_prefix(line: &str) -> (Option<&str>, &str) {
    let head = &line.as_bytes()[..line.len().min(80)];
    if let Some(bar) = memchr::memchr(b'|', head) {
        let name = line.get(..bar).unwrap_or("").trim_end();
        if !name.is_empty()
            && bar > name.len()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            let rest = line.get(bar + 1..).unwrap_or("");
            return (Some(name), rest.strip_prefix(' ').unwrap_or(rest));
        }
    }
    (None, line)
}

/// `2026-11-25T09:08:48.123456789Z rest` → (the time, "rest").
fn strip_docker_time(line: &str) -> (Option<jiff::Timestamp>, &str) {
    let b = line.as_bytes();
    if b.len() > 20
        && b[4] == b'-'
        && b[10] == b'T'
        && let Some(space) = line.find(' ')
        && let Ok(at) = line[..space].parse::<jiff::Timestamp>()
    {
        return (Some(at), &line[space + 1..]);
    }
    (None, line)
}

/// Where a line's call comes from.
enum SidRef<'a> {
    In(&'a str),
    /// The job its stream is processing.
    Current,
    /// The run id's call.
    Run(&'a str),
    None,
}

/// A line's own time, parsed or not yet.
enum Stamp<'a> {
    Parsed(Option<jiff::Timestamp>),
    Raw(&'a str),
    None,
}

/// `YYYY-MM-DD HH:MM:SS` as UTC.
fn civil_utc(raw: &str) -> Option<jiff::Timestamp> {
    raw.parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|dt| jiff::tz::TimeZone::UTC.to_timestamp(dt).ok())
}

/// `[YYYY-MM-DD HH:MM:SS] LEVEL [logger] message` (the level padded or not).
fn parse_app(line: &str) -> (Stamp<'_>, Option<&str>, &str) {
    let Some(rest) = line.strip_prefix('[') else {
        return (Stamp::None, None, line);
    };
    let Some((stamp, rest)) = split!(rest, "] ") else {
        return (Stamp::None, None, line);
    };
    let rest = rest.trim_start();
    let (level, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let message = rest.trim_start();
    let message = match message.strip_prefix('[').and_then(|m| split!(m, "] ")) {
        Some((_logger, m)) => m,
        None => message,
    };
    (Stamp::Raw(stamp), Some(level), message)
}

/// `{"timestamp": …, "level": …, "module": …, "message": …}` (LOG_JSON=1).
fn parse_json(line: &str) -> Option<(Option<jiff::Timestamp>, Option<&str>, &str)> {
    if !line.starts_with('{') {
        return None;
    }
    #[derive(serde::Deserialize)]
    struct Json<'a> {
        timestamp: Option<std::borrow::Cow<'a, str>>,
        #[serde(borrow)]
        level: Option<&'a str>,
        #[serde(borrow)]
        message: Option<std::borrow::Cow<'a, str>>,
    }
    let j: Json = serde_json::from_str(line).ok()?;
    let at = j.timestamp.as_deref().and_then(|t| {
        t.parse::<jiff::Timestamp>().ok().or_else(|| {
            t.replace('T', " ")
                .split('.')
                .next()
                .and_then(|s| s.parse::<jiff::civil::DateTime>().ok())
                .and_then(|dt| jiff::tz::TimeZone::UTC.to_timestamp(dt).ok())
        })
    });
    // An escaped message cannot be borrowed: its raw JSON line stands in.
    let message = match j.message {
        Some(std::borrow::Cow::Borrowed(m)) => m,
        Some(std::borrow::Cow::Owned(_)) => line,
        None => "",
    };
    Some((at, j.level, message))
}

/// The call SID at the start of `s` (`CA` and 32 lowercase hex digits).
fn sid_at(s: &str) -> Option<&str> {
    let at = finder!("CA").find(s.as_bytes())?;
    let cand = s.get(at..at + 34)?;
    crate::sid::CallSid::is_valid(cand).then_some(cand)
}

/// The first word of `r`, if any.
fn first_word(r: &str) -> Option<&str> {
    r.split_whitespace().next().filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the tests look at, owned.
    #[derive(Debug)]
    struct Seen {
        at: Option<jiff::Timestamp>,
        stream: Option<String>,
        level: Option<String>,
        call_sid: Option<String>,
        event: Option<String>,
    }

    enum Got {
        Line(Seen),
        Traceback(String),
    }

    fn scan(text: &[u8]) -> (Vec<Got>, ReadStats) {
        let mut items = Vec::new();
        let mut stats = ReadStats::default();
        Scanner::new().scan(text, &mut stats, &mut |i| {
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
}
