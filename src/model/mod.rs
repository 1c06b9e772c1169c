//! The check model: what probes and rules produce and renderers show.
//!
//! These types are the JSON contract (schema v1, `schema/recdiag-v1.schema.json`):
//! field names here are field names there.

mod call;
mod failed;
mod finding;
mod logs;
mod metrics;
mod status;

pub use call::{
    CallLogInfo, CallReport, FileInfo, JobInfo, LockInfo, LogEvidence, RunInfo, SlotInfo, Verdict,
};
pub use failed::{FailedJob, FailedQueue, FailedReport, FailureGroup};
pub use finding::{Finding, FindingCode, SourceKind};
pub use logs::{
    DownloadCounts, LineCounts, LogCauseGroup, LogEvent, LogsReport, SlowDownloads, TracebackGroup,
};
pub use metrics::{
    CauseCounts, ConsistencyMetrics, DuplicateCall, DurationMetrics, FailedRunMetrics,
    JobTypeCounts, KilledRun, Metrics, QueueMetrics, QueuesMetrics, RecordingsDirMetrics,
    RedisMetrics, RunsMetrics, SentinelMetrics, SentinelNode, StatusCounts, StuckRun,
    WorkerMetrics, WorkersMetrics,
};
pub use status::{Status, exit};

use serde::{Deserialize, Serialize};

/// The JSON schema version this build writes.
pub const SCHEMA_VERSION: u32 = 1;

/// Identifier of a check, as `--only`/`--skip` and JSON name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckId {
    Redis,
    Queues,
    Workers,
    Runs,
    RecordingsDir,
    Consistency,
}

impl CheckId {
    /// Every check, in the order `health` shows them.
    pub const ALL: [CheckId; 6] = [
        CheckId::Redis,
        CheckId::Queues,
        CheckId::Workers,
        CheckId::Runs,
        CheckId::RecordingsDir,
        CheckId::Consistency,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::Redis => "redis",
            CheckId::Queues => "queues",
            CheckId::Workers => "workers",
            CheckId::Runs => "runs",
            CheckId::RecordingsDir => "recordings_dir",
            CheckId::Consistency => "consistency",
        }
    }
}

/// The result of one check.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub id: CheckId,
    pub status: Status,
    pub summary: String,
    pub duration_s: f64,
    pub metrics: Metrics,
    pub findings: Vec<Finding>,
    /// It could not run because a source it needs is unusable, which the
    /// check owning that source reports: UNKNOWN with no finding of its own.
    #[serde(skip)]
    pub not_run: bool,
}

impl Check {
    /// Empty metrics of the right shape, for a check that could not run.
    pub fn empty_metrics(id: CheckId) -> Metrics {
        match id {
            CheckId::Redis => Metrics::Redis(RedisMetrics::default()),
            CheckId::Queues => Metrics::Queues(QueuesMetrics::default()),
            CheckId::Workers => Metrics::Workers(WorkersMetrics::default()),
            CheckId::Runs => Metrics::Runs(Box::default()),
            CheckId::RecordingsDir => Metrics::RecordingsDir(RecordingsDirMetrics::default()),
            CheckId::Consistency => Metrics::Consistency(ConsistencyMetrics::default()),
        }
    }

    /// A check whose status is the worst of its findings not accepted.
    pub fn new(id: CheckId, summary: String, metrics: Metrics, findings: Vec<Finding>) -> Self {
        let mut check = Check {
            id,
            summary,
            duration_s: 0.0,
            metrics,
            findings,
            not_run: false,
            status: Status::Ok,
        };
        check.restate();
        check
    }
}

impl Check {
    fn status_of(&self) -> Status {
        let own = Status::worst_of(
            self.findings
                .iter()
                .filter(|f| !f.accepted)
                .map(|f| f.severity),
        );
        if self.not_run {
            own.worst(Status::Unknown)
        } else {
            own
        }
    }

    /// Recompute the status after findings changed.
    pub fn restate(&mut self) {
        self.status = self.status_of();
    }

    /// Mark the findings whose code the operator accepted; they stay, but
    /// no longer count toward the status.
    pub fn accept(&mut self, accepted: &[FindingCode]) {
        for f in &mut self.findings {
            if accepted.contains(&f.code) {
                f.accepted = true;
            }
        }
        self.restate();
    }
}

/// One run of recdiag over one or more checks.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: &'static str,
    pub version: &'static str,
    pub generated_at: jiff::Timestamp,
    pub status: Status,
    pub exit_code: u8,
    pub checks: Vec<Check>,
}

impl Report {
    /// A report whose status is the worst of its checks'.
    pub fn new(generated_at: jiff::Timestamp, checks: Vec<Check>) -> Self {
        let status = Status::worst_of(checks.iter().map(|c| c.status));
        Report {
            schema_version: SCHEMA_VERSION,
            tool: "recdiag",
            version: env!("CARGO_PKG_VERSION"),
            generated_at,
            status,
            exit_code: status.exit_code(),
            checks,
        }
    }

    /// "1 critical, 2 warnings" — the findings counted by severity, worst
    /// first; empty when there are none.
    pub fn finding_summary(&self) -> String {
        let (critical, unknown, warning) = self.finding_counts();
        let mut parts = Vec::new();
        for (n, word) in [
            (critical, "critical"),
            (unknown, "unknown"),
            (warning, "warning"),
        ] {
            if n > 0 {
                let s = if n > 1 && word == "warning" { "s" } else { "" };
                parts.push(format!("{n} {word}{s}"));
            }
        }
        let accepted = self.accepted_count();
        if accepted > 0 {
            parts.push(format!("{accepted} accepted"));
        }
        parts.join(", ")
    }

    /// Findings accepted with `--accept`: shown, not counted.
    pub fn accepted_count(&self) -> usize {
        self.checks
            .iter()
            .flat_map(|c| &c.findings)
            .filter(|f| f.accepted)
            .count()
    }

    /// Counts of findings by severity, accepted ones left out: (critical, unknown, warning).
    pub fn finding_counts(&self) -> (usize, usize, usize) {
        let all = self
            .checks
            .iter()
            .flat_map(|c| &c.findings)
            .filter(|f| !f.accepted);
        let mut counts = (0, 0, 0);
        for f in all {
            match f.severity {
                Status::Critical => counts.0 += 1,
                Status::Unknown => counts.1 += 1,
                Status::Warning => counts.2 += 1,
                Status::Ok => {}
            }
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_status_is_worst_check_and_exit_code_agrees() {
        let warn = Check::new(
            CheckId::Redis,
            "x".into(),
            Metrics::Redis(RedisMetrics::default()),
            vec![Finding::new(FindingCode::RedisEvictionPolicy, "m")],
        );
        let unknown = Check::new(
            CheckId::RecordingsDir,
            "y".into(),
            Metrics::RecordingsDir(RecordingsDirMetrics::default()),
            vec![Finding::new(FindingCode::RedisUrlMissing, "m")],
        );
        let report = Report::new(jiff::Timestamp::UNIX_EPOCH, vec![warn, unknown]);
        assert_eq!(report.status, Status::Unknown);
        assert_eq!(report.exit_code, 3);
        assert_eq!(report.finding_counts(), (0, 1, 1));
    }
}
