//! Prometheus textfile, Nagios line, --output and --watch, on a world of
//! real RQ data, real SQL rows and real files.

use std::fs;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::world::World;
use crate::support::{Recdiag, Run, require_program};

/// A world with one completed run and its file.
fn world() -> World {
    let w = World::new("2.12.0");
    w.db.sql(
        "INSERT INTO recording_runs (business_id, call_sid, status, created_at, started_at, completed_at) VALUES \
         (1, 'CA00000000000000000000000000000001', 'completed', now() at time zone 'utc', now() at time zone 'utc', now() at time zone 'utc')",
    );
    fs::write(
        w.dir.path().join("CA00000000000000000000000000000001.mp3"),
        vec![1u8; 5000],
    )
    .unwrap();
    w
}

impl World {
    fn cmd(&self) -> Recdiag {
        Recdiag::new()
            .env("REDIS_URL", self.redis.url())
            .env("DATABASE_URL", self.db.url())
            .env("RECDIAG_NOW", &self.capture.captured_at)
            .env("RECORDINGS_DIR", self.dir.path())
    }
}

/// Parse Prometheus text with the reference parser (prometheus_client).
pub fn parse_prometheus(text: &str) -> String {
    // The tests' own virtualenv (target/test-python), made on first use.
    let python = crate::support::python::python_with_prometheus();
    let script = r#"
import sys
from prometheus_client.parser import text_string_to_metric_families
n = 0
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        assert s.timestamp is None, s
        n += 1
        print(family.name, family.type, sorted(s.labels.items()), s.value)
print("samples", n)
"#;
    let mut child = Command::new(&python)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run python");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("No module named"),
        "prometheus_client is missing from {}: remove target/test-python to remake it",
        python.display()
    );
    assert!(
        out.status.success(),
        "the Prometheus parser rejected the output: {stderr}\n{text}"
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn prometheus_text_is_valid_bounded_and_complete() {
    let w = world();
    let r = w.cmd().args(["health", "--format", "prometheus"]).run();
    r.assert_code(1);
    let parsed = parse_prometheus(&r.stdout);
    assert!(parsed.contains("samples"), "{parsed}");
    for line in r.stdout.lines().filter(|l| !l.starts_with('#')) {
        // name{labels} value — no third field: no sample timestamps.
        let (_, value) = line.rsplit_once(' ').unwrap();
        assert!(value.parse::<f64>().is_ok() || value == "NaN", "{line}");
        assert!(
            !line.contains("e-") && !line.contains("e+"),
            "scientific notation: {line}"
        );
        assert!(line.starts_with("recdiag_"), "{line}");
    }
    // Labels stay bounded: never a SID, a job id or a worker name.
    let allowed = [
        "check",
        "code",
        "severity",
        "status",
        "queue",
        "state",
        "job_type",
        "stat",
        "liveness",
        "version",
        "role",
        "maxmemory_policy",
        "accepted",
        "cause",
        "kind",
        "column",
    ];
    for line in r.stdout.lines().filter(|l| !l.starts_with('#')) {
        if let Some(labels) = line
            .split_once('{')
            .map(|(_, rest)| rest.split_once('}').unwrap().0)
        {
            for pair in labels.split(',') {
                let key = pair.split_once('=').unwrap().0;
                assert!(allowed.contains(&key), "unbounded label {key}: {line}");
            }
        }
        assert!(
            !line.contains("worker-live") && !line.contains("recording_download_"),
            "{line}"
        );
    }
    let text = &r.stdout;
    for series in [
        "recdiag_up{check=\"redis\"} 1",
        "recdiag_up{check=\"runs\"} 1",
        "recdiag_check_status{check=\"workers\",status=\"critical\"} 0",
        "recdiag_queue_jobs{queue=\"recordings\",state=\"queued\"} 5",
        "recdiag_queue_jobs{queue=\"recordings\",state=\"canceled\"} 0",
        "recdiag_workers{liveness=\"ghost\"} 1",
        "recdiag_workers{liveness=\"dead\"} 0",
        "recdiag_runs{status=\"cancelled\",job_type=\"full\"} 0",
        "recdiag_recordings_mp3_files 1",
        "recdiag_consistency_orphaned_runs 0",
        "recdiag_findings{check=\"queues\",code=\"FAILED_JOBS\",severity=\"warning\",accepted=\"false\"} 1",
    ] {
        assert!(text.contains(series), "missing {series}\n{text}");
    }
    // A source that cannot be read: up 0, the check's other series absent.
    let r = Recdiag::new()
        .args(["health", "--format", "prometheus", "--only", "redis,runs"])
        .env("REDIS_URL", "redis://127.0.0.1:1/0")
        .run();
    parse_prometheus(&r.stdout);
    assert!(r.stdout.contains("recdiag_up{check=\"redis\"} 0"));
    assert!(r.stdout.contains("recdiag_up{check=\"runs\"} 0"));
    assert!(!r.stdout.contains("recdiag_redis_latency_seconds"));
}

#[test]
fn output_file_is_written_atomically_and_readable() {
    use std::os::unix::fs::PermissionsExt;
    let w = world();
    let textfile = tempfile::tempdir().unwrap();
    let target = textfile.path().join("recdiag.prom");
    fs::write(&target, "old content\n").unwrap();
    let r = w
        .cmd()
        .args(["health", "--format", "prometheus", "--output"])
        .args([&target])
        .run();
    r.assert_code(1);
    assert!(r.stdout.is_empty(), "with --output nothing goes to stdout");
    let written = fs::read_to_string(&target).unwrap();
    parse_prometheus(&written);
    let mode = fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
    let leftovers: Vec<_> = fs::read_dir(textfile.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "temporary files left behind: {leftovers:?}"
    );
    // A directory that does not exist: UNKNOWN, said plainly, nothing half-written.
    let r = w
        .cmd()
        .args([
            "health",
            "--format",
            "prometheus",
            "--output",
            "/no/such/dir/recdiag.prom",
        ])
        .run();
    r.assert_code(3);
    assert!(
        r.stderr.contains("cannot write /no/such/dir/recdiag.prom"),
        "{}",
        r.stderr
    );
}

#[test]
fn nagios_line_follows_the_plugin_guidelines() {
    let w = world();
    let r = w.cmd().args(["health", "--format", "nagios"]).run();
    r.assert_code(1);
    check_nagios(&r, "WARNING");
    let r = Recdiag::new()
        .args(["redis", "--format", "nagios"])
        .env("REDIS_URL", "redis://127.0.0.1:1/0")
        .run();
    r.assert_code(2);
    check_nagios(&r, "CRITICAL");
    let r = Recdiag::new()
        .args(["dir", "--format", "nagios", "--recordings-dir"])
        .args([w.dir.path()])
        .run();
    r.assert_code(0);
    check_nagios(&r, "OK");
    // call and failed have no Nagios form: a usage error, not a wrong line.
    Recdiag::new()
        .args(["failed", "--format", "nagios"])
        .run()
        .assert_code(3);
}

fn check_nagios(r: &Run, state: &str) {
    let first = r.stdout.lines().next().unwrap();
    let prefix = format!("RECDIAG {state} - ");
    assert!(first.starts_with(&prefix), "{first}");
    let (text, perf) = first.split_once(" | ").unwrap_or((first, ""));
    assert!(!text[prefix.len()..].contains('|'));
    for item in perf.split(' ').filter(|i| !i.is_empty()) {
        let (label, rest) = item.split_once('=').unwrap_or_else(|| panic!("{item}"));
        assert!(
            label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c)),
            "{item}"
        );
        let fields: Vec<&str> = rest.split(';').collect();
        assert!(fields.len() <= 5, "{item}");
        let value = fields[0].trim_end_matches(|c: char| c.is_ascii_alphabetic() || c == '%');
        assert!(
            value.parse::<f64>().is_ok() && !value.contains('e'),
            "{item}"
        );
        let uom = &fields[0][value.len()..];
        assert!(["", "s", "B", "%", "c"].contains(&uom), "{item}");
    }
}

