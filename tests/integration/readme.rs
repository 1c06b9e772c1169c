//! The README's console examples are what the program prints: doc/examples.py
//! rebuilds each world and reruns each command; this test fails when a
//! block drifts. Refresh them with `UPDATE_GENERATED=1 cargo test readme`.

use std::path::PathBuf;
use std::process::Command;

use crate::support::python::{RQ_NEWEST, python_with_rq};

#[test]
fn examples_match_the_program() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let update = std::env::var_os("UPDATE_GENERATED").is_some();
    let bin = assert_cmd::cargo::cargo_bin("recdiag");
    let mut cmd = Command::new(python_with_rq(RQ_NEWEST));
    cmd.arg(root.join("doc/examples.py"))
        .current_dir(&root)
        .env("RECDIAG_BIN", &bin);
    if !update {
        cmd.arg("--check");
    }
    let out = cmd.output().expect("run doc/examples.py");
    assert!(
        out.status.success(),
        "README.md's examples drifted from the program (refresh: UPDATE_GENERATED=1 cargo test readme):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
