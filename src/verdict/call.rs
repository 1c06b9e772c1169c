//! The verdict of one call (spec §6), decided from what each source said.
//!
//! The deciding run is the call's newest run: the app's leftover API row
//! beside it (spec §1 item 3) is superseded, shown, and never decides. The
//! reason names the runs and jobs it rests on, so it never contradicts the
//! lists printed under it.

use crate::model::{
    CallLogInfo, CallReport, FileInfo, JobInfo, LockInfo, LogEvidence, RunInfo, SlotInfo, Status,
    Verdict,
};
use crate::probe::log::LogCause;
use crate::text;
use crate::verdict::logs::Evidence;

use super::Thresholds;
use super::causes::Cause;

/// The player's retries: 12 × the API's Retry-After of 2 s, plus requests.
const PLAYER_GIVES_UP_S: f64 = 26.0;

/// A queued run this young with no job may still be on its way into RQ:
/// the same grace as ORPHANED_RUNS, so `call` and `health` agree.
use super::consistency::ORPHAN_AFTER_S as ENQUEUE_GRACE_S;
/// Recordings are kept 7 days: from the 8th whole day the call's endpoints
/// answer 410 (spec §1 item 9).
const EXPIRED_AFTER_DAYS: i64 = 8;
/// The API gives up at this many recoveries in its 10-minute window.
const MAX_RECOVERIES: i64 = 3;
/// Longest error text quoted in a reason (JSON keeps the run's whole text).
const ERROR_CHARS: usize = 200;

/// Everything gathered about one call; `None` for a source that could not be read.
#[derive(Debug, Clone, Default)]
pub struct CallFacts {
    pub sid: String,
    pub file: FileInfo,
    pub parent_file: Option<FileInfo>,
    pub call_log: Option<Option<CallLogInfo>>,
    pub runs: Option<Vec<RunInfo>>,
    pub jobs: Option<Vec<JobInfo>>,
    pub locks: Vec<LockInfo>,
    pub slots: Vec<SlotInfo>,
    pub workers_listening: Vec<String>,
    /// Workers registered on the queued job's queue that are not working,
    /// each with why (not in the JSON: the reason says it).
    pub workers_not_working: Vec<String>,
    /// `recording_retry_attempts:<SID>` and its TTL in ms.
    pub retry_attempts: Option<(i64, Option<i64>)>,
    pub suspended: bool,
    /// The recordings directory does not exist: nothing is judged from files.
    pub dir_missing: bool,
    pub unavailable: Vec<String>,
    /// The database is configured but did not answer (why): the API
    /// cannot serve even a valid file.
    pub database_down: Option<String>,
    /// Redis's uptime and evictions (None: Redis not read).
    pub redis_life: Option<crate::probe::redis::RedisLife>,
}

/// What `decide` concluded.
struct Decision {
    verdict: Option<Verdict>,
    reason: String,
    hint: String,
    cause: Option<Cause>,
}

fn decision(verdict: Verdict, reason: impl Into<String>, hint: impl Into<String>) -> Decision {
    Decision {
        verdict: Some(verdict),
        reason: reason.into(),
        hint: hint.into(),
        cause: None,
    }
}

pub fn judge(mut f: CallFacts, now: jiff::Timestamp, t: &Thresholds) -> CallReport {
    mark_superseded(&mut f);
    let d = decide(&f, now, t);
    let status = d.verdict.map_or(Status::Unknown, Verdict::status);
    let queue_position = match d.verdict {
        Some(Verdict::Queued) => f
            .jobs
            .iter()
            .flatten()
            .find(|j| j.status.as_deref() == Some("queued"))
            .and_then(|j| j.position),
        _ => None,
    };
    CallReport {
        schema_version: CallReport::schema_version(),
        call_sid: f.sid,
        verdict: d.verdict,
        status,
        exit_code: status.exit_code(),
        reason: d.reason,
        hint: d.hint,
        cause: d.cause.map(|c| c.as_str().to_string()),
        deciding_run: f.runs.as_ref().and_then(|r| r.first()).map(|r| r.id),
        retry_attempts: f.retry_attempts.map(|(n, _)| n),
        retry_window_left_s: f
            .retry_attempts
            .and_then(|(_, ttl)| ttl)
            .map(|ms| ms as f64 / 1000.0),
        workers_suspended: f.suspended,
        log_evidence: None,
        queue_position,
        workers_listening: if d.verdict == Some(Verdict::Queued) {
            f.workers_listening
        } else {
            Vec::new()
        },
        file: f.file,
        parent_file: f.parent_file,
        call_log: f.call_log.flatten(),
        runs: f.runs.unwrap_or_default(),
        jobs: f.jobs.unwrap_or_default(),
        locks: f.locks,
        slots: f.slots,
        unavailable: f.unavailable,
    }
}

