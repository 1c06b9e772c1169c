//! recdiag: diagnose a call-recording download pipeline.
//!
//! Data flows one way: configuration → probes → check model → verdict →
//! renderers → exit code. Only this file wires the layers together.

pub mod call;
pub mod checks;
pub mod cli;
pub mod config;
pub mod failed;
pub mod generate;
pub mod model;
pub mod probe;
pub mod render;
pub mod sid;
pub mod text;
pub mod verdict;

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::sync::Arc;

use clap::Parser;
use clap::error::ErrorKind;

use cli::{Cli, Command};
use config::{Config, Redactor, mask_userinfo};
use model::{CheckId, Report, exit};
use render::{Style, View};

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

    let ids: Vec<CheckId> = match &cli.command {
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            generate::completions(*shell, &mut buf);
            write_quietly(&mut io::stdout().lock(), &buf);
            return exit::OK;
        }
        Command::Health(h) => {
            let only: Vec<CheckId> = h.only.iter().map(|&c| c.into()).collect();
            let skip: Vec<CheckId> = h.skip.iter().map(|&c| c.into()).collect();
            CheckId::ALL
                .into_iter()
                .filter(|id| only.is_empty() || only.contains(id))
                .filter(|id| !skip.contains(id))
                .collect()
        }
        Command::Redis => vec![CheckId::Redis],
        Command::Queues => vec![CheckId::Queues],
        Command::Workers => vec![CheckId::Workers],
        Command::Runs => vec![CheckId::Runs],
        Command::Dir => vec![CheckId::RecordingsDir],
        Command::Failed(_) | Command::Call { .. } => Vec::new(),
    };
    // SIDs are checked before anything is read.
    let sids: Vec<sid::CallSid> = match &cli.command {
        Command::Call { sids } => {
            let mut ok = Vec::new();
            for raw in sids {
                match sid::CallSid::parse(raw) {
                    Some(s) => ok.push(s),
                    None => {
                        let shown: String = text::sanitize(raw).chars().take(80).collect();
                        return fail(
                            &Redactor::default(),
                            &format!(
                                "invalid call SID '{shown}': expected CA followed by 32 lowercase hex digits"
                            ),
                        );
                    }
                }
            }
            ok
        }
        _ => Vec::new(),
    };
    let view = match cli.command {
        Command::Health(_) => View::Health,
        _ => View::Detail,
    };

    let config = match Config::resolve(&cli.global, |name| std::env::var(name).ok()) {
        Ok(config) => Arc::new(config),
        Err(e) => return fail(&Redactor::default(), &e.to_string()),
    };
    if ids.is_empty() && !matches!(cli.command, Command::Failed(_) | Command::Call { .. }) {
        return fail(&config.redactor, "--only/--skip leave no check to run");
    }
    // rediss:// needs a TLS crypto provider; installing it twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();

    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&config.redactor, &format!("cannot start the runtime: {e}")),
    };
    let style = Style::decide(
        config.color,
        io::stdout().is_terminal(),
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        std::env::var("TERM").is_ok_and(|t| t == "dumb"),
    );
    let mut buf = Vec::new();
    let (rendered, code) = if let Command::Call { .. } = &cli.command {
        let reports = runtime.block_on(call::run(&config, &sids));
        runtime.shutdown_background();
        let worst = model::Status::worst_of(reports.iter().map(|r| r.status));
        let rendered = render::render_calls(&reports, config.format, style, &mut buf);
        (rendered, worst.exit_code())
    } else if let Command::Failed(args) = &cli.command {
        let report = runtime.block_on(failed::run(&config, args.limit));
        runtime.shutdown_background();
        let rendered = render::render_failed(&report, config.format, style, args.verbose, &mut buf);
        (rendered, report.exit_code)
    } else {
        let checks = runtime.block_on(checks::run(&ids, &config));
        // A scan stuck in the kernel (a hung mount) must not hold the exit.
        runtime.shutdown_background();
        let report = Report::new(config.now, checks);
        let rendered = render::render(&report, view, config.format, style, &mut buf);
        (rendered, report.exit_code)
    };
    if let Err(e) = rendered {
        return fail(&config.redactor, &format!("cannot render the report: {e}"));
    }
    let text = config.redactor.scrub(&String::from_utf8_lossy(&buf));
    write_quietly(&mut io::stdout().lock(), text.as_bytes());
    code
}

/// recdiag's own failure: one line on stderr, exit UNKNOWN.
fn fail(redactor: &Redactor, message: &str) -> u8 {
    let line = format!("recdiag: error: {}\n", redactor.scrub(message));
    write_quietly(&mut io::stderr().lock(), line.as_bytes());
    exit::UNKNOWN
}

/// Write, ignoring a closed pipe (`recdiag health --json | head -c 10`):
/// the exit code still carries the verdict.
fn write_quietly(out: &mut impl Write, bytes: &[u8]) {
    let _ = out.write_all(bytes).and_then(|()| out.flush());
}
