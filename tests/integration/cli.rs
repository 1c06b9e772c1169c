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
    ] {
        r.assert_code(3);
        assert!(r.stdout.is_empty(), "{}", r.stdout);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
        assert!(r.stderr.starts_with("recdiag: error: "), "{}", r.stderr);
    }
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