/// An active run is superseded by a newer run of the same business (runs
/// come newest first) or by the call's valid file.
fn mark_superseded(f: &mut CallFacts) {
    let valid = f.file.valid;
    let Some(runs) = f.runs.as_mut() else { return };
    for i in 0..runs.len() {
        let active = matches!(runs[i].status.as_str(), "queued" | "running");
        let newer = runs[..i]
            .iter()
            .any(|n| n.business_id == runs[i].business_id);
        runs[i].superseded = active && (newer || valid);
    }
}

fn age(now: jiff::Timestamp, at: Option<jiff::Timestamp>) -> Option<f64> {
    at.map(|a| (now.as_microsecond() - a.as_microsecond()) as f64 / 1e6)
}

/// The first line of an error text, cut to a readable length.
fn first_line(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    crate::text::truncate(line, ERROR_CHARS)
}

fn decide(f: &CallFacts, now: jiff::Timestamp, t: &Thresholds) -> Decision {
    let runs: &[RunInfo] = f.runs.as_deref().unwrap_or(&[]);
    let jobs: &[JobInfo] = f.jobs.as_deref().unwrap_or(&[]);
    let newest_job = |status: &str| {
        jobs.iter()
            .filter(|j| j.status.as_deref() == Some(status))
            .max_by_key(|j| j.enqueued_at.map(|e| e.as_microsecond()))
    };
    let days_old = f
        .call_log
        .as_ref()
        .and_then(|l| l.as_ref())
        .and_then(|l| age(now, l.created_at))
        .map(|s| (s / 86_400.0).floor() as i64);
    let expired = days_old.is_some_and(|d| d >= EXPIRED_AFTER_DAYS);

    if f.file.valid {
        let size = f.file.size_bytes.unwrap_or(0);
        if expired {
            return decision(
                Verdict::Ready,
                format!(
                    "{} exists ({size} bytes); the call is {} days old, so /stream, /status and /download answer 410 while the player's /file still plays it",
                    f.file.path,
                    days_old.unwrap_or(0)
                ),
                "nothing to do in the player; the daily cleanup will delete the file",
            );
        }
        // The API reads call_log before it looks at the file.
        if let Some(why) = &f.database_down {
            return decision(
                Verdict::DatabaseDown,
                format!(
                    "{} exists ({size} bytes), but the database is down ({why}): the API reads call_log first and answers 500, so the player shows 'contact support'",
                    f.file.path
                ),
                "bring the database back (the app's DATABASE_URL); the recording plays as soon as it answers",
            );
        }
        return decision(
            Verdict::Ready,
            format!("{} exists ({size} bytes)", f.file.path),
            "nothing to do: the recording plays",
        );
    }
    if let Some(p) = f.parent_file.as_ref().filter(|p| p.valid) {
        return decision(
            Verdict::ParentLegOnly,
            format!(
                "only the parent leg's file {} is valid; the worker counts that as done, but the API serves only {}",
                p.path, f.file.path
            ),
            "the player keeps getting 202 for this child leg: copy or link the parent's file to this SID's name, or open the parent call",
        );
    }
    if expired {
        return decision(
            Verdict::Expired,
            format!(
                "the call is {} days old and {} is not valid: recordings are kept 7 days",
                days_old.unwrap_or(0),
                f.file.path
            ),
            "nothing to fix: /stream, /status and /download answer 410; the player's /file downloads it again only while Twilio still has it",
        );
    }
    let deciding = runs.first();
    let deciding_cause = deciding
        .filter(|r| r.status == "failed")
        .map(|r| Cause::classify(r.error_message.as_deref()));
    if let (Some(run), Some(Cause::WorkerOffline), Some((attempts, ttl))) =
        (deciding, deciding_cause, f.retry_attempts)
        && attempts >= MAX_RECOVERIES
    {
        let left = ttl.map_or(String::new(), |ms| {
            format!(
                " (the counter resets in {})",
                text::seconds(ms as f64 / 1000.0)
            )
        });
        return Decision {
            verdict: Some(Verdict::GaveUp),
            reason: format!(
                "the API recovered this call {attempts} times in 10 min, then failed run {} with '{}' and told the player the worker is offline{left}",
                run.id,
                first_line(run.error_message.as_deref().unwrap_or(""))
            ),
            hint: format!(
                "{}; next: {}",
                Cause::WorkerOffline.hint(),
                reopen(f, now, t)
            ),
            cause: Some(Cause::WorkerOffline),
        };
    }
    if let Some(j) = newest_job("queued") {
        let pos = j.position.map_or("?".to_string(), |p| p.to_string());
        let queue = j.queue.as_deref().unwrap_or("?");
        if f.suspended {
            return decision(
                Verdict::Queued,
                format!(
                    "job {} waits in '{queue}' at position {pos}, but the workers are suspended (rq suspend): nothing runs until rq resume",
                    j.id
                ),
                "resume the workers: rq resume -u $REDIS_URL",
            );
        }
        let (workers, hint) = no_taker(f).unwrap_or_else(|| {
            (
                format!("workers listening: {}", f.workers_listening.join(", ")),
                "wait: the job is waiting its turn (large files take 2-3 min)",
            )
        });
        return decision(
            Verdict::Queued,
            format!(
                "job {} waits in '{queue}' at position {pos}; {workers}",
                j.id
            ),
            hint,
        );
    }
    // rq 3.0: a rate limit holds the job back on no queue; it joins its
    // queue when one of the limit's jobs ends.
    if let Some(j) = newest_job("rate_limited") {
        let queue = j.queue.as_deref().unwrap_or("?");
        let held = format!(
            "job {} is held back by an RQ rate limit: it joins '{queue}' when one of the limit's jobs ends",
            j.id
        );
        if f.suspended {
            return decision(
                Verdict::Queued,
                format!(
                    "{held}, but the workers are suspended (rq suspend): nothing runs until rq resume"
                ),
                "resume the workers: rq resume -u $REDIS_URL",
            );
        }
        // With no worker, the limit's slots belong to jobs nobody runs.
        let (workers, hint) = no_taker(f).unwrap_or_else(|| {
            (
                format!("workers listening: {}", f.workers_listening.join(", ")),
                "wait: the rate limit lets it through as its jobs end; if it never moves, see what holds the limit's slots (recdiag queues: started jobs)",
            )
        });
        return decision(Verdict::Queued, format!("{held}; {workers}"), hint);
    }
    if let Some(j) = newest_job("started") {
        // The player (AudioPlayer.tsx) retries a 202 twelve times, waiting
        // the API's Retry-After of 2 s: it gives up after about 26 s.
        let player = age(now, j.started_at.or(j.enqueued_at)).map_or(String::new(), |took| {
            if took > PLAYER_GIVES_UP_S {
                format!(
                    "; it has taken {}, longer than the player's ~26 s of retries (12 × Retry-After 2 s), so the user saw the retry button — it plays once done",
                    text::seconds(took)
                )
            } else {
                format!(
                    "; {} so far, the player retries for ~26 s",
                    text::seconds(took)
                )
            }
        });
        return decision(
            Verdict::Downloading,
            format!(
                "job {} is running on {}{player}",
                j.id,
                j.worker_name.as_deref().unwrap_or("a worker")
            ),
            "wait: downloads take up to 2-3 minutes",
        );
    }
    if let Some(j) = newest_job("scheduled") {
        return decision(
            Verdict::RetryScheduled,
            format!(
                "job {} failed and RQ scheduled a retry ({} left)",
                j.id,
                j.retries_left.map_or("?".to_string(), |r| r.to_string())
            ),
            "wait for the retry (the job waits in RQ's scheduled registry, so recdiag failed does not list it; its last error is jobs[].exception in recdiag call --format json)",
        );
    }
    if let Some(run) = deciding
        && let Some(d) = decide_from_run(f, run, deciding_cause, now, t)
    {
        return d;
    }
    if let Some(j) = newest_job("failed") {
        let error = j
            .exception_last_line
            .as_deref()
            .map_or("no error text recorded".to_string(), first_line);
        return decision(
            Verdict::Failed,
            format!("job {} failed: {error}", j.id),
            "read the worker log for this SID; then open the call again",
        );
    }
    if f.file.exists {
        return undersized(f);
    }
    let anything_unread = !f.unavailable.is_empty();
    match &f.call_log {
        Some(Some(log)) if log.recording_url_set && runs.is_empty() && jobs.is_empty() => {
            if anything_unread {
                return unknown(f);
            }
            decision(
                Verdict::NotRequested,
                "the recording URL is known but no download was requested",
                "open the call in the UI: that enqueues the download",
            )
        }
        Some(Some(_)) if runs.is_empty() && jobs.is_empty() => decision(
            Verdict::NoRecordingUrl,
            "the call exists but Twilio has not delivered the recording URL yet",
            "wait 30-60 s after the call ends; if it never comes, check Twilio's recording status callback",
        ),
        _ if runs.is_empty()
            && jobs.is_empty()
            && f.call_log.as_ref().is_some_and(Option::is_none)
            && !anything_unread =>
        {
            decision(
                Verdict::UnknownCall,
                "no trace of this SID: no file, no call_log row, no run, no job",
                "check the SID, and that recdiag looks at the right database, Redis and directory",
            )
        }
        _ if anything_unread => unknown(f),
        _ => decision(
            Verdict::NotRequested,
            "runs exist but none is active, failed or completed",
            "open the call in the UI to request the download again",
        ),
    }
}

