//! A pipeline that moves: real workers downloading across businesses, the
//! player opening and reopening calls in flight, webhooks adding full
//! jobs — and recdiag's `health` and `call` every 2 s while it runs. A
//! healthy pipeline gives no finding and only calm verdicts, not once;
//! an overloaded one gives only QUEUE_BACKLOG.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::app::{AppWorld, sid};
use crate::support::python::RQ_REAL_FLOW;

fn runs<'a>(rows: &'a [Value], cmd: &str) -> Vec<&'a Value> {
    rows.iter().filter(|r| r["cmd"] == cmd).collect()
}

fn codes(r: &Value) -> Vec<String> {
    r["codes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_busy_healthy_pipeline_gives_no_finding_in_any_run() {
    for rq in RQ_REAL_FLOW {
        let w = AppWorld::new(rq);
        let (summary, rows) = w.busy(&[
            "--seconds",
            "60",
            "--workers",
            "3",
            "--businesses",
            "6",
            // About two thirds of three workers' time: it keeps up, also on
            // a CI machine running other tests beside it.
            "--rate",
            "1.0",
            "--slow-every",
            "40",
            "--every",
            "2",
            "--seed",
            "19",
        ]);
        let health = runs(&rows, "health");
        let calls = runs(&rows, "call");
        assert!(
            health.len() >= 20,
            "rq {rq}: only {} health runs\n{summary}",
            health.len()
        );
        assert!(
            calls.len() >= 20,
            "rq {rq}: only {} call runs\n{summary}",
            calls.len()
        );
        for r in &health {
            assert!(
                codes(r).is_empty() && r["exit"] == 0,
                "rq {rq}: a false alarm in a healthy, busy pipeline at t={}: {:?}\n{}",
                r["t"],
                codes(r),
                r["stdout"]
            );
        }
        for r in &calls {
            assert!(
                r["exit"].as_i64().is_some_and(|e| e < 2),
                "rq {rq}: call said {} at t={}\n{}",
                r["verdict"],
                r["t"],
                r["stdout"]
            );
        }
    }
}

#[test]
fn an_overloaded_pipeline_gives_only_queue_backlog() {
    let w = AppWorld::new(RQ_REAL_FLOW[0]);
    let (summary, rows) = w.busy(&[
        // The oldest waiting job must wait 30 s to be a backlog: an
        // overload shows after about 45 s.
        "--seconds",
        "75",
        "--workers",
        "3",
        "--businesses",
        "6",
        "--overload",
        "--every",
        "2",
        "--seed",
        "23",
    ]);
    let health = runs(&rows, "health");
    assert!(
        health.len() >= 25,
        "only {} health runs\n{summary}",
        health.len()
    );
    let mut backlog = 0;
    for r in &health {
        for c in codes(r) {
            assert!(
                c.starts_with("QUEUE_BACKLOG:"),
                "overloaded, not broken: {c} at t={}\n{}",
                r["t"],
                r["stdout"]
            );
            backlog += 1;
        }
    }
    assert!(
        backlog > 0,
        "the overload never showed as a backlog\n{summary}"
    );
}

/// Jobs moving between RQ's places while recdiag reads them are never
/// taken for lost: queued runs a minute old whose jobs RQ's dequeue and
/// retry steps move nonstop (thousands of moves a second) are no
/// ORPHANED_RUNS and no lost job in `call`, in any run.
#[test]
fn jobs_in_motion_are_never_taken_for_lost() {
    let w = AppWorld::new(RQ_REAL_FLOW[0]);
    let sids: Vec<String> = (80..86).map(sid).collect();
    let mut steps: Vec<String> = Vec::new();
    for s in &sids {
        steps.push(format!("call:{s}:1"));
        steps.push(format!("open:{s}"));
    }
    steps.push("age:60".into());
    w.steps(&steps.iter().map(String::as_str).collect::<Vec<_>>());
    // A user whose ACL refuses MULTI: recdiag reads one place after
    // another and looks a missing job up again before it counts it lost.
    let reply = w
        .redis
        .raw("ACL SETUSER plain on >plain-pass ~* &* -@all +@read +ping +info +@connection -keys");
    assert!(reply.starts_with("+OK"), "{reply}");
    let plain = format!("redis://plain:plain-pass@127.0.0.1:{}/0", w.redis.port);
    let churn = w.spawn_steps(&["churn:20"]);
    let start = Instant::now();
    let (mut health, mut calls) = (0, 0);
    while start.elapsed() < Duration::from_secs(16) {
        let mut h = w
            .recdiag()
            .args(["health", "--only", "consistency", "--format", "json"]);
        if health % 2 == 1 {
            h = h.env("REDIS_URL", &plain);
        }
        let h = h.run();
        assert!(
            !h.all_codes().iter().any(|c| c.starts_with("ORPHANED_RUNS")),
            "a job in motion taken for lost (health run {health}):\n{}",
            h.stdout
        );
        health += 1;
        let s = &sids[calls % sids.len()];
        let mut c = w.recdiag().args(["call", s, "--format", "json"]);
        if calls % 2 == 1 {
            c = c.env("REDIS_URL", &plain);
        }
        let c = c.run();
        let verdict = c.json()["verdict"].as_str().unwrap_or_default().to_string();
        assert!(
            c.code < 2 && verdict != "STUCK",
            "call {s} said {verdict} (call run {calls}):\n{}",
            c.stdout
        );
        calls += 1;
    }
    let out = churn.wait_with_output().expect("churn ends");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "churn failed: {said}");
    let moves: u64 = said
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(moves > 1000, "the jobs hardly moved: {said}");
    assert!(
        health >= 10 && calls >= 10,
        "{health} health and {calls} call runs"
    );
}
