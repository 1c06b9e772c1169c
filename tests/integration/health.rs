//! `recdiag health`: concurrency, bounds, aggregation, pipes.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Recdiag, RedisServer, SilentListener};

#[test]
fn all_healthy_exits_0() {
    let server = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let r = Recdiag::new()
        .args([
            "health",
            "--skip",
            "queues,workers,runs,consistency",
            "--recordings-dir",
        ])
        .args([dir.path()])
        .env("REDIS_URL", server.url())
        .run();
    r.assert_code(0);
    assert!(
        r.stdout
            .contains("OK — no findings across 2 checks (exit 0)"),
        "{}",
        r.stdout
    );
}

#[test]
fn worst_status_wins_in_the_written_order() {
    let server = RedisServer::with_args(&["--maxmemory-policy", "allkeys-lru"]);
    let dir = tempfile::tempdir().unwrap();
    // warning (eviction) + ok → 1
    let r = Recdiag::new()
        .args([
            "health",
            "--json",
            "--skip",
            "queues,workers,runs,consistency",
            "--recordings-dir",
        ])
        .args([dir.path()])
        .env("REDIS_URL", server.url())
        .run();
    r.assert_code(1);
    // unknown (no Redis) + warning (disk threshold) → 3
    let r = Recdiag::new()
        .args([
            "health",
            "--json",
            "--min-free-percent",
            "100",
            "--recordings-dir",
        ])
        .args([dir.path()])
        .run();
    r.assert_code(3);
    assert_eq!(r.json()["status"], "unknown");
    // unknown (no Redis) + critical (missing dir) → 2
    let r = Recdiag::new()
        .args(["health", "--json", "--recordings-dir"])
        .args([dir.path().join("missing")])
        .run();
    r.assert_code(2);
    assert_eq!(r.json()["status"], "critical");
    assert_eq!(r.json()["exit_code"], 2);
}

#[test]
fn a_hanging_redis_does_not_hold_the_other_checks() {
    let silent = SilentListener::start();
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let r = Recdiag::new()
        .args(["health", "--json", "--timeout", "1s", "--recordings-dir"])
        .args([dir.path()])
        .env("REDIS_URL", silent.url())
        .run();
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(2),
        "health took {took:?} with a 1s timeout"
    );
    r.assert_code(2);
    assert_eq!(r.check("recordings_dir")["status"], "ok");
    assert!(r.check("recordings_dir")["duration_s"].as_f64().unwrap() < 0.5);
    assert_eq!(r.codes("redis"), ["REDIS_UNREACHABLE"]);
}

#[test]
fn closed_pipe_is_quiet_and_keeps_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("recdiag"))
        .env_clear()
        .args(["health", "--json", "--no-env-file", "--recordings-dir"])
        .arg(dir.path().join("missing"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 10];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout); // like `| head -c 10`
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The reader gone before recdiag writes a byte: EPIPE on the first write.
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("recdiag"))
        .env_clear()
        .args(["health", "--no-env-file", "--recordings-dir"])
        .arg(dir.path().join("missing"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let plain = Recdiag::new()
        .args(["dir", "--recordings-dir"])
        .args([dir.path()])
        .run();
    assert!(!plain.stdout.contains('\u{1b}'));
    let forced = Recdiag::new()
        .args(["dir", "--color", "always", "--recordings-dir"])
        .args([dir.path()])
        .run();
    assert!(forced.stdout.contains('\u{1b}'));
    let json = Recdiag::new()
        .args(["dir", "--json", "--color", "always", "--recordings-dir"])
        .args([dir.path()])
        .run();
    assert!(!json.stdout.contains('\u{1b}'));
}
