//! One block of whole lines, parsed without the scanner's state: which
//! lines carry one of the app's tags, and what each says (its time,
//! stream, level, message, call and event, and the state it asks the
//! scanner to keep). Pure, so two parts of a block parse at once.

use aho_corasick::AhoCorasick;

use super::{Event, LogCause, ReadStats};

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

/// The app's tags, and the other lines worth a look. `RECORDING_SERVICE`
/// without brackets also finds JSON lines whose message dropped them.
const TAGS: [&str; 9] = [
    "[RQ_RECORDING]",
    "[DOWNLOAD_ONLY]",
    "[CIRCUIT_BREAKER]",
    "Traceback (most recent call last)",
    "DB schema appears outdated",
    "Missing tables:",
    "started with PID",
    "RECORDING_SERVICE",
    "Work horse killed for job ",
];

/// Indices into [`TAGS`].
const RQ_RECORDING: usize = 0;
const DOWNLOAD_ONLY: usize = 1;
const TRACEBACK: usize = 3;
const RECORDING_SERVICE: usize = 7;

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

    /// The process's searcher; None only if it could not be built, and
    /// then every line is parsed.
    pub fn get() -> Option<&'static TagSearch> {
        static TAG_AUTOMATON: std::sync::LazyLock<Option<TagSearch>> =
            std::sync::LazyLock::new(TagSearch::build);
        TAG_AUTOMATON.as_ref()
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
}

/// The tag the searcher found in a line: which, and where it ends.
#[derive(Debug, Clone, Copy)]
pub struct Tag {
    index: usize,
    /// Byte offset just past the tag, from the line's start.
    end: usize,
}

/// What a parsed line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A line that says something (or nothing) about downloads.
    Line,
    /// `Traceback (most recent call last)`, in `stream`.
    TracebackStart,
    /// Not UTF-8: the scanner repairs it and parses it then (rare).
    Invalid,
}

/// One line that carries a tag (or, without a searcher, any line). Built
/// field by field where it lies in its block's list: building it on the
/// stack and moving it stalled the CPU on every line (a wide load of what
/// narrow stores had just written).
pub struct Parsed<'a> {
    /// Where the line starts and ends (before its `\n`) in the block.
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
    /// The docker `-t` stamp, else the app's own (None: the last time seen).
    pub at: Option<jiff::Timestamp>,
    pub stream: Option<&'a str>,
    pub level: Option<&'a str>,
    pub message: &'a str,
    pub sid: SidRef<'a>,
    /// With `SidRef::In`: the SID's table key, in two halves (a `u128`
    /// would align every record to 16 bytes).
    key: [u64; 2],
    pub event: Option<Event<'a>>,
    /// The run this line ties to its call (`SidRef::In`).
    pub run: Option<&'a str>,
    /// The line's stream now processes its call (`SidRef::In`).
    pub current: bool,
}

impl<'a> Parsed<'a> {
    pub fn blank(start: usize, end: usize) -> Parsed<'a> {
        Parsed {
            start,
            end,
            kind: Kind::Invalid,
            at: None,
            stream: None,
            level: None,
            message: "",
            sid: SidRef::None,
            key: [0; 2],
            event: None,
            run: None,
            current: false,
        }
    }

    /// With `SidRef::In`: the SID's table key.
    pub fn key(&self) -> u128 {
        u128::from(self.key[0]) << 64 | u128::from(self.key[1])
    }

    fn of(&mut self, sid: SidRef<'a>, event: Option<Event<'a>>) {
        self.sid = sid;
        self.event = event;
    }

    /// A call named on the line, its key already in `self.key` (or, if
    /// none is, the stream's job).
    fn named(&mut self, sid: Option<&'a str>, event: Option<Event<'a>>) {
        self.of(sid.map_or(SidRef::Current, SidRef::In), event);
    }
}