#[test]
fn watch_prints_blocks_and_ctrl_c_keeps_the_last_code() {
    let w = world();
    let child = Command::new(assert_cmd::cargo::cargo_bin("recdiag"))
        .env_clear()
        .env("REDIS_URL", w.redis.url())
        .env("RECDIAG_NOW", &w.capture.captured_at)
        .args([
            "health",
            "--no-env-file",
            "--skip",
            "runs,consistency",
            "--watch",
            "200ms",
            "--recordings-dir",
        ])
        .arg(w.dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    let pid = child.id().to_string();
    Command::new("kill").args(["-INT", &pid]).status().unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "the last status was a warning");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.matches("across 4 checks").count() >= 2, "{stdout}");
    assert!(!stdout.contains("\u{1b}[2J"), "no redraw on a pipe");
    // Each round says when it ran and what changed since the one before.
    assert!(
        stdout.contains("round 1 at ") && stdout.contains(", every 200ms\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("round 2 at ") && stdout.contains("; no change since the last round"),
        "{stdout}"
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `recdiag health <flags>` on a pseudo-terminal (`script`), with
/// `before` in front of it (a `timeout`), its output as the terminal got
/// it.
fn health_on_a_terminal(w: &World, before: &str, flags: &str, env: &[(&str, &str)]) -> String {
    let script = require_program("script", "apt-get install util-linux");
    let bin = assert_cmd::cargo::cargo_bin("recdiag");
    let command = format!(
        "{before}{} health --no-env-file --skip runs,consistency --color never {flags} --recordings-dir {}",
        bin.display(),
        w.dir.path().display()
    );
    let out = Command::new(script)
        .args(["-qec", &command, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("REDIS_URL", w.redis.url())
        .env("RECDIAG_NOW", &w.capture.captured_at)
        .env("TERM", "xterm")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn watch_redraws_in_place_on_a_terminal() {
    let w = world();
    let stdout = health_on_a_terminal(&w, "timeout -s INT 1 ", "--watch 200ms", &[]);
    assert!(
        stdout.matches("\u{1b}[H\u{1b}[2J").count() >= 2,
        "{stdout:?}"
    );
}

/// On a terminal the tables fit its width (their cells wrapped); the
/// findings' hints, commands to paste, are never cut.
#[test]
fn tables_fit_the_terminal() {
    let w = world();
    let stdout = health_on_a_terminal(&w, "", "", &[("COLUMNS", "60")]);
    let table: Vec<&str> = stdout
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .collect();
    assert!(table.len() > 4, "{stdout}");
    for line in &table {
        assert!(
            line.trim_end().chars().count() <= 60,
            "{line:?} in\n{stdout}"
        );
    }
    // Piped, the same table is as wide as its content.
    let piped = Command::new(assert_cmd::cargo::cargo_bin("recdiag"))
        .args([
            "health",
            "--no-env-file",
            "--skip",
            "runs,consistency",
            "--recordings-dir",
        ])
        .arg(w.dir.path())
        .env_clear()
        .env("REDIS_URL", w.redis.url())
        .env("RECDIAG_NOW", &w.capture.captured_at)
        .env("COLUMNS", "60")
        .output()
        .unwrap();
    let piped = String::from_utf8_lossy(&piped.stdout);
    assert!(piped.lines().any(|l| l.chars().count() > 60), "{piped}");
}

/// On a terminal a hint's cell wraps: the deployment's compose command is
/// put in before the table is laid out, so a wrap never leaves the
/// guide's command half-replaced.
#[test]
fn hints_wrapped_on_a_terminal_use_the_deployment_s_command() {
    let w = world();
    let guide = health_on_a_terminal(&w, "", "", &[("COLUMNS", "60")]);
    assert!(
        guide
            .split_whitespace()
            .any(|word| word == "docker-compose"),
        "the world's findings name the guide's compose command:\n{guide}"
    );
    let own = health_on_a_terminal(
        &w,
        "",
        "",
        &[
            ("COLUMNS", "60"),
            ("RECDIAG_COMPOSE", "podman-compose -p prosaas-prod-stack"),
        ],
    );
    assert!(!own.contains("docker-compose"), "{own}");
    assert!(!own.contains("docker-compose.prod.yml"), "{own}");
    assert!(own.contains("podman-compose"), "{own}");
}

/// `--no-headers`: the tables' rows only, for scripts.
#[test]
fn no_headers_prints_rows_only() {
    let w = world();
    let with = w.cmd().args(["queues"]).run();
    assert!(with.stdout.contains(" QUEUE "), "{}", with.stdout);
    let without = w.cmd().args(["queues", "--no-headers"]).run();
    assert_eq!(without.code, with.code);
    assert!(!without.stdout.contains(" QUEUE "), "{}", without.stdout);
    assert!(
        without
            .stdout
            .lines()
            .any(|l| l.trim_start().starts_with("recordings ")),
        "{}",
        without.stdout
    );
    let health = w.cmd().args(["health", "--no-headers"]).run();
    assert!(!health.stdout.contains("CHECK"), "{}", health.stdout);
}
