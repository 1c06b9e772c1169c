//! `recdiag call <SID>...`: gather each call from every source, bounded by
//! the timeout (+1 s for the app's keys), and judge it.

use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;

use crate::config::{Config, Source};
use crate::model::{CallLogInfo, CallReport, JobInfo, LockInfo, RunInfo, SlotInfo};
use crate::probe;
use crate::probe::call::RedisCall;
use crate::probe::rq::job::Job;
use crate::probe::rq::snapshot::RqSnapshot;
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

    // The database and Redis are read at the same time, each within the
    // timeout; then the app's locks and slots, by name, within what is left
    // of timeout + 1 s.
    let deadline = Instant::now() + config.timeout + Duration::from_secs(1);
    let (db, rq) = tokio::join!(read_database(config, sids), read_rq(config, sids));
    match db {
        Ok(rows) => {
            for (f, (log, runs)) in facts.iter_mut().zip(rows) {
                f.call_log = Some(log);
                f.runs = Some(runs);
            }
        }
        Err(why) => note_all(&mut facts, &why),
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
    match rq {
        Ok((mut conn, found, snapshot)) => {
            for (f, r) in facts.iter_mut().zip(found) {
                let jobs: Vec<JobInfo> = r.jobs.into_iter().map(job_info).collect();
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
                            verdict::rq::liveness(w, config.now, t) == verdict::rq::Liveness::Live
                        })
                        .map(|w| w.name.clone())
                        .collect();
                }
                f.jobs = Some(jobs);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            for (sid, f) in sids.iter().zip(facts.iter_mut()) {
                let mut bids: Vec<i64> = f
                    .runs
                    .iter()
                    .flatten()
                    .filter_map(|r| r.business_id)
                    .collect();
                bids.extend(f.call_log.iter().flatten().filter_map(|l| l.business_id));
                bids.sort_unstable();
                bids.dedup();
                if bids.is_empty() {
                    continue;
                }
                match bounded(left, probe::call::app_keys(&mut conn, sid, &bids)).await {
                    Some(Ok(keys)) => {
                        f.locks = keys
                            .locks
                            .into_iter()
                            .map(|(key, ttl)| LockInfo {
                                key,
                                ttl_s: ttl.map(|ms| ms as f64 / 1000.0),
                            })
                            .collect();
                        f.slots = keys
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
                    _ => f
                        .unavailable
                        .push("Redis: dedup locks and slots not read in time".into()),
                }
            }
        }
        Err(why) => note_all(&mut facts, &why),
    }
    facts
        .into_iter()
        .map(|f| verdict::call::judge(f, config.now, t))
        .collect()
}

async fn read_database(
    config: &Config,
    sids: &[CallSid],
) -> Result<Vec<(Option<CallLogInfo>, Vec<RunInfo>)>, String> {
    let target = match &config.database {
        Source::Missing => return Err("database: not configured (DATABASE_URL unset)".into()),
        Source::Invalid(e) => return Err(format!("database: {e}")),
        Source::Ready(target) => target,
    };
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
        Some(Ok(rows)) => Ok(rows),
        Some(Err(e)) => Err(format!("database at {}: {e}", target.url)),
        None => Err(format!(
            "database at {}: no answer within {}",
            target.url,
            humantime::format_duration(config.timeout)
        )),
    }
}

type RqRead = (MultiplexedConnection, Vec<RedisCall>, RqSnapshot);

async fn read_rq(config: &Config, sids: &[CallSid]) -> Result<RqRead, String> {
    let target = match &config.redis {
        Source::Missing => return Err("Redis: not configured (REDIS_URL unset)".into()),
        Source::Invalid(e) => return Err(format!("Redis: {e}")),
        Source::Ready(target) => target,
    };
    let read = async {
        let mut conn = probe::redis::connect(target, config.timeout).await?;
        let classify = |e: redis::RedisError| probe::redis::classify(&e, target, config.timeout);
        let mut found = Vec::new();
        for sid in sids {
            found.push(
                probe::call::redis(&mut conn, sid, &config.queues)
                    .await
                    .map_err(classify)?,
            );
        }
        let snapshot = probe::rq::snapshot::read(&mut conn, &[])
            .await
            .map_err(classify)?;
        Ok::<_, probe::redis::RedisFailure>((conn, found, snapshot))
    };
    match bounded(config.timeout, read).await {
        Some(Ok(read)) => Ok(read),
        Some(Err(e)) => Err(format!("Redis at {}: {e}", target.url)),
        None => Err(format!(
            "Redis at {}: no answer within {}",
            target.url,
            humantime::format_duration(config.timeout)
        )),
    }
}

fn job_info((j, position): (Job, Option<u64>)) -> JobInfo {
    JobInfo {
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
    }
}

fn note_all(facts: &mut [CallFacts], what: &str) {
    for f in facts {
        f.unavailable.push(what.to_string());
    }
}

async fn bounded<T>(limit: Duration, fut: impl std::future::Future<Output = T>) -> Option<T> {
    tokio::time::timeout(limit, fut).await.ok()
}
