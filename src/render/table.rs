//! Tables for people. Every string from the model is sanitised here: it may
//! carry bytes from Redis, the database or file names.

use std::io::{self, Write};

use comfy_table::presets::NOTHING;
use comfy_table::{Cell, CellAlignment, Table};
use serde_json::Value;

use super::{Style, View};
use crate::model::{Check, Finding, Metrics, QueuesMetrics, Report, Status, WorkersMetrics};
use crate::text::{self, sanitize};

pub fn render(report: &Report, view: View, style: Style, out: &mut impl Write) -> io::Result<()> {
    match view {
        View::Health => health(report, style, out)?,
        View::Detail => {
            for check in &report.checks {
                detail(check, style, out)?;
            }
        }
    }
    findings(report, style, out)?;
    verdict(report, style, out)
}

pub(super) fn new_table() -> Table {
    let mut table = Table::new();
    table.load_style(NOTHING);
    table.force_no_tty();
    table
}

fn health(report: &Report, style: Style, out: &mut impl Write) -> io::Result<()> {
    let mut table = new_table();
    table.set_header(["CHECK", "STATUS", "SUMMARY", "TIME"].map(|h| style.bold(h)));
    for check in &report.checks {
        table.add_row(vec![
            Cell::new(check.id.as_str()),
            Cell::new(style.status(check.status, check.status.label())),
            Cell::new(sanitize(&check.summary)),
            Cell::new(text::seconds(check.duration_s)).set_alignment(CellAlignment::Right),
        ]);
    }
    writeln!(out, "{}", trim_lines(&table.to_string()))
}

fn detail(check: &Check, style: Style, out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "{} {} — {}",
        style.bold(check.id.as_str()),
        style.status(check.status, check.status.label()),
        sanitize(&check.summary)
    )?;
    let Ok(Value::Object(fields)) = serde_json::to_value(&check.metrics) else {
        return Ok(());
    };
    // The queue table says it all; its scalars are noise.
    let fields = if matches!(check.metrics, Metrics::Queues(_)) {
        serde_json::Map::new()
    } else {
        fields
    };
    let mut table = new_table();
    for (key, value) in &fields {
        if let Some(shown) = scalar(key, value) {
            table.add_row(vec![Cell::new(style.dim(key)), Cell::new(shown)]);
        }
    }
    if table.row_count() > 0 {
        writeln!(out, "{}", trim_lines(&table.to_string()))?;
    }
    match &check.metrics {
        Metrics::Queues(m) => queues(m, style, out),
        Metrics::Workers(m) => workers(m, style, out),
        _ => Ok(()),
    }
}

fn opt_count(n: Option<u64>) -> String {
    n.map_or("—".to_string(), text::count)
}

fn queues(m: &QueuesMetrics, style: Style, out: &mut impl Write) -> io::Result<()> {
    let mut table = new_table();
    table.set_header(
        [
            "QUEUE",
            "WAITING",
            "STARTED",
            "FAILED",
            "DEFERRED",
            "SCHEDULED",
            "FINISHED",
            "OLDEST",
            "WORKERS",
        ]
        .map(|h| style.bold(h)),
    );
    for q in &m.queues {
        let name = if q.of_interest {
            style.bold(&sanitize(&q.name))
        } else {
            sanitize(&q.name).into_owned()
        };
        let workers = if q.workers == 0 && q.queued.unwrap_or(0) > 0 {
            style.status(Status::Critical, "0")
        } else {
            q.workers.to_string()
        };
        let mut row = vec![Cell::new(name)];
        for n in [
            q.queued,
            q.started,
            q.failed,
            q.deferred,
            q.scheduled,
            q.finished,
        ] {
            row.push(Cell::new(opt_count(n)).set_alignment(CellAlignment::Right));
        }
        row.push(
            Cell::new(q.oldest_queued_age_s.map_or("—".to_string(), text::seconds))
                .set_alignment(CellAlignment::Right),
        );
        row.push(Cell::new(workers).set_alignment(CellAlignment::Right));
        table.add_row(row);
    }
    writeln!(out, "{}", trim_lines(&table.to_string()))?;
    for a in &m.anomalies {
        writeln!(out, "{}", style.dim(&format!("note: {}", sanitize(a))))?;
    }
    Ok(())
}

fn workers(m: &WorkersMetrics, style: Style, out: &mut impl Write) -> io::Result<()> {
    if m.workers.is_empty() {
        return writeln!(out, "{}", style.dim("no worker registered in rq:workers"));
    }
    let mut table = new_table();
    table.set_header(
        [
            "WORKER",
            "HOST",
            "PID",
            "STATE",
            "QUEUES",
            "CURRENT JOB",
            "HEARTBEAT",
            "LIVENESS",
        ]
        .map(|h| style.bold(h)),
    );
    for w in &m.workers {
        let liveness = match w.liveness.as_str() {
            "live" => style.status(Status::Ok, "live"),
            other => style.status(Status::Warning, other),
        };
        table.add_row(vec![
            Cell::new(sanitize(&w.name)),
            Cell::new(sanitize(w.hostname.as_deref().unwrap_or("—"))),
            Cell::new(w.pid.map_or("—".to_string(), |p| p.to_string())),
            Cell::new(sanitize(w.state.as_deref().unwrap_or("—"))),
            Cell::new(sanitize(&w.queues.join(","))),
            Cell::new(sanitize(w.current_job.as_deref().unwrap_or("—"))),
            Cell::new(
                w.last_heartbeat_age_s
                    .map_or("—".to_string(), |a| format!("{} ago", text::seconds(a))),
            ),
            Cell::new(liveness),
        ]);
    }
    writeln!(out, "{}", trim_lines(&table.to_string()))
}

