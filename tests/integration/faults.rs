//! recdiag on the worst day: what it inspects is broken while it looks.
//! Each fault finishes within --timeout + 1 s, gives the right finding and
//! exit code, never panics, and never shows a secret.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::support::pgserver::PgServer;
use crate::support::{PgDb, Recdiag, RedisServer, Run, free_port, require_program, wait_until};

const PASS: &str = "fault-secret-42";

fn assert_sane(r: &Run, took: Duration, limit: Duration) {
    assert!(took < limit, "took {took:?} (limit {limit:?})");
    assert!(!r.stderr.contains("panicked"), "panic: {}", r.stderr);
    r.assert_hides(PASS);
}

/// Send one raw command and leave the connection open (the caller decides
/// whether to wait for the reply).
fn send(port: u16, command: &str) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.write_all(format!("AUTH {PASS}\r\n{command}\r\n").as_bytes())
        .unwrap();
    s
}

fn finding(r: &Run, check: &str) -> String {
    r.check(check)["findings"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn redis_killed_during_a_check() {
    let mut server =
        RedisServer::with_args(&["--requirepass", PASS, "--enable-debug-command", "local"]);
    let url = format!("redis://:{PASS}@127.0.0.1:{}/0", server.port);
    // Block the server, start recdiag, then kill the server under it.
    let _blocker = send(server.port, "DEBUG SLEEP 5");
    thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    let child = Command::new(assert_cmd::cargo::cargo_bin("recdiag"))
        .env_clear()
        .env("REDIS_URL", &url)
        .args([
            "health",
            "--json",
            "--no-env-file",
            "--timeout",
            "2s",
            "--only",
            "redis,queues,workers",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    thread::sleep(Duration::from_millis(400));
    server.kill();
    let r = Run::from(child.wait_with_output().unwrap());
    assert_sane(&r, started.elapsed(), Duration::from_secs(3));
    r.assert_code(2);
    assert_eq!(r.codes("redis"), ["REDIS_UNREACHABLE"], "{}", r.stdout);
    // One fault, one finding: the checks that need Redis say they could not run.
    for check in ["queues", "workers"] {
        assert!(r.codes(check).is_empty(), "{check}: {}", r.stdout);
        assert_eq!(r.check(check)["status"], "unknown");
        assert!(
            r.check(check)["summary"]
                .as_str()
                .unwrap()
                .starts_with("not run: Redis is unreachable"),
            "{}",
            r.stdout
        );
    }
}

#[test]
fn redis_loading_its_dataset() {
    let redis_server = require_program("redis-server", "apt-get install redis-server");
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let start = |extra: &[&str]| -> Child {
        Command::new(&redis_server)
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--appendonly",
                "no",
                "--requirepass",
                PASS,
                "--enable-debug-command",
                "local",
                "--dir",
            ])
            .arg(dir.path())
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // A dataset of 20,000 keys, saved; reloaded with key-load-delay it
    // takes seconds, during which Redis answers LOADING.
    let mut first = start(&["--save", ""]);
    assert!(wait_until(Duration::from_secs(5), || TcpStream::connect((
        "127.0.0.1",
        port
    ))
    .is_ok()));
    let mut s = send(port, "DEBUG POPULATE 20000 k 10\r\nSAVE");
    let mut reply = [0u8; 64];
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let mut got = String::new();
    while !got.matches("+OK").count().ge(&3) {
        let n = s.read(&mut reply).unwrap_or(0);
        if n == 0 {
            break;
        }
        got.push_str(&String::from_utf8_lossy(&reply[..n]));
    }
    first.kill().unwrap();
    first.wait().unwrap();
    let mut second = start(&[
        "--save",
        "",
        "--key-load-delay",
        "250",
        "--loading-process-events-interval-bytes",
        "1024",
    ]);
    assert!(wait_until(Duration::from_secs(5), || TcpStream::connect((
        "127.0.0.1",
        port
    ))
    .is_ok()));
    let url = format!("redis://:{PASS}@127.0.0.1:{port}/0");
    let started = Instant::now();
    let r = Recdiag::new()
        .args([
            "health",
            "--json",
            "--timeout",
            "2s",
            "--only",
            "redis,queues,workers",
        ])
        .env("REDIS_URL", &url)
        .run();
    assert_sane(&r, started.elapsed(), Duration::from_secs(3));
    second.kill().unwrap();
    second.wait().unwrap();
    r.assert_code(2);
    assert!(finding(&r, "redis").contains("loading"), "{}", r.stdout);
    assert!(r.codes("queues").is_empty(), "{}", r.stdout);
    assert_eq!(r.check("queues")["status"], "unknown");
}

#[test]
fn redis_busy_with_a_script() {
    let server = RedisServer::with_args(&["--requirepass", PASS, "--busy-reply-threshold", "100"]);
    let url = format!("redis://:{PASS}@127.0.0.1:{}/0", server.port);
    let _script = send(server.port, "EVAL \"while true do end\" 0");
    thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let r = Recdiag::new()
        .args(["redis", "--json", "--timeout", "2s"])
        .env("REDIS_URL", &url)
        .run();
    assert_sane(&r, started.elapsed(), Duration::from_secs(3));
    r.assert_code(2);
    assert!(finding(&r, "redis").contains("BUSY"), "{}", r.stdout);
    let _ = send(server.port, "SCRIPT KILL");
}

#[test]
fn postgres_stopped() {
    let mut pg = PgServer::start();
    let url = pg
        .url("postgres")
        .replace("postgres@", &format!("postgres:{PASS}@"));
    let schema = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/schema.sql");
    pg.psql("postgres", &["-q", "-f", schema]);
    Recdiag::new()
        .args(["runs", "--json"])
        .env("DATABASE_URL", &url)
        .run()
        .assert_code(0);
    pg.stop();
    let started = Instant::now();
    let r = Recdiag::new()
        .args([
            "health",
            "--json",
            "--timeout",
            "2s",
            "--only",
            "runs,consistency",
        ])
        .env("DATABASE_URL", &url)
        .run();
    assert_sane(&r, started.elapsed(), Duration::from_secs(3));
    r.assert_code(2);
    assert_eq!(r.codes("runs"), ["DATABASE_UNREACHABLE"]);
    assert!(
        finding(&r, "runs").contains("connection refused"),
        "{}",
        r.stdout
    );
}

#[test]
fn postgres_slow_behind_a_lock() {
    let db = PgDb::with_schema();
    // Another session holds the table; recdiag's query waits for it.
    let mut holder = Command::new("psql")
        .arg(db.url())
        .args(["-qc", "BEGIN; LOCK TABLE recording_runs IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(8); COMMIT;"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    thread::sleep(Duration::from_millis(500));
    let url = db.url().replace("postgres@", &format!("postgres:{PASS}@"));
    let started = Instant::now();
    let r = Recdiag::new()
        .args([
            "health",
            "--json",
            "--timeout",
            "1s",
            "--only",
            "runs,consistency",
        ])
        .env("DATABASE_URL", &url)
        .run();
    let took = started.elapsed();
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert_sane(&r, took, Duration::from_secs(2));
    r.assert_code(2);
    assert_eq!(r.codes("runs"), ["DATABASE_UNREACHABLE"]);
    assert!(
        finding(&r, "runs").contains("no answer within 1s"),
        "{}",
        r.stdout
    );
}

#[test]
fn recordings_directory_removed_during_a_scan() {
    for attempt in 0..3 {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("recordings");
        std::fs::create_dir(&dir).unwrap();
        for i in 0..20_000 {
            std::fs::write(dir.join(format!("CA{i:032x}.mp3")), b"").unwrap();
        }
        let started = Instant::now();
        let child = Command::new(assert_cmd::cargo::cargo_bin("recdiag"))
            .env_clear()
            .args([
                "dir",
                "--json",
                "--no-env-file",
                "--timeout",
                "2s",
                "--recordings-dir",
            ])
            .arg(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        thread::sleep(Duration::from_millis(2 + attempt * 3));
        std::fs::remove_dir_all(&dir).unwrap();
        let r = Run::from(child.wait_with_output().unwrap());
        assert_sane(&r, started.elapsed(), Duration::from_secs(3));
        assert!((0..=2).contains(&r.code), "{}", r.code);
        let codes = r.codes("recordings_dir");
        // Whatever moment it hit: a complete scan, a partial one, or none.
        for c in &codes {
            assert!(
                [
                    "UNDERSIZED_RECORDINGS",
                    "RECORDINGS_DIR_MISSING",
                    "RECORDINGS_DIR_UNREADABLE"
                ]
                .contains(&c.as_str()),
                "{codes:?}"
            );
        }
    }
}

/// `call` reads the database and Redis at the same time: two silent
/// servers cost one timeout, not two.
#[test]
fn call_with_two_silent_servers_is_bounded() {
    let redis = crate::support::SilentListener::start();
    let pg = crate::support::SilentListener::start();
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let r = Recdiag::new()
        .args([
            "call",
            "--json",
            "--timeout",
            "1s",
            "CA0123456789abcdef0123456789abcdef",
            "--recordings-dir",
        ])
        .args([dir.path()])
        .env("REDIS_URL", redis.url())
        .env(
            "DATABASE_URL",
            format!("postgres://u:{PASS}@127.0.0.1:{}/x", pg.port),
        )
        .run();
    assert_sane(&r, started.elapsed(), Duration::from_secs(2));
    r.assert_code(3);
    let doc = r.json();
    assert_eq!(doc["unavailable"].as_array().unwrap().len(), 2, "{doc}");
}

/// A wrong database password: DATABASE_UNREACHABLE naming authentication,
/// and neither password shows anywhere.
#[test]
fn postgres_rejects_the_password() {
    let pg = PgServer::with_password("the-right-one-7");
    let wrong = format!("postgres://postgres:{PASS}@127.0.0.1:{}/postgres", pg.port);
    let started = Instant::now();
    let r = Recdiag::new()
        .args(["runs", "--json", "--timeout", "2s"])
        .env("DATABASE_URL", &wrong)
        .run();
    assert_sane(&r, started.elapsed(), Duration::from_secs(3));
    r.assert_code(2);
    assert_eq!(r.codes("runs"), ["DATABASE_UNREACHABLE"]);
    assert!(
        finding(&r, "runs").contains("authentication rejected"),
        "{}",
        r.stdout
    );
    // The right password gets as far as the schema (this database has none).
    let right = format!(
        "postgres://postgres:the-right-one-7@127.0.0.1:{}/postgres",
        pg.port
    );
    let r = Recdiag::new()
        .args(["runs", "--json"])
        .env("DATABASE_URL", &right)
        .run();
    assert_eq!(r.codes("runs"), ["SCHEMA_MISMATCH"]);
    r.assert_hides("the-right-one-7");
}

/// Every check at once against a Redis and a database that accept and
/// never answer: the whole health run ends within --timeout + 1 s.
#[test]
fn health_with_every_server_silent_is_bounded() {
    let redis = crate::support::SilentListener::start();
    let pg = crate::support::SilentListener::start();
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let r = Recdiag::new()
        .args(["health", "--json", "--timeout", "1s", "--recordings-dir"])
        .args([dir.path()])
        .env(
            "REDIS_URL",
            format!("redis://:{PASS}@127.0.0.1:{}/0", redis.port),
        )
        .env(
            "DATABASE_URL",
            format!("postgres://u:{PASS}@127.0.0.1:{}/x", pg.port),
        )
        .run();
    assert_sane(&r, started.elapsed(), Duration::from_secs(2));
    r.assert_code(2);
    assert_eq!(r.check("recordings_dir")["status"], "ok");
    assert_eq!(r.codes("redis"), ["REDIS_UNREACHABLE"]);
    assert_eq!(r.codes("runs"), ["DATABASE_UNREACHABLE"]);
    for check in ["queues", "workers", "consistency"] {
        assert!(r.codes(check).is_empty(), "{check}");
        assert_eq!(r.check(check)["status"], "unknown", "{check}");
    }
}
