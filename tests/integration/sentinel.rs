//! Redis behind Sentinel: real master, replica and three sentinels; RQ data
//! written through the master by the real rq library; a real failover.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::app::{AppWorld, sid};
use crate::support::python::RQ_APP;
use crate::support::sentinel::{self, MASTER};
use crate::support::{Recdiag, Run, SilentListener, wait_until};

/// `recdiag redis` with this URL: critical, and its finding's message.
fn unreachable(url: &str) -> String {
    let r = Recdiag::new()
        .env("REDIS_URL", url)
        .args(["redis", "--json"])
        .run();
    r.assert_code(2);
    r.check("redis")["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_string()
}

fn queued(r: &Run, queue: &str) -> Value {
    r.check("queues")["metrics"]["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["name"] == queue)
        .map(|q| q["queued"].clone())
        .unwrap_or(Value::Null)
}

/// recdiag asks the sentinels for the master, reads RQ's keys there, says
/// it came through Sentinel, and after the master dies reads the replica
/// the sentinels promoted.
#[test]
fn the_master_is_found_through_sentinel_and_followed_after_a_failover() {
    let mut w = AppWorld::new(RQ_APP);
    let sids: Vec<String> = (81..=83).map(sid).collect();
    let steps: Vec<String> = sids
        .iter()
        .flat_map(|s| [format!("call:{s}:1"), format!("open:{s}")])
        .collect();
    w.steps(&steps.iter().map(String::as_str).collect::<Vec<_>>());
    let master = w.redis.port;
    let replica = sentinel::replica_of(master, None);
    let nodes = sentinel::sentinels(master, None, None);
    let url = sentinel::url(&nodes, "", "");
    let run = |w: &AppWorld, args: &[&str]| w.recdiag().env("REDIS_URL", &url).args(args).run();

    let r = run(&w, &["health", "--json", "--only", "redis,queues"]);
    crate::json_contract::assert_contract(&r);
    let redis = r.check("redis");
    assert_eq!(redis["status"], "ok", "{}", r.stdout);
    let s = &redis["metrics"]["sentinel"];
    assert_eq!(s["master_name"], MASTER);
    assert_eq!(s["master"], format!("127.0.0.1:{master}"));
    assert_eq!(
        (s["sentinels"].as_u64(), s["reached"].as_u64()),
        (Some(3), Some(3))
    );
    assert!(
        redis["summary"]
            .as_str()
            .unwrap()
            .contains("from 3/3 sentinels"),
        "{redis}"
    );
    assert_eq!(redis["metrics"]["role"], "master");
    assert_eq!(queued(&r, "recordings"), 3, "{}", r.stdout);

    // The master dies; the sentinels promote the replica.
    w.redis.kill();
    let promoted = wait_until(Duration::from_secs(40), || {
        nodes
            .iter()
            .all(|n| n.master_port(None) == Some(replica.port))
    });
    assert!(promoted, "the sentinels did not fail over to the replica");
    let r = run(&w, &["health", "--json", "--only", "redis,queues"]);
    crate::json_contract::assert_contract(&r);
    let redis = r.check("redis");
    assert_eq!(redis["status"], "ok", "{}", r.stdout);
    assert_eq!(
        redis["metrics"]["sentinel"]["master"],
        format!("127.0.0.1:{}", replica.port)
    );
    assert_eq!(redis["metrics"]["role"], "master");
    assert_eq!(
        queued(&r, "recordings"),
        3,
        "the jobs, read on the new master"
    );
    // The call command follows the failover too.
    let c = w
        .recdiag()
        .env("REDIS_URL", &url)
        .args(["call", &sids[0], "--json"])
        .run();
    assert_eq!(c.json()["verdict"], "QUEUED", "{}", c.stdout);
}

/// One sentinel down, or one that names another master: a warning that
/// says which; the checks still read the master.
#[test]
fn a_sentinel_down_or_dissenting_is_a_warning() {
    let w = AppWorld::new(RQ_APP);
    let master = w.redis.port;
    let _replica = sentinel::replica_of(master, None);
    let mut nodes = sentinel::sentinels(master, None, None);
    let url = sentinel::url(&nodes, "", "");
    nodes[1].kill();
    let r = w
        .recdiag()
        .env("REDIS_URL", &url)
        .args(["redis", "--json"])
        .run();
    crate::json_contract::assert_contract(&r);
    r.assert_code(1);
    assert_eq!(r.codes("redis"), ["SENTINEL_DEGRADED"]);
    let f = &r.check("redis")["findings"][0];
    let down = format!("127.0.0.1:{}", nodes[1].port);
    assert_eq!(f["subjects"], serde_json::json!([down]));
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .starts_with("2 of 3 sentinels answered"),
        "{f}"
    );
    // Two of three silent: the one that answers is enough to read the
    // master, within --timeout, and the silent ones are named.
    let silent = [SilentListener::start(), SilentListener::start()];
    let mostly_silent = format!(
        "redis+sentinel://127.0.0.1:{},127.0.0.1:{},127.0.0.1:{}/{MASTER}/0",
        silent[0].port, nodes[0].port, silent[1].port
    );
    let started = Instant::now();
    let r = w
        .recdiag()
        .env("REDIS_URL", &mostly_silent)
        .args([
            "health",
            "--json",
            "--only",
            "redis,queues",
            "--timeout",
            "2s",
        ])
        .run();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(r.codes("redis"), ["SENTINEL_DEGRADED"], "{}", r.stdout);
    assert_eq!(r.check("queues")["status"], "ok", "{}", r.stdout);
    let s = &r.check("redis")["metrics"]["sentinel"];
    assert_eq!(s["reached"], 1);
    assert!(
        r.check("redis")["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("fewer than a majority"),
        "{}",
        r.stdout
    );
    // A sentinel that monitors another server under the name dissents.
    let other = crate::support::RedisServer::start();
    let stray = sentinel::Sentinel::start(other.port, None, None);
    let hosts = format!(
        "redis+sentinel://127.0.0.1:{},127.0.0.1:{},127.0.0.1:{}/{MASTER}/0",
        nodes[0].port, nodes[2].port, stray.port
    );
    let r = w
        .recdiag()
        .env("REDIS_URL", &hosts)
        .args(["redis", "--json"])
        .run();
    r.assert_code(1);
    let s = &r.check("redis")["metrics"]["sentinel"];
    assert_eq!(
        s["master"],
        format!("127.0.0.1:{master}"),
        "the majority wins"
    );
    let message = r.check("redis")["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains(&format!("names 127.0.0.1:{} as the master", other.port)),
        "{message}"
    );
}

/// Every sentinel down — refused, or silent — is critical, with the cause,
/// within --timeout; an unknown master name says so.
#[test]
fn no_sentinel_answering_is_critical_within_the_timeout() {
    let silent = SilentListener::start();
    let refused = crate::support::free_port();
    let url = format!(
        "redis+sentinel://:s3cret-master@127.0.0.1:{refused},127.0.0.1:{}/{MASTER}/0?sentinel_password=s3cret-sentinel",
        silent.port
    );
    for args in [
        &["redis", "--json", "--timeout", "1s"][..],
        &["health", "--json", "--timeout", "1s"][..],
    ] {
        let started = Instant::now();
        let r = Recdiag::new().env("REDIS_URL", &url).args(args).run();
        let took = started.elapsed();
        crate::json_contract::assert_contract(&r);
        r.assert_code(2)
            .assert_hides("s3cret-master")
            .assert_hides("s3cret-sentinel");
        assert_eq!(r.codes("redis"), ["REDIS_UNREACHABLE"], "{}", r.stdout);
        let f = &r.check("redis")["findings"][0];
        let message = f["message"].as_str().unwrap();
        assert!(message.contains("no sentinel answered"), "{message}");
        assert!(
            message.contains(&format!("connection refused by 127.0.0.1:{refused}")),
            "{message}"
        );
        assert!(
            message.contains("no answer within 500ms") || message.contains("no answer within 1s"),
            "{message}"
        );
        assert!(f["hint"].as_str().unwrap().contains("sentinels"), "{f}");
        assert!(took < Duration::from_millis(2500), "{args:?} took {took:?}");
    }
    // Sentinels that answer but know no such master.
    let w = AppWorld::new(RQ_APP);
    let nodes = sentinel::sentinels(w.redis.port, None, None);
    let wrong = sentinel::url(&nodes, "", "").replace(MASTER, "othermaster");
    let message = unreachable(&wrong);
    assert!(
        message.contains("3 sentinels reached, and none monitors a master named 'othermaster'"),
        "{message}"
    );
}

/// Passwords for the master and for the sentinels: used, never shown; and
/// what recdiag sends the master through Sentinel is reads only.
#[test]
fn sentinel_passwords_and_read_only() {
    let master = crate::support::RedisServer::with_args(&["--requirepass", "s3cret-master"]);
    let _replica = sentinel::replica_of(master.port, Some("s3cret-master"));
    let nodes = sentinel::sentinels(master.port, Some("s3cret-master"), Some("s3cret-sentinel"));
    let url = sentinel::url(
        &nodes,
        ":s3cret-master@",
        "?sentinel_password=s3cret-sentinel",
    );
    let dir = tempfile::tempdir().unwrap();
    let commands = crate::read_only::monitored_as(&master, Some("s3cret-master"), || {
        for args in [
            &["health", "--json"][..],
            &["redis"][..],
            &["queues", "--json"][..],
        ] {
            let r = Recdiag::new()
                .env("REDIS_URL", &url)
                .env("RECORDINGS_DIR", dir.path())
                .args(args)
                .run();
            r.assert_hides("s3cret-master")
                .assert_hides("s3cret-sentinel");
            assert!(
                !r.stdout.contains("REDIS_UNREACHABLE") && !r.stdout.contains("SENTINEL_DEGRADED"),
                "{args:?}:\n{}",
                r.stdout
            );
        }
    });
    crate::read_only::assert_reads_only(&commands);
    // Without the sentinels' password: their refusal, by each.
    let r = Recdiag::new()
        .env("REDIS_URL", sentinel::url(&nodes, ":s3cret-master@", ""))
        .args(["redis", "--json"])
        .run();
    r.assert_code(2).assert_hides("s3cret-master");
    let message = r.check("redis")["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("no sentinel answered"), "{message}");
    assert!(message.contains("Redis requires a password"), "{message}");
}

/// `rediss+sentinel://`: TLS to the sentinels and to the master; a
/// self-signed certificate needs `#insecure`, and without it each
/// sentinel's refusal says TLS.
#[test]
fn sentinel_over_tls() {
    let master = crate::support::RedisServer::with_tls();
    let tls_port = master.tls_port.unwrap();
    let (cert, key) = master.tls_files();
    let nodes: Vec<sentinel::Sentinel> = (0..3)
        .map(|_| sentinel::Sentinel::start_tls(tls_port, &cert, &key))
        .collect();
    let hosts: Vec<String> = nodes
        .iter()
        .map(|n| format!("127.0.0.1:{}", n.port))
        .collect();
    let url = format!("rediss+sentinel://{}/{MASTER}/0", hosts.join(","));
    let insecure = format!("{url}#insecure");
    let mut last = None;
    let up = wait_until(Duration::from_secs(20), || {
        let r = Recdiag::new()
            .env("REDIS_URL", &insecure)
            .args(["redis", "--json"])
            .run();
        let ok = r.code == 0;
        last = Some(r);
        ok
    });
    let r = last.unwrap();
    assert!(up, "{}\n{}", r.stdout, r.stderr);
    let s = &r.check("redis")["metrics"]["sentinel"];
    assert_eq!(s["master"], format!("127.0.0.1:{tls_port}"));
    assert_eq!(s["reached"], 3);
    let message = unreachable(&url);
    assert!(
        message.contains("no sentinel answered") && message.contains("TLS"),
        "{message}"
    );
}
