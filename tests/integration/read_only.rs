//! Read-only, proven for every command: Redis MONITOR sees only reads, and
//! nothing under the recordings directory changes.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::os::unix::fs::MetadataExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use crate::support::fixtures::{load_rq, redis_cmd};
use crate::support::{PgDb, Recdiag, RedisServer};

/// The commands recdiag may send: reads, the connection's own set-up, and
/// MULTI/EXEC, which bracket reads into one moment and write nothing.
const READS: [&str; 28] = [
    "MULTI",
    "EXEC",
    "PING",
    "INFO",
    "AUTH",
    "HELLO",
    "SELECT",
    "CLIENT",
    "SMEMBERS",
    "LLEN",
    "ZCARD",
    "ZCOUNT",
    "LINDEX",
    "HMGET",
    "ZRANGE",
    "ZRANGEBYSCORE",
    "ZRANK",
    "ZREVRANGEBYSCORE",
    "SISMEMBER",
    "ZREVRANGE",
    "XREVRANGE",
    "LRANGE",
    "ZSCAN",
    "LPOS",
    "EXISTS",
    "PTTL",
    "GET",
    "QUIT",
];

/// Every command name MONITOR reports while `f` runs.
fn monitored(server: &RedisServer, f: impl FnOnce()) -> BTreeSet<String> {
    monitored_as(server, None, f)
}

/// The same, after `AUTH` when the server wants a password, leaving out
/// the clients connected before `f` ran (a replica, sentinels).
pub fn monitored_as(
    server: &RedisServer,
    password: Option<&str>,
    f: impl FnOnce(),
) -> BTreeSet<String> {
    let before: BTreeSet<String> = server
        .raw_as(password.map(|p| ("default", p)), "CLIENT LIST")
        .lines()
        .filter_map(|l| {
            l.split_whitespace()
                .find_map(|kv| kv.strip_prefix("addr=").map(str::to_string))
        })
        .collect();
    let mut s = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    if let Some(pw) = password {
        s.write_all(format!("AUTH {pw}\r\n").as_bytes()).unwrap();
    }
    s.write_all(b"MONITOR\r\n").unwrap();
    s.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&seen);
    // Sentinels and replicas keep talking to a master: stop when told.
    let done = Arc::new(AtomicBool::new(false));
    let stop = Arc::clone(&done);
    let reader = thread::spawn(move || {
        let mut lines = BufReader::new(s);
        let mut idle = 0;
        while !stop.load(Ordering::Relaxed) {
            let mut line = String::new();
            match lines.read_line(&mut line) {
                Ok(0) => break,
                Ok(_) => {
                    idle = 0;
                    sink.lock().unwrap().push(line);
                }
                Err(_) => {
                    idle += 1;
                    if idle > 6 {
                        break;
                    }
                }
            }
        }
    });
    thread::sleep(Duration::from_millis(100));
    f();
    thread::sleep(Duration::from_millis(500));
    done.store(true, Ordering::Relaxed);
    reader.join().unwrap();
    let lines = seen.lock().unwrap().clone();
    lines
        .iter()
        // 1700000000.123456 [0 127.0.0.1:54321] "HMGET" …
        .filter(|l| {
            l.split_once(" [")
                .and_then(|(_, rest)| rest.split(']').next())
                .and_then(|client| client.split_whitespace().nth(1))
                .is_none_or(|addr| !before.contains(addr))
        })
        .filter_map(|l| {
            l.split_once("] \"")
                .map(|(_, rest)| rest.split('"').next().unwrap_or("").to_ascii_uppercase())
        })
        .collect()
}

/// No command in `seen` writes; nothing walks the keyspace.
pub fn assert_reads_only(seen: &BTreeSet<String>) {
    let writes: Vec<&String> = seen
        .iter()
        .filter(|c| !READS.contains(&c.as_str()))
        .collect();
    assert!(
        writes.is_empty(),
        "commands that are not reads: {writes:?} (all: {seen:?})"
    );
    assert!(!seen.contains("KEYS") && !seen.contains("SCAN"));
}