/// What opening the call does now, and when that changes, from the app's
/// own rules (spec §1 items 2, 6): an active run makes the API answer 202
/// and enqueue nothing until it turns 5 min old; then a reopen fails it
/// and enqueues again, three times in a sliding 10-minute window, then
/// answers 500; with no active run the enqueue happens at once unless the
/// dedup lock still lives.
fn reopen(f: &CallFacts, now: jiff::Timestamp, t: &Thresholds) -> String {
    let runs: &[RunInfo] = f.runs.as_deref().unwrap_or(&[]);
    let attempts = f.retry_attempts.map_or(0, |(n, _)| n.max(0));
    let resets = f
        .retry_attempts
        .and_then(|(_, ttl)| ttl)
        .and_then(|ms| text::expires(now, ms))
        .map_or(String::new(), |at| {
            format!(" (the counter resets at {})", text::moment(now, at))
        });
    let recovery = if attempts >= MAX_RECOVERIES {
        format!(
            "fails it and answers 500 worker_not_processing_queue: its {MAX_RECOVERIES} recoveries in 10 min are used up{resets}, and the player shows 'contact support'"
        )
    } else {
        format!(
            "fails it and enqueues a new download (recovery {} of {MAX_RECOVERIES} in a 10-minute window)",
            attempts + 1
        )
    };
    let active: Vec<&RunInfo> = runs
        .iter()
        .filter(|r| matches!(r.status.as_str(), "queued" | "running"))
        .collect();
    if !active.is_empty() {
        let stuck_at = |r: &&RunInfo| {
            let (from, limit) = if r.status == "queued" {
                (r.created_at, t.max_queued_run_age)
            } else {
                (r.started_at.or(r.created_at), t.max_running_run_age)
            };
            let limit = jiff::SignedDuration::try_from(limit).ok()?;
            from?.checked_add(limit).ok()
        };
        let ids = active
            .iter()
            .map(|r| r.id.to_string())
            .collect::<Vec<_>>()
            .join(" and ");
        let (recovery, them) = if active.len() == 1 {
            (recovery, format!("run {ids} turns"))
        } else {
            (
                "fails one of them and enqueues again only once none is active".to_string(),
                format!("runs {ids} turn"),
            )
        };
        return match active.iter().filter_map(stuck_at).max() {
            Some(at) if at > now => format!(
                "a reopen answers 202 and enqueues nothing until {them} 5 min old at {}; a reopen after that {recovery}",
                text::moment(now, at)
            ),
            _ => format!("a reopen now {recovery}"),
        };
    }
    let lock = f
        .locks
        .iter()
        .filter(|l| l.key.starts_with("job:download:"))
        .filter_map(|l| l.ttl_s)
        .filter(|s| *s > 0.0)
        .fold(None, |m: Option<f64>, s| Some(m.map_or(s, |m| m.max(s))));
    if let Some(at) = lock.and_then(|s| text::expires(now, (s * 1000.0) as i64)) {
        return format!(
            "a reopen enqueues nothing while the dedup lock lives (until {}); after that it enqueues a new download",
            text::moment(now, at)
        );
    }
    "a reopen enqueues a new download at once".to_string()
}

