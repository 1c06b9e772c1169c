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
    #[command(subcommand)]
    pub command: Command,
}

/// Every subcommand. Each takes the flags that apply to it, and no other.
// Parsed once per process: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every check concurrently, print a summary, exit with the worst status
    Health(HealthArgs),
    /// Redis: PING round trip, version, role, memory vs maxmemory, eviction policy
    Redis(RedisArgs),
    /// RQ queues: waiting, started, failed, deferred, scheduled, finished, oldest job, workers
    Queues(QueuesArgs),
    /// RQ workers: host, pid, state, queues, current job, heartbeat age, live/stale/ghost; rq suspend; the scheduler
    Workers(WorkersArgs),
    /// Newest failed jobs, grouped by cause, with their exception text
    Failed(FailedArgs),
    /// Everything about one or more calls, with a verdict: READY, QUEUED, FAILED, ...
    Call(CallArgs),
    /// recording_runs in the window: statuses, failure causes, completion rate, download times, stuck runs
    Runs(RunsArgs),
    /// The recordings directory: exists, readable, writable, .mp3 files, sizes, retention, free space
    Dir(DirArgs),
    /// The worker's log, read for the operator: downloads started, saved and failed by cause; one call's lines
    Logs(LogsArgs),
    /// What a finding code means and what to do about it; alone, every code
    Explain(ExplainArgs),
    /// Answer Prometheus scrapes: GET /metrics runs health (at most once per --min-interval), GET /healthz
    Serve(ServeArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
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
    #[command(flatten)]
    pub redis: RedisArg,
    #[command(flatten)]
    pub queue: QueueArg,
    #[command(flatten)]
    pub database: DatabaseArg,
    #[command(flatten)]
    pub dir: DirArg,
    #[command(flatten)]
    pub window: WindowArg,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub redis_t: RedisThresholds,
    #[command(flatten)]
    pub queue_t: QueueThresholds,
    #[command(flatten)]
    pub failed_t: FailedThresholds,
    #[command(flatten)]
    pub worker_t: WorkerThresholds,
    #[command(flatten)]
    pub runs_t: RunsThresholds,
    #[command(flatten)]
    pub dir_t: DirThresholds,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on, HOST:PORT (loopback unless told otherwise)
    #[arg(
        long,
        env = "RECDIAG_LISTEN",
        hide_env_values = true,
        default_value = "127.0.0.1:9847",
        value_name = "ADDR"
    )]
    pub listen: String,
    /// Run the checks at most once per INTERVAL: scrapes in between get the
    /// last answer, whose age recdiag_result_age_seconds says
    #[arg(long, default_value = "10s", value_name = "INTERVAL")]
    pub min_interval: String,
    /// Run only these checks (repeatable or comma-separated)
    #[arg(long, value_enum, value_delimiter = ',', value_name = "CHECK")]
    pub only: Vec<CheckArg>,
    /// Skip these checks (repeatable or comma-separated)
    #[arg(long, value_enum, value_delimiter = ',', value_name = "CHECK")]
    pub skip: Vec<CheckArg>,
    /// Read settings from this dotenv file [default: ./.env if present]
    #[arg(long, value_name = "PATH", conflicts_with = "no_env_file")]
    pub env_file: Option<PathBuf>,
    /// Do not read any dotenv file
    #[arg(long)]
    pub no_env_file: bool,
    /// Time limit of each check, e.g. 2s or 500ms [default: 5s]
    #[arg(
        long,
        env = "RECDIAG_TIMEOUT",
        hide_env_values = true,
        value_name = "DURATION"
    )]
    pub timeout: Option<String>,
    /// Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked
    /// accepted, but no longer raises the status [env: RECDIAG_ACCEPT]
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub accept: Vec<String>,
    #[command(flatten)]
    pub redis: RedisArg,
    #[command(flatten)]
    pub queue: QueueArg,
    #[command(flatten)]
    pub database: DatabaseArg,
    #[command(flatten)]
    pub dir: DirArg,
    #[command(flatten)]
    pub window: WindowArg,
    #[command(flatten)]
    pub redis_t: RedisThresholds,
    #[command(flatten)]
    pub queue_t: QueueThresholds,
    #[command(flatten)]
    pub failed_t: FailedThresholds,
    #[command(flatten)]
    pub worker_t: WorkerThresholds,
    #[command(flatten)]
    pub runs_t: RunsThresholds,
    #[command(flatten)]
    pub dir_t: DirThresholds,
}

