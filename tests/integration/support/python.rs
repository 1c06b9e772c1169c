//! Python for the tests, made by the tests: one virtualenv per rq version
//! under `target/test-python/`, with rq, psycopg and prometheus_client
//! installed from PyPI the first time, reused after. Nothing is installed
//! by hand and nothing is skipped: a venv that cannot be made fails the
//! test, saying why.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

use super::require_program;

/// The rq the app pins (its lock file) and the newest release.
pub const RQ_APP: &str = "2.6.1";
pub const RQ_NEWEST: &str = "3.0.0";
/// Both, for tests that must hold on each.
pub const RQ_REAL_FLOW: [&str; 2] = [RQ_APP, RQ_NEWEST];

static MAKING: Mutex<()> = Mutex::new(());

fn root() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("test-python")
}

/// The interpreter of a venv with `rq==<rq>` (made on first use).
pub fn python_with_rq(rq: &str) -> PathBuf {
    venv(
        &format!("rq-{rq}"),
        &[
            &format!("rq=={rq}"),
            "psycopg[binary]>=3.1,<4",
            "prometheus_client>=0.20,<1",
        ],
    )
}

/// An interpreter with prometheus_client, for parsing textfiles.
pub fn python_with_prometheus() -> PathBuf {
    python_with_rq(RQ_NEWEST)
}

fn venv(name: &str, packages: &[&str]) -> PathBuf {
    let _guard = MAKING.lock().unwrap_or_else(|e| e.into_inner());
    let dir = root().join(name);
    let python = dir.join("bin/python");
    let ready = dir.join(".ready");
    if ready.is_file() && python.is_file() {
        return python;
    }
    let python3 = require_program("python3", "apt-get install python3 python3-venv");
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(python3)
        .args(["-m", "venv"])
        .arg(&dir)
        .output()
        .expect("run python3 -m venv");
    assert!(
        out.status.success(),
        "python3 -m venv {} failed (apt-get install python3-venv): {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(&python)
        .args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
        .args(packages)
        .output()
        .expect("run pip");
    assert!(
        out.status.success(),
        "pip install {packages:?} into {} failed (the tests need PyPI): {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&ready, packages.join("\n")).expect("mark the venv ready");
    python
}
