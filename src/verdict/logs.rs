//! What the worker's log says, summed up: each download followed from its
//! start to its end across lines, failures counted once with the most
//! specific cause the log gave, and the worst cause deciding the status.
//! Every table is bounded, so memory stays flat whatever the log's size.

use std::collections::{BTreeMap, HashMap, VecDeque};

use crate::bounded::Bounded;
use crate::model::{
    DownloadCounts, LineCounts, LogCauseGroup, LogEvent, LogsReport, SlowDownloads, Status,
    TracebackGroup,
};
use crate::probe::log::{Event, Item, Line, LogCause, ReadStats};
use crate::text::truncate;

use super::causes::Cause;

/// Downloads followed at once: the 2,048 started last at least (a
/// download's lines come within seconds of its start; a table this size
/// stays in the CPU's cache, where 10,000 cost a third of the time).
const TRACKED: usize = 2_048;
/// Distinct traceback last lines counted; beyond, they count as one.
const TRACEBACKS: usize = 1_000;
/// Newest calls named per cause.
const NEWEST: usize = 5;
/// Lines shown per call with `--sid`: the newest.
const EVENTS: usize = 1_000;

impl LogCause {
    pub const ALL: [LogCause; 11] = [
        LogCause::Unauthorized401,
        LogCause::Forbidden403,
        LogCause::MissingCredentials,
        LogCause::NoSlot,
        LogCause::DiskSaveFailed,
        LogCause::ServerError5xx,
        LogCause::Timeout,
        LogCause::CircuitBreaker,
        LogCause::WorkHorseKilled,
        LogCause::WorkerNameClash,
        LogCause::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LogCause::Unauthorized401 => "unauthorized_401",
            LogCause::Forbidden403 => "forbidden_403",
            LogCause::ServerError5xx => "server_error_5xx",
            LogCause::Timeout => "timeout",
            LogCause::MissingCredentials => "missing_credentials",
            LogCause::NoSlot => "no_slot",
            LogCause::CircuitBreaker => "circuit_breaker",
            LogCause::DiskSaveFailed => "disk_save_failed",
            LogCause::WorkHorseKilled => "work_horse_killed",
            LogCause::WorkerNameClash => "worker_name_clash",
            LogCause::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LogCause::Unauthorized401 => "Twilio answered 401 (credentials)",
            LogCause::Forbidden403 => "Twilio answered 403 (forbidden)",
            LogCause::ServerError5xx => "Twilio server error (5xx)",
            LogCause::Timeout => "timeout downloading from Twilio",
            LogCause::MissingCredentials => "Twilio credentials missing",
            LogCause::NoSlot => "no download slot free",
            LogCause::CircuitBreaker => "circuit breaker open",
            LogCause::DiskSaveFailed => "saving to disk failed",
            LogCause::WorkHorseKilled => "work-horse killed mid-job (a signal)",
            LogCause::WorkerNameClash => "a worker refused: its name is taken",
            LogCause::Other => "other (404 or unknown: read the lines)",
        }
    }

    /// A credentials storm, a jam or a full disk blocks every download;
    /// Twilio's own errors and timeouts pass.
    pub fn severity(self) -> Status {
        match self {
            LogCause::Unauthorized401
            | LogCause::Forbidden403
            | LogCause::MissingCredentials
            | LogCause::NoSlot
            | LogCause::DiskSaveFailed => Status::Critical,
            _ => Status::Warning,
        }
    }

    pub fn hint(self) -> &'static str {
        match self {
            LogCause::Unauthorized401 => {
                "Twilio answered 401: check TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN in the worker's environment, then restart the worker"
            }
            LogCause::Forbidden403 => {
                "Twilio answered 403: the credentials' account cannot read these recordings (another subaccount, or deleted recordings)"
            }
            LogCause::ServerError5xx => {
                "Twilio's servers failed: nothing to fix here; the call downloads again when it is opened"
            }
            LogCause::Timeout => {
                "downloads from Twilio timed out: check the worker's network to api.twilio.com and its load"
            }
            LogCause::MissingCredentials => {
                "TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN are not set in the worker's environment: set them and restart the worker"
            }
            LogCause::NoSlot => Cause::NoSlot.hint(),
            LogCause::CircuitBreaker => {
                "the circuit breaker stopped downloads after repeated failures: fix the cause it follows; it closes by itself"
            }
            LogCause::DiskSaveFailed => {
                "the worker could not write the file: check the recordings volume (free space, permissions, read-only mount)"
            }
            LogCause::WorkHorseKilled => {
                "a download's work-horse was killed (the OOM killer, docker kill, or RQ's hard kill at job_timeout + 60 s): RQ runs the job again under the same id while it has retries left, and the killed run stays 'running' holding its slot for up to 15 min; check the worker's memory (docker inspect <container> --format '{{.State.OOMKilled}}', dmesg) and recdiag runs"
            }
            LogCause::WorkerNameClash => {
                "RQ refused to start a worker because a live worker is registered under its name: the app names workers by PID (prosaas-worker-1 in every container), so the multi-worker profile or replicas run one worker and the rest crash-loop, and a SIGKILLed worker's key refuses its own restart for up to 480 s; give each worker a unique name (e.g. hostname and PID) — recdiag workers shows the registered one"
            }
            LogCause::Other => "read the call's lines: recdiag logs --sid <SID>",
        }
    }

    /// The cause a failure's own text gives, when no line before it did.
    fn of_detail(detail: &str) -> LogCause {
        match Cause::classify(Some(detail)) {
            Cause::NoSlot => LogCause::NoSlot,
            Cause::Timeout => LogCause::Timeout,
            _ if detail.contains("circuit breaker") => LogCause::CircuitBreaker,
            _ if detail.contains("401") => LogCause::Unauthorized401,
            _ if detail.contains("403") => LogCause::Forbidden403,
            _ => LogCause::Other,
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Attempt {
    cause: Option<LogCause>,
    failed: bool,
    saved: bool,
    /// When its `Starting download` line was written, and a hash of the
    /// stream that wrote it: the app writes that line through two loggers
    /// (spec §1, "The worker's log"), and the second copy is no new
    /// download.
    started: Option<(jiff::Timestamp, u64)>,
}

impl Attempt {
    /// A `Starting download` line at `at` in `stream` is the second
    /// logger's copy of this attempt's: nothing has happened to the
    /// attempt since, and it comes from the same stream within a second.
    fn echoed_by(&self, at: Option<jiff::Timestamp>, stream: u64) -> bool {
        let fresh = self.cause.is_none() && !self.failed && !self.saved;
        fresh
            && self.started.is_some_and(|(t, s)| {
                s == stream && at.is_some_and(|at| (at.as_second() - t.as_second()).abs() <= 1)
            })
    }
}

fn stream_hash(stream: Option<&str>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    stream.hash(&mut h);
    h.finish()
}

/// A call SID as a table key ([`crate::sid::CallSid::key`], carried on
/// each line as [`Line::call_key`]).
type SidKey = u128;

/// Gathers items as the scanner reads them.
pub struct Summary {
    since: Option<jiff::Timestamp>,
    until: Option<jiff::Timestamp>,
    sids: Vec<String>,
    attempts: Bounded<SidKey, Attempt>,
    downloads: DownloadCounts,
    causes: BTreeMap<LogCause, (u64, VecDeque<String>)>,
    slow: SlowDownloads,
    worker_starts: u64,
    schema_outdated: u64,
    missing_tables: Option<String>,
    tracebacks: HashMap<String, u64>,
    /// The asked calls' newest lines; older ones beyond [`EVENTS`] per
    /// call are dropped, and counted.
    events: VecDeque<LogEvent>,
    events_dropped: u64,
    first_at: Option<jiff::Timestamp>,
    last_at: Option<jiff::Timestamp>,
    in_window: u64,
    /// Per call asked about: the newest cause and the line that gave it
    /// (for `call --log`).
    pub evidence: HashMap<String, Evidence>,
}

/// What the log says about one call's failure.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub cause: LogCause,
    pub at: Option<jiff::Timestamp>,
    pub line: String,
}

impl Summary {
    pub fn new(
        since: Option<jiff::Timestamp>,
        until: Option<jiff::Timestamp>,
        sids: Vec<String>,
    ) -> Summary {
        Summary {
            since,
            until,
            sids,
            attempts: Bounded::new(TRACKED),
            downloads: DownloadCounts::default(),
            causes: BTreeMap::new(),
            slow: SlowDownloads::default(),
            worker_starts: 0,
            schema_outdated: 0,
            missing_tables: None,
            tracebacks: HashMap::new(),
            events: VecDeque::new(),
            events_dropped: 0,
            first_at: None,
            last_at: None,
            in_window: 0,
            evidence: HashMap::new(),
        }
    }

    fn in_window(&self, at: Option<jiff::Timestamp>) -> bool {
        match at {
            None => true,
            Some(at) => self.since.is_none_or(|s| at >= s) && self.until.is_none_or(|u| at <= u),
        }
    }

    pub fn add(&mut self, item: Item<'_>) {
        let line = match item {
            Item::Traceback(last) => {
                self.in_window += 1;
                // RQ's refusal of a second worker under a live name.
                if last.contains("There exists an active worker named") {
                    let (n, _) = self.causes.entry(LogCause::WorkerNameClash).or_default();
                    *n += 1;
                }
                let room = self.tracebacks.len() < TRACEBACKS;
                match self.tracebacks.get_mut(last) {
                    Some(n) => *n += 1,
                    None if room => {
                        self.tracebacks.insert(truncate(last, 300), 1);
                    }
                    None => {
                        *self
                            .tracebacks
                            .entry("(other tracebacks)".into())
                            .or_default() += 1
                    }
                }
                return;
            }
            Item::Line(line) => line,
        };
        if !self.in_window(line.at) {
            return;
        }
        self.in_window += 1;
        if let Some(at) = line.at {
            // Written only when it moves (most lines repeat the last time
            // seen): rewriting both on every line stalled on the reads
            // that followed.
            match (self.first_at, self.last_at) {
                (Some(first), Some(last)) => {
                    if at > last {
                        self.last_at = Some(at);
                    } else if at < first {
                        self.first_at = Some(at);
                    }
                }
                _ => (self.first_at, self.last_at) = (Some(at), Some(at)),
            }
        }
        let sid = line.call_sid;
        let k = line.call_key;
        let asked = sid.is_some_and(|s| self.sids.iter().any(|w| w == s));
        if asked {
            if self.events.len() >= EVENTS * self.sids.len() {
                self.events.pop_front();
                self.events_dropped += 1;
            }
            self.events.push_back(LogEvent {
                at: line.at,
                stream: line.stream.map(str::to_string),
                level: line.level.map(str::to_string),
                call_sid: sid.map(str::to_string),
                message: truncate(line.message, 500),
            });
        }
        match line.event {
            None => {}
            Some(Event::Started) => {
                let stream = stream_hash(line.stream);
                if let Some(k) = k {
                    if self
                        .attempts
                        .get(&k)
                        .is_some_and(|a| a.echoed_by(line.at, stream))
                    {
                        return;
                    }
                    let started = line.at.map(|at| (at, stream));
                    self.attempts.insert(
                        k,
                        Attempt {
                            started,
                            ..Attempt::default()
                        },
                    );
                }
                self.downloads.started += 1;
            }
            Some(Event::HorseKilled) => {
                if let Some(sid) = sid
                    && asked
                {
                    self.witness(sid, LogCause::WorkHorseKilled, line);
                }
                self.fail(sid, k, LogCause::WorkHorseKilled);
            }
            Some(Event::Saved) => match self.attempt_mut(k) {
                Some(a) if a.saved => {}
                Some(a) => {
                    a.saved = true;
                    self.downloads.saved += 1;
                }
                None => self.downloads.saved += 1,
            },
            Some(Event::Cause(cause)) => {
                let cause = *cause;
                if let Some(sid) = sid {
                    if asked {
                        self.witness(sid, cause, line);
                    }
                    if let Some(a) = self.attempt_mut(k)
                        && a.cause.is_none()
                    {
                        a.cause = Some(cause);
                    }
                }
                // A failed save ends the attempt by itself (no slot is
                // counted from the `Job error` line that names the run).
                if cause == LogCause::DiskSaveFailed {
                    self.fail(sid, k, cause);
                }
            }
            Some(Event::Failed { detail }) => {
                let attempt = sid.map(|_| self.attempt(k));
                if attempt.is_none_or(|a| !a.failed) {
                    let cause = attempt
                        .and_then(|a| a.cause)
                        .unwrap_or_else(|| LogCause::of_detail(detail));
                    if let Some(sid) = sid
                        && asked
                        && !self.evidence.contains_key(sid)
                    {
                        self.witness(sid, cause, line);
                    }
                    self.fail(sid, k, cause);
                }
            }
            Some(Event::Slow(secs)) => {
                let secs = *secs;
                self.slow.count += 1;
                self.slow.slowest_s = Some(self.slow.slowest_s.map_or(secs, |s: f64| s.max(secs)));
            }
            Some(Event::WorkerStart) => self.worker_starts += 1,
            Some(Event::SchemaOutdated(tables)) => match tables {
                Some(t) => self.missing_tables = Some(truncate(t, 200)),
                None => self.schema_outdated += 1,
            },
        }
    }

    fn witness(&mut self, sid: &str, cause: LogCause, line: &Line<'_>) {
        self.evidence.insert(
            sid.to_string(),
            Evidence {
                cause,
                at: line.at,
                line: truncate(line.message, 500),
            },
        );
    }

    fn fail(&mut self, sid: Option<&str>, k: Option<SidKey>, cause: LogCause) {
        if let Some(a) = self.attempt_mut(k) {
            if a.failed {
                return;
            }
            a.failed = true;
        }
        self.downloads.failed += 1;
        let (n, newest) = self.causes.entry(cause).or_default();
        *n += 1;
        if let Some(sid) = sid {
            newest.retain(|s| s != sid);
            newest.push_front(sid.to_string());
            newest.truncate(NEWEST);
        }
    }

    fn attempt(&self, k: Option<SidKey>) -> Attempt {
        k.and_then(|k| self.attempts.get(&k).copied())
            .unwrap_or_default()
    }

    /// The call's attempt, tracked from now on if it was not.
    fn attempt_mut(&mut self, k: Option<SidKey>) -> Option<&mut Attempt> {
        Some(self.attempts.get_or_insert_with(k?, Attempt::default))
    }

    /// The report: status from the worst cause seen.
    pub fn finish(
        self,
        now: jiff::Timestamp,
        sources: Vec<String>,
        stats: ReadStats,
        mut notes: Vec<String>,
    ) -> LogsReport {
        let mut causes: Vec<LogCauseGroup> = LogCause::ALL
            .into_iter()
            .filter_map(|c| {
                let (n, newest) = self.causes.get(&c)?;
                Some(LogCauseGroup {
                    cause: c.as_str().into(),
                    label: c.label().into(),
                    severity: c.severity(),
                    count: *n,
                    newest_sids: newest.iter().cloned().collect(),
                    hint: c.hint().into(),
                })
            })
            .collect();
        causes.sort_by_key(|g| (g.severity != Status::Critical, std::cmp::Reverse(g.count)));
        let mut tracebacks: Vec<TracebackGroup> = self
            .tracebacks
            .into_iter()
            .map(|(last_line, count)| TracebackGroup { last_line, count })
            .collect();
        tracebacks.sort_by(|a, b| b.count.cmp(&a.count).then(a.last_line.cmp(&b.last_line)));
        tracebacks.truncate(20);
        let mut status = Status::worst_of(causes.iter().map(|g| g.severity));
        if self.schema_outdated > 0 {
            status = status.worst(Status::Critical);
        }
        if let Some(e) = &stats.error {
            notes.push(format!("the input ended in an error (a truncated gzip?): {e}; what was read before it is counted"));
            status = status.worst(Status::Warning);
        }
        if stats.recognised == 0 {
            notes.push(
                concat!(
                    "no line of the app's worker log was recognised: is this the worker's log (",
                    crate::worker_log_all!(),
                    ")?"
                )
                .into(),
            );
            status = status.worst(Status::Unknown);
        }
        if stats.long_lines > 0 {
            notes.push(format!(
                "{} longer than 64 KiB were cut",
                crate::text::plural(stats.long_lines, "line", "lines")
            ));
        }
        if self.events_dropped > 0 {
            notes.push(format!(
                "{} of the asked calls not shown: the newest {} are (narrow with --since/--until)",
                crate::text::plural(self.events_dropped, "older line", "older lines"),
                crate::text::count((EVENTS * self.sids.len()) as u64)
            ));
        }
        LogsReport {
            schema_version: LogsReport::schema_version(),
            tool: "recdiag",
            version: env!("CARGO_PKG_VERSION"),
            generated_at: now,
            status,
            exit_code: status.exit_code(),
            sources,
            since: self.since,
            until: self.until,
            first_at: self.first_at,
            last_at: self.last_at,
            lines: LineCounts {
                read: stats.lines,
                recognised: stats.recognised,
                long: stats.long_lines,
                invalid_utf8: stats.invalid_utf8,
            },
            downloads: self.downloads,
            causes,
            slow_downloads: self.slow,
            worker_starts: self.worker_starts,
            schema_outdated: self.schema_outdated,
            missing_tables: self.missing_tables,
            tracebacks,
            events: self.events.into(),
            notes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::log::Scanner;

    fn summarize(log: &str) -> LogsReport {
        let mut summary = Summary::new(None, None, vec![]);
        let mut stats = ReadStats::default();
        Scanner::new().scan(log.as_bytes(), &mut stats, &mut |i| summary.add(i));
        summary.finish(jiff::Timestamp::UNIX_EPOCH, vec!["-".into()], stats, vec![])
    }

    #[test]
    fn a_calls_newest_lines_are_kept_and_the_older_counted() {
        let s = "CA00000000000000000000000000000003";
        let log: String = (0..1_500)
            .map(|i| {
                format!(
                    "[2026-11-25 09:{:02}:{:02}] INFO [j] [DOWNLOAD_ONLY] Starting download for {s}\n",
                    i / 60 % 60,
                    i % 60
                )
            })
            .collect();
        let mut summary = Summary::new(None, None, vec![s.to_string()]);
        let mut stats = ReadStats::default();
        Scanner::new().scan(log.as_bytes(), &mut stats, &mut |i| summary.add(i));
        let r = summary.finish(jiff::Timestamp::UNIX_EPOCH, vec!["-".into()], stats, vec![]);
        assert_eq!(r.events.len(), EVENTS);
        let newest = r.events.last().and_then(|e| e.at).map(|t| t.to_string());
        assert_eq!(newest.as_deref(), Some("2026-11-25T09:24:59Z"));
        assert!(
            r.notes.iter().any(|n| n.starts_with("500 older lines")),
            "{:?}",
            r.notes
        );
    }

    #[test]
    fn one_failed_download_is_counted_once_with_its_cause() {
        let s = "CA00000000000000000000000000000002";
        let r = summarize(&format!(
            "[2026-11-25 09:00:00] INFO [j] [DOWNLOAD_ONLY] Starting download for {s}\n\
             [2026-11-25 09:00:00] ERROR [s] [RECORDING_SERVICE] Authentication failed (401) for {s}\n\
             [2026-11-25 09:00:00] ERROR [s] [RECORDING_SERVICE] All download attempts failed for {s}. Last error: None\n\
             [2026-11-25 09:00:00] ERROR [s] [DOWNLOAD_ONLY] Failed to download for {s}\n"
        ));
        assert_eq!(
            (r.downloads.started, r.downloads.saved, r.downloads.failed),
            (1, 0, 1)
        );
        assert_eq!(r.causes.len(), 1);
        assert_eq!(r.causes[0].cause, "unauthorized_401");
        assert_eq!(r.causes[0].newest_sids, [s]);
        assert_eq!(r.status, Status::Critical);
    }

    #[test]
    fn both_loggers_lines_count_one_download() {
        // The app writes each [DOWNLOAD_ONLY] line through two loggers
        // (one with an emoji); at LOG_LEVEL INFO the first one's INFO
        // lines are missing. Either way: one download, counted once.
        let s = "CA00000000000000000000000000000002";
        let debug = format!(
            "[2026-11-25 09:00:00] INFO [server.tasks_recording] ⚡ [DOWNLOAD_ONLY] Starting download for {s}\n\
             [2026-11-25 09:00:00] INFO [tasks.recording] [DOWNLOAD_ONLY] Starting download for {s}\n\
             [2026-11-25 09:00:01] INFO [server.tasks_recording] ✅ [DOWNLOAD_ONLY] Downloaded 4096 bytes for {s}\n\
             [2026-11-25 09:00:01] INFO [tasks.recording] [DOWNLOAD_ONLY] Downloaded 4096 bytes for {s}\n\
             [2026-11-25 09:00:05] INFO [server.tasks_recording] ⚡ [DOWNLOAD_ONLY] Starting download for {s}\n\
             [2026-11-25 09:00:05] INFO [tasks.recording] [DOWNLOAD_ONLY] Starting download for {s}\n\
             [2026-11-25 09:00:06] ERROR [server.tasks_recording] ❌ [DOWNLOAD_ONLY] Failed to download for {s}\n\
             [2026-11-25 09:00:06] ERROR [tasks.recording] [DOWNLOAD_ONLY] Failed to download for {s}\n"
        );
        let info: String = debug
            .lines()
            .filter(|l| !(l.contains("INFO [server.tasks_recording]")))
            .map(|l| format!("{l}\n"))
            .collect();
        for log in [&debug, &info] {
            let r = summarize(log);
            assert_eq!(
                (r.downloads.started, r.downloads.saved, r.downloads.failed),
                (2, 1, 1),
                "{log}"
            );
        }
        // Two workers starting the same call in the same second are two
        // downloads when their streams say so.
        let two = format!(
            "worker-1  | [2026-11-25 09:00:00] INFO [tasks.recording] [DOWNLOAD_ONLY] Starting download for {s}\n\
             worker-2  | [2026-11-25 09:00:00] INFO [tasks.recording] [DOWNLOAD_ONLY] Starting download for {s}\n"
        );
        assert_eq!(summarize(&two).downloads.started, 2);
    }

    #[test]
    fn killed_work_horses_and_refused_workers_are_their_own_causes() {
        let s = "CA00000000000000000000000000000002";
        let r = summarize(&format!(
            "[2026-11-25 09:00:00] INFO [tasks.recording] [DOWNLOAD_ONLY] Starting download for {s}\n\
             [2026-11-25 09:00:09] WARNING [rq.worker] Worker w1: moving job recording_download_{s}_1764061200000 to FailedJobRegistry (Work-horse terminated unexpectedly; waitpid returned 9 (signal 9); )\n\
             [2026-11-25 09:00:09] WARNING [rq.worker] Work horse killed for job recording_download_{s}_1764061200000: retpid=41, ret_val=9\n\
             [2026-11-25 09:00:09] INFO [rq.job] Job recording_download_{s}_1764061200000: enqueued for retry, 2 remaining\n\
             [2026-11-25 09:00:10] WARNING [rq.worker] Work horse killed for job recording_full_{s}_1764061200001: retpid=42, ret_val=256\n\
             Traceback (most recent call last):\n\
             \x20 File \"/app/server/worker.py\", line 300, in main\n\
             ValueError: There exists an active worker named 'prosaas-worker-1' already\n"
        ));
        let killed = r.causes.iter().find(|c| c.cause == "work_horse_killed");
        let killed = killed.expect("a kill");
        assert_eq!(killed.count, 1, "256 is an exit status, not a kill");
        assert_eq!(killed.newest_sids, [s]);
        let clash = r.causes.iter().find(|c| c.cause == "worker_name_clash");
        assert_eq!(clash.map(|c| c.count), Some(1));
        // The app's server/worker.py logs the refusal as a bootstrap
        // failure: its message and the traceback, which ends in RQ's text.
        let boot = summarize(
            "[2026-11-25 09:00:00] ERROR [__main__] ❌ WORKER BOOTSTRAP FAILED AT: Worker runtime execution\n\
             [2026-11-25 09:00:00] ERROR [__main__] Error message: There exists an active worker named 'prosaas-worker-1' already\n\
             [2026-11-25 09:00:00] ERROR [__main__] Full traceback:\n\
             [2026-11-25 09:00:00] ERROR [__main__] Traceback (most recent call last):\n\
             \x20 File \"/app/server/worker.py\", line 380, in main\n\
             \x20   worker.work(\n\
             ValueError: There exists an active worker named 'prosaas-worker-1' already\n\
             \n\
             [2026-11-25 09:00:00] ERROR [__main__] ================\n",
        );
        let clash = boot.causes.iter().find(|c| c.cause == "worker_name_clash");
        assert_eq!(clash.map(|c| c.count), Some(1), "{boot:?}");
        assert!(clash.unwrap().hint.contains("unique name"));
        assert_eq!(r.status, Status::Warning);
    }

    #[test]
    fn missing_credentials_name_no_call_and_are_its_cause() {
        // The app checks TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN together
        // and its line names no call: the call is the stream's download.
        let s = "CA00000000000000000000000000000002";
        for prefix in ["", "worker-1  | "] {
            let r = summarize(&format!(
                "{prefix}[2026-11-25 09:00:00] INFO [j] [DOWNLOAD_ONLY] Starting download for {s}\n\
                 {prefix}[2026-11-25 09:00:00] ERROR [s] [RECORDING_SERVICE] Missing Twilio credentials\n\
                 {prefix}[2026-11-25 09:00:00] ERROR [j] [DOWNLOAD_ONLY] Failed to download for {s}\n"
            ));
            assert_eq!(r.downloads.failed, 1, "{prefix:?}");
            assert_eq!(r.causes.len(), 1, "{prefix:?}");
            assert_eq!(r.causes[0].cause, "missing_credentials", "{prefix:?}");
            assert_eq!(r.causes[0].newest_sids, [s], "{prefix:?}");
        }
    }

    #[test]
    fn the_window_seen_spans_the_earliest_and_latest_times_in_any_order() {
        let line = |t: &str| {
            format!(
                "[2026-11-25 {t}] INFO [j] [DOWNLOAD_ONLY] Starting download for CA00000000000000000000000000000002\n"
            )
        };
        let log: String = ["09:00:05", "09:00:05", "09:00:01", "09:00:09", "09:00:03"]
            .iter()
            .map(|t| line(t))
            .collect();
        let r = summarize(&log);
        let at = |t: &str| format!("2026-11-25T{t}Z").parse::<jiff::Timestamp>().ok();
        assert_eq!(r.first_at, at("09:00:01"));
        assert_eq!(r.last_at, at("09:00:09"));
    }

    #[test]
    fn nothing_recognised_is_unknown() {
        let r = summarize("hello\nworld\n");
        assert_eq!(r.status, Status::Unknown);
        assert_eq!(r.lines.read, 2);
    }
}