/// The verdict the newest run gives, when no job is waiting or running.
fn decide_from_run(
    f: &CallFacts,
    run: &RunInfo,
    cause: Option<Cause>,
    now: jiff::Timestamp,
    t: &Thresholds,
) -> Option<Decision> {
    let finished_job = || {
        f.jobs
            .iter()
            .flatten()
            .filter(|j| j.status.as_deref() == Some("finished"))
            .max_by_key(|j| j.enqueued_at.map(|e| e.as_microsecond()))
    };
    match run.status.as_str() {
        "running" => {
            let running = age(now, run.started_at.or(run.created_at)).unwrap_or(0.0);
            if running <= t.max_running_run_age.as_secs_f64() {
                return Some(decision(
                    Verdict::Downloading,
                    format!(
                        "run {} has been running for {}",
                        run.id,
                        text::seconds(running)
                    ),
                    "wait: downloads take up to 2-3 minutes",
                ));
            }
            let killed = f.jobs.iter().flatten().find(|j| {
                j.status.as_deref() == Some("failed")
                    && j.exception_last_line
                        .as_deref()
                        .is_some_and(|e| e.contains("Work-horse terminated"))
            });
            let why = killed.map_or(
                "and no RQ job is running it".to_string(),
                |j| format!("and its job {} failed with 'Work-horse terminated' (the work-horse was killed: OOM or RQ's hard timeout)", j.id),
            );
            Some(decision(
                Verdict::Stuck,
                format!(
                    "run {} has been running for {}, past the app's 5-minute rule, {why}",
                    run.id,
                    text::seconds(running)
                ),
                format!(
                    "check the worker's memory and log first; {}",
                    reopen(f, now, t)
                ),
            ))
        }
        "queued" => {
            let waited = age(now, run.created_at).unwrap_or(0.0);
            if let Some(j) = finished_job() {
                return Some(decision(
                    Verdict::Stuck,
                    format!(
                        "run {} is queued and its job {} finished without a run of its own: the worker could not record the download",
                        run.id, j.id
                    ),
                    "read the worker log for 'Failed to create RecordingRun' (the database from the worker); after 5 min, opening the call enqueues again",
                ));
            }
            if waited <= ENQUEUE_GRACE_S {
                return Some(decision(
                    Verdict::Queued,
                    format!(
                        "run {} was created {} ago; its job is being enqueued",
                        run.id,
                        text::seconds(waited)
                    ),
                    "wait a minute, then check again",
                ));
            }
            let locked = if f.locks.is_empty() {
                "no dedup lock"
            } else {
                "only a dedup lock"
            };
            // What the app does next, and when (spec §1 item 6).
            let next = reopen(f, now, t);
            let life = f.redis_life.clone().unwrap_or_default();
            let cause = super::consistency::LostJob::of(&life, Some(waited));
            Some(decision(
                Verdict::Stuck,
                format!(
                    "run {} has been queued for {} with no RQ job in any queue or registry and {locked}: {}",
                    run.id,
                    text::seconds(waited),
                    cause.why(&life)
                ),
                format!("{}; {next}", cause.hint()),
            ))
        }
        "failed" | "cancelled" => {
            let cause = if run.status == "cancelled" {
                Cause::Cancelled
            } else {
                cause.unwrap_or(Cause::Other)
            };
            let error = run
                .error_message
                .as_deref()
                .map_or("no error text recorded".to_string(), first_line);
            let mut hint = cause.hint().to_string();
            if cause == Cause::NoSlot
                && let Some(s) = f.slots.iter().find(|s| !s.phantom.is_empty())
            {
                let frees = s
                    .phantom_marker_left_s
                    .and_then(|left| text::expires(now, (left * 1000.0) as i64))
                    .map_or("?".into(), |at| text::moment(now, at));
                hint = format!(
                    "business {b}'s slots are held by runs that are not running ({}) until {frees} at the latest, so its downloads fail (and a dead run still in rec_queue:{b} takes a freed slot again): remove them now (redis-cli SREM rec_slots:{b} {}) and run at most 3 worker processes on 'recordings'",
                    s.phantom.join(", "),
                    s.phantom.join(" "),
                    b = s.business_id,
                );
            } else if cause == Cause::DownloadError {
                hint = format!(
                    "{}; this call's lines: {} | grep {}",
                    cause.hint(),
                    crate::worker_log_all!(),
                    f.sid
                );
            }
            let hint = format!("{hint}; next: {}", reopen(f, now, t));
            Some(Decision {
                verdict: Some(Verdict::Failed),
                reason: format!("run {} failed: {error} — cause: {}", run.id, cause.label()),
                hint,
                cause: Some(cause),
            })
        }
        "completed" => {
            if f.file.exists {
                return Some(undersized(f));
            }
            if f.dir_missing {
                return Some(unknown(f));
            }
            Some(decision(
                Verdict::Failed,
                format!("run {} completed but {} is absent", run.id, f.file.path),
                "the worker and the API do not share the recordings volume (recordings_data at /app/server/recordings in both)",
            ))
        }
        _ => None,
    }
}

