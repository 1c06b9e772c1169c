//! The shipped alert rules (monitoring/recdiag.rules.yml), held to real
//! recdiag output with Debian's promtool: `promtool check rules`, and
//! `promtool test rules` on monitoring/tests/, whose input series are what
//! `recdiag health --format prometheus` printed in real test worlds (the
//! app's own flow: real rq workers, PostgreSQL, the recordings directory).
//! Refresh the test file with `UPDATE_GENERATED=1 cargo test monitoring`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::app::{AppWorld, sid};
use crate::support::prometheus::run_promtool;
use crate::support::python::RQ_APP;
use crate::support::{Recdiag, free_port, wait_until};

const INSTANCE: &str = "app:9847";
const JOB: &str = "recdiag";
const TEST_FILE: &str = "monitoring/tests/recdiag.rules.test.yml";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Which alert a finding fires: the README's alert table, as a function.
fn alert_for(code: &str, severity: &str) -> &'static str {
    match code {
        "NO_WORKERS" | "QUEUE_NOT_WATCHED" if severity == "critical" => "RecordingsNoLiveWorker",
        "WORKERS_SUSPENDED" => "RecordingsWorkersSuspended",
        "QUEUE_STALLED" => "RecordingsQueueStalled",
        "ORPHANED_RUNS" => "RecordingsJobsLost",
        "ABANDONED_JOBS" | "WORKHORSE_KILLED" => "RecordingsJobsAbandoned",
        "PHANTOM_SLOTS" => "RecordingsPhantomSlots",
        "LOW_COMPLETION_RATE" => "RecordingsLowCompletionRate",
        "REDIS_UNREACHABLE" | "REDIS_URL_MISSING" | "REDIS_URL_INVALID" => {
            "RecordingsRedisUnreachable"
        }
        "DATABASE_UNREACHABLE"
        | "DATABASE_URL_MISSING"
        | "DATABASE_URL_INVALID"
        | "SCHEMA_MISMATCH" => "RecordingsDatabaseUnreachable",
        "REDIS_EVICTION_POLICY" | "REDIS_MEMORY_HIGH" => "RecordingsRedisEviction",
        "RECORDINGS_DIR_MISSING" | "RECORDINGS_DIR_UNREADABLE" | "RECORDINGS_DIR_NOT_WRITABLE" => {
            "RecordingsDirectoryUnusable"
        }
        "DISK_SPACE_LOW" => "RecordingsDiskLow",
        _ => "RecordingsFinding",
    }
}

/// The rules file's alerts, in order: (name, summary template, runbook template).
fn rules_alerts() -> Vec<(String, String, String)> {
    let text = fs::read_to_string(root().join("monitoring/recdiag.rules.yml")).unwrap();
    let unquote = |v: &str| v.trim().trim_matches('"').to_string();
    let mut out: Vec<(String, String, String)> = Vec::new();
    for line in text.lines() {
        let l = line.trim();
        if let Some(name) = l.strip_prefix("- alert:") {
            out.push((name.trim().to_string(), String::new(), String::new()));
        } else if let (Some(summary), Some(last)) = (l.strip_prefix("summary:"), out.last_mut()) {
            last.1 = unquote(summary);
        } else if let (Some(url), Some(last)) = (l.strip_prefix("runbook_url:"), out.last_mut()) {
            last.2 = unquote(url);
        }
    }
    out
}

/// An annotation template with these labels (the few forms the rules use).
fn render(template: &str, labels: &BTreeMap<String, String>) -> String {
    let mut s = template.to_string();
    let with = "{{ with $labels.instance }} on {{ . }}{{ end }}";
    let on = labels
        .get("instance")
        .map(|i| format!(" on {i}"))
        .unwrap_or_default();
    s = s.replace(with, &on);
    for (k, v) in labels {
        s = s.replace(&format!("{{{{ $labels.{k} }}}}"), v);
    }
    s
}

