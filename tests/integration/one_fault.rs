//! One fault, one finding (spec §6): a missing, invalid or unreachable
//! source is reported once, by the check that owns it; the checks that
//! need it say they could not run. A missing table is SCHEMA_MISMATCH; a
//! missing recordings directory is RECORDINGS_DIR_MISSING and nothing else.

use std::fs;

use serde_json::Value;

use crate::support::{PgDb, Recdiag, Run, free_port};

fn all_codes(r: &Run) -> Vec<String> {
    r.all_codes()
}

fn summary(r: &Run, check: &str) -> String {
    r.check(check)["summary"].as_str().unwrap_or("").to_string()
}

#[test]
fn a_closed_redis_port_is_one_finding() {
    let db = PgDb::with_schema();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("redis://127.0.0.1:{}/0", free_port());
    let run = |format: &str| {
        Recdiag::new()
            .args(["health", "--format", format, "--recordings-dir"])
            .args([dir.path()])
            .env("REDIS_URL", &url)
            .env("DATABASE_URL", db.url())
            .run()
    };
    let r = run("json");
    r.assert_code(2);
    assert_eq!(all_codes(&r), ["REDIS_UNREACHABLE"], "{}", r.stdout);
    for check in ["queues", "workers", "consistency"] {
        assert_eq!(r.check(check)["status"], "unknown", "{check}");
        assert!(
            summary(&r, check).contains("Redis is unreachable (the redis check reports it)"),
            "{check}: {}",
            summary(&r, check)
        );
    }
    let table = run("table");
    assert_eq!(
        table.stdout.matches("REDIS_UNREACHABLE").count(),
        1,
        "{}",
        table.stdout
    );
    assert!(
        table
            .stdout
            .contains("CRITICAL — 1 critical across 6 checks (exit 2)"),
        "{}",
        table.stdout
    );
    let nagios = run("nagios");
    assert_eq!(
        nagios.stdout.matches("REDIS_UNREACHABLE").count(),
        2,
        "the headline and one long-output line: {}",
        nagios.stdout
    );
    // Alone, a dependent check still reports the fault itself.
    let alone = Recdiag::new()
        .args(["queues", "--json"])
        .env("REDIS_URL", &url)
        .run();
    assert_eq!(all_codes(&alone), ["REDIS_UNREACHABLE"]);
}

