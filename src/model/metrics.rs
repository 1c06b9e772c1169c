//! Per-check metrics: filled by probes, judged by rules, shown by renderers.
//!
//! Every field is always present in JSON; `null` means "not measured"
//! (the source was unreachable or not configured), never zero.

use serde::{Deserialize, Serialize};

/// The metrics of one check; which variant follows from the check id.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Metrics {
    Redis(RedisMetrics),
    Queues(QueuesMetrics),
    Workers(WorkersMetrics),
    Runs(Box<RunsMetrics>),
    RecordingsDir(RecordingsDirMetrics),
    Consistency(ConsistencyMetrics),
}

/// Facts about the Redis server (spec §5 `redis`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RedisMetrics {
    /// The URL checked, password replaced by `***`.
    pub url: Option<String>,
    /// PING round trip.
    pub latency_s: Option<f64>,
    pub version: Option<String>,
    pub role: Option<String>,
    pub used_memory_bytes: Option<u64>,
    /// 0 means no limit, as Redis reports it.
    pub maxmemory_bytes: Option<u64>,
    /// used / maxmemory; null when there is no limit.
    pub memory_used_ratio: Option<f64>,
    pub maxmemory_policy: Option<String>,
    pub evicted_keys: Option<u64>,
    pub connected_clients: Option<u64>,
    pub uptime_s: Option<u64>,
    /// Reached through Redis Sentinel: what the sentinels said.
    pub sentinel: Option<SentinelMetrics>,
}

/// How the master was found through Redis Sentinel.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SentinelMetrics {
    /// The master's name in the URL.
    pub master_name: String,
    /// `host:port` most sentinels gave.
    pub master: Option<String>,
    /// Sentinels in the URL.
    pub sentinels: u64,
    /// Sentinels that answered.
    pub reached: u64,
    pub nodes: Vec<SentinelNode>,
}

/// One sentinel's answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SentinelNode {
    pub address: String,
    /// `agrees`, `disagrees`, `unknown_master`, `unreachable` or `not_waited`.
    pub state: String,
    /// The master address this sentinel gave.
    pub master: Option<String>,
    /// Why it could not be used.
    pub detail: Option<String>,
}

/// Facts about the recordings directory (spec §5 `recordings_dir`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordingsDirMetrics {
    pub path: String,
    pub exists: bool,
    pub readable: Option<bool>,
    pub writable: Option<bool>,
    pub mp3_files: Option<u64>,
    pub total_bytes: Option<u64>,
    /// `.mp3` files of 1000 bytes or less (the app re-downloads them).
    pub undersized_files: Option<u64>,
    /// Entries that are not `.mp3` files (partial downloads, strays).
    pub other_entries: Option<u64>,
    pub newest_file_age_s: Option<f64>,
    pub oldest_file_age_s: Option<f64>,
    /// `.mp3` files older than the 7-day retention plus a day's grace.
    pub files_past_retention: Option<u64>,
    pub free_bytes: Option<u64>,
    pub size_bytes: Option<u64>,
    /// free / size of the volume, in percent.
    pub free_percent: Option<f64>,
}

/// RQ queues (spec §5 `queues`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QueuesMetrics {
    /// The prefix of RQ's keys read (`rq`; rq 3.0's RQ_KEY_PREFIX may set another).
    #[serde(default)]
    pub key_prefix: String,
    pub queues: Vec<QueueMetrics>,
    /// Queues in `rq:queues` beyond the 1,000 read.
    pub queues_not_shown: u64,
    /// Bad data met while reading (wrong key types, unreadable fields).
    pub anomalies: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QueueMetrics {
    pub name: String,
    /// Named by `--queue` / `RECDIAG_QUEUES`: findings are raised for it.
    pub of_interest: bool,
    /// Waiting jobs (the queue list).
    pub queued: Option<u64>,
    pub started: Option<u64>,
    pub failed: Option<u64>,
    pub deferred: Option<u64>,
    pub scheduled: Option<u64>,
    pub finished: Option<u64>,
    pub canceled: Option<u64>,
    /// rq 3.0: jobs of this queue a rate limit holds back; they wait on no
    /// queue and count as waiting. Null: too many held to know whose.
    #[serde(default)]
    pub rate_limited: Option<u64>,
    /// rq 3.0: how long the longest-held of them has been held back.
    #[serde(default)]
    pub oldest_held_age_s: Option<f64>,
    /// Age of the job at the head of the queue (the next to run).
    pub oldest_queued_age_s: Option<f64>,
    pub oldest_queued_job: Option<String>,
    /// Live workers listening on this queue.
    pub workers: u64,
    /// Started jobs whose worker is not alive or whose timeout has passed
    /// (queues of interest only; null elsewhere).
    pub abandoned: Option<u64>,
}

