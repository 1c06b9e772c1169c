//! Facts for the cross-source comparisons: what the database says is
//! active or complete, what RQ holds, what the disk has, and the app's
//! locks and slots. Every read is bounded; no SCAN of the keyspace.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use redis::Value;
use redis::aio::MultiplexedConnection;
use sqlx::{AssertSqlSafe, Row};

use super::database::{Db, Dialect};
use super::rq::{
    deferred_key, failed_key, finished_key, queue_key, scheduled_key, started_key, texts,
};
use crate::sid::CallSid;

/// Rows and members read at most per source.
const LIMIT: i64 = 10_000;
/// Newest members of the failed and finished registries read.
const HISTORY: isize = 1_000;
/// Dedup locks live a few minutes: runs this recent are checked for them.
const LOCK_LOOKBACK_S: i64 = 15 * 60;

#[derive(Debug, Clone, Default)]
pub struct DbSide {
    /// Active (queued/running) runs: (call SID, business id, status, created epoch s).
    pub active: Vec<(String, Option<i64>, String, Option<f64>)>,
    /// Completed runs in the window: (call SID, parent call SID).
    pub completed: Vec<(String, Option<String>)>,
    /// Recent runs: (call SID, business id, status) — candidates for locks.
    pub recent: Vec<(String, i64, String)>,
    /// Business ids with runs in the lookback.
    pub businesses: Vec<i64>,
}

pub async fn db_side(
    db: &mut Db,
    window_since: &str,
    active_since: &str,
    now: jiff::Timestamp,
) -> Result<DbSide, sqlx::Error> {
    let d = Dialect::of(db);
    let lock_since = (now - jiff::SignedDuration::from_secs(LOCK_LOOKBACK_S))
        .strftime("%Y-%m-%d %H:%M:%S%.6f")
        .to_string();
    let active_sql = format!(
        "SELECT call_sid, CAST(business_id AS BIGINT), status, {} FROM recording_runs \
         WHERE created_at >= {} AND status IN ('queued', 'running') LIMIT {LIMIT}",
        d.epoch("created_at"),
        d.param(1)
    );
    let completed_sql = format!(
        "SELECT r.call_sid, c.parent_call_sid FROM recording_runs r LEFT JOIN call_log c ON c.call_sid = r.call_sid \
         WHERE r.created_at >= {} AND r.status = 'completed' LIMIT {LIMIT}",
        d.param(1)
    );
    let completed_plain_sql = format!(
        "SELECT call_sid, NULL FROM recording_runs WHERE created_at >= {} AND status = 'completed' LIMIT {LIMIT}",
        d.param(1)
    );
    let recent_sql = format!(
        "SELECT call_sid, CAST(business_id AS BIGINT), status FROM recording_runs WHERE created_at >= {} LIMIT {LIMIT}",
        d.param(1)
    );
    let businesses_sql = format!(
        "SELECT DISTINCT CAST(business_id AS BIGINT) FROM recording_runs WHERE created_at >= {} LIMIT 1000",
        d.param(1)
    );
    let mut side = DbSide::default();
    macro_rules! read {
        ($c:expr) => {{
            for r in sqlx::query(AssertSqlSafe(active_sql.as_str()))
                .bind(active_since)
                .fetch_all(&mut *$c)
                .await?
            {
                side.active
                    .push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?));
            }
            // call_log is optional here: without it, parent legs are not followed.
            let completed = match sqlx::query(AssertSqlSafe(completed_sql.as_str()))
                .bind(window_since)
                .fetch_all(&mut *$c)
                .await
            {
                Ok(rows) => rows,
                Err(_) => {
                    sqlx::query(AssertSqlSafe(completed_plain_sql.as_str()))
                        .bind(window_since)
                        .fetch_all(&mut *$c)
                        .await?
                }
            };
            for r in completed {
                side.completed
                    .push((r.try_get(0)?, r.try_get(1).unwrap_or(None)));
            }
            for r in sqlx::query(AssertSqlSafe(recent_sql.as_str()))
                .bind(lock_since.as_str())
                .fetch_all(&mut *$c)
                .await?
            {
                if let Some(bid) = r.try_get::<Option<i64>, _>(1)? {
                    side.recent.push((r.try_get(0)?, bid, r.try_get(2)?));
                }
            }
            for r in sqlx::query(AssertSqlSafe(businesses_sql.as_str()))
                .bind(active_since)
                .fetch_all(&mut *$c)
                .await?
            {
                if let Some(bid) = r.try_get::<Option<i64>, _>(0)? {
                    side.businesses.push(bid);
                }
            }
        }};
    }
    match db {
        Db::Pg(c) => read!(c),
        Db::Sqlite(c) => read!(c),
    }
    Ok(side)
}

