//! Findings: stable codes, their default severity and the operator's next step.
//!
//! This is the one mirror in code of the spec's finding table (§6). Codes are
//! a contract: scripts branch on them. New codes may be added within schema
//! v1; existing ones are never renamed.

use serde::{Deserialize, Serialize};

use super::Status;

/// The catalogue: every finding code, once, with all that is said of it
/// anywhere: its JSON name, the check that raises it, its default severity
/// (rules with thresholds may raise it), the source it says could not be
/// used (reported once, by the check owning it), its severity and "when"
/// as the README's table writes them, and its default hint. The model, the
/// README's table (made from it, and tested) and the JSON Schemas' code
/// lists (tested) come from here.
macro_rules! catalogue {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $name:literal, check $check:literal, $severity:ident, $source:expr,
        severity $severity_text:literal,
        when $when:literal,
        hint $hint:expr;
    )*) => {
        /// A stable finding code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum FindingCode {
            $($(#[$doc])* $variant,)*
        }

        const CODES: usize = [$($name),*].len();

        impl FindingCode {
            /// Every code, in the catalogue's order.
            pub const ALL: [FindingCode; CODES] = [$(FindingCode::$variant),*];

            /// The code as it appears in JSON and in the table.
            pub fn as_str(self) -> &'static str {
                match self { $(FindingCode::$variant => $name,)* }
            }

            /// The check that raises it (`any` for recdiag's own errors).
            pub fn check(self) -> &'static str {
                match self { $(FindingCode::$variant => $check,)* }
            }

            /// Default severity; rules with thresholds may raise it.
            pub fn default_severity(self) -> Status {
                match self { $(FindingCode::$variant => Status::$severity,)* }
            }

            /// The source this code says could not be used at all, if any:
            /// such a fault is reported once, by the check that owns the source.
            pub fn source(self) -> Option<SourceKind> {
                match self { $(FindingCode::$variant => $source,)* }
            }

            /// Its severity as people read it, thresholds included.
            pub fn severity_text(self) -> &'static str {
                match self { $(FindingCode::$variant => $severity_text,)* }
            }

            /// When it is raised, in a line.
            pub fn when(self) -> &'static str {
                match self { $(FindingCode::$variant => $when,)* }
            }

            /// What an operator should do next, when the rule has nothing more specific.
            pub fn default_hint(self) -> &'static str {
                match self { $(FindingCode::$variant => $hint,)* }
            }
        }
    };
}