/// Where a line's call comes from.
pub enum SidRef<'a> {
    In(&'a str),
    /// The job its stream is processing.
    Current,
    /// The run id's call.
    Run(&'a str),
    None,
}

/// The app's stamps have a second's resolution: the last one parsed, and
/// the start of its day.
#[derive(Default)]
pub struct StampMemo {
    raw: String,
    at: Option<jiff::Timestamp>,
    day: Option<String>,
    day_start: jiff::Timestamp,
}

/// The tagged lines of `block` (whole lines), their offsets shifted by
/// `base`, into `out` (emptied first); counts its lines and its invalid
/// ones into `stats`.
pub fn block<'a>(block: &'a [u8], base: usize, stats: &mut ReadStats, out: &mut Vec<Parsed<'a>>) {
    out.clear();
    stats.lines += memchr::memchr_iter(b'\n', block).count() as u64;
    let tags = TagSearch::get();
    let mut memo = StampMemo::default();
    // Checked whole at once (SIMD, fast on a long input); line by line
    // only when some line is not UTF-8.
    let text = simdutf8::basic::from_utf8(block).ok();
    // Most lines carry a tag; lines run to about a hundred bytes.
    out.reserve(block.len() / 128);
    let mut pos = 0usize;
    while pos < block.len() {
        let (hit, tag) = match tags {
            Some(tags) => match tags.find(&block[pos..]) {
                Some((start, index, len)) => (pos + start, Some((index, len))),
                None => break,
            },
            None => (pos, None),
        };
        let start = memchr::memrchr(b'\n', &block[pos..hit]).map_or(pos, |n| pos + n + 1);
        let end = memchr::memchr(b'\n', &block[hit..]).map_or(block.len(), |n| hit + n);
        let tag = tag.map(|(index, len)| Tag {
            index,
            end: hit - start + len,
        });
        let cr = usize::from(end > start && block[end - 1] == b'\r');
        let line_text = match text {
            Some(text) => text.get(start..end - cr),
            None => std::str::from_utf8(&block[start..end - cr]).ok(),
        };
        out.push(Parsed::blank(base + start, base + end));
        match (line_text, out.last_mut()) {
            (Some(t), Some(rec)) => line(t, tag, &mut memo, rec),
            _ => stats.invalid_utf8 += 1,
        }
        pos = end + 1;
    }
}

/// One line's text, parsed into `rec`. `tag` is where the searcher found
/// its tag, when the text is the line as read (not a repaired copy).
pub fn line<'a>(text: &'a str, tag: Option<Tag>, memo: &mut StampMemo, rec: &mut Parsed<'a>) {
    let (stream, rest) = strip_prefix(text);
    rec.stream = stream;
    let (docker_at, rest) = strip_docker_time(rest);
    let traceback = match tag {
        Some(t) => t.index == TRACEBACK,
        None => has!(rest, "Traceback (most recent call last)"),
    };
    if traceback {
        rec.kind = Kind::TracebackStart;
        return;
    }
    rec.kind = Kind::Line;
    let (stamp, level, message) = match parse_json(rest) {
        Some((at, level, message)) => (Stamp::Parsed(at), level, message),
        None => parse_app(rest),
    };
    rec.level = level;
    rec.message = message;
    let app_at = match stamp {
        Stamp::Parsed(at) => at,
        Stamp::Raw(raw) if raw == memo.raw => memo.at,
        Stamp::Raw(raw) => {
            let at = civil_utc(raw, memo);
            memo.raw.clear();
            memo.raw.push_str(raw);
            memo.at = at;
            at
        }
        Stamp::None => None,
    };
    rec.at = docker_at.or(app_at);
    // The text after the tag the searcher found, when it lies in the
    // message (so each branch reads only what follows its tag).
    let after = tag.and_then(|t| {
        let offset = (message.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
        let within = t.end.checked_sub(offset)?;
        Some((t.index, message.get(within..)?))
    });
    let done = after.is_some_and(|(index, after)| tagged(index, after, rec));
    if !done {
        event(stream.is_some(), message, rec);
    }
}

