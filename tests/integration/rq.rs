//! RQ inspection against data the real `rq` library wrote (1.16, 2.x, 3.x):
//! captures restored into a throwaway Redis, "now" pinned to the capture.

use serde_json::Value;

use crate::support::fixtures::{Capture, RQ_VERSIONS, load_rq, redis_cmd};
use crate::support::{Recdiag, RedisServer, Run};

struct World {
    server: RedisServer,
    capture: Capture,
}

impl World {
    fn new(version: &str) -> World {
        let server = RedisServer::start();
        let capture = load_rq(&server, version);
        World { server, capture }
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_at(args, &self.capture.captured_at)
    }

    fn run_at(&self, args: &[&str], now: &str) -> Run {
        Recdiag::new()
            .args(args)
            .env("REDIS_URL", self.server.url())
            .env("RECDIAG_NOW", now)
            .run()
    }

    fn later(&self, seconds: i64) -> String {
        let at: jiff::Timestamp = self.capture.captured_at.parse().unwrap();
        (at + jiff::SignedDuration::from_secs(seconds)).to_string()
    }
}

/// Every captured version, plus the live capture .ci/run makes from the
/// newest RQ (RECDIAG_LIVE_RQ_CAPTURE), so the fixtures cannot drift.
fn versions() -> Vec<String> {
    let mut v: Vec<String> = RQ_VERSIONS.iter().map(|s| s.to_string()).collect();
    if let Ok(live) = std::env::var("RECDIAG_LIVE_RQ_CAPTURE") {
        v.push(format!("live:{live}"));
    }
    v
}

fn world(version: &str) -> World {
    match version.strip_prefix("live:") {
        Some(path) => {
            let server = RedisServer::start();
            let capture =
                crate::support::fixtures::load_rq_file(&server, std::path::Path::new(path));
            World { server, capture }
        }
        None => World::new(version),
    }
}

fn queue(run: &Run, name: &str) -> Value {
    run.check("queues")["metrics"]["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no queue {name}:\n{}", run.stdout))
}

fn worker(run: &Run, name: &str) -> Value {
    run.check("workers")["metrics"]["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no worker {name}:\n{}", run.stdout))
}

#[test]
fn queues_count_every_registry_of_every_version() {
    for v in versions() {
        let w = world(&v);
        let r = w.run(&["queues", "--json"]);
        r.assert_code(1);
        let q = queue(&r, "recordings");
        assert_eq!(q["of_interest"], true, "{v}");
        assert_eq!(q["queued"], 5, "{v}");
        assert_eq!(q["started"], 3, "{v}");
        assert_eq!(q["failed"], 3, "{v}");
        assert_eq!(q["deferred"], 1, "{v}");
        assert_eq!(q["scheduled"], 1, "{v}");
        assert_eq!(q["finished"], 3, "{v}");
        assert_eq!(
            q["workers"], 1,
            "{v}: only worker-live is alive and listens"
        );
        assert_eq!(
            q["abandoned"], 2,
            "{v}: the ghost's and the stale worker's jobs"
        );
        let age = q["oldest_queued_age_s"].as_f64().unwrap();
        assert!((0.0..120.0).contains(&age), "{v}: oldest age {age}");
        assert!(
            q["oldest_queued_job"]
                .as_str()
                .unwrap()
                .starts_with("recording_download_CA"),
            "{v}"
        );
        let b = queue(&r, "broadcasts");
        assert_eq!(b["of_interest"], false);
        assert_eq!(b["queued"], 1);
        assert_eq!(b["workers"], 0);
        let mut codes = r.codes("queues");
        codes.sort();
        assert_eq!(codes, ["ABANDONED_JOBS", "FAILED_JOBS"], "{v}");
    }
}

#[test]
fn workers_are_live_stale_or_ghost_by_heartbeat() {
    for v in versions() {
        let w = world(&v);
        let r = w.run(&["workers", "--json"]);
        r.assert_code(1);
        let live = worker(&r, "worker-live");
        assert_eq!(live["liveness"], "live", "{v}");
        assert_eq!(live["state"], "busy", "{v}");
        assert!(
            live["current_job"]
                .as_str()
                .unwrap()
                .starts_with("recording_download_CA"),
            "{v}: {live}"
        );
        assert_eq!(live["queues"], serde_json::json!(["recordings"]));
        let other = worker(&r, "worker-other");
        assert_eq!(other["liveness"], "live", "{v}");
        assert_eq!(other["queues"], serde_json::json!(["high", "default"]));
        let stale = worker(&r, "worker-stale");
        assert_eq!(stale["liveness"], "stale", "{v}");
        assert!(
            stale["last_heartbeat_age_s"].as_f64().unwrap() > 60.0,
            "{v}"
        );
        let ghost = worker(&r, "worker-ghost");
        assert_eq!(ghost["liveness"], "ghost", "{v}");
        assert!(ghost["last_heartbeat_age_s"].is_null());
        let m = &r.check("workers")["metrics"];
        assert_eq!(
            (m["alive"].clone(), m["stale"].clone(), m["ghosts"].clone()),
            (2.into(), 1.into(), 1.into()),
            "{v}"
        );
        // The captures hold no scheduler (no lock, no reminders trail).
        assert_eq!(
            r.codes("workers"),
            ["WORKER_STALE", "SCHEDULER_DOWN"],
            "{v}"
        );
        let subjects = &r.check("workers")["findings"][0]["subjects"];
        assert_eq!(
            subjects,
            &serde_json::json!(["worker-ghost", "worker-stale"]),
            "{v}"
        );
    }
}

