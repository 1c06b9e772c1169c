//! The worker's log, read as a stream: files (plain or gzip) or standard
//! input, with or without the `docker compose logs` prefix and `-t`
//! timestamps, in the app's line format or as JSON lines (spec §1, "The
//! worker's log"). Only lines that carry one of the app's tags are parsed;
//! the rest are counted. Memory stays flat: lines are read in place from a
//! fixed buffer, a line longer than [`LINE_MAX`] is cut, and every table
//! kept across lines is bounded.

use std::collections::{HashMap, VecDeque};
use std::io::{self, Read};

use aho_corasick::AhoCorasick;

/// Longest line kept; the rest of a longer line is skipped.
pub const LINE_MAX: usize = 64 * 1024;
/// Read size.
const CHUNK: usize = 1 << 20;
/// Entries kept in each table that follows downloads across lines.
const TRACKED: usize = 10_000;

/// What one line of the log says, when it says something about downloads.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `[DOWNLOAD_ONLY] Starting download for <SID>`.
    Started,
    /// The file was written (`Downloaded …`, `Recording saved: …`, `Complete: …`).
    Saved,
    /// The download failed (`Failed to download for`, `All download attempts failed`,
    /// `Job error`, `Failed to create RecordingRun …`, `Skipping download …`).
    Failed { detail: String },
    /// A line that says why (401, 403, 5xx, timeout, missing credentials,
    /// circuit breaker, disk, no slot).
    Cause(LogCause),
    /// `Slow download detected (<s>s)`.
    Slow(f64),
    /// The worker started (RQ's `Worker … started with PID …`).
    WorkerStart,
    /// `DB schema appears outdated` / `Missing tables: …` at worker start.
    SchemaOutdated(Option<String>),
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

/// One recognised line.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// When it was written: the docker `-t` stamp, else the app's own
    /// (`[YYYY-MM-DD HH:MM:SS]`, the container's clock, taken as UTC).
    pub at: Option<jiff::Timestamp>,
    /// The compose service (`worker-1`), when the prefix is there.
    pub stream: Option<String>,
    pub level: Option<String>,
    pub call_sid: Option<String>,
    pub event: Option<Event>,
    /// The message, cut to a readable length.
    pub message: String,
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

const TAGS: [&str; 9] = [
    "[RQ_RECORDING]",
    "[DOWNLOAD_ONLY]",
    "[RECORDING_SERVICE]",
    "[CIRCUIT_BREAKER]",
    "Traceback (most recent call last)",
    "DB schema appears outdated",
    "Missing tables:",
    "started with PID",
    "RECORDING_SERVICE",
];

/// Reads a log and hands each recognised line, and each folded traceback,
/// to the caller.
pub struct Scanner {
    /// The app's tags; None only if the automaton could not be built,
    /// and then every line is parsed.
    tags: Option<AhoCorasick>,
    /// Per stream, the SID of the job being processed (for lines that do
    /// not name it: `No slot available …`, `Failed to save …`).
    current: HashMap<String, String>,
    /// run id → SID, from `Created RecordingRun` and `Job picked`.
    runs: HashMap<String, String>,
    run_order: VecDeque<String>,
    /// Inside a traceback: the stream it belongs to.
    traceback: Option<Option<String>>,
    last_at: Option<jiff::Timestamp>,
}

/// What the scanner hands over.
pub enum Item {
    Line(Line),
    /// The last line of a traceback (its exception).
    Traceback(String),
}

impl Scanner {
    pub fn new() -> Scanner {
        Scanner {
            tags: AhoCorasick::new(TAGS).ok(),
            current: HashMap::new(),
            runs: HashMap::new(),
            run_order: VecDeque::new(),
            traceback: None,
            last_at: None,
        }
    }

