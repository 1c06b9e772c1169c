//! Runs checks in two steps: first every source a command needs is read
//! into one [`Snapshot`], concurrently, each source within its own budget;
//! then one judgement (`verdict::judgement`) turns the whole snapshot
//! into checks. A source that fails or hangs never stops the others.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::task::JoinSet;

use crate::config::{Config, Source};
use crate::model::{Check, CheckId, Finding, FindingCode, Metrics, RecordingsDirMetrics};
use crate::probe;
use crate::probe::recordings_dir::DirFacts;
use crate::probe::redis::RedisFailure;
use crate::verdict;
use crate::verdict::consistency::ConsistencyFacts;
use crate::verdict::redis::RedisOutcome;
use crate::verdict::rq::RqOutcome;
use crate::verdict::runs::RunsOutcome;

/// Grace beyond `--timeout` before a read is abandoned outright.
const GRACE: Duration = Duration::from_millis(500);

/// One unit of concurrent reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Task {
    Redis,
    Rq,
    Runs,
    RecordingsDir,
    Consistency,
}

impl Task {
    fn of(id: CheckId) -> Task {
        match id {
            CheckId::Redis => Task::Redis,
            CheckId::Queues | CheckId::Workers => Task::Rq,
            CheckId::Runs => Task::Runs,
            CheckId::RecordingsDir => Task::RecordingsDir,
            CheckId::Consistency => Task::Consistency,
        }
    }
}

/// What one read came back with.
#[derive(Debug)]
enum Read {
    Redis(RedisOutcome),
    Rq(RqOutcome),
    Runs(RunsOutcome),
    Dir(DirFacts),
    Consistency(Box<ConsistencyFacts>),
    /// Checks already decided without a judgement: recdiag's own failure,
    /// or a read that ran past its guard.
    Decided(Vec<Check>),
}

/// Everything the checks of one command are judged from, read once.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub redis: Option<RedisOutcome>,
    pub rq: Option<RqOutcome>,
    pub runs: Option<RunsOutcome>,
    pub dir: Option<DirFacts>,
    pub consistency: Option<ConsistencyFacts>,
    /// Checks decided while reading (timeouts of the whole read, internal errors).
    pub decided: Vec<Check>,
    /// How long each check's read took, in seconds.
    pub durations: Vec<(CheckId, f64)>,
}

/// The checks `ids` need read beside their own: the runs are judged with
/// what the comparisons and RQ know (a jam, orphans, why runs wait), so
/// that `runs` alone and `health` say the same.
fn tasks_for(ids: &[CheckId]) -> Vec<Task> {
    let mut tasks: Vec<Task> = ids.iter().map(|&id| Task::of(id)).collect();
    if ids.contains(&CheckId::Runs) {
        tasks.extend([Task::Consistency, Task::Rq]);
    }
    let mut unique = Vec::new();
    for t in tasks {
        if !unique.contains(&t) {
            unique.push(t);
        }
    }
    unique
}

/// Read and judge `ids`; results come back in the order of `CheckId::ALL`.
pub async fn run(ids: &[CheckId], config: &Arc<Config>) -> Vec<Check> {
    let snapshot = read(ids, config).await;
    verdict::judgement::judge(snapshot, ids, config)
}

/// Read every source `ids` need into one snapshot, concurrently.
pub async fn read(ids: &[CheckId], config: &Arc<Config>) -> Snapshot {
    let mut tasks = tasks_for(ids);
    // The runs and the comparisons share one database session.
    let mut parts = crate::database_read::start(
        config,
        tasks.contains(&Task::Runs),
        tasks.contains(&Task::Consistency),
    );
    // The directory scan hands the comparisons the valid recordings it saw.
    let (mut sids_tx, mut sids_rx) = crate::database_read::split(
        tasks.contains(&Task::RecordingsDir) && tasks.contains(&Task::Consistency),
    );
    let mut set = JoinSet::new();
    for task in tasks.clone() {
        let config = Arc::clone(config);
        let inputs = Inputs {
            db: crate::database_read::Parts {
                runs: (task == Task::Runs).then(|| parts.runs.take()).flatten(),
                comparisons: (task == Task::Consistency)
                    .then(|| parts.comparisons.take())
                    .flatten(),
            },
            valid_sids_to: (task == Task::RecordingsDir)
                .then(|| sids_tx.take())
                .flatten(),
            valid_sids: (task == Task::Consistency)
                .then(|| sids_rx.take())
                .flatten(),
        };
        set.spawn(async move {
            let started = Instant::now();
            let read = run_task(task, &config, inputs).await;
            (task, read, started.elapsed().as_secs_f64())
        });
    }
    let mut snap = Snapshot::default();
    while let Some(joined) = set.join_next().await {
        let Ok((task, read, took)) = joined else {
            continue;
        };
        tasks.retain(|&t| t != task);
        for &id in CheckId::ALL.iter().filter(|&&id| Task::of(id) == task) {
            snap.durations.push((id, took));
        }
        match read {
            Read::Redis(o) => snap.redis = Some(o),
            Read::Rq(o) => snap.rq = Some(o),
            Read::Runs(o) => snap.runs = Some(o),
            Read::Dir(f) => snap.dir = Some(f),
            Read::Consistency(f) => snap.consistency = Some(*f),
            Read::Decided(checks) => snap.decided.extend(checks),
        }
    }
    // A task that died (a bug) still yields its checks, so nothing goes unseen.
    for task in tasks {
        for &id in CheckId::ALL.iter().filter(|&&id| Task::of(id) == task) {
            snap.decided
                .push(internal_error(id, "the check stopped unexpectedly"));
        }
    }
    snap
}

