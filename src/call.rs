//! `recdiag call <SID>...`: gather each call from every source, bounded by
//! the timeout (+1 s for the app's keys), and judge it.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;

use crate::config::{Config, Source};
use crate::model::{CallLogInfo, CallReport, FileInfo, JobInfo, LockInfo, RunInfo, SlotInfo};
use crate::probe;
use crate::probe::call::RedisCall;
use crate::probe::consistency::{SlotMember, SlotRun};
use crate::probe::redis::RedisLife;
use crate::probe::rq::job::Job;
use crate::probe::rq::snapshot::RqSnapshot;
use crate::sid::CallSid;
use crate::verdict;
use crate::verdict::call::CallFacts;

/// Each business's slot members, with their markers' TTLs.
type BusinessSlots = Vec<(i64, Vec<SlotMember>)>;

pub async fn run(config: &Config, sids: &[CallSid]) -> Vec<CallReport> {
    let t = &config.thresholds;
    let mut facts: Vec<CallFacts> = sids
        .iter()
        .map(|sid| CallFacts {
            sid: sid.to_string(),
            ..Default::default()
        })
        .collect();
    // A stat can hang on a dead network mount: off the async thread, bounded.
    let dir = config.recordings_dir.clone();
    let exists = crate::disk::look(move || dir.is_dir());
    if let Some(Ok(false)) = bounded(config.timeout, exists).await {
        let why = verdict::recordings_dir::missing_text(&config.recordings_dir);
        for f in facts.iter_mut() {
            f.dir_missing = true;
            f.unavailable.push(why.clone());
        }
    }
    match stat_files(config, sids.iter().map(|s| s.to_string()).collect()).await {
        Some(files) => {
            for (f, file) in facts.iter_mut().zip(files) {
                f.file = file;
            }
        }
        None => {
            for (f, sid) in facts.iter_mut().zip(sids) {
                f.file.path = config
                    .recordings_dir
                    .join(format!("{sid}.mp3"))
                    .display()
                    .to_string();
            }
            note_all(&mut facts, &dir_timeout(config));
        }
    }

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
        Err((why, down)) => {
            for f in facts.iter_mut() {
                if down {
                    f.database_down = Some(why.clone());
                }
            }
            note_all(&mut facts, &why)
        }
    }
    let parents: Vec<(usize, String)> = facts
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let parent = f.call_log.as_ref()?.as_ref()?.parent_call_sid.as_deref()?;
            CallSid::parse(parent).map(|p| (i, p.to_string()))
        })
        .collect();
    if !parents.is_empty() {
        match stat_files(config, parents.iter().map(|(_, p)| p.clone()).collect()).await {
            Some(files) => {
                for ((i, _), file) in parents.iter().zip(files) {
                    facts[*i].parent_file = Some(file);
                }
            }
            None => note_all(&mut facts, &dir_timeout(config)),
        }
    }
    let mut slot_members: Vec<(usize, BusinessSlots)> = Vec::new();
    let mut started_sids: BTreeSet<String> = BTreeSet::new();
    match rq {
        Ok((mut conn, mut raw, mut found, snapshot, life)) => {
            for f in facts.iter_mut() {
                f.redis_life = Some(life.clone());
            }
            // A search that was not one transaction may have missed a job
            // moving between two of its reads: where that would leave an
            // active run without its job, search once more.
            for ((f, r), sid) in facts.iter().zip(found.iter_mut()).zip(sids) {
                let active = f
                    .runs
                    .iter()
                    .flatten()
                    .any(|run| matches!(run.status.as_str(), "queued" | "running"));
                if r.one_read || !r.jobs.is_empty() || !active {
                    continue;
                }
                let left = deadline.saturating_duration_since(Instant::now());
                let progress = probe::call::Progress::default();
                let again = probe::call::redis(
                    &mut conn,
                    Some(&mut raw),
                    &config.rq_keys,
                    sid,
                    &config.queues,
                    &progress,
                );
                if let Some(Ok(again)) = bounded(left, again).await {
                    *r = again;
                }
            }
            // The search's buffers are not needed past here.
            drop(raw);
            started_sids = snapshot.started_sids();
            for f in facts.iter_mut() {
                f.suspended = snapshot.app.suspended;
            }
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
                            verdict::rq::liveness_in(w, &snapshot, config.now, t).0
                                == verdict::rq::Liveness::Live
                        })
                        .map(|w| w.name.clone())
                        .collect();
                    // Registered on that queue but not working: say so.
                    f.workers_not_working = snapshot
                        .workers
                        .iter()
                        .filter(|w| w.queues.contains(&queue))
                        .filter_map(|w| {
                            let (l, why) = verdict::rq::liveness_in(w, &snapshot, config.now, t);
                            (l != verdict::rq::Liveness::Live).then(|| {
                                let ttl =
                                    w.key_ttl_ms.filter(|t| *t > 0).map_or(String::new(), |t| {
                                        format!(
                                            "; its key refuses a restart under that name for {}",
                                            crate::text::seconds(t as f64 / 1000.0)
                                        )
                                    });
                                format!(
                                    "{} ({}{ttl})",
                                    w.name,
                                    why.unwrap_or_else(|| "its heartbeat stopped".into())
                                )
                            })
                        })
                        .collect();
                }
                f.jobs = Some(jobs);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            for (i, (sid, f)) in sids.iter().zip(facts.iter_mut()).enumerate() {
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
                        f.retry_attempts = keys.retry_attempts;
                        slot_members.push((i, keys.slots));
                    }
                    _ => f
                        .unavailable
                        .push("Redis: dedup locks and slots not read in time".into()),
                }
            }
        }
        Err(why) => note_all(&mut facts, &why),
    }
    // The runs behind the slots: a slot held by a run that is not running
    // is a phantom (spec §6 PHANTOM_SLOTS).
    let ids: Vec<String> = slot_members
        .iter()
        .flat_map(|(_, slots)| {
            slots
                .iter()
                .flat_map(|(_, m)| m.iter().map(|m| m.run_id.clone()))
        })
        .collect();
    let statuses = if ids.is_empty() {
        Some(Default::default())
    } else {
        let left = deadline.saturating_duration_since(Instant::now());
        run_statuses(config, &ids, left).await
    };
    for (i, slots) in slot_members {
        facts[i].slots = slots
            .into_iter()
            .map(|(business_id, members)| {
                slot_info(business_id, &members, statuses.as_ref(), &started_sids)
            })
            .collect();
    }
    facts
        .into_iter()
        .map(|f| verdict::call::judge(f, config.now, t))
        .collect()
}

