//! `recdiag serve`: Prometheus scrapes over real HTTP, against real services.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{RedisServer, free_port};

/// A running `recdiag serve`, killed when dropped.
pub struct Served {
    pub child: Child,
    pub port: u16,
    _cwd: tempfile::TempDir,
}

impl Served {
    /// `recdiag serve` on a free loopback port with these extra arguments
    /// and environment; returns once it listens.
    pub fn start(args: &[&str], env: &[(&str, &str)]) -> Served {
        let port = free_port();
        let cwd = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("recdiag"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .current_dir(cwd.path())
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start recdiag serve");
        let stderr = child.stderr.take().expect("stderr");
        let mut line = String::new();
        BufReader::new(stderr)
            .read_line(&mut line)
            .expect("read serve's first line");
        assert!(
            line.contains(&format!("listening on http://127.0.0.1:{port}/metrics")),
            "{line}"
        );
        Served {
            child,
            port,
            _cwd: cwd,
        }
    }

    /// One request; (status code, body).
    pub fn request(&self, method: &str, path: &str) -> (u16, String) {
        http(self.port, method, path)
    }

    pub fn metrics(&self) -> String {
        let (status, body) = self.request("GET", "/metrics");
        assert_eq!(status, 200, "{body}");
        body
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn http(port: u16, method: &str, path: &str) -> (u16, String) {
    http_with(port, method, path, "")
}

/// [`http`] with more header lines (each ending in CRLF).
pub fn http_with(port: u16, method: &str, path: &str, headers: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect to recdiag serve");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{headers}\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("read the answer");
    let status = raw
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = raw.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, body.to_string())
}

/// The value of the first sample whose line starts with `series`.
pub fn sample(body: &str, series: &str) -> Option<f64> {
    body.lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[test]
fn a_source_that_is_down_is_up_0_in_a_scrape_that_succeeds() {
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let db_port = free_port();
    let db_url = format!("postgresql://app:s3cr3t-pw@127.0.0.1:{db_port}/app");
    let served = Served::start(
        &["--no-env-file", "--timeout", "2s"],
        &[
            ("REDIS_URL", redis.url().as_str()),
            ("DATABASE_URL", db_url.as_str()),
            ("RECORDINGS_DIR", dir.path().to_str().unwrap()),
        ],
    );
    let body = served.metrics();
    assert_eq!(
        sample(&body, "recdiag_up{check=\"redis\"}"),
        Some(1.0),
        "{body}"
    );
    assert_eq!(
        sample(&body, "recdiag_up{check=\"runs\"}"),
        Some(0.0),
        "{body}"
    );
    assert!(
        body.contains("code=\"DATABASE_UNREACHABLE\""),
        "the down source is named: {body}"
    );
    assert!(sample(&body, "recdiag_scrape_duration_seconds").is_some_and(|d| d > 0.0));
    assert!(sample(&body, "recdiag_result_age_seconds").is_some());
    assert!(!body.contains("s3cr3t-pw"), "{body}");
    // The same series as --format prometheus, every family typed.
    for line in body.lines().filter(|l| l.starts_with("# TYPE ")) {
        assert!(line.ends_with(" gauge"), "{line}");
    }

    assert_eq!(served.request("GET", "/healthz"), (200, "ok\n".into()));
    assert_eq!(served.request("POST", "/metrics").0, 405);
    assert_eq!(served.request("GET", "/secrets").0, 404);
}

#[test]
fn scrapes_at_once_share_one_run_and_runs_are_spaced_by_min_interval() {
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(
        &[
            "--no-env-file",
            "--only",
            "redis,queues,workers,recordings_dir",
            "--min-interval",
            "2s",
        ],
        &[
            ("REDIS_URL", redis.url().as_str()),
            ("RECORDINGS_DIR", dir.path().to_str().unwrap()),
        ],
    );
    let port = served.port;
    let bodies: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| s.spawn(move || http(port, "GET", "/metrics").1))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let run_at = |b: &str| sample(b, "recdiag_last_run_timestamp_seconds");
    let first = run_at(&bodies[0]);
    assert!(first.is_some(), "{}", bodies[0]);
    for b in &bodies {
        assert_eq!(run_at(b), first, "eight scrapes at once, one run");
    }
    // Within --min-interval: the same answer, older.
    std::thread::sleep(Duration::from_millis(300));
    let again = served.metrics();
    assert_eq!(run_at(&again), first);
    assert!(sample(&again, "recdiag_result_age_seconds").is_some_and(|a| a >= 0.25));
    // Past it: a new run.
    std::thread::sleep(Duration::from_millis(2000));
    let later = served.metrics();
    assert!(run_at(&later) > first, "{later}");
    assert!(sample(&later, "recdiag_result_age_seconds").is_some_and(|a| a < 0.25));
}

#[test]
fn sigterm_stops_it_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut served = Served::start(
        &["--no-env-file", "--only", "recordings_dir"],
        &[("RECORDINGS_DIR", dir.path().to_str().unwrap())],
    );
    assert_eq!(served.request("GET", "/healthz").0, 200);
    let pid = served.child.id().to_string();
    let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(status.success());
    let started = Instant::now();
    loop {
        if let Some(status) = served.child.try_wait().unwrap() {
            assert_eq!(status.code(), Some(0));
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "serve did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(TcpStream::connect(("127.0.0.1", served.port)).is_err());
}

#[test]
fn an_address_it_cannot_use_is_exit_3() {
    let r = crate::support::Recdiag::new()
        .args(["serve", "--no-env-file", "--listen", "localhost"])
        .run();
    r.assert_code(3);
    assert!(
        r.stderr.contains("--listen takes HOST:PORT"),
        "{}",
        r.stderr
    );
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let r = crate::support::Recdiag::new()
        .args(["serve", "--no-env-file", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .run();
    r.assert_code(3);
    assert!(r.stderr.contains("cannot listen on"), "{}", r.stderr);
    let r = crate::support::Recdiag::new()
        .args(["serve", "--no-env-file", "--min-interval", "soon"])
        .run();
    r.assert_code(3);
    // Loopback unless told otherwise.
    let r = crate::support::Recdiag::new()
        .args(["serve", "--help"])
        .run();
    assert!(
        r.stdout.contains("[default: 127.0.0.1:9847]"),
        "{}",
        r.stdout
    );
}

/// Clients that connect and say nothing, or send half a request, are cut
/// off within seconds: more of them than serve takes at once do not keep
/// Prometheus (or /healthz) out for long.
#[test]
fn idle_and_half_finished_clients_hold_nothing_for_long() {
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(
        &["--no-env-file", "--only", "recordings_dir"],
        &[("RECORDINGS_DIR", dir.path().to_str().unwrap())],
    );
    let idle: Vec<TcpStream> = (0..80)
        .map(|_| TcpStream::connect(("127.0.0.1", served.port)).unwrap())
        .collect();
    let mut half = TcpStream::connect(("127.0.0.1", served.port)).unwrap();
    half.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let started = Instant::now();
    assert_eq!(served.request("GET", "/healthz"), (200, "ok\n".into()));
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    half.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut rest = Vec::new();
    let _ = half.read_to_end(&mut rest);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "a half-sent request was held {:?}",
        started.elapsed()
    );
    drop(idle);
}

/// A source slower than Prometheus' scrape timeout never fails a scrape:
/// past the timeout Prometheus sends, the last complete answer goes, with
/// its age, while the run ends for the next one.
#[test]
fn a_run_slower_than_the_scrape_timeout_answers_the_last_result() {
    let silent = crate::support::SilentListener::start();
    let db_url = format!("postgresql://app@127.0.0.1:{}/app", silent.port);
    let served = Served::start(
        &[
            "--no-env-file",
            "--only",
            "runs",
            "--timeout",
            "3s",
            "--min-interval",
            "1s",
        ],
        &[("DATABASE_URL", db_url.as_str())],
    );
    // The first answer is waited for, however long.
    let first = served.metrics();
    assert_eq!(
        sample(&first, "recdiag_up{check=\"runs\"}"),
        Some(0.0),
        "{first}"
    );
    let run_at = |b: &str| sample(b, "recdiag_last_run_timestamp_seconds");
    std::thread::sleep(Duration::from_millis(1100));
    let started = Instant::now();
    let (status, again) = http_with(
        served.port,
        "GET",
        "/metrics",
        "X-Prometheus-Scrape-Timeout-Seconds: 1.5\r\n",
    );
    assert_eq!(status, 200, "{again}");
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "the scrape waited {:?}",
        started.elapsed()
    );
    assert_eq!(run_at(&again), run_at(&first), "the last complete answer");
    assert!(sample(&again, "recdiag_result_age_seconds").is_some_and(|a| a >= 1.0));
    // The run went on: a later scrape gets it.
    std::thread::sleep(Duration::from_secs(4));
    let later = served.metrics();
    assert!(run_at(&later) > run_at(&first), "{later}");
}
