//! Findings: stable codes, their default severity and the operator's next step.
//!
//! This is the one mirror in code of the spec's finding table (§6). Codes are
//! a contract: scripts branch on them. New codes may be added within schema
//! v1; existing ones are never renamed.

use serde::{Deserialize, Serialize};

use super::Status;

/// A stable finding code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FindingCode {
    RedisUrlMissing,
    RedisUrlInvalid,
    RedisUnreachable,
    RedisEvictionPolicy,
    RedisMemoryHigh,
    SentinelDegraded,
    NoWorkers,
    QueueNotWatched,
    WorkerStale,
    QueueBacklog,
    QueueStalled,
    FailedJobs,
    AbandonedJobs,
    DatabaseUrlMissing,
    DatabaseUrlInvalid,
    DatabaseUnreachable,
    SchemaMismatch,
    LowCompletionRate,
    SlowDownloads,
    RunsStuck,
    DuplicateActiveRuns,
    OrphanedRuns,
    CompletedRunMissingFile,
    /// Replaces LEAKED_SLOTS (schema v1 never promised that one to hold:
    /// it named the app's self-healing as a fault).
    PhantomSlots,
    StaleDedupLocks,
    WorkersSuspended,
    SchedulerDown,
    RecordingsNotCleaned,
    MissingIndex,
    RecordingsDirMissing,
    RecordingsDirUnreadable,
    RecordingsDirNotWritable,
    UndersizedRecordings,
    DiskSpaceLow,
    /// recdiag's own failure inside a check: a bug, reported, never silent.
    InternalError,
}

impl FindingCode {
    /// Every code, in the order of the spec's table.
    pub const ALL: [FindingCode; 35] = {
        use FindingCode::*;
        [
            RedisUrlMissing,
            RedisUrlInvalid,
            RedisUnreachable,
            RedisEvictionPolicy,
            RedisMemoryHigh,
            SentinelDegraded,
            NoWorkers,
            QueueNotWatched,
            WorkerStale,
            QueueBacklog,
            QueueStalled,
            FailedJobs,
            AbandonedJobs,
            DatabaseUrlMissing,
            DatabaseUrlInvalid,
            DatabaseUnreachable,
            SchemaMismatch,
            LowCompletionRate,
            SlowDownloads,
            RunsStuck,
            DuplicateActiveRuns,
            OrphanedRuns,
            CompletedRunMissingFile,
            PhantomSlots,
            StaleDedupLocks,
            WorkersSuspended,
            SchedulerDown,
            RecordingsNotCleaned,
            MissingIndex,
            RecordingsDirMissing,
            RecordingsDirUnreadable,
            RecordingsDirNotWritable,
            UndersizedRecordings,
            DiskSpaceLow,
            InternalError,
        ]
    };

    /// The code named `name` (as JSON writes it), if there is one.
    pub fn parse(name: &str) -> Option<FindingCode> {
        FindingCode::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// The code as it appears in JSON and in the table.
    pub fn as_str(self) -> &'static str {
        use FindingCode::*;
        match self {
            RedisUrlMissing => "REDIS_URL_MISSING",
            RedisUrlInvalid => "REDIS_URL_INVALID",
            RedisUnreachable => "REDIS_UNREACHABLE",
            RedisEvictionPolicy => "REDIS_EVICTION_POLICY",
            SentinelDegraded => "SENTINEL_DEGRADED",
            RedisMemoryHigh => "REDIS_MEMORY_HIGH",
            NoWorkers => "NO_WORKERS",
            QueueNotWatched => "QUEUE_NOT_WATCHED",
            WorkerStale => "WORKER_STALE",
            QueueBacklog => "QUEUE_BACKLOG",
            QueueStalled => "QUEUE_STALLED",
            FailedJobs => "FAILED_JOBS",
            AbandonedJobs => "ABANDONED_JOBS",
            DatabaseUrlMissing => "DATABASE_URL_MISSING",
            DatabaseUrlInvalid => "DATABASE_URL_INVALID",
            DatabaseUnreachable => "DATABASE_UNREACHABLE",
            SchemaMismatch => "SCHEMA_MISMATCH",
            LowCompletionRate => "LOW_COMPLETION_RATE",
            SlowDownloads => "SLOW_DOWNLOADS",
            RunsStuck => "RUNS_STUCK",
            DuplicateActiveRuns => "DUPLICATE_ACTIVE_RUNS",
            OrphanedRuns => "ORPHANED_RUNS",
            CompletedRunMissingFile => "COMPLETED_RUN_MISSING_FILE",
            PhantomSlots => "PHANTOM_SLOTS",
            StaleDedupLocks => "STALE_DEDUP_LOCKS",
            WorkersSuspended => "WORKERS_SUSPENDED",
            SchedulerDown => "SCHEDULER_DOWN",
            RecordingsNotCleaned => "RECORDINGS_NOT_CLEANED",
            MissingIndex => "MISSING_INDEX",
            RecordingsDirMissing => "RECORDINGS_DIR_MISSING",
            RecordingsDirUnreadable => "RECORDINGS_DIR_UNREADABLE",
            RecordingsDirNotWritable => "RECORDINGS_DIR_NOT_WRITABLE",
            UndersizedRecordings => "UNDERSIZED_RECORDINGS",
            DiskSpaceLow => "DISK_SPACE_LOW",
            InternalError => "INTERNAL_ERROR",
        }
    }

