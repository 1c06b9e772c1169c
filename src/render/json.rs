//! JSON for scripts: serde of the model, nothing else on stdout.

use std::io::{self, Write};

use serde::Serialize;

pub fn render(report: &impl Serialize, out: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::other)?;
    out.write_all(b"\n")
}
