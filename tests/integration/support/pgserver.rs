//! A throwaway PostgreSQL server of our own (initdb on a free port), for the
//! faults that need a server to stop: the machine's shared server stays up.

use std::path::PathBuf;
use std::process::{Command, Output};

use super::{free_port, give_to_postgres, is_root, require_program};

pub struct PgServer {
    pub port: u16,
    bin: PathBuf,
    dir: tempfile::TempDir,
    running: bool,
    extra: String,
}

fn bin_dir() -> PathBuf {
    let root = PathBuf::from("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|_| {
            panic!(
                "PostgreSQL server binaries not found under {} (apt-get install postgresql)",
                root.display()
            )
        })
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").is_file())
        .collect();
    versions.sort();
    versions
        .pop()
        .expect("no initdb under /usr/lib/postgresql/*/bin (apt-get install postgresql)")
}

/// Run a PostgreSQL tool; as root, as the postgres user (the server refuses root).
fn as_postgres(program: &PathBuf, args: &[&str]) -> Output {
    let mut cmd = if is_root() {
        let runuser = require_program("runuser", "apt-get install util-linux");
        let mut c = Command::new(runuser);
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    cmd.args(args).output().expect("run a PostgreSQL tool")
}

impl PgServer {
    pub fn start() -> PgServer {
        Self::start_with("")
    }

    /// Start with extra server options, e.g. `-c log_statement=all`.
    pub fn start_with(extra: &str) -> PgServer {
        Self::launch(extra, None)
    }

    /// A server that wants the password `password` for user postgres
    /// (scram-sha-256), so authentication failures can be shown.
    pub fn with_password(password: &str) -> PgServer {
        Self::launch("", Some(password))
    }

    fn launch(extra: &str, password: Option<&str>) -> PgServer {
        let bin = bin_dir();
        let dir = tempfile::Builder::new()
            .prefix("recdiag-pg")
            .tempdir_in("/tmp")
            .expect("temp dir");
        give_to_postgres(dir.path());
        let data = dir.path().join("data");
        let data_s = data.display().to_string();
        let pwfile = dir.path().join("pw");
        let pwfile_s = pwfile.display().to_string();
        let mut args = vec!["-D", &data_s, "-U", "postgres", "--no-sync"];
        match password {
            Some(pw) => {
                std::fs::write(&pwfile, pw).expect("password file");
                if is_root() {
                    let _ = Command::new("chown")
                        .args(["postgres:postgres", &pwfile_s])
                        .status();
                }
                args.extend(["-A", "scram-sha-256", "--pwfile", &pwfile_s]);
            }
            None => args.extend(["-A", "trust"]),
        }
        let out = as_postgres(&bin.join("initdb"), &args);
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = free_port();
        let mut server = PgServer {
            port,
            bin,
            dir,
            running: false,
            extra: extra.to_string(),
        };
        server.up();
        server
    }

    fn up(&mut self) {
        let data = self.dir.path().join("data").display().to_string();
        let sock = self.dir.path().display().to_string();
        let opts = format!(
            "-p {} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off {}",
            self.port, self.extra
        );
        let log = self.dir.path().join("log").display().to_string();
        let out = as_postgres(
            &self.bin.join("pg_ctl"),
            &["-D", &data, "-o", &opts, "-l", &log, "-w", "start"],
        );
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.running = true;
    }

    /// Stop the server at once (immediate mode, like a crash).
    pub fn stop(&mut self) {
        if self.running {
            let data = self.dir.path().join("data").display().to_string();
            let _ = as_postgres(
                &self.bin.join("pg_ctl"),
                &["-D", &data, "-m", "immediate", "-w", "stop"],
            );
            self.running = false;
        }
    }

    /// Run psql on database `db` as the admin (test set-up), asserting it worked.
    pub fn psql(&self, db: &str, args: &[&str]) {
        let out = Command::new("psql")
            .arg(self.url(db))
            .args(args)
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "psql {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        self.stop();
    }
}

impl PgServer {
    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }
}
