//! Generated files kept in the repository must match what the binary
//! generates now. Refresh them with `UPDATE_GENERATED=1 cargo test generated`.

use std::fs;
use std::path::PathBuf;

use crate::support::Recdiag;

const COMPLETIONS: [(&str, &str); 5] = [
    ("bash", "recdiag.bash"),
    ("zsh", "_recdiag"),
    ("fish", "recdiag.fish"),
    ("powershell", "_recdiag.ps1"),
    ("elvish", "recdiag.elv"),
];

#[test]
fn completions_in_the_repo_are_current() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("completions");
    let update = std::env::var_os("UPDATE_GENERATED").is_some();
    let mut stale = Vec::new();
    for (shell, file) in COMPLETIONS {
        let r = Recdiag::new().args(["completions", shell]).run();
        r.assert_code(0);
        let path = dir.join(file);
        if update {
            fs::create_dir_all(&dir).unwrap();
            fs::write(&path, &r.stdout).unwrap();
        } else if fs::read_to_string(&path).ok().as_deref() != Some(r.stdout.as_str()) {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "completions/{stale:?} are out of date: run UPDATE_GENERATED=1 cargo test generated"
    );
}

#[test]
fn man_page_in_the_repo_is_current() {
    let r = Recdiag::new().args(["man"]).run();
    r.assert_code(0);
    assert!(
        r.stdout.starts_with(".ie") || r.stdout.contains(".TH recdiag"),
        "{}",
        &r.stdout[..200.min(r.stdout.len())]
    );
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("doc/recdiag.1");
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, &r.stdout).unwrap();
    }
    assert_eq!(
        fs::read_to_string(&path).unwrap_or_default(),
        r.stdout,
        "doc/recdiag.1 is out of date: run UPDATE_GENERATED=1 cargo test generated"
    );
}
