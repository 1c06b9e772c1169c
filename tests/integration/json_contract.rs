//! JSON schema v1: real output validated against the strict form of the
//! published schema (`support::schema`) and decoded into strict structs, so
//! a renamed or undocumented field fails here; while the published schema
//! itself stays open to the additions version 1 promises.

use std::path::Path;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::support::schema::{published_validator, strict_validator, violations};
use crate::support::{Recdiag, RedisServer, Run};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Report {
    schema_version: u32,
    tool: String,
    version: String,
    generated_at: String,
    status: String,
    exit_code: u8,
    checks: Vec<Check>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Check {
    id: String,
    status: String,
    summary: String,
    duration_s: f64,
    metrics: Value,
    findings: Vec<Finding>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Finding {
    code: String,
    severity: String,
    message: String,
    hint: String,
    subjects: Vec<String>,
    accepted: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RedisMetrics {
    url: Option<String>,
    latency_s: Option<f64>,
    version: Option<String>,
    role: Option<String>,
    used_memory_bytes: Option<u64>,
    maxmemory_bytes: Option<u64>,
    memory_used_ratio: Option<f64>,
    maxmemory_policy: Option<String>,
    evicted_keys: Option<u64>,
    connected_clients: Option<u64>,
    uptime_s: Option<u64>,
    sentinel: Option<SentinelMetrics>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct SentinelMetrics {
    master_name: String,
    master: Option<String>,
    sentinels: u64,
    reached: u64,
    nodes: Vec<SentinelNode>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct SentinelNode {
    address: String,
    state: String,
    master: Option<String>,
    detail: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RecordingsDirMetrics {
    path: String,
    exists: bool,
    readable: Option<bool>,
    writable: Option<bool>,
    mp3_files: Option<u64>,
    total_bytes: Option<u64>,
    undersized_files: Option<u64>,
    other_entries: Option<u64>,
    newest_file_age_s: Option<f64>,
    oldest_file_age_s: Option<f64>,
    files_past_retention: Option<u64>,
    free_bytes: Option<u64>,
    size_bytes: Option<u64>,
    free_percent: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct QueuesMetrics {
    key_prefix: String,
    queues: Vec<QueueMetrics>,
    queues_not_shown: u64,
    anomalies: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct QueueMetrics {
    name: String,
    of_interest: bool,
    queued: Option<u64>,
    started: Option<u64>,
    failed: Option<u64>,
    deferred: Option<u64>,
    scheduled: Option<u64>,
    finished: Option<u64>,
    canceled: Option<u64>,
    rate_limited: Option<u64>,
    oldest_held_age_s: Option<f64>,
    oldest_queued_age_s: Option<f64>,
    oldest_queued_job: Option<String>,
    workers: u64,
    abandoned: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct WorkersMetrics {
    workers: Vec<WorkerMetrics>,
    // null when the workers were not read: never a zero.
    alive: Option<u64>,
    stale: Option<u64>,
    ghosts: Option<u64>,
    suspended: Option<bool>,
    scheduler_lock: Option<bool>,
    scheduler_last_tick_age_s: Option<f64>,
    anomalies: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct WorkerMetrics {
    name: String,
    hostname: Option<String>,
    pid: Option<i64>,
    state: Option<String>,
    queues: Vec<String>,
    current_job: Option<String>,
    last_heartbeat_age_s: Option<f64>,
    alive: bool,
    liveness: String,
    successful_jobs: Option<u64>,
    failed_jobs: Option<u64>,
    version: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct FailedReport {
    schema_version: u32,
    tool: String,
    version: String,
    generated_at: String,
    status: String,
    exit_code: u8,
    queues: Vec<Value>,
    limit: usize,
    groups: Vec<FailureGroup>,
    jobs: Vec<FailedJob>,
    findings: Vec<Finding>,
    notes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct FailureGroup {
    cause: String,
    count: u64,
    example_job: String,
    call_sids: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct FailedJob {
    id: String,
    queue: String,
    exists: bool,
    call_sid: Option<String>,
    func: Option<String>,
    kwargs: std::collections::BTreeMap<String, String>,
    status: Option<String>,
    failed_at: Option<String>,
    failed_age_s: Option<f64>,
    enqueued_at: Option<String>,
    started_at: Option<String>,
    retries_left: Option<i64>,
    worker_name: Option<String>,
    exception_type: Option<String>,
    exception_last_line: Option<String>,
    exception: Option<String>,
    exception_source: Option<String>,
    cause: String,
    horse_killed: bool,
    run_id: Option<i64>,
    run_error: Option<String>,
    decode_errors: Vec<String>,
}

const REPORT: &str = "recdiag-v1.schema.json";
const CALL: &str = "recdiag-call-v1.schema.json";

/// Report documents against the strict form of their schema.
pub fn assert_contract(run: &Run) {
    let value = run.json();
    let errors = violations(&strict_validator(REPORT), &value);
    assert!(
        errors.is_empty(),
        "schema violations: {errors:#?}\n{}",
        run.stdout
    );
    let report: Report = serde_json::from_value(value).expect("strict decode of the report");
    assert_eq!(report.schema_version, 1);
    assert_eq!(report.tool, "recdiag");
    assert_eq!(
        i32::from(report.exit_code),
        run.code,
        "exit_code field equals the process exit"
    );
    assert!(jiff::Timestamp::from_str_checked(&report.generated_at));
    for check in report.checks {
        match check.id.as_str() {
            "redis" => {
                serde_json::from_value::<RedisMetrics>(check.metrics)
                    .expect("strict redis metrics");
            }
            "recordings_dir" => {
                serde_json::from_value::<RecordingsDirMetrics>(check.metrics)
                    .expect("strict recordings_dir metrics");
            }
            "queues" => {
                serde_json::from_value::<QueuesMetrics>(check.metrics)
                    .expect("strict queues metrics");
            }
            "workers" => {
                serde_json::from_value::<WorkersMetrics>(check.metrics)
                    .expect("strict workers metrics");
            }
            "runs" => assert_strict_runs(&check.metrics),
            "consistency" => {}
            other => panic!("unexpected check {other}"),
        }
    }
}

trait FromStrChecked {
    fn from_str_checked(s: &str) -> bool;
}

impl FromStrChecked for jiff::Timestamp {
    fn from_str_checked(s: &str) -> bool {
        s.ends_with('Z') && s.parse::<jiff::Timestamp>().is_ok()
    }
}

/// The SID of the one (undersized) recording `degraded_world` holds.
const TINY_SID: &str = "CA00000000000000000000000000000000";

/// Redis with an eviction policy that loses jobs, and a recordings
/// directory holding one undersized file: a report with findings.
fn degraded_world() -> (RedisServer, tempfile::TempDir) {
    let server = RedisServer::with_args(&["--maxmemory-policy", "volatile-lru"]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(format!("{TINY_SID}.mp3")), b"tiny").unwrap();
    (server, dir)
}

/// `health` on the degraded world: warnings, exit 1.
fn degraded_health(server: &RedisServer, dir: &Path) -> Run {
    Recdiag::new()
        .args([
            "health",
            "--json",
            "--skip",
            "runs,consistency",
            "--recordings-dir",
        ])
        .args([dir])
        .env("REDIS_URL", server.url())
        .run()
}

#[test]
fn healthy_degraded_and_broken_outputs_match_the_schema() {
    let (server, dir) = degraded_world();
    let runs = [
        degraded_health(&server, dir.path()),
        Recdiag::new()
            .args(["health", "--json", "--recordings-dir"])
            .args([dir.path().join("missing")])
            .run(),
        Recdiag::new()
            .args(["redis", "--json"])
            .env("REDIS_URL", "redis://127.0.0.1:1/0")
            .run(),
        Recdiag::new()
            .args(["dir", "--json", "--recordings-dir"])
            .args([dir.path()])
            .run(),
    ];
    for run in &runs {
        assert_contract(run);
    }
    assert_eq!(runs[0].code, 1);
}

/// queues, workers and `failed`: the same contract, its own schema, on every captured RQ version.
#[test]
fn rq_outputs_match_their_schemas() {
    for version in crate::support::fixtures::RQ_VERSIONS {
        let server = RedisServer::start();
        let capture = crate::support::fixtures::load_rq(&server, version);
        let base = |args: &[&str]| {
            Recdiag::new()
                .args(args)
                .env("REDIS_URL", server.url())
                .env("RECDIAG_NOW", &capture.captured_at)
                .run()
        };
        assert_contract(&base(&["health", "--json", "--skip", "dir"]));
        assert_contract(&base(&["queues", "--json"]));
        assert_contract(&base(&["workers", "--json"]));
        let failed = base(&["failed", "--json"]);
        let value = failed.json();
        let errors = violations(&strict_validator("recdiag-failed-v1.schema.json"), &value);
        assert!(errors.is_empty(), "{version}: {errors:#?}");
        let report: FailedReport = serde_json::from_value(value).expect("strict failed report");
        assert_eq!(i32::from(report.exit_code), failed.code);
        assert_eq!(report.jobs.len(), 3, "{version}");
    }
}

/// Every field of the runs metrics, and no other.
fn assert_strict_runs(m: &Value) {
    let keys: Vec<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "database",
            "database_source",
            "window_s",
            "total",
            "by_status",
            "by_job_type",
            "completion_rate",
            "download_s",
            "queue_wait_s",
            "stuck",
            "duplicate_active_calls",
            "superseded_active",
            "superseded_failures",
            "failures_by_cause",
            "dominant_cause",
            "completion_sample",
            "index_on_created_at",
            "index_on_call_sid",
            "stuck_runs",
            "duplicates",
            "killed_runs",
            "newest_failures",
            "anomalies"
        ]
    );
}

#[test]
fn runs_outputs_match_the_schema() {
    let db = crate::support::PgDb::with_schema();
    db.sql(
        "INSERT INTO recording_runs (business_id, call_sid, status, created_at, started_at, completed_at, error_message) VALUES \
         (1, 'CA00000000000000000000000000000001', 'completed', now() at time zone 'utc', now() at time zone 'utc', now() at time zone 'utc', NULL), \
         (1, 'CA00000000000000000000000000000002', 'failed', now() at time zone 'utc', now() at time zone 'utc', now() at time zone 'utc', 'boom')",
    );
    for url in [db.url(), "postgres://postgres@127.0.0.1:1/x".to_string()] {
        let r = Recdiag::new()
            .args(["runs", "--json"])
            .env("DATABASE_URL", &url)
            .run();
        assert_contract(&r);
    }
    assert_contract(&Recdiag::new().args(["runs", "--json"]).run());
}

/// `call` documents against the strict form of their schema, for every
/// verdict the tests make.
pub fn assert_call_contract(run: &Run) {
    let value = run.json();
    let errors = violations(&strict_validator(CALL), &value);
    assert!(
        errors.is_empty(),
        "call schema violations: {errors:#?}\n{}",
        run.stdout
    );
    let one = |v: &Value| {
        let verdict_code = v["exit_code"].as_i64().unwrap();
        assert!((0..=3).contains(&verdict_code), "{v}");
    };
    match &value {
        Value::Array(items) => items.iter().for_each(one),
        v => {
            one(v);
            assert_eq!(v["exit_code"].as_i64().unwrap() as i32, run.code);
        }
    }
}

/// What version 1 promises a consumer: a later release may add fields,
/// checks and finding codes. A document with each of those still validates
/// against the published schema, and fails the strict form the tests hold
/// real output to (so an addition the schema does not document fails CI).
#[test]
fn a_v1_consumer_accepts_additive_changes() {
    let (server, dir) = degraded_world();
    let run = degraded_health(&server, dir.path());
    assert_contract(&run);
    let today = run.json();
    let checks = today["checks"].as_array().unwrap();
    let ci = checks
        .iter()
        .position(|c| !c["findings"].as_array().unwrap().is_empty())
        .unwrap_or_else(|| panic!("no finding in:\n{}", run.stdout));
    let check = format!("/checks/{ci}");
    let finding = format!("{check}/findings/0");
    let future_finding = {
        let mut f = today.pointer(&finding).unwrap().clone();
        f["code"] = json!("SOME_FUTURE_CODE");
        f["message"] = json!("a finding a later release raises");
        f
    };
    let future_check = {
        let mut c = today.pointer(&check).unwrap().clone();
        c["id"] = json!("some_future_check");
        c["metrics"] = json!({"some_future_metric": 1});
        c["findings"] = json!([future_finding.clone()]);
        c
    };
    let metrics = checks
        .iter()
        .position(|c| c["id"] == "redis")
        .map(|i| format!("/checks/{i}/metrics"))
        .expect("a redis check");
    let additions: Vec<Addition> = vec![
        (
            "a top-level field",
            Box::new(|d| insert(d, "", "some_future_field", json!({"a": 1}))),
        ),
        (
            "a field in a check",
            Box::new(|d| insert(d, &check, "some_future_field", json!("x"))),
        ),
        (
            "a field in a check's metrics",
            Box::new(|d| insert(d, &metrics, "some_future_metric", json!(0.5))),
        ),
        (
            "a field in a finding",
            Box::new(|d| insert(d, &finding, "some_future_field", json!(true))),
        ),
        (
            "a finding with a new code",
            Box::new(|d| push(d, &format!("{check}/findings"), future_finding.clone())),
        ),
        (
            "a new check",
            Box::new(|d| push(d, "/checks", future_check.clone())),
        ),
    ];
    assert_open_but_strict(REPORT, &today, &additions);

    // Open to additions, not to anything: a code that is no code, or a
    // required field gone, still fails the published schema.
    let published = published_validator(REPORT);
    let mut bad = today.clone();
    bad.pointer_mut(&finding).unwrap()["code"] = json!("some-future-code");
    assert!(
        !violations(&published, &bad).is_empty(),
        "a lower-case code"
    );
    let mut bad = today.clone();
    bad.as_object_mut().unwrap().remove("checks");
    assert!(!violations(&published, &bad).is_empty(), "no checks");

    // The same for `call`, one SID and several.
    let call = Recdiag::new()
        .args(["call", "--json", "--recordings-dir"])
        .args([dir.path()])
        .args([TINY_SID])
        .env("REDIS_URL", server.url())
        .run();
    assert_call_contract(&call);
    let one = call.json();
    let additions: Vec<Addition> = vec![
        (
            "a top-level field",
            Box::new(|d| insert(d, "", "some_future_field", json!(null))),
        ),
        (
            "a field in the file",
            Box::new(|d| insert(d, "/file", "some_future_field", json!(1))),
        ),
        (
            "a field in one of several",
            Box::new(|d| {
                let mut other = d.clone();
                insert(&mut other, "", "some_future_field", json!([]));
                *d = json!([d.clone(), other]);
            }),
        ),
    ];
    assert_open_but_strict(CALL, &one, &additions);
}

/// What a later release might add to a document, and how.
type Addition<'a> = (&'static str, Box<dyn Fn(&mut Value) + 'a>);

/// `today` passes both forms of `file`'s schema; each addition alone, and
/// all of them at once, passes the published schema and fails the strict.
fn assert_open_but_strict(file: &str, today: &Value, additions: &[Addition]) {
    let published = published_validator(file);
    let strict = strict_validator(file);
    for (form, validator) in [("published", &published), ("strict", &strict)] {
        let errors = violations(validator, today);
        assert!(
            errors.is_empty(),
            "{file} ({form}) rejects today's output: {errors:#?}"
        );
    }
    let mut all = today.clone();
    let mut cases = Vec::new();
    for (what, add) in additions {
        let mut doc = today.clone();
        add(&mut doc);
        add(&mut all);
        cases.push((*what, doc));
    }
    cases.push(("all of them at once", all));
    for (what, doc) in &cases {
        let errors = violations(&published, doc);
        assert!(
            errors.is_empty(),
            "{file}: the published schema rejects {what}: {errors:#?}\n{doc:#}"
        );
        assert!(
            !violations(&strict, doc).is_empty(),
            "{file}: the strict form accepts {what}, undocumented:\n{doc:#}"
        );
    }
}

/// Set `key` in the object at the JSON pointer `at`.
fn insert(doc: &mut Value, at: &str, key: &str, value: Value) {
    doc.pointer_mut(at)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("no object at {at:?}"))
        .insert(key.to_string(), value);
}

/// Append to the array at the JSON pointer `at`.
fn push(doc: &mut Value, at: &str, value: Value) {
    doc.pointer_mut(at)
        .and_then(Value::as_array_mut)
        .unwrap_or_else(|| panic!("no array at {at:?}"))
        .push(value);
}