/// One world's `recdiag health --format prometheus`.
struct Capture {
    name: &'static str,
    what: &'static str,
    text: String,
}

/// (series with instance and job added, value) of an exposition.
fn series(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.rsplit_once(' '))
        .map(|(s, v)| {
            let extra = format!("instance=\"{INSTANCE}\",job=\"{JOB}\"");
            let s = match s.split_once('{') {
                Some((name, rest)) => format!("{name}{{{extra},{rest}"),
                None => format!("{s}{{{extra}}}"),
            };
            (s, v.to_string())
        })
        .collect()
}

/// The label `key` of a sample line.
fn label<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let start = line.find(&format!("{key}=\""))? + key.len() + 2;
    let len = line[start..].find('"')?;
    Some(&line[start..start + len])
}

fn positive(line: &str) -> bool {
    line.rsplit(' ')
        .next()
        .and_then(|v| v.parse::<f64>().ok())
        .is_some_and(|v| v > 0.0)
}

/// The alerts this output must fire: alert name → each alert's labels.
fn expected(text: &str) -> BTreeMap<String, BTreeSet<BTreeMap<String, String>>> {
    let mut out: BTreeMap<String, BTreeSet<BTreeMap<String, String>>> = BTreeMap::new();
    let base = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        let mut m: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        m.insert("instance".into(), INSTANCE.into());
        m.insert("job".into(), JOB.into());
        m
    };
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    for l in lines
        .iter()
        .filter(|l| l.starts_with("recdiag_findings{") && positive(l))
        .filter(|l| label(l, "accepted") == Some("false"))
    {
        let (Some(code), Some(severity)) = (label(l, "code"), label(l, "severity")) else {
            continue;
        };
        let alert = alert_for(code, severity);
        if alert == "RecordingsJobsLost" {
            for c in lines
                .iter()
                .filter(|l| l.starts_with("recdiag_consistency_orphaned_runs_by_cause{"))
                .filter(|l| positive(l))
                .filter_map(|l| label(l, "cause"))
            {
                out.entry(alert.into()).or_default().insert(base(&[
                    ("cause", c),
                    ("code", "ORPHANED_RUNS"),
                    ("severity", "critical"),
                ]));
            }
        } else {
            out.entry(alert.into())
                .or_default()
                .insert(base(&[("code", code), ("severity", severity)]));
        }
    }
    out
}

fn yaml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn alert_tests(
    out: &mut String,
    alerts: &[(String, String, String)],
    firing: &BTreeMap<String, BTreeSet<BTreeMap<String, String>>>,
    eval: &str,
) {
    out.push_str("    alert_rule_test:\n");
    for (name, summary, runbook) in alerts {
        let Some(instances) = firing.get(name) else {
            out.push_str(&format!(
                "      - eval_time: {eval}\n        alertname: {name}\n        exp_alerts: []\n"
            ));
            continue;
        };
        // Before its `for:` has passed, the alert holds back.
        out.push_str(&format!(
            "      - eval_time: 1m\n        alertname: {name}\n        exp_alerts: []\n"
        ));
        out.push_str(&format!(
            "      - eval_time: {eval}\n        alertname: {name}\n        exp_alerts:\n"
        ));
        for labels in instances {
            out.push_str("          - exp_labels:\n");
            for (k, v) in labels {
                out.push_str(&format!("              {k}: {}\n", yaml_str(v)));
            }
            out.push_str("            exp_annotations:\n");
            out.push_str(&format!(
                "              summary: {}\n              runbook_url: {}\n",
                yaml_str(&render(summary, labels)),
                yaml_str(&render(runbook, labels))
            ));
        }
    }
}

