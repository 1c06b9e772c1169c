//! The command line: the only file that knows clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::model::CheckId;

const AFTER_HELP: &str = "\
Exit codes (monitoring-plugins convention):
  0  OK        everything checked is healthy (call: the recording is playable)
  1  WARNING   degraded, or still in progress
  2  CRITICAL  broken: unreachable dependency, no worker for waiting jobs, missing directory
  3  UNKNOWN   could not check: bad usage, missing configuration, internal error

Prefer REDIS_URL / DATABASE_URL in the environment or .env over the URL flags:
command lines are visible to every user of the machine.";

/// Diagnose the call-recording download pipeline: Redis and its RQ workers,
/// the recording_runs table and the recordings directory.
#[derive(Debug, Parser)]
#[command(name = "recdiag", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every check concurrently, print a summary, exit with the worst status
    Health(HealthArgs),
    /// Redis: PING round trip, version, role, memory vs maxmemory, eviction policy
    Redis,
    /// RQ queues: waiting, started, failed, deferred, scheduled, finished, oldest job, workers
    Queues,
    /// RQ workers: host, pid, state, queues, current job, heartbeat age, live/stale/ghost
    Workers,
    /// Newest failed jobs, grouped by cause, with their exception text
    Failed(FailedArgs),
    /// Everything about one or more calls, with a verdict: READY, QUEUED, FAILED…
    Call {
        /// Call SIDs: CA followed by 32 lowercase hex digits
        #[arg(required = true, value_name = "SID")]
        sids: Vec<String>,
    },
    /// recording_runs in the window: statuses, completion rate, download times, stuck and duplicate runs
    Runs,
    /// The recordings directory: exists, readable, writable, .mp3 files, sizes, free space
    Dir,
    /// Print the man page (roff)
    #[command(hide = true)]
    Man,
    /// Print a shell completion script
    Completions {
        /// The shell to generate for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct FailedArgs {
    /// How many of the newest failed jobs to read (across the queues of interest)
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: usize,
    /// Show each job's whole exception text, not only its last line
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct HealthArgs {
    /// Run only these checks (repeatable or comma-separated)
    #[arg(long, value_enum, value_delimiter = ',', value_name = "CHECK")]
    pub only: Vec<CheckArg>,
    /// Skip these checks (repeatable or comma-separated)
    #[arg(long, value_enum, value_delimiter = ',', value_name = "CHECK")]
    pub skip: Vec<CheckArg>,

    /// Run again every INTERVAL (e.g. 10s), redrawing in place on a terminal;
    /// Ctrl-C exits with the last status's code
    #[arg(long, value_name = "INTERVAL")]
    pub watch: Option<String>,
}

/// A check id as the command line spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckArg {
    Redis,
    Queues,
    Workers,
    Runs,
    #[value(name = "recordings_dir", alias = "dir")]
    RecordingsDir,
    Consistency,
}

impl From<CheckArg> for CheckId {
    fn from(arg: CheckArg) -> Self {
        match arg {
            CheckArg::Redis => CheckId::Redis,
            CheckArg::Queues => CheckId::Queues,
            CheckArg::Workers => CheckId::Workers,
            CheckArg::Runs => CheckId::Runs,
            CheckArg::RecordingsDir => CheckId::RecordingsDir,
            CheckArg::Consistency => CheckId::Consistency,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Tables for people
    Table,
    /// One JSON document (schema v1) for scripts
    Json,
    /// node_exporter textfile format (recdiag_ gauges)
    Prometheus,
    /// One monitoring-plugins line with perfdata, then the findings
    Nagios,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

/// Settings every command takes. Values not given here come from the
/// environment, then from the dotenv file, then from the defaults.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed
    #[arg(
        long,
        global = true,
        env = "REDIS_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub redis_url: Option<String>,

    /// Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path
    /// [else built from DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL]
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub database_url: Option<String>,

    /// Directory holding <CALL_SID>.mp3 files [default: server/recordings]
    #[arg(
        long,
        global = true,
        env = "RECORDINGS_DIR",
        hide_env_values = true,
        value_name = "DIR"
    )]
    pub recordings_dir: Option<PathBuf>,

    /// Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]
    #[arg(long = "queue", global = true, value_name = "NAME")]
    pub queues: Vec<String>,

    /// Read settings from this dotenv file [default: ./.env if present]
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        conflicts_with = "no_env_file"
    )]
    pub env_file: Option<PathBuf>,

    /// Do not read any dotenv file
    #[arg(long, global = true)]
    pub no_env_file: bool,

    /// Time limit of each check, e.g. 2s or 500ms [default: 5s]
    #[arg(
        long,
        global = true,
        env = "RECDIAG_TIMEOUT",
        hide_env_values = true,
        value_name = "DURATION"
    )]
    pub timeout: Option<String>,

    /// Statistics window, e.g. 1h or 30m [default: 1h]
    #[arg(
        long,
        global = true,
        env = "RECDIAG_WINDOW",
        hide_env_values = true,
        value_name = "DURATION"
    )]
    pub window: Option<String>,

    /// Output format [default: table]
    #[arg(
        long,
        global = true,
        value_enum,
        env = "RECDIAG_FORMAT",
        hide_env_values = true,
        value_name = "FORMAT"
    )]
    pub format: Option<FormatArg>,

    /// Same as --format json
    #[arg(long, global = true, conflicts_with = "format")]
    pub json: bool,

    /// Write the output to FILE atomically (temporary file in the same directory, then rename),
    /// as a Prometheus textfile collector needs
    #[arg(long, global = true, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked
    /// accepted, but no longer raises the status or the exit code
    #[arg(
        long,
        global = true,
        env = "RECDIAG_ACCEPT",
        value_delimiter = ',',
        value_name = "CODE"
    )]
    pub accept: Vec<String>,

    /// When to use colour in tables (NO_COLOR is honoured under auto)
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "auto",
        value_name = "WHEN"
    )]
    pub color: ColorArg,

    #[command(flatten)]
    pub thresholds: ThresholdArgs,
}

