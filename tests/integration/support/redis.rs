//! Throwaway Redis servers, and a listener that never answers.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use super::{free_port, require_program, wait_until};

/// A real `redis-server` on a free port, killed when dropped.
pub struct RedisServer {
    child: Option<Child>,
    args: Vec<String>,
    pub port: u16,
    pub tls_port: Option<u16>,
    _dir: tempfile::TempDir,
}

impl RedisServer {
    /// A default server: no password, noeviction.
    pub fn start() -> Self {
        Self::with_args(&[])
    }

    /// A server with extra `--directive value` arguments.
    pub fn with_args(extra: &[&str]) -> Self {
        Self::launch(extra, false)
    }

    /// A server that also speaks TLS on `tls_port`, with a certificate from a
    /// private CA ([`Self::tls_ca`]).
    pub fn with_tls() -> Self {
        Self::launch(&[], true)
    }

    fn launch(extra: &[&str], tls: bool) -> Self {
        let bin = require_program("redis-server", "apt-get install redis-server");
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let mut args: Vec<String> = [
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            &dir.path().display().to_string(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut tls_port = None;
        if tls {
            let (cert, key) = private_ca_certificate(dir.path());
            let p = free_port();
            tls_port = Some(p);
            for a in [
                "--tls-port".to_string(),
                p.to_string(),
                "--tls-cert-file".into(),
                cert,
                "--tls-key-file".into(),
                key,
                "--tls-auth-clients".into(),
                "no".into(),
            ] {
                args.push(a);
            }
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let child = Command::new(bin)
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn redis-server");
        let server = RedisServer {
            child: Some(child),
            args,
            port,
            tls_port,
            _dir: dir,
        };
        let up = wait_until(Duration::from_secs(10), || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        assert!(up, "redis-server did not start on port {port}");
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// The private CA that signed the certificate of [`Self::with_tls`].
    pub fn tls_ca(&self) -> String {
        self._dir.path().join("ca.pem").display().to_string()
    }

    /// The TLS certificate and key of a server made by [`Self::with_tls`].
    pub fn tls_files(&self) -> (String, String) {
        (
            self._dir.path().join("cert.pem").display().to_string(),
            self._dir.path().join("key.pem").display().to_string(),
        )
    }

    /// Send one command in the inline protocol and return the raw reply.
    pub fn raw(&self, command: &str) -> String {
        self.raw_as(None, command)
    }

    /// The same, after `AUTH user password` when given.
    pub fn raw_as(&self, auth: Option<(&str, &str)>, command: &str) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to test redis");
        s.set_read_timeout(Some(Duration::from_secs(5))).ok();
        let mut script = String::new();
        if let Some((user, pw)) = auth {
            script.push_str(&format!("AUTH {user} {pw}\r\n"));
        }
        script.push_str(command);
        script.push_str("\r\nQUIT\r\n");
        s.write_all(script.as_bytes()).expect("write");
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    }

    /// Kill the server and start it again on the same port, empty — as the
    /// app's Redis comes back after a crash or `docker compose rm` (no
    /// volume of its own, no AOF).
    pub fn restart_empty(&mut self) {
        self.kill();
        let bin = require_program("redis-server", "apt-get install redis-server");
        let child = Command::new(bin)
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn redis-server");
        self.child = Some(child);
        let port = self.port;
        let up = wait_until(Duration::from_secs(10), || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        assert!(up, "redis-server did not restart on port {port}");
    }

    /// Stop the server now (the port stays closed).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A certificate for `127.0.0.1` and `localhost` signed by a private CA
/// made for the test (`ca.pem` beside it): unknown to any trust store, so
/// refused by default, and trusted when the CA is given.
fn private_ca_certificate(dir: &Path) -> (String, String) {
    let openssl = require_program("openssl", "apt-get install openssl");
    let run = |args: &[&str]| {
        let status = Command::new(&openssl)
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run openssl");
        assert!(status.success(), "openssl {args:?} failed");
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=recdiag test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "key.pem",
        "-out",
        "server.csr",
    ]);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write server.ext");
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        "server.ext",
        "-out",
        "cert.pem",
    ]);
    (
        dir.join("cert.pem").display().to_string(),
        dir.join("key.pem").display().to_string(),
    )
}

/// Accepts TCP connections and never answers: the worst kind of server.
pub struct SilentListener {
    pub port: u16,
    stop: Arc<AtomicBool>,
}

/// A listener on a free loopback port whose every connection goes to
/// `each` until `stop` is set: (port, stop).
pub fn listen(
    mut each: impl FnMut(std::net::TcpStream) + Send + 'static,
) -> (u16, Arc<AtomicBool>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    listener.set_nonblocking(true).expect("nonblocking");
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    thread::spawn(move || {
        while !flag.load(Ordering::Relaxed) {
            if let Ok((conn, _)) = listener.accept() {
                each(conn);
            }
            thread::sleep(Duration::from_millis(10));
        }
    });
    (port, stop)
}

impl SilentListener {
    pub fn start() -> Self {
        let mut held = Vec::new();
        let (port, stop) = listen(move |conn| held.push(conn));
        SilentListener { port, stop }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }
}

/// A server that answers anything with bytes of no protocol (an HTTP
/// reply, say): what an operator gets pointing recdiag at the wrong port.
pub struct GarbageListener {
    pub port: u16,
    stop: Arc<AtomicBool>,
}

impl GarbageListener {
    pub fn start() -> Self {
        let (port, stop) = listen(|mut conn| {
            use std::io::{Read, Write};
            let _ = conn.set_nonblocking(false);
            let _ = conn.set_read_timeout(Some(Duration::from_millis(500)));
            let mut buf = [0u8; 1024];
            let _ = conn.read(&mut buf);
            let _ =
                conn.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n$garbage\n");
        });
        GarbageListener { port, stop }
    }
}

impl Drop for GarbageListener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl Drop for SilentListener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
