//! `recdiag dir` and the recordings_dir check against real directories.

use std::fs;
use std::path::Path;

use crate::support::{Recdiag, Run, unprivileged_recdiag};

fn dir_json(path: &Path) -> Run {
    Recdiag::new()
        .args(["dir", "--json", "--recordings-dir"])
        .args([path])
        .run()
}

#[test]
fn missing_directory_is_critical() {
    let tmp = tempfile::tempdir().unwrap();
    let r = dir_json(&tmp.path().join("recordings"));
    r.assert_code(2);
    assert_eq!(r.codes("recordings_dir"), ["RECORDINGS_DIR_MISSING"]);
    assert_eq!(r.check("recordings_dir")["metrics"]["exists"], false);
}

#[test]
fn a_file_where_the_directory_should_be_is_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("recordings");
    fs::write(&file, b"not a dir").unwrap();
    let r = dir_json(&file);
    r.assert_code(2);
    assert_eq!(r.codes("recordings_dir"), ["RECORDINGS_DIR_MISSING"]);
}

#[test]
fn empty_directory_is_ok() {
    let tmp = tempfile::tempdir().unwrap();
    let r = dir_json(tmp.path());
    r.assert_code(0);
    let m = &r.check("recordings_dir")["metrics"];
    assert_eq!(m["mp3_files"], 0);
    assert_eq!(m["total_bytes"], 0);
    assert_eq!(m["readable"], true);
    assert_eq!(m["writable"], true);
    assert!(m["newest_file_age_s"].is_null());
    assert!(m["free_bytes"].as_u64().unwrap() > 0);
}

#[test]
fn undersized_files_warn_and_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let good = "CA0123456789abcdef0123456789abcdef";
    let small = "CAffffffffffffffffffffffffffffffff";
    fs::write(tmp.path().join(format!("{good}.mp3")), vec![7u8; 5000]).unwrap();
    fs::write(tmp.path().join(format!("{small}.mp3")), vec![7u8; 1000]).unwrap();
    fs::write(tmp.path().join("notes.txt"), b"x").unwrap();
    let r = Recdiag::new()
        .args(["dir", "--json", "--recordings-dir"])
        .args([tmp.path()])
        .env("RECDIAG_NOW", "2099-01-01T00:00:00Z")
        .run();
    r.assert_code(1);
    let check = r.check("recordings_dir");
    // In 2099 these files are also long past the 7-day retention.
    assert_eq!(
        r.codes("recordings_dir"),
        ["UNDERSIZED_RECORDINGS", "RECORDINGS_NOT_CLEANED"]
    );
    assert_eq!(check["findings"][0]["subjects"], serde_json::json!([small]));
    let m = &check["metrics"];
    assert_eq!(m["mp3_files"], 2);
    assert_eq!(m["total_bytes"], 6000);
    assert_eq!(m["undersized_files"], 1);
    assert_eq!(m["other_entries"], 1);
    // "now" is pinned far ahead, so the newest file is decades old.
    assert!(m["newest_file_age_s"].as_f64().unwrap() > 1e9);
}

#[test]
fn disk_space_thresholds_are_applied() {
    let tmp = tempfile::tempdir().unwrap();
    let r = Recdiag::new()
        .args([
            "dir",
            "--json",
            "--min-free-percent",
            "100",
            "--recordings-dir",
        ])
        .args([tmp.path()])
        .run();
    r.assert_code(1);
    assert_eq!(r.codes("recordings_dir"), ["DISK_SPACE_LOW"]);
    let r = Recdiag::new()
        .args(["dir", "--json", "--recordings-dir"])
        .args([tmp.path()])
        .env("RECDIAG_MIN_FREE_PERCENT", "100")
        .env("RECDIAG_CRIT_FREE_PERCENT", "100")
        .run();
    r.assert_code(2);
    assert_eq!(
        r.check("recordings_dir")["findings"][0]["severity"],
        "critical"
    );
}

/// Root ignores permission bits, so as root these run recdiag as `nobody`
/// through setpriv; the directory is then really unreadable/unwritable
/// for the process. (What root itself cannot be shown: a directory root
/// cannot read. Only a read-only mount stops root's writes, and access(2)
/// reports that case the same way.)
fn run_unprivileged(path: &Path) -> Run {
    let mut cmd = unprivileged_recdiag();
    cmd.args(["dir", "--json", "--no-env-file", "--recordings-dir"])
        .arg(path);
    Run::from(cmd.output().expect("run recdiag"))
}

fn world_reachable_tempdir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::Builder::new()
        .prefix("recdiag-perm")
        .tempdir_in("/tmp")
        .unwrap();
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o755)).unwrap();
    tmp
}

#[test]
fn unreadable_directory_is_critical() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = world_reachable_tempdir();
    let rec = tmp.path().join("recordings");
    fs::create_dir(&rec).unwrap();
    fs::write(
        rec.join("CA0123456789abcdef0123456789abcdef.mp3"),
        vec![1u8; 4000],
    )
    .unwrap();
    fs::set_permissions(&rec, fs::Permissions::from_mode(0o311)).unwrap();
    let r = run_unprivileged(&rec);
    r.assert_code(2);
    assert!(
        r.codes("recordings_dir")
            .contains(&"RECORDINGS_DIR_UNREADABLE".to_string()),
        "{}",
        r.stdout
    );
    assert_eq!(r.check("recordings_dir")["metrics"]["readable"], false);
}

#[test]
fn unwritable_directory_is_critical_and_nothing_is_written() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = world_reachable_tempdir();
    let rec = tmp.path().join("recordings");
    fs::create_dir(&rec).unwrap();
    fs::write(
        rec.join("CA0123456789abcdef0123456789abcdef.mp3"),
        vec![1u8; 4000],
    )
    .unwrap();
    fs::set_permissions(&rec, fs::Permissions::from_mode(0o555)).unwrap();
    let before = fs::metadata(&rec).unwrap();
    let r = run_unprivileged(&rec);
    r.assert_code(2);
    assert_eq!(r.codes("recordings_dir"), ["RECORDINGS_DIR_NOT_WRITABLE"]);
    assert_eq!(r.check("recordings_dir")["metrics"]["mp3_files"], 1);
    let after = fs::metadata(&rec).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        (before.mtime_nsec(), before.ctime_nsec()),
        (after.mtime_nsec(), after.ctime_nsec())
    );
}

#[test]
fn table_output_shows_metrics_and_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let r = Recdiag::new()
        .args(["dir", "--recordings-dir"])
        .args([tmp.path().join("gone")])
        .run();
    r.assert_code(2);
    assert!(r.stdout.contains("RECORDINGS_DIR_MISSING"), "{}", r.stdout);
    assert!(r.stdout.contains("volume mount"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("CRITICAL — 1 critical across 1 check (exit 2)"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains('\u{1b}'), "colour on a pipe");
}

#[test]
fn hostile_file_names_are_escaped_in_tables() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("CA\u{1b}[2J\u{202e}evil.mp3"), b"x").unwrap();
    let r = Recdiag::new()
        .args(["dir", "--recordings-dir"])
        .args([tmp.path()])
        .run();
    r.assert_code(1);
    assert!(
        !r.stdout.contains('\u{1b}') && !r.stdout.contains('\u{202e}'),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("\\u{1b}[2J\\u{202e}evil"), "{}", r.stdout);
}
