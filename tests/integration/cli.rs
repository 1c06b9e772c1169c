//! Usage, help, version and configuration errors: their exit codes.

use crate::support::Recdiag;

#[test]
fn help_and_version_exit_0() {
    let r = Recdiag::new().args(["--help"]).run();
    r.assert_code(0);
    assert!(r.stdout.contains("Exit codes"), "{}", r.stdout);
    Recdiag::new()
        .args(["health", "--help"])
        .run()
        .assert_code(0);
    let r = Recdiag::new().args(["--version"]).run();
    r.assert_code(0);
    assert!(r.stdout.starts_with("recdiag "));
}

#[test]
fn usage_errors_exit_3_not_2() {
    for args in [
        vec!["bogus"],
        vec!["health", "--no-such-flag"],
        vec!["health", "--only", "nonsense"],
        vec!["health", "--format", "xml"],
        vec![],
    ] {
        let r = Recdiag::new().args(&args).run();
        r.assert_code(3);
        assert!(
            r.stdout.is_empty(),
            "{args:?} wrote to stdout: {}",
            r.stdout
        );
        assert!(!r.stderr.is_empty(), "{args:?} said nothing");
    }
}

/// Every command reads a setting as health does: the environment over the
/// dotenv file, also for a setting whose flag the command lacks (it once
/// read the file alone there, and failed on a value the environment
/// corrects).
#[test]
fn the_environment_overrides_the_dotenv_file_for_every_command() {
    let tmp = tempfile::tempdir().unwrap();
    let env_file = tmp.path().join("app.env");
    std::fs::write(
        &env_file,
        "RECDIAG_WINDOW=2\nRECDIAG_MAX_BACKLOG=60\nRECDIAG_CRIT_BACKLOG=50\n",
    )
    .unwrap();
    let dir = |env: &[(&str, &str)]| {
        let mut r = Recdiag::new().args(["dir", "--json", "--env-file"]);
        r = r
            .args([&env_file])
            .args(["--recordings-dir"])
            .args([tmp.path()]);
        for (k, v) in env {
            r = r.env(k, v);
        }
        r.run()
    };
    let r = dir(&[]);
    r.assert_code(3);
    assert!(r.stderr.contains("RECDIAG_WINDOW"), "{}", r.stderr);
    let r = dir(&[("RECDIAG_WINDOW", "2h"), ("RECDIAG_CRIT_BACKLOG", "100")]);
    assert_ne!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

#[test]
fn bad_settings_exit_3_with_a_clear_message() {
    let r = Recdiag::new().args(["dir", "--timeout", "soon"]).run();
    r.assert_code(3);
    assert!(r.stderr.contains("--timeout"), "{}", r.stderr);
    let r = Recdiag::new()
        .args(["dir"])
        .env("RECDIAG_TIMEOUT", "0s")
        .run();
    r.assert_code(3);
    let r = Recdiag::new()
        .args(["dir", "--min-free-percent", "150"])
        .run();
    r.assert_code(3);
    assert!(r.stderr.contains("percentage"), "{}", r.stderr);
    let r = Recdiag::new()
        .args(["dir"])
        .env("RECDIAG_FORMAT", "yaml")
        .run();
    r.assert_code(3);
    // runs judges why runs wait by the workers' liveness: the environment's
    // heartbeat limits are its own, as they are health's.
    // (An SQLite file, so that without the setting runs would read and
    // exit 0.)
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("runs.db");
    crate::support::sqlite::create(&db, &[include_str!("../fixtures/schema-sqlite.sql")]);
    let runs = |heartbeat: &str| {
        Recdiag::new()
            .args(["runs", "--no-env-file"])
            .env("DATABASE_URL", format!("sqlite://{}", db.display()))
            .env("RECDIAG_STALE_IDLE_HEARTBEAT", heartbeat)
            .run()
    };
    runs("90s").assert_code(0);
    let r = runs("soon");
    r.assert_code(3);
    assert!(r.stderr.contains("heartbeat"), "{}", r.stderr);
    // An unknown URL fragment is an invalid URL, not an unreachable Redis.
    let r = Recdiag::new()
        .args([
            "redis",
            "--no-env-file",
            "--redis-url",
            "rediss://127.0.0.1:1/0#bogus",
        ])
        .run();
    r.assert_code(3);
    assert!(r.stdout.contains("REDIS_URL_INVALID"), "{}", r.stdout);
    assert!(r.stdout.contains("#insecure"), "{}", r.stdout);
    // A duration past any clock's reach is an error, never a panic.
    let huge = "18446744073709551615s";
    for r in [
        Recdiag::new().args(["redis", "--timeout", huge]).run(),
        Recdiag::new()
            .args(["health", "--format", "json"])
            .env("RECDIAG_TIMEOUT", huge)
            .run(),
        Recdiag::new().args(["runs", "--window", huge]).run(),
        Recdiag::new().args(["health", "--watch", huge]).run(),
        Recdiag::new().args(["runs", "--window", "0s"]).run(),
    ] {
        r.assert_code(3);
        assert!(r.stdout.is_empty(), "{}", r.stdout);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
        assert!(r.stderr.starts_with("recdiag: error: "), "{}", r.stderr);
    }
}

/// RECDIAG_FORMAT=prometheus, as a cron line for `health` sets it, is
/// passed over by the commands that print only a table or JSON; asked for
/// with --format it is a usage error, and their -h lists only what they
/// print.
#[test]
fn a_format_setting_applies_where_the_command_prints_it() {
    let sid = "CA00000000000000000000000000000001";
    let r = Recdiag::new()
        .args(["call", sid, "--redis-url", "redis://127.0.0.1:1/0"])
        .env("RECDIAG_FORMAT", "prometheus")
        .run();
    // The sources are missing (exit 3, the verdict undecided), but the
    // table is printed, not refused.
    assert!(r.stdout.contains(sid), "{}{}", r.stdout, r.stderr);
    assert!(!r.stderr.contains("prometheus"), "{}", r.stderr);
    assert!(!r.stdout.contains("recdiag_up"), "{}", r.stdout);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("worker.log");
    std::fs::write(&log, "").unwrap();
    let prints_its_table = |r: &crate::support::Run| {
        assert!(
            r.stdout.starts_with("worker log"),
            "{}{}",
            r.stdout,
            r.stderr
        );
    };
    prints_its_table(
        &Recdiag::new()
            .arg("logs")
            .arg(&log)
            .env("RECDIAG_FORMAT", "nagios")
            .run(),
    );
    // logs takes the env-file flags every command takes.
    let env = dir.path().join("settings.env");
    std::fs::write(&env, "RECDIAG_FORMAT=json\n").unwrap();
    prints_its_table(
        &Recdiag::new()
            .args(["logs", "--no-env-file"])
            .arg(&log)
            .run(),
    );
    let r = Recdiag::new()
        .args(["logs", "--env-file"])
        .arg(&env)
        .arg(&log)
        .run();
    assert_eq!(r.json()["tool"], "recdiag");
    for command in ["call", "failed", "logs"] {
        let r = Recdiag::new().args([command, "--format", "nagios"]).run();
        r.assert_code(3);
        assert!(
            r.stderr.contains("[possible values: table, json]"),
            "{}",
            r.stderr
        );
        let help = Recdiag::new().args([command, "-h"]).run();
        assert!(
            help.stdout.contains("[possible values: table, json]"),
            "{}",
            help.stdout
        );
    }
    let help = Recdiag::new().args(["health", "-h"]).run();
    // Words, whatever the wrap.
    let words = help.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("table, json, prometheus, nagios"),
        "{}",
        help.stdout
    );
    // call gives verdicts, not findings: --accept asked of it is refused,
    // RECDIAG_ACCEPT (set for health) passed over.
    let r = Recdiag::new()
        .args(["call", sid, "--accept", "FAILED_JOBS"])
        .run();
    r.assert_code(3);
    assert!(r.stderr.contains("not findings"), "{}", r.stderr);
    let r = Recdiag::new()
        .args(["call", sid, "--redis-url", "redis://127.0.0.1:1/0"])
        .env("RECDIAG_ACCEPT", "FAILED_JOBS")
        .run();
    assert!(r.stdout.contains(sid), "{}{}", r.stdout, r.stderr);
}

