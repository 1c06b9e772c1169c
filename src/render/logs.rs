//! `recdiag logs` for people: the window, the downloads, the failures by
//! cause with what to do, then (with `--sid`) the call's lines.

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment};

use super::Style;
use super::table::{exit_line, header, line, new_table, shorten, trim_lines};
use crate::model::{LogsReport, Status};
use crate::text::{self, sanitize};

pub fn render(r: &LogsReport, style: Style, out: &mut impl Write) -> io::Result<()> {
    let span = match (r.first_at, r.last_at) {
        (Some(a), Some(b)) => format!(
            ", {} → {}",
            text::datetime(Some(a)),
            text::datetime(Some(b))
        ),
        _ => String::new(),
    };
    writeln!(
        out,
        "{} {}: {} read, {} recognised{span}",
        style.bold("worker log"),
        sanitize(&r.sources.join(", ")),
        text::plural(r.lines.read, "line", "lines"),
        text::count(r.lines.recognised),
    )?;
    let d = &r.downloads;
    let slow = match r.slow_downloads.slowest_s {
        Some(s) => format!(
            "; {} (slowest {})",
            text::plural(r.slow_downloads.count, "slow download", "slow downloads"),
            text::seconds(s)
        ),
        None => String::new(),
    };
    writeln!(
        out,
        "{} {} started, {} saved, {} failed{slow}; {}",
        style.bold("downloads"),
        text::count(d.started),
        text::count(d.saved),
        text::count(d.failed),
        text::plural(r.worker_starts, "worker start", "worker starts"),
    )?;
    // With --sid the call's lines are the answer; the summary stays in JSON.
    let focused = !r.events.is_empty();
    if !r.causes.is_empty() && !focused {
        writeln!(out)?;
        let mut t = new_table(style);
        header(
            &mut t,
            style,
            ["FAILED", "CAUSE", "NEWEST CALLS", "WHAT TO DO"].map(|h| style.bold(h)),
        );
        for g in &r.causes {
            t.add_row(vec![
                Cell::new(format!("{}×", text::count(g.count))).set_alignment(CellAlignment::Right),
                Cell::new(style.status(g.severity, &g.label)),
                Cell::new(
                    g.newest_sids
                        .iter()
                        .take(2)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                Cell::new(super::table::hint(&g.hint, style)),
            ]);
        }
        writeln!(out, "{}", trim_lines(&t.to_string()))?;
    }
    if r.schema_outdated > 0 {
        writeln!(
            out,
            "\n{} the worker started against an outdated schema ({}){}",
            style.status(Status::Critical, "CRITICAL"),
            text::plural(r.schema_outdated, "time", "times"),
            r.missing_tables
                .as_deref()
                .map_or(String::new(), |t| format!(
                    ": missing tables {}",
                    sanitize(t)
                ))
        )?;
        writeln!(
            out,
            "         → run the app's migrations, then restart the worker"
        )?;
    }
    if !r.tracebacks.is_empty() && !focused {
        writeln!(out, "\n{}", style.bold("tracebacks, by their last line"))?;
        for t in &r.tracebacks {
            writeln!(out, " {:>6}×  {}", text::count(t.count), line(&t.last_line))?;
        }
    }
    if !r.events.is_empty() {
        writeln!(out)?;
        let mut t = new_table(style);
        header(
            &mut t,
            style,
            ["AT", "STREAM", "LEVEL", "CALL", "LINE"].map(|h| style.bold(h)),
        );
        for e in &r.events {
            t.add_row(vec![
                Cell::new(text::datetime(e.at)),
                Cell::new(sanitize(e.stream.as_deref().unwrap_or("—"))),
                Cell::new(sanitize(e.level.as_deref().unwrap_or("—"))),
                Cell::new(e.call_sid.as_deref().unwrap_or("—")),
                Cell::new(shorten(&sanitize(&e.message), 140)),
            ]);
        }
        writeln!(out, "{}", trim_lines(&t.to_string()))?;
    }
    for n in &r.notes {
        writeln!(out, "\n{} {}", style.dim("note:"), line(n))?;
    }
    exit_line(r.status, r.exit_code, style, out)
}
