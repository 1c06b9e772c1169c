//! Tables for people. Every string from the model is sanitised here: it may
//! carry bytes from Redis, the database or file names.

use std::io::{self, Write};

use comfy_table::presets::NOTHING;
use comfy_table::{Cell, CellAlignment, Table};
use serde_json::Value;

use super::{Style, View};
use crate::model::{
    Check, Finding, Metrics, QueuesMetrics, Report, RunsMetrics, Status, StatusCounts,
    WorkersMetrics,
};
use crate::text::{self, sanitize};
use crate::verdict::causes::Cause;
use crate::verdict::runs::cause_slot;

pub fn render(report: &Report, view: View, style: Style, out: &mut impl Write) -> io::Result<()> {
    match view {
        View::Health => health(report, style, out)?,
        View::Detail => {
            for (i, check) in report.checks.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                detail(check, style, out)?;
            }
        }
    }
    findings(report, style, out)?;
    verdict(report, style, out)
}

/// A table's column headers, unless `--no-headers` said rows only.
pub(super) fn header(table: &mut Table, style: Style, cells: impl Into<comfy_table::Row>) {
    if style.headers {
        table.set_header(cells);
    }
}

pub(super) fn new_table(style: Style) -> Table {
    let mut table = Table::new();
    table.load_style(NOTHING);
    table.force_no_tty();
    if let Some(width) = style.width {
        table.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
        table.set_width(width);
    }
    table
}