#[derive(Debug, Clone, Default)]
pub struct RedisSide {
    /// Call SIDs of every RQ job seen in the queues and registries read.
    pub job_sids: BTreeSet<String>,
    pub jobs_seen: u64,
    /// Dedup locks present: (business id, call SID) → key.
    pub locks: BTreeMap<(i64, String), String>,
    /// Slot members without a live inflight marker: (business id, run id).
    pub leaked_slots: Vec<(i64, String)>,
    pub slots_seen: u64,
}

/// RQ's side: the call SIDs of every job in the queues and registries read.
pub async fn rq_side(
    conn: &mut MultiplexedConnection,
    queues: &[String],
) -> redis::RedisResult<RedisSide> {
    let mut side = RedisSide::default();
    let mut p = redis::pipe();
    p.ignore_errors();
    for q in queues {
        p.cmd("LRANGE").arg(queue_key(q)).arg(0).arg(LIMIT - 1);
        for key in [started_key(q), scheduled_key(q), deferred_key(q)] {
            p.cmd("ZRANGE").arg(key).arg(0).arg(LIMIT - 1);
        }
        for key in [failed_key(q), finished_key(q)] {
            p.cmd("ZREVRANGE").arg(key).arg(0).arg(HISTORY - 1);
        }
    }
    for reply in super::rq::query_pipe(&mut p, conn).await? {
        for id in texts(&reply) {
            side.jobs_seen += 1;
            if let Some(sid) = CallSid::find_in(&id) {
                side.job_sids.insert(sid.to_string());
            }
        }
    }
    Ok(side)
}

/// The app's side: dedup locks of recent calls and the slots of businesses
/// with recent runs (both known from the database), read by name.
pub async fn app_side(
    conn: &mut MultiplexedConnection,
    side: &mut RedisSide,
    lock_candidates: &[(i64, String)],
    businesses: &[i64],
) -> redis::RedisResult<()> {
    let mut p = redis::pipe();
    p.ignore_errors();
    for (bid, sid) in lock_candidates {
        p.cmd("EXISTS").arg(format!("job:download:{bid}:{sid}"));
        p.cmd("EXISTS").arg(format!("job:full:{bid}:{sid}"));
    }
    for bid in businesses {
        p.cmd("SMEMBERS").arg(format!("rec_slots:{bid}"));
    }
    let replies: Vec<Value> = super::rq::query_pipe(&mut p, conn).await?;
    let mut it = replies.iter();
    for (bid, sid) in lock_candidates {
        for kind in ["download", "full"] {
            if it.next().and_then(super::rq::int) == Some(1) {
                side.locks
                    .insert((*bid, sid.clone()), format!("job:{kind}:{bid}:{sid}"));
            }
        }
    }
    let mut members: Vec<(i64, String)> = Vec::new();
    for bid in businesses {
        for m in it.next().map(texts).unwrap_or_default() {
            members.push((*bid, m));
        }
    }
    side.slots_seen = members.len() as u64;
    let mut p = redis::pipe();
    p.ignore_errors();
    for (bid, m) in &members {
        p.cmd("EXISTS").arg(format!("rec_inflight:{bid}:{m}"));
    }
    let replies: Vec<Value> = super::rq::query_pipe(&mut p, conn).await?;
    for ((bid, m), reply) in members.into_iter().zip(&replies) {
        if super::rq::int(reply) == Some(0) {
            side.leaked_slots.push((bid, m));
        }
    }
    Ok(())
}

/// Completed runs whose file (and parent leg's file) is absent or invalid.
pub fn missing_files(
    dir: &Path,
    completed: &[(String, Option<String>)],
    min_valid: u64,
) -> Vec<String> {
    let valid = |sid: &str| {
        CallSid::parse(sid).is_some_and(|s| {
            std::fs::metadata(dir.join(format!("{s}.mp3")))
                .is_ok_and(|m| m.is_file() && m.len() > min_valid)
        })
    };
    // Values that are not SIDs cannot name a file: they are not judged.
    let mut missing: Vec<String> = completed
        .iter()
        .filter(|(sid, _)| CallSid::parse(sid).is_some())
        .filter(|(sid, parent)| !valid(sid) && !parent.as_deref().is_some_and(valid))
        .map(|(sid, _)| sid.clone())
        .collect();
    missing.sort();
    missing.dedup();
    missing
}