    /// Read `input` to its end (or its first error), calling `each` for
    /// every item. Plain text or gzip, by the first two bytes.
    pub fn scan(&mut self, input: impl Read, stats: &mut ReadStats, each: &mut dyn FnMut(Item)) {
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

    fn scan_plain(
        &mut self,
        mut input: impl Read,
        stats: &mut ReadStats,
        each: &mut dyn FnMut(Item),
    ) {
        let mut buf = vec![0u8; CHUNK + LINE_MAX];
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
        }
        if filled > 0 && !skipping {
            let last = buf[..filled].to_vec();
            self.lines(&last, stats, each);
            stats.lines += 1;
        }
    }

    /// Whole lines (each ending in `\n`, or the last one without).
    fn lines(&mut self, chunk: &[u8], stats: &mut ReadStats, each: &mut dyn FnMut(Item)) {
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
            let hit = match &self.tags {
                Some(tags) => match tags.find(&chunk[pos..]) {
                    Some(m) => pos + m.start(),
                    None => break,
                },
                None => pos,
            };
            let line_start = memchr::memrchr(b'\n', &chunk[pos..hit]).map_or(pos, |n| pos + n + 1);
            let line_end = memchr::memchr(b'\n', &chunk[hit..]).map_or(chunk.len(), |n| hit + n);
            self.line(&chunk[line_start..line_end], stats, each);
            pos = line_end + 1;
        }
    }

    fn traceback_line(&mut self, raw: &[u8], stats: &mut ReadStats, each: &mut dyn FnMut(Item)) {
        let text = text_of(raw, stats);
        let (stream, rest) = strip_prefix(&text);
        let (_, rest) = strip_docker_time(rest);
        let expected = self.traceback.clone().flatten();
        if stream.is_some() && stream != expected.as_deref() {
            // Another worker's line, interleaved: not part of this traceback,
            // but a line in its own right.
            if self.tags.as_ref().is_none_or(|t| t.is_match(raw)) {
                self.line(raw, stats, each);
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
        each(Item::Traceback(cut(rest.trim(), 300)));
    }

    fn line(&mut self, raw: &[u8], stats: &mut ReadStats, each: &mut dyn FnMut(Item)) {
        let text = text_of(raw, stats);
        let (stream, rest) = strip_prefix(&text);
        let (docker_at, rest) = strip_docker_time(rest);
        let stream = stream.map(str::to_string);
        if rest.contains("Traceback (most recent call last)") {
            self.traceback = Some(stream);
            return;
        }
        let (app_at, level, message) = match parse_json(rest) {
            Some(parsed) => parsed,
            None => parse_app(rest),
        };
        let at = docker_at.or(app_at).or(self.last_at);
        if at.is_some() {
            self.last_at = at;
        }
        let key = stream.clone().unwrap_or_default();
        let (call_sid, event) = self.event(&key, &message);
        stats.recognised += 1;
        each(Item::Line(Line {
            at,
            stream,
            level,
            call_sid,
            event,
            message: cut(&message, 500),
        }));
    }

    /// The call and event a message names.
    fn event(&mut self, stream: &str, m: &str) -> (Option<String>, Option<Event>) {
        let sid_after = |marker: &str| m.split_once(marker).and_then(|(_, r)| sid_at(r));
        let current = self.current.get(stream).cloned();
        if m.contains("[RQ_RECORDING]") {
            if let Some(rest) = m.split_once("Created RecordingRun ").map(|(_, r)| r) {
                let run = rest.split_whitespace().next().unwrap_or("").to_string();
                let sid = sid_after("call_sid=");
                if let Some(sid) = &sid {
                    self.remember(run, sid.clone());
                    self.current.insert(stream.to_string(), sid.clone());
                }
                return (sid, None);
            }
            if m.contains("Job picked:") {
                let sid = sid_after("call_sid=");
                if let (Some(sid), Some(run)) = (&sid, field(m, "run_id=")) {
                    self.remember(run, sid.clone());
                    self.current.insert(stream.to_string(), sid.clone());
                }
                return (sid, None);
            }
            if m.contains("No slot available for business") {
                // The line names no call: its stream's job, when the stream
                // is known (without the compose prefix, workers interleave).
                // The `Job error: run_id=…` line that follows names it exactly.
                let sid = current.filter(|_| !stream.is_empty());
                return (sid, Some(Event::Cause(LogCause::NoSlot)));
            }
            if m.contains("Job error:") {
                let sid = field(m, "run_id=")
                    .and_then(|r| self.runs.get(&r).cloned())
                    .or(current);
                let detail = m.split_once("error=").map_or("", |(_, e)| e).to_string();
                return (sid, Some(Event::Failed { detail }));
            }
            if m.contains("Failed to create RecordingRun for ") {
                let sid = sid_after("Failed to create RecordingRun for ");
                let detail = m.split_once(": ").map_or("", |(_, e)| e).to_string();
                return (sid, Some(Event::Failed { detail }));
            }
            if m.contains("Complete:") {
                return (sid_after("call_sid=").or(current), Some(Event::Saved));
            }
            return (sid_after("call_sid=").or(current), None);
        }
        if m.contains("[DOWNLOAD_ONLY]") {
            if m.contains("Starting download for ") {
                let sid = sid_after("Starting download for ");
                if let Some(sid) = &sid {
                    self.current.insert(stream.to_string(), sid.clone());
                }
                return (sid, Some(Event::Started));
            }
            if m.contains("Downloaded ") {
                return (sid_after(" for "), Some(Event::Saved));
            }
            if m.contains("Failed to download for ") {
                return (
                    sid_after("Failed to download for "),
                    Some(Event::Failed {
                        detail: String::new(),
                    }),
                );
            }
            return (sid_after(" for ").or(current), None);
        }
        if m.contains("RECORDING_SERVICE") {
            let for_sid = || {
                sid_after(" for ")
                    .or_else(|| sid_after("call_sid="))
                    .or(current.clone())
            };
            let cause = if m.contains("(401)") {
                Some(LogCause::Unauthorized401)
            } else if m.contains("(403)") {
                Some(LogCause::Forbidden403)
            } else if m.contains("Twilio server error") {
                Some(LogCause::ServerError5xx)
            } else if m.contains("Timeout downloading") {
                Some(LogCause::Timeout)
            } else if m.contains("Missing TWILIO_") {
                Some(LogCause::MissingCredentials)
            } else if m.contains("Failed to save recording to disk") {
                Some(LogCause::DiskSaveFailed)
            } else {
                None
            };
            if let Some(cause) = cause {
                return (for_sid(), Some(Event::Cause(cause)));
            }
            if m.contains("All download attempts failed for ") {
                let detail = m
                    .split_once("Last error: ")
                    .map_or("", |(_, e)| e)
                    .to_string();
                return (
                    sid_after("All download attempts failed for "),
                    Some(Event::Failed { detail }),
                );
            }
            if let Some(rest) = m.split_once("Slow download detected (").map(|(_, r)| r) {
                let secs = rest
                    .split('s')
                    .next()
                    .and_then(|s| s.trim().parse().ok())
                    .unwrap_or(0.0);
                return (for_sid(), Some(Event::Slow(secs)));
            }
            if m.contains("Recording saved: ") {
                let sid = sid_after("Recording saved: ").or_else(|| sid_after("/"));
                return (sid.or(current), Some(Event::Saved));
            }
            return (for_sid(), None);
        }
        if m.contains("[CIRCUIT_BREAKER]") {
            let sid = sid_after(" for ");
            if m.contains("Skipping download") {
                return (
                    sid,
                    Some(Event::Failed {
                        detail: "circuit breaker open".into(),
                    }),
                );
            }
            return (sid, Some(Event::Cause(LogCause::CircuitBreaker)));
        }
        if m.contains("DB schema appears outdated") {
            return (None, Some(Event::SchemaOutdated(None)));
        }
        if let Some((_, tables)) = m.split_once("Missing tables:") {
            return (
                None,
                Some(Event::SchemaOutdated(Some(cut(tables.trim(), 200)))),
            );
        }
        if m.contains("started with PID") {
            return (None, Some(Event::WorkerStart));
        }
        (None, None)
    }

    fn remember(&mut self, run: String, sid: String) {
        if self.runs.insert(run.clone(), sid).is_none() {
            self.run_order.push_back(run);
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
    let text = String::from_utf8_lossy(raw);
    if matches!(text, std::borrow::Cow::Owned(_)) {
        stats.invalid_utf8 += 1;
    }
    text
}

/// `worker-1  | rest` → (Some("worker-1"), "rest").
fn strip_prefix(line: &str) -> (Option<&str>, &str) {
    if let Some(bar) = line
        .get(..line.len().min(80))
        .and_then(|h| h.find(" | ").or_else(|| h.find(" |")))
    {
        let name = line[..bar].trim_end();
        if !name.is_empty()
            && !name.contains(' ')
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            let rest = line[bar..].trim_start_matches(' ').trim_start_matches('|');
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

/// `[YYYY-MM-DD HH:MM:SS] LEVEL [logger] message` (the level padded or not).
fn parse_app(line: &str) -> (Option<jiff::Timestamp>, Option<String>, String) {
    let Some(rest) = line.strip_prefix('[') else {
        return (None, None, line.to_string());
    };
    let Some((stamp, rest)) = rest.split_once("] ") else {
        return (None, None, line.to_string());
    };
    let at = stamp
        .parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|dt| jiff::tz::TimeZone::UTC.to_timestamp(dt).ok());
    let rest = rest.trim_start();
    let (level, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let message = rest.trim_start();
    let message = match message.strip_prefix('[').and_then(|m| m.split_once("] ")) {
        Some((_logger, m)) => m,
        None => message,
    };
    (at, Some(level.to_string()), message.to_string())
}

/// `{"timestamp": …, "level": …, "module": …, "message": …}` (LOG_JSON=1).
fn parse_json(line: &str) -> Option<(Option<jiff::Timestamp>, Option<String>, String)> {
    if !line.starts_with('{') {
        return None;
    }
    #[derive(serde::Deserialize)]
    struct Json {
        timestamp: Option<String>,
        level: Option<String>,
        message: Option<String>,
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
    Some((at, j.level, j.message.unwrap_or_default()))
}

/// The call SID at the start of `s` (`CA` and 32 lowercase hex digits).
fn sid_at(s: &str) -> Option<String> {
    let at = s.find("CA")?;
    let cand = s.get(at..at + 34)?;
    crate::sid::CallSid::parse(cand).map(|c| c.to_string())
}

/// The value after `key` up to the next space.
fn field(m: &str, key: &str) -> Option<String> {
    m.split_once(key)
        .map(|(_, r)| r.split_whitespace().next().unwrap_or("").to_string())
        .filter(|v| !v.is_empty())
}

fn cut(s: &str, max: usize) -> String {
    crate::text::truncate(s, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &[u8]) -> (Vec<Item>, ReadStats) {
        let mut items = Vec::new();
        let mut stats = ReadStats::default();
        Scanner::new().scan(text, &mut stats, &mut |i| items.push(i));
        (items, stats)
    }

    fn lines(items: &[Item]) -> Vec<&Line> {
        items
            .iter()
            .filter_map(|i| match i {
                Item::Line(l) => Some(l),
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
        assert_eq!(l[0].event, Some(Event::Cause(LogCause::Unauthorized401)));
        assert_eq!(l[0].call_sid.as_deref(), Some(SID));
        assert_eq!(l[0].level.as_deref(), Some("ERROR"));
        assert_eq!(l[1].stream.as_deref(), Some("worker-1"));
        assert!(matches!(l[1].event, Some(Event::Failed { .. })));
        assert_eq!(l[2].event, Some(Event::Started));
        assert_eq!(
            l[2].at.map(|t| t.to_string()),
            Some("2026-11-25T09:08:50.123456789Z".to_string())
        );
        assert_eq!(l[3].event, Some(Event::Cause(LogCause::Forbidden403)));
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
        assert_eq!(l[2].event, Some(Event::Cause(LogCause::NoSlot)));
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
                Item::Traceback(t) => Some(t),
                _ => None,
            })
            .collect();
        assert_eq!(folded, ["ValueError: x"]);
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
