//! recdiag: diagnose a call-recording download pipeline.
//!
//! Data flows one way: configuration → probes → check model → verdict →
//! renderers → exit code. Only this file wires the layers together.

pub mod call;
pub mod checks;
pub mod cli;
pub mod config;
pub mod consistency;
pub mod failed;
pub mod generate;
mod hints;
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
use config::{Config, Format, Redactor, mask_userinfo};
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
        Command::Man => {
            let mut buf = Vec::new();
            if let Err(e) = generate::man(&mut buf) {
                return fail(
                    &Redactor::default(),
                    &format!("cannot write the man page: {e}"),
                );
            }
            write_quietly(&mut io::stdout().lock(), &buf);
            return exit::OK;
        }
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
        io::stdout().is_terminal() && config.output.is_none(),
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        std::env::var("TERM").is_ok_and(|t| t == "dumb"),
    );
    let machine_only = matches!(config.format, Format::Prometheus | Format::Nagios);
    if machine_only && matches!(cli.command, Command::Call { .. } | Command::Failed(_)) {
        return fail(
            &config.redactor,
            "--format prometheus and nagios are for health, redis, queues, workers, runs and dir; call and failed print table or json",
        );
    }
    let watch = match &cli.command {
        Command::Health(h) => match h.watch.as_deref().map(humantime::parse_duration) {
            None => None,
            Some(Ok(d)) if !d.is_zero() => Some(d),
            Some(_) => return fail(&config.redactor, "--watch takes an interval like 10s or 1m"),
        },
        _ => None,
    };

    let mut buf = Vec::new();
    let (rendered, code) = if let Command::Call { .. } = &cli.command {
        let reports = runtime.block_on(call::run(&config, &sids));
        let worst = model::Status::worst_of(reports.iter().map(|r| r.status));
        let rendered = render::render_calls(&reports, config.format, style, &mut buf);
        (rendered, worst.exit_code())
    } else if let Command::Failed(args) = &cli.command {
        let report = runtime.block_on(failed::run(&config, args.limit));
        let rendered = render::render_failed(&report, config.format, style, args.verbose, &mut buf);
        (rendered, report.exit_code)
    } else if let Some(interval) = watch {
        let code = runtime.block_on(watch_loop(&ids, &config, view, style, interval));
        runtime.shutdown_background();
        return code;
    } else {
        let checks = runtime.block_on(checks::run(&ids, &config));
        let report = Report::new(config.now, checks);
        let rendered = render::render(
            &report,
            view,
            config.format,
            style,
            &config.thresholds,
            &mut buf,
        );
        (rendered, report.exit_code)
    };
    // A scan stuck in the kernel (a hung mount) must not hold the exit.
    runtime.shutdown_background();
    if let Err(e) = rendered {
        return fail(&config.redactor, &format!("cannot render the report: {e}"));
    }
    if let Err(e) = emit(&config, &buf) {
        return fail(&config.redactor, &e);
    }
    code
}

/// Run the checks again and again until Ctrl-C; exit with the last status.
async fn watch_loop(
    ids: &[CheckId],
    config: &Arc<Config>,
    view: View,
    style: Style,
    interval: std::time::Duration,
) -> u8 {
    let redraw = io::stdout().is_terminal() && config.output.is_none();
    let mut last = exit::UNKNOWN;
    loop {
        let mut round = (**config).clone();
        if !round.now_pinned {
            round.now = jiff::Timestamp::now();
        }
        let round = Arc::new(round);
        let checks = tokio::select! {
            checks = checks::run(ids, &round) => checks,
            _ = tokio::signal::ctrl_c() => return last,
        };
        let report = Report::new(round.now, checks);
        last = report.exit_code;
        let mut buf = Vec::new();
        if redraw {
            buf.extend_from_slice(b"\x1b[H\x1b[2J");
        }
        if render::render(
            &report,
            view,
            round.format,
            style,
            &round.thresholds,
            &mut buf,
        )
        .is_err()
        {
            return exit::UNKNOWN;
        }
        if !redraw && config.output.is_none() && matches!(round.format, Format::Table) {
            buf.extend_from_slice(b"\n");
        }
        if let Err(e) = emit(&round, &buf) {
            return fail(&round.redactor, &e);
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = tokio::signal::ctrl_c() => return last,
        }
    }
}

/// Scrub secrets, then write to stdout — or, with `--output`, to a unique
/// temporary file in the target's directory, renamed over the target, so
/// a textfile collector never reads half a file.
fn emit(config: &Config, bytes: &[u8]) -> Result<(), String> {
    let text = config.redactor.scrub(&String::from_utf8_lossy(bytes));
    let Some(path) = &config.output else {
        write_quietly(&mut io::stdout().lock(), text.as_bytes());
        return Ok(());
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let shown = path.display();
    let mut tmp = tempfile::Builder::new()
        .prefix(".recdiag-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| format!("cannot write {shown}: {e}"))?;
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| format!("cannot write {shown}: {e}"))?;
    // Readable like a file written with the usual umask (a collector may
    // run as another user); the temporary file starts as 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = tmp
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    tmp.persist(path)
        .map_err(|e| format!("cannot write {shown}: {}", e.error))?;
    Ok(())
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