/// What the worker's log says about a call: kept on the report, and for a
/// FAILED download whose run only says "unknown reason", the log's cause
/// becomes the reason and its hint the next step.
pub fn add_log_evidence(r: &mut CallReport, evidence: Option<&Evidence>) {
    let Some(Evidence { cause, at, line }) = evidence else {
        return;
    };
    r.log_evidence = Some(LogEvidence {
        cause: cause.as_str().to_string(),
        at: *at,
        line: line.clone(),
    });
    let vague = matches!(r.cause.as_deref(), Some("download_error" | "other"));
    if r.verdict == Some(Verdict::Failed) && vague && *cause != LogCause::Other {
        let when = at.map_or(String::new(), |a| {
            format!(" at {}", text::datetime(Some(a)))
        });
        let run = r.runs.first();
        let own = run
            .and_then(|run| run.error_message.as_deref())
            .map_or("nothing".to_string(), |e| format!("'{}'", first_line(e)));
        r.reason = format!(
            "run {} failed: {} — the worker's log{when}; the run itself records only {own}",
            run.map_or("?".to_string(), |run| run.id.to_string()),
            cause.label(),
        );
        // The app's next move (decided with the verdict) stays.
        let then = r
            .hint
            .find("; next: ")
            .and_then(|i| r.hint.get(i..))
            .unwrap_or("")
            .to_string();
        r.hint = format!("{}{then}", cause.hint());
    }
}