/// What a task gets from the others: its part of the database session, and
/// the directory scan's valid recordings (sent by the scan, for the
/// comparisons).
struct Inputs {
    db: crate::database_read::Parts,
    valid_sids_to: Option<tokio::sync::oneshot::Sender<crate::comparisons::ValidSids>>,
    valid_sids: Option<tokio::sync::oneshot::Receiver<crate::comparisons::ValidSids>>,
}

async fn run_task(task: Task, config: &Config, inputs: Inputs) -> Read {
    // The comparisons read each source within its own budget, one after
    // the other at worst: their guard is longer.
    let guard = match task {
        Task::Consistency => crate::comparisons::longest(config.timeout),
        _ => config.timeout,
    } + GRACE;
    match tokio::time::timeout(guard, dispatch(task, config, inputs)).await {
        Ok(read) => read,
        Err(_) => timed_out(task, config),
    }
}

async fn dispatch(task: Task, config: &Config, inputs: Inputs) -> Read {
    match task {
        Task::Redis => Read::Redis(redis_outcome(config).await),
        Task::Rq => Read::Rq(rq_outcome(config).await),
        Task::Consistency => Read::Consistency(Box::new(
            crate::comparisons::facts(config, inputs.db.comparisons, inputs.valid_sids).await,
        )),
        Task::Runs => runs_outcome(config, inputs.db.runs).await,
        Task::RecordingsDir => {
            let path = config.recordings_dir.clone();
            let now = SystemTime::try_from(config.now).unwrap_or_else(|_| SystemTime::now());
            let min = config.thresholds.undersized_bytes;
            // The valid recordings' SIDs are kept only for the comparisons.
            let keep = inputs.valid_sids_to.is_some();
            match crate::disk::look(move || probe::recordings_dir::scan(&path, now, min, keep))
                .await
            {
                Ok(facts) => {
                    if let Some(tx) = inputs.valid_sids_to {
                        let _ = tx.send(facts.valid_sids.clone());
                    }
                    Read::Dir(facts)
                }
                // Earlier scans still hang: as after a timeout.
                Err(crate::disk::NoAnswer::Stuck) => timed_out(task, config),
                Err(crate::disk::NoAnswer::Died) => Read::Decided(vec![internal_error(
                    CheckId::RecordingsDir,
                    "the directory scan stopped unexpectedly",
                )]),
            }
        }
    }
}

async fn redis_outcome(config: &Config) -> RedisOutcome {
    match &config.redis {
        Source::Missing => RedisOutcome::Missing,
        Source::Invalid(e) => RedisOutcome::Invalid(e.clone()),
        Source::Ready(target) => match probe::redis::probe(target, config.timeout).await {
            Ok(metrics) => RedisOutcome::Up(metrics),
            Err(failure) => RedisOutcome::Failed {
                url: target.url.clone(),
                failure,
            },
        },
    }
}

async fn rq_outcome(config: &Config) -> RqOutcome {
    let target = match &config.redis {
        Source::Missing => return RqOutcome::Missing,
        Source::Invalid(e) => return RqOutcome::Invalid(e.clone()),
        Source::Ready(target) => target,
    };
    let failed = |failure| RqOutcome::Failed {
        url: target.url.clone(),
        failure,
    };
    let mut conn = match probe::redis::connect(target, config.timeout).await {
        Ok(conn) => conn,
        Err(failure) => return failed(failure),
    };
    let read = async {
        let mut snapshot =
            probe::rq::snapshot::read(&mut conn, &config.rq_keys, &config.queues).await?;
        snapshot.app =
            probe::rq::snapshot::app_state(&mut conn, &config.rq_keys, config.now).await?;
        Ok::<_, redis::RedisError>(snapshot)
    };
    match read.await {
        Ok(snapshot) => RqOutcome::Read(snapshot),
        Err(e) => failed(probe::redis::classify(&e, target, config.timeout)),
    }
}