fn health(report: &Report, style: Style, out: &mut impl Write) -> io::Result<()> {
    let mut table = new_table(style);
    header(
        &mut table,
        style,
        ["CHECK", "STATUS", "SUMMARY", "TIME"].map(|h| style.bold(h)),
    );
    for check in &report.checks {
        table.add_row(vec![
            Cell::new(check.id.as_str()),
            Cell::new(style.status(check.status, check.status.label())),
            Cell::new(line(&check.summary)),
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
        line(&check.summary)
    )?;
    let Ok(Value::Object(fields)) = serde_json::to_value(&check.metrics) else {
        return Ok(());
    };
    // These have tables of their own; their scalars are noise.
    let fields = if matches!(check.metrics, Metrics::Queues(_) | Metrics::Runs(_)) {
        serde_json::Map::new()
    } else {
        fields
    };
    let mut table = new_table(style);
    for (key, value) in &fields {
        // Shown below, a row per sentinel.
        if key == "sentinel" {
            continue;
        }
        if let Some(shown) = scalar(key, value) {
            table.add_row(vec![Cell::new(style.dim(key)), Cell::new(shown)]);
        }
    }
    if let Metrics::Redis(m) = &check.metrics
        && let Some(s) = &m.sentinel
    {
        for node in &s.nodes {
            let said = match (node.state.as_str(), &node.master, &node.detail) {
                (_, Some(master), _) => format!("{} (names {master})", node.state),
                (_, None, Some(detail)) => format!("{}: {}", node.state, sanitize(detail)),
                (state, None, None) => state.to_string(),
            };
            table.add_row(vec![
                Cell::new(style.dim(&format!("sentinel {}", node.address))),
                Cell::new(said.replace('_', " ")),
            ]);
        }
    }
    if table.row_count() > 0 {
        writeln!(out, "{}", trim_lines(&table.to_string()))?;
    }
    match &check.metrics {
        Metrics::Queues(m) => queues(m, style, out),
        Metrics::Workers(m) => workers(m, style, out),
        Metrics::Runs(m) => runs(m, style, out),
        _ => Ok(()),
    }
}

fn runs(m: &RunsMetrics, style: Style, out: &mut impl Write) -> io::Result<()> {
    let mut head = new_table(style);
    let rate = m
        .completion_rate
        .map_or("— (nothing finished)".to_string(), |r| {
            format!("{:.1}%", r * 100.0)
        });
    for (k, v) in [
        (
            "database",
            match (m.database.as_deref(), m.database_source.as_deref()) {
                (Some(d), Some(from)) => format!("{} (from {from})", sanitize(d)),
                (Some(d), None) => sanitize(d).into_owned(),
                (None, _) => "—".to_string(),
            },
        ),
        ("window", text::seconds(m.window_s)),
        ("completion rate", rate),
        (
            "superseded",
            format!(
                "{} active, {} failed (the app's leftover rows; never alarmed on)",
                opt_count(m.superseded_active),
                opt_count(m.superseded_failures)
            ),
        ),
        (
            "indexes",
            format!(
                "created_at {}, call_sid {}",
                yes_no(m.index_on_created_at),
                yes_no(m.index_on_call_sid)
            ),
        ),
    ] {
        head.add_row(vec![Cell::new(style.dim(k)), Cell::new(v)]);
    }
    writeln!(out, "{}", trim_lines(&head.to_string()))?;
    let (Some(all), Some(types)) = (&m.by_status, &m.by_job_type) else {
        return Ok(());
    };
    writeln!(out)?;
    let mut t = new_table(style);
    header(
        &mut t,
        style,
        ["STATUS", "DOWNLOAD", "FULL", "OTHER", "TOTAL"].map(|h| style.bold(h)),
    );
    type Count = fn(&StatusCounts) -> u64;
    let rows: [(&str, Count); 6] = [
        ("queued", |c| c.queued),
        ("running", |c| c.running),
        ("completed", |c| c.completed),
        ("failed", |c| c.failed),
        ("cancelled", |c| c.cancelled),
        ("other", |c| c.other),
    ];
    for (name, get) in rows {
        let mut row = vec![Cell::new(name)];
        for c in [&types.download, &types.full, &types.other, all] {
            row.push(Cell::new(text::count(get(c))).set_alignment(CellAlignment::Right));
        }
        t.add_row(row);
    }
    writeln!(out, "{}", trim_lines(&t.to_string()))?;
    writeln!(out)?;
    let mut d = new_table(style);
    header(
        &mut d,
        style,
        ["DURATION", "RUNS", "AVG", "P50", "P95", "MAX"].map(|h| style.bold(h)),
    );
    let secs = |v: Option<f64>| v.map_or("—".to_string(), text::seconds);
    for (name, dur) in [
        ("download (started → completed)", &m.download_s),
        ("queue wait (created → started)", &m.queue_wait_s),
    ] {
        if let Some(x) = dur {
            d.add_row(vec![
                Cell::new(name),
                Cell::new(text::count(x.count)).set_alignment(CellAlignment::Right),
                Cell::new(secs(x.avg)).set_alignment(CellAlignment::Right),
                Cell::new(secs(x.p50)).set_alignment(CellAlignment::Right),
                Cell::new(secs(x.p95)).set_alignment(CellAlignment::Right),
                Cell::new(secs(x.max)).set_alignment(CellAlignment::Right),
            ]);
        }
    }
    writeln!(out, "{}", trim_lines(&d.to_string()))?;
    if let Some(c) = m.failures_by_cause.as_ref().filter(|_| {
        m.by_status
            .as_ref()
            .is_some_and(|s| s.failed > m.superseded_failures.unwrap_or(0))
    }) {
        writeln!(out)?;
        let mut t = new_table(style);
        header(
            &mut t,
            style,
            ["FAILED BY CAUSE", "RUNS", "WHAT TO DO"].map(|h| style.bold(h)),
        );
        for cause in Cause::ALL {
            let n = *cause_slot(&mut c.clone(), cause);
            if n > 0 {
                t.add_row(vec![
                    Cell::new(cause.label()),
                    Cell::new(text::count(n)).set_alignment(CellAlignment::Right),
                    Cell::new(hint(cause.hint(), style)),
                ]);
            }
        }
        writeln!(out, "{}", trim_lines(&t.to_string()))?;
    }
    if !m.stuck_runs.is_empty() {
        writeln!(out, "\n{}", style.bold("stuck runs"))?;
        let mut t = new_table(style);
        header(
            &mut t,
            style,
            ["RUN", "CALL SID", "STATUS", "TYPE", "FOR"].map(|h| style.bold(h)),
        );
        for r in m.stuck_runs.iter().take(20) {
            t.add_row(vec![
                Cell::new(r.id),
                Cell::new(sanitize(r.call_sid.as_deref().unwrap_or("—"))),
                Cell::new(sanitize(&r.status)),
                Cell::new(sanitize(r.job_type.as_deref().unwrap_or("—"))),
                Cell::new(secs(r.age_s)),
            ]);
        }
        writeln!(out, "{}", trim_lines(&t.to_string()))?;
    }
    if !m.newest_failures.is_empty() {
        writeln!(out, "\n{}", style.bold("newest failures"))?;
        let mut t = new_table(style);
        header(
            &mut t,
            style,
            [
                "RUN",
                "CALL SID",
                "TYPE",
                "FAILED AT",
                "CAUSE",
                "ERROR (first line)",
            ]
            .map(|h| style.bold(h)),
        );
        for f in &m.newest_failures {
            let first = f
                .error_message
                .as_deref()
                .and_then(|e| e.lines().map(str::trim).find(|l| !l.is_empty()))
                .unwrap_or("—");
            t.add_row(vec![
                Cell::new(f.id),
                Cell::new(sanitize(f.call_sid.as_deref().unwrap_or("—"))),
                Cell::new(sanitize(f.job_type.as_deref().unwrap_or("—"))),
                Cell::new(text::datetime(f.completed_at.or(f.created_at))),
                Cell::new(if f.superseded {
                    format!("{} (echo)", f.cause)
                } else {
                    f.cause.clone()
                }),
                Cell::new(sanitize(&shorten(first, 100))),
            ]);
        }
        writeln!(out, "{}", trim_lines(&t.to_string()))?;
    }
    for a in &m.anomalies {
        writeln!(out, "{}", style.dim(&format!("note: {}", sanitize(a))))?;
    }
    Ok(())
}

/// Longest headline, summary or message shown on one line; JSON keeps
/// the whole text.
pub(super) const LINE_CHARS: usize = 400;

/// Longest hint shown: a hint holds commands to paste, which a cut would
/// break (a `grep CA0000…` matches every call), so only a hint made
/// enormous by outside data (thousands of run ids) is cut.
pub(super) const HINT_CHARS: usize = 4_000;

/// One line of text for people: sanitised (no control characters, so no
/// line breaks) and cut to [`LINE_CHARS`] with a `…` marker.
pub(super) fn line(s: &str) -> String {
    shorten(&sanitize(s), LINE_CHARS)
}

/// A hint, whole: sanitised, cut only past [`HINT_CHARS`].
/// A hint as a cell or a line shows it: in this deployment's commands,
/// whole up to [`HINT_CHARS`].
pub(super) fn hint(s: &str, style: Style) -> String {
    let s = style.deployment.apply(s, false);
    shorten(&sanitize(&s), HINT_CHARS)
}

/// The closing line of a report: its status and the process's exit code.
pub(super) fn exit_line(
    status: crate::model::Status,
    exit_code: u8,
    style: Style,
    out: &mut impl Write,
) -> io::Result<()> {
    writeln!(
        out,
        "\n{} (exit {exit_code})",
        style.status(status, status.label())
    )
}

/// At most `max` characters, with an ellipsis when cut.
pub(super) fn shorten(s: &str, max: usize) -> String {
    text::truncate(s, max)
}

fn yes_no(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "indexed",
        Some(false) => "NOT indexed",
        None => "unknown",
    }
}

fn opt_count(n: Option<u64>) -> String {
    n.map_or("—".to_string(), text::count)
}

fn queues(m: &QueuesMetrics, style: Style, out: &mut impl Write) -> io::Result<()> {
    let mut table = new_table(style);
    header(
        &mut table,
        style,
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
        let workers = if q.workers == 0 && q.waiting().unwrap_or(0) > 0 {
            style.status(Status::Critical, "0")
        } else {
            q.workers.to_string()
        };
        let mut row = vec![Cell::new(name)];
        for n in q.sizes() {
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
    for q in &m.queues {
        if let Some(held) = q.rate_limited.filter(|&n| n > 0) {
            writeln!(
                out,
                "  {}'s WAITING includes {} held back by an RQ rate limit (on no queue until a slot frees)",
                sanitize(&q.name),
                text::plural(held, "job", "jobs")
            )?;
        }
    }
    for a in &m.anomalies {
        writeln!(out, "{}", style.dim(&format!("note: {}", sanitize(a))))?;
    }
    Ok(())
}

fn workers(m: &WorkersMetrics, style: Style, out: &mut impl Write) -> io::Result<()> {
    if m.workers.is_empty() {
        return writeln!(
            out,
            "{}",
            style.dim("no worker registered (RQ's set of workers is empty)")
        );
    }
    let mut table = new_table(style);
    header(
        &mut table,
        style,
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
            Cell::new(text::cell(&w.name)),
            Cell::new(text::cell(w.hostname.as_deref().unwrap_or("—"))),
            Cell::new(w.pid.map_or("—".to_string(), |p| p.to_string())),
            Cell::new(text::cell(w.state.as_deref().unwrap_or("—"))),
            Cell::new(text::cell(&w.queues.join(","))),
            Cell::new(text::cell(w.current_job.as_deref().unwrap_or("—"))),
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
        Value::String(s) => text::cell(s),
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or(0.0);
            if key == "maxmemory_bytes" && n.as_u64() == Some(0) {
                "no limit".to_string()
            } else if key.ends_with("_bytes") {
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
    writeln!(out)?;
    // Accepted findings last: they are shown, not counted.
    all.sort_by_key(|f| (f.accepted, order(f.severity)));
    for f in all {
        let label = format!("{:<8}", f.severity.label());
        let code = if f.accepted {
            format!("{} (accepted)", f.code.as_str())
        } else {
            f.code.as_str().to_string()
        };
        let shown = if f.accepted {
            style.dim(&label)
        } else {
            style.status(f.severity, &label)
        };
        writeln!(out, "{} {}  {}", shown, style.bold(&code), line(&f.message))?;
        writeln!(out, "         {} {}", style.dim("→"), hint(&f.hint, style))?;
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
    let summary = report.finding_summary();
    let findings = if summary.is_empty() {
        "no findings".to_string()
    } else {
        summary
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
    fn every_check_in_health_and_detail() {
        let report = crate::render::sample::report();
        for (name, view) in [("health", View::Health), ("detail", View::Detail)] {
            let mut out = Vec::new();
            render(&report, view, Style::plain(), &mut out).unwrap();
            insta::assert_snapshot!(format!("sample_{name}"), String::from_utf8(out).unwrap());
        }
    }

    #[test]
    fn detail_view() {
        insta::assert_snapshot!(rendered(View::Detail));
    }
}