#[derive(Debug, Args)]
pub struct RedisArgs {
    #[command(flatten)]
    pub redis: RedisArg,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub redis_t: RedisThresholds,
}

#[derive(Debug, Args)]
pub struct QueuesArgs {
    #[command(flatten)]
    pub redis: RedisArg,
    #[command(flatten)]
    pub queue: QueueArg,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub queue_t: QueueThresholds,
    #[command(flatten)]
    pub failed_t: FailedThresholds,
    #[command(flatten)]
    pub worker_t: WorkerThresholds,
}

#[derive(Debug, Args)]
pub struct WorkersArgs {
    #[command(flatten)]
    pub redis: RedisArg,
    #[command(flatten)]
    pub queue: QueueArg,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub worker_t: WorkerThresholds,
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    #[command(flatten)]
    pub database: DatabaseArg,
    #[command(flatten)]
    pub dir: DirArg,
    /// The runs are judged with what RQ holds (why runs wait, orphans,
    /// downloads in flight), read from this Redis as `health` reads it.
    #[command(flatten)]
    pub redis: RedisArg,
    #[command(flatten)]
    pub queue: QueueArg,
    #[command(flatten)]
    pub window: WindowArg,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub runs_t: RunsThresholds,
    /// Why runs wait depends on which workers are alive.
    #[command(flatten)]
    pub worker_t: WorkerThresholds,
}

#[derive(Debug, Args)]
pub struct DirArgs {
    #[command(flatten)]
    pub dir: DirArg,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub dir_t: DirThresholds,
}

#[derive(Debug, Args)]
#[command(mut_arg("format", table_or_json))]
#[command(mut_arg("accept", |a| a.hide(true)))]
pub struct CallArgs {
    /// Call SIDs: CA followed by 32 lowercase hex digits
    #[arg(required = true, value_name = "SID")]
    pub sids: Vec<String>,
    /// The worker's log (a file, plain or gzip, or - for standard input): its lines add their evidence to the verdict
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    #[command(flatten)]
    pub redis: RedisArg,
    #[command(flatten)]
    pub queue: QueueArg,
    #[command(flatten)]
    pub database: DatabaseArg,
    #[command(flatten)]
    pub dir: DirArg,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub worker_t: WorkerThresholds,
    #[command(flatten)]
    pub runs_t: RunsThresholds,
}

#[derive(Debug, Args)]
#[command(mut_arg("format", table_or_json))]
pub struct FailedArgs {
    /// How many of the newest failed jobs to read (across the queues of interest)
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: usize,
    /// Show each job's whole exception text, not only its last line
    #[arg(long, short)]
    pub verbose: bool,
    #[command(flatten)]
    pub redis: RedisArg,
    #[command(flatten)]
    pub queue: QueueArg,
    #[command(flatten)]
    pub database: DatabaseArg,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub failed_t: FailedThresholds,
}

#[derive(Debug, Args)]
#[command(mut_arg("format", table_or_json))]
pub struct LogsArgs {
    /// Log files, plain or gzip (`docker compose logs worker` output, with or without -t); none or - reads standard input
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Print this call's lines in order (repeatable)
    #[arg(long = "sid", value_name = "SID")]
    pub sids: Vec<String>,
    /// Only lines from then on: a duration back from now (1h, 30m) or a time (RFC 3339, or YYYY-MM-DD HH:MM:SS in UTC)
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Only lines up to then (same forms as --since)
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// Read settings (RECDIAG_FORMAT) from this dotenv file [default: none: the log is the only source]
    #[arg(long, value_name = "PATH", conflicts_with = "no_env_file")]
    pub env_file: Option<PathBuf>,
    /// Do not read any dotenv file (what logs does unless --env-file is given)
    #[arg(long)]
    pub no_env_file: bool,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// `--format` of a command that prints a table or JSON only: `-h` lists
/// those two, and asking for another is a usage error.
fn table_or_json(arg: clap::Arg) -> clap::Arg {
    use clap::builder::TypedValueParser;
    arg.value_parser(
        clap::builder::PossibleValuesParser::new([
            clap::builder::PossibleValue::new("table").help("Tables for people"),
            clap::builder::PossibleValue::new("json")
                .help("One JSON document (schema v1) for scripts"),
        ])
        .map(|v| match v.as_str() {
            "json" => FormatArg::Json,
            _ => FormatArg::Table,
        }),
    )
}

/// How a command that reads no service prints.
#[derive(Debug, Default, Args)]
pub struct OutputArgs {
    /// Output format [default: table; env: RECDIAG_FORMAT, where the command prints it]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<FormatArg>,

