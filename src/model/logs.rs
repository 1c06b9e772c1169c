//! `recdiag logs`: what the worker's log says about downloads (schema
//! `schema/recdiag-logs-v1.schema.json`).

use serde::Serialize;

use super::{SCHEMA_VERSION, Status};

#[derive(Debug, Clone, Serialize)]
pub struct LogsReport {
    pub schema_version: u32,
    pub tool: &'static str,
    pub version: &'static str,
    pub generated_at: jiff::Timestamp,
    pub status: Status,
    pub exit_code: u8,
    /// The files read, `-` for standard input.
    pub sources: Vec<String>,
    /// The window asked for (`--since`, `--until`).
    pub since: Option<jiff::Timestamp>,
    pub until: Option<jiff::Timestamp>,
    /// The window the recognised lines span.
    pub first_at: Option<jiff::Timestamp>,
    pub last_at: Option<jiff::Timestamp>,
    pub lines: LineCounts,
    pub downloads: DownloadCounts,
    /// Failed downloads by cause, worst first.
    pub causes: Vec<LogCauseGroup>,
    pub slow_downloads: SlowDownloads,
    pub worker_starts: u64,
    /// `DB schema appears outdated` blocks at worker start.
    pub schema_outdated: u64,
    pub missing_tables: Option<String>,
    /// Tracebacks folded to their last line, most frequent first.
    pub tracebacks: Vec<TracebackGroup>,
    /// With `--sid`: those calls' lines, in order.
    pub events: Vec<LogEvent>,
    pub notes: Vec<String>,
}

impl LogsReport {
    pub fn schema_version() -> u32 {
        SCHEMA_VERSION
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct LineCounts {
    pub read: u64,
    /// Lines with one of the app's tags (and folded tracebacks).
    pub recognised: u64,
    /// Lines longer than 64 KiB, cut.
    pub long: u64,
    /// Recognised lines holding invalid UTF-8; other lines are never decoded.
    pub invalid_utf8: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DownloadCounts {
    pub started: u64,
    pub saved: u64,
    pub failed: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LogCauseGroup {
    /// `unauthorized_401`, `forbidden_403`, `server_error_5xx`, `timeout`,
    /// `missing_credentials`, `no_slot`, `circuit_breaker`,
    /// `disk_save_failed`, `work_horse_killed`, `worker_name_clash`, `other`.
    pub cause: String,
    pub label: String,
    pub severity: Status,
    pub count: u64,
    /// The newest calls that failed so (at most 5).
    pub newest_sids: Vec<String>,
    pub hint: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SlowDownloads {
    pub count: u64,
    pub slowest_s: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TracebackGroup {
    pub last_line: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LogEvent {
    pub at: Option<jiff::Timestamp>,
    pub stream: Option<String>,
    pub level: Option<String>,
    pub call_sid: Option<String>,
    pub message: String,
}