catalogue! {
    RedisUrlMissing = "REDIS_URL_MISSING", check "redis", Unknown, Some(SourceKind::Redis),
        severity "unknown",
        when "no Redis configured",
        hint "set REDIS_URL (or pass --redis-url), e.g. redis://redis:6379/0 as the workers use";
    RedisUrlInvalid = "REDIS_URL_INVALID", check "redis", Unknown, Some(SourceKind::Redis),
        severity "unknown",
        when "a Redis URL is set but cannot be used (it says why, never the password)",
        hint "fix REDIS_URL: redis://[user:PASSWORD@]host:port/db, rediss:// for TLS, unix:///path, redis+sentinel://host:26379[,host:port…]/<master>/<db>";
    RedisUnreachable = "REDIS_UNREACHABLE", check "redis", Critical, Some(SourceKind::Redis),
        severity "critical",
        when "refused, DNS, authentication, TLS, no answer within `--timeout` (it says which)",
        hint concat!("check that Redis runs (", crate::compose!(), " ps redis) and that REDIS_URL matches the workers' setting");
    RedisEvictionPolicy = "REDIS_EVICTION_POLICY", check "redis", Warning, None,
        severity "warning",
        when "`maxmemory-policy` is not `noeviction`, or keys were evicted: RQ's keys can vanish (the app's own compose runs `allkeys-lru`: `--accept` it once weighed)",
        hint "set maxmemory-policy noeviction on this Redis: under any other policy RQ's jobs and registries can vanish";
    RedisMemoryHigh = "REDIS_MEMORY_HIGH", check "redis", Warning, None,
        severity "warning",
        when "used memory at `--max-redis-memory-percent` of `maxmemory`",
        hint "Redis is close to maxmemory: clear old finished/failed jobs or raise maxmemory before enqueues start failing";
    SentinelDegraded = "SENTINEL_DEGRADED", check "redis", Warning, None,
        severity "warning",
        when "through Sentinel: a sentinel is down, knows no such master or names another server, or the named master says it is a replica (with fewer than a majority answering, no failover can happen)",
        hint "check the sentinels named (redis-cli -p 26379 SENTINEL master <name>): with fewer than a majority up, no failover can happen";
    NoWorkers = "NO_WORKERS", check "workers", Warning, None,
        severity "critical if jobs wait, else warning",
        when "no live worker at all; it names the registered workers that are not working (dead, stale, ghosts) and how long a dead one's key refuses a restart under its name — one fault, one finding",
        hint concat!("start the worker: ", crate::restart_worker!());
    QueueNotWatched = "QUEUE_NOT_WATCHED", check "queues", Critical, None,
        severity "critical",
        when "a queue of interest has waiting jobs and no live worker listens on it, while other workers live (the hint names the app's prosaas-worker-1 name clash when that is the registered worker)",
        hint concat!(
                    "no worker listens on this queue: add it to the worker's RQ_QUEUES, then ",
                    crate::restart_worker!()
                );
    QueueUnknown = "QUEUE_UNKNOWN", check "queues", Warning, None,
        severity "warning",
        when "a queue of interest that no RQ queue and no worker knows, and whose name is near one they know: a typo in `--queue`/`RECDIAG_QUEUES` (the message says \"did you mean\")",
        hint "fix the queue name in --queue or RECDIAG_QUEUES: recdiag watches a queue no worker serves and nobody fills";
    WorkerStale = "WORKER_STALE", check "workers", Warning, None,
        severity "warning",
        when "a registered worker that is not working while others live: heartbeat old, hash gone, exited, or dead by its conduct — idle while a job has waited over 10 s in its queues with no heartbeat since (or, where `CLIENT LIST` is allowed and RQ names connections, no connection named after it); says how long its key refuses a restart under that name",
        hint concat!(
                    "the worker stopped heart-beating: read its log (",
                    crate::worker_log!(),
                    "), then ",
                    crate::restart_worker!()
                );
    QueueBacklog = "QUEUE_BACKLOG", check "queues", Warning, None,
        severity "warning ≥ 10, critical ≥ 50",
        when "waiting jobs in a queue of interest, the oldest for 30 s or more (a burst drained within seconds is not a backlog)",
        hint "jobs arrive faster than they finish: add workers or look for slow downloads";
    QueueStalled = "QUEUE_STALLED", check "queues", Critical, None,
        severity "critical",
        when "the oldest waiting job is older than 3 min while workers listen (not raised under `rq suspend`: `WORKERS_SUSPENDED` says why)",
        hint concat!(
                    "workers listen but the oldest job is not picked up: ",
                    crate::restart_worker!()
                );
    FailedJobs = "FAILED_JOBS", check "queues", Warning, None,
        severity "warning ≥ 1, critical ≥ 10",
        when "the failed registry of a queue of interest",
        hint "read the failures: recdiag failed";
    AbandonedJobs = "ABANDONED_JOBS", check "queues", Warning, None,
        severity "warning",
        when "started jobs whose worker is gone or whose timeout passed",
        hint concat!(
                    "a worker died mid-job: ",
                    crate::restart_worker!(),
                    ", then open the call again to enqueue it"
                );
    DatabaseUrlMissing = "DATABASE_URL_MISSING", check "runs", Unknown, Some(SourceKind::Database),
        severity "unknown",
        when "no database configured",
        hint "set DATABASE_URL (or DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE)";
    DatabaseUrlInvalid = "DATABASE_URL_INVALID", check "runs", Unknown, Some(SourceKind::Database),
        severity "unknown",
        when "a database URL is set but cannot be used (it says why, never the password)",
        hint "fix DATABASE_URL: postgresql://user:PASSWORD@host:5432/db, or sqlite://path";
    DatabaseUnreachable = "DATABASE_UNREACHABLE", check "runs", Critical, Some(SourceKind::Database),
        severity "critical",
        when "refused, DNS, authentication, TLS, missing database, a table or column this role may not read, no answer",
        hint "check that PostgreSQL runs and that DATABASE_URL matches the app's";
    SchemaMismatch = "SCHEMA_MISMATCH", check "runs", Critical, Some(SourceKind::Database),
        severity "critical",
        when "`recording_runs` or a column the app writes is missing",
        hint "run the app's migrations, or point DATABASE_URL at the app's database";
    LowCompletionRate = "LOW_COMPLETION_RATE", check "runs", Warning, None,
        severity "warning < 95 %, critical < 80 %",
        when "in the window; names the dominant failure cause and its hint",
        hint "read the newest failures (recdiag runs) and the worker log";
    SlowDownloads = "SLOW_DOWNLOADS", check "runs", Warning, None,
        severity "warning",
        when "average download time over 60 s",
        hint "downloads are slow: check the network to Twilio and the worker's load";
    RunsStuck = "RUNS_STUCK", check "runs", Warning, None,
        severity "warning",
        when "runs that carry their call's fate past the app's 5-minute rule",
        hint "check recdiag workers and recdiag queues, then the worker's log";
    DuplicateActiveRuns = "DUPLICATE_ACTIVE_RUNS", check "runs", Warning, None,
        severity "warning",
        when "more active runs for one call than the app's own flow makes",
        hint "one call has several active runs: look for an enqueue loop in the API log";
    WorkhorseKilled = "WORKHORSE_KILLED", check "runs", Warning, None,
        severity "warning",
        when "a download run left `running` with no job running it while a newer run of the call started: RQ ran the same job again after its work-horse died (the OOM killer, `docker kill`, RQ's hard kill at `job_timeout` + 60 s). Names the run, the run that took over and the slot it holds until its marker expires; never `DUPLICATE_ACTIVE_RUNS`, never from `waitpid returned 256` or `retries_left` alone",
        hint "find why the work-horse died: docker inspect <worker container> --format '{{.State.OOMKilled}}', dmesg | grep -i oom, and the worker log's 'Work horse killed' lines (recdiag logs); raise the worker's memory limit if the OOM killer did it. The killed run's slot frees itself when its marker expires";
    OrphanedRuns = "ORPHANED_RUNS", check "consistency", Critical, None,
        severity "critical",
        when "a queued run older than 30 s with no RQ job anywhere, with its cause from Redis's own evidence: Redis restarted empty after the run was created (uptime shorter than the run's age), the job evicted (keys evicted under an evicting policy), or the API's enqueue failed (neither)",
        hint "the hint follows the cause: a volume and appendonly for a Redis that restarts empty; maxmemory or noeviction for evictions; the API's Redis connection for a failed enqueue";
    CompletedRunMissingFile = "COMPLETED_RUN_MISSING_FILE", check "consistency", Warning, None,
        severity "warning",
        when "completed runs whose file is absent",
        hint "the worker wrote files the API cannot see: the worker and the API must share the recordings_data volume";
    /// Replaces LEAKED_SLOTS (schema v1 never promised that one to hold:
    /// it named the app's self-healing as a fault).
    PhantomSlots = "PHANTOM_SLOTS", check "consistency", Warning, None,
        severity "warning; critical with `No slot available` failures",
        when "a business's slots held by dead runs: not running, no job of their call running, markers live past a 10 s grace (read twice to be sure)",
        hint "remove the dead run ids from rec_slots:<business_id> and rec_queue:<business_id> (redis-cli SREM / LREM), and run at most 3 worker processes on 'recordings' per business until the app's release_slot skips failed runs";
    StaleDedupLocks = "STALE_DEDUP_LOCKS", check "consistency", Warning, None,
        severity "warning",
        when "a dedup lock with no job and no active run",
        hint "a dedup lock with no job and no active run blocks new downloads of that call until it expires (TTL 120-300 s)";
    WorkersSuspended = "WORKERS_SUSPENDED", check "workers", Warning, None,
        severity "critical if jobs wait in a queue of interest, else warning",
        when "`rq:suspended` is set: workers look alive and run nothing; `rq resume`",
        hint "resume the workers: rq resume -u $REDIS_URL (someone ran rq suspend)";
    SchedulerDown = "SCHEDULER_DOWN", check "workers", Warning, None,
        severity "warning",
        when "neither `scheduler:global_lock` nor a `reminders_tick_*` job of the last 3 minutes: periodic jobs (the daily cleanup) do not run",
        hint concat!("start the scheduler service (python -m server.scheduler.run_scheduler; ", crate::compose!(), " up -d scheduler) and read its log");
    RecordingsNotCleaned = "RECORDINGS_NOT_CLEANED", check "recordings_dir", Warning, None,
        severity "warning",
        when "`.mp3` files older than the 7-day retention plus a day: the daily cleanup is not deleting them",
        hint "the daily cleanup is not deleting old recordings: check the scheduler and the maintenance queue's cleanup_recordings_<date> job in the worker log";
    MissingIndex = "MISSING_INDEX", check "runs", Warning, None,
        severity "warning",
        when "no index on `recording_runs` leads with `created_at` (or `call_sid`)",
        hint "create the index: CREATE INDEX CONCURRENTLY idx_recording_runs_created_at ON recording_runs (created_at) (likewise call_sid)";
    RecordingsDirMissing = "RECORDINGS_DIR_MISSING", check "recordings_dir", Critical, None,
        severity "critical",
        when "the recordings directory does not exist",
        hint concat!("check the volume mount: docker volume ls | grep recordings; ", crate::compose!(), " config | grep recordings_data");
    RecordingsDirUnreadable = "RECORDINGS_DIR_UNREADABLE", check "recordings_dir", Critical, None,
        severity "critical",
        when "the recordings directory cannot be listed (permissions, or a hung mount)",
        hint "fix the directory's owner/permissions for the API and worker user";
    RecordingsDirNotWritable = "RECORDINGS_DIR_NOT_WRITABLE", check "recordings_dir", Critical, None,
        severity "critical",
        when "the worker cannot write recordings there",
        hint "the worker cannot write recordings here: check the mount is read-write and the owner/permissions";
    UndersizedRecordings = "UNDERSIZED_RECORDINGS", check "recordings_dir", Warning, None,
        severity "warning",
        when "`.mp3` files of 1000 bytes or less",
        hint "files of 1000 bytes or less are re-downloaded by the app; many of them mean Twilio returned errors";
    DiskSpaceLow = "DISK_SPACE_LOW", check "recordings_dir", Warning, None,
        severity "warning < 10 %, critical < 2 % free",
        when "the volume holding the directory",
        hint "free space on the recordings volume or grow it before downloads start failing";
    /// recdiag's own failure inside a check: a bug, reported, never silent.
    InternalError = "INTERNAL_ERROR", check "any", Unknown, None,
        severity "unknown",
        when "recdiag's own bug, reported, never silent",
        hint "this is a recdiag bug: rerun, and report it with the command and this message";
}

