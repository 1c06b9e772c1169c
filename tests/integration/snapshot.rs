//! One snapshot, then one judgement: each source within its own budget,
//! nothing unmeasured printed as zero, echoes told apart by time.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::app::{AppWorld, sid};
use crate::support::python::{RQ_APP, RQ_REAL_FLOW};
use crate::support::{PgDb, Recdiag, RedisServer, free_port, wait_until};

/// Holds an exclusive lock on `recording_runs` for `seconds`: every read
/// of the table waits that long — a slow database that still answers.
fn slow_database(db: &PgDb, seconds: f64) -> Child {
    let child = Command::new("psql")
        .arg(db.url())
        .args([
            "-qAtc",
            &format!(
                "BEGIN; LOCK TABLE recording_runs IN ACCESS EXCLUSIVE MODE; \
                 SELECT pg_sleep({seconds}); COMMIT;"
            ),
        ])
        .stdout(Stdio::null())
        .spawn()
        .expect("run psql (apt-get install postgresql-client)");
    let held = wait_until(Duration::from_secs(10), || {
        let out = Command::new("psql")
            .arg(db.url())
            .args([
                "-qAtc",
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
                 WHERE c.relname = 'recording_runs' AND l.mode = 'AccessExclusiveLock' AND l.granted",
            ])
            .output()
            .expect("run psql");
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    });
    assert!(held, "the lock on recording_runs was not taken");
    child
}

#[test]
fn a_slow_database_never_makes_a_healthy_redis_look_unreachable() {
    let redis = RedisServer::start();
    let db = PgDb::with_schema();
    let dir = tempfile::tempdir().unwrap();
    // The database answers after 1.6 s of a 2 s budget; Redis at once.
    let mut lock = slow_database(&db, 1.6);
    let r = Recdiag::new()
        .args([
            "health",
            "--json",
            "--timeout",
            "2s",
            "--skip",
            "recordings_dir",
        ])
        .env("REDIS_URL", redis.url())
        .env("DATABASE_URL", db.url())
        .env("RECORDINGS_DIR", dir.path())
        .run();
    let _ = lock.wait();
    let codes = r.all_codes();
    assert!(
        !codes.contains(&"REDIS_UNREACHABLE".to_string()),
        "{codes:?}\n{}",
        r.stdout
    );
    assert!(
        !codes.contains(&"DATABASE_UNREACHABLE".to_string()),
        "{codes:?}\n{}",
        r.stdout
    );
    assert_eq!(r.check("redis")["status"], "ok", "{}", r.stdout);
    assert_eq!(r.check("consistency")["status"], "ok", "{}", r.stdout);
}

#[test]
fn redis_down_prints_no_zero_for_what_was_not_read() {
    let db = PgDb::with_schema();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("redis://127.0.0.1:{}/0", free_port());
    // Runs stuck for 10 minutes, so that a hint could reason from the workers.
    db.sql(
        "INSERT INTO recording_runs (business_id, call_sid, status, created_at) \
         VALUES (1, 'CA000000000000000000000000000000a1', 'queued', now() at time zone 'utc' - interval '10 minutes')",
    );
    let run = |format: &str| {
        Recdiag::new()
            .args(["health", "--format", format])
            .env("REDIS_URL", &url)
            .env("DATABASE_URL", db.url())
            .env("RECORDINGS_DIR", dir.path())
            .run()
    };
    let j = run("json");
    j.assert_code(2);
    let workers = j.check("workers");
    assert_eq!(workers["status"], "unknown", "{workers}");
    for field in ["alive", "stale", "ghosts"] {
        assert!(
            workers["metrics"][field].is_null(),
            "{field}: {}",
            workers["metrics"]
        );
    }
    for f in j.all_findings() {
        let hint = f["hint"].as_str().unwrap_or_default();
        assert!(!hint.contains("no worker is alive"), "{f}");
    }
    let prom = run("prometheus");
    assert!(!prom.stdout.contains("recdiag_workers{"), "{}", prom.stdout);
    assert!(
        prom.stdout.contains("recdiag_up{check=\"workers\"} 0"),
        "{}",
        prom.stdout
    );
    let nagios = run("nagios");
    assert!(
        !nagios.stdout.contains("workers_alive"),
        "{}",
        nagios.stdout
    );
}

