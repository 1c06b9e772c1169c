//! The monitoring-plugins format: one line `RECDIAG <STATE> - <summary> |
//! <perfdata>`, then one line per finding (long output). Perfdata follow the
//! development guidelines: `label=value[UOM];warn;crit;min;max`, base units,
//! `.` decimals, no scientific notation, thresholds in range syntax.

use std::io::{self, Write};

use crate::model::{Metrics, Report, Status};
use crate::text::{decimal, sanitize};
use crate::verdict::Thresholds;

struct Perf(Vec<String>);

impl Perf {
    /// One `label=value[UOM];warn;crit;min;max` item: the fields the
    /// guidelines define, hence the argument count.
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        label: &str,
        value: Option<f64>,
        uom: &str,
        warn: &str,
        crit: &str,
        min: &str,
        max: &str,
    ) {
        let Some(v) = value.filter(|v| v.is_finite()) else {
            return;
        };
        let label = label_of(label);
        let mut s = format!("{label}={}{uom};{warn};{crit};{min};{max}", decimal(v));
        while s.ends_with(';') {
            s.pop();
        }
        self.0.push(s);
    }
}

/// Labels may not hold spaces, `=` or quotes: anything unusual becomes `_`.
fn label_of(raw: &str) -> String {
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

pub fn render(report: &Report, t: &Thresholds, out: &mut impl Write) -> io::Result<()> {
    let order = |s: Status| match s {
        Status::Critical => 0,
        Status::Unknown => 1,
        Status::Warning => 2,
        Status::Ok => 3,
    };
    let mut findings: Vec<_> = report.checks.iter().flat_map(|c| &c.findings).collect();
    // Accepted findings last: they are listed, never the headline.
    findings.sort_by_key(|f| (f.accepted, order(f.severity)));
    let summary = match findings.first() {
        None => format!(
            "{} OK",
            crate::text::plural(report.checks.len() as u64, "check", "checks")
        ),
        Some(f) if f.accepted => format!(
            "{} OK ({})",
            crate::text::plural(report.checks.len() as u64, "check", "checks"),
            report.finding_summary()
        ),
        Some(worst) => {
            // Cut after a whole word: a monitoring line ends "… 5 downloads…",
            // never "… 5 downloads t".
            let msg = crate::text::truncate_words(&sanitize(&worst.message), 90);
            format!(
                "{}: {} {}",
                report.finding_summary(),
                worst.code.as_str(),
                msg
            )
        }
    };
    let perf = perfdata(report, t);
    writeln!(
        out,
        "RECDIAG {} - {}{}",
        report.status.label(),
        summary.replace('|', "/"),
        if perf.0.is_empty() {
            String::new()
        } else {
            format!(" | {}", perf.0.join(" "))
        }
    )?;
    for f in findings {
        writeln!(
            out,
            "{} {}{}: {}",
            f.severity.label(),
            f.code.as_str(),
            if f.accepted { " (accepted)" } else { "" },
            crate::text::truncate(&sanitize(&f.message), 400).replace('|', "/")
        )?;
    }
    Ok(())
}

fn perfdata(report: &Report, t: &Thresholds) -> Perf {
    let mut p = Perf(Vec::new());
    let n = |v: Option<u64>| v.map(|v| v as f64);
    for c in &report.checks {
        p.add(
            &format!("{}_time", c.id.as_str()),
            Some(c.duration_s),
            "s",
            "",
            "",
            "0",
            "",
        );
        match &c.metrics {
            Metrics::Redis(r) => {
                p.add("redis_latency", r.latency_s, "s", "", "", "0", "");
                p.add(
                    "redis_used_memory",
                    n(r.used_memory_bytes),
                    "B",
                    "",
                    "",
                    "0",
                    "",
                );
            }
            Metrics::Queues(q) => {
                for queue in q.queues.iter().filter(|q| q.of_interest) {
                    let name = &queue.name;
                    // Waiting, as QUEUE_BACKLOG counts it (rq 3.0's held
                    // jobs too), against its thresholds.
                    p.add(
                        &format!("{name}_queued"),
                        n(queue.waiting()),
                        "",
                        &(t.max_backlog.saturating_sub(1)).to_string(),
                        &(t.crit_backlog.saturating_sub(1)).to_string(),
                        "0",
                        "",
                    );
                    p.add(
                        &format!("{name}_failed"),
                        n(queue.failed),
                        "",
                        &(t.max_failed.saturating_sub(1)).to_string(),
                        &(t.crit_failed.saturating_sub(1)).to_string(),
                        "0",
                        "",
                    );
                    p.add(
                        &format!("{name}_oldest"),
                        queue.oldest_queued_age_s,
                        "s",
                        "",
                        &decimal(t.max_queue_age.as_secs_f64()),
                        "0",
                        "",
                    );
                    p.add(
                        &format!("{name}_workers"),
                        Some(queue.workers as f64),
                        "",
                        "",
                        "",
                        "0",
                        "",
                    );
                }
            }
            Metrics::Workers(w) => {
                p.add(
                    "workers_alive",
                    w.alive.map(|n| n as f64),
                    "",
                    "",
                    "",
                    "0",
                    "",
                );
                p.add(
                    "workers_stale",
                    w.stale.zip(w.ghosts).map(|(s, g)| (s + g) as f64),
                    "",
                    "0",
                    "",
                    "0",
                    "",
                );
            }
            Metrics::Runs(r) => {
                p.add(
                    "completion_rate",
                    r.completion_rate.map(|c| c * 100.0),
                    "%",
                    &format!("{}:", decimal(t.min_completion_rate)),
                    &format!("{}:", decimal(t.crit_completion_rate)),
                    "0",
                    "100",
                );
                p.add(
                    "download_avg",
                    r.download_s.as_ref().and_then(|d| d.avg),
                    "s",
                    &decimal(t.max_avg_download.as_secs_f64()),
                    "",
                    "0",
                    "",
                );
                p.add(
                    "download_p95",
                    r.download_s.as_ref().and_then(|d| d.p95),
                    "s",
                    "",
                    "",
                    "0",
                    "",
                );
                p.add("runs_stuck", n(r.stuck), "", "0", "", "0", "");
                p.add(
                    "runs_killed",
                    r.total.map(|_| r.killed_runs.len() as f64),
                    "",
                    "0",
                    "",
                    "0",
                    "",
                );
                if let Some(s) = &r.by_status {
                    p.add(
                        "runs_completed",
                        Some(s.completed as f64),
                        "",
                        "",
                        "",
                        "0",
                        "",
                    );
                    p.add("runs_failed", Some(s.failed as f64), "", "", "", "0", "");
                }
            }
            Metrics::RecordingsDir(d) => {
                p.add("mp3_files", n(d.mp3_files), "", "", "", "0", "");
                p.add(
                    "undersized_files",
                    n(d.undersized_files),
                    "",
                    "0",
                    "",
                    "0",
                    "",
                );
                p.add(
                    "free_space",
                    d.free_percent,
                    "%",
                    &format!("{}:", decimal(t.min_free_percent)),
                    &format!("{}:", decimal(t.crit_free_percent)),
                    "0",
                    "100",
                );
            }
            Metrics::Consistency(c) => {
                p.add("orphaned_runs", n(c.orphaned_runs), "", "", "0", "0", "");
                // Why their jobs were lost, one bounded label each.
                for (cause, v) in c.orphaned_runs_by_cause.iter().flatten() {
                    p.add(
                        &format!("orphaned_runs_{cause}"),
                        Some(*v as f64),
                        "",
                        "",
                        "",
                        "0",
                        "",
                    );
                }
                p.add(
                    "completed_missing_file",
                    n(c.completed_runs_missing_file),
                    "",
                    "0",
                    "",
                    "0",
                    "",
                );
                p.add("phantom_slots", n(c.phantom_slots), "", "0", "", "0", "");
                p.add(
                    "no_slot_failures",
                    n(c.no_slot_failures),
                    "",
                    "",
                    "",
                    "0",
                    "",
                );
                p.add("stale_locks", n(c.stale_locks), "", "0", "", "0", "");
            }
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_as_one_line_and_long_output() {
        let mut out = Vec::new();
        render(
            &crate::render::sample::report(),
            &Thresholds::default(),
            &mut out,
        )
        .unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap());
    }

    #[test]
    fn labels_and_numbers_follow_the_guidelines() {
        assert_eq!(label_of("my queue='x'"), "my_queue__x_");
        assert_eq!(decimal(0.5), "0.5");
        assert_eq!(decimal(3.0), "3");
        let mut p = Perf(Vec::new());
        p.add("a", Some(1.0), "s", "", "", "0", "");
        p.add("b", None, "", "", "", "", "");
        p.add("c", Some(90.9), "%", "95:", "80:", "0", "100");
        assert_eq!(p.0, ["a=1s;;;0", "c=90.9%;95:;80:;0;100"]);
    }
}
