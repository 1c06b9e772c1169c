//! Runs checks: each probe, then its rules, concurrently, each bounded by
//! the timeout and timed. A check that fails or hangs never stops the others.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::task::JoinSet;

use crate::config::{Config, Source};
use crate::model::{
    Check, CheckId, Finding, FindingCode, Metrics, RecordingsDirMetrics, RedisMetrics,
};
use crate::probe;
use crate::probe::redis::RedisFailure;
use crate::verdict;
use crate::verdict::redis::RedisOutcome;

/// Grace beyond `--timeout` before a check is abandoned outright.
const GRACE: Duration = Duration::from_millis(500);

/// Run `ids` concurrently; results come back in the order of `CheckId::ALL`.
pub async fn run(ids: &[CheckId], config: &Arc<Config>) -> Vec<Check> {
    let mut set = JoinSet::new();
    for &id in ids {
        let config = Arc::clone(config);
        set.spawn(async move { (id, run_one(id, &config).await) });
    }
    let mut checks: Vec<Check> = Vec::with_capacity(ids.len());
    let mut started: Vec<CheckId> = ids.to_vec();
    while let Some(joined) = set.join_next().await {
        if let Ok((id, check)) = joined {
            started.retain(|&s| s != id);
            checks.push(check);
        }
    }
    // A task that died (a bug) still yields a check, so nothing goes unseen.
    for id in started {
        checks.push(internal_error(id, "the check stopped unexpectedly"));
    }
    checks.sort_by_key(|c| CheckId::ALL.iter().position(|&i| i == c.id));
    checks
}

async fn run_one(id: CheckId, config: &Config) -> Check {
    let started = Instant::now();
    let mut check = match tokio::time::timeout(config.timeout + GRACE, dispatch(id, config)).await {
        Ok(check) => check,
        Err(_) => timed_out(id, config),
    };
    check.duration_s = started.elapsed().as_secs_f64();
    check
}

async fn dispatch(id: CheckId, config: &Config) -> Check {
    let t = &config.thresholds;
    match id {
        CheckId::Redis => verdict::redis::judge(redis_outcome(config).await, t),
        CheckId::RecordingsDir => {
            let path = config.recordings_dir.clone();
            let now = SystemTime::try_from(config.now).unwrap_or_else(|_| SystemTime::now());
            let min = t.undersized_bytes;
            match tokio::task::spawn_blocking(move || probe::recordings_dir::scan(&path, now, min))
                .await
            {
                Ok(facts) => verdict::recordings_dir::judge(facts, t),
                Err(_) => internal_error(id, "the directory scan stopped unexpectedly"),
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

/// The check that ran out of time: the dependency under check did not answer.
fn timed_out(id: CheckId, config: &Config) -> Check {
    match id {
        CheckId::Redis => match &config.redis {
            Source::Ready(target) => verdict::redis::judge(
                RedisOutcome::Failed {
                    url: target.url.clone(),
                    failure: RedisFailure::Timeout {
                        after: config.timeout,
                    },
                },
                &config.thresholds,
            ),
            _ => internal_error(id, "timed out before connecting"),
        },
        CheckId::RecordingsDir => {
            let path = config.recordings_dir.display().to_string();
            Check::new(
                id,
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
            )
        }
    }
}

/// recdiag's own failure inside one check: UNKNOWN, never silent.
fn internal_error(id: CheckId, what: &str) -> Check {
    let metrics = match id {
        CheckId::Redis => Metrics::Redis(RedisMetrics::default()),
        CheckId::RecordingsDir => Metrics::RecordingsDir(RecordingsDirMetrics::default()),
    };
    Check::new(
        id,
        format!("internal error: {what}"),
        metrics,
        vec![Finding::new(FindingCode::InternalError, what)],
    )
}
