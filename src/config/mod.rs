//! Configuration: every setting resolved once, in one order —
//! flag > real environment > dotenv file > default — before any probe runs.

mod database_url;
mod dotenv;
mod redis_url;
mod secret;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use database_url::{DatabaseKind, DatabaseTarget, URL_SOURCES};
pub use dotenv::DotEnv;
pub use redis_url::{RedisTarget, SentinelSpec, address as redis_address};
pub use secret::{Redactor, SecretUrl, is_recdiag_word, mask_url, mask_userinfo, url_secrets};

use crate::cli::{ColorArg, FormatArg, Settings};
use crate::hints::Deployment;
use crate::model::FindingCode;
use crate::rq_keys::Keys;
use crate::verdict::Thresholds;

/// A configuration problem. Messages never contain a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid {what} URL '{url}': {why}")]
    BadUrl {
        what: &'static str,
        url: String,
        why: String,
    },
    #[error("invalid {name}: {why}")]
    BadSetting { name: &'static str, why: String },
    #[error("dotenv file {path}: {why}")]
    EnvFile { path: String, why: String },
}

/// A source that may be unconfigured or misconfigured; either way the
/// checks that need it report UNKNOWN while the others still run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source<T> {
    Missing,
    Invalid(ConfigError),
    Ready(T),
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Prometheus,
    Nagios,
}

/// Every setting of one run, resolved and validated.
#[derive(Debug, Clone)]
pub struct Config {
    pub redis: Source<RedisTarget>,
    pub database: Source<DatabaseTarget>,
    pub recordings_dir: PathBuf,
    pub queues: Vec<String>,
    /// RQ's key names, under the workers' `RQ_KEY_PREFIX`.
    pub rq_keys: Keys,
    /// How the app is deployed (`RECDIAG_COMPOSE`, `RECDIAG_WORKER_SERVICE`):
    /// the commands hints print.
    pub deployment: Deployment,
    pub timeout: Duration,
    pub window: Duration,
    pub format: Format,
    pub color: ColorArg,
    /// Write the rendering to this file, atomically, instead of stdout.
    pub output: Option<PathBuf>,
    /// `-q`: nothing on stdout, the exit code only.
    pub quiet: bool,
    /// `--no-headers`: tables print rows only.
    pub no_headers: bool,
    pub thresholds: Thresholds,
    /// "Now" for every age recdiag computes; `RECDIAG_NOW` (RFC 3339) pins it.
    pub now: jiff::Timestamp,
    /// True when `RECDIAG_NOW` pinned `now` (watch mode keeps it then).
    pub now_pinned: bool,
    /// Scrubs every secret this configuration holds from outgoing text.
    pub redactor: Redactor,
    /// Finding codes the operator acknowledged (`--accept`, `RECDIAG_ACCEPT`).
    pub accept: Vec<FindingCode>,
}

const DEFAULT_RECORDINGS_DIR: &str = "server/recordings";
const DEFAULT_QUEUE: &str = "recordings";

