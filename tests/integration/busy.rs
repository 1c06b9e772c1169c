//! A pipeline that moves: real workers downloading across businesses, the
//! player opening and reopening calls in flight, webhooks adding full
//! jobs — and recdiag's `health` and `call` every 2 s while it runs. A
//! healthy pipeline gives no finding and only calm verdicts, not once;
//! an overloaded one gives only QUEUE_BACKLOG.

use serde_json::Value;

use crate::support::app::AppWorld;
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