/// The promtool test file for these captures.
fn test_file(captures: &[Capture]) -> String {
    let alerts = rules_alerts();
    let mut out = String::from(
        "# Generated by tests/integration/monitoring.rs from what recdiag printed in\n\
         # real test worlds (UPDATE_GENERATED=1 cargo test monitoring): do not edit.\n\
         # Each world's series are held for 40 minutes; every alert is evaluated:\n\
         # those its findings fire (and not before their `for:`), the rest quiet.\n\
         rule_files:\n  - ../recdiag.rules.yml\nevaluation_interval: 1m\ntests:\n",
    );
    for c in captures {
        out.push_str(&format!(
            "  - name: {}\n    interval: 1m\n    input_series:\n",
            yaml_str(&format!("{}: {}", c.name, c.what))
        ));
        input_series(&mut out, &c.text, |_, v| format!("{v}x40"));
        alert_tests(&mut out, &alerts, &expected(&c.text), "40m");
    }
    // recdiag itself: the healthy world's series, as if its last run were
    // at the test's start (promtool's clock) and none since — a textfile
    // no longer rewritten; then the same series stopping after 5 minutes
    // (serve's scrapes failing: the series go stale).
    let healthy = &captures[0].text;
    let not_reporting = |labels: &[(&str, &str)]| {
        let mut m: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        m.insert("code".into(), "RECDIAG_NOT_REPORTING".into());
        m.insert("severity".into(), "warning".into());
        m
    };
    let both = [("instance", INSTANCE), ("job", JOB)];
    out.push_str(
        "  - name: \"stale: the healthy world's series, its last run long past (a textfile no longer rewritten)\"\n\
         \x20   interval: 1m\n    input_series:\n",
    );
    input_series(&mut out, healthy, |name, v| {
        if name.starts_with("recdiag_last_run_timestamp_seconds{") {
            "0x40".to_string()
        } else {
            format!("{v}x40")
        }
    });
    let stale = BTreeMap::from([(
        "RecdiagNotReporting".to_string(),
        BTreeSet::from([not_reporting(&both)]),
    )]);
    alert_tests(&mut out, &alerts, &stale, "15m");
    out.push_str(
        "  - name: \"went_silent: the healthy world's series for 5 minutes, then none (its scrapes fail)\"\n\
         \x20   interval: 1m\n    input_series:\n",
    );
    input_series(&mut out, healthy, |_, v| format!("{v}x5"));
    let silent_after = BTreeMap::from([(
        "RecdiagNotReporting".to_string(),
        BTreeSet::from([not_reporting(&both), not_reporting(&[])]),
    )]);
    alert_tests(&mut out, &alerts, &silent_after, "20m");
    // Nothing reports at all: only the alert on recdiag itself.
    out.push_str(
        "  - name: \"silent: no recdiag series at all (serve down, the cron job or the textfile gone)\"\n\
         \x20   interval: 1m\n    input_series: []\n",
    );
    let mut silent = BTreeMap::new();
    silent.insert(
        "RecdiagNotReporting".to_string(),
        BTreeSet::from([BTreeMap::from([
            ("code".to_string(), "RECDIAG_NOT_REPORTING".to_string()),
            ("severity".to_string(), "warning".to_string()),
        ])]),
    );
    alert_tests(&mut out, &alerts, &silent, "10m");
    out
}

/// Each series of `text` with its `values` line, made by `values(series, value)`.
fn input_series(out: &mut String, text: &str, values: impl Fn(&str, &str) -> String) {
    for (s, v) in series(text) {
        out.push_str(&format!(
            "      - series: '{}'\n        values: '{}'\n",
            s.replace('\'', "''"),
            values(&s, &v)
        ));
    }
}