/// What a message whose tag the searcher found says, from the words that
/// follow the tag (the app's formats, spec §1); false for anything else,
/// which [`event`] then reads whole.
fn tagged<'a>(tag: usize, after: &'a str, rec: &mut Parsed<'a>) -> bool {
    let call_sid = |r, key: &mut [u64; 2]| value_of(r, "call_sid").and_then(|v| sid_at(v, key));
    let a = skip(after, |c| c == b']' || c == b' ');
    match tag {
        RQ_RECORDING => {
            if let Some(rest) = a.strip_prefix("Created RecordingRun ") {
                let sid = call_sid(rest, &mut rec.key);
                rec.named(sid, None);
                if sid.is_some() {
                    rec.run = Some(first_word(rest).unwrap_or(""));
                    rec.current = true;
                }
                return true;
            }
            if let Some(rest) = a.strip_prefix("Job picked:") {
                let sid = call_sid(rest, &mut rec.key);
                rec.named(sid, None);
                if sid.is_some() {
                    rec.run = value_of(rest, "run_id").and_then(first_word);
                    rec.current = rec.run.is_some();
                }
                return true;
            }
            if a.starts_with("Slot acquired") || a.starts_with("Slot released") {
                let sid = call_sid(a, &mut rec.key);
                rec.named(sid, None);
                return true;
            }
            if let Some(rest) = a.strip_prefix("Complete:") {
                let sid = call_sid(rest, &mut rec.key);
                rec.named(sid, Some(Event::Saved));
                return true;
            }
            false
        }
        DOWNLOAD_ONLY => {
            if let Some(rest) = a.strip_prefix("Starting download for ") {
                let sid = sid_at(rest, &mut rec.key);
                rec.named(sid, Some(Event::Started));
                rec.current = sid.is_some();
                return true;
            }
            if let Some(rest) = a.strip_prefix("Downloaded ") {
                let sid = split!(rest, " for ").and_then(|(_, r)| sid_at(r, &mut rec.key));
                rec.named(sid, Some(Event::Saved));
                return true;
            }
            false
        }
        RECORDING_SERVICE => {
            if let Some(rest) = a.strip_prefix("Recording saved: ") {
                let sid = sid_at(rest, &mut rec.key);
                rec.named(sid, Some(Event::Saved));
                return true;
            }
            let cause = if a.starts_with("Authentication failed (401)") {
                LogCause::Unauthorized401
            } else if a.starts_with("Access forbidden (403)") {
                LogCause::Forbidden403
            } else if a.starts_with("Twilio server error") {
                LogCause::ServerError5xx
            } else {
                return false;
            };
            let sid = split!(a, " for ").and_then(|(_, r)| sid_at(r, &mut rec.key));
            rec.named(sid, Some(Event::Cause(cause)));
            true
        }
        _ => false,
    }
}

/// What a message says, read whole. `streamed`: the line names its
/// compose stream (without it, workers interleave).
fn event<'a>(streamed: bool, m: &'a str, rec: &mut Parsed<'a>) {
    let key = &mut rec.key;
    let call_sid = |key: &mut [u64; 2]| split!(m, "call_sid=").and_then(|(_, r)| sid_at(r, key));
    if has!(m, "[RQ_RECORDING]") {
        if let Some(rest) = split!(m, "Created RecordingRun ").map(|(_, r)| r) {
            let sid = call_sid(key);
            rec.named(sid, None);
            if sid.is_some() {
                rec.run = Some(rest.split_whitespace().next().unwrap_or(""));
                rec.current = true;
            }
            return;
        }
        if has!(m, "Job picked:") {
            let sid = call_sid(key);
            rec.named(sid, None);
            if sid.is_some() {
                rec.run = split!(m, "run_id=").and_then(|(_, r)| first_word(r));
                rec.current = rec.run.is_some();
            }
            return;
        }
        if has!(m, "No slot available for business") {
            // The line names no call: its stream's job, when the stream
            // is known. The `Job error: run_id=…` line that follows names
            // it exactly.
            let sid = if streamed {
                SidRef::Current
            } else {
                SidRef::None
            };
            return rec.of(sid, Some(Event::Cause(LogCause::NoSlot)));
        }
        if has!(m, "Job error:") {
            let sid = split!(m, "run_id=")
                .and_then(|(_, r)| first_word(r))
                .map_or(SidRef::Current, SidRef::Run);
            let detail = split!(m, "error=").map_or("", |(_, e)| e);
            return rec.of(sid, Some(Event::Failed { detail }));
        }
        if let Some((_, rest)) = split!(m, "Failed to create RecordingRun for ") {
            let sid = sid_at(rest, key);
            let detail = split!(m, ": ").map_or("", |(_, e)| e);
            return rec.named(sid, Some(Event::Failed { detail }));
        }
        let sid = call_sid(key);
        if has!(m, "Complete:") {
            return rec.named(sid, Some(Event::Saved));
        }
        return rec.named(sid, None);
    }
    if has!(m, "[DOWNLOAD_ONLY]") {
        if let Some((_, rest)) = split!(m, "Starting download for ") {
            let sid = sid_at(rest, key);
            rec.named(sid, Some(Event::Started));
            rec.current = sid.is_some();
            return;
        }
        if has!(m, "Downloaded ") {
            let sid = split!(m, " for ").and_then(|(_, r)| sid_at(r, key));
            return rec.named(sid, Some(Event::Saved));
        }
        if let Some((_, rest)) = split!(m, "Failed to download for ") {
            let sid = sid_at(rest, key);
            return rec.named(sid, Some(Event::Failed { detail: "" }));
        }
        let sid = split!(m, " for ").and_then(|(_, r)| sid_at(r, key));
        return rec.named(sid, None);
    }
    if has!(m, "RECORDING_SERVICE") {
        return recording_service(m, rec);
    }
    if has!(m, "[CIRCUIT_BREAKER]") {
        let sid = split!(m, " for ").and_then(|(_, r)| sid_at(r, key));
        if has!(m, "Skipping download") {
            let detail = "circuit breaker open";
            return rec.named(sid, Some(Event::Failed { detail }));
        }
        return rec.named(sid, Some(Event::Cause(LogCause::CircuitBreaker)));
    }
    if has!(m, "DB schema appears outdated") {
        return rec.of(SidRef::None, Some(Event::SchemaOutdated(None)));
    }
    if let Some((_, tables)) = split!(m, "Missing tables:") {
        let tables = Some(tables.trim());
        return rec.of(SidRef::None, Some(Event::SchemaOutdated(tables)));
    }
    if has!(m, "started with PID") {
        return rec.of(SidRef::None, Some(Event::WorkerStart));
    }
    if let Some((_, rest)) = split!(m, "Work horse killed for job ") {
        return horse_killed(rest, rec);
    }
    rec.of(SidRef::None, None)
}