impl Config {
    /// Resolve the configuration. `env` reads the real environment; clap
    /// has already applied it to the flags that name a variable.
    pub fn resolve(
        args: &Settings,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let dotenv = load_dotenv(args)?;
        // Real environment first, then the dotenv file. clap has applied
        // the environment to the flags the command has; a setting whose
        // flag the command lacks is read the same way here, so that every
        // command sees the value health sees (the environment's, not a
        // dotenv file's it overrides).
        let from_file = |name: &str| dotenv.get(name).map(str::to_string);
        let lookup = |name: &str| {
            env(name)
                .filter(|v| !v.is_empty())
                .or_else(|| from_file(name))
        };

        let redis = match args.redis_url.clone().or_else(|| lookup("REDIS_URL")) {
            None => Source::Missing,
            Some(raw) if raw.trim().is_empty() => Source::Missing,
            Some(raw) => match RedisTarget::parse(&raw) {
                // redis-py verifies TLS with Python's default context,
                // which trusts SSL_CERT_FILE, and passes over one it
                // cannot use: so does recdiag, unless the URL names its
                // own CA file.
                Ok(mut t) if t.tls && t.ca.is_empty() => {
                    if let Some(ca) = env("SSL_CERT_FILE")
                        .filter(|f| !f.is_empty())
                        .and_then(|file| redis_url::private_ca(&file).ok())
                    {
                        t.ca = ca;
                    }
                    Source::Ready(t)
                }
                Ok(t) => Source::Ready(t),
                Err(e) => Source::Invalid(e),
            },
        };
        let database = resolve_database(args.database_url.as_deref(), &lookup);

        let recordings_dir = args
            .recordings_dir
            .clone()
            .or_else(|| lookup("RECORDINGS_DIR").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from(DEFAULT_RECORDINGS_DIR));

        let mut queues: Vec<String> = if args.queues.is_empty() {
            lookup("RECDIAG_QUEUES")
                .map(|list| split_list(&list))
                .unwrap_or_default()
        } else {
            args.queues.iter().flat_map(|q| split_list(q)).collect()
        };
        if queues.is_empty() {
            queues.push(DEFAULT_QUEUE.to_string());
        }
        queues.dedup();

        let rq_keys = match args
            .rq_key_prefix
            .clone()
            .or_else(|| lookup("RQ_KEY_PREFIX"))
        {
            None => Keys::default(),
            Some(prefix) => Keys::new(&prefix).map_err(|why| ConfigError::BadSetting {
                name: "--rq-key-prefix/RQ_KEY_PREFIX",
                why,
            })?,
        };

        let services = crate::hints::SERVICE_VARS.map(&lookup);
        let deployment = Deployment::new(
            lookup("RECDIAG_COMPOSE").as_deref(),
            services.each_ref().map(Option::as_deref),
        )
        .map_err(|(name, why)| ConfigError::BadSetting { name, why })?;

        let timeout = duration(
            "--timeout/RECDIAG_TIMEOUT",
            args.timeout.clone().or_else(|| lookup("RECDIAG_TIMEOUT")),
            Duration::from_secs(5),
        )?;
        if timeout.is_zero() {
            return Err(ConfigError::BadSetting {
                name: "--timeout/RECDIAG_TIMEOUT",
                why: "it must be greater than zero".into(),
            });
        }
        let window = duration(
            "--window/RECDIAG_WINDOW",
            args.window.clone().or_else(|| lookup("RECDIAG_WINDOW")),
            Duration::from_secs(3600),
        )?;
        if window.is_zero() {
            return Err(ConfigError::BadSetting {
                name: "--window/RECDIAG_WINDOW",
                why: "it must be greater than zero (a window of no time holds no run)".into(),
            });
        }

        let format = if args.json {
            Format::Json
        } else {
            match args.format {
                Some(FormatArg::Json) => Format::Json,
                Some(FormatArg::Table) => Format::Table,
                Some(FormatArg::Prometheus) => Format::Prometheus,
                Some(FormatArg::Nagios) => Format::Nagios,
                None => match env("RECDIAG_FORMAT")
                    .or_else(|| from_file("RECDIAG_FORMAT"))
                    .as_deref()
                    .map(str::trim)
                {
                    None | Some("table") => Format::Table,
                    Some("json") => Format::Json,
                    Some("prometheus") => Format::Prometheus,
                    Some("nagios") => Format::Nagios,
                    Some(other) => {
                        return Err(ConfigError::BadSetting {
                            name: "RECDIAG_FORMAT",
                            why: format!("'{other}' is not table, json, prometheus or nagios"),
                        });
                    }
                },
            }
        };

        let t = &args.thresholds;
        let defaults = Thresholds::default();
        let mut thresholds = Thresholds {
            min_free_percent: percent(
                "RECDIAG_MIN_FREE_PERCENT",
                t.min_free_percent,
                &lookup,
                defaults.min_free_percent,
            )?,
            crit_free_percent: percent(
                "RECDIAG_CRIT_FREE_PERCENT",
                t.crit_free_percent,
                &lookup,
                defaults.crit_free_percent,
            )?,
            max_redis_memory_percent: percent(
                "RECDIAG_MAX_REDIS_MEMORY_PERCENT",
                t.max_redis_memory_percent,
                &lookup,
                defaults.max_redis_memory_percent,
            )?,
            max_backlog: number(
                "RECDIAG_MAX_BACKLOG",
                t.max_backlog,
                &lookup,
                defaults.max_backlog,
            )?,
            crit_backlog: number(
                "RECDIAG_CRIT_BACKLOG",
                t.crit_backlog,
                &lookup,
                defaults.crit_backlog,
            )?,
            max_failed: number(
                "RECDIAG_MAX_FAILED",
                t.max_failed,
                &lookup,
                defaults.max_failed,
            )?,
            crit_failed: number(
                "RECDIAG_CRIT_FAILED",
                t.crit_failed,
                &lookup,
                defaults.crit_failed,
            )?,
            max_queue_age: duration(
                "--max-queue-age/RECDIAG_MAX_QUEUE_AGE",
                t.max_queue_age
                    .clone()
                    .or_else(|| lookup("RECDIAG_MAX_QUEUE_AGE")),
                defaults.max_queue_age,
            )?,
            stale_busy_heartbeat: duration(
                "--stale-busy-heartbeat/RECDIAG_STALE_BUSY_HEARTBEAT",
                t.stale_busy_heartbeat
                    .clone()
                    .or_else(|| lookup("RECDIAG_STALE_BUSY_HEARTBEAT")),
                defaults.stale_busy_heartbeat,
            )?,
            stale_idle_heartbeat: duration(
                "--stale-idle-heartbeat/RECDIAG_STALE_IDLE_HEARTBEAT",
                t.stale_idle_heartbeat
                    .clone()
                    .or_else(|| lookup("RECDIAG_STALE_IDLE_HEARTBEAT")),
                defaults.stale_idle_heartbeat,
            )?,
            min_completion_rate: percent(
                "RECDIAG_MIN_COMPLETION_RATE",
                t.min_completion_rate,
                &lookup,
                defaults.min_completion_rate,
            )?,
            crit_completion_rate: percent(
                "RECDIAG_CRIT_COMPLETION_RATE",
                t.crit_completion_rate,
                &lookup,
                defaults.crit_completion_rate,
            )?,
            max_avg_download: duration(
                "--max-avg-download/RECDIAG_MAX_AVG_DOWNLOAD",
                t.max_avg_download
                    .clone()
                    .or_else(|| lookup("RECDIAG_MAX_AVG_DOWNLOAD")),
                defaults.max_avg_download,
            )?,
            max_queued_run_age: duration(
                "--max-queued-run-age/RECDIAG_MAX_QUEUED_RUN_AGE",
                t.max_queued_run_age
                    .clone()
                    .or_else(|| lookup("RECDIAG_MAX_QUEUED_RUN_AGE")),
                defaults.max_queued_run_age,
            )?,
            max_running_run_age: duration(
                "--max-running-run-age/RECDIAG_MAX_RUNNING_RUN_AGE",
                t.max_running_run_age
                    .clone()
                    .or_else(|| lookup("RECDIAG_MAX_RUNNING_RUN_AGE")),
                defaults.max_running_run_age,
            )?,
            ..defaults
        };
        // A pair given on one side only moves the other's default along
        // (`--crit-backlog 5` alone means critical at 5); both given and
        // crossed is a usage error below.
        let given = |flag: bool, name: &str| flag || lookup(name).is_some();
        let th = &mut thresholds;
        settle(
            th.crit_backlog < th.max_backlog,
            (
                &mut th.max_backlog,
                given(t.max_backlog.is_some(), "RECDIAG_MAX_BACKLOG"),
            ),
            (
                &mut th.crit_backlog,
                given(t.crit_backlog.is_some(), "RECDIAG_CRIT_BACKLOG"),
            ),
        );
        settle(
            th.crit_failed < th.max_failed,
            (
                &mut th.max_failed,
                given(t.max_failed.is_some(), "RECDIAG_MAX_FAILED"),
            ),
            (
                &mut th.crit_failed,
                given(t.crit_failed.is_some(), "RECDIAG_CRIT_FAILED"),
            ),
        );
        settle(
            th.crit_completion_rate > th.min_completion_rate,
            (
                &mut th.min_completion_rate,
                given(
                    t.min_completion_rate.is_some(),
                    "RECDIAG_MIN_COMPLETION_RATE",
                ),
            ),
            (
                &mut th.crit_completion_rate,
                given(
                    t.crit_completion_rate.is_some(),
                    "RECDIAG_CRIT_COMPLETION_RATE",
                ),
            ),
        );
        settle(
            th.crit_free_percent > th.min_free_percent,
            (
                &mut th.min_free_percent,
                given(t.min_free_percent.is_some(), "RECDIAG_MIN_FREE_PERCENT"),
            ),
            (
                &mut th.crit_free_percent,
                given(t.crit_free_percent.is_some(), "RECDIAG_CRIT_FREE_PERCENT"),
            ),
        );
        check_thresholds(&thresholds)?;

        let now_pinned = env("RECDIAG_NOW").is_some_and(|v| !v.is_empty());
        let now = match env("RECDIAG_NOW").filter(|v| !v.is_empty()) {
            Some(raw) => raw.trim().parse().map_err(|e| ConfigError::BadSetting {
                name: "RECDIAG_NOW",
                why: format!("not an RFC 3339 timestamp: {e}"),
            })?,
            None => jiff::Timestamp::now(),
        };

        let accept_raw: Vec<String> = if args.accept.is_empty() {
            env("RECDIAG_ACCEPT")
                .or_else(|| from_file("RECDIAG_ACCEPT"))
                .map(|list| split_list(&list))
                .unwrap_or_default()
        } else {
            args.accept.iter().flat_map(|c| split_list(c)).collect()
        };
        let mut accept = Vec::new();
        for raw in accept_raw {
            match FindingCode::parse(&raw) {
                Some(code) if !accept.contains(&code) => accept.push(code),
                Some(_) => {}
                None => {
                    return Err(ConfigError::BadSetting {
                        name: "--accept/RECDIAG_ACCEPT",
                        why: format!(
                            "'{}' is not a finding code (e.g. REDIS_EVICTION_POLICY; `recdiag explain` lists them all)",
                            crate::text::sanitize(&raw)
                                .chars()
                                .take(60)
                                .collect::<String>()
                        ),
                    });
                }
            }
        }

        let mut redactor = Redactor::default();
        // Every URL configured, used or not, parsed or not.
        for raw in [
            args.redis_url.clone(),
            lookup("REDIS_URL"),
            args.database_url.clone(),
        ]
        .into_iter()
        .flatten()
        .chain(
            URL_SOURCES
                .iter()
                .filter(|s| !s.contains('*'))
                .filter_map(|s| lookup(s)),
        ) {
            redactor.add_raw_url(&raw);
        }
        if let Source::Ready(t) = &redis {
            redactor.add_url(&t.url);
        }
        if let Source::Ready(t) = &database {
            redactor.add_url(&t.url);
        }
        if let Some(p) = lookup("DB_POSTGRESDB_PASSWORD") {
            redactor.add(&p);
        }

        Ok(Config {
            redis,
            database,
            recordings_dir,
            queues,
            rq_keys,
            deployment,
            timeout,
            window,
            format,
            color: args.color,
            output: args.output.clone(),
            quiet: args.quiet,
            no_headers: args.no_headers,
            thresholds,
            now,
            now_pinned,
            redactor,
            accept,
        })
    }
}

