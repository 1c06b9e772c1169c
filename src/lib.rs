//! recdiag: diagnose a call-recording download pipeline.
//!
//! Data flows one way: configuration → probes → check model → verdict →
//! renderers → exit code. `run` hands each subcommand to its function in
//! `commands`, which wires the layers together.

mod bounded;
pub mod call;
pub mod checks;
pub mod cli;
mod commands;
pub mod comparisons;
pub mod config;
mod database_read;
mod disk;
pub mod failed;
pub mod generate;
pub mod hints;
pub mod logs;
mod memory_watch;
/// The binary's allocator: one block past a bound ends recdiag (exit 3).
pub use memory_watch::Guarded as Allocator;
pub mod model;
pub mod probe;
pub mod render;
pub mod rq_keys;
pub mod serve;
pub mod sid;
pub mod text;
pub mod verdict;

use std::ffi::OsString;
use std::io;

use clap::Parser;
use clap::error::ErrorKind;

use cli::{Cli, Command};
use commands::write_quietly;
use config::mask_userinfo;
use model::exit;

/// Run recdiag with these arguments; returns the process exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> u8 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let text = mask_userinfo(&e.render().to_string());
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    write_quietly(&mut io::stdout().lock(), text.as_bytes());
                    exit::OK
                }
                _ => {
                    write_quietly(&mut io::stderr().lock(), text.as_bytes());
                    exit::UNKNOWN
                }
            };
        }
    };
    memory_watch::start();
    // Each subcommand is one function, handed its own arguments, here only.
    match &cli.command {
        Command::Health(args) => commands::health(args),
        Command::Redis(args) => commands::redis(args),
        Command::Queues(args) => commands::queues(args),
        Command::Workers(args) => commands::workers(args),
        Command::Runs(args) => commands::runs(args),
        Command::Dir(args) => commands::dir(args),
        Command::Call(args) => commands::call(args),
        Command::Failed(args) => commands::failed(args),
        Command::Logs(args) => commands::logs(args),
        Command::Explain(args) => commands::explain(args),
        Command::Serve(args) => commands::serve(args),
        Command::Completions(args) => commands::completions(args),
    }
}