#[test]
fn missing_and_invalid_urls_are_reported_once_with_their_own_codes() {
    let dir = tempfile::tempdir().unwrap();
    let r = Recdiag::new()
        .args(["health", "--json", "--recordings-dir"])
        .args([dir.path()])
        .env("REDIS_URL", "http://user:pw-77@host")
        .run();
    r.assert_code(3);
    let mut codes = all_codes(&r);
    codes.sort();
    assert_eq!(
        codes,
        ["DATABASE_URL_MISSING", "REDIS_URL_INVALID"],
        "{}",
        r.stdout
    );
    r.assert_hides("pw-77");
    assert!(
        summary(&r, "consistency").starts_with("not run:"),
        "{}",
        summary(&r, "consistency")
    );
    // The hint's placeholder is not a secret to mask.
    let hint = r.check("redis")["findings"][0]["hint"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(hint.contains("user:PASSWORD@"), "{hint}");
}

#[test]
fn a_database_without_the_apps_tables_is_schema_mismatch() {
    let db = PgDb::empty();
    let dir = tempfile::tempdir().unwrap();
    let r = Recdiag::new()
        .args([
            "health",
            "--json",
            "--skip",
            "redis,queues,workers",
            "--recordings-dir",
        ])
        .args([dir.path()])
        .env("DATABASE_URL", db.url())
        .run();
    r.assert_code(2);
    let codes = all_codes(&r);
    assert_eq!(
        codes.iter().filter(|c| *c == "SCHEMA_MISMATCH").count(),
        1,
        "{}",
        r.stdout
    );
    assert!(
        !codes.contains(&"DATABASE_UNREACHABLE".to_string()),
        "{codes:?}"
    );
    assert!(summary(&r, "consistency").contains("lacks the app's tables"));
    // consistency alone says SCHEMA_MISMATCH too, never DATABASE_UNREACHABLE.
    let alone = Recdiag::new()
        .args([
            "health",
            "--json",
            "--only",
            "consistency",
            "--recordings-dir",
        ])
        .args([dir.path()])
        .env("DATABASE_URL", db.url())
        .run();
    let codes = all_codes(&alone);
    assert!(
        codes.contains(&"SCHEMA_MISMATCH".to_string()),
        "{}",
        alone.stdout
    );
    assert!(
        !codes.contains(&"DATABASE_UNREACHABLE".to_string()),
        "{codes:?}"
    );
}

#[test]
fn a_missing_recordings_directory_is_said_once_and_assumed_nowhere() {
    let db = PgDb::with_schema();
    let sid = "CA0000000000000000000000000000c0de";
    db.sql(&format!(
        "INSERT INTO recording_runs (business_id, call_sid, status, created_at, started_at, completed_at) \
         VALUES (1, '{sid}', 'completed', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')"
    ));
    // The default, relative path, from a directory without it.
    let cwd = tempfile::tempdir().unwrap();
    let r = Recdiag::in_dir(cwd.path())
        .args(["health", "--json", "--skip", "redis,queues,workers"])
        .env("DATABASE_URL", db.url())
        .run();
    r.assert_code(2);
    let codes = all_codes(&r);
    assert!(
        codes.contains(&"RECORDINGS_DIR_MISSING".to_string()),
        "{}",
        r.stdout
    );
    assert!(
        !codes.contains(&"COMPLETED_RUN_MISSING_FILE".to_string()),
        "{codes:?}"
    );
    let msg = r.check("recordings_dir")["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("relative to the current directory"), "{msg}");
    assert!(msg.contains("RECORDINGS_DIR"), "{msg}");
    let nc: Vec<Value> = r.check("consistency")["metrics"]["not_compared"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        nc.iter()
            .any(|n| n.as_str().unwrap().contains("does not exist")),
        "{nc:?}"
    );
    // call does not call it a volume problem: it cannot tell, and says why.
    let c = Recdiag::in_dir(cwd.path())
        .args(["call", sid, "--json"])
        .env("DATABASE_URL", db.url())
        .run();
    c.assert_code(3);
    let j = c.json();
    assert!(j["verdict"].is_null(), "{j}");
    assert!(
        j["reason"].as_str().unwrap().contains("does not exist"),
        "{j}"
    );
    assert!(!j["hint"].as_str().unwrap().contains("do not share"), "{j}");
}

#[test]
fn call_says_a_source_is_not_configured_not_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let r = Recdiag::new()
        .args([
            "call",
            "CA0000000000000000000000000000abcd",
            "--json",
            "--recordings-dir",
        ])
        .args([dir.path()])
        .run();
    r.assert_code(3);
    let j = r.json();
    let reason = j["reason"].as_str().unwrap();
    assert!(reason.contains("not configured"), "{reason}");
    assert!(!reason.contains("unreachable"), "{reason}");
    assert!(j["hint"].as_str().unwrap().contains("configure"), "{j}");
    let table = Recdiag::new()
        .args([
            "call",
            "CA0000000000000000000000000000abcd",
            "--recordings-dir",
        ])
        .args([dir.path()])
        .run();
    assert!(table.stdout.contains("UNDECIDED"), "{}", table.stdout);
}

#[test]
fn long_texts_are_one_bounded_line_and_whole_in_json() {
    let db = PgDb::with_schema();
    let dir = tempfile::tempdir().unwrap();
    let sid = "CA0000000000000000000000000000beef";
    let long = "x".repeat(20_000);
    db.sql(&format!(
        "INSERT INTO recording_runs (business_id, call_sid, status, created_at, completed_at, error_message) \
         VALUES (1, '{sid}', 'failed', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', 'Job stuck: {long}')"
    ));
    fs::create_dir_all(dir.path()).unwrap();
    let table = Recdiag::new()
        .args(["call", sid, "--recordings-dir"])
        .args([dir.path()])
        .env("DATABASE_URL", db.url())
        .run();
    let longest = table
        .stdout
        .lines()
        .map(|l| l.chars().count())
        .max()
        .unwrap();
    assert!(
        longest < 1_000,
        "a {longest}-character line:\n{}",
        &table.stdout[..2000]
    );
    assert!(table.stdout.contains('…'));
    let json = Recdiag::new()
        .args(["call", sid, "--json", "--recordings-dir"])
        .args([dir.path()])
        .env("DATABASE_URL", db.url())
        .run();
    assert!(
        json.json()["runs"][0]["error_message"]
            .as_str()
            .unwrap()
            .len()
            > 20_000,
        "the whole text stays in JSON"
    );
}
