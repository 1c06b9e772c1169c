//! Work that dies the way real deployments kill it (spec §1 items 5, 11):
//! a work-horse SIGKILLed mid-download (the OOM killer, `docker kill`),
//! and a second worker started under a name that is taken (every worker
//! container of the app is `prosaas-worker-1`). Real `rq worker`
//! processes on the app-like fixture, on rq 2.6.1 and 3.0.

use std::time::Duration;

use serde_json::Value;

use crate::support::app::{AppWorld, sid};
use crate::support::python::RQ_REAL_FLOW;
use crate::support::{Recdiag, Run, wait_until};

fn health(w: &AppWorld) -> Run {
    let r = w.recdiag().args(["health", "--format", "json"]).run();
    crate::json_contract::assert_contract(&r);
    r
}

fn logs(w: &AppWorld) -> Value {
    let r = Recdiag::new()
        .args(["logs", "--json"])
        .arg(w.log_path())
        .run();
    r.json()
}

fn log_cause(v: &Value, cause: &str) -> Option<Value> {
    v["causes"]
        .as_array()?
        .iter()
        .find(|c| c["cause"] == cause)
        .cloned()
}

/// The OOM killer takes the work-horse mid-download: RQ runs the same job
/// again at once, a newer run does the work, and the killed run stays
/// `running` holding its slot. One finding, WORKHORSE_KILLED, naming the
/// run, the run that took over and when the slot frees itself — never
/// DUPLICATE_ACTIVE_RUNS or RUNS_STUCK; `logs` reads RQ's line as the cause.
#[test]
fn a_work_horse_killed_mid_download_is_named_so() {
    for rq in RQ_REAL_FLOW {
        let mut w = AppWorld::new(rq);
        let s = sid(901);
        w.steps(&[&format!("call:{s}:7:slow-6"), &format!("open:{s}"), "tick"]);
        w.start_worker();
        let running = wait_until(Duration::from_secs(30), || {
            w.query("SELECT count(*) FROM recording_runs WHERE status = 'running'") == "1"
        });
        assert!(running, "rq {rq}: no download started");
        let killed_run = w.query("SELECT id FROM recording_runs WHERE status = 'running'");
        assert!(w.kill_work_horses() >= 1, "rq {rq}: no work-horse to kill");
        let done = wait_until(Duration::from_secs(60), || w.file(&s).is_file());
        assert!(done, "rq {rq}: RQ's retry did not download the call");
        let retried = wait_until(Duration::from_secs(10), || {
            w.query("SELECT count(*) FROM recording_runs WHERE status = 'completed'") == "1"
        });
        assert!(retried, "rq {rq}: the retry's run did not complete");

        let h = health(&w);
        let codes = h.all_codes();
        assert_eq!(codes, ["WORKHORSE_KILLED"], "rq {rq}:\n{}", h.stdout);
        let f = &h.all_findings()[0];
        let message = f["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("run {killed_run} of call {s}")),
            "rq {rq}: {f}"
        );
        assert!(message.contains("holds a slot of business 7"), "{f}");
        assert!(message.contains("UTC (in 14m"), "{f}");
        assert!(f["hint"].as_str().unwrap().contains("OOMKilled"), "{f}");
        assert_eq!(f["subjects"], serde_json::json!([s]));
        h.assert_code(1);
        let runs = h.json()["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "runs")
            .cloned()
            .unwrap();
        let k = &runs["metrics"]["killed_runs"][0];
        assert_eq!(k["id"].to_string(), killed_run, "{runs}");
        assert_eq!(k["holds_slot"], true);

        // The worker's log: RQ's 'Work horse killed' line, one download
        // killed and one saved, each counted once.
        let l = logs(&w);
        let c = log_cause(&l, "work_horse_killed").expect("a kill in the log");
        assert_eq!(c["count"], 1, "rq {rq}: {l}");
        assert_eq!(c["newest_sids"], serde_json::json!([s]));
        assert_eq!(l["downloads"]["started"], 2, "rq {rq}: {l}");
        assert_eq!(l["downloads"]["saved"], 1, "rq {rq}: {l}");
    }
}

/// The multi-worker profile: a second worker under the app's one name
/// (`prosaas-worker-1`) is refused by RQ and exits. `logs` names the clash
/// with its fix; `health` sees the one registered worker, nothing wrong.
#[test]
fn a_second_worker_of_the_same_name_is_named_in_the_log() {
    for rq in RQ_REAL_FLOW {
        let mut w = AppWorld::new(rq);
        let first = w.spawn_worker(Some("prosaas-worker-1"));
        w.adopt_worker(first);
        let up = wait_until(Duration::from_secs(30), || {
            w.recdiag()
                .args(["workers", "--format", "json"])
                .run()
                .stdout
                .contains("prosaas-worker-1")
        });
        assert!(up, "rq {rq}: the first worker did not register");
        let mut second = w.spawn_worker(Some("prosaas-worker-1"));
        let exited = wait_until(Duration::from_secs(30), || {
            second.try_wait().ok().flatten().is_some()
        });
        assert!(exited, "rq {rq}: RQ did not refuse the second worker");
        w.steps(&["tick"]);
        let l = logs(&w);
        let c = log_cause(&l, "worker_name_clash").expect("the clash in the log");
        assert_eq!(c["count"], 1, "rq {rq}: {l}");
        assert!(c["hint"].as_str().unwrap().contains("unique name"), "{c}");
        assert_eq!(l["status"], "warning", "rq {rq}: {l}");
        let h = health(&w);
        assert!(h.all_codes().is_empty(), "rq {rq}:\n{}", h.stdout);
    }
}
