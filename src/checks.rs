//! Runs checks: each probe, then its rules, concurrently, each bounded by
//! the timeout and timed. A check that fails or hangs never stops the
//! others. The `queues` and `workers` checks share one RQ read.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::task::JoinSet;

use crate::config::{Config, Source};
use crate::model::{Check, CheckId, Finding, FindingCode, Metrics, RecordingsDirMetrics};
use crate::probe;
use crate::probe::redis::RedisFailure;
use crate::verdict;
use crate::verdict::consistency::ConsistencyFacts;
use crate::verdict::redis::RedisOutcome;
use crate::verdict::rq::RqOutcome;
use crate::verdict::runs::RunsOutcome;

/// Grace beyond `--timeout` before a check is abandoned outright.
const GRACE: Duration = Duration::from_millis(500);

/// One unit of concurrent work and the checks it yields.
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

/// Run `ids` concurrently; results come back in the order of `CheckId::ALL`.
pub async fn run(ids: &[CheckId], config: &Arc<Config>) -> Vec<Check> {
    let mut tasks: Vec<Task> = ids.iter().map(|&id| Task::of(id)).collect();
    tasks.dedup();
    let mut set = JoinSet::new();
    for task in tasks.clone() {
        let config = Arc::clone(config);
        set.spawn(async move { (task, run_task(task, &config).await) });
    }
    let mut checks: Vec<Check> = Vec::with_capacity(ids.len());
    while let Some(joined) = set.join_next().await {
        if let Ok((task, produced)) = joined {
            tasks.retain(|&t| t != task);
            checks.extend(produced);
        }
    }
    // A task that died (a bug) still yields its checks, so nothing goes unseen.
    for task in tasks {
        for &id in ids.iter().filter(|&&id| Task::of(id) == task) {
            checks.push(internal_error(id, "the check stopped unexpectedly"));
        }
    }
    checks.retain(|c| ids.contains(&c.id));
    checks.sort_by_key(|c| CheckId::ALL.iter().position(|&i| i == c.id));
    verdict::correlate::refine(&mut checks, &config.thresholds);
    for c in &mut checks {
        c.accept(&config.accept);
    }
    checks
}

async fn run_task(task: Task, config: &Config) -> Vec<Check> {
    let started = Instant::now();
    let mut checks =
        match tokio::time::timeout(config.timeout + GRACE, dispatch(task, config)).await {
            Ok(checks) => checks,
            Err(_) => timed_out(task, config),
        };
    let took = started.elapsed().as_secs_f64();
    for c in &mut checks {
        c.duration_s = took;
    }
    checks
}

