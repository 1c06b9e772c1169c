//! `recdiag call <SID>...`: gather each call from every source, bounded by
//! the timeout, and judge it.

use std::time::Duration;

use crate::config::{Config, Source};
use crate::model::{CallReport, JobInfo, LockInfo, SlotInfo};
use crate::probe;
use crate::sid::CallSid;
use crate::verdict;
use crate::verdict::call::CallFacts;

pub async fn run(config: &Config, sids: &[CallSid]) -> Vec<CallReport> {
    let t = &config.thresholds;
    let mut facts: Vec<CallFacts> = sids
        .iter()
        .map(|sid| CallFacts {
            sid: sid.to_string(),
            file: probe::call::file(&config.recordings_dir, sid.as_str(), t.undersized_bytes),
            ..Default::default()
        })
        .collect();

    // The database: one session for every SID.
    match &config.database {
        Source::Missing => note_all(&mut facts, "database: not configured (DATABASE_URL unset)"),
        Source::Invalid(e) => note_all(&mut facts, &format!("database: {e}")),
        Source::Ready(target) => {
            let read = async {
                let mut db = probe::database::connect(target, config.timeout).await?;
                let mut rows = Vec::new();
                for sid in sids {
                    rows.push(
                        probe::call::rows(&mut db, sid)
                            .await
                            .map_err(|e| probe::database::classify(&e, target, config.timeout))?,
                    );
                }
                db.close().await;
                Ok::<_, probe::database::DbFailure>(rows)
            };
            match bounded(config.timeout, read).await {
                Some(Ok(rows)) => {
                    for (f, (log, runs)) in facts.iter_mut().zip(rows) {
                        f.call_log = Some(log);
                        f.runs = Some(runs);
                    }
                }
                Some(Err(e)) => note_all(&mut facts, &format!("database at {}: {e}", target.url)),
                None => note_all(
                    &mut facts,
                    &format!(
                        "database at {}: no answer within {}",
                        target.url,
                        humantime::format_duration(config.timeout)
                    ),
                ),
            }
        }
    }
    for f in &mut facts {
        let parent = f
            .call_log
            .as_ref()
            .and_then(|l| l.as_ref())
            .and_then(|l| l.parent_call_sid.clone());
        if let Some(parent) = parent.as_deref().and_then(CallSid::parse) {
            f.parent_file = Some(probe::call::file(
                &config.recordings_dir,
                parent.as_str(),
                t.undersized_bytes,
            ));
        }
    }

    // Redis: jobs, locks, slots, and who listens.
    match &config.redis {
        Source::Missing => note_all(&mut facts, "Redis: not configured (REDIS_URL unset)"),
        Source::Invalid(e) => note_all(&mut facts, &format!("Redis: {e}")),
        Source::Ready(target) => {
            let read = async {
                let mut conn = probe::redis::connect(target, config.timeout).await?;
                let classify =
                    |e: redis::RedisError| probe::redis::classify(&e, target, config.timeout);
                let mut found = Vec::new();
                for (sid, f) in sids.iter().zip(&facts) {
                    let mut bids: Vec<i64> = f
                        .runs
                        .iter()
                        .flatten()
                        .filter_map(|r| r.business_id)
                        .collect();
                    bids.extend(f.call_log.iter().flatten().filter_map(|l| l.business_id));
                    bids.sort_unstable();
                    bids.dedup();
                    found.push(
                        probe::call::redis(&mut conn, sid, &config.queues, &bids)
                            .await
                            .map_err(classify)?,
                    );
                }
                let snapshot = probe::rq::snapshot::read(&mut conn, &[], config.now)
                    .await
                    .map_err(classify)?;
                Ok::<_, probe::redis::RedisFailure>((found, snapshot))
            };
            match bounded(config.timeout, read).await {
                Some(Ok((found, snapshot))) => {
                    for (f, r) in facts.iter_mut().zip(found) {
                        let jobs: Vec<JobInfo> = r
                            .jobs
                            .into_iter()
                            .map(|(j, position)| JobInfo {
                                exception_last_line: j.exception_last_line().map(str::to_string),
                                id: j.id,
                                queue: j.origin,
                                status: j.status,
                                position,
                                enqueued_at: j.enqueued_at,
                                started_at: j.started_at,
                                ended_at: j.ended_at,
                                worker_name: j.worker_name,
                                retries_left: j.retries_left,
                                exception: j.exception,
                            })
                            .collect();
                        if let Some(queue) = jobs
                            .iter()
                            .find(|j| j.status.as_deref() == Some("queued"))
                            .and_then(|j| j.queue.clone())
                        {
                            f.workers_listening = snapshot
                                .workers
                                .iter()
                                .filter(|w| w.queues.contains(&queue))
                                .filter(|w| {
                                    verdict::rq::liveness(w, config.now, t)
                                        == verdict::rq::Liveness::Live
                                })
                                .map(|w| w.name.clone())
                                .collect();
                        }
                        f.jobs = Some(jobs);
                        f.locks = r
                            .locks
                            .into_iter()
                            .map(|(key, ttl)| LockInfo {
                                key,
                                ttl_s: ttl.map(|ms| ms as f64 / 1000.0),
                            })
                            .collect();
                        f.slots = r
                            .slots
                            .into_iter()
                            .map(|(business_id, members, leaked)| SlotInfo {
                                business_id,
                                used: members.len() as u64,
                                members: members.into_iter().take(10).collect(),
                                leaked,
                            })
                            .collect();
                    }
                }
                Some(Err(e)) => note_all(&mut facts, &format!("Redis at {}: {e}", target.url)),
                None => note_all(
                    &mut facts,
                    &format!(
                        "Redis at {}: no answer within {}",
                        target.url,
                        humantime::format_duration(config.timeout)
                    ),
                ),
            }
        }
    }
    facts
        .into_iter()
        .map(|f| verdict::call::judge(f, config.now, t))
        .collect()
}

fn note_all(facts: &mut [CallFacts], what: &str) {
    for f in facts {
        f.unavailable.push(what.to_string());
    }
}

async fn bounded<T>(limit: Duration, fut: impl std::future::Future<Output = T>) -> Option<T> {
    tokio::time::timeout(limit, fut).await.ok()
}