/// A metric for people, from its JSON name and value; `None` for
/// structured values, which views of their own show.
fn scalar(key: &str, value: &Value) -> Option<String> {
    Some(match value {
        Value::Null => "—".to_string(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
        Value::String(s) => sanitize(s).into_owned(),
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or(0.0);
            if key.ends_with("_bytes") {
                format!(
                    "{} ({})",
                    text::bytes(n.as_u64().unwrap_or(0)),
                    text::count(n.as_u64().unwrap_or(0))
                )
            } else if key.ends_with("_s") {
                text::seconds(f)
            } else if key.ends_with("_ratio") {
                format!("{:.1}%", f * 100.0)
            } else if key.ends_with("_percent") {
                format!("{f:.1}%")
            } else if let Some(u) = n.as_u64() {
                text::count(u)
            } else {
                n.to_string()
            }
        }
        Value::Array(_) | Value::Object(_) => return None,
    })
}

fn findings(report: &Report, style: Style, out: &mut impl Write) -> io::Result<()> {
    let all: Vec<Finding> = report
        .checks
        .iter()
        .flat_map(|c| c.findings.iter().cloned())
        .collect();
    write_findings(&all, style, out)
}

/// Findings, worst first, each with its hint and subjects.
pub(super) fn write_findings(
    findings: &[Finding],
    style: Style,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut all: Vec<&Finding> = findings.iter().collect();
    if all.is_empty() {
        return Ok(());
    }
    let order = |s: Status| match s {
        Status::Critical => 0,
        Status::Unknown => 1,
        Status::Warning => 2,
        Status::Ok => 3,
    };
    all.sort_by_key(|f| order(f.severity));
    writeln!(out)?;
    for f in all {
        let label = format!("{:<8}", f.severity.label());
        writeln!(
            out,
            "{} {}  {}",
            style.status(f.severity, &label),
            style.bold(f.code.as_str()),
            sanitize(&f.message)
        )?;
        writeln!(out, "         {} {}", style.dim("→"), sanitize(&f.hint))?;
        if !f.subjects.is_empty() {
            let subjects: Vec<String> = f
                .subjects
                .iter()
                .map(|s| sanitize(s).into_owned())
                .collect();
            writeln!(
                out,
                "         {}",
                style.dim(&format!("subjects: {}", subjects.join(", ")))
            )?;
        }
    }
    Ok(())
}

fn verdict(report: &Report, style: Style, out: &mut impl Write) -> io::Result<()> {
    let (critical, unknown, warning) = report.finding_counts();
    let mut parts = Vec::new();
    for (n, word) in [
        (critical, "critical"),
        (unknown, "unknown"),
        (warning, "warning"),
    ] {
        if n > 0 {
            let s = if n > 1 && word == "warning" { "s" } else { "" };
            parts.push(format!("{n} {word}{s}"));
        }
    }
    let findings = if parts.is_empty() {
        "no findings".to_string()
    } else {
        parts.join(", ")
    };
    writeln!(
        out,
        "\n{} — {} across {} (exit {})",
        style.status(report.status, report.status.label()),
        findings,
        text::plural(report.checks.len() as u64, "check", "checks"),
        report.exit_code
    )
}

/// comfy-table pads every line to the table width; trailing blanks are noise.
pub(super) fn trim_lines(s: &str) -> String {
    s.lines().map(str::trim_end).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Check, CheckId, Finding, FindingCode, Metrics, RecordingsDirMetrics, RedisMetrics,
    };

    fn report() -> Report {
        let mut redis = Check::new(
            CheckId::Redis,
            "Redis 7.0.15 master, PING 0.3 ms, 1.0 MiB used, no maxmemory, allkeys-lru".into(),
            Metrics::Redis(RedisMetrics {
                url: Some("redis://:***@cache:6379/0".into()),
                latency_s: Some(0.0003),
                version: Some("7.0.15".into()),
                role: Some("master".into()),
                used_memory_bytes: Some(1_048_576),
                maxmemory_bytes: Some(0),
                maxmemory_policy: Some("allkeys-lru".into()),
                evicted_keys: Some(0),
                ..Default::default()
            }),
            vec![Finding::new(
                FindingCode::RedisEvictionPolicy,
                "maxmemory-policy is allkeys-lru, not noeviction: RQ jobs and registries can vanish",
            )],
        );
        redis.duration_s = 0.004;
        let dir = Check::new(
            CheckId::RecordingsDir,
            "/rec\u{1b}[31m does not exist".into(),
            Metrics::RecordingsDir(RecordingsDirMetrics {
                path: "/rec\u{1b}[31m".into(),
                ..Default::default()
            }),
            vec![
                Finding::new(
                    FindingCode::RecordingsDirMissing,
                    "recordings directory /rec\u{1b}[31m does not exist",
                )
                .subjects(["/rec\u{1b}[31m"]),
            ],
        );
        Report::new(jiff::Timestamp::UNIX_EPOCH, vec![redis, dir])
    }

    fn rendered(view: View) -> String {
        let mut out = Vec::new();
        render(&report(), view, Style::plain(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn health_view() {
        let out = rendered(View::Health);
        assert!(!out.contains('\u{1b}'), "escape reached the table:\n{out}");
        insta::assert_snapshot!(out);
    }

    #[test]
    fn detail_view() {
        insta::assert_snapshot!(rendered(View::Detail));
    }
}