#[test]
fn failed_jobs_show_their_exception_grouped_by_cause() {
    for v in versions() {
        let w = world(&v);
        let r = w.run(&["failed", "--json"]);
        r.assert_code(1);
        // Accepted, the finding stays, marked, and counts no more.
        let ok = w.run(&["failed", "--json", "--accept", "FAILED_JOBS"]);
        ok.assert_code(0);
        let finding = &ok.json()["findings"][0];
        assert_eq!(finding["code"], "FAILED_JOBS", "{v}");
        assert_eq!(finding["accepted"], true, "{v}");
        let doc = r.json();
        assert_eq!(doc["queues"][0]["failed"], 3, "{v}");
        let groups = doc["groups"].as_array().unwrap();
        assert_eq!(groups.len(), 2, "{v}");
        assert_eq!(groups[0]["count"], 2);
        assert_eq!(
            groups[0]["cause"],
            "HTTPError: 401 Client Error: Unauthorized for url: <url>"
        );
        assert_eq!(
            groups[1]["cause"],
            "HTTPError: 404 Client Error: Not Found for url: <url>"
        );
        for job in doc["jobs"].as_array().unwrap() {
            assert_eq!(job["exists"], true);
            assert_eq!(job["exception_source"], "results_stream", "{v}");
            assert!(
                job["exception"].as_str().unwrap().starts_with("Traceback"),
                "{v}"
            );
            assert_eq!(
                job["func"],
                "server.jobs.recording_job.process_recording_download_job"
            );
            let sid = job["call_sid"].as_str().unwrap();
            assert_eq!(job["kwargs"]["call_sid"], format!("'{sid}'"), "{v}");
            assert_eq!(job["kwargs"]["business_id"], "1");
            assert!(job["failed_age_s"].as_f64().unwrap() > 0.0);
            assert!(
                job["decode_errors"].as_array().unwrap().is_empty(),
                "{v}: {job}"
            );
        }
        // The table: causes above the list, last lines only; --verbose shows tracebacks.
        let t = w.run(&["failed"]);
        assert!(t.stdout.contains("2×  HTTPError: 401"), "{}", t.stdout);
        assert!(!t.stdout.contains("Traceback"));
        let verbose = w.run(&["failed", "--verbose"]);
        assert!(verbose.stdout.contains("Traceback (most recent call last)"));
        // --limit bounds what is read.
        let one = w.run(&["failed", "--json", "--limit", "1"]);
        assert_eq!(one.json()["jobs"].as_array().unwrap().len(), 1);
    }
}

#[test]
fn thresholds_raise_backlog_stalled_and_failed() {
    let w = World::new("3.0.0");
    let r = w.run(&["queues", "--json", "--max-backlog", "5"]);
    assert!(r.codes("queues").contains(&"QUEUE_BACKLOG".to_string()));
    r.assert_code(1);
    let r = w.run(&["queues", "--json", "--crit-backlog", "5"]);
    r.assert_code(2);
    let r = w.run(&["queues", "--json", "--max-queue-age", "20s"]);
    assert!(
        r.codes("queues").contains(&"QUEUE_STALLED".to_string()),
        "{}",
        r.stdout
    );
    r.assert_code(2);
    let r = w.run(&["queues", "--json", "--crit-failed", "3"]);
    r.assert_code(2);
    let r = Recdiag::new()
        .args(["queues", "--json"])
        .env("REDIS_URL", w.server.url())
        .env("RECDIAG_NOW", &w.capture.captured_at)
        .env("RECDIAG_MAX_FAILED", "4")
        .run();
    r.assert_code(1);
    assert!(!r.codes("queues").contains(&"FAILED_JOBS".to_string()));
}

