//! A hand-built report with every check, for the renderers' snapshot tests.

use crate::model::{
    CauseCounts, Check, CheckId, ConsistencyMetrics, DurationMetrics, Finding, FindingCode,
    JobTypeCounts, Metrics, QueueMetrics, QueuesMetrics, RecordingsDirMetrics, RedisMetrics,
    Report, RunsMetrics, Status, StatusCounts, WorkerMetrics, WorkersMetrics,
};

pub fn report() -> Report {
    let redis = Check::new(
        CheckId::Redis,
        "Redis 7.0.15 master, PING 180 µs, 1.1 MiB used, no maxmemory, noeviction".into(),
        Metrics::Redis(RedisMetrics {
            url: Some("redis://:***@redis:6379/0".into()),
            latency_s: Some(0.00018),
            version: Some("7.0.15".into()),
            role: Some("master".into()),
            used_memory_bytes: Some(1_153_024),
            maxmemory_bytes: Some(0),
            memory_used_ratio: None,
            maxmemory_policy: Some("noeviction".into()),
            evicted_keys: Some(0),
            connected_clients: Some(4),
            uptime_s: Some(86_400),
            sentinel: None,
        }),
        vec![],
    );
    let queues = Check::new(
        CheckId::Queues,
        "52 waiting, 1 started, 12 failed in recordings; 0 with no live worker".into(),
        Metrics::Queues(QueuesMetrics {
            queues: vec![QueueMetrics {
                name: "recordings".into(),
                of_interest: true,
                queued: Some(52),
                started: Some(1),
                failed: Some(12),
                deferred: Some(0),
                scheduled: Some(1),
                finished: Some(340),
                canceled: Some(0),
                rate_limited: Some(0),
                oldest_held_age_s: None,
                oldest_queued_age_s: Some(412.5),
                oldest_queued_job: Some(
                    "recording_download_CA0123456789abcdef0123456789abcdef_1795000000000".into(),
                ),
                workers: 1,
                abandoned: Some(0),
            }],
            queues_not_shown: 0,
            key_prefix: "rq".into(),
            anomalies: vec![],
        }),
        vec![
            Finding::new(
                FindingCode::QueueBacklog,
                "queue 'recordings' has 52 jobs waiting (warning at 10, critical at 50)",
            )
            .severity(Status::Critical)
            .subjects(["recordings"]),
            Finding::new(
                FindingCode::FailedJobs,
                "queue 'recordings' has 12 failed jobs in its failed registry",
            )
            .severity(Status::Critical)
            .subjects(["recordings"]),
        ],
    );
    let workers = Check::new(
        CheckId::Workers,
        "1 alive, 0 stale, 1 ghost".into(),
        Metrics::Workers(WorkersMetrics {
            workers: vec![
                WorkerMetrics {
                    name: "a1b2c3".into(),
                    hostname: Some("worker-1".into()),
                    pid: Some(7),
                    state: Some("busy".into()),
                    queues: vec!["recordings".into(), "default".into()],
                    current_job: Some(
                        "recording_download_CA0123456789abcdef0123456789abcdef_1795000000000"
                            .into(),
                    ),
                    last_heartbeat_age_s: Some(12.0),
                    alive: true,
                    liveness: "live".into(),
                    successful_jobs: Some(340),
                    failed_jobs: Some(12),
                    version: Some("2.12.0".into()),
                },
                WorkerMetrics {
                    name: "dead-beef".into(),
                    liveness: "ghost".into(),
                    ..Default::default()
                },
            ],
            alive: Some(1),
            stale: Some(0),
            ghosts: Some(1),
            suspended: Some(false),
            scheduler_lock: Some(true),
            scheduler_last_tick_age_s: Some(42.0),
            anomalies: vec![],
        }),
        vec![
            Finding::new(
                FindingCode::WorkerStale,
                "1 worker registered but not working: dead-beef (listed, hash gone)",
            )
            .subjects(["dead-beef"]),
        ],
    );
    let counts = StatusCounts {
        queued: 1,
        running: 1,
        completed: 180,
        failed: 20,
        cancelled: 0,
        other: 0,
    };
    let runs = Check::new(
        CheckId::Runs,
        "202 runs in 1h 0m: 180 completed, 20 failed (90.0% complete), avg download 41.0 s, 0 stuck".into(),
        Metrics::Runs(Box::new(RunsMetrics {
            database: Some("postgresql://app:***@db:5432/app".into()),
            database_source: Some("DATABASE_URL".into()),
            window_s: 3600.0,
            total: Some(202),
            by_status: Some(counts.clone()),
            by_job_type: Some(JobTypeCounts { download: counts, ..Default::default() }),
            completion_rate: Some(0.9),
            download_s: Some(DurationMetrics { count: 180, avg: Some(41.0), p50: Some(38.5), p95: Some(95.25), max: Some(141.0) }),
            queue_wait_s: Some(DurationMetrics { count: 200, avg: Some(4.0), p50: Some(3.0), p95: Some(9.0), max: Some(20.0) }),
            stuck: Some(0),
            duplicate_active_calls: Some(0),
            superseded_active: Some(180),
            superseded_failures: Some(0),
            failures_by_cause: Some(CauseCounts { download_error: 14, no_slot: 6, ..Default::default() }),
            dominant_cause: Some("download_error".into()),
            completion_sample: Some(200),
            index_on_created_at: Some(true),
            index_on_call_sid: Some(true),
            ..Default::default()
        })),
        vec![Finding::new(FindingCode::LowCompletionRate, "completion rate 90.0% in the last 1h 0m (180 completed, 20 failed; should be above 95%)")],
    );
    let dir = Check::new(
        CheckId::RecordingsDir,
        "1,240 .mp3 files, 212.2 MiB, newest 9.0 s ago, 30% free".into(),
        Metrics::RecordingsDir(RecordingsDirMetrics {
            path: "/app/server/recordings".into(),
            exists: true,
            readable: Some(true),
            writable: Some(true),
            mp3_files: Some(1240),
            total_bytes: Some(222_482_400),
            undersized_files: Some(0),
            other_entries: Some(0),
            newest_file_age_s: Some(9.0),
            oldest_file_age_s: Some(518_400.0),
            files_past_retention: Some(0),
            free_bytes: Some(81_090_174_976),
            size_bytes: Some(270_553_174_016),
            free_percent: Some(29.97),
        }),
        vec![],
    );
    let consistency = Check::new(
        CheckId::Consistency,
        "0 orphaned runs, 1 completed run without file, 3 phantom slots, 0 stale locks".into(),
        Metrics::Consistency(ConsistencyMetrics {
            orphaned_runs: Some(0),
            orphaned_runs_by_cause: None,
            completed_runs_missing_file: Some(1),
            phantom_slots: Some(3),
            blocked_businesses: Some(1),
            dead_runs_in_slot_queue: Some(2),
            no_slot_failures: Some(6),
            no_slot_failures_blocked: Some(6),
            orphans_not_compared: Some(0),
            stale_locks: Some(0),
            active_runs_checked: Some(2),
            completed_runs_checked: Some(180),
            rq_jobs_seen: Some(406),
            not_compared: vec![],
        }),
        vec![
            Finding::new(
                FindingCode::CompletedRunMissingFile,
                "1 run completed in the window but has no file in the recordings directory",
            )
            .subjects(["CAffffffffffffffffffffffffffffffff"]),
            Finding::new(
                FindingCode::PhantomSlots,
                "business 7: 3 slots held by runs that are not running (14 failed, 15 failed, 16 failed); the last frees itself at 12:14:58 UTC (in 14m 58s)",
            )
            .hint("free them now: redis-cli SREM rec_slots:7 14 15 16; and run at most 3 worker processes on 'recordings' per business until the app's release_slot skips failed runs")
            .severity(Status::Critical)
            .subjects(["rec_slots:7"]),
        ],
    );
    let mut report = Report::new(
        "2026-11-24T12:00:00Z"
            .parse()
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH),
        vec![redis, queues, workers, runs, dir, consistency],
    );
    for (i, c) in report.checks.iter_mut().enumerate() {
        c.duration_s = 0.001 * (i + 1) as f64;
    }
    report
}