impl FindingCode {
    /// The code named `name` (as JSON writes it), if there is one.
    pub fn parse(name: &str) -> Option<FindingCode> {
        FindingCode::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// The README's table of findings, made from the catalogue.
    pub fn markdown_table() -> String {
        let mut s = String::from("| code | check | severity | when |\n| --- | --- | --- | --- |\n");
        for c in FindingCode::ALL {
            s.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                c.as_str(),
                c.check(),
                c.severity_text(),
                c.when()
            ));
        }
        s
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

    /// The published schemas list exactly the codes the program has (as
    /// the known branch of an open `anyOf`: a later release may add codes,
    /// each matching the other branch's pattern, as every code today does).
    #[test]
    fn schemas_list_every_code() {
        let want: Vec<&str> = FindingCode::ALL.iter().map(|c| c.as_str()).collect();
        for schema in [
            include_str!("../../schema/recdiag-v1.schema.json"),
            include_str!("../../schema/recdiag-failed-v1.schema.json"),
        ] {
            let v: serde_json::Value = serde_json::from_str(schema).unwrap();
            let code = &v["$defs"]["finding"]["properties"]["code"]["anyOf"];
            let listed: Vec<&str> = code[0]["enum"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|c| c.as_str())
                .collect();
            assert_eq!(listed, want);
            assert_eq!(code[1]["pattern"], "^[A-Z][A-Z0-9_]*$");
            assert!(want.iter().all(|c| {
                c.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
                    && c.bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            }));
        }
    }
}
