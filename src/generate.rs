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

/// The man pages, from the same definition: `recdiag.1`, which names a
/// page per subcommand, and those pages (`recdiag-health.1`, …), so every
/// reference resolves. (file name, roff) pairs.
pub fn man_pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    fn walk(cmd: clap::Command, pages: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned() {
            walk(sub, pages)?;
        }
        let man = clap_mangen::Man::new(cmd);
        let mut roff = Vec::new();
        man.render(&mut roff)?;
        pages.push((man.get_filename(), roff));
        Ok(())
    }
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    walk(cmd, &mut pages)?;
    pages.sort();
    Ok(pages)
}