/// `-q`: nothing on stdout, the exit code carries the verdict; errors
/// still reach stderr and --output is still written.
#[test]
fn quiet_prints_nothing_but_keeps_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let r = Recdiag::new()
        .args(["dir", "-q", "--recordings-dir"])
        .arg(&missing)
        .run();
    r.assert_code(2);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let out = dir.path().join("dir.prom");
    let r = Recdiag::new()
        .args([
            "dir",
            "--quiet",
            "--format",
            "prometheus",
            "--recordings-dir",
        ])
        .arg(dir.path())
        .arg("--output")
        .arg(&out)
        .run();
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(written.contains("recdiag_up"), "{written}");
    let r = Recdiag::new()
        .args(["redis", "-q", "--timeout", "0s"])
        .run();
    r.assert_code(3);
    assert!(r.stderr.contains("--timeout"), "{}", r.stderr);
}

#[test]
fn only_and_skip_choose_checks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap();
    // Redis is not configured: UNKNOWN, unless skipped.
    let r = Recdiag::new()
        .args(["health", "--json", "--recordings-dir", path])
        .run();
    r.assert_code(3);
    let r = Recdiag::new()
        .args([
            "health",
            "--json",
            "--skip",
            "redis,queues",
            "--skip",
            "workers,runs,consistency",
            "--recordings-dir",
            path,
        ])
        .run();
    r.assert_code(0);
    let ids: Vec<_> = r.json()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].clone())
        .collect();
    assert_eq!(ids, ["recordings_dir"]);
    let r = Recdiag::new()
        .args(["health", "--json", "--only", "redis"])
        .run();
    r.assert_code(3);
    assert_eq!(r.json()["checks"].as_array().unwrap().len(), 1);
    let r = Recdiag::new()
        .args(["health", "--only", "redis", "--skip", "redis"])
        .run();
    r.assert_code(3);
}