impl QueueMetrics {
    /// Jobs waiting for a worker: the queue list and, on rq 3.0, the jobs
    /// a rate limit holds back for it.
    pub fn waiting(&self) -> Option<u64> {
        self.queued.map(|n| n + self.rate_limited.unwrap_or(0))
    }

    /// The sizes of its list and registries, in the table's order:
    /// waiting, started, failed, deferred, scheduled, finished.
    pub fn sizes(&self) -> [Option<u64>; 6] {
        [
            self.waiting(),
            self.started,
            self.failed,
            self.deferred,
            self.scheduled,
            self.finished,
        ]
    }
}

/// RQ workers (spec §5 `workers`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkersMetrics {
    pub workers: Vec<WorkerMetrics>,
    /// Workers whose heartbeat is fresh and that are not dead by their
    /// conduct (None: the workers were not read — never a zero).
    pub alive: Option<u64>,
    /// Workers whose hash is present but whose heartbeat is old, or that exited.
    pub stale: Option<u64>,
    /// Workers listed in `rq:workers` whose hash is gone.
    pub ghosts: Option<u64>,
    /// `rq:suspended` is set (`rq suspend`): the workers run nothing.
    pub suspended: Option<bool>,
    /// `scheduler:global_lock` is present (absent ~15 s of every cycle on a healthy scheduler).
    pub scheduler_lock: Option<bool>,
    /// Age of the newest `reminders_tick_*` job the scheduler enqueued on `default`.
    pub scheduler_last_tick_age_s: Option<f64>,
    pub anomalies: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkerMetrics {
    pub name: String,
    pub hostname: Option<String>,
    pub pid: Option<i64>,
    pub state: Option<String>,
    pub queues: Vec<String>,
    pub current_job: Option<String>,
    pub last_heartbeat_age_s: Option<f64>,
    pub alive: bool,
    /// `live`, `stale` (old heartbeat), `dead` (exited, still listed) or `ghost` (hash gone).
    pub liveness: String,
    pub successful_jobs: Option<u64>,
    pub failed_jobs: Option<u64>,
    pub version: Option<String>,
}

/// `recording_runs` in the window (spec §5 `runs`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunsMetrics {
    /// The database checked, password replaced by `***`.
    pub database: Option<String>,
    /// Where its URL came from: `--database-url`, `DATABASE_URL_POOLER`,
    /// `DATABASE_URL`, `DB_POSTGRESDB_*` or `DATABASE_URL_DIRECT`.
    pub database_source: Option<String>,
    pub window_s: f64,
    pub total: Option<u64>,
    pub by_status: Option<StatusCounts>,
    pub by_job_type: Option<JobTypeCounts>,
    /// completed / (completed + failed); null when both are 0.
    pub completion_rate: Option<f64>,
    /// started_at → completed_at of completed runs.
    pub download_s: Option<DurationMetrics>,
    /// created_at → started_at of started runs.
    pub queue_wait_s: Option<DurationMetrics>,
    pub stuck: Option<u64>,
    pub duplicate_active_calls: Option<u64>,
    /// Active runs a newer run of the same call (or the call's valid file)
    /// supersedes: the app's leftover API rows. Counted, never alarmed on.
    pub superseded_active: Option<u64>,
    /// Failed runs that are not their call's fate: stuck-recovery texts
    /// that echo a sibling run's fate, and runs the API's 5-minute rule
    /// failed while their download still runs (RQ's started registry has
    /// their call's job). Left out of the completion rate and the causes.
    pub superseded_failures: Option<u64>,
    /// Failed runs in the window by cause (spec §6 "Failure causes").
    pub failures_by_cause: Option<CauseCounts>,
    /// The cause of most failures in the window.
    pub dominant_cause: Option<String>,
    /// Finished runs (completed + failed, echoes left out) behind the rate.
    pub completion_sample: Option<u64>,
    /// Whether an index leads with `created_at` / `call_sid`; null: not known.
    pub index_on_created_at: Option<bool>,
    pub index_on_call_sid: Option<bool>,
    pub stuck_runs: Vec<StuckRun>,
    pub duplicates: Vec<DuplicateCall>,
    /// Download runs left `running` by a work-horse that died: RQ ran the
    /// same job again as a newer run (WORKHORSE_KILLED).
    #[serde(default)]
    pub killed_runs: Vec<KilledRun>,
    pub newest_failures: Vec<FailedRunMetrics>,
    /// Rows that break the app's own rules (NULL timestamps, completed
    /// before started, unknown statuses): counted and reported.
    pub anomalies: Vec<String>,
}

