//! `recdiag call`: every verdict, from real RQ data, real SQL rows and real
//! files; SIDs validated before anything is read.

use std::fs;

use serde_json::Value;

use crate::support::fixtures::redis_cmd;
use crate::support::world::World;
use crate::support::{Recdiag, Run};

impl World {
    fn call(&self, sids: &[&str]) -> Run {
        Recdiag::new()
            .args(["call", "--json", "--recordings-dir"])
            .args([self.dir.path()])
            .args(sids)
            .env("REDIS_URL", self.redis.url())
            .env("DATABASE_URL", self.db.url())
            .env("RECDIAG_NOW", &self.capture.captured_at)
            .run()
    }

    /// The SID of the first job id matching `prefix` in a key's members.
    fn sid_in(&self, args: &[&[u8]], nth: usize) -> String {
        match redis_cmd(&self.redis, args) {
            redis::Value::Array(items) => {
                let id = match &items[nth] {
                    redis::Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
                    other => panic!("{other:?}"),
                };
                let at = id.find("CA").unwrap();
                id[at..at + 34].to_string()
            }
            other => panic!("{other:?}"),
        }
    }
}

fn verdict(r: &Run) -> Value {
    crate::json_contract::assert_call_contract(r);
    r.json()["verdict"].clone()
}

#[test]
fn ready_for_a_valid_file_or_the_parent_legs() {
    let w = World::new("3.0.0");
    let sid = "CA0123456789abcdef0123456789abcdef";
    fs::write(w.dir.path().join(format!("{sid}.mp3")), vec![1u8; 4096]).unwrap();
    let r = w.call(&[sid]);
    r.assert_code(0);
    assert_eq!(verdict(&r), "READY");
    assert_eq!(r.json()["file"]["size_bytes"], 4096);
    // A child leg whose recording is the parent's file.
    let child = "CA0123456789abcdef0123456789abcde0";
    w.db.sql(&format!(
        "INSERT INTO call_log (business_id, call_sid, parent_call_sid, recording_url) VALUES (1, '{child}', '{sid}', 'https://x/RE1')"
    ));
    // The worker counts the parent's file as done; the API serves only the
    // child's own name (spec §1 item 4).
    let r = w.call(&[child]);
    r.assert_code(2);
    assert_eq!(verdict(&r), "PARENT_LEG_ONLY");
    assert_eq!(r.json()["parent_file"]["valid"], true);
}

#[test]
fn queued_with_position_and_listening_workers() {
    let w = World::new("3.0.0");
    let sid = w.sid_in(&[b"LRANGE", b"rq:queue:recordings", b"0", b"-1"], 2);
    let r = w.call(&[&sid]);
    r.assert_code(1);
    let doc = r.json();
    assert_eq!(doc["verdict"], "QUEUED");
    assert_eq!(doc["queue_position"], 3);
    assert_eq!(doc["workers_listening"], serde_json::json!(["worker-live"]));
    assert_eq!(doc["jobs"][0]["status"], "queued");
}

#[test]
fn downloading_while_a_live_worker_runs_it() {
    let w = World::new("3.0.0");
    let member = redis_cmd(
        &w.redis,
        &[b"HGET", b"rq:worker:worker-live", b"last_heartbeat"],
    );
    assert!(!matches!(member, redis::Value::Nil));
    let wip = redis_cmd(
        &w.redis,
        &[b"SMEMBERS", b"rq:worker:worker-live:executions"],
    );
    let job = match wip {
        redis::Value::Array(v) | redis::Value::Set(v) => match &v[0] {
            redis::Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
            o => panic!("{o:?}"),
        },
        o => panic!("{o:?}"),
    };
    let at = job.find("CA").unwrap();
    let sid = &job[at..at + 34];
    let r = w.call(&[sid]);
    r.assert_code(1);
    assert_eq!(verdict(&r), "DOWNLOADING");
    assert!(r.json()["reason"].as_str().unwrap().contains("worker-live"));
}

#[test]
fn retry_scheduled_after_a_failure() {
    let w = World::new("3.0.0");
    let sid = w.sid_in(&[b"ZRANGE", b"rq:scheduled:recordings", b"0", b"-1"], 0);
    let r = w.call(&[&sid]);
    r.assert_code(1);
    assert_eq!(verdict(&r), "RETRY_SCHEDULED");
    assert_eq!(r.json()["jobs"][0]["retries_left"], 1);
}