/// Thresholds of the findings; each also reads a RECDIAG_* variable.
#[derive(Debug, Args)]
#[command(next_help_heading = "Thresholds")]
pub struct ThresholdArgs {
    /// QUEUE_BACKLOG warning at this many waiting jobs [default: 10]
    #[arg(
        long,
        global = true,
        env = "RECDIAG_MAX_BACKLOG",
        hide_env_values = true,
        value_name = "N"
    )]
    pub max_backlog: Option<u64>,

    /// QUEUE_BACKLOG critical at this many waiting jobs [default: 50]
    #[arg(
        long,
        global = true,
        env = "RECDIAG_CRIT_BACKLOG",
        hide_env_values = true,
        value_name = "N"
    )]
    pub crit_backlog: Option<u64>,

    /// QUEUE_STALLED when the next job has waited longer, with workers listening [default: 3m]
    #[arg(
        long,
        global = true,
        env = "RECDIAG_MAX_QUEUE_AGE",
        hide_env_values = true,
        value_name = "DURATION"
    )]
    pub max_queue_age: Option<String>,

    /// FAILED_JOBS warning at this many failed jobs [default: 1]
    #[arg(
        long,
        global = true,
        env = "RECDIAG_MAX_FAILED",
        hide_env_values = true,
        value_name = "N"
    )]
    pub max_failed: Option<u64>,

    /// FAILED_JOBS critical at this many failed jobs [default: 10]
    #[arg(
        long,
        global = true,
        env = "RECDIAG_CRIT_FAILED",
        hide_env_values = true,
        value_name = "N"
    )]
    pub crit_failed: Option<u64>,

    /// A busy worker is stale when its heartbeat is older [default: 60s]
    #[arg(
        long,
        global = true,
        env = "RECDIAG_STALE_BUSY_HEARTBEAT",
        hide_env_values = true,
        value_name = "DURATION"
    )]
    pub stale_busy_heartbeat: Option<String>,

    /// LOW_COMPLETION_RATE warning below this percentage [default: 95]
    #[arg(
        long,
        global = true,
        env = "RECDIAG_MIN_COMPLETION_RATE",
        hide_env_values = true,
        value_name = "PCT"
    )]
    pub min_completion_rate: Option<f64>,

    /// LOW_COMPLETION_RATE critical below this percentage [default: 80]
    #[arg(
        long,
        global = true,
        env = "RECDIAG_CRIT_COMPLETION_RATE",
        hide_env_values = true,
        value_name = "PCT"
    )]
    pub crit_completion_rate: Option<f64>,

    /// SLOW_DOWNLOADS when the average download takes longer [default: 60s]
    #[arg(
        long,
        global = true,
        env = "RECDIAG_MAX_AVG_DOWNLOAD",
        hide_env_values = true,
        value_name = "DURATION"
    )]
    pub max_avg_download: Option<String>,

    /// RUNS_STUCK when a run has been queued longer, as the app's own stuck rule [default: 5m]
    #[arg(
        long,
        global = true,
        env = "RECDIAG_MAX_QUEUED_RUN_AGE",
        hide_env_values = true,
        value_name = "DURATION"
    )]
    pub max_queued_run_age: Option<String>,

    /// RUNS_STUCK when a run has been running longer, as the app's own stuck rule [default: 5m]
    #[arg(
        long,
        global = true,
        env = "RECDIAG_MAX_RUNNING_RUN_AGE",
        hide_env_values = true,
        value_name = "DURATION"
    )]
    pub max_running_run_age: Option<String>,

    /// An idle worker is stale when its heartbeat is older [default: 8m]
    #[arg(
        long,
        global = true,
        env = "RECDIAG_STALE_IDLE_HEARTBEAT",
        hide_env_values = true,
        value_name = "DURATION"
    )]
    pub stale_idle_heartbeat: Option<String>,

    /// DISK_SPACE_LOW warning below this free percentage [default: 10]
    #[arg(
        long,
        global = true,
        env = "RECDIAG_MIN_FREE_PERCENT",
        hide_env_values = true,
        value_name = "PCT"
    )]
    pub min_free_percent: Option<f64>,

    /// DISK_SPACE_LOW critical below this free percentage [default: 2]
    #[arg(
        long,
        global = true,
        env = "RECDIAG_CRIT_FREE_PERCENT",
        hide_env_values = true,
        value_name = "PCT"
    )]
    pub crit_free_percent: Option<f64>,

    /// REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]
    #[arg(
        long,
        global = true,
        env = "RECDIAG_MAX_REDIS_MEMORY_PERCENT",
        hide_env_values = true,
        value_name = "PCT"
    )]
    pub max_redis_memory_percent: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