/// The database URL: the flag, else the first of [`URL_SOURCES`] that is
/// set (each from the real environment, else the dotenv file). A set but
/// malformed URL is reported, never skipped for the next source.
fn resolve_database(
    flag: Option<&str>,
    lookup: &impl Fn(&str) -> Option<String>,
) -> Source<DatabaseTarget> {
    let parsed = |raw: &str, source: &'static str| match DatabaseTarget::parse(raw) {
        Ok(t) => Source::Ready(t.from_source(source)),
        Err(e) => Source::Invalid(e),
    };
    if let Some(raw) = flag.filter(|r| !r.trim().is_empty()) {
        return parsed(raw, "--database-url");
    }
    for source in URL_SOURCES {
        if source == "DB_POSTGRESDB_*" {
            match DatabaseTarget::from_parts(lookup) {
                Ok(Some(t)) => return Source::Ready(t),
                Ok(None) => continue,
                Err(e) => return Source::Invalid(e),
            }
        }
        if let Some(raw) = lookup(source).filter(|r| !r.trim().is_empty()) {
            return parsed(&raw, source);
        }
    }
    Source::Missing
}

fn load_dotenv(args: &Settings) -> Result<DotEnv, ConfigError> {
    if args.no_env_file {
        return Ok(DotEnv::default());
    }
    match &args.env_file {
        Some(path) => DotEnv::load(path),
        None => {
            let default = Path::new(".env");
            if default.is_file() {
                DotEnv::load(default)
            } else {
                Ok(DotEnv::default())
            }
        }
    }
}