#[test]
fn failed_shows_the_error() {
    let w = World::new("3.0.0");
    let sid = w.sid_in(&[b"ZRANGE", b"rq:failed:recordings", b"0", b"-1"], 0);
    w.db.sql(&format!(
        "INSERT INTO recording_runs (business_id, call_sid, status, job_type, created_at, started_at, completed_at, error_message) \
         VALUES (1, '{sid}', 'failed', 'download', '{}', '{}', '{}', 'HTTP 401 error: Unable to fetch page\nat line 2')",
        w.ago(120), w.ago(118), w.ago(110)
    ));
    let r = w.call(&[&sid]);
    r.assert_code(2);
    let doc = r.json();
    assert_eq!(doc["verdict"], "FAILED");
    assert!(
        doc["reason"].as_str().unwrap().contains("HTTP 401 error"),
        "{doc}"
    );
    assert!(
        doc["jobs"][0]["exception"]
            .as_str()
            .unwrap()
            .contains("Traceback")
    );
    assert_eq!(
        doc["runs"][0]["error_message"],
        "HTTP 401 error: Unable to fetch page\nat line 2"
    );
    // The job alone (no run row) is enough.
    let other = w.sid_in(&[b"ZRANGE", b"rq:failed:recordings", b"0", b"-1"], 1);
    assert_eq!(verdict(&w.call(&[&other])), "FAILED");
}

#[test]
fn stuck_runs_and_runs_never_enqueued() {
    let w = World::new("3.0.0");
    let running = "CA5555555555555555555555555555555a";
    let queued = "CA5555555555555555555555555555555b";
    let fresh = "CA5555555555555555555555555555555c";
    w.db.sql(&format!(
        "INSERT INTO recording_runs (business_id, call_sid, status, job_type, created_at, started_at) VALUES \
         (1, '{running}', 'running', 'download', '{}', '{}'), \
         (1, '{queued}', 'queued', 'download', '{}', NULL), \
         (1, '{fresh}', 'queued', 'download', '{}', NULL)",
        w.ago(1300), w.ago(1200), w.ago(400), w.ago(10)
    ));
    let r = w.call(&[running]);
    r.assert_code(2);
    assert_eq!(verdict(&r), "STUCK");
    let r = w.call(&[queued]);
    assert_eq!(verdict(&r), "STUCK");
    let reason = r.json()["reason"].as_str().unwrap().to_string();
    assert!(
        reason.contains("no RQ job") && reason.contains("no dedup lock"),
        "{reason}"
    );
    // A dedup lock without a job does not make a 400 s old run any less stuck.
    redis_cmd(
        &w.redis,
        &[
            b"SET",
            format!("job:download:1:{queued}").as_bytes(),
            b"1",
            b"EX",
            b"120",
        ],
    );
    let r = w.call(&[queued]);
    assert_eq!(verdict(&r), "STUCK");
    assert!(
        r.json()["reason"]
            .as_str()
            .unwrap()
            .contains("only a dedup lock")
    );
    assert!(r.json()["locks"][0]["ttl_s"].as_f64().unwrap() > 100.0);
    assert_eq!(
        verdict(&w.call(&[fresh])),
        "QUEUED",
        "10 s old: still being enqueued"
    );
}

#[test]
fn not_requested_no_url_undersized_and_unknown() {
    let w = World::new("3.0.0");
    let requested = "CA7777777777777777777777777777777a";
    let no_url = "CA7777777777777777777777777777777b";
    let small = "CA7777777777777777777777777777777c";
    let nobody = "CA7777777777777777777777777777777d";
    w.db.sql(&format!(
        "INSERT INTO call_log (business_id, call_sid, recording_url) VALUES (1, '{requested}', 'https://api.twilio.com/x/RE1'), (1, '{no_url}', NULL)"
    ));
    fs::write(w.dir.path().join(format!("{small}.mp3")), vec![0u8; 1000]).unwrap();
    let r = w.call(&[requested]);
    r.assert_code(1);
    assert_eq!(verdict(&r), "NOT_REQUESTED");
    let r = w.call(&[no_url]);
    r.assert_code(1);
    assert_eq!(verdict(&r), "NO_RECORDING_URL");
    let r = w.call(&[small]);
    r.assert_code(2);
    assert_eq!(verdict(&r), "UNDERSIZED_FILE");
    let r = w.call(&[nobody]);
    r.assert_code(2);
    assert_eq!(verdict(&r), "UNKNOWN_CALL");
}