/// Failed runs by cause; every cause always present.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CauseCounts {
    pub download_error: u64,
    pub timeout: u64,
    pub no_slot: u64,
    pub stuck_recovery: u64,
    /// Failed by the API's stuck rule while running past 5 minutes.
    #[serde(default)]
    pub stuck_running: u64,
    pub worker_offline: u64,
    pub call_log_missing: u64,
    pub cancelled: u64,
    pub other: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatusCounts {
    pub queued: u64,
    pub running: u64,
    pub completed: u64,
    pub failed: u64,
    pub cancelled: u64,
    /// Statuses outside the five known ones.
    pub other: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobTypeCounts {
    pub download: StatusCounts,
    pub full: StatusCounts,
    /// NULL or unknown job types.
    pub other: StatusCounts,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DurationMetrics {
    pub count: u64,
    pub avg: Option<f64>,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub max: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StuckRun {
    pub id: i64,
    pub business_id: Option<i64>,
    pub call_sid: Option<String>,
    pub status: String,
    pub job_type: Option<String>,
    /// Seconds queued (queued runs) or running (running runs).
    pub age_s: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KilledRun {
    pub id: i64,
    pub business_id: Option<i64>,
    pub call_sid: Option<String>,
    pub started_at: Option<jiff::Timestamp>,
    /// The newer run RQ's retry of the same job made.
    pub retried_as: i64,
    /// When its slot frees itself (its `rec_inflight` marker expires);
    /// null: it holds no slot, or the slots were not read.
    pub slot_frees_at: Option<jiff::Timestamp>,
    /// Whether it holds a slot of its business; null: not read.
    pub holds_slot: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DuplicateCall {
    pub call_sid: String,
    pub active_runs: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FailedRunMetrics {
    pub id: i64,
    pub call_sid: Option<String>,
    pub job_type: Option<String>,
    pub created_at: Option<jiff::Timestamp>,
    pub completed_at: Option<jiff::Timestamp>,
    pub error_message: Option<String>,
    /// The failure's cause class (`download_error`, `no_slot`, …).
    pub cause: String,
    /// A stuck-recovery echo of a sibling run's fate.
    pub superseded: bool,
}

/// Cross-source comparisons (spec §5 `consistency`): the counts behind each
/// finding; null when the comparison could not be made.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConsistencyMetrics {
    /// Queued/running runs older than 2 min with no RQ job for their call.
    pub orphaned_runs: Option<u64>,
    /// Those by why the job was lost: `redis_restarted`, `evicted`,
    /// `enqueue_failed`, `unknown` (every cause present).
    #[serde(default)]
    pub orphaned_runs_by_cause: Option<std::collections::BTreeMap<String, u64>>,
    /// Completed runs in the window whose file (or parent leg's) is absent.
    pub completed_runs_missing_file: Option<u64>,
    /// `rec_slots` members whose run is not running while their
    /// `rec_inflight` marker is live: the business is blocked.
    pub phantom_slots: Option<u64>,
    /// Businesses with phantom slots.
    pub blocked_businesses: Option<u64>,
    /// Run ids waiting in `rec_queue` whose run already ended: the next
    /// phantom slots.
    pub dead_runs_in_slot_queue: Option<u64>,
    /// Runs that failed with `No slot available` in the window.
    pub no_slot_failures: Option<u64>,
    /// Of those, the runs of businesses whose slots are phantom-held: the
    /// jam's failures (PHANTOM_SLOTS reports them, not the completion rate).
    pub no_slot_failures_blocked: Option<u64>,
    /// Orphan candidates whose RQ job could not be looked for (a queue or
    /// registry larger than what was read).
    pub orphans_not_compared: Option<u64>,
    /// Dedup locks with no job and no active run.
    pub stale_locks: Option<u64>,
    pub active_runs_checked: Option<u64>,
    pub completed_runs_checked: Option<u64>,
    pub rq_jobs_seen: Option<u64>,
    /// Comparisons that could not be made, and why.
    pub not_compared: Vec<String>,
}
