//! recdiag against the app as it really runs (spec §1): real `rq worker`
//! processes run the fixture job module, app_api.py plays the API, the
//! scheduler and the passing of time. Every scenario runs on the rq the
//! app pins (2.6.1) and on the newest (3.0.0).

use std::time::Duration;

use serde_json::Value;

use crate::support::app::{AppWorld, sid};
use crate::support::python::RQ_REAL_FLOW;
use crate::support::{Recdiag, Run, wait_until};

/// `health --format json`, checked against the published schema.
fn health(w: &AppWorld) -> Run {
    let r = w.recdiag().args(["health", "--format", "json"]).run();
    crate::json_contract::assert_contract(&r);
    r
}

fn findings(r: &Run) -> Vec<Value> {
    r.all_findings()
}

fn codes(r: &Run) -> Vec<String> {
    r.all_codes()
}

fn finding(r: &Run, code: &str) -> Value {
    findings(r)
        .into_iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in:\n{}", r.stdout))
}

/// `call --format json`, checked against the published schema.
fn call(w: &AppWorld, sid: &str) -> Run {
    let r = w.recdiag().args(["call", sid, "--format", "json"]).run();
    crate::json_contract::assert_call_contract(&r);
    r
}

/// item 2: completed downloads aged 20 minutes (their RQ jobs expired),
/// with the API's leftover queued rows beside them, are a healthy pipeline.
#[test]
fn completed_downloads_aged_20_minutes_are_ok() {
    for rq in RQ_REAL_FLOW {
        let mut w = AppWorld::new(rq);
        w.start_worker();
        let sids: Vec<String> = (1..=3).map(sid).collect();
        let mut steps: Vec<String> = Vec::new();
        for s in &sids {
            steps.push(format!("call:{s}:1"));
            steps.push(format!("open:{s}"));
        }
        steps.push("tick".into());
        w.steps(&steps.iter().map(String::as_str).collect::<Vec<_>>());
        w.wait_for_files(&sids);
        // Five minutes on, the leftover rows are past the app's stuck age;
        // twenty minutes on, RQ has dropped the finished jobs.
        w.steps(&["age:1200", "tick"]);
        assert_eq!(
            w.query("SELECT count(*) FROM recording_runs WHERE status = 'queued'"),
            "3",
            "the API's rows stay queued, as in the app"
        );
        let r = health(&w);
        r.assert_code(0);
        assert!(
            codes(&r).is_empty(),
            "rq {rq}: {:?}\n{}",
            codes(&r),
            r.stdout
        );
        let runs = r.check("runs");
        assert_eq!(runs["metrics"]["superseded_active"], 3);
        assert_eq!(runs["metrics"]["stuck"], 0);
        assert_eq!(runs["metrics"]["completion_rate"], 1.0);
        // The call that plays is READY, its leftover row shown as superseded.
        let c = call(&w, &sids[0]);
        c.assert_code(0);
        let j = c.json();
        assert_eq!(j["verdict"], "READY");
        assert!(
            j["runs"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["superseded"] == true)
        );
    }
}

/// item 2: downloads in flight have two active rows per call: no finding.
#[test]
fn downloads_in_flight_are_ok() {
    for rq in RQ_REAL_FLOW {
        let mut w = AppWorld::new(rq);
        w.start_worker();
        let (a, b) = (sid(11), sid(12));
        w.steps(&[
            &format!("call:{a}:1:slow-20"),
            &format!("call:{b}:1:slow-20"),
            &format!("open:{a}"),
            &format!("open:{b}"),
            "tick",
        ]);
        let running = wait_until(Duration::from_secs(30), || {
            w.query("SELECT count(*) FROM recording_runs WHERE status = 'running'") == "1"
        });
        assert!(running, "rq {rq}: no download started");
        let r = health(&w);
        r.assert_code(0);
        assert!(codes(&r).is_empty(), "rq {rq}: {:?}", codes(&r));
        assert_eq!(r.check("runs")["metrics"]["duplicate_active_calls"], 0);
        // One call is downloading, the other waits its turn.
        let verdicts: Vec<String> = [&a, &b]
            .iter()
            .map(|s| {
                call(&w, s).json()["verdict"]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            })
            .collect();
        assert!(
            verdicts.contains(&"DOWNLOADING".to_string()),
            "{verdicts:?}"
        );
        assert!(verdicts.contains(&"QUEUED".to_string()), "{verdicts:?}");
    }
}

