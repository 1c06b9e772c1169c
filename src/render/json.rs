//! JSON for scripts: serde of the model, nothing else on stdout.

use std::io::{self, Write};

use crate::model::Report;

pub fn render(report: &Report, out: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::other)?;
    out.write_all(b"\n")
}
