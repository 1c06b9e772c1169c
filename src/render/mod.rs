//! Renderers: one model, one file per format. A renderer knows nothing of
//! Redis, the database or the disk; it only reads the model.

mod call;
pub mod explain;
mod failed;
mod json;
mod logs;
mod nagios;
mod prometheus;
/// A hand-built report with every check (the snapshot tests' and the
/// `renderers` fuzz target's).
#[doc(hidden)]
pub mod sample;
pub mod style;
mod table;
pub mod watch;

use std::io::{self, Write};

pub use style::Style;

use crate::config::Format;
use crate::model::{CallReport, FailedReport, LogsReport, Report};
use crate::verdict::Thresholds;

/// Which command's layout the table takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Every check, one line each, then the findings.
    Health,
    /// One check in detail: its metrics, then its findings.
    Detail,
}

pub fn render(
    report: &Report,
    view: View,
    format: Format,
    style: Style,
    thresholds: &Thresholds,
    out: &mut impl Write,
) -> io::Result<()> {
    match format {
        Format::Json => json::render(report, out),
        Format::Table => table::render(report, view, style, out),
        Format::Prometheus => prometheus::render(report, out),
        Format::Nagios => nagios::render(report, thresholds, out),
    }
}

/// The `failed` command's document.
pub fn render_failed(
    report: &FailedReport,
    format: Format,
    style: Style,
    verbose: bool,
    out: &mut impl Write,
) -> io::Result<()> {
    match format {
        Format::Table => failed::render(report, style, verbose, out),
        _ => json::render(report, out),
    }
}

/// The `logs` command's document.
pub fn render_logs(
    report: &LogsReport,
    format: Format,
    style: Style,
    out: &mut impl Write,
) -> io::Result<()> {
    match format {
        Format::Table => logs::render(report, style, out),
        _ => json::render(report, out),
    }
}

/// The `call` command's documents: one object for one SID, an array for several.
pub fn render_calls(
    reports: &[CallReport],
    format: Format,
    style: Style,
    out: &mut impl Write,
) -> io::Result<()> {
    match (format, reports) {
        (Format::Table, _) => call::render(reports, style, out),
        (_, [one]) => json::render(one, out),
        (_, many) => json::render(&many, out),
    }
}