#[test]
fn every_command_only_reads() {
    let server = RedisServer::start();
    let capture = load_rq(&server, "3.0.0");
    redis_cmd(&server, &[b"SADD", b"rec_slots:1", b"5"]);
    redis_cmd(
        &server,
        &[
            b"SET",
            b"job:download:1:CA0000000000000000000000005eed000e",
            b"1",
        ],
    );
    let db = PgDb::with_schema();
    db.sql("INSERT INTO recording_runs (business_id, call_sid, status, created_at) VALUES (1, 'CA0000000000000000000000005eed000e', 'failed', now() at time zone 'utc')");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("CA0000000000000000000000005eed0046.mp3"),
        vec![1u8; 50],
    )
    .unwrap();
    std::fs::write(
        dir.path().join("CA0000000000000000000000005eed0047.mp3"),
        vec![1u8; 5000],
    )
    .unwrap();
    let before = snapshot(dir.path());

    let commands: Vec<Vec<&str>> = vec![
        vec!["health", "--json"],
        vec!["health", "--format", "prometheus"],
        vec!["health", "--format", "nagios"],
        vec!["redis"],
        vec!["queues"],
        vec!["workers"],
        vec!["failed", "--verbose"],
        vec!["runs"],
        vec!["dir"],
        vec![
            "call",
            "CA0000000000000000000000005eed000e",
            "CA0000000000000000000000005eed0046",
            "CA0000000000000000000000005eed0047",
        ],
    ];
    let seen = monitored(&server, || {
        for args in &commands {
            let r = Recdiag::new()
                .args(args)
                .args(["--recordings-dir"])
                .args([dir.path()])
                .env("REDIS_URL", server.url())
                .env("DATABASE_URL", db.url())
                .env("RECDIAG_NOW", &capture.captured_at)
                .run();
            assert!(
                (0..=3).contains(&r.code) && !r.stderr.contains("panicked"),
                "{args:?}: {}",
                r.stderr
            );
        }
    });
    assert!(
        seen.contains("HMGET") && seen.contains("ZRANGE") && seen.contains("INFO"),
        "MONITOR saw too little: {seen:?}"
    );
    assert_reads_only(&seen);
    assert_eq!(
        snapshot(dir.path()),
        before,
        "the recordings directory changed"
    );
}

/// Names, sizes, mtimes and ctimes of a directory and its entries.
fn snapshot(dir: &std::path::Path) -> Vec<(String, u64, i64, i64, i64, i64)> {
    let meta = std::fs::metadata(dir).unwrap();
    let mut all = vec![(
        ".".to_string(),
        meta.len(),
        meta.mtime(),
        meta.mtime_nsec(),
        meta.ctime(),
        meta.ctime_nsec(),
    )];
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let m = e.metadata().unwrap();
        all.push((
            e.file_name().to_string_lossy().into_owned(),
            m.len(),
            m.mtime(),
            m.mtime_nsec(),
            m.ctime(),
            m.ctime_nsec(),
        ));
    }
    all.sort();
    all
}

/// PostgreSQL's own log of every statement: recdiag only SELECTs, inside a
/// read-only transaction (a write attempted in it would fail).
#[test]
fn the_database_sees_only_selects_in_a_read_only_session() {
    use crate::support::pgserver::PgServer;
    let pg = PgServer::start_with("-c log_statement=all -c log_connections=on");
    let schema = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/schema.sql");
    let out = std::process::Command::new("psql")
        .arg(pg.url("postgres"))
        .args(["-q", "-f", schema])
        .output()
        .unwrap();
    assert!(out.status.success());
    let before = pg.log().len();
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["runs"],
        vec!["health", "--only", "runs,consistency"],
        vec!["call", "CA0000000000000000000000005eed000e"],
    ] {
        let r = Recdiag::new()
            .args(&args)
            .args(["--recordings-dir"])
            .args([dir.path()])
            .env("DATABASE_URL", pg.url("postgres"))
            .run();
        assert!((0..=3).contains(&r.code), "{args:?}: {}", r.stderr);
    }
    let log = pg.log()[before..].to_string();
    // Each message the server got (a batch is one message of several
    // statements, logged on lines that go on with a tab).
    let mut messages: Vec<String> = Vec::new();
    let mut in_statement = false;
    for l in log.lines() {
        if let Some(more) = l.strip_prefix('\t') {
            if in_statement && let Some(m) = messages.last_mut() {
                m.push('\n');
                m.push_str(more);
            }
            continue;
        }
        let statement = l
            .split_once("LOG:  statement: ")
            .map(|(_, s)| s)
            .or_else(|| {
                l.split_once("LOG:  execute ")
                    .and_then(|(_, rest)| rest.split_once(": "))
                    .map(|(_, s)| s)
            });
        in_statement = statement.is_some();
        if let Some(s) = statement {
            messages.push(s.to_string());
        }
    }
    assert!(messages.len() >= 5, "too few statements logged:\n{log}");
    // Each session opens its read-only transaction first (alone, or at the
    // head of its first batch), then only reads, then rolls back.
    const BEGIN: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    let begins = messages.iter().filter(|m| m.starts_with(BEGIN)).count();
    assert!(
        begins >= 3,
        "sessions without the read-only transaction:\n{log}"
    );
    for s in messages.iter().flat_map(|m| m.split(';')).map(str::trim) {
        assert!(
            s.is_empty()
                || s == BEGIN
                || s == "ROLLBACK"
                || s == "COMMIT"
                || s == "SAVEPOINT runs_later"
                || s == "ROLLBACK TO SAVEPOINT runs_later"
                || s.starts_with("SET LOCAL ")
                || s.to_ascii_uppercase().starts_with("SELECT"),
            "not a read: {s}\n{log}"
        );
    }
    // Every session was ended, not cut off: closed after the verdicts
    // were printed, it still said goodbye.
    assert!(
        !log.contains("unexpected EOF on client connection"),
        "a session was cut off:\n{log}"
    );
    // A write inside such a transaction fails.
    let probe = std::process::Command::new("psql")
        .arg(pg.url("postgres"))
        .args([
            "-qc",
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; CREATE TABLE should_fail (x int)",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&probe.stderr).contains("read-only transaction"));
}