fn slot_info(
    business_id: i64,
    members: &[SlotMember],
    statuses: Option<&BTreeMap<i64, SlotRun>>,
    started_sids: &BTreeSet<String>,
) -> SlotInfo {
    // The same rule as the consistency check's PHANTOM_SLOTS.
    let phantom: Vec<(&SlotMember, i64)> = match statuses {
        None => Vec::new(),
        Some(statuses) => members
            .iter()
            .filter_map(|m| {
                verdict::consistency::phantom_ttl(started_sids, statuses, m).map(|t| (m, t))
            })
            .collect(),
    };
    SlotInfo {
        business_id,
        used: members.len() as u64,
        members: members.iter().take(10).map(|m| m.run_id.clone()).collect(),
        phantom_marker_left_s: phantom
            .iter()
            .map(|(_, ttl)| *ttl)
            .max()
            .map(|ms| ms.min(86_400_000) as f64 / 1000.0),
        phantom: phantom.into_iter().map(|(m, _)| m.run_id.clone()).collect(),
    }
}

/// The statuses of these run ids, on a short connection of their own.
async fn run_statuses(
    config: &Config,
    ids: &[String],
    left: Duration,
) -> Option<BTreeMap<i64, SlotRun>> {
    let Source::Ready(target) = &config.database else {
        return None;
    };
    let read = crate::memory_watch::database(async {
        let mut db = probe::database::connect(target, left).await.ok()?;
        let statuses = probe::consistency::run_statuses(&mut db, ids, left)
            .await
            .ok();
        db.close().await;
        statuses
    });
    bounded(left, read).await.flatten()
}

