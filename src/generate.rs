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
