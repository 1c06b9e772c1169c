//! `recdiag redis` and the redis check against real redis-server processes.

use std::time::{Duration, Instant};

use crate::support::{Recdiag, RedisServer, Run, SilentListener};

fn redis_json(url: &str) -> Run {
    Recdiag::new()
        .args(["redis", "--json", "--timeout", "2s"])
        .env("REDIS_URL", url)
        .run()
}

#[test]
fn healthy_redis_is_ok_with_every_metric() {
    let server = RedisServer::start();
    let r = redis_json(&server.url());
    r.assert_code(0);
    let m = &r.check("redis")["metrics"];
    assert!(m["latency_s"].as_f64().unwrap() > 0.0);
    assert!(m["version"].as_str().unwrap().contains('.'));
    assert_eq!(m["role"], "master");
    assert!(m["used_memory_bytes"].as_u64().unwrap() > 0);
    assert_eq!(m["maxmemory_bytes"], 0);
    assert_eq!(m["maxmemory_policy"], "noeviction");
    assert_eq!(m["url"], server.url());
}

#[test]
fn stopped_redis_is_critical_and_says_refused() {
    let mut server = RedisServer::start();
    let url = server.url();
    server.kill();
    let r = redis_json(&url);
    r.assert_code(2);
    let f = &r.check("redis")["findings"][0];
    assert_eq!(f["code"], "REDIS_UNREACHABLE");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("connection refused"),
        "{f}"
    );
}

#[test]
fn unresolvable_host_says_dns() {
    let r = redis_json("redis://no-such-host.invalid:6379/0");
    r.assert_code(2);
    let msg = r.check("redis")["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        msg.contains("cannot resolve host 'no-such-host.invalid'"),
        "{msg}"
    );
}

#[test]
fn wrong_password_says_authentication() {
    let server = RedisServer::with_args(&["--requirepass", "right-horse-battery"]);
    let r = redis_json(&format!(
        "redis://:wrong-staple@127.0.0.1:{}/0",
        server.port
    ));
    r.assert_code(2);
    let msg = r.check("redis")["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("authentication rejected"), "{msg}");
    r.assert_hides("wrong-staple");
    // No password at all against a server that wants one.
    let r = redis_json(&server.url());
    r.assert_code(2);
    let msg = r.check("redis")["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("requires a password"), "{msg}");
    // The right one works.
    redis_json(&format!(
        "redis://:right-horse-battery@127.0.0.1:{}/0",
        server.port
    ))
    .assert_code(0);
}

#[test]
fn acl_user_with_read_only_rights_works() {
    let server = RedisServer::start();
    let reply = server
        .raw("ACL SETUSER diag on >diag-secret-1 ~* &* -@all +@read +ping +info +@connection");
    assert!(reply.starts_with("+OK"), "{reply}");
    let r = redis_json(&format!(
        "redis://diag:diag-secret-1@127.0.0.1:{}/0",
        server.port
    ));
    r.assert_code(0);
    r.assert_hides("diag-secret-1");
    assert_eq!(
        r.check("redis")["metrics"]["url"],
        format!("redis://diag:***@127.0.0.1:{}/0", server.port)
    );
}

#[test]
fn eviction_policy_warns() {
    let server =
        RedisServer::with_args(&["--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"]);
    let r = redis_json(&server.url());
    r.assert_code(1);
    let check = r.check("redis");
    assert_eq!(r.codes("redis"), ["REDIS_EVICTION_POLICY"]);
    assert_eq!(check["metrics"]["maxmemory_bytes"], 64 * 1024 * 1024);
    assert!(
        check["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("allkeys-lru")
    );
}

#[test]
fn memory_near_maxmemory_warns() {
    let server = RedisServer::with_args(&["--maxmemory", "4mb"]);
    // Used memory of an idle Redis is about 1 MB: a 10 % threshold trips.
    let r = Recdiag::new()
        .args(["redis", "--json", "--max-redis-memory-percent", "10"])
        .env("REDIS_URL", server.url())
        .run();
    r.assert_code(1);
    assert_eq!(r.codes("redis"), ["REDIS_MEMORY_HIGH"]);
}

#[test]
fn silent_server_times_out_within_the_limit() {
    let silent = SilentListener::start();
    let started = Instant::now();
    let r = Recdiag::new()
        .args(["redis", "--json", "--timeout", "1s"])
        .env("REDIS_URL", silent.url())
        .run();
    let took = started.elapsed();
    r.assert_code(2);
    assert!(took < Duration::from_secs(2), "took {took:?}");
    let msg = r.check("redis")["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("no answer within 1s"), "{msg}");
}

#[test]
fn tls_redis_works_and_bad_certificates_are_named() {
    let server = RedisServer::with_tls();
    let port = server.tls_port.unwrap();
    // A self-signed certificate is refused by default…
    let r = redis_json(&format!("rediss://127.0.0.1:{port}/0"));
    r.assert_code(2);
    let msg = r.check("redis")["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("TLS"), "{msg}");
    // …and accepted when the URL says #insecure, as redis-rs defines it.
    let r = redis_json(&format!("rediss://127.0.0.1:{port}/0#insecure"));
    r.assert_code(0);
    // A private CA is trusted when the URL names it, as redis-py reads it.
    let ca = server.tls_ca();
    let r = redis_json(&format!("rediss://127.0.0.1:{port}/0?ssl_ca_certs={ca}"));
    r.assert_code(0);
    // Another CA's file does not make the certificate trusted.
    let other = RedisServer::with_tls();
    let r = redis_json(&format!(
        "rediss://127.0.0.1:{port}/0?ssl_ca_certs={}",
        other.tls_ca()
    ));
    r.assert_code(2);
    // A file that is no certificate is a setting error, said before any
    // connection.
    for (file, why) in [
        ("/dev/zero", "not a regular file"),
        (server.tls_files().1.as_str(), "holds no PEM certificate"),
    ] {
        let r = redis_json(&format!("rediss://127.0.0.1:{port}/0?ssl_ca_certs={file}"));
        r.assert_code(3);
        assert!(r.stdout.contains(why), "{file}: {}", r.stdout);
    }
    // SSL_CERT_FILE, which Python's default TLS context (redis-py's)
    // trusts, is trusted too; a URL's own ssl_ca_certs comes first.
    let with_env = |url: String, file: &str| {
        Recdiag::new()
            .args(["redis", "--json", "--timeout", "2s"])
            .env("REDIS_URL", url)
            .env("SSL_CERT_FILE", file)
            .run()
    };
    with_env(format!("rediss://127.0.0.1:{port}/0"), &ca).assert_code(0);
    with_env(format!("rediss://127.0.0.1:{port}/0"), &other.tls_ca()).assert_code(2);
    with_env(
        format!("rediss://127.0.0.1:{port}/0?ssl_ca_certs={ca}"),
        &other.tls_ca(),
    )
    .assert_code(0);
    // One it cannot use is passed over, as Python does: the public roots
    // alone do not know the private CA.
    with_env(format!("rediss://127.0.0.1:{port}/0"), "/dev/zero").assert_code(2);
}

#[test]
fn missing_and_invalid_urls_are_unknown() {
    let r = Recdiag::new().args(["redis", "--json"]).run();
    r.assert_code(3);
    assert_eq!(r.codes("redis"), ["REDIS_URL_MISSING"]);
    let r = redis_json("http://user:zebra-secret@host");
    r.assert_code(3);
    assert_eq!(r.codes("redis"), ["REDIS_URL_INVALID"]);
    r.assert_hides("zebra-secret");
}