fn undersized(f: &CallFacts) -> Decision {
    decision(
        Verdict::UndersizedFile,
        format!(
            "{} has {} bytes: 1000 or less is not a recording",
            f.file.path,
            f.file.size_bytes.unwrap_or(0)
        ),
        "the app re-downloads it when the call is opened; if it stays small, Twilio returned an error page",
    )
}

fn unknown(f: &CallFacts) -> Decision {
    let said = |w: &str| f.unavailable.iter().any(|u| u.contains(w));
    let hint = if f.dir_missing {
        "point RECORDINGS_DIR (or --recordings-dir) at the recordings volume and check again"
    } else if said("not configured") {
        "configure the missing source (REDIS_URL / DATABASE_URL, or --redis-url / --database-url) and check again"
    } else {
        "fix the source that could not be read (named above) and check again"
    };
    Decision {
        verdict: None,
        reason: format!("could not decide: {}", f.unavailable.join("; ")),
        hint: hint.into(),
        cause: None,
    }
}

/// Why no worker will take a waiting job, and what to do: dead workers
/// registered, or none listening. None: live workers listen.
fn no_taker(f: &CallFacts) -> Option<(String, &'static str)> {
    if !f.workers_listening.is_empty() {
        return None;
    }
    Some(if f.workers_not_working.is_empty() {
        (
            "and NO live worker listens on it".to_string(),
            concat!(
                "start a worker for this queue (",
                crate::restart_worker!(),
                "; check RQ_QUEUES)"
            ),
        )
    } else {
        (
            format!(
                "NO live worker listens on it: registered but not working: {}",
                f.workers_not_working.join(", ")
            ),
            concat!(
                "the worker is dead, so nothing will take this job: ",
                crate::restart_worker!(),
                " (under another name while its old key lives)"
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t: &str) -> jiff::Timestamp {
        t.parse().unwrap()
    }

    fn run(id: i64, status: &str, created: &str) -> RunInfo {
        RunInfo {
            id,
            business_id: Some(1),
            status: status.into(),
            job_type: Some("download".into()),
            created_at: Some(at(created)),
            ..Default::default()
        }
    }

    #[test]
    fn the_apps_next_move_with_times() {
        let t = Thresholds::default();
        let now = at("2026-12-03T13:02:00Z");
        // Run A queued 2 min ago: 202 until it turns 5 min old.
        let mut f = CallFacts {
            runs: Some(vec![
                run(42, "failed", "2026-12-03T13:00:01Z"),
                run(41, "queued", "2026-12-03T13:00:00Z"),
            ]),
            ..Default::default()
        };
        assert_eq!(
            reopen(&f, now, &t),
            "a reopen answers 202 and enqueues nothing until run 41 turns 5 min old at 13:05:00 UTC (in 3m 0s); a reopen after that fails it and enqueues a new download (recovery 1 of 3 in a 10-minute window)"
        );
        // Its recoveries used up: the 500.
        f.retry_attempts = Some((3, Some(240_000)));
        assert!(
            reopen(&f, now, &t).ends_with(
                "fails it and answers 500 worker_not_processing_queue: its 3 recoveries in 10 min are used up (the counter resets at 13:06:00 UTC (in 4m 0s)), and the player shows 'contact support'"
            ),
            "{}",
            reopen(&f, now, &t)
        );
        // No active run: at once, unless the dedup lock lives.
        f.retry_attempts = None;
        f.runs = Some(vec![run(42, "failed", "2026-12-03T13:00:01Z")]);
        assert_eq!(
            reopen(&f, now, &t),
            "a reopen enqueues a new download at once"
        );
        f.locks = vec![LockInfo {
            key: "job:download:1:CA00000000000000000000000000000001".into(),
            ttl_s: Some(61.0),
        }];
        assert_eq!(
            reopen(&f, now, &t),
            "a reopen enqueues nothing while the dedup lock lives (until 13:03:01 UTC (in 1m 1s)); after that it enqueues a new download"
        );
        // Past 5 minutes: now.
        f.runs = Some(vec![run(41, "queued", "2026-12-03T12:50:00Z")]);
        assert!(reopen(&f, now, &t).starts_with("a reopen now fails it and enqueues"));
    }
}
