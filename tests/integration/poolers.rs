//! recdiag through a transaction-mode pooler (a real PgBouncer, as Supabase's
//! pooler URL puts one in front of the app's database), and the order in
//! which the database URL is read (spec §2).

use std::collections::BTreeSet;
use std::thread;

use serde_json::Value;

use crate::support::app::{AppWorld, sid};
use crate::support::pgbouncer::PgBouncer;
use crate::support::pgserver::PgServer;
use crate::support::python::RQ_APP;
use crate::support::{PgDb, Recdiag, Run};

/// What two runs of the same command must agree on, whatever the route to
/// the database: exit code, every check's status, every finding code.
fn essence(r: &Run) -> (i32, BTreeSet<String>) {
    let j = r.json();
    let mut seen = BTreeSet::new();
    if let Some(checks) = j["checks"].as_array() {
        for c in checks {
            seen.insert(format!("{}={}", c["id"], c["status"]));
        }
    }
    for f in r.all_findings() {
        seen.insert(f["code"].as_str().unwrap_or_default().to_string());
    }
    if let Some(v) = j["verdict"].as_str() {
        seen.insert(format!("verdict={v}"));
    }
    (r.code, seen)
}

fn assert_no_pooler_error(r: &Run) {
    for text in [&r.stdout, &r.stderr] {
        assert!(
            !text.contains("prepared statement") && !text.contains("unsupported startup parameter"),
            "a pooler error leaked through:\n{}\n{}",
            r.stdout,
            r.stderr
        );
    }
}

/// Every command that reads the database, through PgBouncer in transaction
/// mode, run again and again and side by side, agrees with the same
/// command run straight against PostgreSQL. Before, the second run failed
/// with `prepared statement "sqlx_s_1" already exists`.
#[test]
fn every_command_works_through_a_transaction_pooler() {
    let mut w = AppWorld::new(RQ_APP);
    w.start_worker();
    let (ok, denied) = (sid(71), sid(72));
    w.steps(&[
        &format!("call:{ok}:1"),
        &format!("open:{ok}"),
        &format!("call:{denied}:1:http-401"),
        &format!("open:{denied}"),
        "tick",
    ]);
    let done = crate::support::wait_until(std::time::Duration::from_secs(90), || {
        w.file(&ok).is_file()
            && w.query("SELECT count(*) FROM recording_runs WHERE status = 'failed'") == "1"
    });
    assert!(done, "the worker did not finish both calls");
    w.stop_workers();
    let bouncer = PgBouncer::start(5432);
    let pooled = bouncer.url(&w.db.name);
    let commands: [&[&str]; 5] = [
        &["health", "--json"],
        &["runs", "--json"],
        &["call", &ok, "--json"],
        &["call", &denied, "--json"],
        &["failed", "--json"],
    ];
    for args in commands {
        let direct = w.recdiag().args(args).run();
        for round in 0..3 {
            let through = w
                .recdiag()
                .env("DATABASE_URL_POOLER", &pooled)
                .args(args)
                .run();
            assert_no_pooler_error(&through);
            assert_eq!(
                essence(&through),
                essence(&direct),
                "{args:?}, round {round}, through the pooler:\n{}\ndirect:\n{}",
                through.stdout,
                direct.stdout
            );
        }
    }
    // Four at once, each running its checks concurrently, on a pool of two
    // server connections.
    let runs: Vec<Run> = thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    w.recdiag()
                        .env("DATABASE_URL_POOLER", &pooled)
                        .args(["health", "--json"])
                        .run()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let direct = w.recdiag().args(["health", "--json"]).run();
    for r in &runs {
        assert_no_pooler_error(r);
        assert_eq!(essence(r), essence(&direct), "{}", r.stdout);
    }
    // The runs check names the pooler as the URL's source.
    let runs = w
        .recdiag()
        .env("DATABASE_URL_POOLER", &pooled)
        .args(["runs", "--json"])
        .run();
    let m = &runs.check("runs")["metrics"];
    assert_eq!(m["database_source"], "DATABASE_URL_POOLER");
    assert!(
        m["database"]
            .as_str()
            .unwrap()
            .contains(&format!(":{}/", bouncer.port)),
        "{m}"
    );
    assert!(
        !bouncer.log().contains("unsupported startup parameter"),
        "{}",
        bouncer.log()
    );
}