fn split_list(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_string)
        .collect()
}

/// A duration setting: humantime's forms (`5s`, `1h 30m`), at most
/// [`MAX_DURATION`]; `default` when unset.
pub fn duration(
    name: &'static str,
    raw: Option<String>,
    default: Duration,
) -> Result<Duration, ConfigError> {
    match raw {
        None => Ok(default),
        Some(raw) => {
            let d = humantime::parse_duration(raw.trim()).map_err(|e| ConfigError::BadSetting {
                name,
                why: format!("'{}' is not a duration like 5s or 500ms ({e})", raw.trim()),
            })?;
            if d > MAX_DURATION {
                return Err(ConfigError::BadSetting {
                    name,
                    why: format!(
                        "'{}' is longer than 365 days (the longest recdiag takes)",
                        raw.trim()
                    ),
                });
            }
            Ok(d)
        }
    }
}

/// The largest file of settings recdiag reads (a `.env` file, a
/// certificate): a few KiB in practice.
pub const MAX_SETTINGS_FILE: u64 = 1024 * 1024;

/// A file of settings as it must be before it is read: a regular file
/// (a FIFO or /dev/zero would hold recdiag for ever or fill its memory)
/// of at most [`MAX_SETTINGS_FILE`] bytes. Why not, in words.
pub fn small_regular_file(path: &Path) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| crate::text::io_error(&e))?;
    if !meta.is_file() {
        return Err("it is not a regular file".into());
    }
    if meta.len() > MAX_SETTINGS_FILE {
        return Err(format!(
            "it is {} bytes; recdiag reads such a file up to {} KiB",
            meta.len(),
            MAX_SETTINGS_FILE / 1024
        ));
    }
    Ok(())
}