/// The worker is down for 6m40s; each call's open fails its stuck run
/// and enqueues again; the worker comes back and downloads. The runs the
/// recovery failed are failures of the outage, not echoes: their
/// siblings started only after the recovery.
#[test]
fn an_outage_with_stuck_recoveries_is_a_low_completion_rate() {
    let mut w = AppWorld::new(RQ_APP);
    let sids: Vec<String> = (61..=65).map(sid).collect();
    let mut steps: Vec<String> = Vec::new();
    for s in &sids {
        steps.push(format!("call:{s}:1"));
        steps.push(format!("open:{s}"));
    }
    steps.push("age:400".into());
    for s in &sids {
        steps.push(format!("open:{s}"));
    }
    steps.push("tick".into());
    let report = w.steps(&steps.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(report.matches("202 enqueued").count(), 10, "{report}");
    w.start_worker();
    let done = wait_until(Duration::from_secs(90), || {
        sids.iter().all(|s| w.file(s).is_file())
    });
    assert!(done, "the worker did not download {sids:?}");
    let h = w
        .recdiag()
        .args(["health", "--json"])
        .env("RECDIAG_ACCEPT", "SCHEDULER_DOWN")
        .run();
    let low = h
        .all_findings()
        .into_iter()
        .find(|f| f["code"] == "LOW_COMPLETION_RATE")
        .unwrap_or_else(|| panic!("the outage is waved away:\n{}", h.stdout));
    assert_eq!(low["severity"], "critical", "{low}");
    let message = low["message"].as_str().unwrap();
    assert!(message.contains("not picked up by a worker"), "{low}");
    let runs = &h.check("runs")["metrics"];
    assert_eq!(runs["superseded_failures"], 0, "{runs}");
    assert_eq!(runs["failures_by_cause"]["stuck_recovery"], 5, "{runs}");
}

/// A download slower than the app's 5-minute rule: reopening the call
/// fails the API's row, then the live worker run, while the download goes
/// on holding its slot. Nothing is phantom, no hint says to remove the
/// slot, and the live run's "failure" is not counted against the rate.
#[test]
fn a_live_download_failed_by_the_five_minute_rule_is_not_a_fault() {
    let mut w = AppWorld::new(RQ_APP);
    w.start_worker();
    let s = sid(71);
    w.steps(&[&format!("call:{s}:4:slow-45"), &format!("open:{s}"), "tick"]);
    let running = wait_until(Duration::from_secs(30), || {
        w.query("SELECT count(*) FROM recording_runs WHERE status = 'running'") == "1"
    });
    assert!(running, "the worker did not start the download");
    // Five minutes and more pass; the player reopens the call twice.
    let report = w.steps(&[
        "age:401",
        &format!("open:{s}"),
        &format!("open:{s}"),
        "tick",
    ]);
    assert_eq!(
        w.query(
            "SELECT count(*) FROM recording_runs WHERE error_message LIKE 'Job stuck: running%'"
        ),
        "1",
        "the live run was failed by the stuck rule: {report}"
    );
    assert!(!w.file(&s).is_file(), "the download must still be running");
    let h = w
        .recdiag()
        .args(["health", "--json"])
        .env("RECDIAG_ACCEPT", "SCHEDULER_DOWN")
        .run();
    assert!(
        !w.file(&s).is_file(),
        "the download finished before health ran"
    );
    for f in h.all_findings() {
        assert_ne!(f["code"], "PHANTOM_SLOTS", "{}", h.stdout);
        assert_ne!(f["code"], "LOW_COMPLETION_RATE", "{}", h.stdout);
        let hint = f["hint"].as_str().unwrap_or_default();
        assert!(!hint.contains("SREM"), "{f}");
    }
    let runs = &h.check("runs")["metrics"];
    assert_eq!(runs["superseded_failures"], 2, "{runs}");
    let c = w.recdiag().args(["call", &s, "--json"]).run();
    assert_ne!(c.json()["verdict"], "FAILED", "{}", c.stdout);
}

/// The only worker SIGKILLed: its key lives up to 480 s and its heartbeat
/// looks fresh for minutes, but it is idle while a job waits and no Redis
/// connection bears its name. Dead in seconds: one finding (NO_WORKERS)
/// with how long its key refuses a restart under that name; `call` says
/// the worker is dead, never "waiting its turn".
#[test]
fn a_killed_worker_is_dead_in_seconds_and_reported_once() {
    // Both rq versions' worlds at once: one real wait.
    let s = sid(81);
    let mut worlds: Vec<AppWorld> = RQ_REAL_FLOW.iter().map(|rq| AppWorld::new(rq)).collect();
    for w in &mut worlds {
        w.start_worker();
        w.kill_workers();
        w.steps(&[&format!("call:{s}:1"), &format!("open:{s}"), "tick"]);
    }
    std::thread::sleep(Duration::from_secs(12));
    for w in &worlds {
        let rq = &w.rq;
        let h = w
            .recdiag()
            .args(["health", "--json"])
            .env("RECDIAG_ACCEPT", "SCHEDULER_DOWN")
            .run();
        let codes = h.all_codes();
        assert!(
            codes.contains(&"NO_WORKERS".to_string()),
            "rq {rq}: {codes:?}\n{}",
            h.stdout
        );
        for wrong in ["QUEUE_NOT_WATCHED", "WORKER_STALE", "QUEUE_STALLED"] {
            assert!(
                !codes.contains(&wrong.to_string()),
                "rq {rq}: {wrong}: {codes:?}"
            );
        }
        let f = h
            .all_findings()
            .into_iter()
            .find(|f| f["code"] == "NO_WORKERS")
            .unwrap();
        assert_eq!(f["severity"], "critical", "{f}");
        let message = f["message"].as_str().unwrap();
        assert!(
            message.contains("idle while a job has waited"),
            "rq {rq}: {f}"
        );
        let hint = f["hint"].as_str().unwrap();
        assert!(
            hint.contains("refuses a restart under the same name"),
            "rq {rq}: {f}"
        );
        let workers = &h.check("workers")["metrics"];
        assert_eq!(workers["alive"], 0, "rq {rq}: {workers}");
        let c = w.recdiag().args(["call", &s, "--json"]).run();
        let reason = c.json()["reason"].as_str().unwrap().to_string();
        assert!(reason.contains("not working"), "rq {rq}: {reason}");
        assert!(
            !c.json()["hint"]
                .as_str()
                .unwrap()
                .contains("waiting its turn")
        );
    }
}