#[test]
fn completions_are_generated() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = Recdiag::new().args(["completions", shell]).run();
        r.assert_code(0);
        assert!(r.stdout.contains("recdiag"), "{shell}");
    }
}

/// `--output` never destroys: `-` is stdout, a FIFO and a device are
/// written into, a directory or a symbolic link is refused, a regular
/// file keeps its mode; a failed write to stdout is exit 3.
#[test]
fn output_writes_into_what_is_not_a_regular_file() {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let run = |target: &std::path::Path| {
        Recdiag::new()
            .args(["redis", "--no-env-file", "--format", "nagios", "--output"])
            .arg(target)
            .run()
    };
    // A FIFO: its reader gets the report; it stays a FIFO.
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let r = run(&fifo);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    assert!(reader.join().unwrap().starts_with("RECDIAG UNKNOWN"));
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    // `-`: standard output, no file named '-'.
    let r = Recdiag::in_dir(dir.path())
        .args([
            "redis",
            "--no-env-file",
            "--format",
            "nagios",
            "--output",
            "-",
        ])
        .run();
    assert!(r.stdout.starts_with("RECDIAG UNKNOWN"), "{}", r.stdout);
    assert!(!dir.path().join("-").exists());
    // A device is written into, not replaced.
    let r = run(std::path::Path::new("/dev/null"));
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    // A directory, a directory path and a symbolic link: refused, exit 3.
    let real = dir.path().join("real.prom");
    std::fs::write(&real, "old").unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
    let link = dir.path().join("link.prom");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    for (target, why) in [
        (dir.path().to_path_buf(), "is a directory"),
        (dir.path().join("sub/"), "names a directory"),
        (link.clone(), "symbolic link"),
    ] {
        let r = run(&target);
        r.assert_code(3);
        assert!(r.stderr.contains(why), "{target:?}: {}", r.stderr);
        assert!(!r.stderr.contains("os error"), "{}", r.stderr);
    }
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "old");
    // A regular file is replaced whole and keeps its mode.
    run(&real);
    assert!(
        std::fs::read_to_string(&real)
            .unwrap()
            .starts_with("RECDIAG")
    );
    let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    // Standard output that cannot be written: exit 3, said on stderr.
    // (`dir` of an empty directory alone is OK, exit 0.)
    let full = std::process::Command::new(assert_cmd::cargo::cargo_bin("recdiag"))
        .args(["dir", "--no-env-file", "--recordings-dir"])
        .arg(dir.path())
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    assert_eq!(full.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&full.stderr);
    assert!(stderr.contains("no space left on device"), "{stderr}");
}

/// Files that never end or are not files — a FIFO whose writer stays
/// open, /dev/zero, a directory — given as a log, a .env file or a
/// certificate: a clear error within the timeout, never a wait without end
/// or memory without bound.
#[test]
fn hostile_files_end_within_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("never-ends");
    mkfifo(&fifo);
    // A writer that keeps the FIFO open for longer than the test waits.
    let mut writer = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("exec sleep 60 > '{}'", fifo.display()))
        .spawn()
        .unwrap();
    let sid = "CA00000000000000000000000000000001";
    let started = std::time::Instant::now();
    let r = Recdiag::new()
        .args(["call", sid, "--no-env-file", "--timeout", "2s", "--log"])
        .arg(&fifo)
        .run();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    let _ = writer.kill();
    let _ = writer.wait();
    r.assert_code(3);
    assert!(
        r.stderr.contains("not read to its end within 2s"),
        "{}",
        r.stderr
    );
    for (args, why) in [
        (
            vec!["call", sid, "--no-env-file", "--log", "/dev/zero"],
            "a device",
        ),
        (vec!["logs", "/dev/zero"], "a device"),
        (vec!["dir", "--env-file", "/dev/zero"], "not a regular file"),
        (
            vec![
                "runs",
                "--no-env-file",
                "--database-url",
                "postgresql://u@127.0.0.1:1/x?sslmode=verify-full&sslrootcert=/dev/zero",
            ],
            "not a regular file",
        ),
    ] {
        let started = std::time::Instant::now();
        let r = Recdiag::new().args(&args).run();
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "{args:?}"
        );
        r.assert_code(3);
        let said = format!("{}{}", r.stdout, r.stderr);
        assert!(said.contains(why), "{args:?}: {said}");
    }
    let r = Recdiag::new().args(["logs"]).arg(dir.path()).run();
    r.assert_code(3);
    assert!(r.stderr.contains("is a directory"), "{}", r.stderr);
}