/// RQ's `Work horse killed for job <id>: retpid=<pid>, ret_val=<status>`
/// (rest: from the job id on). A kill is a signal in the wait status, or
/// `None` (RQ's own hard kill past the job's timeout); an exit status
/// (256: exit 1, this app's exception handler dying, spec §1 item 5) is
/// no kill, and its `Job error` line already said why the job failed.
fn horse_killed<'a>(rest: &'a str, rec: &mut Parsed<'a>) {
    let job = first_word(rest).unwrap_or("");
    // `recording_download_<SID>_<ms>`, `recording_full_<SID>_<ms>`.
    let sid = sid_at(job, &mut rec.key);
    let status = split!(rest, "ret_val=").map_or("", |(_, v)| v.trim());
    let killed = match status.parse::<i64>() {
        Ok(raw) => raw & 0x7f != 0,
        Err(_) => status.starts_with("None"),
    };
    if killed {
        rec.named(sid, Some(Event::HorseKilled));
    } else {
        rec.of(SidRef::None, None);
    }
}

/// A `[RECORDING_SERVICE]` message, read whole.
fn recording_service<'a>(m: &'a str, rec: &mut Parsed<'a>) {
    let for_sid = |key: &mut [u64; 2]| {
        split!(m, " for ")
            .and_then(|(_, r)| sid_at(r, key))
            .or_else(|| split!(m, "call_sid=").and_then(|(_, r)| sid_at(r, key)))
    };
    let cause = if has!(m, "(401)") {
        Some(LogCause::Unauthorized401)
    } else if has!(m, "(403)") {
        Some(LogCause::Forbidden403)
    } else if has!(m, "Twilio server error") {
        Some(LogCause::ServerError5xx)
    } else if has!(m, "Timeout downloading") {
        Some(LogCause::Timeout)
    } else if has!(m, "Missing TWILIO_") || has!(m, "Missing Twilio credentials") {
        Some(LogCause::MissingCredentials)
    } else if has!(m, "Failed to save recording to disk") {
        Some(LogCause::DiskSaveFailed)
    } else {
        None
    };
    if let Some(cause) = cause {
        let sid = for_sid(&mut rec.key);
        return rec.named(sid, Some(Event::Cause(cause)));
    }
    if let Some((_, rest)) = split!(m, "All download attempts failed for ") {
        let detail = split!(m, "Last error: ").map_or("", |(_, e)| e);
        let sid = sid_at(rest, &mut rec.key);
        return rec.named(sid, Some(Event::Failed { detail }));
    }
    if let Some(rest) = split!(m, "Slow download detected (").map(|(_, r)| r) {
        let secs = rest
            .split('s')
            .next()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0.0);
        let sid = for_sid(&mut rec.key);
        return rec.named(sid, Some(Event::Slow(secs)));
    }
    if let Some((_, rest)) = split!(m, "Recording saved: ") {
        let key = &mut rec.key;
        let sid = sid_at(rest, key).or_else(|| split!(m, "/").and_then(|(_, r)| sid_at(r, key)));
        return rec.named(sid, Some(Event::Saved));
    }
    let sid = for_sid(&mut rec.key);
    rec.named(sid, None)
}

