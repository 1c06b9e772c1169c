//! One function per subcommand, each handed its own arguments by
//! `lib::run`. What they share — resolving the configuration, the runtime,
//! the style, rendering, writing, the exit code — is [`Session`], written
//! once.

use std::io::{self, IsTerminal, Write};
use std::sync::Arc;

use crate::cli::{
    CallArgs, CompletionsArgs, DirArgs, ExplainArgs, FailedArgs, HealthArgs, LogsArgs, QueuesArgs,
    RedisArgs, RunsArgs, ServeArgs, Settings, WorkersArgs,
};
use crate::config::{Config, Format, Redactor};
use crate::model::{self, CallReport, CheckId, FailedReport, LogsReport, Report, exit};
use crate::render::{self, Style, View};
use crate::{call, checks, failed, generate, logs, sid, text};

/// `recdiag health`: every check (or those `--only`/`--skip` leave), once
/// or every `--watch` interval.
pub fn health(args: &HealthArgs) -> u8 {
    let ids = chosen(&args.only, &args.skip);
    let session = match Session::open(&args.settings(), Formats::All) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if ids.is_empty() {
        return session.fail("--only/--skip leave no check to run");
    }
    match args.watch.as_deref().map(humantime::parse_duration) {
        None => session.checks(&ids, View::Health),
        Some(Ok(every)) if !every.is_zero() && every <= crate::config::MAX_DURATION => {
            session.watch(&ids, every)
        }
        Some(_) => session.fail("--watch takes an interval like 10s or 1m"),
    }
}

/// `recdiag serve`: health for Prometheus' scrapes, until SIGTERM or Ctrl-C.
pub fn serve(args: &ServeArgs) -> u8 {
    let ids = chosen(&args.only, &args.skip);
    let session = match Session::open(&args.settings(), Formats::All) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if ids.is_empty() {
        return session.fail("--only/--skip leave no check to run");
    }
    let Ok(listen) = args.listen.parse::<std::net::SocketAddr>() else {
        return session.fail(&format!(
            "--listen takes HOST:PORT with an IP address, like 127.0.0.1:9847 or 0.0.0.0:9847, not '{}'",
            text::truncate(&text::sanitize(&args.listen), 80)
        ));
    };
    // The shipped rules call recdiag silent when its last run is 5
    // minutes old: answers may not grow older than that between runs.
    let min_interval = match humantime::parse_duration(&args.min_interval) {
        Ok(d) if d <= std::time::Duration::from_secs(240) => d,
        _ => {
            return session.fail(
                "--min-interval takes a duration up to 4m, like 10s or 1m (the alert rules call recdiag silent past 5 minutes)",
            );
        }
    };
    let code = session.block_on(crate::serve::run(
        Arc::clone(&session.config),
        ids,
        listen,
        min_interval,
    ));
    session.runtime.shutdown_background();
    code
}

/// The checks `--only` and `--skip` leave, in their order.
fn chosen(only: &[crate::cli::CheckArg], skip: &[crate::cli::CheckArg]) -> Vec<CheckId> {
    let only: Vec<CheckId> = only.iter().map(|&c| c.into()).collect();
    let skip: Vec<CheckId> = skip.iter().map(|&c| c.into()).collect();
    CheckId::ALL
        .into_iter()
        .filter(|id| only.is_empty() || only.contains(id))
        .filter(|id| !skip.contains(id))
        .collect()
}

/// `recdiag redis`.
pub fn redis(args: &RedisArgs) -> u8 {
    one_check(&args.settings(), CheckId::Redis)
}

/// `recdiag queues`.
pub fn queues(args: &QueuesArgs) -> u8 {
    one_check(&args.settings(), CheckId::Queues)
}

/// `recdiag workers`.
pub fn workers(args: &WorkersArgs) -> u8 {
    one_check(&args.settings(), CheckId::Workers)
}

/// `recdiag runs`.
pub fn runs(args: &RunsArgs) -> u8 {
    one_check(&args.settings(), CheckId::Runs)
}

/// `recdiag dir`.
pub fn dir(args: &DirArgs) -> u8 {
    one_check(&args.settings(), CheckId::RecordingsDir)
}

