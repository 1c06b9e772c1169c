//! Real Redis Sentinels (`redis-server --sentinel`) on free ports, watching
//! a real master and its replica, with timings short enough for a test
//! failover (down after 1 s).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::{RedisServer, free_port, require_program, wait_until};

pub const MASTER: &str = "mymaster";

/// One sentinel, killed when dropped.
pub struct Sentinel {
    child: Option<Child>,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Sentinel {
    /// A sentinel watching the master on `master_port`. `auth`: the
    /// master's password; `own`: this sentinel's own password.
    pub fn start(master_port: u16, auth: Option<&str>, own: Option<&str>) -> Sentinel {
        Self::launch(master_port, auth, own, None)
    }

    /// A sentinel that speaks only TLS, to its clients and to the master
    /// (whose TLS port is `master_port`), with this certificate and key.
    pub fn start_tls(master_port: u16, cert: &str, key: &str) -> Sentinel {
        Self::launch(master_port, None, None, Some((cert, key)))
    }

    fn launch(
        master_port: u16,
        auth: Option<&str>,
        own: Option<&str>,
        tls: Option<(&str, &str)>,
    ) -> Sentinel {
        let bin = require_program("redis-server", "apt-get install redis-server");
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let listen = match tls {
            None => format!("port {port}\n"),
            Some((cert, key)) => format!(
                "port 0\ntls-port {port}\ntls-cert-file {cert}\ntls-key-file {key}\n\
                 tls-ca-cert-file {cert}\ntls-auth-clients no\ntls-replication yes\n"
            ),
        };
        let mut conf = format!(
            "{listen}bind 127.0.0.1\ndir {}\n\
             sentinel monitor {MASTER} 127.0.0.1 {master_port} 2\n\
             sentinel down-after-milliseconds {MASTER} 1000\n\
             sentinel failover-timeout {MASTER} 5000\n\
             sentinel parallel-syncs {MASTER} 1\n",
            dir.path().display()
        );
        if let Some(pw) = auth {
            conf.push_str(&format!("sentinel auth-pass {MASTER} {pw}\n"));
        }
        if let Some(pw) = own {
            conf.push_str(&format!("requirepass {pw}\n"));
        }
        // Sentinel rewrites its file: it must be writable.
        let path = dir.path().join("sentinel.conf");
        std::fs::write(&path, conf).expect("sentinel.conf");
        let child = Command::new(bin)
            .arg(&path)
            .arg("--sentinel")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn redis-server --sentinel");
        let up = wait_until(Duration::from_secs(10), || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        assert!(up, "sentinel did not start on port {port}");
        Sentinel {
            child: Some(child),
            port,
            _dir: dir,
        }
    }

    /// The master's port this sentinel names now (None: none yet).
    pub fn master_port(&self, own: Option<&str>) -> Option<u16> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(2))).ok();
        let mut script = String::new();
        if let Some(pw) = own {
            script.push_str(&format!("AUTH {pw}\r\n"));
        }
        script.push_str(&format!(
            "SENTINEL get-master-addr-by-name {MASTER}\r\nQUIT\r\n"
        ));
        s.write_all(script.as_bytes()).ok()?;
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        // *2 $9 127.0.0.1 $4 6380 …
        let lines: Vec<&str> = out.lines().collect();
        let at = lines.iter().position(|l| *l == "127.0.0.1")?;
        lines.get(at + 2)?.trim().parse().ok()
    }

    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Sentinel {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A replica of the master on `master_port`.
pub fn replica_of(master_port: u16, auth: Option<&str>) -> RedisServer {
    let port = master_port.to_string();
    let mut args = vec!["--replicaof", "127.0.0.1", port.as_str()];
    if let Some(pw) = auth {
        args.extend(["--masterauth", pw, "--requirepass", pw]);
    }
    let replica = RedisServer::with_args(&args);
    let synced = wait_until(Duration::from_secs(20), || {
        let info = match auth {
            Some(pw) => replica.raw_as(Some(("default", pw)), "INFO replication"),
            None => replica.raw("INFO replication"),
        };
        info.contains("master_link_status:up")
    });
    assert!(synced, "the replica did not sync with its master");
    replica
}

/// Three sentinels that all see the master and its replica.
pub fn sentinels(master_port: u16, auth: Option<&str>, own: Option<&str>) -> Vec<Sentinel> {
    let s: Vec<Sentinel> = (0..3)
        .map(|_| Sentinel::start(master_port, auth, own))
        .collect();
    let ready = wait_until(Duration::from_secs(20), || {
        s.iter().all(|x| x.master_port(own) == Some(master_port))
    });
    assert!(ready, "the sentinels did not all see the master");
    s
}

/// `redis+sentinel://` for these sentinels.
pub fn url(sentinels: &[Sentinel], userinfo: &str, query: &str) -> String {
    let hosts: Vec<String> = sentinels
        .iter()
        .map(|s| format!("127.0.0.1:{}", s.port))
        .collect();
    format!(
        "redis+sentinel://{userinfo}{}/{MASTER}/0{query}",
        hosts.join(",")
    )
}