    /// Same as --format json
    #[arg(long, conflicts_with = "format")]
    pub json: bool,

    /// Write the output to FILE atomically (temporary file in the same directory, then rename),
    /// as a Prometheus textfile collector needs
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print nothing on stdout: the exit code says it all (cron, CI); --output is still written,
    /// errors still go to stderr
    #[arg(short, long)]
    pub quiet: bool,

    /// Tables without their column headers: rows only, for scripts (table format only)
    #[arg(long)]
    pub no_headers: bool,

    /// When to use colour in tables (NO_COLOR is honoured under auto)
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    pub color: ColorArg,
}

impl LogsArgs {
    pub fn settings(&self) -> Settings {
        Settings {
            // The log is the only source: no dotenv file to trip on,
            // unless one is named.
            no_env_file: self.env_file.is_none(),
            env_file: self.env_file.clone(),
            ..Settings::default()
        }
        .output(&self.out)
    }
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A finding code, as recdiag prints it (PHANTOM_SLOTS); none lists them all
    #[arg(value_name = "CODE")]
    pub code: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
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

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    #[default]
    Auto,
    Always,
    Never,
}

/// Where Redis is.
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Sources")]
pub struct RedisArg {
    /// Redis URL: redis://, rediss:// (TLS), redis+unix:// or unix://; user and password allowed
    #[arg(long, env = "REDIS_URL", hide_env_values = true, value_name = "URL")]
    pub redis_url: Option<String>,
}

/// The RQ queues findings are raised for.
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Sources")]
pub struct QueueArg {
    /// Queue of interest (repeatable) [env: RECDIAG_QUEUES, comma list] [default: recordings]
    #[arg(long = "queue", value_name = "NAME")]
    pub queues: Vec<String>,
    /// The prefix of RQ's keys, as the workers' RQ_KEY_PREFIX sets it (rq 3.0) [env: RQ_KEY_PREFIX] [default: rq]
    #[arg(long, value_name = "PREFIX")]
    pub rq_key_prefix: Option<String>,
}

/// Where the database is.
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Sources")]
pub struct DatabaseArg {
    /// Database URL: postgres://, postgresql://, postgresql+psycopg2://, sqlite://path
    /// [env, first set: DATABASE_URL_POOLER, DATABASE_URL,
    /// DB_POSTGRESDB_HOST/_USER/_PASSWORD/_DATABASE/_PORT/_SSL, DATABASE_URL_DIRECT]
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
}

/// Where the recordings are.
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Sources")]
pub struct DirArg {
    /// Directory holding <CALL_SID>.mp3 files [default: server/recordings]
    #[arg(
        long,
        env = "RECORDINGS_DIR",
        hide_env_values = true,
        value_name = "DIR"
    )]
    pub recordings_dir: Option<PathBuf>,
}

/// The statistics window.
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Sources")]
pub struct WindowArg {
    /// Statistics window, e.g. 1h or 30m [default: 1h]
    #[arg(
        long,
        env = "RECDIAG_WINDOW",
        hide_env_values = true,
        value_name = "DURATION"
    )]
    pub window: Option<String>,
}

/// How every data command runs and prints.
#[derive(Debug, Default, Args)]
pub struct RunArgs {
    /// Read settings from this dotenv file [default: ./.env if present]
    #[arg(long, value_name = "PATH", conflicts_with = "no_env_file")]
    pub env_file: Option<PathBuf>,

    /// Do not read any dotenv file
    #[arg(long)]
    pub no_env_file: bool,

    /// Time limit of each check, e.g. 2s or 500ms [default: 5s]
    #[arg(
        long,
        env = "RECDIAG_TIMEOUT",
        hide_env_values = true,
        value_name = "DURATION"
    )]
    pub timeout: Option<String>,

    #[command(flatten)]
    pub out: OutputArgs,

    /// Acknowledge a finding code (repeatable, or a comma list): it stays in every output, marked
    /// accepted, but no longer raises the status or the exit code [env: RECDIAG_ACCEPT]
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub accept: Vec<String>,
}