fn one_check(settings: &Settings, id: CheckId) -> u8 {
    match Session::open(settings, Formats::All) {
        Ok(session) => session.checks(&[id], View::Detail),
        Err(code) => code,
    }
}

/// `recdiag call <SID>...`: the SIDs are checked before anything is read.
pub fn call(args: &CallArgs) -> u8 {
    let mut sids = Vec::with_capacity(args.sids.len());
    for raw in &args.sids {
        match sid::CallSid::parse(raw) {
            Some(s) => sids.push(s),
            None => return invalid_sid(raw),
        }
    }
    if !args.run.accept.is_empty() {
        return fail(
            &Redactor::default(),
            "call gives each call a verdict, not findings: --accept applies to health, redis, queues, workers, runs, dir and failed",
        );
    }
    match Session::open(&args.settings(), Formats::TableOrJson) {
        Ok(session) => {
            // The log first: a file that cannot be read stops before any source is.
            let evidence = match &args.log {
                None => None,
                Some(path) => {
                    let wanted = sids.iter().map(|s| s.to_string()).collect();
                    let limit = session.config.timeout;
                    match logs::read_within(std::slice::from_ref(path), wanted, limit) {
                        Ok(read) => Some(read.summary.evidence),
                        Err(e) => return session.fail(&format!("--log: {e}")),
                    }
                }
            };
            let mut reports = session.block_on(call::run(&session.config, &sids));
            if let Some(evidence) = &evidence {
                for r in &mut reports {
                    crate::verdict::call::add_log_evidence(r, evidence.get(&r.call_sid));
                }
            }
            session.finish(Output::Calls(reports))
        }
        Err(code) => code,
    }
}

/// `recdiag failed`.
pub fn failed(args: &FailedArgs) -> u8 {
    match Session::open(&args.settings(), Formats::TableOrJson) {
        Ok(session) => {
            let report = session.block_on(failed::run(&session.config, args.limit));
            session.finish(Output::Failed(report, args.verbose))
        }
        Err(code) => code,
    }
}

/// `recdiag logs [FILE...]`: the worker's log, summed up or one call's lines.
pub fn logs(args: &LogsArgs) -> u8 {
    let mut sids = Vec::new();
    for raw in &args.sids {
        match sid::CallSid::parse(raw) {
            Some(s) => sids.push(s.to_string()),
            None => return invalid_sid(raw),
        }
    }
    let session = match Session::open(&args.settings(), Formats::TableOrJson) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let now = session.config.now;
    let when = |raw: &Option<String>| raw.as_deref().map(|r| logs::parse_when(r, now)).transpose();
    let (since, until) = match (when(&args.since), when(&args.until)) {
        (Ok(s), Ok(u)) => (s, u),
        (Err(e), _) | (_, Err(e)) => return session.fail(&format!("--since/--until: {e}")),
    };
    match logs::read(&args.files, since, until, sids) {
        Ok(read) => {
            let report = read
                .summary
                .finish(now, read.sources, read.stats, Vec::new());
            session.finish(Output::Logs(Box::new(report)))
        }
        Err(e) => session.fail(&e),
    }
}

fn invalid_sid(raw: &str) -> u8 {
    let shown: String = text::sanitize(raw).chars().take(80).collect();
    fail(
        &Redactor::default(),
        &format!("invalid call SID '{shown}': expected CA followed by 32 lowercase hex digits"),
    )
}

/// `recdiag completions <shell>`: no configuration, no I/O but stdout.
pub fn completions(args: &CompletionsArgs) -> u8 {
    let mut buf = Vec::new();
    generate::completions(args.shell, &mut buf);
    write_quietly(&mut io::stdout().lock(), &buf);
    exit::OK
}

/// `recdiag explain [CODE]`: the finding catalogue at the terminal.
pub fn explain(args: &ExplainArgs) -> u8 {
    let text = match args.code.as_deref() {
        None => render::explain::list(),
        Some(name) => match model::FindingCode::parse(name) {
            Some(code) => render::explain::one(code),
            None => {
                let line = format!("recdiag: {}\n", render::explain::unknown(name));
                write_quietly(&mut io::stderr().lock(), line.as_bytes());
                return exit::UNKNOWN;
            }
        },
    };
    write_quietly(&mut io::stdout().lock(), text.as_bytes());
    exit::OK
}