#[test]
fn completed_run_without_the_file_points_at_the_volume() {
    let w = World::new("3.0.0");
    let sid = "CA8888888888888888888888888888888a";
    w.db.sql(&format!(
        "INSERT INTO recording_runs (business_id, call_sid, status, created_at, started_at, completed_at) VALUES (1, '{sid}', 'completed', '{}', '{}', '{}')",
        w.ago(300), w.ago(290), w.ago(200)
    ));
    let r = w.call(&[sid]);
    r.assert_code(2);
    assert_eq!(verdict(&r), "FAILED");
    assert!(r.json()["hint"].as_str().unwrap().contains("volume"));
}

#[test]
fn several_sids_exit_with_the_worst_and_print_an_array() {
    let w = World::new("3.0.0");
    let ready = "CA0123456789abcdef0123456789abcdef";
    fs::write(w.dir.path().join(format!("{ready}.mp3")), vec![1u8; 4096]).unwrap();
    let r = w.call(&[ready, "CA7777777777777777777777777777777d"]);
    r.assert_code(2);
    let doc = r.json();
    assert_eq!(doc.as_array().unwrap().len(), 2);
    assert_eq!(doc[0]["verdict"], "READY");
    assert_eq!(doc[1]["verdict"], "UNKNOWN_CALL");
    let t = Recdiag::new()
        .args(["call", "--recordings-dir"])
        .args([w.dir.path()])
        .args([ready])
        .env("REDIS_URL", w.redis.url())
        .env("DATABASE_URL", w.db.url())
        .run();
    assert!(t.stdout.contains("READY"), "{}", t.stdout);
}

#[test]
fn phantom_slots_are_shown() {
    let w = World::new("3.0.0");
    let sid = "CA9999999999999999999999999999999a";
    w.db.sql(&format!(
        "INSERT INTO recording_runs (id, business_id, call_sid, status, created_at) VALUES (4242, 7, '{sid}', 'queued', '{}')",
        w.ago(30)
    ));
    redis_cmd(&w.redis, &[b"SADD", b"rec_slots:7", b"4242", b"4243"]);
    redis_cmd(
        &w.redis,
        &[b"SET", b"rec_inflight:7:4242", b"1", b"EX", b"800"],
    );
    let r = w.call(&[sid]);
    let slots = &r.json()["slots"][0];
    assert_eq!(slots["business_id"], 7);
    assert_eq!(slots["used"], 2);
    // 4242 is queued, not running, and its marker, taken 100 s ago, lives:
    // a phantom (a slot taken seconds ago by a queued run is one on its
    // way to running). 4243's marker expired: the app frees it on the next
    // download.
    assert_eq!(slots["phantom"], serde_json::json!(["4242"]));
    assert!(slots["phantom_marker_left_s"].as_f64().unwrap() > 790.0);
}

#[test]
fn a_source_that_cannot_be_read_is_said_not_guessed() {
    let w = World::new("3.0.0");
    let nobody = "CA7777777777777777777777777777777d";
    let r = Recdiag::new()
        .args(["call", "--json", "--timeout", "1s", "--recordings-dir"])
        .args([w.dir.path()])
        .args([nobody])
        .env("REDIS_URL", w.redis.url())
        .env(
            "DATABASE_URL",
            format!(
                "postgres://u:db-pass-77@127.0.0.1:{}/x",
                crate::support::free_port()
            ),
        )
        .run();
    r.assert_code(3);
    r.assert_hides("db-pass-77");
    let doc = r.json();
    assert!(doc["verdict"].is_null());
    assert!(
        doc["unavailable"][0]
            .as_str()
            .unwrap()
            .contains("connection refused")
    );
    // What Redis knows still counts: a queued job is QUEUED without the database.
    let sid = w.sid_in(&[b"LRANGE", b"rq:queue:recordings", b"0", b"-1"], 0);
    let r = Recdiag::new()
        .args(["call", "--json", "--recordings-dir"])
        .args([w.dir.path()])
        .args([&sid])
        .env("REDIS_URL", w.redis.url())
        .env("RECDIAG_NOW", &w.capture.captured_at)
        .run();
    assert_eq!(verdict(&r), "QUEUED");
}

