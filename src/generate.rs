//! Generated artefacts: shell completions and man pages from the clap
//! definition; the alerts' runbooks from the finding catalogue.

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
        let name = cmd.get_name().to_string();
        let man = clap_mangen::Man::new(cmd);
        let mut roff = Vec::new();
        man.render(&mut roff)?;
        roff.extend_from_slice(extra_sections(&name).as_bytes());
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

/// EXIT STATUS, ENVIRONMENT and EXAMPLES, which clap does not write: the
/// README's words, per page (`recdiag` is the top page).
fn extra_sections(command: &str) -> String {
    let mut out = String::new();
    let section = |out: &mut String, title: &str, items: &[(&str, &str)]| {
        out.push_str(&format!(".SH \"{title}\"\n"));
        for (term, text) in items {
            out.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", roff(term), roff(text)));
        }
    };
    let status: &[(&str, &str)] = match command {
        "explain" => &[
            (
                "0",
                "the code is known (or none was asked): its text is printed",
            ),
            ("3", "no finding has that name; the nearest is named"),
        ],
        "completions" => &[("0", "the script is printed"), ("3", "bad usage")],
        _ => &[
            ("0", "OK: nothing wrong (accepted findings do not count)"),
            ("1", "WARNING: something needs attention soon"),
            ("2", "CRITICAL: recordings are failing or will fail"),
            (
                "3",
                "UNKNOWN: could not check: bad usage, an invalid setting, a source not configured, recdiag's own error",
            ),
        ],
    };
    section(&mut out, "EXIT STATUS", status);
    if command == "logs" {
        section(
            &mut out,
            "ENVIRONMENT",
            &[
                (
                    "RECDIAG_FORMAT",
                    "table or json (another format, set for the other commands, is passed over)",
                ),
                (
                    "NO_COLOR, COLUMNS",
                    "no colour under --color auto; the table width on a terminal",
                ),
            ],
        );
        out.push_str(".PP\nNo dotenv file is read unless --env-file names one: the log is the only source.\n");
    } else if !matches!(command, "explain" | "completions") {
        section(
            &mut out,
            "ENVIRONMENT",
            &[
                (
                    "REDIS_URL",
                    "the Redis the workers use (redis://, rediss://, unix://, redis+sentinel://)",
                ),
                (
                    "DATABASE_URL_POOLER, DATABASE_URL, DB_POSTGRESDB_*, DATABASE_URL_DIRECT",
                    "the database, the first one set, in the app's order",
                ),
                (
                    "RECORDINGS_DIR",
                    "the recordings directory (default server/recordings)",
                ),
                (
                    "RECDIAG_QUEUES",
                    "queues of interest, a comma list (default recordings)",
                ),
                (
                    "RQ_KEY_PREFIX",
                    "the prefix of RQ's keys, as the workers set it (rq 3.0; default rq)",
                ),
                (
                    "RECDIAG_COMPOSE, RECDIAG_WORKER_SERVICE, RECDIAG_SCHEDULER_SERVICE, RECDIAG_REDIS_SERVICE",
                    "the compose command and service names hints print (default docker-compose -f docker-compose.prod.yml; worker, scheduler, redis)",
                ),
                (
                    "RECDIAG_TIMEOUT, RECDIAG_WINDOW",
                    "the time limit of each check (5s) and the statistics window (1h)",
                ),
                (
                    "RECDIAG_FORMAT",
                    "table, json, prometheus or nagios, where the command prints it",
                ),
                ("RECDIAG_ACCEPT", "finding codes acknowledged, a comma list"),
                ("RECDIAG_*", "each threshold, named with its flag above"),
                (
                    "NO_COLOR, COLUMNS",
                    "no colour under --color auto; the table width on a terminal",
                ),
            ],
        );
        out.push_str(
            ".PP\nEach is also read from ./.env (or --env-file), the environment winning.\n",
        );
    }
    let examples: &[(&str, &str)] = match command {
        "recdiag" | "health" => &[
            (
                "recdiag health",
                "every check, the findings with their next step, the verdict",
            ),
            (
                "recdiag health --format prometheus --output /var/lib/node_exporter/textfile_collector/recdiag.prom",
                "for cron and node_exporter's textfile collector",
            ),
            (
                "recdiag health --watch 10s",
                "during an incident; Ctrl-C exits with the last status",
            ),
        ],
        "call" => &[
            (
                "recdiag call CA0123456789abcdef0123456789abcdef",
                "one call's verdict and what to do",
            ),
            (
                "recdiag call CA0123456789abcdef0123456789abcdef --log worker.log",
                "with the worker log's evidence",
            ),
        ],
        "logs" => &[
            (
                "docker-compose -f docker-compose.prod.yml logs worker --since 1h | recdiag logs",
                "downloads started, saved and failed by cause",
            ),
            (
                "recdiag logs --sid CA0123456789abcdef0123456789abcdef worker.log",
                "one call's lines, newest kept",
            ),
        ],
        "explain" => &[
            (
                "recdiag explain PHANTOM_SLOTS",
                "what the finding means and what to do",
            ),
            ("recdiag explain", "every code, its check and severity"),
        ],
        "failed" => &[(
            "recdiag failed --limit 50 --verbose",
            "the newest failed jobs with their whole exception",
        )],
        "runs" => &[("recdiag runs --window 24h", "a day of recording_runs")],
        "completions" => &[(
            "recdiag completions bash > /etc/bash_completion.d/recdiag",
            "bash completion",
        )],
        _ => &[],
    };
    if !examples.is_empty() {
        section(&mut out, "EXAMPLES", examples);
    }
    out
}

