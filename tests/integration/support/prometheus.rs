//! Debian's `prometheus` package (promtool, prometheus): used from the
//! machine when installed, else fetched with `apt-get download` into
//! `target/test-prometheus/` the first time and unpacked there — nothing
//! is installed on the machine (as the PgBouncer harness does).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use super::require_program;

static FETCHING: Mutex<()> = Mutex::new(());

fn cache() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("test-prometheus")
}

/// `usr/bin/<name>` of Debian's `package`.
fn binary(package: &str, name: &str) -> PathBuf {
    let installed = PathBuf::from("/usr/bin").join(name);
    if installed.is_file() {
        return installed;
    }
    let _guard = FETCHING.lock().unwrap_or_else(|e| e.into_inner());
    let dir = cache().join(package);
    let root = dir.join("root");
    let bin = root.join("usr/bin").join(name);
    if dir.join(".ready").is_file() && bin.is_file() {
        return bin;
    }
    let apt = require_program(
        "apt-get",
        &format!("install {package} (apt-get install {package}), or run on Debian"),
    );
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("make target/test-prometheus");
    let out = Command::new(apt)
        .args(["download", package])
        .current_dir(&dir)
        .output()
        .expect("run apt-get download");
    assert!(
        out.status.success(),
        "apt-get download {package} failed (install it with apt-get, or give this machine \
         Debian's package index): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for deb in std::fs::read_dir(&dir).expect("list downloads").flatten() {
        let path = deb.path();
        if path.extension().is_some_and(|e| e == "deb") {
            let status = Command::new("dpkg-deb")
                .arg("-x")
                .arg(&path)
                .arg(&root)
                .status()
                .expect("run dpkg-deb");
            assert!(status.success(), "dpkg-deb -x {} failed", path.display());
        }
    }
    assert!(
        bin.is_file(),
        "the {package} package held no usr/bin/{name}"
    );
    std::fs::write(dir.join(".ready"), "").expect("mark the download done");
    bin
}

/// promtool, from Debian's `prometheus`.
pub fn promtool() -> PathBuf {
    binary("prometheus", "promtool")
}

/// Run promtool with `args` in `dir`; (success, stdout and stderr).
pub fn run_promtool(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(promtool())
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run promtool");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}