/// Thresholds of the redis check.
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Thresholds")]
pub struct RedisThresholds {
    /// REDIS_MEMORY_HIGH warning at this share of maxmemory, in percent [default: 90]
    #[arg(
        long,
        env = "RECDIAG_MAX_REDIS_MEMORY_PERCENT",
        hide_env_values = true,
        value_name = "PCT"
    )]
    pub max_redis_memory_percent: Option<f64>,
}

/// Thresholds of the queues check.
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Thresholds")]
pub struct QueueThresholds {
    /// QUEUE_BACKLOG warning at this many waiting jobs [default: 10]
    #[arg(
        long,
        env = "RECDIAG_MAX_BACKLOG",
        hide_env_values = true,
        value_name = "N"
    )]
    pub max_backlog: Option<u64>,

    /// QUEUE_BACKLOG critical at this many waiting jobs [default: 50]
    #[arg(
        long,
        env = "RECDIAG_CRIT_BACKLOG",
        hide_env_values = true,
        value_name = "N"
    )]
    pub crit_backlog: Option<u64>,

    /// QUEUE_STALLED when the next job has waited longer, with workers listening [default: 3m]
    #[arg(
        long,
        env = "RECDIAG_MAX_QUEUE_AGE",
        hide_env_values = true,
        value_name = "DURATION"
    )]
    pub max_queue_age: Option<String>,
}

/// Thresholds of FAILED_JOBS.
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Thresholds")]
pub struct FailedThresholds {
    /// FAILED_JOBS warning at this many failed jobs [default: 1]
    #[arg(
        long,
        env = "RECDIAG_MAX_FAILED",
        hide_env_values = true,
        value_name = "N"
    )]
    pub max_failed: Option<u64>,

    /// FAILED_JOBS critical at this many failed jobs [default: 10]
    #[arg(
        long,
        env = "RECDIAG_CRIT_FAILED",
        hide_env_values = true,
        value_name = "N"
    )]
    pub crit_failed: Option<u64>,
}

/// When a worker is stale.
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Thresholds")]
pub struct WorkerThresholds {
    /// A busy worker is stale when its heartbeat is older [default: 60s]
    #[arg(
        long,
        env = "RECDIAG_STALE_BUSY_HEARTBEAT",
        hide_env_values = true,
        value_name = "DURATION"
    )]
    pub stale_busy_heartbeat: Option<String>,

    /// An idle worker is stale when its heartbeat is older [default: 8m]
    #[arg(
        long,
        env = "RECDIAG_STALE_IDLE_HEARTBEAT",
        hide_env_values = true,
        value_name = "DURATION"
    )]
    pub stale_idle_heartbeat: Option<String>,
}

/// Thresholds of the runs check.
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Thresholds")]
pub struct RunsThresholds {
    /// LOW_COMPLETION_RATE warning below this percentage [default: 95]
    #[arg(
        long,
        env = "RECDIAG_MIN_COMPLETION_RATE",
        hide_env_values = true,
        value_name = "PCT"
    )]
    pub min_completion_rate: Option<f64>,

    /// LOW_COMPLETION_RATE critical below this percentage [default: 80]
    #[arg(
        long,
        env = "RECDIAG_CRIT_COMPLETION_RATE",
        hide_env_values = true,
        value_name = "PCT"
    )]
    pub crit_completion_rate: Option<f64>,

    /// SLOW_DOWNLOADS when the average download takes longer [default: 60s]
    #[arg(
        long,
        env = "RECDIAG_MAX_AVG_DOWNLOAD",
        hide_env_values = true,
        value_name = "DURATION"
    )]
    pub max_avg_download: Option<String>,

    /// RUNS_STUCK when a run has been queued longer, as the app's own stuck rule [default: 5m]
    #[arg(
        long,
        env = "RECDIAG_MAX_QUEUED_RUN_AGE",
        hide_env_values = true,
        value_name = "DURATION"
    )]
    pub max_queued_run_age: Option<String>,

    /// RUNS_STUCK when a run has been running longer, as the app's own stuck rule [default: 5m]
    #[arg(
        long,
        env = "RECDIAG_MAX_RUNNING_RUN_AGE",
        hide_env_values = true,
        value_name = "DURATION"
    )]
    pub max_running_run_age: Option<String>,
}

