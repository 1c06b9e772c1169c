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
