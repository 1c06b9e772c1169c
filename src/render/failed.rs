//! `recdiag failed` for people: causes with counts, then the newest jobs.

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment};

use super::Style;
use super::table::{exit_line, header, new_table, shorten, trim_lines, write_findings};
use crate::model::FailedReport;
use crate::text::{self, sanitize};

pub fn render(
    report: &FailedReport,
    style: Style,
    verbose: bool,
    out: &mut impl Write,
) -> io::Result<()> {
    let registries: Vec<String> = report
        .queues
        .iter()
        .map(|q| {
            format!(
                "{} {}",
                sanitize(&q.name),
                q.failed.map_or("?".to_string(), text::count)
            )
        })
        .collect();
    if report.queues.iter().all(|q| q.failed.is_none()) {
        writeln!(
            out,
            "{} not read (see the finding below)",
            style.bold("failed registry:")
        )?;
    } else {
        writeln!(
            out,
            "{} {} — newest {} read",
            style.bold("failed registry:"),
            registries.join(", "),
            report.jobs.len()
        )?;
    }
    if !report.groups.is_empty() {
        writeln!(out)?;
        let mut table = new_table(style);
        header(&mut table, style, ["COUNT", "CAUSE"].map(|h| style.bold(h)));
        for g in &report.groups {
            table.add_row(vec![
                Cell::new(format!("{}×", g.count)).set_alignment(CellAlignment::Right),
                Cell::new(sanitize(&g.cause)),
            ]);
        }
        writeln!(out, "{}", trim_lines(&table.to_string()))?;
    }
    if !report.jobs.is_empty() {
        writeln!(out)?;
        let mut table = new_table(style);
        header(
            &mut table,
            style,
            [
                "FAILED",
                "QUEUE",
                "CALL SID",
                "RETRIES LEFT",
                "JOB",
                "EXCEPTION",
            ]
            .map(|h| style.bold(h)),
        );
        for j in &report.jobs {
            table.add_row(vec![
                Cell::new(
                    j.failed_age_s
                        .map_or("—".to_string(), |a| format!("{} ago", text::seconds(a))),
                ),
                Cell::new(sanitize(&j.queue)),
                Cell::new(j.call_sid.as_deref().unwrap_or("—")),
                Cell::new(j.retries_left.map_or("—".to_string(), |r| r.to_string()))
                    .set_alignment(CellAlignment::Right),
                Cell::new(sanitize(&j.id)),
                Cell::new(exception_cell(j)),
            ]);
        }
        writeln!(out, "{}", trim_lines(&table.to_string()))?;
    }
    if verbose {
        for j in &report.jobs {
            writeln!(out, "\n{} {}", style.bold("job"), sanitize(&j.id))?;
            if let Some(func) = &j.func {
                let args: Vec<String> = j.kwargs.iter().map(|(k, v)| format!("{k}={v}")).collect();
                writeln!(out, "  {}({})", sanitize(func), sanitize(&args.join(", ")))?;
            }
            for e in &j.decode_errors {
                writeln!(out, "  {}", style.dim(&format!("note: {}", sanitize(e))))?;
            }
            match &j.exception {
                Some(text) => {
                    for line in text.lines() {
                        writeln!(out, "  {}", sanitize(line))?;
                    }
                }
                None => writeln!(out, "  {}", style.dim(&j.cause))?,
            }
        }
    }
    write_findings(&report.findings, style, out)?;
    for note in &report.notes {
        writeln!(out, "\n{} {}", style.dim("note:"), sanitize(note))?;
    }
    exit_line(report.status, report.exit_code, style, out)
}

/// RQ's last line, and beside a killed work-horse the run's own error.
fn exception_cell(j: &crate::model::FailedJob) -> String {
    let rq = shorten(
        &sanitize(j.exception_last_line.as_deref().unwrap_or(&j.cause)),
        120,
    );
    if !j.horse_killed {
        return rq;
    }
    match (&j.run_id, &j.run_error) {
        (Some(id), Some(error)) => format!(
            "{rq}\nrun {id} error: {}",
            shorten(&sanitize(error.lines().next().unwrap_or("")), 120)
        ),
        _ => format!("{rq}\n(the real error is in the run's error_message and the worker log)"),
    }
}
