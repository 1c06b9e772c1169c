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
        )
    };
    let target = match &config.redis {
        Source::Missing => return unavailable(verdict::redis::url_missing()),
        Source::Invalid(e) => return unavailable(verdict::redis::url_invalid(e)),
        Source::Ready(target) => target,
    };
    let read = async {
        let mut conn = probe::redis::connect(target, config.timeout).await?;
        probe::rq::failed::read(&mut conn, &config.queues, limit)
            .await
            .map_err(|e| probe::redis::classify(&e, target, config.timeout))
    };
    match tokio::time::timeout(config.timeout, read).await {
        Ok(Ok(facts)) => verdict::failed::report(facts, limit, config.now, &config.thresholds),
        Ok(Err(failure)) => unavailable(verdict::redis::redis_unreachable(&target.url, &failure)),
        Err(_) => unavailable(verdict::redis::redis_unreachable(
            &target.url,
            &RedisFailure::Timeout {
                after: config.timeout,
            },
        )),
    }
}