/// Which formats a command can print.
enum Formats {
    All,
    /// `call`, `failed` and `logs`.
    TableOrJson,
}

/// What a command produced, ready to render.
enum Output {
    Report(Report, View),
    Calls(Vec<CallReport>),
    Failed(FailedReport, bool),
    Logs(Box<LogsReport>),
}

/// What every data command shares: its configuration, its runtime and
/// how it prints.
struct Session {
    config: Arc<Config>,
    runtime: tokio::runtime::Runtime,
    style: Style,
}

impl Session {
    fn open(settings: &Settings, formats: Formats) -> Result<Session, u8> {
        let mut config = match Config::resolve(settings, |name| std::env::var(name).ok()) {
            Ok(config) => config,
            Err(e) => return Err(fail(&Redactor::default(), &e.to_string())),
        };
        // Their --format takes table or json only (clap refuses the rest):
        // a prometheus or nagios here is RECDIAG_FORMAT, set for cron's
        // health, which call, failed and logs pass over for their table.
        if let Formats::TableOrJson = formats
            && matches!(config.format, Format::Prometheus | Format::Nagios)
        {
            config.format = Format::Table;
        }
        let config = Arc::new(config);
        // rediss:// needs a TLS crypto provider; installing it twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                return Err(fail(
                    &config.redactor,
                    &format!("cannot start the runtime: {e}"),
                ));
            }
        };
        let to_terminal = io::stdout().is_terminal() && config.output.is_none();
        let style = Style::decide(
            config.color,
            to_terminal,
            std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            std::env::var("TERM").is_ok_and(|t| t == "dumb"),
        )
        .fit_to_terminal(to_terminal)
        .headers(!config.no_headers)
        .deployment(if config.deployment.is_default() {
            &crate::hints::GUIDE
        } else {
            // Once per process: the style is copied into every renderer.
            Box::leak(Box::new(config.deployment.clone()))
        });
        Ok(Session {
            config,
            runtime,
            style,
        })
    }

    fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    /// Run these checks once and print them.
    fn checks(self, ids: &[CheckId], view: View) -> u8 {
        let checks = self.block_on(checks::run(ids, &self.config));
        let report = Report::new(self.config.now, checks);
        self.finish(Output::Report(report, view))
    }

    /// Render, write (stdout or `--output`), and exit with the verdict's code.
    fn finish(self, output: Output) -> u8 {
        let c = &self.config;
        let mut buf = Vec::new();
        let (rendered, code) = match &output {
            Output::Report(report, view) => (
                render::render(report, *view, c.format, self.style, &c.thresholds, &mut buf),
                report.exit_code,
            ),
            Output::Calls(reports) => (
                render::render_calls(reports, c.format, self.style, &mut buf),
                model::Status::worst_of(reports.iter().map(|r| r.status)).exit_code(),
            ),
            Output::Failed(report, verbose) => (
                render::render_failed(report, c.format, self.style, *verbose, &mut buf),
                report.exit_code,
            ),
            Output::Logs(report) => (
                render::render_logs(report, c.format, self.style, &mut buf),
                report.exit_code,
            ),
        };
        // The database sessions closed while this was judged and rendered.
        self.runtime
            .block_on(crate::database_read::closed(c.timeout));
        // A scan stuck in the kernel (a hung mount) must not hold the exit.
        self.runtime.shutdown_background();
        if let Err(e) = rendered {
            return fail(&c.redactor, &format!("cannot render the report: {e}"));
        }
        if let Err(e) = emit(c, &buf) {
            return fail(&c.redactor, &e);
        }
        code
    }

    /// Run the checks again and again until Ctrl-C; exit with the last status.
    fn watch(self, ids: &[CheckId], every: std::time::Duration) -> u8 {
        let code = self
            .runtime
            .block_on(watch_loop(ids, &self.config, self.style, every));
        self.runtime.shutdown_background();
        code
    }

    fn fail(self, message: &str) -> u8 {
        fail(&self.config.redactor, message)
    }
}