    /// Default severity from the spec; rules with thresholds may raise it.
    pub fn default_severity(self) -> Status {
        use FindingCode::*;
        match self {
            RedisUrlMissing | RedisUrlInvalid | DatabaseUrlMissing | DatabaseUrlInvalid
            | InternalError => Status::Unknown,
            RedisUnreachable
            | QueueNotWatched
            | DatabaseUnreachable
            | SchemaMismatch
            | OrphanedRuns
            | RecordingsDirMissing
            | RecordingsDirUnreadable
            | RecordingsDirNotWritable
            | QueueStalled => Status::Critical,
            _ => Status::Warning,
        }
    }

    /// The source this code says could not be used at all, if any: such a
    /// fault is reported once, by the check that owns the source.
    pub fn source(self) -> Option<SourceKind> {
        use FindingCode::*;
        match self {
            RedisUrlMissing | RedisUrlInvalid | RedisUnreachable => Some(SourceKind::Redis),
            DatabaseUrlMissing | DatabaseUrlInvalid | DatabaseUnreachable | SchemaMismatch => {
                Some(SourceKind::Database)
            }
            _ => None,
        }
    }

    /// What an operator should do next, when the rule has nothing more specific.
    pub fn default_hint(self) -> &'static str {
        use FindingCode::*;
        match self {
            RedisUrlMissing => {
                "set REDIS_URL (or pass --redis-url), e.g. redis://redis:6379/0 as the workers use"
            }
            RedisUrlInvalid => {
                "fix REDIS_URL: redis://[user:PASSWORD@]host:port/db, rediss:// for TLS, unix:///path, redis+sentinel://host:26379[,host:port…]/<master>/<db>"
            }
            RedisUnreachable => {
                "check that Redis runs (docker-compose ps redis) and that REDIS_URL matches the workers' setting"
            }
            RedisEvictionPolicy => {
                "set maxmemory-policy noeviction on this Redis: under any other policy RQ's jobs and registries can vanish"
            }
            SentinelDegraded => {
                "check the sentinels named (redis-cli -p 26379 SENTINEL master <name>): with fewer than a majority up, no failover can happen"
            }
            RedisMemoryHigh => {
                "Redis is close to maxmemory: clear old finished/failed jobs or raise maxmemory before enqueues start failing"
            }
            NoWorkers => {
                concat!("start the worker: ", crate::restart_worker!())
            }
            QueueNotWatched => {
                concat!(
                    "no worker listens on this queue: add it to the worker's RQ_QUEUES, then ",
                    crate::restart_worker!()
                )
            }
            WorkerStale => {
                concat!(
                    "the worker stopped heart-beating: read its log (",
                    crate::worker_log!(),
                    "), then ",
                    crate::restart_worker!()
                )
            }
            QueueBacklog => {
                "jobs arrive faster than they finish: add workers or look for slow downloads"
            }
            QueueStalled => {
                concat!(
                    "workers listen but the oldest job is not picked up: ",
                    crate::restart_worker!()
                )
            }
            FailedJobs => "read the failures: recdiag failed",
            AbandonedJobs => {
                concat!(
                    "a worker died mid-job: ",
                    crate::restart_worker!(),
                    ", then open the call again to enqueue it"
                )
            }
            DatabaseUrlMissing => {
                "set DATABASE_URL (or DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE)"
            }
            DatabaseUrlInvalid => {
                "fix DATABASE_URL: postgresql://user:PASSWORD@host:5432/db, or sqlite://path"
            }
            DatabaseUnreachable => {
                "check that PostgreSQL runs and that DATABASE_URL matches the app's"
            }
            SchemaMismatch => {
                "run the app's migrations, or point DATABASE_URL at the app's database"
            }
            LowCompletionRate => "read the newest failures (recdiag runs) and the worker log",
            SlowDownloads => {
                "downloads are slow: check the network to Twilio and the worker's load"
            }
            RunsStuck => "check recdiag workers and recdiag queues, then the worker's log",
            DuplicateActiveRuns => {
                "one call has several active runs: look for an enqueue loop in the API log"
            }
            OrphanedRuns => {
                "runs were created but never enqueued: check the API's Redis connection and its log"
            }
            CompletedRunMissingFile => {
                "the worker wrote files the API cannot see: the worker and the API must share the recordings_data volume"
            }
            PhantomSlots => {
                "remove the dead run ids from rec_slots:<business_id> and rec_queue:<business_id> (redis-cli SREM / LREM), and run at most 3 worker processes on 'recordings' per business until the app's release_slot skips failed runs"
            }
            WorkersSuspended => {
                "resume the workers: rq resume -u $REDIS_URL (someone ran rq suspend)"
            }
            SchedulerDown => {
                "start the scheduler service (python -m server.scheduler.run_scheduler; docker compose up -d scheduler) and read its log"
            }
            RecordingsNotCleaned => {
                "the daily cleanup is not deleting old recordings: check the scheduler and the maintenance queue's cleanup_recordings_<date> job in the worker log"
            }
            MissingIndex => {
                "create the index: CREATE INDEX CONCURRENTLY idx_recording_runs_created_at ON recording_runs (created_at) (likewise call_sid)"
            }
            StaleDedupLocks => {
                "a dedup lock with no job and no active run blocks new downloads of that call until it expires (TTL 120-300 s)"
            }
            RecordingsDirMissing => {
                "check the volume mount: docker volume ls | grep recordings; docker-compose config | grep recordings_data"
            }
            RecordingsDirUnreadable => {
                "fix the directory's owner/permissions for the API and worker user"
            }
            RecordingsDirNotWritable => {
                "the worker cannot write recordings here: check the mount is read-write and the owner/permissions"
            }
            UndersizedRecordings => {
                "files of 1000 bytes or less are re-downloaded by the app; many of them mean Twilio returned errors"
            }
            DiskSpaceLow => {
                "free space on the recordings volume or grow it before downloads start failing"
            }
            InternalError => {
                "this is a recdiag bug: rerun, and report it with the command and this message"
            }
        }
    }
}