async fn dispatch(task: Task, config: &Config) -> Vec<Check> {
    let t = &config.thresholds;
    match task {
        Task::Redis => vec![verdict::redis::judge(redis_outcome(config).await, t)],
        Task::Rq => {
            let (queues, workers) = verdict::rq::judge(rq_outcome(config).await, config.now, t);
            vec![queues, workers]
        }
        Task::Consistency => vec![verdict::consistency::judge(
            crate::consistency::facts(config).await,
            config.now,
        )],
        Task::Runs => vec![verdict::runs::judge(
            runs_outcome(config).await,
            config.window.as_secs_f64(),
            config.now,
            t,
        )],
        Task::RecordingsDir => {
            let path = config.recordings_dir.clone();
            let now = SystemTime::try_from(config.now).unwrap_or_else(|_| SystemTime::now());
            let min = t.undersized_bytes;
            match tokio::task::spawn_blocking(move || probe::recordings_dir::scan(&path, now, min))
                .await
            {
                Ok(facts) => vec![verdict::recordings_dir::judge(facts, t)],
                Err(_) => vec![internal_error(
                    CheckId::RecordingsDir,
                    "the directory scan stopped unexpectedly",
                )],
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
        let mut snapshot = probe::rq::snapshot::read(&mut conn, &config.queues).await?;
        snapshot.app = probe::rq::snapshot::app_state(&mut conn, config.now).await?;
        Ok::<_, redis::RedisError>(snapshot)
    };
    match read.await {
        Ok(snapshot) => RqOutcome::Read(snapshot),
        Err(e) => failed(probe::redis::classify(&e, target, config.timeout)),
    }
}

async fn runs_outcome(config: &Config) -> RunsOutcome {
    let target = match &config.database {
        Source::Missing => return RunsOutcome::Missing,
        Source::Invalid(e) => return RunsOutcome::Invalid(e.clone()),
        Source::Ready(target) => target,
    };
    let mut db = match probe::database::connect(target, config.timeout).await {
        Ok(db) => db,
        Err(failure) => {
            return RunsOutcome::Failed {
                target: target.clone(),
                failure,
            };
        }
    };
    let target_ = || target.clone();
    let failed = |e: sqlx::Error| probe::database::classify(&e, target, config.timeout);
    let outcome = match probe::runs::schema_problems(&mut db).await {
        Err(e) => RunsOutcome::Failed {
            target: target_(),
            failure: failed(e),
        },
        Ok(missing) if !missing.is_empty() => RunsOutcome::SchemaMismatch {
            target: target_(),
            missing,
        },
        Ok(_) => {
            let since = naive_utc(config.now, config.window);
            let active_since = naive_utc(
                config.now,
                Duration::from_secs(probe::runs::ACTIVE_LOOKBACK_S.unsigned_abs()),
            );
            match probe::runs::read(&mut db, &since, &active_since).await {
                Ok(mut facts) => {
                    // A run whose call's file is already valid is superseded.
                    let sids: Vec<String> = facts
                        .active
                        .iter()
                        .filter(|r| !r.superseded)
                        .filter_map(|r| r.call_sid.clone())
                        .collect();
                    let dir = config.recordings_dir.clone();
                    let min = config.thresholds.undersized_bytes;
                    let stat = tokio::task::spawn_blocking(move || {
                        probe::consistency::valid_files(&dir, &sids, min)
                    });
                    if let Ok(Ok(valid)) = tokio::time::timeout(config.timeout, stat).await {
                        facts.valid_files = valid;
                    }
                    RunsOutcome::Read {
                        target: target_(),
                        facts: Box::new(facts),
                    }
                }
                Err(e) if probe::runs::is_schema_error(&e) => RunsOutcome::SchemaMismatch {
                    target: target_(),
                    missing: vec![format!("recording_runs as the app writes it ({e})")],
                },
                Err(e) => RunsOutcome::Failed {
                    target: target_(),
                    failure: failed(e),
                },
            }
        }
    };
    db.close().await;
    outcome
}

/// `now - ago` as the app writes timestamps: naive UTC, microseconds.
pub(crate) fn naive_utc(now: jiff::Timestamp, ago: Duration) -> String {
    let at = jiff::SignedDuration::try_from(ago)
        .ok()
        .and_then(|d| now.checked_sub(d).ok())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    at.strftime("%Y-%m-%d %H:%M:%S%.6f").to_string()
}

/// The checks that ran out of time: the dependency did not answer.
fn timed_out(task: Task, config: &Config) -> Vec<Check> {
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
            Some((url, failure)) => vec![verdict::redis::judge(
                RedisOutcome::Failed { url, failure },
                &config.thresholds,
            )],
            None => vec![internal_error(
                CheckId::Redis,
                "timed out before connecting",
            )],
        },
        Task::Rq => match redis_timeout(config) {
            Some((url, failure)) => {
                let (q, w) = verdict::rq::judge(
                    RqOutcome::Failed { url, failure },
                    config.now,
                    &config.thresholds,
                );
                vec![q, w]
            }
            None => vec![
                internal_error(CheckId::Queues, "timed out before connecting"),
                internal_error(CheckId::Workers, "timed out before connecting"),
            ],
        },
        Task::Consistency => vec![verdict::consistency::judge(
            ConsistencyFacts {
                db: Err(crate::model::Finding::new(
                    FindingCode::DatabaseUnreachable,
                    format!(
                        "the comparisons did not finish within {}",
                        humantime::format_duration(config.timeout)
                    ),
                )),
                redis: Err(crate::model::Finding::new(
                    FindingCode::RedisUnreachable,
                    format!(
                        "the comparisons did not finish within {}",
                        humantime::format_duration(config.timeout)
                    ),
                )),
                missing_files: None,
                valid_files: Default::default(),
                looked_up: Default::default(),
                run_statuses: None,
                window_s: config.window.as_secs_f64(),
                dir_missing: None,
            },
            config.now,
        )],
        Task::Runs => match &config.database {
            Source::Ready(target) => vec![verdict::runs::judge(
                RunsOutcome::Failed {
                    target: target.clone(),
                    failure: probe::database::DbFailure::Timeout {
                        after: config.timeout,
                    },
                },
                config.window.as_secs_f64(),
                config.now,
                &config.thresholds,
            )],
            _ => vec![internal_error(CheckId::Runs, "timed out before connecting")],
        },
        Task::RecordingsDir => {
            let path = config.recordings_dir.display().to_string();
            vec![Check::new(
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
            )]
        }
    }
}

/// recdiag's own failure inside one check: UNKNOWN, never silent.
fn internal_error(id: CheckId, what: &str) -> Check {
    Check::new(
        id,
        format!("internal error: {what}"),
        Check::empty_metrics(id),
        vec![Finding::new(FindingCode::InternalError, what)],
    )
}
