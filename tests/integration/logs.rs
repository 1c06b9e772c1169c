//! `recdiag logs` and `call --log` on the log the fixture worker writes
//! through Python logging in the app's line format (spec §1, "The worker's
//! log"), as a file, through the `docker compose logs` prefix and `-t`
//! stamps, gzip'd, on standard input; and on hand-made bad input.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::app::{AppWorld, sid};
use crate::support::python::RQ_NEWEST;
use crate::support::schema::{strict_validator, violations};
use crate::support::{Recdiag, Run};

/// A `logs` document against the strict form of its schema.
fn validate(r: &Run) -> Value {
    let v = r.json();
    let validator = strict_validator("recdiag-logs-v1.schema.json");
    let errors = violations(&validator, &v);
    assert!(errors.is_empty(), "{errors:#?}\n{}", r.stdout);
    assert_eq!(v["exit_code"], r.code);
    v
}

fn cause(v: &Value, cause: &str) -> Option<Value> {
    v["causes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["cause"] == cause)
        .cloned()
}

fn cause_count(v: &Value, name: &str) -> u64 {
    cause(v, name).map_or(0, |c| c["count"].as_u64().unwrap())
}

/// The log's downloads started are the download runs the database saw
/// start: each counted once, though the app writes its [DOWNLOAD_ONLY]
/// lines through two loggers.
///
/// The same for what became of them. The world's six downloads of one
/// business race for its three slots: how many find one depends on how
/// fast five workers start on a loaded machine (usually 3 of 6), so the
/// database says what the log must say.
fn assert_counts_each_download_once(w: &AppWorld, v: &Value, r: &Run) {
    let count = |clause: &str| {
        w.query(&format!(
            "SELECT count(*) FROM recording_runs WHERE job_type = 'download' AND {clause}"
        ))
    };
    let started = count("started_at IS NOT NULL");
    assert_eq!(
        v["downloads"]["started"].to_string(),
        started,
        "{}",
        r.stdout
    );
    let saved = count("status = 'completed'");
    assert_eq!(v["downloads"]["saved"].to_string(), saved, "{}", r.stdout);
    let failed = count("status = 'failed'");
    assert_eq!(v["downloads"]["failed"].to_string(), failed, "{}", r.stdout);
    let no_slot = count("error_message LIKE 'No slot available%'");
    assert_eq!(
        cause_count(v, "no_slot").to_string(),
        no_slot,
        "{}",
        r.stdout
    );
}

/// A world whose worker log holds a Twilio 401, a worker without Twilio
/// credentials (the app's line names no call), a download that worked, and
/// a jammed business.
fn world() -> (AppWorld, String, String) {
    world_at(AppWorld::new(RQ_NEWEST))
}

fn world_at(w: AppWorld) -> (AppWorld, String, String) {
    let (ok, denied) = (sid(301), sid(302));
    let mut steps = vec![
        format!("call:{ok}:1"),
        format!("open:{ok}"),
        format!("call:{denied}:1:http-401"),
        format!("open:{denied}"),
        format!("call:{}:1:missing-credentials", sid(303)),
        format!("open:{}", sid(303)),
        "work".to_string(),
    ];
    for n in 311..=316 {
        steps.push(format!("call:{}:7:slow-4", sid(n)));
        steps.push(format!("open:{}", sid(n)));
    }
    steps.push("work:5".into());
    w.steps(&steps.iter().map(String::as_str).collect::<Vec<_>>());
    (w, ok, denied)
}

#[test]
fn the_workers_log_summed_up_in_every_form() {
    let (w, ok, denied) = world();
    let log = w.log_path();
    let r = Recdiag::new().args(["logs", "--json"]).arg(&log).run();
    r.assert_code(2);
    let v = validate(&r);
    assert_eq!(cause_count(&v, "unauthorized_401"), 1);
    assert!(cause_count(&v, "no_slot") >= 1, "{}", r.stdout);
    // Each download counted once, though the app writes its
    // [DOWNLOAD_ONLY] lines through two loggers.
    assert_counts_each_download_once(&w, &v, &r);
    let nocred = cause(&v, "missing_credentials").unwrap();
    assert_eq!(nocred["count"], 1, "{}", r.stdout);
    assert_eq!(nocred["newest_sids"], serde_json::json!([sid(303)]));
    let c401 = cause(&v, "unauthorized_401").unwrap();
    assert_eq!(c401["newest_sids"], serde_json::json!([denied]));
    assert_eq!(c401["severity"], "critical");
    assert!(c401["hint"].as_str().unwrap().contains("TWILIO_AUTH_TOKEN"));

    // Through `docker compose logs -t`: the prefix and the stamps.
    let text = std::fs::read_to_string(&log).unwrap();
    let composed: String = text
        .lines()
        .map(|l| format!("worker-1  | 2026-11-25T09:00:00.000000001Z {l}\n"))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let composed_path = dir.path().join("compose.log");
    std::fs::write(&composed_path, &composed).unwrap();
    let c = Recdiag::new()
        .args(["logs", "--json"])
        .arg(&composed_path)
        .run();
    let cv = validate(&c);
    assert_eq!(cv["downloads"], v["downloads"], "{}", c.stdout);
    assert_eq!(cv["first_at"], "2026-11-25T09:00:00.000000001Z");
    // gzip'd, and on standard input: the same.
    let gz_path = dir.path().join("compose.log.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(composed.as_bytes()).unwrap();
    std::fs::write(&gz_path, gz.finish().unwrap()).unwrap();
    let g = Recdiag::new().args(["logs", "--json"]).arg(&gz_path).run();
    assert_eq!(validate(&g)["downloads"], v["downloads"]);
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("recdiag"))
        .args(["logs", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(composed.as_bytes())
        .unwrap();
    let piped = Run::from(child.wait_with_output().unwrap());
    assert_eq!(validate(&piped)["downloads"], v["downloads"]);
    assert_eq!(piped.json()["sources"], serde_json::json!(["-"]));

    // One call's lines, in order.
    let s = Recdiag::new()
        .args(["logs", "--sid", &denied])
        .arg(&log)
        .run();
    assert!(
        s.stdout.contains("Authentication failed (401)"),
        "{}",
        s.stdout
    );
    let first = s.stdout.find("Starting download").unwrap();
    let then = s.stdout.find("Authentication failed").unwrap();
    assert!(first < then, "in order:\n{}", s.stdout);
    assert!(!s.stdout.contains(&format!("Starting download for {ok}")));
    // A window after every line: nothing in it, nothing wrong.
    let later = Recdiag::new()
        .args(["logs", "--json", "--since", "2099-01-01T00:00:00Z"])
        .arg(&log)
        .run();
    later.assert_code(0);
    assert_eq!(validate(&later)["downloads"]["failed"], 0);
    // The table.
    let t = Recdiag::new().args(["logs"]).arg(&log).run();
    assert!(
        t.stdout.contains("Twilio answered 401 (credentials)"),
        "{}",
        t.stdout
    );
    assert!(t.stdout.contains("no download slot free"), "{}", t.stdout);
}

/// At LOG_LEVEL DEBUG both of the app's download loggers write every
/// [DOWNLOAD_ONLY] line: the same downloads, counted once.
#[test]
fn a_debug_log_counts_the_same_downloads() {
    let (w, _, _) = world_at(AppWorld::new(RQ_NEWEST).with_debug_log());
    let text = std::fs::read_to_string(w.log_path()).unwrap();
    assert!(
        text.contains("⚡ [DOWNLOAD_ONLY] Starting download"),
        "{text}"
    );
    let r = Recdiag::new()
        .args(["logs", "--json"])
        .arg(w.log_path())
        .run();
    let v = validate(&r);
    assert_counts_each_download_once(&w, &v, &r);
}

#[test]
fn call_with_the_log_names_the_real_cause() {
    let (w, _, denied) = world();
    let without = w.recdiag().args(["call", &denied, "--json"]).run();
    assert!(
        without.json()["reason"]
            .as_str()
            .unwrap()
            .contains("unknown reason")
    );
    assert!(without.json()["log_evidence"].is_null());
    let with = w
        .recdiag()
        .args(["call", &denied, "--json", "--log"])
        .arg(w.log_path())
        .run();
    with.assert_code(2);
    crate::json_contract::assert_call_contract(&with);
    let j = with.json();
    assert_eq!(j["verdict"], "FAILED");
    assert!(
        j["reason"]
            .as_str()
            .unwrap()
            .contains("Twilio answered 401"),
        "{j}"
    );
    assert!(
        j["hint"]
            .as_str()
            .unwrap()
            .contains("TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN"),
        "{j}"
    );
    assert_eq!(j["log_evidence"]["cause"], "unauthorized_401");
    let missing = w
        .recdiag()
        .args(["call", &denied, "--log", "/nonexistent.log"])
        .run();
    missing.assert_code(3);
    assert!(
        missing.stderr.contains("cannot read /nonexistent.log"),
        "{}",
        missing.stderr
    );
}

#[test]
fn bad_input_is_reported_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let s = "CA00000000000000000000000000000abc";
    // Invalid UTF-8, a 10 MB line, two workers interleaved mid-traceback.
    let mut bytes = format!(
        "worker-1 | [2026-11-25 09:00:00] INFO [j] [DOWNLOAD_ONLY] Starting download for {s}\n\
         worker-1 | [2026-11-25 09:00:00] ERROR [j] [RQ_RECORDING] Job error: run_id=9 error=boom\n"
    )
    .into_bytes();
    bytes.extend(b"worker-1 | [2026-11-25 09:00:00] ERROR [j] [RQ_RECORDING] Job error: run_id=9 error=\xff\xfe broken\n");
    bytes.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    bytes.extend(b"\nworker-1 | Traceback (most recent call last):\n");
    bytes.extend(b"worker-2 | [2026-11-25 09:00:01] INFO [j] [DOWNLOAD_ONLY] Starting download for CA00000000000000000000000000000def\n");
    bytes.extend(b"worker-1 |   File \"x.py\", line 3, in f\n");
    bytes.extend(b"worker-1 | OSError: [Errno 28] No space left on device\n");
    let path = dir.path().join("bad.log");
    std::fs::write(&path, &bytes).unwrap();
    let r = Recdiag::new().args(["logs", "--json"]).arg(&path).run();
    let v = validate(&r);
    assert_eq!(v["lines"]["long"], 1);
    assert!(v["lines"]["invalid_utf8"].as_u64().unwrap() >= 1);
    assert_eq!(v["downloads"]["started"], 2);
    assert_eq!(
        v["tracebacks"][0]["last_line"],
        "OSError: [Errno 28] No space left on device"
    );
    // A truncated gzip: what was read counts, and the error is said.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&bytes[..300]).unwrap();
    let whole = gz.finish().unwrap();
    let cut = dir.path().join("cut.log.gz");
    std::fs::write(&cut, &whole[..whole.len() - 12]).unwrap();
    let t = Recdiag::new().args(["logs", "--json"]).arg(&cut).run();
    let tv = validate(&t);
    assert!(
        tv["notes"].to_string().contains("truncated"),
        "{}",
        t.stdout
    );
    // Not a worker log at all: said, exit 3. A missing file: usage, exit 3.
    let other = dir.path().join("other.log");
    std::fs::write(&other, "hello\nworld\n").unwrap();
    Recdiag::new()
        .args(["logs"])
        .arg(&other)
        .run()
        .assert_code(3);
    let gone = Recdiag::new().args(["logs", "/nonexistent/x.log"]).run();
    gone.assert_code(3);
    let bad_sid = Recdiag::new()
        .args(["logs", "--sid", "CA1"])
        .arg(&other)
        .run();
    bad_sid.assert_code(3);
}