/// Thresholds of the recordings_dir check.
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Thresholds")]
pub struct DirThresholds {
    /// DISK_SPACE_LOW warning below this free percentage [default: 10]
    #[arg(
        long,
        env = "RECDIAG_MIN_FREE_PERCENT",
        hide_env_values = true,
        value_name = "PCT"
    )]
    pub min_free_percent: Option<f64>,

    /// DISK_SPACE_LOW critical below this free percentage [default: 2]
    #[arg(
        long,
        env = "RECDIAG_CRIT_FREE_PERCENT",
        hide_env_values = true,
        value_name = "PCT"
    )]
    pub crit_free_percent: Option<f64>,
}

/// What the configuration is resolved from: the flags of whichever groups
/// the subcommand has (clap has applied the environment to them); a group
/// the subcommand lacks leaves its fields unset.
#[derive(Debug, Default)]
pub struct Settings {
    pub redis_url: Option<String>,
    pub database_url: Option<String>,
    pub recordings_dir: Option<PathBuf>,
    pub queues: Vec<String>,
    pub rq_key_prefix: Option<String>,
    pub env_file: Option<PathBuf>,
    pub no_env_file: bool,
    pub timeout: Option<String>,
    pub window: Option<String>,
    pub format: Option<FormatArg>,
    pub json: bool,
    pub output: Option<PathBuf>,
    pub quiet: bool,
    pub no_headers: bool,
    pub color: ColorArg,
    pub accept: Vec<String>,
    pub thresholds: ThresholdSettings,
}

/// Every threshold flag; unset ones fall back to RECDIAG_* in the dotenv
/// file, then to the defaults.
#[derive(Debug, Default)]
pub struct ThresholdSettings {
    pub max_backlog: Option<u64>,
    pub crit_backlog: Option<u64>,
    pub max_queue_age: Option<String>,
    pub max_failed: Option<u64>,
    pub crit_failed: Option<u64>,
    pub stale_busy_heartbeat: Option<String>,
    pub stale_idle_heartbeat: Option<String>,
    pub min_completion_rate: Option<f64>,
    pub crit_completion_rate: Option<f64>,
    pub max_avg_download: Option<String>,
    pub max_queued_run_age: Option<String>,
    pub max_running_run_age: Option<String>,
    pub min_free_percent: Option<f64>,
    pub crit_free_percent: Option<f64>,
    pub max_redis_memory_percent: Option<f64>,
}

impl Settings {
    fn run(mut self, a: &RunArgs) -> Self {
        self.env_file = a.env_file.clone();
        self.no_env_file = a.no_env_file;
        self.timeout = a.timeout.clone();
        self.accept = a.accept.clone();
        self.output(&a.out)
    }
    fn output(mut self, a: &OutputArgs) -> Self {
        self.format = a.format;
        self.json = a.json;
        self.output = a.output.clone();
        self.quiet = a.quiet;
        self.no_headers = a.no_headers;
        self.color = a.color;
        self
    }
    fn redis(mut self, a: &RedisArg) -> Self {
        self.redis_url = a.redis_url.clone();
        self
    }
    fn queue(mut self, a: &QueueArg) -> Self {
        self.queues = a.queues.clone();
        self.rq_key_prefix = a.rq_key_prefix.clone();
        self
    }
    fn database(mut self, a: &DatabaseArg) -> Self {
        self.database_url = a.database_url.clone();
        self
    }
    fn dir(mut self, a: &DirArg) -> Self {
        self.recordings_dir = a.recordings_dir.clone();
        self
    }
    fn window(mut self, a: &WindowArg) -> Self {
        self.window = a.window.clone();
        self
    }
    fn redis_t(mut self, a: &RedisThresholds) -> Self {
        self.thresholds.max_redis_memory_percent = a.max_redis_memory_percent;
        self
    }
    fn queue_t(mut self, a: &QueueThresholds) -> Self {
        let t = &mut self.thresholds;
        t.max_backlog = a.max_backlog;
        t.crit_backlog = a.crit_backlog;
        t.max_queue_age = a.max_queue_age.clone();
        self
    }
    fn failed_t(mut self, a: &FailedThresholds) -> Self {
        self.thresholds.max_failed = a.max_failed;
        self.thresholds.crit_failed = a.crit_failed;
        self
    }
    fn worker_t(mut self, a: &WorkerThresholds) -> Self {
        self.thresholds.stale_busy_heartbeat = a.stale_busy_heartbeat.clone();
        self.thresholds.stale_idle_heartbeat = a.stale_idle_heartbeat.clone();
        self
    }
    fn runs_t(mut self, a: &RunsThresholds) -> Self {
        let t = &mut self.thresholds;
        t.min_completion_rate = a.min_completion_rate;
        t.crit_completion_rate = a.crit_completion_rate;
        t.max_avg_download = a.max_avg_download.clone();
        t.max_queued_run_age = a.max_queued_run_age.clone();
        t.max_running_run_age = a.max_running_run_age.clone();
        self
    }
    fn dir_t(mut self, a: &DirThresholds) -> Self {
        self.thresholds.min_free_percent = a.min_free_percent;
        self.thresholds.crit_free_percent = a.crit_free_percent;
        self
    }
}

