//! `call`'s judgement fed what the sources hold, fuzzed: the database's
//! call_log row and runs (any status, job type, error text, retry count,
//! times around now), RQ's jobs, the locks, the slots, the retry counter
//! and Redis's life; then its table and JSON. No panic; the table holds no
//! control character but line ends; the JSON parses.
#![no_main]
use libfuzzer_sys::fuzz_target;
use recdiag::config::Format;
use recdiag::model::{CallLogInfo, FileInfo, JobInfo, LockInfo, RunInfo, SlotInfo};
use recdiag::probe::redis::RedisLife;
use recdiag::render::{Style, render_calls};
use recdiag::verdict::Thresholds;
use recdiag::verdict::call::{CallFacts, judge};

#[path = "common/mod.rs"]
mod common;

const STATUSES: &[&str] = &["queued", "running", "completed", "failed", "cancelled", ""];
const TYPES: &[&str] = &["download", "full"];
const ERRORS: &[&str] = &[
    "Processing failed (unknown reason)",
    "No slot available: inflight",
    "Job stuck: queued for 400s without being picked up by worker. Retry attempt 1/3",
    "Worker not processing queue after 3 attempts in 10 minutes. Original issue: x",
    "Audio file not available - retry 4/5",
    "waitpid returned 9 (signal 9)",
];
const JOB_STATUSES: &[&str] = &[
    "queued",
    "started",
    "finished",
    "failed",
    "scheduled",
    "deferred",
];

fuzz_target!(|data: &[u8]| {
    let mut b = common::Bytes::new(data);
    let now = jiff::Timestamp::from_second(1_796_000_000).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let sid = "CA0123456789abcdef0123456789abcdef".to_string();
    let file = FileInfo {
        path: format!("/recordings/{sid}.mp3"),
        exists: b.bool(),
        size_bytes: b.bool().then(|| b.i64().unsigned_abs()),
        modified_at: b.time(now),
        valid: b.bool(),
    };
    let call_log = match b.u8() % 3 {
        0 => None,
        1 => Some(None),
        _ => Some(Some(CallLogInfo {
            business_id: b.bool().then(|| b.i64()),
            parent_call_sid: b.opt_text(&["CA00000000000000000000000000000001"]),
            recording_url_set: b.bool(),
            recording_sid: b.opt_text(&[]),
            created_at: b.time(now),
        })),
    };
    let runs = b.bool().then(|| {
        (0..b.u8() % 8)
            .map(|_| RunInfo {
                id: b.i64(),
                superseded: false,
                business_id: b.bool().then(|| b.i64()),
                status: b.text(STATUSES),
                job_type: b.opt_text(TYPES),
                created_at: b.time(now),
                started_at: b.time(now),
                completed_at: b.time(now),
                retry_count: b.bool().then(|| b.i64()),
                error_message: b.opt_text(ERRORS),
            })
            .collect()
    });
    let jobs = b.bool().then(|| {
        (0..b.u8() % 4)
            .map(|_| JobInfo {
                id: format!("recording_download_{sid}_{}", b.i64()),
                queue: b.opt_text(&["recordings"]),
                status: b.opt_text(JOB_STATUSES),
                position: b.bool().then(|| b.i64().unsigned_abs()),
                enqueued_at: b.time(now),
                started_at: b.time(now),
                ended_at: b.time(now),
                worker_name: b.opt_text(&["prosaas-worker-1"]),
                retries_left: b.bool().then(|| b.i64()),
                exception_last_line: b.opt_text(ERRORS),
                exception: b.opt_text(ERRORS),
            })
            .collect()
    });
    let locks = (0..b.u8() % 3)
        .map(|_| LockInfo {
            key: format!("job:download:{}:{sid}", b.i64()),
            ttl_s: b.bool().then(|| b.f64()),
        })
        .collect();
    let slots = (0..b.u8() % 3)
        .map(|_| SlotInfo {
            business_id: b.i64(),
            members: (0..b.u8() % 4).map(|_| b.text(&["1", "2"])).collect(),
            used: b.i64().unsigned_abs(),
            phantom: (0..b.u8() % 3).map(|_| b.text(&["1"])).collect(),
            phantom_marker_left_s: b.bool().then(|| b.f64()),
        })
        .collect();
    let facts = CallFacts {
        sid,
        file,
        parent_file: None,
        call_log,
        runs,
        jobs,
        locks,
        slots,
        workers_listening: (0..b.u8() % 3).map(|_| b.text(&[])).collect(),
        workers_not_working: (0..b.u8() % 3).map(|_| b.text(&[])).collect(),
        retry_attempts: b.bool().then(|| (b.i64(), b.bool().then(|| b.i64()))),
        suspended: b.bool(),
        dir_missing: b.bool(),
        unavailable: (0..b.u8() % 2).map(|_| b.text(&[])).collect(),
        database_down: b.opt_text(&[]),
        redis_life: b.bool().then(|| RedisLife {
            uptime_s: b.bool().then(|| b.i64().unsigned_abs()),
            evicted_keys: b.bool().then(|| b.i64().unsigned_abs()),
            maxmemory_policy: b.opt_text(&["allkeys-lru", "noeviction"]),
        }),
    };
    let report = judge(facts, now, &Thresholds::default());
    let style = Style::plain();
    let mut table = Vec::new();
    if render_calls(
        std::slice::from_ref(&report),
        Format::Table,
        style,
        &mut table,
    )
    .is_ok()
    {
        let text = String::from_utf8(table).expect("UTF-8");
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
    }
    let mut json = Vec::new();
    if render_calls(&[report], Format::Json, style, &mut json).is_ok() {
        serde_json::from_slice::<serde_json::Value>(&json).expect("JSON parses");
    }
});