#[test]
fn queue_nobody_listens_to_is_critical() {
    let w = World::new("2.12.0");
    let r = w.run(&[
        "queues",
        "--json",
        "--queue",
        "recordings",
        "--queue",
        "broadcasts",
    ]);
    r.assert_code(2);
    let f = r.check("queues")["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "QUEUE_NOT_WATCHED")
        .cloned()
        .unwrap();
    assert_eq!(f["severity"], "critical");
    assert_eq!(f["subjects"], serde_json::json!(["broadcasts"]));
}

/// A typo in the queue of interest is said, with the name meant: it was
/// OK, exit 0, for a queue nobody knows.
#[test]
fn a_misspelt_queue_of_interest_is_named_with_the_one_meant() {
    let w = World::new("2.12.0");
    let r = w.run(&["queues", "--json", "--queue", "recording"]);
    r.assert_code(1);
    let findings = r.check("queues")["findings"].clone();
    assert_eq!(findings.as_array().map(Vec::len), Some(1), "{findings}");
    assert_eq!(findings[0]["code"], "QUEUE_UNKNOWN");
    let message = findings[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("did you mean 'recordings'?"), "{message}");
}

#[test]
fn ten_minutes_later_everyone_is_stale() {
    let w = World::new("1.16.2");
    let r = w.run_at(&["health", "--json", "--skip", "dir"], &w.later(600));
    r.assert_code(2);
    let codes = r.codes("workers");
    assert!(codes.contains(&"NO_WORKERS".to_string()), "{codes:?}");
    assert_eq!(r.check("workers")["findings"][0]["severity"], "critical");
    // One fault (no worker works), one finding: NO_WORKERS names the
    // stale workers; neither QUEUE_NOT_WATCHED nor WORKER_STALE repeats it.
    assert!(!r.codes("queues").contains(&"QUEUE_NOT_WATCHED".to_string()));
    assert!(!codes.contains(&"WORKER_STALE".to_string()), "{codes:?}");
    let message = r.check("workers")["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("registered but not working"), "{message}");
}

#[test]
fn tables_show_queues_and_workers() {
    let w = World::new("3.0.0");
    let r = w.run(&["queues"]);
    assert!(
        r.stdout.contains("QUEUE") && r.stdout.contains("recordings"),
        "{}",
        r.stdout
    );
    let r = w.run(&["workers"]);
    for name in [
        "worker-live",
        "worker-other",
        "worker-stale",
        "worker-ghost",
    ] {
        assert!(r.stdout.contains(name), "{}", r.stdout);
    }
    assert!(r.stdout.contains("ghost") && r.stdout.contains("stale"));
}

/// recdiag needs nothing but read commands (and MULTI/EXEC around them,
/// which write nothing): a user without any write command, and without
/// KEYS, sees everything. Without MULTI it still does, reading RQ's
/// places one after another.
#[test]
fn read_only_acl_user_is_enough() {
    let w = World::new("3.0.0");
    let reply = w.server.raw(
        "ACL SETUSER reader on >reader-pass ~* &* -@all +@read +ping +info +@connection +multi +exec -keys",
    );
    assert!(reply.starts_with("+OK"), "{reply}");
    let reply = w
        .server
        .raw("ACL SETUSER plain on >plain-pass ~* &* -@all +@read +ping +info +@connection -keys");
    assert!(reply.starts_with("+OK"), "{reply}");
    let plain = format!("redis://plain:plain-pass@127.0.0.1:{}/0", w.server.port);
    let r = Recdiag::new()
        .args(["health", "--json", "--skip", "dir,runs,consistency"])
        .env("REDIS_URL", &plain)
        .env("RECDIAG_NOW", &w.capture.captured_at)
        .run();
    assert!(
        r.code == 1 && !r.stdout.contains("NOPERM") && !r.stdout.contains("no permissions"),
        "{}",
        r.stdout
    );
    let denied = redis_cmd(&w.server, &[b"ACL", b"LOG"]);
    assert!(format!("{denied:?}").contains("multi"), "{denied:?}");
    let _ = redis_cmd(&w.server, &[b"ACL", b"LOG", b"RESET"]);
    let url = format!("redis://reader:reader-pass@127.0.0.1:{}/0", w.server.port);
    for args in [
        vec!["health", "--json", "--skip", "dir,runs,consistency"],
        vec!["queues", "--json"],
        vec!["workers", "--json"],
        vec!["failed", "--json", "--verbose"],
    ] {
        let r = Recdiag::new()
            .args(&args)
            .env("REDIS_URL", &url)
            .env("RECDIAG_NOW", &w.capture.captured_at)
            .run();
        assert!(
            !r.stdout.contains("NOPERM") && !r.stdout.contains("no permissions"),
            "{args:?}: {}",
            r.stdout
        );
        assert!(r.code == 1, "{args:?}: {}", r.stdout);
    }
    // No write and no KEYS reached the server: the ACL log records denials.
    let log = redis_cmd(&w.server, &[b"ACL", b"LOG"]);
    assert_eq!(log, redis::Value::Array(vec![]), "denied commands: {log:?}");
}
