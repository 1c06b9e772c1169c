//! rq 3.0's own layouts, written by real rq 3.0 workers and enqueues:
//! keys under RQ_KEY_PREFIX, and jobs a rate limit holds back on no queue.

use std::time::Duration;

use serde_json::Value;

use crate::support::app::{AppWorld, sid};
use crate::support::{Run, wait_until};

/// The queues check's metrics of queue `recordings`.
fn recordings(r: &Run) -> Value {
    r.check("queues")["metrics"]["queues"]
        .as_array()
        .and_then(|qs| qs.iter().find(|q| q["name"] == "recordings"))
        .cloned()
        .unwrap_or_else(|| panic!("no queue recordings in:\n{}", r.stdout))
}

/// The workers write under RQ_KEY_PREFIX: recdiag told the prefix (flag or
/// env) reads them there and says so; told nothing, it sees no worker.
#[test]
fn a_key_prefix_is_read_where_the_workers_write() {
    let mut w = AppWorld::new("3.0.0").with_app_env("RQ_KEY_PREFIX", "prosaas");
    w.start_worker();
    let s = sid(31);
    w.steps(&[&format!("call:{s}:1"), &format!("open:{s}")]);
    let done = wait_until(Duration::from_secs(60), || w.file(&s).is_file());
    assert!(done, "the rq 3.0 worker did not download {s}");
    // The scheduler ticks, as in a healthy deployment.
    w.steps(&["tick"]);

    let r = w
        .recdiag()
        .args(["health", "--only", "queues,workers", "--format", "json"])
        .args(["--rq-key-prefix", "prosaas"])
        .run();
    crate::json_contract::assert_contract(&r);
    r.assert_code(0);
    let queues = r.check("queues");
    assert_eq!(queues["metrics"]["key_prefix"], "prosaas");
    assert!(
        queues["summary"]
            .as_str()
            .unwrap()
            .contains("(RQ keys under 'prosaas:')"),
        "{queues}"
    );
    let recordings = recordings(&r);
    assert_eq!(recordings["finished"], 1, "{recordings}");
    assert_eq!(recordings["workers"], 1, "{recordings}");
    assert_eq!(r.check("workers")["metrics"]["alive"], 1);

    // The app's own variable, from the environment, does the same.
    let r = w
        .recdiag()
        .env("RQ_KEY_PREFIX", "prosaas")
        .args(["workers", "--format", "json"])
        .run();
    r.assert_code(0);
    assert_eq!(r.check("workers")["metrics"]["alive"], 1);
    let r = w
        .recdiag()
        .env("RQ_KEY_PREFIX", "prosaas")
        .args(["call", &s])
        .run();
    r.assert_code(0);

    // Under RQ's default prefix there is nothing to see.
    let r = w.recdiag().args(["workers", "--format", "json"]).run();
    assert_eq!(r.check("workers")["metrics"]["alive"], 0, "{}", r.stdout);

    // What RQ refuses, recdiag refuses: a usage error, nothing read.
    let r = w
        .recdiag()
        .args(["queues", "--rq-key-prefix", "rq prefix"])
        .run();
    r.assert_code(3);
    assert!(r.stderr.contains("RQ_KEY_PREFIX"), "{}", r.stderr);
}

/// A rate limit of one download at a time, and no worker yet: the first
/// job waits on the queue, the second on no queue at all. Both wait: the
/// queue counts two, `call` says the second is held back, and nothing
/// calls its run orphaned.
#[test]
fn jobs_a_rate_limit_holds_back_count_as_waiting() {
    let w = AppWorld::new("3.0.0").with_app_env("RECDIAG_FIXTURE_RATE_LIMIT", "twilio:1");
    let (a, b) = (sid(41), sid(42));
    w.steps(&[
        &format!("call:{a}:1"),
        &format!("call:{b}:1"),
        &format!("open:{a}"),
        &format!("open:{b}"),
    ]);
    let r = w.recdiag().args(["queues", "--format", "json"]).run();
    let recordings = recordings(&r);
    assert_eq!(recordings["queued"], 1, "{recordings}");
    assert_eq!(recordings["rate_limited"], 1, "{recordings}");
    assert!(
        recordings["oldest_held_age_s"]
            .as_f64()
            .is_some_and(|a| a >= 0.0),
        "{recordings}"
    );
    assert!(
        r.check("queues")["summary"]
            .as_str()
            .unwrap()
            .starts_with("2 waiting"),
        "{}",
        r.stdout
    );
    let table = w.recdiag().args(["queues"]).run();
    assert!(
        table.stdout.contains("held back by an RQ rate limit"),
        "{}",
        table.stdout
    );

    let r = w.recdiag().args(["call", &b, "--format", "json"]).run();
    crate::json_contract::assert_call_contract(&r);
    assert_eq!(r.json()["verdict"], "QUEUED", "{}", r.stdout);
    assert!(
        r.json()["reason"]
            .as_str()
            .unwrap()
            .contains("held back by an RQ rate limit"),
        "{}",
        r.stdout
    );

    // Past the age at which a queued run with no job is an orphan.
    w.steps(&["age:60"]);
    let r = w.recdiag().args(["health", "--format", "json"]).run();
    crate::json_contract::assert_contract(&r);
    assert!(
        !r.all_codes().contains(&"ORPHANED_RUNS".to_string()),
        "{:?}\n{}",
        r.all_codes(),
        r.stdout
    );
}
