//! `recdiag call` for people: the verdict first, then each source.

use std::io::{self, Write};

use comfy_table::Cell;

use super::Style;
use super::table::{exit_line, header, line, new_table, shorten, trim_lines};
use crate::model::{CallReport, FileInfo};
use crate::text::{self, sanitize};

pub fn render(reports: &[CallReport], style: Style, out: &mut impl Write) -> io::Result<()> {
    for (i, r) in reports.iter().enumerate() {
        if i > 0 {
            writeln!(out, "\n{}", style.dim(&"─".repeat(60)))?;
        }
        one(r, style, out)?;
    }
    Ok(())
}

fn file_line(f: &FileInfo) -> String {
    if !f.exists {
        return format!("{}: absent", sanitize(&f.path));
    }
    format!(
        "{}: {} ({}), modified {}{}",
        sanitize(&f.path),
        text::bytes(f.size_bytes.unwrap_or(0)),
        text::count(f.size_bytes.unwrap_or(0)),
        text::datetime(f.modified_at),
        if f.valid {
            ""
        } else {
            " — 1000 bytes or less: invalid"
        }
    )
}

fn one(r: &CallReport, style: Style, out: &mut impl Write) -> io::Result<()> {
    let verdict = r.verdict.map_or("UNDECIDED", |v| v.as_str());
    writeln!(
        out,
        "{} {}  {}",
        style.bold(&r.call_sid),
        style.status(r.status, verdict),
        line(&r.reason)
    )?;
    writeln!(
        out,
        "  {} {}",
        style.dim("→"),
        super::table::hint(&r.hint, style)
    )?;
    if let Some(n) = r.retry_attempts {
        writeln!(
            out,
            "  the API's stuck recoveries in the last 10 min: {n} of 3{}",
            r.retry_window_left_s.map_or(String::new(), |s| format!(
                " (window ends in {})",
                text::seconds(s)
            ))
        )?;
    }
    if let Some(p) = r.queue_position {
        writeln!(
            out,
            "  queue position {p}; workers listening: {}",
            if r.workers_listening.is_empty() {
                "none".to_string()
            } else {
                r.workers_listening.join(", ")
            }
        )?;
    }
    writeln!(out, "\n  {} {}", style.dim("file   "), file_line(&r.file))?;
    if let Some(p) = &r.parent_file {
        writeln!(out, "  {} {}", style.dim("parent "), file_line(p))?;
    }
    match &r.call_log {
        Some(l) => writeln!(
            out,
            "  {} business {}, recording URL {}, parent leg {}",
            style.dim("call_log"),
            l.business_id.map_or("?".to_string(), |b| b.to_string()),
            if l.recording_url_set {
                "set"
            } else {
                "NOT set"
            },
            l.parent_call_sid
                .as_deref()
                .map_or("—".to_string(), |p| sanitize(p).into_owned())
        )?,
        None if r.unavailable.iter().any(|u| u.starts_with("database")) => {
            writeln!(out, "  {} not read", style.dim("call_log"))?
        }
        None => writeln!(out, "  {} no row", style.dim("call_log"))?,
    }
    if !r.runs.is_empty() {
        let mut t = new_table(style);
        header(
            &mut t,
            style,
            [
                "RUN",
                "STATUS",
                "TYPE",
                "CREATED",
                "STARTED",
                "COMPLETED",
                "ERROR",
            ]
            .map(|h| style.bold(h)),
        );
        for run in &r.runs {
            let err = run
                .error_message
                .as_deref()
                .and_then(|e| e.lines().find(|l| !l.trim().is_empty()))
                .unwrap_or("");
            let status = if run.superseded {
                format!("{} (superseded)", run.status)
            } else if r.deciding_run == Some(run.id) {
                format!("{} ◀", run.status)
            } else {
                run.status.clone()
            };
            t.add_row(vec![
                Cell::new(run.id),
                Cell::new(sanitize(&status)),
                Cell::new(sanitize(run.job_type.as_deref().unwrap_or("—"))),
                Cell::new(text::datetime(run.created_at)),
                Cell::new(text::datetime(run.started_at)),
                Cell::new(text::datetime(run.completed_at)),
                Cell::new(sanitize(&shorten(err, 80))),
            ]);
        }
        writeln!(out, "\n{}", trim_lines(&t.to_string()))?;
    }
    if !r.jobs.is_empty() {
        let mut t = new_table(style);
        header(
            &mut t,
            style,
            [
                "JOB",
                "QUEUE",
                "STATUS",
                "POSITION",
                "ENQUEUED",
                "WORKER",
                "EXCEPTION",
            ]
            .map(|h| style.bold(h)),
        );
        for j in &r.jobs {
            t.add_row(vec![
                Cell::new(sanitize(&j.id)),
                Cell::new(sanitize(j.queue.as_deref().unwrap_or("—"))),
                Cell::new(sanitize(j.status.as_deref().unwrap_or("—"))),
                Cell::new(j.position.map_or("—".to_string(), |p| p.to_string())),
                Cell::new(text::datetime(j.enqueued_at)),
                Cell::new(sanitize(j.worker_name.as_deref().unwrap_or("—"))),
                Cell::new(sanitize(&shorten(
                    j.exception_last_line.as_deref().unwrap_or(""),
                    80,
                ))),
            ]);
        }
        writeln!(out, "\n{}", trim_lines(&t.to_string()))?;
    }
    for l in &r.locks {
        writeln!(
            out,
            "  {} {} (expires in {})",
            style.dim("lock   "),
            sanitize(&l.key),
            l.ttl_s.map_or("never".to_string(), text::seconds)
        )?;
    }
    for s in &r.slots {
        writeln!(
            out,
            "  {} business {}: {} of 3 used{}",
            style.dim("slots  "),
            s.business_id,
            s.used,
            if s.phantom.is_empty() {
                String::new()
            } else {
                format!(
                    "; held by runs that are not running: {} (markers live {} more)",
                    sanitize(&s.phantom.join(", ")),
                    s.phantom_marker_left_s.map_or("?".into(), text::seconds)
                )
            }
        )?;
    }
    if let Some(e) = &r.log_evidence {
        writeln!(
            out,
            "  {} {} {}",
            style.dim("log    "),
            text::datetime(e.at),
            shorten(&sanitize(&e.line), 160)
        )?;
    }
    for u in &r.unavailable {
        writeln!(
            out,
            "  {}",
            style.status(
                crate::model::Status::Unknown,
                &format!("not read: {}", sanitize(u))
            )
        )?;
    }
    exit_line(r.status, r.exit_code, style, out)
}
