//! Gathers the facts of the `consistency` check: the database and RQ read
//! at once, then the app's keys (locks, slots, slot queues) by name, the
//! runs behind the slots, and — when RQ's lists were larger than the
//! bounded read — each orphan candidate's jobs looked up the way `call`
//! does. Every step stays within the timeout.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::checks::naive_utc;
use crate::config::{Config, Source};
use crate::model::Finding;
use crate::probe;
use crate::probe::consistency::RedisSide;
use crate::probe::redis::RedisFailure;
use crate::sid::CallSid;
use crate::verdict;
use crate::verdict::consistency::{ConsistencyFacts, orphan_candidates};

/// Orphan candidates looked up one by one at most, when RQ's lists were
/// larger than the bounded read; the rest are reported as not compared.
const LOOKUPS: usize = 20;

pub async fn facts(config: &Config) -> ConsistencyFacts {
    let deadline = Instant::now() + config.timeout;
    let left = || deadline.saturating_duration_since(Instant::now());
    let window_s = config.window.as_secs_f64();
    let read_db = async {
        let target = match &config.database {
            Source::Missing => return Err(verdict::runs::url_missing()),
            Source::Invalid(e) => return Err(verdict::runs::url_invalid(e)),
            Source::Ready(target) => target,
        };
        let read = async {
            let mut db = probe::database::connect(target, config.timeout)
                .await
                .map_err(probe::database::ConnectOrQuery::Connect)?;
            let since = naive_utc(config.now, config.window);
            let active_since = naive_utc(
                config.now,
                Duration::from_secs(probe::runs::ACTIVE_LOOKBACK_S.unsigned_abs()),
            );
            match probe::consistency::db_side(&mut db, &since, &active_since, config.now).await {
                Ok(side) => Ok((db, side)),
                Err(e) => {
                    db.close().await;
                    Err(probe::database::ConnectOrQuery::Query(e))
                }
            }
        };
        let failure = match tokio::time::timeout(config.timeout, read).await {
            Ok(Ok(read)) => return Ok((target, read)),
            // A missing table or column is the schema, not the connection.
            Ok(Err(probe::database::ConnectOrQuery::Query(e)))
                if probe::runs::is_schema_error(&e) =>
            {
                return Err(verdict::runs::schema_mismatch(
                    &target.url,
                    &[e.to_string()],
                ));
            }
            Ok(Err(probe::database::ConnectOrQuery::Query(e))) => {
                probe::database::classify(&e, target, config.timeout)
            }
            Ok(Err(probe::database::ConnectOrQuery::Connect(f))) => f,
            Err(_) => probe::database::DbFailure::Timeout {
                after: config.timeout,
            },
        };
        Err(verdict::runs::database_unreachable(target, &failure))
    };
    let read_rq = async {
        let target = match &config.redis {
            Source::Missing => return Err(verdict::redis::url_missing()),
            Source::Invalid(e) => return Err(verdict::redis::url_invalid(e)),
            Source::Ready(target) => target,
        };
        let read = async {
            let mut conn = probe::redis::connect(target, config.timeout).await?;
            let side = probe::consistency::rq_side(&mut conn, &config.queues)
                .await
                .map_err(|e| probe::redis::classify(&e, target, config.timeout))?;
            Ok::<_, RedisFailure>((conn, side))
        };
        let failure = match tokio::time::timeout(config.timeout, read).await {
            Ok(Ok(read)) => return Ok((target, read)),
            Ok(Err(f)) => f,
            Err(_) => RedisFailure::Timeout {
                after: config.timeout,
            },
        };
        Err(verdict::redis::redis_unreachable(&target.url, &failure))
    };
    let (db, rq) = tokio::join!(read_db, read_rq);

    let mut facts = ConsistencyFacts {
        db: Err(Finding::new(
            crate::model::FindingCode::InternalError,
            "not read",
        )),
        redis: Err(Finding::new(
            crate::model::FindingCode::InternalError,
            "not read",
        )),
        missing_files: None,
        valid_files: BTreeSet::new(),
        looked_up: BTreeSet::new(),
        run_statuses: None,
        window_s,
        dir_missing: None,
    };
    let (mut db_conn, db_side) = match db {
        Ok((target, (conn, side))) => (Some((target, conn)), Ok(side)),
        Err(f) => (None, Err(f)),
    };
    // Files: completed runs without theirs, and active runs whose file is
    // already valid (those are superseded).
    let dir_exists = {
        let dir = config.recordings_dir.clone();
        let probe = tokio::task::spawn_blocking(move || dir.is_dir());
        matches!(tokio::time::timeout(left(), probe).await, Ok(Ok(true)))
    };
    if !dir_exists {
        facts.dir_missing = Some(config.recordings_dir.display().to_string());
    }
    if let (Ok(side), true) = (&db_side, dir_exists) {
        let dir = config.recordings_dir.clone();
        let completed = side.completed.clone();
        let active: Vec<String> = side.active.iter().map(|r| r.call_sid.clone()).collect();
        let min = config.thresholds.undersized_bytes;
        let stat = tokio::task::spawn_blocking(move || {
            (
                probe::consistency::missing_files(&dir, &completed, min),
                probe::consistency::valid_files(&dir, &active, min),
            )
        });
        if let Ok(Ok((missing, valid))) = tokio::time::timeout(left(), stat).await {
            facts.missing_files = Some(missing);
            facts.valid_files = valid;
        }
    }
    let redis: Result<RedisSide, Finding> = match (rq, &db_side) {
        (Err(f), _) => Err(f),
        (Ok((_, (_, side))), Err(_)) => Ok(side),
        (Ok((target, (mut conn, mut side))), Ok(db)) => {
            let lock_candidates: Vec<(i64, String)> = db
                .recent
                .iter()
                .map(|(sid, bid, _)| (*bid, sid.clone()))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let now_s = config.now.as_microsecond() as f64 / 1e6;
            let unseen: Vec<String> = orphan_candidates(&db.active, &facts.valid_files, now_s)
                .filter(|r| !side.job_sids.contains(&r.call_sid))
                .map(|r| r.call_sid.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let app = async {
                probe::consistency::app_side(
                    &mut conn,
                    &mut side,
                    &lock_candidates,
                    &db.businesses,
                )
                .await?;
                // A bounded read that did not see everything proves nothing
                // about a SID it did not see: look those calls up by name.
                if !side.complete {
                    for sid in unseen.iter().take(LOOKUPS) {
                        let Some(parsed) = CallSid::parse(sid) else {
                            continue;
                        };
                        let found = probe::call::redis(&mut conn, &parsed, &config.queues).await?;
                        facts.looked_up.insert(sid.clone());
                        if !found.jobs.is_empty() {
                            side.job_sids.insert(sid.clone());
                        }
                    }
                }
                Ok::<_, redis::RedisError>(())
            };
            match tokio::time::timeout(left(), app).await {
                Ok(Ok(())) => Ok(side),
                Ok(Err(e)) => Err(verdict::redis::redis_unreachable(
                    &target.url,
                    &probe::redis::classify(&e, target, config.timeout),
                )),
                Err(_) => Err(verdict::redis::redis_unreachable(
                    &target.url,
                    &RedisFailure::Timeout {
                        after: config.timeout,
                    },
                )),
            }
        }
    };
    // The runs behind the slots and the slot queues.
    if let (Ok(side), Some((_, conn))) = (&redis, db_conn.as_mut()) {
        let ids: Vec<String> = side
            .slots
            .iter()
            .map(|s| s.run_id.clone())
            .chain(side.slot_queue.iter().map(|(_, id)| id.clone()))
            .collect();
        if let Ok(Ok(statuses)) =
            tokio::time::timeout(left(), probe::consistency::run_statuses(conn, &ids)).await
        {
            facts.run_statuses = Some(statuses);
        }
    }
    if let Some((_, conn)) = db_conn {
        conn.close().await;
    }
    facts.db = db_side;
    facts.redis = redis;
    facts
}