/// `worker-1  | rest` → (Some("worker-1"), "rest"): a service name
/// (letters, digits, `-_.`), spaces, a bar, within the first 80 bytes.
pub fn strip_prefix(line: &str) -> (Option<&str>, &str) {
    let b = line.as_bytes();
    let head = &b[..b.len().min(80)];
    let mut name = 0;
    while name < head.len() && NAME[usize::from(head[name])] {
        name += 1;
    }
    let mut bar = name;
    while bar < head.len() && matches!(head[bar], b' ' | b'\t') {
        bar += 1;
    }
    if name > 0 && bar > name && head.get(bar) == Some(&b'|') {
        let rest = line.get(bar + 1..).unwrap_or("");
        return (line.get(..name), rest.strip_prefix(' ').unwrap_or(rest));
    }
    (None, line)
}

/// The bytes of a compose service's name.
static NAME: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.';
        c += 1;
    }
    t
};

/// `2026-11-25T09:08:48.123456789Z rest` → (the time, "rest").
pub fn strip_docker_time(line: &str) -> (Option<jiff::Timestamp>, &str) {
    let b = line.as_bytes();
    if b.len() > 20
        && b[4] == b'-'
        && b[10] == b'T'
        && let Some(space) = memchr::memchr(b' ', b)
        && let Ok(at) = line[..space].parse::<jiff::Timestamp>()
    {
        return (Some(at), &line[space + 1..]);
    }
    (None, line)
}

/// A line's own time, parsed or not yet.
enum Stamp<'a> {
    Parsed(Option<jiff::Timestamp>),
    Raw(&'a str),
    None,
}

/// `YYYY-MM-DD HH:MM:SS` as UTC: the day's start kept from the last stamp
/// (a new stamp comes every second, a new day once a day), the time of day
/// added field by field; any other shape goes to the parser.
fn civil_utc(raw: &str, memo: &mut StampMemo) -> Option<jiff::Timestamp> {
    let b = raw.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        b.get(r)?.iter().try_fold(0i64, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    };
    let clock = (b.len() == 19 && b[10] == b' ' && b[13] == b':' && b[16] == b':')
        .then(|| Some((num(11..13)?, num(14..16)?, num(17..19)?)))
        .flatten()
        .filter(|&(h, m, s)| h < 24 && m < 60 && s < 60);
    let (Some((h, m, s)), Some(date)) = (clock, raw.get(..10)) else {
        return parse_civil(raw);
    };
    if memo.day.as_deref() != Some(date) {
        let start = parse_civil(&format!("{date} 00:00:00"))?;
        memo.day = Some(date.to_string());
        memo.day_start = start;
    }
    jiff::Timestamp::from_second(memo.day_start.as_second() + h * 3600 + m * 60 + s).ok()
}

fn parse_civil(raw: &str) -> Option<jiff::Timestamp> {
    raw.parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|dt| jiff::tz::TimeZone::UTC.to_timestamp(dt).ok())
}

/// `[YYYY-MM-DD HH:MM:SS] LEVEL [logger] message` (the level padded or not).
fn parse_app(line: &str) -> (Stamp<'_>, Option<&str>, &str) {
    let Some(rest) = line.strip_prefix('[') else {
        return (Stamp::None, None, line);
    };
    // The stamp is 19 characters: read there first.
    let b = rest.as_bytes();
    let split = if b.get(19) == Some(&b']') && b.get(20) == Some(&b' ') {
        rest.get(..19).zip(rest.get(21..))
    } else {
        split!(rest, "] ")
    };
    let Some((stamp, rest)) = split else {
        return (Stamp::None, None, line);
    };
    let rest = skip(rest, |c| c == b' ');
    // A level is a short word: a plain loop, not a search set up per line.
    let (level, rest) = match rest.bytes().position(|c| c == b' ') {
        Some(space) => (&rest[..space], &rest[space + 1..]),
        None => (rest, ""),
    };
    let message = skip(rest, |c| c == b' ');
    let message = match message.strip_prefix('[').and_then(logger_end) {
        Some(m) => m,
        None => message,
    };
    (Stamp::Raw(stamp), Some(level), message)
}

