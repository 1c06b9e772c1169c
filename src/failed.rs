//! `recdiag failed`: read the newest failed jobs, bounded by the timeout.

use crate::config::{Config, Source};
use crate::model::{FailedQueue, FailedReport, Finding};
use crate::probe;
use crate::probe::redis::RedisFailure;
use crate::verdict;

pub async fn run(config: &Config, limit: usize) -> FailedReport {
    let unavailable = |finding: Finding| {
        let queues = config
            .queues
            .iter()
            .map(|q| FailedQueue {
                name: q.clone(),
                failed: None,
            })
            .collect();
        FailedReport::new(
            config.now,
            queues,
            limit,
            Vec::new(),
            Vec::new(),
            vec![finding],
            &config.accept,
        )
    };
    let target = match &config.redis {
        Source::Missing => return unavailable(verdict::redis::url_missing()),
        Source::Invalid(e) => return unavailable(verdict::redis::url_invalid(e)),
        Source::Ready(target) => target,
    };
    let read = async {
        let mut conn = probe::redis::connect(target, config.timeout).await?;
        probe::rq::failed::read(&mut conn, &config.rq_keys, &config.queues, limit)
            .await
            .map_err(|e| probe::redis::classify(&e, target, config.timeout))
    };
    let deadline = std::time::Instant::now() + config.timeout;
    match tokio::time::timeout(config.timeout, read).await {
        Ok(Ok(facts)) => {
            let mut report = verdict::failed::report(
                facts,
                limit,
                config.now,
                &config.thresholds,
                &config.accept,
            );
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            add_run_errors(config, &mut report, left).await;
            report
        }
        Ok(Err(failure)) => unavailable(verdict::redis::redis_unreachable(&target.url, &failure)),
        Err(_) => unavailable(verdict::redis::redis_unreachable(
            &target.url,
            &RedisFailure::Timeout {
                after: config.timeout,
            },
        )),
    }
}

/// Beside each killed work-horse, the error the run itself recorded: the
/// job's `run_id`, else the call's newest failed run. Best effort within
/// what is left of the timeout; without a database the notes still say
/// where to look.
async fn add_run_errors(config: &Config, report: &mut FailedReport, left: std::time::Duration) {
    let Source::Ready(target) = &config.database else {
        return;
    };
    let wanted: Vec<(usize, Option<i64>, Option<String>)> = report
        .jobs
        .iter()
        .enumerate()
        .filter(|(_, j)| j.horse_killed)
        .map(|(i, j)| (i, j.run_id, j.call_sid.clone()))
        .collect();
    if wanted.is_empty() {
        return;
    }
    let read = crate::memory_watch::database(async {
        let mut db = probe::database::connect(target, left).await.ok()?;
        let mut found = Vec::new();
        for (i, run_id, sid) in &wanted {
            if let Ok(Some((id, error))) =
                probe::call::run_error(&mut db, *run_id, sid.as_deref()).await
            {
                found.push((*i, id, error));
            }
        }
        db.close().await;
        Some(found)
    });
    if let Ok(Some(found)) = tokio::time::timeout(left, read).await {
        for (i, id, error) in found {
            if let Some(j) = report.jobs.get_mut(i) {
                j.run_id = Some(id);
                j.run_error = error;
            }
        }
    }
}