/// A port that answers in no protocol, given as Redis and as PostgreSQL:
/// said in words (what answered, and what to check), never in the
/// driver's Debug dress.
#[test]
fn a_server_speaking_no_protocol_is_said_in_words() {
    let garbage = crate::support::GarbageListener::start();
    for (args, what) in [
        (
            vec![
                "redis".to_string(),
                "--redis-url".into(),
                format!("redis://127.0.0.1:{}/0", garbage.port),
            ],
            "not in the Redis protocol",
        ),
        (
            vec![
                "runs".to_string(),
                "--database-url".into(),
                format!("postgresql://u@127.0.0.1:{}/x", garbage.port),
            ],
            "not in the PostgreSQL protocol",
        ),
    ] {
        let r = Recdiag::new()
            .args(&args)
            .args(["--no-env-file", "--timeout", "3s"])
            .run();
        r.assert_code(2);
        assert!(r.stdout.contains(what), "{}", r.stdout);
        for debug in ["::", "(os error", "\\u{a}", "Parse error", "Unexpected `"] {
            assert!(!r.stdout.contains(debug), "{debug}: {}", r.stdout);
        }
    }
}

fn mkfifo(path: &std::path::Path) {
    let made = std::process::Command::new("mkfifo").arg(path).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo {path:?}");
}

/// RECDIAG_COMPOSE and RECDIAG_*_SERVICE put the deployment's own
/// commands in the hints, in the table and in JSON (escaped), from the
/// environment or the dotenv file; nonsense is a usage error.
#[test]
fn hints_use_the_deployment_s_compose_command() {
    let port = crate::support::free_port();
    let url = format!("redis://127.0.0.1:{port}/0");
    let r = Recdiag::new()
        .env("REDIS_URL", &url)
        .env("RECDIAG_COMPOSE", "docker compose -p prosaas")
        .env("RECDIAG_REDIS_SERVICE", "cache")
        .args(["redis"])
        .run();
    r.assert_code(2);
    assert!(
        r.stdout
            .contains("start Redis (docker compose -p prosaas ps cache)"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("docker-compose -f"), "{}", r.stdout);

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "RECDIAG_COMPOSE='docker compose -f \"/srv/app/compose.yml\"'\n",
    )
    .unwrap();
    let r = Recdiag::in_dir(dir.path())
        .env("REDIS_URL", &url)
        .args(["redis", "--format", "json"])
        .run();
    let hint = r.json()["checks"][0]["findings"][0]["hint"].clone();
    assert_eq!(
        hint,
        "start Redis (docker compose -f \"/srv/app/compose.yml\" ps redis) or fix the host/port in REDIS_URL"
    );

    let r = Recdiag::new()
        .env("REDIS_URL", &url)
        .env("RECDIAG_WORKER_SERVICE", "worker; reboot")
        .args(["redis"])
        .run();
    r.assert_code(3);
    assert!(r.stderr.contains("RECDIAG_WORKER_SERVICE"), "{}", r.stderr);
}

/// Thresholds that cannot mean anything are usage errors, named: a
/// warning level past its critical one (both given: one given alone moves
/// the other's default along, as `rq::thresholds_raise_backlog_stalled_and_failed`
/// relies on), a duration of no time.
#[test]
fn meaningless_thresholds_are_usage_errors() {
    for (args, name) in [
        (
            &["queues", "--max-backlog", "500", "--crit-backlog", "50"][..],
            "--crit-backlog",
        ),
        (
            &["queues", "--max-failed", "20", "--crit-failed", "10"][..],
            "--crit-failed",
        ),
        (
            &[
                "runs",
                "--min-completion-rate",
                "90",
                "--crit-completion-rate",
                "99",
            ][..],
            "--crit-completion-rate",
        ),
        (
            &[
                "dir",
                "--min-free-percent",
                "10",
                "--crit-free-percent",
                "50",
            ][..],
            "--crit-free-percent",
        ),
        (&["queues", "--max-queue-age", "0s"][..], "--max-queue-age"),
        (&["queues", "--crit-backlog", "0"][..], "--crit-backlog"),
        (&["failed", "--max-failed", "0"][..], "--max-failed"),
        (
            &["workers", "--stale-busy-heartbeat", "0s"][..],
            "--stale-busy-heartbeat",
        ),
    ] {
        let r = Recdiag::new().args(args).arg("--no-env-file").run();
        r.assert_code(3);
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
        assert!(r.stderr.contains(name), "{args:?}: {}", r.stderr);
    }
}
