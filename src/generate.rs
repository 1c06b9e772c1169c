//! Generated artefacts from the clap definition: shell completions.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

/// Write the completion script for `shell`.
pub fn completions(shell: Shell, out: &mut impl Write) {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "recdiag", out);
}

/// Write the man page (roff), from the same definition.
pub fn man(out: &mut impl Write) -> std::io::Result<()> {
    clap_mangen::Man::new(Cli::command()).render(out)
}
