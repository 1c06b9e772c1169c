//! Captures of what real RQ wrote (tests/fixtures/rq/*.json, made by
//! tests/fixtures/capture_rq.py), restored into a throwaway Redis.

use std::path::PathBuf;

use base64::Engine;
use serde::Deserialize;

use super::RedisServer;

#[derive(Deserialize)]
struct CaptureFile {
    rq_version: String,
    captured_at: String,
    keys: Vec<CapturedKey>,
}

#[derive(Deserialize)]
struct CapturedKey {
    key: String,
    dump: String,
}

/// A capture loaded into a server.
pub struct Capture {
    pub rq_version: String,
    /// When the capture was taken: pass it as RECDIAG_NOW so ages hold.
    pub captured_at: String,
}

/// The RQ versions captured in the repository.
pub const RQ_VERSIONS: [&str; 3] = ["1.16.2", "2.12.0", "3.0.0"];

pub fn capture_path(version: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/rq/rq-{version}.json"))
}

/// RESTORE every captured key (without its TTL, so nothing expires mid-test).
pub fn load_rq(server: &RedisServer, version: &str) -> Capture {
    load_rq_file(server, &capture_path(version))
}

pub fn load_rq_file(server: &RedisServer, path: &std::path::Path) -> Capture {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (make it with tests/fixtures/capture_rq.py)",
            path.display()
        )
    });
    let file: CaptureFile = serde_json::from_str(&text).expect("capture JSON");
    let client = redis::Client::open(server.url()).expect("client");
    let mut conn = client.get_connection().expect("connect to the test redis");
    for k in &file.keys {
        let payload = base64::engine::general_purpose::STANDARD
            .decode(&k.dump)
            .expect("base64 dump");
        redis::cmd("RESTORE")
            .arg(&k.key)
            .arg(0)
            .arg(payload)
            .arg("REPLACE")
            .exec(&mut conn)
            .unwrap_or_else(|e| panic!("RESTORE {}: {e}", k.key));
    }
    Capture {
        rq_version: file.rq_version,
        captured_at: file.captured_at,
    }
}

/// Run a raw command on the server (test setup only: recdiag never writes).
pub fn redis_cmd(server: &RedisServer, args: &[&[u8]]) -> redis::Value {
    let client = redis::Client::open(server.url()).expect("client");
    let mut conn = client.get_connection().expect("connect");
    let mut cmd = redis::cmd(std::str::from_utf8(args[0]).expect("command name"));
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query(&mut conn)
        .unwrap_or_else(|e| panic!("setup command failed: {e}"))
}