/// `runs` judges with what RQ holds, as `health` does, from the Redis
/// that `REDIS_URL` or `--redis-url` names: the stuck runs' hint says no
/// worker is alive (it ignored both once, and so told the generic story).
#[test]
fn runs_reads_the_redis_it_is_given() {
    let w = AppWorld::new(RQ_REAL_FLOW[1]);
    let s = sid(31);
    w.steps(&[
        &format!("call:{s}:1"),
        &format!("open:{s}"),
        "age:600",
        "tick",
    ]);
    let hint = |r: &Run| {
        crate::json_contract::assert_contract(r);
        finding(r, "RUNS_STUCK")["hint"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let from_env = w.recdiag().args(["runs", "--format", "json"]).run();
    assert!(
        hint(&from_env).contains("no worker is alive"),
        "{}",
        from_env.stdout
    );
    let from_flag = Recdiag::new()
        .env("DATABASE_URL", w.db.url())
        .env("RECORDINGS_DIR", w.dir.path())
        .args(["runs", "--format", "json", "--redis-url", &w.redis.url()])
        .run();
    assert!(
        hint(&from_flag).contains("no worker is alive"),
        "{}",
        from_flag.stdout
    );
}

/// item 2: a worker outage, then the fix: nothing stays stuck.
#[test]
fn a_fixed_worker_outage_leaves_nothing_stuck() {
    for rq in RQ_REAL_FLOW {
        let mut w = AppWorld::new(rq);
        let sids: Vec<String> = (21..=23).map(sid).collect();
        let mut steps: Vec<String> = Vec::new();
        for s in &sids {
            steps.push(format!("call:{s}:1"));
            steps.push(format!("open:{s}"));
        }
        w.steps(&steps.iter().map(String::as_str).collect::<Vec<_>>());
        w.steps(&["age:600", "tick"]);
        let down = health(&w);
        down.assert_code(2);
        let down_codes = codes(&down);
        assert!(
            down_codes.contains(&"NO_WORKERS".to_string()),
            "{down_codes:?}"
        );
        // The stuck hint follows the cause: no worker, not Twilio.
        let stuck = finding(&down, "RUNS_STUCK");
        assert!(
            stuck["hint"]
                .as_str()
                .unwrap()
                .contains("no worker is alive"),
            "{stuck}"
        );
        w.start_worker();
        w.wait_for_files(&sids);
        w.steps(&["tick"]);
        let up = health(&w);
        up.assert_code(0);
        assert!(
            codes(&up).is_empty(),
            "rq {rq}: {:?}\n{}",
            codes(&up),
            up.stdout
        );
    }
}

/// item 3, 4: a Twilio 401 ends as a finished job and a failed run B; the
/// verdict is FAILED with its cause, from run B, not QUEUED from run A.
#[test]
fn a_swallowed_401_is_failed_with_its_cause() {
    for rq in RQ_REAL_FLOW {
        let w = AppWorld::new(rq);
        let s = sid(31);
        w.steps(&[
            &format!("call:{s}:1:http-401"),
            &format!("open:{s}"),
            "work",
            "tick",
        ]);
        let fresh = call(&w, &s);
        fresh.assert_code(2);
        let j = fresh.json();
        assert_eq!(j["verdict"], "FAILED", "{}", fresh.stdout);
        assert_eq!(j["cause"], "download_error");
        let runs = j["runs"].as_array().unwrap();
        assert_eq!(j["deciding_run"], runs[0]["id"], "the newest run decides");
        assert_eq!(runs[0]["status"], "failed");
        assert!(
            runs.iter()
                .any(|r| r["status"] == "queued" && r["superseded"] == true)
        );
        assert!(
            j["jobs"]
                .as_array()
                .unwrap()
                .iter()
                .any(|j| j["status"] == "finished")
        );
        assert!(j["hint"].as_str().unwrap().contains("TWILIO_AUTH_TOKEN"));
        // What a reopen does: run A (the API's row) is still queued, so
        // 202 and nothing enqueued until it turns 5 min old.
        let a = runs.iter().find(|r| r["status"] == "queued").unwrap()["id"].clone();
        let hint = j["hint"].as_str().unwrap();
        assert!(
            hint.contains(&format!(
                "next: a reopen answers 202 and enqueues nothing until run {a} turns 5 min old at "
            )),
            "{hint}"
        );
        // Twenty minutes on, the job is gone and the verdict holds; a
        // reopen now fails run A and downloads again.
        w.steps(&["age:1200", "tick"]);
        let later = call(&w, &s);
        assert_eq!(later.json()["verdict"], "FAILED", "{}", later.stdout);
        assert!(
            later.json()["hint"].as_str().unwrap().contains(
                "next: a reopen now fails it and enqueues a new download (recovery 1 of 3"
            ),
            "{}",
            later.stdout
        );
        let h = health(&w);
        let c = codes(&h);
        assert!(
            !c.contains(&"ORPHANED_RUNS".into()) && !c.contains(&"RUNS_STUCK".into()),
            "{c:?}"
        );
        let low = finding(&h, "LOW_COMPLETION_RATE");
        assert!(
            low["message"]
                .as_str()
                .unwrap()
                .contains("could not be obtained"),
            "{low}"
        );
        assert!(
            low["message"]
                .as_str()
                .unwrap()
                .contains("only 1 finished run"),
            "{low}"
        );
        assert_eq!(low["subjects"], serde_json::json!([s]));
        assert_eq!(
            h.check("runs")["metrics"]["failures_by_cause"]["download_error"],
            1
        );
        // The table says it too.
        let table = w.recdiag().args(["runs"]).run();
        assert!(table.stdout.contains("FAILED BY CAUSE"), "{}", table.stdout);
    }
}

/// item 5: the real outage. More than 3 downloads of one business at once:
/// failed runs hold its slots with live markers, and a fresh download fails.
#[test]
fn phantom_slots_block_a_business_until_their_markers_expire() {
    for rq in RQ_REAL_FLOW {
        let w = AppWorld::new(rq);
        let mut steps: Vec<String> = Vec::new();
        for n in 41..=46 {
            steps.push(format!("call:{}:7:slow-4", sid(n)));
            steps.push(format!("open:{}", sid(n)));
        }
        steps.push("work:5".into());
        let fresh = sid(47);
        steps.push(format!("call:{fresh}:7"));
        steps.push(format!("open:{fresh}"));
        steps.push("work".into());
        steps.push("tick".into());
        w.steps(&steps.iter().map(String::as_str).collect::<Vec<_>>());
        let no_slot = w.query(
            "SELECT count(*) FROM recording_runs WHERE error_message LIKE 'No slot available%'",
        );
        assert!(
            no_slot.parse::<u32>().unwrap() >= 3,
            "rq {rq}: {no_slot} no-slot failures"
        );
        let h = health(&w);
        h.assert_code(2);
        let p = finding(&h, "PHANTOM_SLOTS");
        assert_eq!(p["severity"], "critical", "{p}");
        assert_eq!(p["subjects"], serde_json::json!(["rec_slots:7"]));
        assert!(p["message"].as_str().unwrap().contains("failed"), "{p}");
        // When the app frees them, as a time and a span, and the whole
        // command that frees them now.
        assert!(
            p["message"]
                .as_str()
                .unwrap()
                .contains("the last frees itself at "),
            "{p}"
        );
        // 15 min from the slot's marker, less the test's own time (over two
        // minutes on a machine busy with the whole suite).
        let message = p["message"].as_str().unwrap();
        let minutes: Option<u32> = message
            .split(" UTC (in ")
            .nth(1)
            .and_then(|m| m.split('m').next())
            .and_then(|m| m.parse().ok());
        assert!(minutes.is_some_and(|m| (10..=14).contains(&m)), "{p}");
        let hint = p["hint"].as_str().unwrap();
        assert!(hint.contains("redis-cli SREM rec_slots:7 "), "{p}");
        assert_eq!(h.check("consistency")["metrics"]["phantom_slots"], 3);
        // The jam is one fault: its no-slot failures are PHANTOM_SLOTS' to
        // report, and the completion rate is judged without them.
        let blocked = h.check("consistency")["metrics"]["no_slot_failures_blocked"]
            .as_u64()
            .unwrap();
        assert!(
            blocked >= 3 && blocked <= no_slot.parse::<u64>().unwrap(),
            "rq {rq}: {blocked} of {no_slot}"
        );
        if codes(&h).contains(&"LOW_COMPLETION_RATE".to_string()) {
            let low = finding(&h, "LOW_COMPLETION_RATE");
            let message = low["message"].as_str().unwrap();
            assert!(message.contains("not counting"), "{low}");
            assert!(!message.contains("no download slot free"), "{low}");
        }
        let c = call(&w, &fresh);
        c.assert_code(2);
        let j = c.json();
        assert_eq!(j["verdict"], "FAILED");
        assert_eq!(j["cause"], "no_slot");
        assert!(
            j["hint"].as_str().unwrap().contains("business 7"),
            "{}",
            j["hint"]
        );
        assert_eq!(j["slots"][0]["phantom"].as_array().unwrap().len(), 3);
        // Every format carries it: Prometheus (the reference parser), Nagios, the table.
        let prom = w.recdiag().args(["health", "--format", "prometheus"]).run();
        let parsed = crate::formats::parse_prometheus(&prom.stdout);
        assert!(
            parsed.contains("recdiag_consistency_phantom_slots gauge [] 3\n"),
            "{parsed}"
        );
        assert!(parsed.contains("('code', 'PHANTOM_SLOTS')"), "{parsed}");
        assert!(
            parsed.contains("recdiag_runs_failed_by_cause gauge [('cause', 'no_slot')]"),
            "{parsed}"
        );
        let nagios = w.recdiag().args(["health", "--format", "nagios"]).run();
        nagios.assert_code(2);
        assert!(
            nagios.stdout.starts_with("RECDIAG CRITICAL"),
            "{}",
            nagios.stdout
        );
        assert!(nagios.stdout.contains("PHANTOM_SLOTS"), "{}", nagios.stdout);
        assert!(
            nagios.stdout.contains("phantom_slots=3;"),
            "{}",
            nagios.stdout
        );
        let table = w.recdiag().args(["health"]).run();
        assert!(
            table.stdout.contains("CRITICAL PHANTOM_SLOTS  business 7"),
            "{}",
            table.stdout
        );
        // The markers expire after 15 minutes: the app frees those slots on
        // the next download, so nothing is left to report.
        w.steps(&["age:901", "tick"]);
        let later = health(&w);
        let later_codes = codes(&later);
        assert!(
            !later_codes.contains(&"PHANTOM_SLOTS".into()),
            "{later_codes:?}"
        );
        assert_eq!(later.check("consistency")["metrics"]["phantom_slots"], 0);
    }
}

/// item 5: `rq suspend` with workers alive: critical while a job waits,
/// and `call` says the job waits on a suspension, not its turn.
#[test]
fn suspended_workers_are_named() {
    for rq in RQ_REAL_FLOW {
        let mut w = AppWorld::new(rq);
        w.start_worker();
        w.steps(&["suspend"]);
        // A worker already blocked waiting for a job runs the next one that
        // arrives, then suspends (spec §1 item 11).
        let (first, s) = (sid(50), sid(51));
        w.steps(&[&format!("call:{first}:1"), &format!("open:{first}")]);
        w.wait_for_files(std::slice::from_ref(&first));
        w.steps(&[&format!("call:{s}:1"), &format!("open:{s}"), "tick"]);
        std::thread::sleep(Duration::from_secs(2));
        assert!(
            !w.file(&s).exists(),
            "rq {rq}: the suspended worker ran a second job"
        );
        let h = health(&w);
        h.assert_code(2);
        let f = finding(&h, "WORKERS_SUSPENDED");
        assert_eq!(f["severity"], "critical");
        assert!(f["hint"].as_str().unwrap().contains("rq resume"));
        assert!(!codes(&h).contains(&"QUEUE_STALLED".into()));
        let c = call(&w, &s);
        let j = c.json();
        assert_eq!(j["verdict"], "QUEUED");
        assert_eq!(j["workers_suspended"], true);
        assert!(
            j["reason"].as_str().unwrap().contains("suspended"),
            "{}",
            j["reason"]
        );
        assert!(j["hint"].as_str().unwrap().contains("rq resume"));
    }
}

/// item 3: the API's stuck recovery gives up after 3 recoveries in its
/// window: GAVE_UP, even with older jobs still waiting.
#[test]
fn the_api_giving_up_is_gave_up() {
    for rq in RQ_REAL_FLOW {
        let w = AppWorld::new(rq);
        let s = sid(61);
        let open = format!("open:{s}");
        let out = w.steps(&[
            &format!("call:{s}:1"),
            &open,
            "age:360",
            &open,
            "age:360",
            &open,
            "age:360",
            &open,
            "age:360",
            &open,
            "tick",
        ]);
        assert!(out.contains("500 worker_not_processing_queue"), "{out}");
        let c = call(&w, &s);
        c.assert_code(2);
        let j = c.json();
        assert_eq!(j["verdict"], "GAVE_UP", "{}", c.stdout);
        assert_eq!(j["retry_attempts"], 3);
        // The run it gave up on is failed: the next open enqueues afresh
        // (and gets stuck again while no worker runs).
        assert!(
            j["hint"]
                .as_str()
                .unwrap()
                .contains("next: a reopen enqueues a new download at once"),
            "{}",
            c.stdout
        );
        assert!(
            j["jobs"]
                .as_array()
                .unwrap()
                .iter()
                .any(|j| j["status"] == "queued")
        );
        // The rate's dominant cause is the worker, not Twilio.
        let h = health(&w);
        let low = finding(&h, "LOW_COMPLETION_RATE");
        let hint = low["hint"].as_str().unwrap();
        assert!(!hint.contains("TWILIO"), "{hint}");
        assert!(hint.contains("worker"), "{hint}");
    }
}

/// item 5: ORPHANED_RUNS for a run whose enqueue failed, and never from a
/// bounded read: 20,001 waiting jobs hide no job from the comparison.
/// Real time passes (not the fixture's aging): Redis has run longer than
/// the run is old and evicted nothing, so the cause is the API's enqueue.
#[test]
fn orphans_are_found_by_lookup_not_by_a_bounded_read() {
    let (queued, broken) = (sid(71), sid(72));
    let worlds: Vec<AppWorld> = RQ_REAL_FLOW
        .iter()
        .map(|rq| {
            let w = AppWorld::new(rq);
            // 20,000 unrelated ids ahead of this call's job in the queue.
            let mut client = redis::Client::open(w.redis.url())
                .unwrap()
                .get_connection()
                .unwrap();
            let filler: Vec<String> = (0..20_000).map(|i| format!("filler_{i}")).collect();
            for chunk in filler.chunks(5_000) {
                redis::cmd("RPUSH")
                    .arg("rq:queue:recordings")
                    .arg(chunk)
                    .exec(&mut client)
                    .unwrap();
            }
            w.steps(&[
                &format!("call:{queued}:1"),
                &format!("call:{broken}:1"),
                &format!("open:{queued}"),
                &format!("open-broken:{broken}:1"),
                "tick",
            ]);
            w
        })
        .collect();
    // Past the 30 s grace, in real time.
    std::thread::sleep(Duration::from_secs(32));
    for w in &worlds {
        let rq = &w.rq;
        let h = w
            .recdiag()
            .args(["health", "--only", "consistency", "--format", "json"])
            .run();
        let o = finding(&h, "ORPHANED_RUNS");
        assert_eq!(o["subjects"], serde_json::json!([broken]), "rq {rq}: {o}");
        assert!(
            o["message"]
                .as_str()
                .unwrap()
                .contains("the API's enqueue failed"),
            "rq {rq}: {o}"
        );
        assert!(
            o["hint"].as_str().unwrap().contains("REDIS_URL in the API"),
            "{o}"
        );
        assert_eq!(h.check("consistency")["metrics"]["orphans_not_compared"], 0);
        let c = call(w, &broken);
        c.assert_code(2);
        assert_eq!(c.json()["verdict"], "STUCK");
        let reason = c.json()["reason"].as_str().unwrap().to_string();
        assert!(reason.contains("the API's enqueue failed"), "{reason}");
        // What the app does next, and when.
        let hint = c.json()["hint"].as_str().unwrap().to_string();
        assert!(hint.contains("turns 5 min old at "), "{hint}");
        assert!(hint.contains(" UTC (in 4m"), "{hint}");
    }
}

/// Redis restarted empty (the app's compose Redis has no volume and no
/// AOF): queued runs older than Redis's uptime, their jobs and locks
/// gone. ORPHANED_RUNS and call name the restart, not the API.
#[test]
fn jobs_lost_with_a_redis_restarted_empty_are_named_so() {
    for rq in RQ_REAL_FLOW {
        let mut w = AppWorld::new(rq);
        let s = sid(73);
        w.steps(&[&format!("call:{s}:1"), &format!("open:{s}")]);
        w.redis.restart_empty();
        // The run is older than the new Redis: 40 s pass.
        w.steps(&["age:40", "tick"]);
        let h = w
            .recdiag()
            .args(["health", "--only", "consistency", "--format", "json"])
            .run();
        let o = finding(&h, "ORPHANED_RUNS");
        assert_eq!(o["subjects"], serde_json::json!([s]), "rq {rq}: {o}");
        let message = o["message"].as_str().unwrap();
        assert!(message.contains("Redis started"), "rq {rq}: {o}");
        assert!(!message.contains("enqueue failed"), "rq {rq}: {o}");
        assert!(
            o["hint"].as_str().unwrap().contains("appendonly yes"),
            "{o}"
        );
        let by = &h.check("consistency")["metrics"]["orphaned_runs_by_cause"];
        assert_eq!(by["redis_restarted"], 1, "rq {rq}: {by}");
        assert_eq!(by["enqueue_failed"], 0, "rq {rq}: {by}");
        // The cause as a bounded label, for alerts.
        let p = w
            .recdiag()
            .args(["health", "--only", "consistency", "--format", "prometheus"])
            .run();
        assert!(
            p.stdout.contains(
                "recdiag_consistency_orphaned_runs_by_cause{cause=\"redis_restarted\"} 1"
            ),
            "rq {rq}:\n{}",
            p.stdout
        );
        let n = w
            .recdiag()
            .args(["health", "--only", "consistency", "--format", "nagios"])
            .run();
        assert!(
            n.stdout.contains("orphaned_runs_redis_restarted=1"),
            "rq {rq}:\n{}",
            n.stdout
        );
        let c = call(&w, &s);
        assert_eq!(c.json()["verdict"], "STUCK", "rq {rq}: {}", c.stdout);
        assert!(
            c.json()["reason"]
                .as_str()
                .unwrap()
                .contains("Redis started"),
            "rq {rq}: {}",
            c.stdout
        );
    }
}

/// Eviction under the app's allkeys-lru: the queued jobs, the queue and
/// the locks evicted. ORPHANED_RUNS names the eviction.
#[test]
fn jobs_lost_to_eviction_are_named_so() {
    // Both rq versions' worlds at once: one real wait past the grace.
    let worlds: Vec<AppWorld> = RQ_REAL_FLOW
        .iter()
        .map(|rq| {
            AppWorld::with_redis_args(
                rq,
                &["--maxmemory", "3mb", "--maxmemory-policy", "allkeys-lru"],
            )
        })
        .collect();
    let sids: Vec<String> = (74..=76).map(sid).collect();
    for w in &worlds {
        let mut steps: Vec<String> = Vec::new();
        for s in &sids {
            steps.push(format!("call:{s}:1"));
            steps.push(format!("open:{s}"));
        }
        w.steps(&steps.iter().map(String::as_str).collect::<Vec<_>>());
        // Fill Redis past maxmemory: the LRU keys (the app's jobs) go first.
        let mut client = redis::Client::open(w.redis.url())
            .unwrap()
            .get_connection()
            .unwrap();
        // Redis's LRU is sampled: keep filling until the app's jobs are
        // gone too (200 blobs usually do it; a busy machine may need more).
        let blob = vec![b'x'; 64 * 1024];
        let jobs_left = |client: &mut redis::Connection| -> usize {
            use redis::Commands as _;
            client
                .scan_match::<_, String>("rq:job:*")
                .map(|keys| keys.count())
                .unwrap_or(usize::MAX)
        };
        let locks: Vec<String> = sids.iter().map(|s| format!("job:download:1:{s}")).collect();
        let locks_left = |client: &mut redis::Connection| -> i64 {
            redis::cmd("EXISTS")
                .arg(&locks)
                .query(client)
                .unwrap_or(i64::MAX)
        };
        // Both the jobs and the app's locks must go: the sample may keep
        // either one a while longer.
        for i in 0..4000 {
            let _: redis::RedisResult<()> = redis::cmd("SET")
                .arg(format!("filler:{i}"))
                .arg(&blob)
                .query(&mut client);
            if i >= 200
                && i % 50 == 0
                && jobs_left(&mut client) == 0
                && locks_left(&mut client) == 0
            {
                break;
            }
        }
        assert_eq!(
            jobs_left(&mut client),
            0,
            "rq {}: the jobs were not evicted",
            w.rq
        );
        assert_eq!(
            locks_left(&mut client),
            0,
            "rq {}: the locks were not evicted",
            w.rq
        );
    }
    // Real time past the grace: the runs stay younger than Redis.
    std::thread::sleep(Duration::from_secs(32));
    for w in &worlds {
        let h = w
            .recdiag()
            .args(["health", "--only", "consistency", "--format", "json"])
            .run();
        let o = finding(&h, "ORPHANED_RUNS");
        let message = o["message"].as_str().unwrap();
        assert!(message.contains("evicted"), "rq {}: {o}", w.rq);
        assert!(!message.contains("enqueue failed"), "rq {}: {o}", w.rq);
        assert!(o["hint"].as_str().unwrap().contains("noeviction"), "{o}");
        let by = &h.check("consistency")["metrics"]["orphaned_runs_by_cause"];
        assert_eq!(by["evicted"], 3, "rq {}: {by}", w.rq);
    }
}

/// item 5: DUPLICATE_ACTIVE_RUNS only beyond the app's own rows.
#[test]
fn duplicates_beyond_the_apps_own_rows() {
    let w = AppWorld::new(RQ_REAL_FLOW[1]);
    let s = sid(81);
    w.db.sql(&format!(
        "INSERT INTO recording_runs (business_id, call_sid, status, job_type, created_at) VALUES \
         (1, '{s}', 'queued', 'download', now() AT TIME ZONE 'UTC'), \
         (1, '{s}', 'queued', 'download', now() AT TIME ZONE 'UTC'), \
         (1, '{s}', 'queued', 'download', now() AT TIME ZONE 'UTC')"
    ));
    let r = w.recdiag().args(["runs", "--format", "json"]).run();
    let d = finding(&r, "DUPLICATE_ACTIVE_RUNS");
    assert_eq!(d["subjects"], serde_json::json!([s]));
}

/// item 6: the app's own allkeys-lru Redis, acknowledged.
#[test]
fn accepted_findings_stay_but_do_not_count() {
    let w = AppWorld::with_redis_args(
        RQ_REAL_FLOW[1],
        &["--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru"],
    );
    w.steps(&["tick"]);
    let plain = w
        .recdiag()
        .args(["health", "--only", "redis", "--format", "json"])
        .run();
    plain.assert_code(1);
    let accepted = w
        .recdiag()
        .args(["health", "--only", "redis", "--format", "json"])
        .args(["--accept", "REDIS_EVICTION_POLICY"])
        .run();
    accepted.assert_code(0);
    let f = finding(&accepted, "REDIS_EVICTION_POLICY");
    assert_eq!(f["accepted"], true);
    assert_eq!(accepted.json()["status"], "ok");
    // The same from the environment and from .env; a wrong code is usage.
    w.recdiag()
        .args(["health", "--only", "redis"])
        .env("RECDIAG_ACCEPT", "redis_eviction_policy,NO_WORKERS")
        .run()
        .assert_code(0);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        format!(
            "REDIS_URL={}\nRECDIAG_ACCEPT=REDIS_EVICTION_POLICY\n",
            w.redis.url()
        ),
    )
    .unwrap();
    let from_file = crate::support::Recdiag::in_dir(dir.path())
        .args(["health", "--only", "redis"])
        .run();
    from_file.assert_code(0);
    assert!(
        from_file
            .stdout
            .contains("REDIS_EVICTION_POLICY (accepted)"),
        "{}",
        from_file.stdout
    );
    assert!(
        from_file.stdout.contains("1 accepted"),
        "{}",
        from_file.stdout
    );
    let nagios = w
        .recdiag()
        .args([
            "health",
            "--only",
            "redis",
            "--format",
            "nagios",
            "--accept",
            "REDIS_EVICTION_POLICY",
        ])
        .run();
    nagios.assert_code(0);
    assert!(nagios.stdout.starts_with("RECDIAG OK"), "{}", nagios.stdout);
    let bad = w
        .recdiag()
        .args(["health", "--accept", "LEAKED_SLOTS"])
        .run();
    bad.assert_code(3);
    assert!(bad.stderr.contains("not a finding code"), "{}", bad.stderr);
}

/// item 7: a failed full job reads 'waitpid returned 256' on rq >= 2; the
/// run's own error is shown beside it, and the notes say where download
/// failures go.
#[test]
fn failed_explains_this_apps_killed_work_horses() {
    for rq in RQ_REAL_FLOW {
        let w = AppWorld::new(rq);
        // A webhook's full job while the business's slots are jammed: every
        // attempt raises 'No slot available', RQ retries it 3 times, and the
        // app's exception handler kills each work-horse. (A missing call_log
        // alone does not get there: the run's retry_count rises twice per
        // attempt, so the third attempt ends 'after 5 retries' and returns.)
        let mut steps: Vec<String> = Vec::new();
        for n in 91..=96 {
            steps.push(format!("call:{}:9:slow-4", sid(n)));
            steps.push(format!("open:{}", sid(n)));
        }
        steps.push("work:5".into());
        steps.push(format!("full:{}:9", sid(97)));
        steps.push("work".into());
        w.steps(&steps.iter().map(String::as_str).collect::<Vec<_>>());
        let r = w.recdiag().args(["failed", "--format", "json"]).run();
        let j = r.json();
        let job = &j["jobs"][0];
        assert_eq!(job["horse_killed"], true, "rq {rq}: {}", r.stdout);
        let run_error = job["run_error"].as_str().unwrap_or("");
        assert!(run_error.starts_with("No slot available"), "{run_error}");
        let notes = j["notes"].to_string();
        assert!(notes.contains("never in this registry"), "{notes}");
        assert!(notes.contains("waitpid returned 256"), "{notes}");
        // 256 is this app's exception handler, never a killed work-horse.
        assert!(
            !j["findings"].to_string().contains("WORKHORSE_KILLED"),
            "{}",
            r.stdout
        );
        let table = w.recdiag().args(["failed"]).run();
        assert!(table.stdout.contains("error:"), "{}", table.stdout);
    }
}

/// A webhook's full job whose recording Twilio refuses (401): the job
/// raises, RQ runs it 4 times, the app's handler kills each work-horse
/// ('waitpid returned 256'), and the run ends 'Audio file not available -
/// retry 4/5'. The cause is that the recording could not be obtained —
/// never the webhook's order, never a killed work-horse — and the log names
/// the 401.
#[test]
fn a_full_job_refused_by_twilio_is_a_download_failure() {
    for rq in RQ_REAL_FLOW {
        let w = AppWorld::new(rq);
        let s = sid(98);
        w.steps(&[
            &format!("call:{s}:1:http-401"),
            &format!("full:{s}:1"),
            "work",
            "tick",
        ]);
        let error = w.query(&format!(
            "SELECT error_message FROM recording_runs WHERE call_sid = '{s}'"
        ));
        assert!(
            error.starts_with("Audio file not available - retry"),
            "rq {rq}: {error}"
        );
        let c = call(&w, &s);
        let j = c.json();
        assert_eq!(j["verdict"], "FAILED", "rq {rq}: {}", c.stdout);
        assert_eq!(j["cause"], "download_error", "rq {rq}: {}", c.stdout);
        let said = format!("{} {}", j["reason"], j["hint"]);
        assert!(said.contains("could not be obtained"), "rq {rq}: {said}");
        assert!(!said.contains("webhook"), "rq {rq}: {said}");
        // With the worker's log: Twilio's 401, and what to do about it.
        let l = w
            .recdiag()
            .args(["call", &s, "--format", "json", "--log"])
            .arg(w.log_path())
            .run();
        let lj = l.json();
        assert_eq!(
            lj["log_evidence"]["cause"], "unauthorized_401",
            "rq {rq}: {}",
            l.stdout
        );
        assert!(
            lj["hint"].as_str().unwrap().contains("TWILIO_AUTH_TOKEN"),
            "{}",
            l.stdout
        );
        // RQ's failed registry holds it with 'waitpid returned 256': no kill.
        let f = w.recdiag().args(["failed", "--format", "json"]).run();
        let fj = f.json();
        assert_eq!(fj["jobs"][0]["horse_killed"], true, "rq {rq}: {}", f.stdout);
        assert!(
            !fj["findings"].to_string().contains("WORKHORSE_KILLED"),
            "{}",
            f.stdout
        );
        let h = health(&w);
        let codes = codes(&h);
        assert!(
            !codes.contains(&"WORKHORSE_KILLED".to_string()),
            "rq {rq}: {codes:?}"
        );
        let low = finding(&h, "LOW_COMPLETION_RATE");
        assert!(
            low["message"]
                .as_str()
                .unwrap()
                .contains("could not be obtained"),
            "rq {rq}: {low}"
        );
    }
}

/// item 5: the scheduler's lock alone never decides; its trail does.
#[test]
fn scheduler_down_only_without_lock_and_trail() {
    let w = AppWorld::new(RQ_REAL_FLOW[1]);
    let only = |w: &AppWorld| {
        w.recdiag()
            .args(["health", "--only", "workers", "--format", "json"])
            .run()
    };
    assert!(codes(&only(&w)).contains(&"SCHEDULER_DOWN".into()));
    // A tick 60 s ago whose lock has lapsed between cycles: alive.
    w.steps(&["tick:60:nolock"]);
    assert!(!codes(&only(&w)).contains(&"SCHEDULER_DOWN".into()));
    let stale = AppWorld::new(RQ_REAL_FLOW[1]);
    stale.steps(&["tick:400:nolock"]);
    let r = only(&stale);
    let f = finding(&r, "SCHEDULER_DOWN");
    assert!(f["message"].as_str().unwrap().contains("the newest"), "{f}");
}

/// item 5: files past the retention, and a table without its indexes.
#[test]
fn old_recordings_and_missing_indexes() {
    let w = AppWorld::new(RQ_REAL_FLOW[1]);
    let s = sid(101);
    w.steps(&[
        &format!("call:{s}:1"),
        &format!("open:{s}"),
        "work",
        "age:777600",
    ]);
    let dir = w.recdiag().args(["dir", "--format", "json"]).run();
    let f = finding(&dir, "RECORDINGS_NOT_CLEANED");
    assert!(f["message"].as_str().unwrap().contains("9d"), "{f}");
    // Analyzed, so the planner has a row estimate to give.
    w.db.sql("DROP INDEX ix_recording_runs_created_at; DROP INDEX ix_recording_runs_call_sid; ANALYZE recording_runs");
    let runs = w.recdiag().args(["runs", "--format", "json"]).run();
    let m = finding(&runs, "MISSING_INDEX");
    assert_eq!(
        m["subjects"],
        serde_json::json!(["recording_runs.created_at", "recording_runs.call_sid"])
    );
    // The estimate is read only when an index is missing: it is, so it is.
    let text = m["message"].as_str().unwrap();
    assert!(text.contains("(about ") && text.contains(" rows)"), "{m}");
    // An index made another way (migration 106's name) counts: columns decide.
    w.db.sql(
        "CREATE INDEX idx_recording_runs_created_at ON recording_runs (created_at); \
              CREATE INDEX idx_recording_runs_call_sid ON recording_runs (call_sid)",
    );
    let again = w.recdiag().args(["runs", "--format", "json"]).run();
    assert!(!codes(&again).contains(&"MISSING_INDEX".into()));
}

/// item 3: EXPIRED and PARENT_LEG_ONLY.
#[test]
fn expired_calls_and_parent_legs() {
    for rq in RQ_REAL_FLOW {
        let w = AppWorld::new(rq);
        let (old, parent, child) = (sid(111), sid(112), sid(113));
        w.steps(&[
            &format!("call:{old}:1:ok::777600"),
            &format!("call:{parent}:1"),
            &format!("call:{child}:1:ok:{parent}"),
            &format!("open:{parent}"),
            "work",
            &format!("open:{child}"),
            "work",
        ]);
        let e = call(&w, &old);
        e.assert_code(1);
        assert_eq!(e.json()["verdict"], "EXPIRED");
        let p = call(&w, &child);
        p.assert_code(2);
        assert_eq!(p.json()["verdict"], "PARENT_LEG_ONLY", "{}", p.stdout);
    }
}

/// `call` and `health` agree on every SID they both judge: a SID that a
/// health finding names is never READY in `call`; an orphan is STUCK; a
/// failed call behind the completion rate is FAILED; and a READY call is
/// named by no finding.
#[test]
fn call_and_health_agree_on_every_sid() {
    for rq in RQ_REAL_FLOW {
        let mut w = AppWorld::new(rq);
        let (ok, denied, orphan, waiting) = (sid(201), sid(202), sid(203), sid(204));
        let mut steps: Vec<String> = vec![
            format!("call:{ok}:1"),
            format!("open:{ok}"),
            format!("call:{denied}:1:http-401"),
            format!("open:{denied}"),
            format!("call:{orphan}:1"),
            format!("open-broken:{orphan}:1"),
        ];
        for n in 211..=216 {
            steps.push(format!("call:{}:7:slow-4", sid(n)));
            steps.push(format!("open:{}", sid(n)));
        }
        steps.push("work:5".into());
        steps.push(format!("call:{waiting}:1"));
        steps.push("age:400".into());
        steps.push(format!("open:{waiting}"));
        steps.push("tick".into());
        w.steps(&steps.iter().map(String::as_str).collect::<Vec<_>>());
        let h = health(&w);
        let mut judged: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for f in findings(&h) {
            for s in f["subjects"].as_array().unwrap() {
                if let Some(s) = s.as_str().filter(|s| s.starts_with("CA")) {
                    judged
                        .entry(s.to_string())
                        .or_default()
                        .push(f["code"].as_str().unwrap().to_string());
                }
            }
        }
        assert!(judged.contains_key(&orphan), "{judged:?}");
        let mut sids: Vec<String> = judged.keys().cloned().collect();
        sids.extend([ok.clone(), waiting.clone()]);
        for s in &sids {
            let c = call(&w, s);
            let verdict = c.json()["verdict"]
                .as_str()
                .unwrap_or("UNDECIDED")
                .to_string();
            let codes = judged.get(s).cloned().unwrap_or_default();
            if codes.is_empty() {
                assert!(
                    matches!(verdict.as_str(), "READY" | "QUEUED" | "DOWNLOADING"),
                    "rq {rq}: {s} is named by no finding but call says {verdict}"
                );
                continue;
            }
            assert_ne!(verdict, "READY", "rq {rq}: {s} {codes:?}");
            if codes.contains(&"ORPHANED_RUNS".to_string()) {
                assert_eq!(verdict, "STUCK", "rq {rq}: {s} {codes:?}");
            }
            if codes.contains(&"LOW_COMPLETION_RATE".to_string()) {
                assert_eq!(verdict, "FAILED", "rq {rq}: {s} {codes:?}");
            }
        }
        // A worker comes back: the waiting call downloads and is READY,
        // and no finding names it any more.
        w.start_worker();
        w.wait_for_files(std::slice::from_ref(&waiting));
        let h = health(&w);
        assert!(!h.stdout.contains(&waiting), "{}", h.stdout);
        assert_eq!(call(&w, &waiting).json()["verdict"], "READY");
    }
}