/// The test file without its input series' lines (values vary per run:
/// durations, ages, free bytes): what each world must fire.
fn expectations(file: &str) -> String {
    file.lines()
        .filter(|l| !l.starts_with("      - series: ") && !l.starts_with("        values: "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn prometheus(r: Recdiag, extra: &[&str]) -> String {
    let run = r
        .args(["health", "--format", "prometheus"])
        .args(extra)
        .run();
    assert!(
        run.stdout.contains("recdiag_last_run_timestamp_seconds"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    run.stdout
}

/// The worlds, each as the app really runs and breaks.
fn captures() -> Vec<Capture> {
    let mut out = Vec::new();

    // Healthy: downloads done 20 minutes ago, a live worker, the scheduler ticking.
    let mut w = AppWorld::new(RQ_APP);
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
    w.steps(&["age:1200", "tick"]);
    out.push(Capture {
        name: "healthy",
        what: "downloads done, a live worker, the scheduler ticking",
        text: prometheus(w.recdiag(), &[]),
    });
    // The same world, its volume short of the space the threshold asks.
    out.push(Capture {
        name: "disk_low",
        what: "the healthy world with --min-free-percent 100",
        text: prometheus(w.recdiag(), &["--min-free-percent", "100"]),
    });
    // The only worker killed while downloads wait.
    w.kill_workers();
    let waiting: Vec<String> = (4..=5).map(sid).collect();
    let mut steps: Vec<String> = Vec::new();
    for s in &waiting {
        steps.push(format!("call:{s}:1"));
        steps.push(format!("open:{s}"));
    }
    steps.push("tick".into());
    w.steps(&steps.iter().map(String::as_str).collect::<Vec<_>>());
    // A killed worker's key still looks alive until a job has waited past
    // its chance to take it (recdiag's "dead by its conduct"): 10 s without
    // a heartbeat once its Redis connection is seen gone, 45 s without that
    // evidence. Which applies here depends on whether the worker took the
    // last tick's job (a fresh heartbeat) before it was killed, and on when
    // it was born against Redis's whole-second uptime: past 45 s the world
    // is what it says either way (at 12 s it was not, now and then, under
    // the whole suite's load).
    std::thread::sleep(Duration::from_secs(47));
    out.push(Capture {
        name: "no_worker",
        what: "the only worker killed while downloads wait",
        text: prometheus(w.recdiag(), &[]),
    });
    drop(w);

    // rq suspend: the worker lives and runs nothing while a download waits.
    let mut w = AppWorld::new(RQ_APP);
    w.start_worker();
    w.steps(&["suspend"]);
    let (first, second) = (sid(50), sid(51));
    w.steps(&[&format!("call:{first}:1"), &format!("open:{first}")]);
    w.wait_for_files(std::slice::from_ref(&first));
    w.steps(&[
        &format!("call:{second}:1"),
        &format!("open:{second}"),
        "tick",
    ]);
    std::thread::sleep(Duration::from_secs(2));
    out.push(Capture {
        name: "suspended",
        what: "rq suspend with a download waiting",
        text: prometheus(w.recdiag(), &[]),
    });
    drop(w);

    // Redis restarted empty under a queued download.
    let mut w = AppWorld::new(RQ_APP);
    let s = sid(73);
    w.steps(&[&format!("call:{s}:1"), &format!("open:{s}")]);
    w.redis.restart_empty();
    w.steps(&["age:40", "tick"]);
    out.push(Capture {
        name: "redis_restarted",
        what: "Redis restarted empty under a queued download",
        text: prometheus(w.recdiag(), &[]),
    });
    drop(w);

    // A business's slots jammed by dead runs.
    let w = AppWorld::new(RQ_APP);
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
    out.push(Capture {
        name: "phantom_slots",
        what: "a business's slots held by dead runs, its downloads refused",
        text: prometheus(w.recdiag(), &[]),
    });
    drop(w);

    // Twilio answers 401 to every download.
    let w = AppWorld::new(RQ_APP);
    let mut steps: Vec<String> = Vec::new();
    for n in 31..=33 {
        steps.push(format!("call:{}:1:http-401", sid(n)));
        steps.push(format!("open:{}", sid(n)));
    }
    steps.push("work".into());
    steps.push("tick".into());
    w.steps(&steps.iter().map(String::as_str).collect::<Vec<_>>());
    out.push(Capture {
        name: "twilio_401",
        what: "every download refused by Twilio (401)",
        text: prometheus(w.recdiag(), &[]),
    });
    drop(w);

    // Under the app's own allkeys-lru, the OOM killer takes a work-horse
    // mid-download; RQ's retry downloads the call.
    let mut w = AppWorld::with_redis_args(RQ_APP, &["--maxmemory-policy", "allkeys-lru"]);
    let s = sid(901);
    w.steps(&[&format!("call:{s}:7:slow-6"), &format!("open:{s}"), "tick"]);
    w.start_worker();
    let running = wait_until(Duration::from_secs(30), || {
        w.query("SELECT count(*) FROM recording_runs WHERE status = 'running'") == "1"
    });
    assert!(running, "no download started");
    assert!(w.kill_work_horses() >= 1, "no work-horse to kill");
    assert!(
        wait_until(Duration::from_secs(60), || w.file(&s).is_file()),
        "RQ's retry did not download the call"
    );
    assert!(wait_until(Duration::from_secs(10), || {
        w.query("SELECT count(*) FROM recording_runs WHERE status = 'completed'") == "1"
    }));
    out.push(Capture {
        name: "work_horse_killed",
        what: "allkeys-lru, and a work-horse killed mid-download",
        text: prometheus(w.recdiag(), &[]),
    });
    drop(w);

    // What real rq wrote (the 3.0 capture): a job that waited past
    // --max-queue-age while a worker listened, a started job whose worker
    // is gone, failed jobs.
    let server = crate::support::RedisServer::start();
    let capture = crate::support::fixtures::load_rq(&server, "3.0.0");
    out.push(Capture {
        name: "rq_capture",
        what: "real rq 3.0 data: a stalled queue (--max-queue-age 20s), an abandoned job, failed jobs",
        text: prometheus(
            Recdiag::new()
                .env("REDIS_URL", server.url())
                .env("RECDIAG_NOW", &capture.captured_at),
            &["--only", "redis,queues,workers", "--max-queue-age", "20s"],
        ),
    });

    // Nothing to read: Redis and PostgreSQL down, the volume not mounted.
    let dir = tempfile::tempdir().unwrap();
    out.push(Capture {
        name: "sources_down",
        what: "Redis and PostgreSQL refuse connections, the recordings volume is not mounted",
        text: prometheus(
            Recdiag::new()
                .env("REDIS_URL", format!("redis://127.0.0.1:{}/0", free_port()))
                .env(
                    "DATABASE_URL",
                    format!("postgresql://app@127.0.0.1:{}/app", free_port()),
                )
                .env("RECORDINGS_DIR", dir.path().join("not-mounted")),
            &[],
        ),
    });
    out
}

fn promtool_test(dir: &Path, file: &str) {
    let (ok, out) = run_promtool(dir, &["test", "rules", file]);
    assert!(ok, "promtool test rules {file}:\n{out}");
}

#[test]
fn the_rules_pass_promtool_and_name_only_what_exists() {
    let (ok, out) = run_promtool(&root(), &["check", "rules", "monitoring/recdiag.rules.yml"]);
    assert!(ok, "promtool check rules:\n{out}");
    let rules = fs::read_to_string(root().join("monitoring/recdiag.rules.yml")).unwrap();
    // Every code a rule names is a finding code (or the alert on recdiag).
    let mut named = BTreeSet::new();
    for part in rules.split("code").skip(1) {
        let part = part.trim_start_matches(['=', '~', '!', ':', ' ']);
        let part = part.trim_start_matches('"');
        let end = part
            .find(|c: char| !(c.is_ascii_uppercase() || c == '_' || c == '|'))
            .unwrap_or(part.len());
        for code in part[..end].split('|').filter(|c| !c.is_empty()) {
            named.insert(code.to_string());
        }
    }
    assert!(named.len() > 20, "{named:?}");
    for code in &named {
        assert!(
            recdiag::model::FindingCode::parse(code).is_some()
                || code == recdiag::generate::NOT_REPORTING,
            "the rules name {code}, which is no finding code"
        );
    }
    // Each alert has a summary and a runbook that exists for its codes.
    let alerts = rules_alerts();
    assert_eq!(alerts.len(), 14, "{alerts:?}");
    for (name, summary, runbook) in &alerts {
        assert!(!summary.is_empty(), "{name} has no summary");
        assert!(runbook.starts_with("docs/runbooks/"), "{name}: {runbook}");
    }
    for code in recdiag::model::FindingCode::ALL {
        assert!(
            root()
                .join(format!("docs/runbooks/{}.md", code.as_str()))
                .is_file(),
            "no runbook for {}",
            code.as_str()
        );
    }
    // The README's alert table names the same alerts, in the same order.
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let table = readme
        .split("<!-- alerts:begin -->")
        .nth(1)
        .and_then(|t| t.split("<!-- alerts:end -->").next())
        .expect("README has the alerts table");
    let in_readme: Vec<String> = table
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect();
    let in_rules: Vec<String> = alerts.iter().map(|a| a.0.clone()).collect();
    assert_eq!(
        in_readme, in_rules,
        "the README's alert table and the rules differ"
    );
}

#[test]
fn alerts_fire_on_real_output_and_stay_quiet_on_a_healthy_pipeline() {
    let captures = captures();
    // The worlds are what they say: a healthy one fires nothing.
    assert!(
        expected(&captures[0].text).is_empty(),
        "{}",
        captures[0].text
    );
    let fired: BTreeSet<String> = captures
        .iter()
        .flat_map(|c| expected(&c.text).into_keys())
        .collect();
    for alert in [
        "RecordingsQueueStalled",
        "RecordingsJobsAbandoned",
        "RecordingsRedisEviction",
        "RecordingsFinding",
        "RecordingsNoLiveWorker",
        "RecordingsWorkersSuspended",
        "RecordingsJobsLost",
        "RecordingsPhantomSlots",
        "RecordingsLowCompletionRate",
        "RecordingsRedisUnreachable",
        "RecordingsDatabaseUnreachable",
        "RecordingsDirectoryUnusable",
        "RecordingsDiskLow",
    ] {
        assert!(
            fired.contains(alert),
            "no world fires {alert}: {fired:?}\n{}",
            captures
                .iter()
                .map(|c| format!(
                    "{}: {}",
                    c.name,
                    c.text
                        .lines()
                        .filter(|l| l.starts_with("recdiag_findings{"))
                        .collect::<Vec<_>>()
                        .join(" ")
                ))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    let fresh = test_file(&captures);
    let scratch = tempfile::tempdir().unwrap();
    let tests = scratch.path().join("tests");
    fs::create_dir_all(&tests).unwrap();
    fs::copy(
        root().join("monitoring/recdiag.rules.yml"),
        scratch.path().join("recdiag.rules.yml"),
    )
    .unwrap();
    fs::write(tests.join("fresh.test.yml"), &fresh).unwrap();
    promtool_test(&tests, "fresh.test.yml");

    let kept_path = root().join(TEST_FILE);
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        fs::create_dir_all(kept_path.parent().unwrap()).unwrap();
        fs::write(&kept_path, &fresh).unwrap();
    }
    let kept = fs::read_to_string(&kept_path).unwrap_or_default();
    assert_eq!(
        expectations(&kept),
        expectations(&fresh),
        "{TEST_FILE} no longer says what recdiag's output fires: \
         run UPDATE_GENERATED=1 cargo test monitoring"
    );
    promtool_test(&root().join("monitoring/tests"), "recdiag.rules.test.yml");
}

/// GET `path` of a server on loopback, as JSON (HTTP/1.0: the body whole,
/// never chunked).
fn get_json(port: u16, path: &str) -> serde_json::Value {
    try_get_json(port, path).unwrap_or_else(|raw| panic!("GET {path}: {raw}"))
}

/// [`get_json`], or the whole answer when it is no 200 with JSON (a
/// server still starting answers 503).
fn try_get_json(port: u16, path: &str) -> Result<serde_json::Value, String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("read the answer");
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    if !head.contains(" 200 ") {
        return Err(raw);
    }
    serde_json::from_str(body).map_err(|e| format!("{e}: {raw}"))
}

/// Alertmanager's active alerts named `name`: (job, code, runbook_url).
fn alerts_in(am: u16, name: &str) -> Vec<(String, String, String)> {
    get_json(am, "/api/v2/alerts")
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|a| a["labels"]["alertname"] == name)
        .map(|a| {
            let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
            (
                s(&a["labels"]["job"]),
                s(&a["labels"]["code"]),
                s(&a["annotations"]["runbook_url"]),
            )
        })
        .collect()
}

/// The shipped rules, end to end: Prometheus scrapes `recdiag serve` and
/// node_exporter's textfile collector (fed by `health --output` as cron
/// would), evaluates the rules (their `for:` shortened here only), and
/// Alertmanager receives the alert: none while the pipeline is healthy;
/// the no-worker alert, with its code and runbook, once the only worker is
/// killed while downloads wait; resolved once a worker runs again.
#[test]
fn the_no_worker_alert_reaches_alertmanager_and_resolves() {
    use crate::support::prometheus::{Daemon, alertmanager, node_exporter, prometheus};
    use std::sync::atomic::{AtomicBool, Ordering};

    let mut w = AppWorld::new(RQ_APP);
    w.start_worker();
    let done: Vec<String> = (1..=2).map(sid).collect();
    let mut steps: Vec<String> = Vec::new();
    for s in &done {
        steps.push(format!("call:{s}:1"));
        steps.push(format!("open:{s}"));
    }
    steps.push("tick".into());
    w.steps(&steps.iter().map(String::as_str).collect::<Vec<_>>());
    w.wait_for_files(&done);

    let env = [
        ("REDIS_URL", w.redis.url()),
        ("DATABASE_URL", w.db.url()),
        ("RECORDINGS_DIR", w.dir.path().display().to_string()),
    ];
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let served = crate::serve::Served::start(&["--no-env-file", "--min-interval", "1s"], &env_refs);

    // The cron way: the textfile rewritten every 2 s.
    let textfiles = tempfile::tempdir().unwrap();
    let prom_file = textfiles.path().join("recdiag.prom");
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                let mut r = Recdiag::new();
                for (k, v) in &env {
                    r = r.env(k, v);
                }
                r.args(["health", "--format", "prometheus", "--output"])
                    .arg(&prom_file)
                    .run();
                std::thread::sleep(Duration::from_secs(2));
            }
        });
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            end_to_end(&mut w, &served, textfiles.path(), {
                (prometheus(), alertmanager(), node_exporter())
            })
        }));
        stop.store(true, Ordering::Relaxed);
        if let Err(e) = result {
            std::panic::resume_unwind(e);
        }
    });

    fn end_to_end(
        w: &mut AppWorld,
        served: &crate::serve::Served,
        textfiles: &Path,
        (prometheus, alertmanager, node_exporter): (PathBuf, (PathBuf, Vec<String>), PathBuf),
    ) {
        let node = Daemon::start(
            &node_exporter,
            &[
                "--web.listen-address=127.0.0.1:{port}",
                "--collector.disable-defaults",
                "--collector.textfile",
                &format!("--collector.textfile.directory={}", textfiles.display()),
            ],
        );
        let conf = tempfile::tempdir().unwrap();
        let am_conf = conf.path().join("alertmanager.yml");
        fs::write(
            &am_conf,
            "route:\n  receiver: sink\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n  - name: sink\n",
        )
        .unwrap();
        let am = Daemon::start_with(
            &alertmanager.0,
            &alertmanager.1,
            &[
                &format!("--config.file={}", am_conf.display()),
                "--storage.path={dir}/data",
                "--web.listen-address=127.0.0.1:{port}",
                "--cluster.listen-address=",
            ],
        );
        // The shipped rules, their `for:` shortened for the test only.
        let rules = fs::read_to_string(root().join("monitoring/recdiag.rules.yml")).unwrap();
        let short: String = rules
            .lines()
            .map(|l| match l.trim().strip_prefix("for: ") {
                Some(_) => format!("{}for: 3s", &l[..l.len() - l.trim_start().len()]),
                None => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        assert_ne!(short, rules, "no for: was shortened");
        fs::write(conf.path().join("recdiag.rules.yml"), short).unwrap();
        let prom_conf = conf.path().join("prometheus.yml");
        fs::write(
            &prom_conf,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
                 rule_files:\n  - {rules}\n\
                 alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:{am}']\n\
                 scrape_configs:\n  - job_name: recdiag\n    static_configs:\n      - targets: ['127.0.0.1:{serve}']\n\
                 \x20 - job_name: node\n    static_configs:\n      - targets: ['127.0.0.1:{node}']\n",
                rules = conf.path().join("recdiag.rules.yml").display(),
                am = am.port,
                serve = served.port,
                node = node.port,
            ),
        )
        .unwrap();
        let prom = Daemon::start(
            &prometheus,
            &[
                &format!("--config.file={}", prom_conf.display()),
                "--storage.tsdb.path={dir}/data",
                "--web.listen-address=127.0.0.1:{port}",
                "--rules.alert.resend-delay=1s",
            ],
        );
        let show = || format!("prometheus:\n{}\nalertmanager:\n{}", prom.log(), am.log());

        // Both ways scraped, every check up.
        let scraped = wait_until(Duration::from_secs(60), || {
            try_get_json(prom.port, "/api/v1/query?query=sum%28recdiag_up%29")
                .is_ok_and(|v| v["data"]["result"][0]["value"][1] == "12")
        });
        assert!(scraped, "recdiag's series did not arrive\n{}", show());
        // Healthy: rounds of scrapes and evaluations, and no alert at all.
        std::thread::sleep(Duration::from_secs(8));
        let all = get_json(am.port, "/api/v2/alerts");
        assert_eq!(
            all,
            serde_json::json!([]),
            "a healthy pipeline alerted\n{}",
            show()
        );

        // The only worker killed while downloads wait.
        w.kill_workers();
        let waiting: Vec<String> = (4..=5).map(sid).collect();
        let mut steps: Vec<String> = Vec::new();
        for s in &waiting {
            steps.push(format!("call:{s}:1"));
            steps.push(format!("open:{s}"));
        }
        w.steps(&steps.iter().map(String::as_str).collect::<Vec<_>>());
        let fired = wait_until(Duration::from_secs(90), || {
            let a = alerts_in(am.port, "RecordingsNoLiveWorker");
            ["recdiag", "node"].iter().all(|job| {
                a.iter().any(|(j, code, url)| {
                    j == job && code == "NO_WORKERS" && url == "docs/runbooks/NO_WORKERS.md"
                })
            })
        });
        assert!(
            fired,
            "the no-worker alert did not reach Alertmanager by both ways: {:?}\n{}",
            get_json(am.port, "/api/v2/alerts"),
            show()
        );

        // A worker again: the downloads are done and the alert resolves.
        w.start_worker();
        w.wait_for_files(&waiting);
        let resolved = wait_until(Duration::from_secs(90), || {
            alerts_in(am.port, "RecordingsNoLiveWorker").is_empty()
        });
        assert!(
            resolved,
            "the no-worker alert did not resolve: {:?}\n{}",
            get_json(am.port, "/api/v2/alerts"),
            show()
        );
    }
}
