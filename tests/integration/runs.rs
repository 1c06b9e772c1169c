//! `recdiag runs` and the runs check against real PostgreSQL databases
//! (one per test) and SQLite files, with "now" pinned.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use crate::support::{PgDb, Recdiag, Run, SilentListener, free_port};

const NOW: &str = "2026-11-24T12:00:00Z";
const SID_DUP: &str = "CAdddddddddddddddddddddddddddddddd";

/// Download durations of the 20 completed runs, in seconds.
fn durations() -> Vec<f64> {
    (0..20).map(|i| 30.0 + 5.0 * i as f64).collect()
}

/// The test data: timestamps are naive UTC, as the app writes them.
fn seed_sql() -> String {
    let mut sql = String::new();
    let row = |sql: &mut String,
               sid: &str,
               status: &str,
               job: &str,
               created: &str,
               started: &str,
               completed: &str,
               err: &str| {
        let q = |v: &str| {
            if v == "NULL" {
                v.to_string()
            } else {
                format!("'{v}'")
            }
        };
        writeln!(
            sql,
            "INSERT INTO recording_runs (business_id, call_sid, status, job_type, created_at, started_at, completed_at, error_message) \
             VALUES (1, '{sid}', '{status}', {}, {}, {}, {}, {});",
            q(job), q(created), q(started), q(completed), q(err)
        )
        .unwrap();
    };
    for (i, d) in durations().iter().enumerate() {
        let created = 11 * 3600 + 5 * 60 + i as i64 * 60;
        row(
            &mut sql,
            &format!("CA{:032x}", i + 1),
            "completed",
            if i % 5 == 0 { "full" } else { "download" },
            &hms(created),
            &hms(created + 10),
            &hms_f(created as f64 + 10.0 + d),
            "NULL",
        );
    }
    row(
        &mut sql,
        "CAf0000000000000000000000000000001",
        "failed",
        "download",
        "2026-11-24 11:20:00",
        "2026-11-24 11:20:05",
        "2026-11-24 11:20:09",
        "twilio.base.exceptions.TwilioRestException: HTTP 401 error: Unable to fetch page\n  details: Authenticate",
    );
    row(
        &mut sql,
        "CAf0000000000000000000000000000002",
        "failed",
        "full",
        "2026-11-24 11:30:00",
        "2026-11-24 11:30:05",
        "2026-11-24 11:30:09",
        "HTTP 404 Not Found",
    );
    row(
        &mut sql,
        SID_DUP,
        "queued",
        "download",
        "2026-11-24 11:50:00",
        "NULL",
        "NULL",
        "NULL",
    );
    row(
        &mut sql,
        SID_DUP,
        "running",
        "download",
        "2026-11-24 11:58:00",
        "2026-11-24 11:58:10",
        "NULL",
        "NULL",
    );
    row(
        &mut sql,
        "CA50000000000000000000000000000001",
        "running",
        "download",
        "2026-11-24 11:44:50",
        "2026-11-24 11:45:00",
        "NULL",
        "NULL",
    );
    row(
        &mut sql,
        "CA50000000000000000000000000000002",
        "running",
        "full",
        "2026-11-24 11:44:50",
        "2026-11-24 11:45:00",
        "NULL",
        "NULL",
    );
    row(
        &mut sql,
        "CA50000000000000000000000000000003",
        "queued",
        "download",
        "2026-11-24 11:58:30",
        "NULL",
        "NULL",
        "NULL",
    );
    row(
        &mut sql,
        "CAc0000000000000000000000000000001",
        "cancelled",
        "download",
        "2026-11-24 11:10:00",
        "NULL",
        "NULL",
        "NULL",
    );
    // Outside the one-hour window.
    row(
        &mut sql,
        "CA0ld000000000000000000000000000"
            .replace("l", "1")
            .as_str(),
        "failed",
        "download",
        "2026-11-24 10:30:00",
        "2026-11-24 10:30:01",
        "2026-11-24 10:30:02",
        "old",
    );
    sql
}