/// A source several checks read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Redis,
    Database,
}

/// One thing recdiag found, with what to do about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub code: FindingCode,
    pub severity: Status,
    pub message: String,
    pub hint: String,
    /// What the finding is about: queue names, worker names, call SIDs, paths.
    pub subjects: Vec<String>,
    /// Acknowledged with `--accept CODE`: shown everywhere, but it no
    /// longer raises the status or the exit code.
    #[serde(default)]
    pub accepted: bool,
}

impl Finding {
    /// A finding with the code's default severity and hint.
    pub fn new(code: FindingCode, message: impl Into<String>) -> Self {
        Finding {
            code,
            severity: code.default_severity(),
            message: message.into(),
            hint: code.default_hint().to_string(),
            subjects: Vec::new(),
            accepted: false,
        }
    }

    pub fn severity(mut self, severity: Status) -> Self {
        self.severity = severity;
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = hint.into();
        self
    }

    pub fn subjects<I, S>(mut self, subjects: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.subjects = subjects.into_iter().map(Into::into).collect();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_name_matches_as_str() {
        for code in [
            FindingCode::RedisUrlMissing,
            FindingCode::CompletedRunMissingFile,
            FindingCode::RecordingsDirNotWritable,
            FindingCode::DiskSpaceLow,
        ] {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }

    #[test]
    fn every_code_is_listed_once_and_parses_back() {
        let names: std::collections::BTreeSet<&str> =
            FindingCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), FindingCode::ALL.len());
        for code in FindingCode::ALL {
            assert_eq!(FindingCode::parse(code.as_str()), Some(code));
            // A new variant must be added to ALL: its index is its place there.
            assert!(FindingCode::ALL.contains(&code));
        }
        assert_eq!(FindingCode::parse("leaked_slots"), None);
        assert_eq!(
            FindingCode::parse("redis_eviction_policy"),
            Some(FindingCode::RedisEvictionPolicy)
        );
    }

    #[test]
    fn missing_configuration_is_unknown_not_critical() {
        assert_eq!(
            FindingCode::RedisUrlMissing.default_severity(),
            Status::Unknown
        );
        assert_eq!(
            FindingCode::RedisUnreachable.default_severity(),
            Status::Critical
        );
    }
}

#[cfg(test)]
mod schema_tests {
    use super::FindingCode;

    /// The published schemas list exactly the codes the program has.
    #[test]
    fn schemas_list_every_code() {
        let want: Vec<&str> = FindingCode::ALL.iter().map(|c| c.as_str()).collect();
        for schema in [
            include_str!("../../schema/recdiag-v1.schema.json"),
            include_str!("../../schema/recdiag-failed-v1.schema.json"),
        ] {
            let v: serde_json::Value = serde_json::from_str(schema).unwrap();
            let listed: Vec<&str> = v["$defs"]["finding"]["properties"]["code"]["enum"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|c| c.as_str())
                .collect();
            assert_eq!(listed, want);
        }
    }
}