#[test]
fn invalid_sids_are_rejected_before_any_io() {
    let dir = tempfile::tempdir().unwrap();
    let long = "C".repeat(5000);
    for bad in [
        "",
        "../../etc/passwd",
        "CA*",
        "CA0123456789abcdef0123456789abcde?",
        "CA0123\n",
        &long,
        "ca0123456789abcdef0123456789abcdef",
        "CA0123456789ABCDEF0123456789ABCDEF",
    ] {
        // A Redis URL that would hang and a directory that would be read:
        // neither is touched.
        let silent = crate::support::SilentListener::start();
        let started = std::time::Instant::now();
        let r = Recdiag::new()
            .args(["call", "--timeout", "5s", "--recordings-dir"])
            .args([dir.path()])
            .args([bad])
            .env("REDIS_URL", silent.url())
            .run();
        r.assert_code(3);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "{bad:?} touched a source"
        );
        assert!(r.stderr.contains("invalid call SID"), "{}", r.stderr);
        assert!(r.stdout.is_empty());
        assert!(r.stderr.len() < 400, "the message is bounded");
    }
}

/// The file is on disk but the database is down: the API reads call_log
/// first and answers 500, so the recording does not play. A database of
/// our own, with the app's schema, running and then stopped.
#[test]
fn a_valid_file_with_the_database_down_is_not_ready() {
    let redis = crate::support::RedisServer::start();
    let mut pg = crate::support::pgserver::PgServer::start();
    pg.psql("postgres", &["-qc", "CREATE DATABASE app"]);
    let schema = format!("{}/tests/fixtures/schema.sql", env!("CARGO_MANIFEST_DIR"));
    pg.psql("app", &["-qf", &schema]);
    let dir = tempfile::tempdir().unwrap();
    let sid = "CA5555555555555555555555555555555a";
    fs::write(dir.path().join(format!("{sid}.mp3")), vec![1u8; 5000]).unwrap();
    let url = pg.url("app");
    let run = || {
        Recdiag::new()
            .args(["call", "--json", sid])
            .env("REDIS_URL", redis.url())
            .env("DATABASE_URL", &url)
            .env("RECORDINGS_DIR", dir.path())
            .run()
    };
    let up = run();
    assert_eq!(up.json()["verdict"], "READY", "{}", up.stdout);
    pg.stop();
    let r = run();
    r.assert_code(2);
    let j = r.json();
    assert_eq!(j["verdict"], "DATABASE_DOWN", "{j}");
    assert!(j["reason"].as_str().unwrap().contains("answers 500"), "{j}");
    crate::json_contract::assert_call_contract(&r);
    // Without a database configured, nothing says it is down: READY.
    let r = Recdiag::new()
        .args(["call", "--json", sid])
        .env("REDIS_URL", redis.url())
        .env("RECORDINGS_DIR", dir.path())
        .run();
    assert_eq!(r.json()["verdict"], "READY", "{}", r.stdout);
}

