//! A real PgBouncer in transaction mode, on a free port, in front of the
//! machine's PostgreSQL. Debian's `pgbouncer` is used when it is installed;
//! otherwise its package (and libc-ares, its one library this kind of
//! machine lacks) is fetched with `apt-get download` into
//! `target/test-pgbouncer/` the first time and unpacked there — nothing is
//! installed on the machine. PgBouncer refuses to run as root, so as root
//! it runs as the `postgres` user, from a copy in its own directory.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use super::{free_port, give_to_postgres, is_root, require_program, wait_until};

static FETCHING: Mutex<()> = Mutex::new(());

fn cache() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("test-pgbouncer")
}

/// The pgbouncer binary, and a directory of libraries it needs (if any).
fn binary() -> (PathBuf, Option<PathBuf>) {
    for installed in ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"] {
        if Path::new(installed).is_file() {
            return (PathBuf::from(installed), None);
        }
    }
    let _guard = FETCHING.lock().unwrap_or_else(|e| e.into_inner());
    let root = super::unpacked_debs(&cache(), &["pgbouncer", "libc-ares2"], "usr/sbin/pgbouncer");
    (
        root.join("usr/sbin/pgbouncer"),
        Some(root.join("usr/lib/x86_64-linux-gnu")),
    )
}

/// PgBouncer, `pool_mode = transaction`, `default_pool_size = 2` (so that
/// clients share server connections), trust auth, killed when dropped.
pub struct PgBouncer {
    child: Option<Child>,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl PgBouncer {
    /// In front of the PostgreSQL at 127.0.0.1:`upstream`.
    pub fn start(upstream: u16) -> PgBouncer {
        let (bin, libs) = binary();
        let dir = tempfile::Builder::new()
            .prefix("recdiag-pgbouncer")
            .tempdir_in("/tmp")
            .expect("temp dir");
        let port = free_port();
        // A copy the postgres user can run, whatever the checkout's modes.
        let local_bin = dir.path().join("pgbouncer");
        std::fs::copy(&bin, &local_bin).expect("copy pgbouncer");
        let local_libs = dir.path().join("lib");
        std::fs::create_dir_all(&local_libs).expect("lib dir");
        if let Some(libs) = &libs {
            for lib in std::fs::read_dir(libs).into_iter().flatten().flatten() {
                let _ = std::fs::copy(lib.path(), local_libs.join(lib.file_name()));
            }
        }
        let users = dir.path().join("users.txt");
        std::fs::write(&users, "\"postgres\" \"\"\n").expect("auth file");
        let log = dir.path().join("pgbouncer.log");
        let ini = dir.path().join("pgbouncer.ini");
        std::fs::write(
            &ini,
            format!(
                "[databases]\n* = host=127.0.0.1 port={upstream}\n\n[pgbouncer]\n\
                 listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n\
                 auth_type = trust\nauth_file = {}\npool_mode = transaction\n\
                 default_pool_size = 2\nmax_client_conn = 200\nlogfile = {}\n\
                 server_reset_query =\n",
                users.display(),
                log.display()
            ),
        )
        .expect("pgbouncer.ini");
        let mut cmd = if is_root() {
            give_to_postgres(dir.path());
            let mut c = Command::new(require_program("runuser", "apt-get install util-linux"));
            c.args(["-u", "postgres", "--"]).arg(&local_bin);
            c
        } else {
            Command::new(&local_bin)
        };
        let child = cmd
            .arg(&ini)
            .env("LD_LIBRARY_PATH", &local_libs)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn pgbouncer");
        let bouncer = PgBouncer {
            child: Some(child),
            port,
            dir,
        };
        let up = wait_until(Duration::from_secs(10), || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        assert!(up, "pgbouncer did not start: {}", bouncer.log());
        bouncer
    }

    /// A URL through the pooler to database `db`.
    pub fn url(&self, db: &str) -> String {
        format!(
            "postgresql://postgres@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pgbouncer.log")).unwrap_or_default()
    }
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // runuser passes the signal on to pgbouncer.
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            if !wait_until(Duration::from_secs(3), || {
                matches!(child.try_wait(), Ok(Some(_)))
            }) {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
    }
}
