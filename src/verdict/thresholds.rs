//! Every number the finding rules judge by, with the spec's defaults.
//! Flags and `RECDIAG_*` variables only override these.

use std::time::Duration;

/// Thresholds of the finding rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    /// DISK_SPACE_LOW is a warning below this free percentage.
    pub min_free_percent: f64,
    /// DISK_SPACE_LOW is critical below this free percentage.
    pub crit_free_percent: f64,
    /// REDIS_MEMORY_HIGH at this share of maxmemory, in percent.
    pub max_redis_memory_percent: f64,
    /// A recording of this many bytes or fewer is invalid (the app's rule).
    pub undersized_bytes: u64,
    /// QUEUE_BACKLOG warning at this many waiting jobs.
    pub max_backlog: u64,
    /// QUEUE_BACKLOG critical at this many waiting jobs.
    pub crit_backlog: u64,
    /// QUEUE_STALLED when the oldest waiting job is older, with workers listening.
    pub max_queue_age: Duration,
    /// FAILED_JOBS warning at this many failed jobs.
    pub max_failed: u64,
    /// FAILED_JOBS critical at this many failed jobs.
    pub crit_failed: u64,
    /// A busy worker heart-beats every 30 s (RQ's job monitoring interval):
    /// older than this, it is stale.
    pub stale_busy_heartbeat: Duration,
    /// An idle worker heart-beats every worker_ttl - 15 s (405 s by default):
    /// older than this, it is stale.
    pub stale_idle_heartbeat: Duration,
    /// LOW_COMPLETION_RATE warning below this percentage.
    pub min_completion_rate: f64,
    /// LOW_COMPLETION_RATE critical below this percentage.
    pub crit_completion_rate: f64,
    /// SLOW_DOWNLOADS when the average download takes longer.
    pub max_avg_download: Duration,
    /// RUNS_STUCK: a run queued longer than this (the app's own rule: 5 min).
    pub max_queued_run_age: Duration,
    /// RUNS_STUCK: a run running longer than this (the app's own rule: 5 min).
    pub max_running_run_age: Duration,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            min_free_percent: 10.0,
            crit_free_percent: 2.0,
            max_redis_memory_percent: 90.0,
            undersized_bytes: 1000,
            max_backlog: 10,
            crit_backlog: 50,
            max_queue_age: Duration::from_secs(180),
            max_failed: 1,
            crit_failed: 10,
            stale_busy_heartbeat: Duration::from_secs(60),
            stale_idle_heartbeat: Duration::from_secs(480),
            min_completion_rate: 95.0,
            crit_completion_rate: 80.0,
            max_avg_download: Duration::from_secs(60),
            max_queued_run_age: Duration::from_secs(300),
            max_running_run_age: Duration::from_secs(300),
        }
    }
}
