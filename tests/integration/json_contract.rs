//! JSON schema v1: real output validated against the published schema and
//! decoded into strict structs, so a renamed or added field fails here.

use serde::Deserialize;
use serde_json::Value;

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
    free_bytes: Option<u64>,
    size_bytes: Option<u64>,
    free_percent: Option<f64>,
}

fn schema() -> jsonschema::Validator {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/recdiag-v1.schema.json");
    let text = std::fs::read_to_string(path).expect("schema file");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

fn assert_contract(run: &Run) {
    let value = run.json();
    let validator = schema();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
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

#[test]
fn healthy_degraded_and_broken_outputs_match_the_schema() {
    let server = RedisServer::with_args(&["--maxmemory-policy", "volatile-lru"]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("CA00000000000000000000000000000000.mp3"),
        b"tiny",
    )
    .unwrap();
    let runs = [
        Recdiag::new()
            .args(["health", "--json", "--recordings-dir"])
            .args([dir.path()])
            .env("REDIS_URL", server.url())
            .run(),
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