/// What follows a logger's name (`name] message`): the first `]` is the
/// one, unless a name has one inside.
fn logger_end(m: &str) -> Option<&str> {
    let close = memchr::memchr(b']', m.as_bytes())?;
    match m.get(close + 1..)?.strip_prefix(' ') {
        Some(rest) => Some(rest),
        None => split!(m, "] ").map(|(_, rest)| rest),
    }
}

/// The value after `key=` (`call_sid=`, `run_id=`), the key found by its
/// `=` (a line has a few): a plain loop, cheaper on these short texts than
/// setting up a substring search.
fn value_of<'a>(s: &'a str, key: &str) -> Option<&'a str> {
    let (b, k) = (s.as_bytes(), key.as_bytes());
    let mut from = 0;
    while let Some(eq) = b.get(from..)?.iter().position(|&c| c == b'=') {
        let eq = from + eq;
        if b[..eq].ends_with(k) {
            return s.get(eq + 1..);
        }
        from = eq + 1;
    }
    None
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

/// The call SID at or after the start of `s` (`CA` and 32 lowercase hex
/// digits), its table key written to `key`: found by a plain loop, as
/// SIDs sit a few bytes in.
fn sid_at<'a>(s: &'a str, key: &mut [u64; 2]) -> Option<&'a str> {
    let b = s.as_bytes();
    // Most often right at the start (`for CA…`, `call_sid=CA…`).
    let at = if b.starts_with(b"CA") {
        0
    } else {
        b.windows(2).position(|w| w == b"CA")?
    };
    let text = s.get(at..at + 34)?;
    let k = crate::sid::CallSid::key(text)?;
    *key = [(k >> 64) as u64, k as u64];
    Some(text)
}

/// The first word of `r`, if any.
fn first_word(r: &str) -> Option<&str> {
    let r = skip(r, |c| c.is_ascii_whitespace());
    let n = r.bytes().take_while(|c| !c.is_ascii_whitespace()).count();
    r.get(..n).filter(|w| !w.is_empty())
}

/// `s` without the ASCII bytes at its start that `drop` says to (byte by
/// byte: cheaper than a `char` pattern on these short runs).
fn skip(s: &str, drop: impl Fn(u8) -> bool) -> &str {
    let n = s.bytes().take_while(|&c| c.is_ascii() && drop(c)).count();
    s.get(n..).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_read_field_by_field_agree_with_the_parser() {
        for raw in [
            "2026-11-25 09:08:48",
            "2024-02-29 23:59:59",
            "1999-12-31 00:00:00",
            "2026-11-25 09:08:60",
            "2026-02-30 09:08:48",
            "2026-13-01 00:00:00",
            "2026-11-25T09:08:48",
            "2026-11-25 9:08:48",
            "2026-11-25 24:00:00",
            "2026-11-25 23:60:00",
            "2026-11-2x 09:08:48",
            "2026-11-25 09:08:4x",
            "not a stamp at all!",
        ] {
            let parsed = raw
                .parse::<jiff::civil::DateTime>()
                .ok()
                .and_then(|dt| jiff::tz::TimeZone::UTC.to_timestamp(dt).ok());
            let mut memo = StampMemo::default();
            assert_eq!(civil_utc(raw, &mut memo), parsed, "{raw}");
            // And again from the day kept.
            assert_eq!(civil_utc(raw, &mut memo), parsed, "{raw}");
        }
    }

    #[test]
    fn compose_prefixes() {
        assert_eq!(strip_prefix("worker-1  | x"), (Some("worker-1"), "x"));
        assert_eq!(strip_prefix("w.1_a\t|x"), (Some("w.1_a"), "x"));
        assert_eq!(strip_prefix("worker-1| x"), (None, "worker-1| x"));
        assert_eq!(strip_prefix(" | x"), (None, " | x"));
        assert_eq!(strip_prefix("a b | x"), (None, "a b | x"));
        let far = format!("{} | x", "w".repeat(80));
        assert_eq!(strip_prefix(&far).0, None);
    }
}
