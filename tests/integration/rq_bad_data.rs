//! Real RQ data, then damaged the ways production data gets damaged: every
//! case is reported or skipped, never a panic, never a wrong exit code.

use std::io::Write;

use serde_json::Value;

use crate::support::fixtures::{Capture, load_rq, redis_cmd};
use crate::support::{Recdiag, RedisServer, Run};

struct Damaged {
    server: RedisServer,
    capture: Capture,
}

impl Damaged {
    fn new() -> Self {
        let server = RedisServer::start();
        let capture = load_rq(&server, "3.0.0");
        Damaged { server, capture }
    }

    fn cmd(&self, args: &[&[u8]]) -> redis::Value {
        redis_cmd(&self.server, args)
    }

    fn run(&self, args: &[&str]) -> Run {
        let r = Recdiag::new()
            .args(args)
            .env("REDIS_URL", self.server.url())
            .env("RECDIAG_NOW", &self.capture.captured_at)
            .run();
        assert!(!r.stderr.contains("panicked"), "panic: {}", r.stderr);
        assert!((0..=3).contains(&r.code), "exit {}", r.code);
        r
    }

    /// Ids in a sorted set / list, as text.
    fn members(&self, args: &[&[u8]]) -> Vec<String> {
        match self.cmd(args) {
            redis::Value::Array(items) => items
                .into_iter()
                .filter_map(|v| match v {
                    redis::Value::BulkString(b) => Some(String::from_utf8_lossy(&b).into_owned()),
                    _ => None,
                })
                .collect(),
            other => panic!("unexpected {other:?}"),
        }
    }

    fn failed_ids(&self) -> Vec<String> {
        self.members(&[b"ZRANGE", b"rq:failed:recordings", b"0", b"-1"])
    }
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn job<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == id)
        .unwrap_or_else(|| panic!("no job {id}"))
}

#[test]
fn keys_of_the_wrong_type_are_reported() {
    let d = Damaged::new();
    d.cmd(&[b"DEL", b"rq:wip:recordings"]);
    d.cmd(&[b"SET", b"rq:wip:recordings", b"oops"]);
    d.cmd(&[b"DEL", b"rq:queue:broadcasts"]);
    d.cmd(&[b"HSET", b"rq:queue:broadcasts", b"a", b"b"]);
    d.cmd(&[b"SADD", b"rq:workers", b"rq:worker:not-a-hash"]);
    d.cmd(&[b"SET", b"rq:worker:not-a-hash", b"x"]);
    d.cmd(&[b"SADD", b"rq:queues", b"not-a-queue-key"]);
    let id = d.failed_ids()[0].clone();
    let results = format!("rq:results:{id}");
    d.cmd(&[b"DEL", results.as_bytes()]);
    d.cmd(&[b"SET", results.as_bytes(), b"not a stream"]);

    let r = d.run(&["health", "--json", "--skip", "dir"]);
    let anomalies = r.check("queues")["metrics"]["anomalies"].to_string();
    assert!(anomalies.contains("recordings"), "{anomalies}");
    assert!(anomalies.contains("broadcasts"), "{anomalies}");
    assert!(anomalies.contains("not-a-hash"), "{anomalies}");
    assert!(anomalies.contains("not-a-queue-key"), "{anomalies}");
    let q = &r.check("queues")["metrics"]["queues"][0];
    assert!(q["started"].is_null(), "{q}");
    let f = d.run(&["failed", "--json"]);
    let j = job(&f.json(), &id).clone();
    assert!(
        j["decode_errors"].to_string().contains("not a stream"),
        "{j}"
    );
    // Table output survives too.
    d.run(&["workers"]);
    d.run(&["queues"]);
}

#[test]
fn missing_fields_are_absent_not_fatal() {
    let d = Damaged::new();
    d.cmd(&[
        b"HDEL",
        b"rq:worker:worker-live",
        b"last_heartbeat",
        b"queues",
        b"state",
    ]);
    let head = d
        .members(&[b"LRANGE", b"rq:queue:recordings", b"0", b"0"])
        .remove(0);
    let key = format!("rq:job:{head}");
    d.cmd(&[b"HDEL", key.as_bytes(), b"enqueued_at", b"created_at"]);
    let r = d.run(&["health", "--json", "--skip", "dir"]);
    let workers = &r.check("workers")["metrics"]["workers"];
    let live = workers
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "worker-live")
        .unwrap();
    assert_eq!(
        live["liveness"], "stale",
        "no heartbeat is not alive: {live}"
    );
    let q = &r.check("queues")["metrics"];
    assert!(q["queues"][0]["oldest_queued_age_s"].is_null());
    assert!(
        q["anomalies"]
            .to_string()
            .contains("no readable enqueue time")
    );
}

