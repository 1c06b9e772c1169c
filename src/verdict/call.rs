//! The verdict of one call (spec §6), decided from what each source said.

use crate::model::{
    CallLogInfo, CallReport, FileInfo, JobInfo, LockInfo, RunInfo, SlotInfo, Status, Verdict,
};

use super::Thresholds;

/// A queued run this young with no job may still be on its way into RQ.
const ENQUEUE_GRACE_S: f64 = 120.0;

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
    pub unavailable: Vec<String>,
}

pub fn judge(f: CallFacts, now: jiff::Timestamp, t: &Thresholds) -> CallReport {
    let (verdict, reason, hint) = decide(&f, now, t);
    let status = verdict.map_or(Status::Unknown, Verdict::status);
    let queue_position = match verdict {
        Some(Verdict::Queued) => f.jobs.iter().flatten().find_map(|j| j.position),
        _ => None,
    };
    CallReport {
        schema_version: CallReport::schema_version(),
        call_sid: f.sid,
        verdict,
        status,
        exit_code: status.exit_code(),
        reason,
        hint,
        queue_position,
        workers_listening: if verdict == Some(Verdict::Queued) {
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

fn age(now: jiff::Timestamp, at: Option<jiff::Timestamp>) -> Option<f64> {
    at.map(|a| (now.as_microsecond() - a.as_microsecond()) as f64 / 1e6)
}

fn decide(
    f: &CallFacts,
    now: jiff::Timestamp,
    t: &Thresholds,
) -> (Option<Verdict>, String, String) {
    let runs: &[RunInfo] = f.runs.as_deref().unwrap_or(&[]);
    let jobs: &[JobInfo] = f.jobs.as_deref().unwrap_or(&[]);
    let latest = runs.first();
    let job_with = |status: &str| jobs.iter().find(|j| j.status.as_deref() == Some(status));

    if f.file.valid {
        return (
            Some(Verdict::Ready),
            format!(
                "{} exists ({} bytes)",
                f.file.path,
                f.file.size_bytes.unwrap_or(0)
            ),
            "nothing to do: the recording plays".into(),
        );
    }
    if let Some(p) = f.parent_file.as_ref().filter(|p| p.valid) {
        return (
            Some(Verdict::Ready),
            format!("the parent leg's file {} exists", p.path),
            "nothing to do: the app serves the parent leg's recording".into(),
        );
    }
    if let Some(j) = job_with("queued") {
        let pos = j.position.map_or("?".to_string(), |p| p.to_string());
        let workers = if f.workers_listening.is_empty() {
            "and NO live worker listens on it".to_string()
        } else {
            format!("workers listening: {}", f.workers_listening.join(", "))
        };
        let hint = if f.workers_listening.is_empty() {
            "start a worker for this queue (docker-compose restart worker; check RQ_QUEUES)"
        } else {
            "wait: the job is waiting its turn (large files take 2-3 min)"
        };
        return (
            Some(Verdict::Queued),
            format!(
                "job {} waits in '{}' at position {pos}; {workers}",
                j.id,
                j.queue.as_deref().unwrap_or("?")
            ),
            hint.into(),
        );
    }
    if let Some(j) = job_with("started") {
        return (
            Some(Verdict::Downloading),
            format!(
                "job {} is running on {}",
                j.id,
                j.worker_name.as_deref().unwrap_or("a worker")
            ),
            "wait: downloads take up to 2-3 minutes".into(),
        );
    }
    if let Some(run) = runs.iter().find(|r| r.status == "running") {
        let limit = if run.job_type.as_deref() == Some("full") {
            t.full_timeout
        } else {
            t.download_timeout
        };
        let running = age(now, run.started_at.or(run.created_at));
        if running.is_some_and(|a| a > limit.as_secs_f64()) {
            return (Some(Verdict::Stuck),
                    format!("run {} has been running for {}, past its {} timeout", run.id,
                            crate::text::seconds(running.unwrap_or(0.0)), humantime::format_duration(limit)),
                    "check the worker (recdiag workers); restart it, then open the call again to re-enqueue".into());
        }
        return (
            Some(Verdict::Downloading),
            format!("run {} is running", run.id),
            "wait: downloads take up to 2-3 minutes".into(),
        );
    }
    if let Some(j) = job_with("scheduled") {
        return (
            Some(Verdict::RetryScheduled),
            format!(
                "job {} failed and a retry is scheduled ({} left)",
                j.id,
                j.retries_left.map_or("?".to_string(), |r| r.to_string())
            ),
            "wait for the retry; if it keeps failing, read the error with recdiag failed".into(),
        );
    }
    if let Some(run) = runs.iter().find(|r| r.status == "queued") {
        let waited = age(now, run.created_at).unwrap_or(0.0);
        let locked = !f.locks.is_empty();
        if waited > ENQUEUE_GRACE_S && !locked {
            return (Some(Verdict::Stuck),
                    format!("run {} has been queued for {} but no RQ job and no dedup lock exist", run.id, crate::text::seconds(waited)),
                    "the run was never enqueued: check the API's Redis connection; opening the call again re-enqueues it".into());
        }
        return (
            Some(Verdict::Queued),
            format!(
                "run {} was created {} ago and is being enqueued",
                run.id,
                crate::text::seconds(waited)
            ),
            "wait a minute, then check again".into(),
        );
    }
    let failed_job = job_with("failed");
    if latest.is_some_and(|r| r.status == "failed") || failed_job.is_some() {
        let error = latest
            .filter(|r| r.status == "failed")
            .and_then(|r| r.error_message.as_deref())
            .and_then(|e| e.lines().map(str::trim).find(|l| !l.is_empty()))
            .map(str::to_string)
            .or_else(|| failed_job.and_then(|j| j.exception_last_line.clone()))
            .unwrap_or_else(|| "no error text recorded".to_string());
        return (Some(Verdict::Failed), format!("the download failed: {error}"),
                "read the error: HTTP 401/403 means Twilio credentials, 404 a wrong recording URL; fix, then open the call again".into());
    }
    if latest.is_some_and(|r| r.status == "completed") && !f.file.exists {
        return (Some(Verdict::Failed),
                format!("run {} completed but {} is absent", latest.map_or(0, |r| r.id), f.file.path),
                "the worker and the API do not share the recordings volume (recordings_data at /app/server/recordings in both)".into());
    }
    if f.file.exists {
        return (Some(Verdict::UndersizedFile),
                format!("{} has {} bytes: 1000 or less is not a recording", f.file.path, f.file.size_bytes.unwrap_or(0)),
                "the app re-downloads it when the call is opened; if it stays small, Twilio returned an error page".into());
    }
    let anything_unread = !f.unavailable.is_empty();
    match &f.call_log {
        Some(Some(log)) if log.recording_url_set && runs.is_empty() && jobs.is_empty() => {
            if anything_unread {
                return unknown(f);
            }
            (Some(Verdict::NotRequested), "the recording URL is known but no download was requested".into(),
             "open the call in the UI: that enqueues the download".into())
        }
        Some(Some(_)) if runs.is_empty() && jobs.is_empty() => (Some(Verdict::NoRecordingUrl),
            "the call exists but Twilio has not delivered the recording URL yet".into(),
            "wait 30-60 s after the call ends; if it never comes, check Twilio's recording status callback".into()),
        _ if runs.is_empty() && jobs.is_empty() && f.call_log.as_ref().is_some_and(Option::is_none) && !anything_unread => {
            (Some(Verdict::UnknownCall), "no trace of this SID: no file, no call_log row, no run, no job".into(),
             "check the SID, and that recdiag looks at the right database, Redis and directory".into())
        }
        _ if anything_unread => unknown(f),
        _ => (Some(Verdict::NotRequested), "runs exist but none is active, failed or completed".into(),
              "open the call in the UI to request the download again".into()),
    }
}

fn unknown(f: &CallFacts) -> (Option<Verdict>, String, String) {
    (
        None,
        format!("could not decide: {}", f.unavailable.join("; ")),
        "fix the unreachable source and check again".into(),
    )
}
