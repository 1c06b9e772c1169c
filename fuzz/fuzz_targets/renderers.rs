//! Every renderer (table in both layouts, JSON, Prometheus, Nagios) fed a
//! whole report whose every text from outside — summaries, findings'
//! messages, hints and subjects, queue and worker names, hostnames,
//! states, numbers — is fuzzed: no panic; the table holds no control
//! character but line ends; the JSON parses; every Prometheus sample is
//! one line with its label values quoted; Nagios' first line has one `|`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use recdiag::config::Format;
use recdiag::model::{Finding, FindingCode, Metrics};
use recdiag::render::{Style, View, render, sample};
use recdiag::verdict::Thresholds;

#[path = "common/mod.rs"]
mod common;

const WORDS: &[&str] = &[
    "recordings",
    "",
    "a|b",
    "\"q\"",
    "x\ny",
    "\\",
    "\u{1b}[31m",
    "é",
];

fuzz_target!(|data: &[u8]| {
    let mut b = common::Bytes::new(data);
    let mut report = sample::report();
    for check in &mut report.checks {
        if b.bool() {
            check.summary = b.text(WORDS);
        }
        for f in &mut check.findings {
            f.message = b.text(WORDS);
            f.hint = b.text(WORDS);
            f.subjects = (0..b.u8() % 4).map(|_| b.text(WORDS)).collect();
        }
        if b.bool() {
            check.findings.push(
                Finding::new(FindingCode::QueueBacklog, b.text(WORDS))
                    .hint(b.text(WORDS))
                    .subjects([b.text(WORDS)]),
            );
        }
        match &mut check.metrics {
            Metrics::Queues(q) => {
                for queue in &mut q.queues {
                    queue.name = b.text(WORDS);
                    queue.queued = b.bool().then(|| b.i64().unsigned_abs());
                }
                q.anomalies = (0..b.u8() % 3).map(|_| b.text(WORDS)).collect();
            }
            Metrics::Workers(w) => {
                for worker in &mut w.workers {
                    worker.name = b.text(WORDS);
                    worker.hostname = b.opt_text(WORDS);
                    worker.state = b.opt_text(WORDS);
                    worker.queues = vec![b.text(WORDS)];
                    worker.current_job = b.opt_text(WORDS);
                }
            }
            Metrics::Redis(r) => {
                r.version = b.opt_text(WORDS);
                r.maxmemory_policy = b.opt_text(WORDS);
                r.latency_s = Some(b.f64());
            }
            _ => {}
        }
    }
    let t = Thresholds::default();
    let style = Style::plain();
    for (format, view) in [
        (Format::Table, View::Health),
        (Format::Table, View::Detail),
        (Format::Json, View::Health),
        (Format::Prometheus, View::Health),
        (Format::Nagios, View::Health),
    ] {
        let mut out = Vec::new();
        if render(&report, view, format, style, &t, &mut out).is_err() {
            continue;
        }
        let text = String::from_utf8(out).expect("renderers write UTF-8");
        match format {
            Format::Table => assert!(
                !text.chars().any(|c| c.is_control() && c != '\n'),
                "{text:?}"
            ),
            Format::Json => {
                serde_json::from_str::<serde_json::Value>(&text).expect("JSON parses");
            }
            Format::Prometheus => {
                for line in text.lines() {
                    assert!(!line.chars().any(char::is_control), "{line:?}");
                    if line.starts_with('#') || line.is_empty() {
                        continue;
                    }
                    // name{label="…",…} value: the value follows the last `}` or space.
                    let value = line.rsplit(' ').next().unwrap_or_default();
                    assert!(
                        value.parse::<f64>().is_ok() || ["NaN", "+Inf", "-Inf"].contains(&value),
                        "{line:?}"
                    );
                }
            }
            Format::Nagios => {
                let first = text.lines().next().unwrap_or_default();
                assert!(first.matches('|').count() <= 1, "{first:?}");
                assert!(
                    !text.chars().any(|c| c.is_control() && c != '\n'),
                    "{text:?}"
                );
            }
        }
    }
});