/// The longest duration any setting takes: a year (a window, a timeout,
/// an interval); beyond it, clocks overflow and nothing is meant.
pub const MAX_DURATION: Duration = Duration::from_secs(365 * 86_400);

/// A warning level and its critical one, crossed: the one left at its
/// default moves to the one given; both given stay crossed (an error).
fn settle<T: Copy>(crossed: bool, warn: (&mut T, bool), crit: (&mut T, bool)) {
    if !crossed {
        return;
    }
    match (warn.1, crit.1) {
        (false, _) => *warn.0 = *crit.0,
        (true, false) => *crit.0 = *warn.0,
        (true, true) => {}
    }
}

/// Thresholds that cannot mean anything: a warning level past its
/// critical one, a duration of no time.
fn check_thresholds(t: &Thresholds) -> Result<(), ConfigError> {
    let bad = |name: &'static str, why: String| Err(ConfigError::BadSetting { name, why });
    // A critical level on the wrong side of its warning one: (crossed,
    // the critical setting, its value, the warning setting and value).
    for (crossed, name, crit, warn) in [
        (
            t.crit_backlog < t.max_backlog,
            "--crit-backlog/RECDIAG_CRIT_BACKLOG",
            t.crit_backlog.to_string(),
            format!("below the warning level --max-backlog {}", t.max_backlog),
        ),
        (
            t.crit_failed < t.max_failed,
            "--crit-failed/RECDIAG_CRIT_FAILED",
            t.crit_failed.to_string(),
            format!("below the warning level --max-failed {}", t.max_failed),
        ),
        (
            t.crit_completion_rate > t.min_completion_rate,
            "--crit-completion-rate/RECDIAG_CRIT_COMPLETION_RATE",
            t.crit_completion_rate.to_string(),
            format!(
                "above the warning level --min-completion-rate {}: critical must be the lower rate",
                t.min_completion_rate
            ),
        ),
        (
            t.crit_free_percent > t.min_free_percent,
            "--crit-free-percent/RECDIAG_CRIT_FREE_PERCENT",
            t.crit_free_percent.to_string(),
            format!(
                "above the warning level --min-free-percent {}: critical must be the lower share",
                t.min_free_percent
            ),
        ),
    ] {
        if crossed {
            return bad(name, format!("{crit} is {warn}"));
        }
    }
    // A count level of zero would fire on an empty queue.
    for (name, n) in [
        ("--crit-backlog/RECDIAG_CRIT_BACKLOG", t.crit_backlog),
        ("--max-backlog/RECDIAG_MAX_BACKLOG", t.max_backlog),
        ("--crit-failed/RECDIAG_CRIT_FAILED", t.crit_failed),
        ("--max-failed/RECDIAG_MAX_FAILED", t.max_failed),
    ] {
        if n == 0 {
            return bad(
                name,
                "it must be at least 1 (at 0 it would fire with nothing there)".into(),
            );
        }
    }
    for (name, d) in [
        ("--max-queue-age/RECDIAG_MAX_QUEUE_AGE", t.max_queue_age),
        (
            "--stale-busy-heartbeat/RECDIAG_STALE_BUSY_HEARTBEAT",
            t.stale_busy_heartbeat,
        ),
        (
            "--stale-idle-heartbeat/RECDIAG_STALE_IDLE_HEARTBEAT",
            t.stale_idle_heartbeat,
        ),
        (
            "--max-avg-download/RECDIAG_MAX_AVG_DOWNLOAD",
            t.max_avg_download,
        ),
        (
            "--max-queued-run-age/RECDIAG_MAX_QUEUED_RUN_AGE",
            t.max_queued_run_age,
        ),
        (
            "--max-running-run-age/RECDIAG_MAX_RUNNING_RUN_AGE",
            t.max_running_run_age,
        ),
    ] {
        if d.is_zero() {
            return bad(name, "it must be greater than zero".into());
        }
    }
    Ok(())
}

fn number(
    name: &'static str,
    flag: Option<u64>,
    setting: &impl Fn(&str) -> Option<String>,
    default: u64,
) -> Result<u64, ConfigError> {
    match flag {
        Some(v) => Ok(v),
        None => match setting(name) {
            Some(raw) => raw.trim().parse().map_err(|_| ConfigError::BadSetting {
                name,
                why: format!("'{}' is not a whole number", raw.trim()),
            }),
            None => Ok(default),
        },
    }
}

fn percent(
    name: &'static str,
    flag: Option<f64>,
    setting: &impl Fn(&str) -> Option<String>,
    default: f64,
) -> Result<f64, ConfigError> {
    let value = match flag {
        Some(v) => v,
        None => match setting(name) {
            Some(raw) => raw.trim().parse().map_err(|_| ConfigError::BadSetting {
                name,
                why: format!("'{}' is not a number", raw.trim()),
            })?,
            None => default,
        },
    };
    if !(0.0..=100.0).contains(&value) {
        return Err(ConfigError::BadSetting {
            name,
            why: format!("{value} is not a percentage between 0 and 100"),
        });
    }
    Ok(value)
}