async fn watch_loop(
    ids: &[CheckId],
    config: &Arc<Config>,
    style: Style,
    interval: std::time::Duration,
) -> u8 {
    let redraw = io::stdout().is_terminal() && config.output.is_none();
    let mut last = exit::UNKNOWN;
    let mut previous: Option<Report> = None;
    let mut number = 0u64;
    loop {
        number += 1;
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
        if matches!(round.format, Format::Table) {
            let line = render::watch::heading(number, interval, &report, previous.as_ref());
            buf.extend_from_slice(style.dim(&line).as_bytes());
            buf.push(b'\n');
        }
        if render::render(
            &report,
            View::Health,
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
        previous = Some(report);
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = tokio::signal::ctrl_c() => return last,
        }
    }
}

/// Scrub secrets, then write to stdout — or, with `--output`, to a unique
/// temporary file in the target's directory, renamed over the target, so
/// a textfile collector never reads half a file. What is not a regular
/// file is never replaced: `-` is stdout, a FIFO or a device is written
/// into, a directory or a symbolic link to a file is refused.
fn emit(config: &Config, bytes: &[u8]) -> Result<(), String> {
    // The deployment's commands first (what tables laid out already has
    // them), then the secrets are scrubbed from all of it.
    let text = String::from_utf8_lossy(bytes);
    let text = config
        .deployment
        .apply(&text, config.format == Format::Json);
    let text = config.redactor.scrub(&text);
    let path = match &config.output {
        Some(p) if p.as_os_str() != "-" => p,
        _ if config.quiet => return Ok(()),
        _ => return write_stdout(text.as_bytes()),
    };
    let shown = path.display();
    if path.as_os_str().to_string_lossy().ends_with('/') {
        return Err(format!(
            "cannot write {shown}: it names a directory; give a file name"
        ));
    }
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(format!(
                "cannot write {shown}: it is a directory; give a file name"
            ));
        }
        Ok(m) if !m.is_file() => {
            // A FIFO, a terminal, /dev/stdout, /dev/null: written into.
            return std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .and_then(|mut f| f.write_all(text.as_bytes()))
                .map_err(|e| format!("cannot write {shown}: {}", crate::text::io_error(&e)));
        }
        _ => {}
    }
    let existing = std::fs::symlink_metadata(path).ok();
    if existing
        .as_ref()
        .is_some_and(|m| m.file_type().is_symlink())
    {
        return Err(format!(
            "cannot write {shown}: it is a symbolic link, which replacing the file would break; give the file it points to"
        ));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".recdiag-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| format!("cannot write {shown}: {}", crate::text::io_error(&e)))?;
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| format!("cannot write {shown}: {}", crate::text::io_error(&e)))?;
    // The target's mode and owner when it exists; else readable like a
    // file written with the usual umask (a collector may run as another
    // user; the temporary file starts as 0600).
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let mode = existing.as_ref().map_or(0o644, |m| m.mode() & 0o7777);
        let _ = tmp
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode));
        if let Some(m) = &existing {
            // Only root may give a file away; anyone else keeps it theirs.
            let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(m.uid()), Some(m.gid()));
        }
    }
    tmp.persist(path)
        .map_err(|e| format!("cannot write {shown}: {}", crate::text::io_error(&e.error)))?;
    Ok(())
}

/// Write the report to stdout: a reader that went away (`| head`) is
/// fine — the exit code still carries the verdict — but a write that
/// fails (`> /dev/full`) is recdiag's failure.
fn write_stdout(bytes: &[u8]) -> Result<(), String> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(format!(
            "cannot write to standard output: {}",
            crate::text::io_error(&e)
        )),
        _ => Ok(()),
    }
}

/// recdiag's own failure: one line on stderr, exit UNKNOWN.
pub(crate) fn fail(redactor: &Redactor, message: &str) -> u8 {
    let line = format!("recdiag: error: {}\n", redactor.scrub(message));
    write_quietly(&mut io::stderr().lock(), line.as_bytes());
    exit::UNKNOWN
}

/// Write, ignoring a closed pipe (`recdiag health --json | head -c 10`):
/// the exit code still carries the verdict.
pub(crate) fn write_quietly(out: &mut impl Write, bytes: &[u8]) {
    let _ = out.write_all(bytes).and_then(|()| out.flush());
}