impl HealthArgs {
    pub fn settings(&self) -> Settings {
        Settings::default()
            .run(&self.run)
            .redis(&self.redis)
            .queue(&self.queue)
            .database(&self.database)
            .dir(&self.dir)
            .window(&self.window)
            .redis_t(&self.redis_t)
            .queue_t(&self.queue_t)
            .failed_t(&self.failed_t)
            .worker_t(&self.worker_t)
            .runs_t(&self.runs_t)
            .dir_t(&self.dir_t)
    }
}

impl ServeArgs {
    /// Health's settings, in the Prometheus format, written nowhere.
    pub fn settings(&self) -> Settings {
        let mut settings = Settings {
            env_file: self.env_file.clone(),
            no_env_file: self.no_env_file,
            timeout: self.timeout.clone(),
            accept: self.accept.clone(),
            format: Some(FormatArg::Prometheus),
            quiet: true,
            ..Settings::default()
        }
        .redis(&self.redis)
        .queue(&self.queue)
        .database(&self.database)
        .dir(&self.dir)
        .window(&self.window)
        .redis_t(&self.redis_t)
        .queue_t(&self.queue_t)
        .failed_t(&self.failed_t)
        .worker_t(&self.worker_t)
        .runs_t(&self.runs_t)
        .dir_t(&self.dir_t);
        settings.color = ColorArg::Never;
        settings
    }
}

impl RedisArgs {
    pub fn settings(&self) -> Settings {
        Settings::default()
            .run(&self.run)
            .redis(&self.redis)
            .redis_t(&self.redis_t)
    }
}

impl QueuesArgs {
    pub fn settings(&self) -> Settings {
        Settings::default()
            .run(&self.run)
            .redis(&self.redis)
            .queue(&self.queue)
            .queue_t(&self.queue_t)
            .failed_t(&self.failed_t)
            .worker_t(&self.worker_t)
    }
}

impl WorkersArgs {
    pub fn settings(&self) -> Settings {
        Settings::default()
            .run(&self.run)
            .redis(&self.redis)
            .queue(&self.queue)
            .worker_t(&self.worker_t)
    }
}

impl RunsArgs {
    pub fn settings(&self) -> Settings {
        Settings::default()
            .run(&self.run)
            .database(&self.database)
            .dir(&self.dir)
            .redis(&self.redis)
            .queue(&self.queue)
            .window(&self.window)
            .runs_t(&self.runs_t)
            .worker_t(&self.worker_t)
    }
}

impl DirArgs {
    pub fn settings(&self) -> Settings {
        Settings::default()
            .run(&self.run)
            .dir(&self.dir)
            .dir_t(&self.dir_t)
    }
}

impl CallArgs {
    pub fn settings(&self) -> Settings {
        Settings::default()
            .run(&self.run)
            .redis(&self.redis)
            .queue(&self.queue)
            .database(&self.database)
            .dir(&self.dir)
            .worker_t(&self.worker_t)
            .runs_t(&self.runs_t)
    }
}

impl FailedArgs {
    pub fn settings(&self) -> Settings {
        Settings::default()
            .run(&self.run)
            .redis(&self.redis)
            .queue(&self.queue)
            .database(&self.database)
            .failed_t(&self.failed_t)
    }
}