/// The ids of the jobs `call --json` found.
fn job_ids(r: &crate::support::Run) -> Vec<String> {
    r.json()["jobs"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", r.stdout))
        .iter()
        .map(|j| j["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// A million entries in each of a queue and two registries: when the
/// time runs out in recdiag's own search, `call` says so — how far it
/// read, and that Redis answered — never that Redis did not answer.
#[test]
fn a_search_cut_short_by_the_timeout_blames_no_silent_redis() {
    let server = crate::support::RedisServer::start();
    let client = redis::Client::open(server.url()).expect("client");
    let mut conn = client.get_connection().expect("connect");
    for chunk in 0..100u64 {
        let ids: Vec<String> = (0..10_000u64)
            .map(|i| format!("recording_download_CA{:032x}_1", chunk * 10_000 + i))
            .collect();
        let scored: Vec<(u64, &String)> = ids.iter().map(|id| (chunk, id)).collect();
        redis::pipe()
            .cmd("RPUSH")
            .arg("rq:queue:recordings")
            .arg(&ids)
            .cmd("ZADD")
            .arg("rq:wip:recordings")
            .arg(&scored)
            .cmd("ZADD")
            .arg("rq:failed:recordings")
            .arg(&scored)
            .exec(&mut conn)
            .expect("fill");
    }
    let r = Recdiag::new()
        .args([
            "call",
            "--json",
            "--timeout",
            "1s",
            "--recordings-dir",
            "/nonexistent",
        ])
        .args(["CA7777777777777777777777777777777d"])
        .env("REDIS_URL", server.url())
        .run();
    r.assert_code(3);
    let said = r.json()["unavailable"].to_string();
    assert!(
        said.contains("Redis answered every command, but recdiag's own search")
            && said.contains("of 3,000,000 entries within 1s"),
        "{said}"
    );
    assert!(!said.contains("no answer"), "{said}");
}

/// Paging never skips: a job id at the head of a long queue, and one past
/// 25,000 registry members of the same score (RQ scores in whole seconds,
/// so a burst shares one), are both found.
#[test]
fn jobs_are_found_anywhere_in_long_queues_and_registries() {
    let server = crate::support::RedisServer::start();
    let client = redis::Client::open(server.url()).expect("client");
    let mut conn = client.get_connection().expect("connect");
    let sid = "CA5555555555555555555555555555555e";
    let queued = format!("recording_full_{sid}_1");
    let failed = format!("recording_download_{sid}_2");
    let others: Vec<String> = (0..25_000).map(|i| format!("other_{i:06}")).collect();
    let mut members: Vec<(u64, &String)> = others.iter().map(|id| (1, id)).collect();
    members.push((1, &failed));
    redis::pipe()
        .cmd("RPUSH")
        .arg("rq:queue:recordings")
        .arg(&queued)
        .cmd("RPUSH")
        .arg("rq:queue:recordings")
        .arg(&others)
        .cmd("ZADD")
        .arg("rq:failed:recordings")
        .arg(&members)
        .exec(&mut conn)
        .expect("fill");
    let r = Recdiag::new()
        .args(["call", "--json", "--recordings-dir", "/nonexistent", sid])
        .env("REDIS_URL", server.url())
        .run();
    let ids = job_ids(&r);
    assert!(ids.contains(&queued) && ids.contains(&failed), "{ids:?}");
}

/// A long registry whose members leave from its low end while `call`
/// reads it (RQ's cleanup of expired members, jobs finishing): the ranks
/// shift down between rounds, by more than the margin re-read before each
/// range, and the job near the end is found every time, never skipped.
#[test]
fn a_registry_shrinking_under_the_search_skips_no_job() {
    let server = crate::support::RedisServer::start();
    let client = redis::Client::open(server.url()).expect("client");
    let mut conn = client.get_connection().expect("connect");
    let sid = "CA6666666666666666666666666666666e";
    let job = format!("recording_download_{sid}_7");
    let fill = |conn: &mut redis::Connection| {
        let others: Vec<(u64, String)> = (0..60_000u64)
            .map(|i| (i, format!("other_{i:06}")))
            .collect();
        redis::pipe()
            .cmd("DEL")
            .arg("rq:wip:recordings")
            .cmd("ZADD")
            .arg("rq:wip:recordings")
            .arg(&others)
            .cmd("ZADD")
            .arg("rq:wip:recordings")
            .arg(59_990)
            .arg(&job)
            .exec(conn)
            .expect("fill");
    };
    for round in 0..6 {
        fill(&mut conn);
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let shrink = {
            let stop = stop.clone();
            let url = server.url();
            std::thread::spawn(move || {
                let mut conn = redis::Client::open(url)
                    .and_then(|c| c.get_connection())
                    .expect("connect");
                let mut popped = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) && popped < 50_000 {
                    let _: redis::RedisResult<redis::Value> = redis::cmd("ZPOPMIN")
                        .arg("rq:wip:recordings")
                        .arg(500)
                        .query(&mut conn);
                    popped += 500;
                }
            })
        };
        let r = Recdiag::new()
            .args(["call", "--json", "--recordings-dir", "/nonexistent", sid])
            .env("REDIS_URL", server.url())
            .run();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = shrink.join();
        let ids = job_ids(&r);
        assert!(ids.contains(&job), "round {round}: {ids:?}\n{}", r.stdout);
    }
}