/// Through the pooler, what recdiag sends still runs read-only, with its
/// timeouts, and prepares nothing (the runs read goes as one message of
/// plain statements): the server's own statement log shows each
/// session's transaction.
#[test]
fn read_only_settings_hold_through_the_pooler() {
    let pg = PgServer::start_with("-c log_statement=all -c log_min_duration_statement=0");
    let schema =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schema.sql");
    pg.psql("postgres", &["-qc", "CREATE DATABASE app"]);
    pg.psql(
        "app",
        &["-v", "ON_ERROR_STOP=1", "-qf", schema.to_str().unwrap()],
    );
    let bouncer = PgBouncer::start(pg.port);
    let dir = tempfile::tempdir().unwrap();
    let r = Recdiag::new()
        .env("DATABASE_URL_POOLER", bouncer.url("app"))
        .env("RECORDINGS_DIR", dir.path())
        .args(["health", "--only", "runs", "--json", "--timeout", "3s"])
        .run();
    r.assert_code(0);
    let log = pg.log();
    assert!(
        log.contains("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"),
        "{log}"
    );
    assert!(log.contains("SET LOCAL statement_timeout = 3000"), "{log}");
    assert!(log.contains("SELECT status, job_type, COUNT(*)"), "{log}");
    assert!(
        !log.contains("sqlx_s_"),
        "named statements were prepared:\n{log}"
    );
}

fn source_of(r: &Run) -> (Value, Value) {
    let m = &r.check("runs")["metrics"];
    (m["database_source"].clone(), m["database"].clone())
}

/// The URL is read in a documented order: `--database-url`, then the
/// app's own (`DATABASE_URL_POOLER`, `DATABASE_URL`, `DB_POSTGRESDB_*`),
/// then `DATABASE_URL_DIRECT`. A malformed URL is reported, not skipped.
#[test]
fn database_url_sources_in_order() {
    let db = PgDb::with_schema();
    let direct = db.url();
    let dir = tempfile::tempdir().unwrap();
    let runs = |env: &[(&str, &str)], args: &[&str]| {
        let mut r = Recdiag::new().env("RECORDINGS_DIR", dir.path());
        for (k, v) in env {
            r = r.env(k, v);
        }
        r.args(["runs", "--json"]).args(args).run()
    };
    let wrong = "postgresql://app:s3cret-direct@127.0.0.1:1/nothing?sslmode=disable";
    let parts: [(&str, &str); 5] = [
        ("DB_POSTGRESDB_SSL", "false"),
        ("DB_POSTGRESDB_HOST", "127.0.0.1"),
        ("DB_POSTGRESDB_USER", "postgres"),
        ("DB_POSTGRESDB_PASSWORD", "s3cret-parts"),
        ("DB_POSTGRESDB_DATABASE", &db.name),
    ];
    type Case<'a> = (Vec<(&'a str, &'a str)>, Vec<&'a str>, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec![("DATABASE_URL_POOLER", &direct), ("DATABASE_URL", wrong)],
            vec![],
            "DATABASE_URL_POOLER",
        ),
        (
            vec![("DATABASE_URL", &direct), ("DATABASE_URL_DIRECT", wrong)],
            vec![],
            "DATABASE_URL",
        ),
        (
            parts
                .iter()
                .copied()
                .chain([("DATABASE_URL_DIRECT", wrong)])
                .collect(),
            vec![],
            "DB_POSTGRESDB_*",
        ),
        (
            vec![("DATABASE_URL_DIRECT", &direct)],
            vec![],
            "DATABASE_URL_DIRECT",
        ),
        (
            vec![("DATABASE_URL_POOLER", wrong)],
            vec!["--database-url", &direct],
            "--database-url",
        ),
    ];
    for (env, args, want) in cases {
        let r = runs(&env, &args);
        let (source, url) = source_of(&r);
        assert_eq!(source, want, "{env:?}:\n{}", r.stdout);
        assert!(
            url.as_str().unwrap().contains(&db.name),
            "{want}: read {url}, not the test database"
        );
        r.assert_code(0)
            .assert_hides("s3cret-direct")
            .assert_hides("s3cret-parts");
    }
    // The source is named in the table too, with the password hidden.
    let table = Recdiag::new()
        .env("RECORDINGS_DIR", dir.path())
        .env("DATABASE_URL_POOLER", wrong)
        .args(["runs"])
        .run();
    assert!(
        table.stdout.contains("DATABASE_URL_POOLER"),
        "{}",
        table.stdout
    );
    table.assert_code(2).assert_hides("s3cret-direct");
    // A malformed pooler URL is the finding; DATABASE_URL is not tried.
    let bad = runs(
        &[
            ("DATABASE_URL_POOLER", "postgresql://app:s3cret-direct@/x"),
            ("DATABASE_URL", &direct),
        ],
        &[],
    );
    assert!(
        bad.codes("runs")
            .contains(&"DATABASE_URL_INVALID".to_string()),
        "{}",
        bad.stdout
    );
    bad.assert_hides("s3cret-direct");
}