/// Text safe in roff: backslashes and hyphens escaped, no line starting
/// with a control character.
fn roff(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

/// The code of the alert on recdiag itself (not a finding: no check
/// raises it; the rules do, when recdiag's own series stop).
pub const NOT_REPORTING: &str = "RECDIAG_NOT_REPORTING";

/// `docs/runbooks/<CODE>.md` for every finding code and for
/// [`NOT_REPORTING`], from the catalogue: what it means in this app, how
/// to confirm it with recdiag, what to run. (file name, markdown) pairs.
pub fn runbooks() -> Vec<(String, String)> {
    use crate::model::FindingCode;
    let mut pages: Vec<(String, String)> = FindingCode::ALL
        .into_iter()
        .map(|c| {
            let confirm = match c.check() {
                "any" => "recdiag health".to_string(),
                check => format!("recdiag health --only {check}"),
            };
            let text = format!(
                "# {code}\n\n\
                 Raised by recdiag's `{check}` check; severity: {severity}. Alert: the\n\
                 rule in `monitoring/recdiag.rules.yml` that selects `code=\"{code}\"`.\n\n\
                 ## What it means in this app\n\n{when}\n\n\
                 ## Confirm it\n\n\
                 ```sh\n{confirm}            # the finding, its subjects and its hint\n\
                 recdiag explain {code}\n```\n\n\
                 Where recdiag runs as `recdiag serve`, `curl -s localhost:9847/metrics | grep '{code}'`\n\
                 shows the series the alert read. recdiag reads only; it changes nothing.\n\n\
                 ## What to do\n\n{hint}\n\n\
                 The hint recdiag prints names the exact keys, runs and calls, and uses\n\
                 this deployment's compose command (`RECDIAG_COMPOSE`). This page is\n\
                 generated from recdiag's finding catalogue (`recdiag explain`).\n",
                code = c.as_str(),
                check = c.check(),
                severity = c.severity_text(),
                when = c.when(),
                hint = c.default_hint(),
            );
            (format!("{}.md", c.as_str()), text)
        })
        .collect();
    pages.push((
        format!("{NOT_REPORTING}.md"),
        format!(
            "# {NOT_REPORTING}\n\n\
             Raised by the rules in `monitoring/recdiag.rules.yml`, not by a check;\n\
             severity: warning. recdiag's own series are absent, or its last run\n\
             (`recdiag_last_run_timestamp_seconds`) is more than 5 minutes old: nothing\n\
             is watching the recordings pipeline, so every other alert is silent.\n\n\
             ## Confirm it\n\n\
             ```sh\n\
             curl -s localhost:9847/healthz                 # recdiag serve: ok\n\
             curl -s localhost:9847/metrics | grep recdiag_last_run_timestamp_seconds\n\
             ls -l /var/lib/node_exporter/textfile_collector/recdiag.prom   # the cron way\n\
             ```\n\n\
             In Prometheus, `up{{job=\"recdiag\"}}` says whether the scrape itself fails.\n\n\
             ## What to do\n\n\
             Start `recdiag serve` again (its container or systemd unit), or fix the cron\n\
             job that writes `--output` for node_exporter (its log, its PATH, the\n\
             file's directory). Run the same command by hand: its exit code and stderr\n\
             say what stops it.\n"
        ),
    ));
    pages
}
