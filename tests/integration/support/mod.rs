//! The test harness: real services per test, the built binary, a clean
//! environment. A service that cannot start fails the test and says how to
//! get it; nothing is skipped silently.

#![allow(dead_code)]

pub mod app;
pub mod fixtures;
pub mod pgbouncer;
pub mod pgserver;
pub mod postgres;
pub mod prometheus;
pub mod python;
pub mod redis;
pub mod schema;
pub mod sentinel;
pub mod sqlite;
pub mod world;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::thread;
use std::time::Duration;

pub use self::postgres::PgDb;
pub use self::redis::{GarbageListener, RedisServer, SilentListener};

/// The recdiag binary with an empty environment (PATH only), run in a fresh
/// directory with no `.env`, so the developer's settings never leak in.
pub struct Recdiag {
    cmd: assert_cmd::Command,
    _cwd: Option<tempfile::TempDir>,
}

impl Recdiag {
    pub fn new() -> Self {
        let cwd = tempfile::tempdir().expect("temp dir");
        let mut r = Self::in_dir(cwd.path());
        r._cwd = Some(cwd);
        r
    }

    /// Run in `dir` (which may hold a `.env`).
    pub fn in_dir(dir: &Path) -> Self {
        let mut cmd = assert_cmd::Command::cargo_bin("recdiag").expect("recdiag binary");
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("RUST_BACKTRACE", "0")
            .current_dir(dir)
            .timeout(Duration::from_secs(60));
        Recdiag { cmd, _cwd: None }
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    pub fn arg(mut self, arg: impl AsRef<std::ffi::OsStr>) -> Self {
        self.cmd.arg(arg);
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    pub fn run(mut self) -> Run {
        let output = self.cmd.output().expect("run recdiag");
        Run::from(output)
    }
}

/// The result of one run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// The check with this id in a JSON report.
    pub fn check(&self, id: &str) -> serde_json::Value {
        self.json()["checks"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["id"] == id).cloned())
            .unwrap_or_else(|| panic!("no check {id} in:\n{}", self.stdout))
    }

    /// Finding codes of one check.
    pub fn codes(&self, id: &str) -> Vec<String> {
        self.check(id)["findings"]
            .as_array()
            .map(|f| {
                f.iter()
                    .map(|f| f["code"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every finding of a report, across its checks.
    pub fn all_findings(&self) -> Vec<serde_json::Value> {
        self.json()["checks"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|c| c["findings"].as_array().cloned().unwrap_or_default())
            .collect()
    }

    /// Every finding code of a report, across its checks.
    pub fn all_codes(&self) -> Vec<String> {
        self.all_findings()
            .iter()
            .map(|f| f["code"].as_str().unwrap_or("").to_string())
            .collect()
    }

    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// No output stream carries `secret`.
    pub fn assert_hides(&self, secret: &str) -> &Self {
        assert!(
            !self.stdout.contains(secret) && !self.stderr.contains(secret),
            "secret {secret:?} leaked\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// A TCP port nobody listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local addr").port()
}

/// Look a program up on PATH, failing the test with how to install it.
pub fn require_program(name: &str, how: &str) -> PathBuf {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join(name))
                .find(|p| p.is_file())
        })
        .unwrap_or_else(|| panic!("{name} is not installed: {how} (.ci/run installs it)"))
}

/// This process runs as root (PostgreSQL and PgBouncer refuse to: they
/// are run as the `postgres` user then).
pub fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// recdiag as a process that permission bits stop: as root (whom they do
/// not stop), run as `nobody` through setpriv. Its environment is empty
/// and it runs from `/`, where no dotenv file is.
pub fn unprivileged_recdiag() -> std::process::Command {
    let bin = assert_cmd::cargo::cargo_bin("recdiag");
    let mut cmd = if is_root() {
        let setpriv = require_program("setpriv", "apt-get install util-linux");
        let mut c = std::process::Command::new(setpriv);
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin);
        c
    } else {
        std::process::Command::new(&bin)
    };
    cmd.env_clear().current_dir("/");
    cmd
}

/// As root, hand `dir` to the `postgres` user, who runs the servers.
pub fn give_to_postgres(dir: &Path) {
    if is_root() {
        let status = std::process::Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir)
            .status()
            .expect("chown");
        assert!(status.success(), "chown -R postgres {}", dir.display());
    }
}

/// Poll `ready` until it holds or `limit` passes.
pub fn wait_until(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let step = Duration::from_millis(20);
    let mut waited = Duration::ZERO;
    while waited < limit {
        if ready() {
            return true;
        }
        thread::sleep(step);
        waited += step;
    }
    ready()
}

/// Debian's `packages`, downloaded with `apt-get download` into `dir` and
/// unpacked into `dir/root` (nothing is installed on the machine), once:
/// a `.ready` mark and `wanted` (a path under the root) say it was done.
/// Returns the root. Callers hold their own lock.
pub fn unpacked_debs(dir: &Path, packages: &[&str], wanted: &str) -> PathBuf {
    let root = dir.join("root");
    if dir.join(".ready").is_file() && root.join(wanted).is_file() {
        return root;
    }
    let apt = require_program(
        "apt-get",
        &format!(
            "install {} with apt-get, or run on Debian",
            packages.join(" ")
        ),
    );
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("make the download directory");
    let out = std::process::Command::new(apt)
        .arg("download")
        .args(packages)
        .current_dir(dir)
        .output()
        .expect("run apt-get download");
    assert!(
        out.status.success(),
        "apt-get download {} failed (install them with apt-get, or give this machine \
         Debian's package index): {}",
        packages.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    for deb in std::fs::read_dir(dir).expect("list downloads").flatten() {
        let path = deb.path();
        if path.extension().is_some_and(|e| e == "deb") {
            let status = std::process::Command::new("dpkg-deb")
                .arg("-x")
                .arg(&path)
                .arg(&root)
                .status()
                .expect("run dpkg-deb");
            assert!(status.success(), "dpkg-deb -x {} failed", path.display());
        }
    }
    assert!(
        root.join(wanted).is_file(),
        "{} held no {wanted}",
        packages.join(" ")
    );
    std::fs::write(dir.join(".ready"), "").expect("mark the download done");
    root
}
