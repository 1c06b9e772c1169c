//! `recdiag call <SID>`: everything about one call, and its verdict.

use serde::Serialize;

use super::{SCHEMA_VERSION, Status};

/// What an operator is told about one call's recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    Ready,
    ParentLegOnly,
    Expired,
    GaveUp,
    Queued,
    Downloading,
    RetryScheduled,
    NotRequested,
    NoRecordingUrl,
    Failed,
    Stuck,
    UndersizedFile,
    UnknownCall,
    /// The file is on disk, but the database is down: the API reads
    /// call_log first and answers 500.
    DatabaseDown,
}

impl Verdict {
    pub fn status(self) -> Status {
        match self {
            Verdict::Ready => Status::Ok,
            Verdict::Queued
            | Verdict::Downloading
            | Verdict::RetryScheduled
            | Verdict::NotRequested
            | Verdict::NoRecordingUrl => Status::Warning,
            Verdict::Expired => Status::Warning,
            Verdict::ParentLegOnly
            | Verdict::GaveUp
            | Verdict::Failed
            | Verdict::Stuck
            | Verdict::UndersizedFile
            | Verdict::UnknownCall
            | Verdict::DatabaseDown => Status::Critical,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ready => "READY",
            Verdict::ParentLegOnly => "PARENT_LEG_ONLY",
            Verdict::Expired => "EXPIRED",
            Verdict::GaveUp => "GAVE_UP",
            Verdict::Queued => "QUEUED",
            Verdict::Downloading => "DOWNLOADING",
            Verdict::RetryScheduled => "RETRY_SCHEDULED",
            Verdict::NotRequested => "NOT_REQUESTED",
            Verdict::NoRecordingUrl => "NO_RECORDING_URL",
            Verdict::Failed => "FAILED",
            Verdict::Stuck => "STUCK",
            Verdict::UndersizedFile => "UNDERSIZED_FILE",
            Verdict::UnknownCall => "UNKNOWN_CALL",
            Verdict::DatabaseDown => "DATABASE_DOWN",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CallReport {
    pub schema_version: u32,
    pub call_sid: String,
    /// Null when no verdict could be reached (a source could not be read).
    pub verdict: Option<Verdict>,
    pub status: Status,
    pub exit_code: u8,
    /// Why this verdict, in one sentence.
    pub reason: String,
    /// What to do next.
    pub hint: String,
    /// For FAILED and GAVE_UP: the cause class of the deciding run's error
    /// (`download_error`, `no_slot`, …).
    pub cause: Option<String>,
    /// The run the verdict was decided from: the newest run of the call.
    pub deciding_run: Option<i64>,
    /// `recording_retry_attempts:<SID>`: the API's stuck recoveries in its
    /// sliding 10-minute window, and the seconds left in it.
    pub retry_attempts: Option<i64>,
    pub retry_window_left_s: Option<f64>,
    /// `rq:suspended` is set: workers run nothing.
    pub workers_suspended: bool,
    /// With `--log`: what the worker's log says about this call's newest
    /// failure (null without `--log`, or when the log names no cause).
    pub log_evidence: Option<LogEvidence>,
    /// 1-based place of the waiting job in its queue.
    pub queue_position: Option<u64>,
    /// Live workers listening on the queue of the waiting job.
    pub workers_listening: Vec<String>,
    pub file: FileInfo,
    pub parent_file: Option<FileInfo>,
    pub call_log: Option<CallLogInfo>,
    pub runs: Vec<RunInfo>,
    pub jobs: Vec<JobInfo>,
    pub locks: Vec<LockInfo>,
    pub slots: Vec<SlotInfo>,
    /// Sources that could not be read, and why (the verdict may be partial).
    pub unavailable: Vec<String>,
}

impl CallReport {
    pub fn schema_version() -> u32 {
        SCHEMA_VERSION
    }
}

/// A line of the worker's log that says why a call's download failed.
#[derive(Debug, Clone, Serialize)]
pub struct LogEvidence {
    /// The log's cause (`unauthorized_401`, `no_slot`, …).
    pub cause: String,
    pub at: Option<jiff::Timestamp>,
    pub line: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct FileInfo {
    pub path: String,
    pub exists: bool,
    pub size_bytes: Option<u64>,
    pub modified_at: Option<jiff::Timestamp>,
    /// More than 1000 bytes: the app serves it.
    pub valid: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CallLogInfo {
    pub business_id: Option<i64>,
    pub parent_call_sid: Option<String>,
    pub recording_url_set: bool,
    pub recording_sid: Option<String>,
    pub created_at: Option<jiff::Timestamp>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct RunInfo {
    pub id: i64,
    /// An active run with a newer run of the call beside it (the API's
    /// leftover row): shown, never the deciding run.
    pub superseded: bool,
    pub business_id: Option<i64>,
    pub status: String,
    pub job_type: Option<String>,
    pub created_at: Option<jiff::Timestamp>,
    pub started_at: Option<jiff::Timestamp>,
    pub completed_at: Option<jiff::Timestamp>,
    pub retry_count: Option<i64>,
    pub error_message: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct JobInfo {
    pub id: String,
    pub queue: Option<String>,
    pub status: Option<String>,
    pub position: Option<u64>,
    pub enqueued_at: Option<jiff::Timestamp>,
    pub started_at: Option<jiff::Timestamp>,
    pub ended_at: Option<jiff::Timestamp>,
    pub worker_name: Option<String>,
    pub retries_left: Option<i64>,
    pub exception_last_line: Option<String>,
    pub exception: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct LockInfo {
    pub key: String,
    pub ttl_s: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SlotInfo {
    pub business_id: i64,
    /// Members of `rec_slots:<business_id>` (run ids), at most 10 shown.
    pub members: Vec<String>,
    pub used: u64,
    /// Members held by a run that is not running while their marker is
    /// live: phantom slots blocking the business's downloads.
    pub phantom: Vec<String>,
    /// Seconds left on the longest-lived phantom's marker.
    pub phantom_marker_left_s: Option<f64>,
}
