//! The app as it really runs (spec §1), for a test: its own Redis, its own
//! PostgreSQL database with the production schema, its own recordings
//! directory, real `rq worker` processes running the fixture job module
//! (tests/fixtures/app), and tests/fixtures/app_api.py playing the API,
//! the scheduler, `rq suspend` and the passing of time.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::fixtures::redis_cmd;
use super::python::python_with_rq;
use super::{PgDb, Recdiag, RedisServer, wait_until};

pub struct AppWorld {
    pub redis: RedisServer,
    pub db: PgDb,
    pub dir: tempfile::TempDir,
    pub rq: String,
    python: PathBuf,
    logs: tempfile::TempDir,
    workers: Vec<Child>,
    /// The app's LOG_LEVEL for the workers' log (INFO unless set).
    log_level: &'static str,
    /// More environment for the app's processes (e.g. RQ_KEY_PREFIX).
    extra_env: Vec<(String, String)>,
}

/// A call SID made from a small number: `CA` and 32 hex digits.
pub fn sid(n: u32) -> String {
    format!("CA{n:032x}")
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

impl AppWorld {
    pub fn new(rq: &str) -> AppWorld {
        Self::with_redis_args(rq, &[])
    }

    /// With extra redis-server arguments (e.g. the app's compose settings).
    pub fn with_redis_args(rq: &str, args: &[&str]) -> AppWorld {
        let python = python_with_rq(rq);
        AppWorld {
            redis: RedisServer::with_args(args),
            db: PgDb::with_schema(),
            dir: tempfile::tempdir().expect("temp dir"),
            rq: rq.to_string(),
            python,
            logs: tempfile::tempdir().expect("temp dir"),
            workers: Vec::new(),
            log_level: "INFO",
            extra_env: Vec::new(),
        }
    }

    /// The app's processes (workers, API) run with this variable set.
    pub fn with_app_env(mut self, name: &str, value: &str) -> AppWorld {
        self.extra_env.push((name.to_string(), value.to_string()));
        self
    }

    /// The prefix of RQ's keys the app's processes write under.
    fn rq_prefix(&self) -> &str {
        self.extra_env
            .iter()
            .find(|(k, _)| k == "RQ_KEY_PREFIX")
            .map_or("rq", |(_, v)| v.as_str())
    }

    /// The workers' log at DEBUG: the app's first download logger writes
    /// its INFO lines too, so each [DOWNLOAD_ONLY] line comes twice.
    pub fn with_debug_log(mut self) -> AppWorld {
        self.log_level = "DEBUG";
        self
    }

    fn env(&self, cmd: &mut Command) {
        cmd.env("REDIS_URL", self.redis.url())
            .env("DATABASE_URL", self.db.url())
            .env("RECORDINGS_DIR", self.dir.path())
            .env("RECDIAG_FIXTURE_LOG", self.log_path())
            .env("RECDIAG_FIXTURE_LOG_LEVEL", self.log_level)
            .env("PYTHONDONTWRITEBYTECODE", "1");
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
    }

    /// The workers' log, in the app's line format.
    pub fn log_path(&self) -> PathBuf {
        self.logs.path().join("worker.log")
    }

    /// Run app_api.py steps in order; their report, one line each.
    pub fn steps(&self, steps: &[&str]) -> String {
        let mut cmd = Command::new(&self.python);
        cmd.arg(fixtures().join("app_api.py")).args(steps);
        self.env(&mut cmd);
        let out = cmd.output().expect("run app_api.py");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "app_api.py {steps:?} (rq {}) failed:\n{stdout}\n{}",
            self.rq,
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    /// Run app_api.py steps in the background (e.g. `churn:SECONDS`);
    /// wait for the child to read what they printed.
    pub fn spawn_steps(&self, steps: &[&str]) -> Child {
        let mut cmd = Command::new(&self.python);
        cmd.arg(fixtures().join("app_api.py"))
            .args(steps)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        self.env(&mut cmd);
        cmd.spawn().expect("spawn app_api.py")
    }

    /// tests/fixtures/busy_pipeline.py: a healthy app under load (real
    /// workers, calls opened and reopened by the player) with recdiag's
    /// `health` and `call` run every 2 s; its summary and one JSON line per
    /// recdiag run.
    pub fn busy(&self, args: &[&str]) -> (String, Vec<serde_json::Value>) {
        let out_path = self.logs.path().join("busy.jsonl");
        let bin = assert_cmd::cargo::cargo_bin("recdiag");
        let mut cmd = Command::new(&self.python);
        cmd.arg(fixtures().join("busy_pipeline.py"))
            .args(args)
            .arg("--recdiag")
            .arg(&bin)
            .arg("--out")
            .arg(&out_path)
            .stderr(Stdio::null());
        self.env(&mut cmd);
        let out = cmd.output().expect("run busy_pipeline.py");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "busy_pipeline.py {args:?} (rq {}) failed:\n{stdout}",
            self.rq
        );
        let rows = std::fs::read_to_string(&out_path)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        (stdout, rows)
    }

    /// A long-running `rq worker` on the app's queues, registered before this returns.
    pub fn start_worker(&mut self) {
        let before = self.registered_workers();
        let child = self.spawn_worker(None);
        self.workers.push(child);
        let up = wait_until(Duration::from_secs(30), || {
            self.registered_workers() > before
        });
        assert!(up, "the rq {} worker did not register within 30 s", self.rq);
    }

    /// A long-running `rq worker` on the app's queues named `name`, as
    /// the app names every worker container (`prosaas-worker-1`); its
    /// output (RQ's lines) goes to the workers' log.
    pub fn spawn_worker(&self, name: Option<&str>) -> Child {
        let mut cmd = Command::new(&self.python);
        cmd.arg(fixtures().join("app_api.py")).arg("worker");
        if let Some(name) = name {
            cmd.arg("high,default,low,maintenance,broadcasts,recordings")
                .arg(name);
        }
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
        self.env(&mut cmd);
        cmd.spawn().expect("spawn rq worker")
    }

    /// Keep a worker started with [`AppWorld::spawn_worker`] (killed with the world).
    pub fn adopt_worker(&mut self, child: Child) {
        self.workers.push(child);
    }

    /// SIGKILL the work-horses of the long-running workers (the OOM
    /// killer's choice: the forked child running a job); how many.
    pub fn kill_work_horses(&self) -> usize {
        let mut killed = 0;
        for w in &self.workers {
            for pid in children(w.id()) {
                let ok = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status()
                    .is_ok_and(|s| s.success());
                killed += usize::from(ok);
            }
        }
        killed
    }

    /// Stop the long-running workers the way `docker stop` does (SIGTERM, a warm shutdown).
    pub fn stop_workers(&mut self) {
        for mut child in self.workers.drain(..) {
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            if !wait_until(Duration::from_secs(20), || {
                child.try_wait().ok().flatten().is_some()
            }) {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
    }

    /// Kill the long-running workers with SIGKILL (the OOM killer, `docker
    /// kill`): no warm shutdown, their keys stay until they expire.
    pub fn kill_workers(&mut self) {
        for mut child in self.workers.drain(..) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn registered_workers(&self) -> i64 {
        let key = format!("{}:workers", self.rq_prefix());
        match redis_cmd(&self.redis, &[b"SCARD", key.as_bytes()]) {
            redis::Value::Int(n) => n,
            _ => 0,
        }
    }

    /// recdiag pointed at this world.
    pub fn recdiag(&self) -> Recdiag {
        Recdiag::new()
            .env("REDIS_URL", self.redis.url())
            .env("DATABASE_URL", self.db.url())
            .env("RECORDINGS_DIR", self.dir.path())
    }

    /// Wait (90 s at most) until the worker has downloaded every call.
    pub fn wait_for_files(&self, sids: &[String]) {
        let done = wait_until(Duration::from_secs(90), || {
            sids.iter().all(|s| self.file(s).is_file())
        });
        assert!(done, "rq {}: the worker did not download {sids:?}", self.rq);
    }

    pub fn file(&self, sid: &str) -> PathBuf {
        self.dir.path().join(format!("{sid}.mp3"))
    }

    pub fn dir_path(&self) -> &Path {
        self.dir.path()
    }

    /// One value from the test database.
    pub fn query(&self, sql: &str) -> String {
        let out = Command::new("psql")
            .arg(self.db.url())
            .args(["-qAtc", sql])
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

/// The processes whose parent is `pid` (from /proc).
fn children(pid: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let child: u32 = e.ok()?.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).ok()?;
        // `pid (comm) state ppid …`: comm may hold spaces and parentheses.
        let after = stat.get(stat.rfind(')')? + 1..)?;
        let ppid: u32 = after.split_whitespace().nth(1)?.parse().ok()?;
        (ppid == pid).then_some(child)
    })
    .collect()
}

impl Drop for AppWorld {
    fn drop(&mut self) {
        for child in &mut self.workers {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