fn hms(s: i64) -> String {
    format!(
        "2026-11-24 {:02}:{:02}:{:02}",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

fn hms_f(s: f64) -> String {
    let whole = s.floor() as i64;
    format!(
        "{}.{:06}",
        hms(whole),
        ((s - whole as f64) * 1e6).round() as i64
    )
}

fn runs(url: &str, extra: &[&str]) -> Run {
    Recdiag::new()
        .args(["runs", "--json"])
        .args(extra)
        .env("DATABASE_URL", url)
        .env("RECDIAG_NOW", NOW)
        .run()
}

fn pct(v: &[f64], p: f64) -> f64 {
    let pos = p * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
}

fn close(a: &serde_json::Value, b: f64) {
    let a = a.as_f64().unwrap_or_else(|| panic!("not a number: {a}"));
    assert!((a - b).abs() < 0.01, "{a} != {b}");
}

fn assert_seeded_metrics(r: &Run) {
    r.assert_code(1);
    let m = &r.check("runs")["metrics"];
    assert_eq!(m["window_s"], 3600.0);
    assert_eq!(m["total"], 28);
    let s = &m["by_status"];
    assert_eq!(
        (
            s["queued"].clone(),
            s["running"].clone(),
            s["completed"].clone(),
            s["failed"].clone(),
            s["cancelled"].clone(),
            s["other"].clone()
        ),
        (2.into(), 3.into(), 20.into(), 2.into(), 1.into(), 0.into())
    );
    assert_eq!(m["by_job_type"]["full"]["completed"], 4);
    assert_eq!(m["by_job_type"]["download"]["completed"], 16);
    assert_eq!(m["by_job_type"]["full"]["failed"], 1);
    close(&m["completion_rate"], 20.0 / 22.0);
    let d = durations();
    let dl = &m["download_s"];
    assert_eq!(dl["count"], 20);
    close(&dl["avg"], d.iter().sum::<f64>() / 20.0);
    close(&dl["p50"], pct(&d, 0.5));
    close(&dl["p95"], pct(&d, 0.95));
    close(&dl["max"], 125.0);
    let qw = &m["queue_wait_s"];
    assert_eq!(qw["count"], 25);
    close(&qw["max"], 10.0);
    // Stuck by the app's own 5-minute rule: the download and the full run
    // running for 15 minutes. SID_DUP's queued row of 10 minutes has a newer
    // run beside it (the app's own two rows per download): superseded.
    assert_eq!(m["stuck"], 2);
    assert_eq!(m["superseded_active"], 1);
    assert_eq!(m["duplicate_active_calls"], 0);
    assert_eq!(m["failures_by_cause"]["download_error"], 2);
    assert_eq!(m["dominant_cause"], "download_error");
    let failures = m["newest_failures"].as_array().unwrap();
    assert_eq!(failures.len(), 2);
    assert_eq!(
        failures[0]["call_sid"], "CAf0000000000000000000000000000002",
        "newest first"
    );
    assert_eq!(
        failures[1]["error_message"],
        "twilio.base.exceptions.TwilioRestException: HTTP 401 error: Unable to fetch page\n  details: Authenticate",
        "the whole message in JSON"
    );
    assert_eq!(
        failures[1]["created_at"], "2026-11-24T11:20:00Z",
        "naive timestamps are UTC"
    );
    let mut codes = r.codes("runs");
    codes.sort();
    // A test that drops an index expects its finding too.
    codes.retain(|c| !(c == "MISSING_INDEX" && m["index_on_created_at"] == false));
    assert_eq!(
        codes,
        ["LOW_COMPLETION_RATE", "RUNS_STUCK", "SLOW_DOWNLOADS"]
    );
}

#[test]
fn postgres_metrics_and_findings() {
    let db = PgDb::with_schema();
    db.sql(&seed_sql());
    let r = runs(&db.url(), &[]);
    assert_seeded_metrics(&r);
    // The table: statuses × job types, durations, stuck runs, first lines.
    let t = Recdiag::new()
        .args(["runs"])
        .env("DATABASE_URL", db.url())
        .env("RECDIAG_NOW", NOW)
        .run();
    assert!(
        t.stdout.contains("download (started → completed)"),
        "{}",
        t.stdout
    );
    assert!(t.stdout.contains("HTTP 401 error: Unable to fetch page"));
    assert!(
        !t.stdout.contains("details: Authenticate"),
        "first line only in the table"
    );
}

#[test]
fn sqlite_gives_the_same_answers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    crate::support::sqlite::create(
        &path,
        &[include_str!("../fixtures/schema-sqlite.sql"), &seed_sql()],
    );
    let before = std::fs::metadata(&path).unwrap().modified().unwrap();
    let r = runs(&format!("sqlite://{}", path.display()), &[]);
    assert_seeded_metrics(&r);
    assert_eq!(
        std::fs::metadata(&path).unwrap().modified().unwrap(),
        before,
        "the file was not written"
    );
}

#[test]
fn thresholds_move_the_findings() {
    let db = PgDb::with_schema();
    db.sql(&seed_sql());
    let r = runs(&db.url(), &["--crit-completion-rate", "95"]);
    r.assert_code(2);
    let r = runs(
        &db.url(),
        &[
            "--min-completion-rate",
            "90",
            "--max-avg-download",
            "2m",
            "--max-queued-run-age",
            "15m",
            "--max-running-run-age",
            "12m",
        ],
    );
    let codes = r.codes("runs");
    assert!(
        !codes.contains(&"LOW_COMPLETION_RATE".to_string()),
        "{codes:?}"
    );
    assert!(!codes.contains(&"SLOW_DOWNLOADS".to_string()), "{codes:?}");
    assert_eq!(
        r.check("runs")["metrics"]["stuck"],
        2,
        "both runs have been running 15 minutes"
    );
    let r = runs(&db.url(), &["--max-running-run-age", "16m"]);
    assert_eq!(r.check("runs")["metrics"]["stuck"], 0);
    // The window: 10 minutes hold only the newest runs.
    let r = runs(&db.url(), &["--window", "10m"]);
    assert_eq!(r.check("runs")["metrics"]["total"], 3);
    assert!(
        r.check("runs")["metrics"]["completion_rate"].is_null(),
        "nothing finished in 10 minutes"
    );
}

#[test]
fn bad_rows_are_counted_and_reported_never_fatal() {
    let db = PgDb::with_schema();
    db.sql("ALTER TABLE recording_runs DROP CONSTRAINT recording_runs_status_check");
    db.sql(
        "INSERT INTO recording_runs (business_id, call_sid, status, job_type, created_at, started_at, completed_at) VALUES \
         (1, 'CA00000000000000000000000000000001', 'weird', 'download', '2026-11-24 11:30:00', NULL, NULL), \
         (1, 'CA00000000000000000000000000000002', 'completed', NULL, '2026-11-24 11:30:00', NULL, '2026-11-24 11:31:00'), \
         (1, 'CA00000000000000000000000000000003', 'completed', 'transcode', '2026-11-24 11:30:00', '2026-11-24 11:32:00', '2026-11-24 11:31:00'), \
         (1, 'CA00000000000000000000000000000004', 'running', 'download', '2026-11-24 11:00:30', NULL, NULL), \
         (1, 'CA00000000000000000000000000000005', 'completed', 'download', NULL, NULL, NULL)",
    );
    let r = runs(&db.url(), &[]);
    let m = &r.check("runs")["metrics"];
    assert_eq!(m["by_status"]["other"], 1);
    assert_eq!(m["by_status"]["completed"], 2);
    assert_eq!(
        m["by_job_type"]["other"]["completed"], 2,
        "NULL and unknown job types"
    );
    assert_eq!(
        m["download_s"]["count"], 0,
        "neither bad completed run has a usable duration"
    );
    let anomalies = m["anomalies"].to_string();
    assert!(anomalies.contains("unknown status 'weird'"), "{anomalies}");
    assert!(
        anomalies.contains("without started_at or completed_at"),
        "{anomalies}"
    );
    assert!(
        anomalies.contains("completed before it started"),
        "{anomalies}"
    );
    assert_eq!(
        m["stuck"], 1,
        "running with no started_at is judged from created_at"
    );
    r.assert_code(1);
    Recdiag::new()
        .args(["runs"])
        .env("DATABASE_URL", db.url())
        .env("RECDIAG_NOW", NOW)
        .run()
        .assert_code(1);
}

#[test]
fn schema_mismatch_names_what_is_missing() {
    let db = PgDb::empty();
    let r = runs(&db.url(), &[]);
    r.assert_code(2);
    assert_eq!(r.codes("runs"), ["SCHEMA_MISMATCH"]);
    assert_eq!(
        r.check("runs")["findings"][0]["subjects"],
        serde_json::json!(["recording_runs"])
    );
    let db = PgDb::with_schema();
    db.sql("ALTER TABLE recording_runs DROP COLUMN started_at");
    db.sql("ALTER TABLE recording_runs ADD COLUMN extra_column TEXT");
    let r = runs(&db.url(), &[]);
    assert_eq!(
        r.check("runs")["findings"][0]["subjects"],
        serde_json::json!(["recording_runs.started_at"])
    );
    // Extra columns alone are fine.
    let db = PgDb::with_schema();
    db.sql("ALTER TABLE recording_runs ADD COLUMN transcript TEXT");
    runs(&db.url(), &[]).assert_code(0);
}

#[test]
fn unreachable_databases_say_why() {
    let r = runs(
        &format!("postgres://u:pg-secret-9@127.0.0.1:{}/app", free_port()),
        &[],
    );
    r.assert_code(2);
    r.assert_hides("pg-secret-9");
    let f = &r.check("runs")["findings"][0];
    assert_eq!(f["code"], "DATABASE_UNREACHABLE");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("connection refused"),
        "{f}"
    );

    let r = runs(
        "postgresql+psycopg2://postgres:pg-secret-9@127.0.0.1:5432/no_such_db_here",
        &[],
    );
    r.assert_code(2);
    r.assert_hides("pg-secret-9");
    assert!(
        r.check("runs")["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("does not exist")
    );

    let silent = SilentListener::start();
    let started = Instant::now();
    let r = runs(
        &format!("postgres://postgres@127.0.0.1:{}/app", silent.port),
        &["--timeout", "1s"],
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    r.assert_code(2);
    assert!(
        r.check("runs")["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no answer within 1s")
    );

    let dir = tempfile::tempdir().unwrap();
    let r = runs(
        &format!("sqlite://{}/missing.db", dir.path().display()),
        &[],
    );
    r.assert_code(2);
    assert!(
        !dir.path().join("missing.db").exists(),
        "a read-only open never creates the file"
    );
}

#[test]
fn configuration_from_the_apps_variables() {
    let r = Recdiag::new().args(["runs", "--json"]).run();
    r.assert_code(3);
    assert_eq!(r.codes("runs"), ["DATABASE_URL_MISSING"]);
    let db = PgDb::with_schema();
    db.sql(&seed_sql());
    // Trust authentication accepts any password here: what this proves is
    // that DB_POSTGRESDB_* builds the URL and the password never shows.
    let r = Recdiag::new()
        .args(["runs", "--json"])
        .env("DB_POSTGRESDB_HOST", "127.0.0.1")
        .env("DB_POSTGRESDB_USER", "postgres")
        .env("DB_POSTGRESDB_PASSWORD", "app-db-secret-3")
        .env("DB_POSTGRESDB_DATABASE", &db.name)
        .env("RECDIAG_NOW", NOW)
        .run();
    assert_seeded_metrics(&r);
    r.assert_hides("app-db-secret-3");
    assert_eq!(
        r.check("runs")["metrics"]["database"],
        format!(
            "postgresql://postgres:***@127.0.0.1:5432/{}?sslmode=require",
            db.name
        ),
        "TLS is required by default, as the app's DB_POSTGRESDB_SSL is"
    );
    assert_eq!(
        r.check("runs")["metrics"]["database_source"],
        "DB_POSTGRESDB_*"
    );
}

/// A role that may only SELECT is enough: recdiag never writes, and its
/// session is read-only besides.
#[test]
fn a_select_only_role_is_enough() {
    let db = PgDb::with_schema();
    db.sql(&seed_sql());
    let (role, url) = db.select_only_role(
        "reader",
        "REVOKE ALL ON SCHEMA public FROM PUBLIC; GRANT USAGE ON SCHEMA public TO {role}",
    );
    let r = runs(&url, &[]);
    assert_seeded_metrics(&r);
    db.drop_role(&role, "");
}

/// A role that may not read a column recdiag reads: the server is
/// reachable, so the finding says the role is denied and how to grant it,
/// not to start PostgreSQL or check the URL.
#[test]
fn a_column_the_role_may_not_read_is_said_so() {
    let db = PgDb::with_schema();
    db.sql(&seed_sql());
    let (role, url) = db.select_only_role(
        "nocol",
        "REVOKE SELECT ON recording_runs FROM {role}; \
         GRANT SELECT (id, call_sid, status, job_type, created_at, started_at, completed_at, business_id) \
         ON recording_runs TO {role}",
    );
    let r = runs(&url, &[]);
    db.drop_role(&role, "");
    r.assert_code(2);
    let f = &r.check("runs")["findings"][0];
    assert_eq!(f["code"], "DATABASE_UNREACHABLE", "{f}");
    let message = f["message"].as_str().unwrap();
    assert!(
        message.contains("this role may not read") && message.contains("permission denied"),
        "{f}"
    );
    assert!(
        f["hint"]
            .as_str()
            .unwrap()
            .contains("GRANT SELECT ON recording_runs"),
        "{f}"
    );
}

/// A role that cannot read the catalog: the index columns are unknown, and
/// the active runs and failures, read after that failure (rolled back to
/// the savepoint before it), are all there, from the same snapshot.
#[test]
fn a_catalog_the_role_cannot_read_leaves_the_rest_read() {
    let db = PgDb::with_schema();
    db.sql(&seed_sql());
    let (role, url) =
        db.select_only_role("nocat", "REVOKE SELECT ON pg_catalog.pg_index FROM PUBLIC");
    let r = runs(&url, &[]);
    assert_seeded_metrics(&r);
    let m = &r.check("runs")["metrics"];
    assert!(m["index_on_created_at"].is_null(), "{m}");
    db.drop_role(&role, "GRANT SELECT ON pg_catalog.pg_index TO PUBLIC;");
}

/// A table missing an index, and a role that cannot read `pg_class`: the
/// finding is raised without the table's size (the row estimate, read
/// last and only for it, is unknown), and the active runs and failures
/// read in the same message before it are all there.
#[test]
fn a_row_estimate_the_role_cannot_read_leaves_the_rest_read() {
    let db = PgDb::with_schema();
    db.sql(&seed_sql());
    db.sql("DROP INDEX ix_recording_runs_created_at; ANALYZE recording_runs");
    let finding = |r: &Run| {
        r.check("runs")["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == "MISSING_INDEX")
            .cloned()
            .unwrap_or_else(|| panic!("no MISSING_INDEX: {}", r.stdout))
    };
    let r = runs(&db.url(), &[]);
    assert_seeded_metrics(&r);
    let f = finding(&r);
    assert!(
        f["message"].as_str().unwrap().contains("(about 29 rows)"),
        "{f}"
    );

    let (role, url) = db.select_only_role(
        "noclass",
        "REVOKE SELECT ON pg_catalog.pg_class FROM PUBLIC",
    );
    let r = runs(&url, &[]);
    assert_seeded_metrics(&r);
    let f = finding(&r);
    assert!(!f["message"].as_str().unwrap().contains("about"), "{f}");
    assert_eq!(r.check("runs")["metrics"]["index_on_created_at"], false);
    db.drop_role(&role, "GRANT SELECT ON pg_catalog.pg_class TO PUBLIC;");
}

/// sslmode is honoured: `require` encrypts without checking the
/// certificate; `verify-full` checks it, and the server's self-signed
/// (snakeoil) certificate is refused — so TLS really was negotiated.
#[test]
fn sslmode_is_honoured() {
    let db = PgDb::with_schema();
    let url = format!("{}?sslmode=require", db.url());
    runs(&url, &[]).assert_code(0);
    let r = runs(&format!("{}?sslmode=verify-full", db.url()), &[]);
    r.assert_code(2);
    let msg = r.check("runs")["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("TLS"), "{msg}");
    let r = runs(&format!("{}?sslmode=disable", db.url()), &[]);
    r.assert_code(0);
}

/// SQLite says "no such table/column" in words, not PostgreSQL's codes:
/// still SCHEMA_MISMATCH naming what is missing, never DATABASE_UNREACHABLE.
#[test]
fn sqlite_schema_mismatch_names_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.db");
    crate::support::sqlite::create(&empty, &["CREATE TABLE other (id INTEGER)"]);
    let r = runs(&format!("sqlite://{}", empty.display()), &[]);
    assert_eq!(r.codes("runs"), ["SCHEMA_MISMATCH"], "{}", r.stdout);
    assert_eq!(
        r.check("runs")["findings"][0]["subjects"],
        serde_json::json!(["recording_runs"])
    );
    let short = dir.path().join("short.db");
    let schema = include_str!("../fixtures/schema-sqlite.sql").replace("started_at", "begun_at");
    crate::support::sqlite::create(&short, &[&schema]);
    let r = runs(&format!("sqlite://{}", short.display()), &[]);
    assert_eq!(r.codes("runs"), ["SCHEMA_MISMATCH"], "{}", r.stdout);
    assert_eq!(
        r.check("runs")["findings"][0]["subjects"],
        serde_json::json!(["recording_runs.started_at"])
    );
}

/// The comparisons follow parent legs through call_log when they may; a
/// database without call_log (SQLite here), or a role that may read
/// recording_runs alone, is compared without them — never unreachable.
#[test]
fn call_log_absent_or_unreadable_is_compared_without_it() {
    let redis = crate::support::RedisServer::start();
    let files = tempfile::tempdir().unwrap();
    let health = |url: &str| {
        Recdiag::new()
            .args(["health", "--only", "runs,consistency", "--json"])
            .env("DATABASE_URL", url)
            .env("REDIS_URL", redis.url())
            .env("RECORDINGS_DIR", files.path())
            .env("RECDIAG_NOW", NOW)
            .run()
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs-only.db");
    let schema = include_str!("../fixtures/schema-sqlite.sql");
    let runs_only = &schema[..schema.find("CREATE TABLE call_log").unwrap()];
    crate::support::sqlite::create(&path, &[runs_only, &seed_sql()]);
    let r = health(&format!("sqlite://{}", path.display()));
    assert!(
        !r.all_codes().iter().any(|c| c == "DATABASE_UNREACHABLE"),
        "{}",
        r.stdout
    );
    // Compared: the seeded runs have no files, one is queued with no job.
    assert_eq!(
        r.codes("consistency"),
        ["COMPLETED_RUN_MISSING_FILE", "ORPHANED_RUNS"],
        "{}",
        r.stdout
    );

    let db = PgDb::with_schema();
    db.sql(&seed_sql());
    let role = format!("{}_runs", db.name);
    db.sql(&format!(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN CREATE ROLE {role} LOGIN; END IF; END $$; \
         REVOKE ALL ON SCHEMA public FROM PUBLIC; GRANT USAGE ON SCHEMA public TO {role}; \
         GRANT SELECT ON recording_runs TO {role}"
    ));
    let r = health(&format!("postgres://{role}@127.0.0.1:5432/{}", db.name));
    assert!(
        !r.all_codes().iter().any(|c| c == "DATABASE_UNREACHABLE"),
        "{}",
        r.stdout
    );
    // Compared: the seeded runs have no files, one is queued with no job.
    assert_eq!(
        r.codes("consistency"),
        ["COMPLETED_RUN_MISSING_FILE", "ORPHANED_RUNS"],
        "{}",
        r.stdout
    );
    // And the finding says its calls' parent legs are unknown, and why.
    let c = r.check("consistency");
    let missing = &c["findings"][0]["message"];
    assert!(
        missing
            .as_str()
            .unwrap()
            .contains("call_log may not be read by this role (permission denied)"),
        "{missing}"
    );
    assert!(
        c["metrics"]["not_compared"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n
                .as_str()
                .unwrap()
                .starts_with("child legs against their parent's file")),
        "{c}"
    );
    db.sql(&format!(
        "REASSIGN OWNED BY {role} TO postgres; DROP OWNED BY {role}; DROP ROLE {role}"
    ));
}
