//! The `recdiag failed` document: the newest failed jobs, grouped by cause.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Finding, SCHEMA_VERSION, Status};

#[derive(Debug, Clone, Serialize)]
pub struct FailedReport {
    pub schema_version: u32,
    pub tool: &'static str,
    pub version: &'static str,
    pub generated_at: jiff::Timestamp,
    pub status: Status,
    pub exit_code: u8,
    /// Queues read, with the size of their failed registries.
    pub queues: Vec<FailedQueue>,
    /// How many of the newest failures were read.
    pub limit: usize,
    /// The failures read, grouped by cause, largest group first.
    pub groups: Vec<FailureGroup>,
    /// The failures read, newest first.
    pub jobs: Vec<FailedJob>,
    pub findings: Vec<Finding>,
    /// What an operator of this app must know to read the list right.
    pub notes: Vec<String>,
}

impl FailedReport {
    pub fn new(
        generated_at: jiff::Timestamp,
        queues: Vec<FailedQueue>,
        limit: usize,
        groups: Vec<FailureGroup>,
        jobs: Vec<FailedJob>,
        mut findings: Vec<Finding>,
        accepted: &[super::FindingCode],
    ) -> Self {
        // Accepted findings (`--accept`) stay, marked; they do not count.
        for f in &mut findings {
            f.accepted = accepted.contains(&f.code);
        }
        let status = Status::worst_of(findings.iter().filter(|f| !f.accepted).map(|f| f.severity));
        FailedReport {
            schema_version: SCHEMA_VERSION,
            tool: "recdiag",
            version: env!("CARGO_PKG_VERSION"),
            generated_at,
            status,
            exit_code: status.exit_code(),
            queues,
            limit,
            groups,
            jobs,
            findings,
            notes: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FailedQueue {
    pub name: String,
    /// Size of the failed registry; null when it could not be read.
    pub failed: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FailureGroup {
    /// Exception type and last line, with URLs, SIDs and long numbers masked.
    pub cause: String,
    pub count: u64,
    pub example_job: String,
    /// Call SIDs of the group's jobs (at most 10).
    pub call_sids: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FailedJob {
    pub id: String,
    pub queue: String,
    /// False when the id is in the registry but its hash has expired.
    pub exists: bool,
    pub call_sid: Option<String>,
    pub func: Option<String>,
    pub kwargs: BTreeMap<String, String>,
    pub status: Option<String>,
    pub failed_at: Option<jiff::Timestamp>,
    pub failed_age_s: Option<f64>,
    pub enqueued_at: Option<jiff::Timestamp>,
    pub started_at: Option<jiff::Timestamp>,
    pub retries_left: Option<i64>,
    pub worker_name: Option<String>,
    pub exception_type: Option<String>,
    pub exception_last_line: Option<String>,
    /// Whole exception text (RQ ≥ 1.12: results stream; older: job hash), cut at 256 KiB.
    pub exception: Option<String>,
    pub exception_source: Option<&'static str>,
    pub cause: String,
    /// RQ's error is this app's 'Work-horse terminated unexpectedly;
    /// waitpid returned 256': its exception handler killed the work-horse
    /// before RQ stored the real error (spec §1 item 5).
    pub horse_killed: bool,
    /// The run the job processed (a full job's `run_id`, else the call's
    /// newest failed run) and its `error_message`: the real error.
    pub run_id: Option<i64>,
    pub run_error: Option<String>,
    pub decode_errors: Vec<String>,
}