async fn read_database(
    config: &Config,
    sids: &[CallSid],
) -> Result<Vec<(Option<CallLogInfo>, Vec<RunInfo>)>, (String, bool)> {
    let target = match &config.database {
        Source::Missing => {
            return Err((
                "database: not configured (DATABASE_URL unset)".into(),
                false,
            ));
        }
        Source::Invalid(e) => return Err((format!("database: {e}"), false)),
        Source::Ready(target) => target,
    };
    let read = crate::memory_watch::database(async {
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
    });
    match bounded(config.timeout, read).await {
        Some(Ok(rows)) => Ok(rows),
        // A missing table is the schema, not a database that is down.
        Some(Err(e @ probe::database::DbFailure::NotFound { .. })) => {
            Err((format!("database at {}: {e}", target.url), false))
        }
        Some(Err(e)) => Err((format!("database at {}: {e}", target.url), true)),
        None => Err((
            format!(
                "database at {}: no answer within {}",
                target.url,
                humantime::format_duration(config.timeout)
            ),
            true,
        )),
    }
}

type RqRead = (
    MultiplexedConnection,
    probe::RawConn,
    Vec<RedisCall>,
    RqSnapshot,
    RedisLife,
);

async fn read_rq(config: &Config, sids: &[CallSid]) -> Result<RqRead, String> {
    let target = match &config.redis {
        Source::Missing => return Err("Redis: not configured (REDIS_URL unset)".into()),
        Source::Invalid(e) => return Err(format!("Redis: {e}")),
        Source::Ready(target) => target,
    };
    let progress = probe::call::Progress::default();
    let read = async {
        let (mut conn, mut raw) = probe::redis::connect_pair(target, config.timeout).await?;
        let classify = |e: redis::RedisError| probe::redis::classify(&e, target, config.timeout);
        let mut found = Vec::new();
        for sid in sids {
            found.push(
                probe::call::redis(
                    &mut conn,
                    Some(&mut raw),
                    &config.rq_keys,
                    sid,
                    &config.queues,
                    &progress,
                )
                .await
                .map_err(classify)?,
            );
        }
        // The queues of interest's started registries too: a slot whose
        // call has a running job is a live download, never phantom.
        let mut snapshot = probe::rq::snapshot::read(&mut conn, &config.rq_keys, &config.queues)
            .await
            .map_err(classify)?;
        snapshot.app = probe::rq::snapshot::app_state(&mut conn, &config.rq_keys, config.now)
            .await
            .map_err(classify)?;
        let life = probe::redis::life(&mut conn).await;
        Ok::<_, probe::redis::RedisFailure>((conn, raw, found, snapshot, life))
    };
    match bounded(config.timeout, read).await {
        Some(Ok(read)) => Ok(read),
        Some(Err(e)) => Err(format!("Redis at {}: {e}", target.url)),
        None => Err(match progress.cut_short(config.timeout) {
            Some(words) => format!("Redis at {}: {words}", target.url),
            None => format!(
                "Redis at {}: no answer within {}",
                target.url,
                humantime::format_duration(config.timeout)
            ),
        }),
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

/// The `<SID>.mp3` files of validated SIDs, stat-ed on the blocking pool
/// within the timeout; `None` when the directory did not answer in time.
async fn stat_files(config: &Config, sids: Vec<String>) -> Option<Vec<FileInfo>> {
    let dir = config.recordings_dir.clone();
    let min = config.thresholds.undersized_bytes;
    let stat = crate::disk::look(move || {
        sids.iter()
            .map(|sid| probe::call::file(&dir, sid, min))
            .collect::<Vec<_>>()
    });
    match bounded(config.timeout, stat).await {
        Some(Ok(files)) => Some(files),
        _ => None,
    }
}

fn dir_timeout(config: &Config) -> String {
    format!(
        "recordings directory {}: no answer within {}",
        config.recordings_dir.display(),
        humantime::format_duration(config.timeout)
    )
}

fn note_all(facts: &mut [CallFacts], what: &str) {
    for f in facts {
        f.unavailable.push(what.to_string());
    }
}

async fn bounded<T>(limit: Duration, fut: impl std::future::Future<Output = T>) -> Option<T> {
    tokio::time::timeout(limit, fut).await.ok()
}