async fn runs_outcome(
    config: &Config,
    part: Option<tokio::sync::oneshot::Receiver<crate::database_read::RunsPart>>,
) -> Read {
    use crate::database_read::RunsPart;
    let target = match &config.database {
        Source::Missing => return Read::Runs(RunsOutcome::Missing),
        Source::Invalid(e) => return Read::Runs(RunsOutcome::Invalid(e.clone())),
        Source::Ready(target) => target.clone(),
    };
    let part = match part {
        Some(rx) => rx.await.ok(),
        None => None,
    };
    let outcome = match part {
        // The session's task died: recdiag's failure, not the database's.
        None => {
            return Read::Decided(vec![internal_error(
                CheckId::Runs,
                "the database read stopped unexpectedly",
            )]);
        }
        Some(RunsPart::Failed(failure)) => RunsOutcome::Failed { target, failure },
        // Only when the read failed for the schema was the table looked
        // at, to name what is missing.
        Some(RunsPart::Schema { missing, error }) => RunsOutcome::SchemaMismatch {
            target,
            missing: if missing.is_empty() {
                vec![format!("recording_runs as the app writes it ({error})")]
            } else {
                missing
            },
        },
        Some(RunsPart::Read(mut facts)) => {
            // A run whose call's file is already valid is superseded.
            let sids: Vec<String> = facts
                .active
                .iter()
                .filter(|r| !r.superseded)
                .filter_map(|r| r.call_sid.clone())
                .collect();
            let dir = config.recordings_dir.clone();
            let min = config.thresholds.undersized_bytes;
            let stat =
                crate::disk::look(move || probe::consistency::valid_files(&dir, &sids, min, None));
            match tokio::time::timeout(config.timeout, stat).await {
                Ok(Ok(valid)) => facts.valid_files = valid,
                _ => {
                    facts.files_unread = Some(format!(
                        "the recordings directory did not answer within {}",
                        humantime::format_duration(config.timeout)
                    ))
                }
            }
            RunsOutcome::Read { target, facts }
        }
    };
    Read::Runs(outcome)
}

/// `now - ago` as the app writes timestamps: naive UTC, microseconds.
pub(crate) fn naive_utc(now: jiff::Timestamp, ago: Duration) -> String {
    let at = jiff::SignedDuration::try_from(ago)
        .ok()
        .and_then(|d| now.checked_sub(d).ok())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    at.strftime("%Y-%m-%d %H:%M:%S%.6f").to_string()
}

/// A read that ran past its guard: the dependency did not answer.
fn timed_out(task: Task, config: &Config) -> Read {
    let redis_timeout = |config: &Config| match &config.redis {
        Source::Ready(target) => Some((
            target.url.clone(),
            RedisFailure::Timeout {
                after: config.timeout,
            },
        )),
        _ => None,
    };
    match task {
        Task::Redis => match redis_timeout(config) {
            Some((url, failure)) => Read::Redis(RedisOutcome::Failed { url, failure }),
            None => Read::Decided(vec![internal_error(
                CheckId::Redis,
                "timed out before connecting",
            )]),
        },
        Task::Rq => match redis_timeout(config) {
            Some((url, failure)) => Read::Rq(RqOutcome::Failed { url, failure }),
            None => Read::Decided(vec![
                internal_error(CheckId::Queues, "timed out before connecting"),
                internal_error(CheckId::Workers, "timed out before connecting"),
            ]),
        },
        // Each source has its own budget inside; reaching this guard is
        // recdiag's own failure, not a source's: no source is blamed.
        Task::Consistency => {
            let mut c = Check::new(
                CheckId::Consistency,
                format!(
                    "not finished: the comparisons took longer than {}",
                    humantime::format_duration(crate::comparisons::longest(config.timeout))
                ),
                Check::empty_metrics(CheckId::Consistency),
                Vec::new(),
            );
            c.not_run = true;
            c.restate();
            Read::Decided(vec![c])
        }
        Task::Runs => match &config.database {
            Source::Ready(target) => Read::Runs(RunsOutcome::Failed {
                target: target.clone(),
                failure: probe::database::DbFailure::Timeout {
                    after: config.timeout,
                },
            }),
            _ => Read::Decided(vec![internal_error(
                CheckId::Runs,
                "timed out before connecting",
            )]),
        },
        Task::RecordingsDir => {
            let path = config.recordings_dir.display().to_string();
            Read::Decided(vec![Check::new(
                CheckId::RecordingsDir,
                format!("scan of {path} did not finish in time"),
                Metrics::RecordingsDir(RecordingsDirMetrics {
                    path: path.clone(),
                    exists: true,
                    ..Default::default()
                }),
                vec![
                    Finding::new(
                        FindingCode::RecordingsDirUnreadable,
                        format!(
                            "scanning {path} took longer than {} (a hung network mount?)",
                            humantime::format_duration(config.timeout)
                        ),
                    )
                    .subjects([path]),
                ],
            )])
        }
    }
}

/// recdiag's own failure inside one check: UNKNOWN, never silent.
pub(crate) fn internal_error(id: CheckId, what: &str) -> Check {
    Check::new(
        id,
        format!("internal error: {what}"),
        Check::empty_metrics(id),
        vec![Finding::new(FindingCode::InternalError, what)],
    )
}