#[test]
fn corrupt_payloads_are_reported_per_job() {
    let d = Damaged::new();
    let ids = d.failed_ids();
    let (a, b, c) = (&ids[0], &ids[1], &ids[2]);
    d.cmd(&[
        b"HSET",
        format!("rq:job:{a}").as_bytes(),
        b"data",
        b"definitely not zlib",
    ]);
    d.cmd(&[
        b"HSET",
        format!("rq:job:{b}").as_bytes(),
        b"data",
        &zlib(b"\x80\x05\x95garbage pickle"),
    ]);
    // A failure result whose exc_string is not base64.
    let results = format!("rq:results:{c}");
    d.cmd(&[
        b"XADD",
        results.as_bytes(),
        b"*",
        b"type",
        b"2",
        b"exc_string",
        b"!!not base64!!",
    ]);
    let r = d.run(&["failed", "--json"]);
    let doc = r.json();
    assert!(
        job(&doc, a)["decode_errors"]
            .to_string()
            .contains("not zlib")
    );
    assert!(job(&doc, b)["decode_errors"].to_string().contains("pickle"));
    assert!(job(&doc, c)["decode_errors"].to_string().contains("base64"));
    // The call SID still comes from the job id.
    assert!(job(&doc, a)["call_sid"].as_str().unwrap().starts_with("CA"));
    d.run(&["failed", "--verbose"]);
}

#[test]
fn non_utf8_bytes_are_replaced_and_escaped() {
    let d = Damaged::new();
    let id = d.failed_ids()[0].clone();
    d.cmd(&[
        b"HSET",
        format!("rq:job:{id}").as_bytes(),
        b"description",
        b"\xff\xfe\x1b[31m",
    ]);
    d.cmd(&[b"SADD", b"rq:workers", b"rq:worker:bad\xffname"]);
    d.cmd(&[
        b"HSET",
        b"rq:worker:bad\xffname",
        b"hostname",
        b"h\xc3\x28\x1b[2J",
        b"last_heartbeat",
        b"garbage",
        b"state",
        b"busy",
    ]);
    let r = d.run(&["workers", "--json"]);
    assert!(r.stdout.contains("bad\u{fffd}name"), "{}", r.stdout);
    let t = d.run(&["workers"]);
    assert!(!t.stdout.contains('\u{1b}'), "{}", t.stdout);
    d.run(&["failed", "--verbose"]);
}

#[test]
fn a_10_mb_exception_in_an_old_style_job_hash_is_cut_keeping_its_end() {
    let d = Damaged::new();
    let id = d.failed_ids()[0].clone();
    // RQ before 1.12 kept the traceback zlib-compressed in the job hash.
    d.cmd(&[b"DEL", format!("rq:results:{id}").as_bytes()]);
    let mut text = "Traceback (most recent call last):\n".to_string();
    text.push_str(&"  File \"x.py\", line 1, in f\n".repeat(10 * 1024 * 1024 / 28));
    text.push_str("ValueError: the very last line");
    d.cmd(&[
        b"HSET",
        format!("rq:job:{id}").as_bytes(),
        b"exc_info",
        &zlib(text.as_bytes()),
    ]);
    let r = d.run(&["failed", "--json"]);
    let doc = r.json();
    let j = job(&doc, &id);
    assert_eq!(j["exception_source"], "job_hash");
    let exc = j["exception"].as_str().unwrap();
    assert!(exc.len() <= 256 * 1024 + 64, "{}", exc.len());
    assert!(exc.ends_with("ValueError: the very last line"));
    assert_eq!(j["exception_last_line"], "ValueError: the very last line");
    assert!(r.stdout.len() < 2 * 1024 * 1024);
    let t = d.run(&["failed"]);
    assert!(t.stdout.contains("ValueError: the very last line"));
}

#[test]
fn ids_whose_hash_expired_are_shown_as_such() {
    let d = Damaged::new();
    let gone = "recording_download_CAdeadbeefdeadbeefdeadbeefdeadbeef_1795000000000";
    d.cmd(&[
        b"ZADD",
        b"rq:failed:recordings",
        b"9999999999",
        gone.as_bytes(),
    ]);
    d.cmd(&[
        b"ZADD",
        b"rq:wip:recordings",
        b"9999999999",
        format!("{gone}:0123456789abcdef0123456789abcdef").as_bytes(),
    ]);
    let r = d.run(&["failed", "--json"]);
    let doc = r.json();
    let j = job(&doc, gone);
    assert_eq!(j["exists"], false);
    assert_eq!(j["call_sid"], "CAdeadbeefdeadbeefdeadbeefdeadbeef");
    assert_eq!(j["cause"], "(job hash expired: no exception text left)");
    let q = d.run(&["queues", "--json"]);
    assert_eq!(q.check("queues")["metrics"]["queues"][0]["abandoned"], 3);
}

/// A worker hash whose fields run to 10 MB: the table is laid out from
/// cut cells (saying how long they were), in well under the timeout.
#[test]
fn huge_worker_fields_are_cut_before_the_table() {
    let d = Damaged::new();
    let big = vec![b'x'; 10_000_000];
    d.cmd(&[b"SADD", b"rq:workers", b"rq:worker:big"]);
    d.cmd(&[
        b"HSET",
        b"rq:worker:big",
        b"name",
        &big,
        b"hostname",
        &big,
        b"queues",
        &big,
        b"state",
        b"idle",
        b"pid",
        b"1",
    ]);
    let started = std::time::Instant::now();
    let r = d.run(&["workers", "--timeout", "5s"]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(r.stdout.len() < 100_000, "{} bytes", r.stdout.len());
    assert!(
        r.stdout.contains("… (10,000,000 bytes)"),
        "{}",
        &r.stdout[..2000.min(r.stdout.len())]
    );
}
