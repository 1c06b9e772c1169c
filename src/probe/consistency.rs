//! Facts for the cross-source comparisons: what the database says is
//! active or complete, what RQ holds, what the disk has, and the app's
//! locks and slots. Every read is bounded; no SCAN of the keyspace.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

use redis::Value;
use redis::aio::MultiplexedConnection;
use rustix::fs::{AtFlags, FileType, Mode, OFlags, Stat, open, stat, statat};
use sqlx::Row;

use super::database::{Batched, Db, Dialect, batch};
use super::rq::{Keys, texts};
use crate::sid::CallSid;

/// Rows and members read at most per source.
const LIMIT: i64 = 10_000;
/// Newest members of the failed and finished registries read.
const HISTORY: isize = 1_000;
/// Dedup locks live a few minutes: runs this recent are checked for them.
const LOCK_LOOKBACK_S: i64 = 15 * 60;

/// An active (queued/running) run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActiveRow {
    pub call_sid: String,
    pub business_id: Option<i64>,
    pub status: String,
    /// Epoch seconds (UTC).
    pub created_at: Option<f64>,
    /// A newer run exists for the same (business, call).
    pub superseded: bool,
}

#[derive(Debug, Clone, Default)]
pub struct DbSide {
    pub active: Vec<ActiveRow>,
    /// Runs that failed with `No slot available` in the window, per business.
    pub no_slot_failures: BTreeMap<i64, u64>,
    /// Completed runs in the window: (call SID, parent call SID).
    pub completed: Vec<(String, Option<String>)>,
    /// Recent runs: (call SID, business id, status) — candidates for locks.
    pub recent: Vec<(String, i64, String)>,
    /// Business ids with runs in the lookback.
    pub businesses: Vec<i64>,
    /// Rows beyond the read's cap, left out (the newest are read): what
    /// was not read is not judged, and the report says so.
    pub active_left_out: u64,
    pub completed_left_out: u64,
    pub recent_left_out: u64,
}

/// The statements of the database side: six, or five when the active
/// runs come from the runs read of the same snapshot
/// ([`decode_db_side`]'s `active`).
#[derive(Debug, Clone)]
pub struct DbStatements {
    pub statements: Vec<String>,
}

/// Read the database side in one message, in the session's snapshot.
pub async fn db_side(
    db: &mut Db,
    window_since: &str,
    active_since: &str,
    now: jiff::Timestamp,
) -> Result<DbSide, sqlx::Error> {
    let sql = db_statements(Dialect::of(db), window_since, active_since, now, true)?;
    let mut b = db.batch(&sql.statements).await;
    decode_db_side(&mut b, 0, None)
}

/// The parent legs (`call_log.parent_call_sid`) of `sids`, where known:
/// asked only for completed calls whose own file is not valid, so that
/// a healthy pipeline never reads call_log (a backend's first look at a
/// table costs it a millisecond). One message; only SIDs that parse as
/// SIDs are written into it.
pub async fn parents(
    db: &mut Db,
    sids: &[String],
) -> Result<BTreeMap<String, String>, sqlx::Error> {
    let valid: Vec<String> = sids
        .iter()
        .filter_map(|s| CallSid::parse(s))
        .map(|s| format!("'{s}'"))
        .collect();
    let statements: Vec<String> = valid
        .chunks(1_000)
        .map(|chunk| {
            format!(
                "SELECT call_sid, parent_call_sid FROM call_log WHERE call_sid IN ({}) \
                 AND parent_call_sid IS NOT NULL",
                chunk.join(", ")
            )
        })
        .collect();
    let mut out = BTreeMap::new();
    if statements.is_empty() {
        return Ok(out);
    }
    macro_rules! read {
        ($b:expr) => {{
            let b = $b;
            for i in 0..statements.len() {
                for r in b.rows(i)? {
                    if let (Some(sid), Some(parent)) = (
                        r.try_get::<Option<String>, _>(0)?,
                        r.try_get::<Option<String>, _>(1)?,
                    ) {
                        out.insert(sid, parent);
                    }
                }
            }
        }};
    }
    match &mut db.batch(&statements).await {
        Batched::Pg(b) => read!(b),
        Batched::Sqlite(b) => read!(b),
    }
    Ok(out)
}

/// See [`db_side`].
pub fn db_statements(
    d: Dialect,
    window_since: &str,
    active_since: &str,
    now: jiff::Timestamp,
    with_active: bool,
) -> Result<DbStatements, sqlx::Error> {
    let lock_since = (now - jiff::SignedDuration::from_secs(LOCK_LOOKBACK_S))
        .strftime("%Y-%m-%d %H:%M:%S%.6f")
        .to_string();
    // The text sorts as the time does.
    let oldest = [active_since, window_since, lock_since.as_str()]
        .into_iter()
        .min()
        .unwrap_or(active_since);
    let oldest = d.timestamp(oldest)?;
    let lock_since = d.timestamp(&lock_since)?;
    let window = d.timestamp(window_since)?;
    let active = d.timestamp(active_since)?;
    let active_sql = format!(
        "SELECT r.call_sid, CAST(r.business_id AS BIGINT), r.status, {}, {} FROM recording_runs r \
         WHERE r.created_at >= {active} AND r.status IN ('queued', 'running') \
         ORDER BY r.created_at DESC, r.id DESC LIMIT {LIMIT}",
        d.epoch("r.created_at"),
        super::runs::SUPERSEDED_EXPR,
    );
    let no_slot_sql = format!(
        "SELECT CAST(business_id AS BIGINT), COUNT(*) FROM recording_runs WHERE created_at >= {window} \
         AND status = 'failed' AND error_message LIKE 'No slot available%' GROUP BY business_id"
    );
    // Their parent legs are looked up later, only for calls whose own
    // file is not valid ([`parents`]).
    let completed_sql = format!(
        "SELECT call_sid, NULL FROM recording_runs WHERE created_at >= {window} AND status = 'completed' \
         ORDER BY created_at DESC, id DESC LIMIT {LIMIT}"
    );
    let recent_sql = format!(
        "SELECT call_sid, CAST(business_id AS BIGINT), status FROM recording_runs WHERE created_at >= {lock_since} \
         ORDER BY created_at DESC, id DESC LIMIT {LIMIT}"
    );
    // How many rows each capped read stands for, so that what was left out
    // is said, not silently dropped.
    let totals_sql = format!(
        "SELECT \
           COALESCE(SUM(CASE WHEN status IN ('queued', 'running') AND created_at >= {active} THEN 1 ELSE 0 END), 0), \
           COALESCE(SUM(CASE WHEN status = 'completed' AND created_at >= {window} THEN 1 ELSE 0 END), 0), \
           COALESCE(SUM(CASE WHEN created_at >= {lock_since} THEN 1 ELSE 0 END), 0) \
         FROM recording_runs WHERE created_at >= {oldest}"
    );
    // Grouped on the column as stored: a DISTINCT on the BIGINT cast made a
    // new backend look up int8's hashing and equality for this statement
    // alone (about half a millisecond); the failures' count per business
    // has already used the column's own.
    let businesses_sql = format!(
        "SELECT CAST(business_id AS BIGINT) FROM recording_runs WHERE created_at >= {active} \
         GROUP BY business_id LIMIT 1000"
    );
    let mut statements = vec![
        no_slot_sql,
        completed_sql,
        recent_sql,
        totals_sql,
        businesses_sql,
    ];
    if with_active {
        statements.insert(0, active_sql);
    }
    Ok(DbStatements { statements })
}

/// The comparisons' active rows from the runs read's, which are the same
/// rows (same window, order and cap), so that one snapshot is asked once.
pub fn active_of(runs: &[super::runs::ActiveRun]) -> Vec<ActiveRow> {
    runs.iter()
        .filter_map(|r| {
            Some(ActiveRow {
                call_sid: r.call_sid.clone()?,
                business_id: r.business_id,
                status: r.status.clone(),
                created_at: r.created_at,
                superseded: r.superseded,
            })
        })
        .collect()
}

/// The database side from a batch holding [`db_statements`]' from
/// statement `at` on; `active`: the active rows, when they were not asked
/// for in it.
pub fn decode_db_side(
    batched: &mut Batched,
    at: usize,
    active: Option<Vec<ActiveRow>>,
) -> Result<DbSide, sqlx::Error> {
    let given = active.is_some();
    // Where the statements after the active rows begin.
    let rest = if given { at } else { at + 1 };
    let mut side = DbSide::default();
    if let Some(active) = active {
        side.active = active;
    }
    macro_rules! read {
        ($b:expr) => {{
            let b = $b;
            for r in if given { Vec::new() } else { b.rows(at)? } {
                side.active.push(ActiveRow {
                    call_sid: r.try_get(0)?,
                    business_id: r.try_get(1)?,
                    status: r.try_get(2)?,
                    created_at: r.try_get(3)?,
                    superseded: r.try_get::<i64, _>(4)? == 1,
                });
            }
            for r in b.rows(rest)? {
                if let Some(bid) = r.try_get::<Option<i64>, _>(0)? {
                    side.no_slot_failures
                        .insert(bid, r.try_get::<i64, _>(1)?.max(0) as u64);
                }
            }
            for r in b.rows(rest + 1)? {
                side.completed
                    .push((r.try_get(0)?, r.try_get(1).unwrap_or(None)));
            }
            for r in b.rows(rest + 2)? {
                if let Some(bid) = r.try_get::<Option<i64>, _>(1)? {
                    side.recent.push((r.try_get(0)?, bid, r.try_get(2)?));
                }
            }
            if let Some(totals) = b.rows(rest + 3)?.first() {
                let total = |i: usize| -> Result<u64, sqlx::Error> {
                    Ok(totals.try_get::<i64, _>(i)?.max(0) as u64)
                };
                side.active_left_out = total(0)?.saturating_sub(side.active.len() as u64);
                side.completed_left_out = total(1)?.saturating_sub(side.completed.len() as u64);
                side.recent_left_out = total(2)?.saturating_sub(side.recent.len() as u64);
            }
            for r in b.rows(rest + 4)? {
                if let Some(bid) = r.try_get::<Option<i64>, _>(0)? {
                    side.businesses.push(bid);
                }
            }
        }};
    }
    match batched {
        Batched::Pg(b) => read!(b),
        Batched::Sqlite(b) => read!(b),
    }
    Ok(side)
}

/// A member of `rec_slots:<business_id>` and its in-flight marker.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlotMember {
    pub business_id: i64,
    pub run_id: String,
    /// Milliseconds left on `rec_inflight:<business_id>:<run_id>`; None: no marker.
    pub marker_ttl_ms: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct RedisSide {
    /// Call SIDs of every RQ job seen in the queues and registries read.
    pub job_sids: BTreeSet<String>,
    /// Call SIDs of jobs in the started registries: a download runs for them.
    pub started_sids: BTreeSet<String>,
    /// Redis's own memory of its life, read with the jobs.
    pub life: super::redis::RedisLife,
    pub jobs_seen: u64,
    /// False when a queue or registry held more than was read: a SID not
    /// seen may still have a job.
    pub complete: bool,
    /// The queues and registries were read in one transaction: a job
    /// moving between them meanwhile was seen. False where the server
    /// refused MULTI: a SID not seen is looked up again before it counts.
    pub one_read: bool,
    /// Dedup locks present: (business id, call SID) → key.
    pub locks: BTreeMap<(i64, String), String>,
    pub slots: Vec<SlotMember>,
    /// The head of `rec_queue:<business_id>` (run ids waiting for a slot).
    pub slot_queue: Vec<(i64, String)>,
}

impl RedisSide {
    /// What a re-read found of one slot member: gone from the set, or its
    /// marker's time left now.
    pub fn refresh_slot(&mut self, business_id: i64, run_id: &str, member: bool, ttl: Option<i64>) {
        if member {
            for s in &mut self.slots {
                if s.business_id == business_id && s.run_id == run_id {
                    s.marker_ttl_ms = ttl;
                }
            }
        } else {
            self.slots
                .retain(|s| !(s.business_id == business_id && s.run_id == run_id));
        }
    }
}

/// RQ's side: the call SIDs of every job in the queues and registries
/// read, and whether that was all of them.
pub async fn rq_side(
    conn: &mut MultiplexedConnection,
    keys: &Keys,
    queues: &[String],
) -> redis::RedisResult<RedisSide> {
    let mut side = RedisSide::default();
    // rq 3.0's rate limits: the jobs they hold back wait on no queue. A
    // set of limits that cannot be read whole leaves the read incomplete,
    // so that no call is judged lost on it.
    let (mut limits, limits_readable) = match redis::cmd("SMEMBERS")
        .arg(keys.rate_limit_keys())
        .query_async::<Value>(conn)
        .await
    {
        Ok(v) => (texts(&v), true),
        Err(e) if e.code() == Some("WRONGTYPE") => (Vec::new(), false),
        Err(e) => return Err(e),
    };
    limits.sort();
    let mut p = redis::pipe();
    p.ignore_errors();
    for q in queues {
        p.cmd("LRANGE").arg(keys.queue(q)).arg(0).arg(LIMIT - 1);
        p.cmd("LLEN").arg(keys.queue(q));
        for key in [keys.started(q), keys.scheduled(q), keys.deferred(q)] {
            p.cmd("ZRANGE").arg(&key).arg(0).arg(LIMIT - 1);
            p.cmd("ZCARD").arg(key);
        }
        for key in [keys.failed(q), keys.finished(q)] {
            p.cmd("ZREVRANGE").arg(&key).arg(0).arg(HISTORY - 1);
            p.cmd("ZCARD").arg(key);
        }
        // A job being dequeued: moved out of the queue, not yet started.
        p.cmd("LRANGE")
            .arg(keys.intermediate(q))
            .arg(0)
            .arg(LIMIT - 1);
        p.cmd("LLEN").arg(keys.intermediate(q));
    }
    let held_from = p.len();
    for l in limits.iter().take(super::rq::snapshot::RATE_LIMIT_LIMIT) {
        p.cmd("ZRANGE")
            .arg(keys.rate_limited(l))
            .arg(0)
            .arg(LIMIT - 1);
        p.cmd("ZCARD").arg(keys.rate_limited(l));
    }
    side.complete = limits_readable && limits.len() <= super::rq::snapshot::RATE_LIMIT_LIMIT;
    let (replies, atomic) = super::rq::query_snapshot(&p, conn).await?;
    side.one_read = atomic;
    // INFO apart from the pipeline: a user without +info still compares.
    side.life = super::redis::life(conn).await;
    let (places, held) = replies.split_at(held_from.min(replies.len()));
    read_places(&mut side, places);
    read_pairs(&mut side, held, |_| false);
    Ok(side)
}

/// The replies of [`rq_side`]'s read, pair by pair (members, then their
/// count) per queue: the queue, then started, scheduled, deferred,
/// failed, finished, and the jobs being dequeued (as good as started).
/// Whatever the replies hold, facts or nothing: never a panic.
pub fn read_places(side: &mut RedisSide, replies: &[Value]) {
    read_pairs(side, replies, |i| matches!(i % 7, 1 | 6));
}

/// Members-and-count pairs: `started(i)` says whether pair `i` holds
/// running jobs.
fn read_pairs(side: &mut RedisSide, replies: &[Value], started: impl Fn(usize) -> bool) {
    for (i, pair) in replies.chunks(2).enumerate() {
        let started = started(i);
        let ids = pair.first().map(texts).unwrap_or_default();
        let stored = pair.get(1).and_then(super::rq::count).unwrap_or(0);
        if stored > ids.len() as u64 {
            side.complete = false;
        }
        for id in ids {
            side.jobs_seen += 1;
            if let Some(sid) = CallSid::find_in(&id) {
                if started {
                    side.started_sids.insert(sid.to_string());
                }
                side.job_sids.insert(sid.to_string());
            }
        }
    }
}

/// Run ids read from the head of each business's slot queue.
const SLOT_QUEUE_HEAD: isize = 100;

/// The app's side: dedup locks of recent calls, and the slots and slot
/// queues of businesses with recent runs (both known from the database),
/// read by name.
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
        p.cmd("LRANGE")
            .arg(format!("rec_queue:{bid}"))
            .arg(0)
            .arg(SLOT_QUEUE_HEAD - 1);
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
        for m in it.next().map(texts).unwrap_or_default() {
            side.slot_queue.push((*bid, m));
        }
    }
    side.slots = marker_ttls(conn, members).await?;
    Ok(())
}

/// Each slot member with the time left on its in-flight marker (PTTL).
pub async fn marker_ttls(
    conn: &mut MultiplexedConnection,
    members: Vec<(i64, String)>,
) -> redis::RedisResult<Vec<SlotMember>> {
    let mut p = redis::pipe();
    p.ignore_errors();
    for (bid, m) in &members {
        p.cmd("PTTL").arg(format!("rec_inflight:{bid}:{m}"));
    }
    let replies: Vec<Value> = super::rq::query_pipe(&mut p, conn).await?;
    Ok(members
        .into_iter()
        .zip(
            replies
                .iter()
                .map(super::rq::int)
                .chain(std::iter::repeat(None)),
        )
        .map(|((business_id, run_id), ttl)| SlotMember {
            business_id,
            run_id,
            marker_ttl_ms: marker_ttl(ttl),
        })
        .collect())
}

/// A run behind a slot or a slot-queue entry, as the database has it now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlotRun {
    pub status: String,
    pub call_sid: Option<String>,
}

/// Each (business, run id): still a member of `rec_slots:<business>`, and
/// the time left on its marker — the re-read of the suspects.
pub async fn still_held(
    conn: &mut MultiplexedConnection,
    members: &[(i64, String)],
) -> redis::RedisResult<Vec<(bool, Option<i64>)>> {
    let mut p = redis::pipe();
    p.ignore_errors();
    for (bid, m) in members {
        p.cmd("SISMEMBER").arg(format!("rec_slots:{bid}")).arg(m);
        p.cmd("PTTL").arg(format!("rec_inflight:{bid}:{m}"));
    }
    let replies: Vec<Value> = super::rq::query_pipe(&mut p, conn).await?;
    Ok(replies
        .chunks(2)
        .map(|pair| {
            let member = pair.first().and_then(super::rq::int) == Some(1);
            let ttl = pair.get(1).and_then(super::rq::int);
            (member, marker_ttl(ttl))
        })
        .collect())
}

/// PTTL's answer as the time a marker has left: -2 no key; -1 a key
/// without expiry (live for good).
fn marker_ttl(ttl: Option<i64>) -> Option<i64> {
    match ttl {
        Some(-2) | None => None,
        Some(-1) => Some(i64::MAX),
        Some(ms) => Some(ms),
    }
}

/// The status and call of each run id that is a number (slot members,
/// queue entries); ids absent from the table are absent from the map. Read
/// in a new snapshot, at least as new as what was read elsewhere since
/// the last one (the slots in Redis): the renewal and the read go in one
/// message. No id, no read.
pub async fn run_statuses(
    db: &mut Db,
    ids: &[String],
    timeout: std::time::Duration,
) -> Result<BTreeMap<i64, SlotRun>, sqlx::Error> {
    let numbers: BTreeSet<i64> = ids.iter().filter_map(|id| id.trim().parse().ok()).collect();
    let mut out = BTreeMap::new();
    if numbers.is_empty() {
        return Ok(out);
    }
    // Only parsed integers are written into the statement.
    let list = numbers
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let mut statements = db.renewal(timeout);
    let at = statements.len();
    statements.push(format!(
        "SELECT CAST(id AS BIGINT), status, call_sid FROM recording_runs WHERE id IN ({list})"
    ));
    macro_rules! read {
        ($b:expr) => {{
            let mut b = $b;
            for r in b.rows(at)? {
                out.insert(
                    r.try_get::<i64, _>(0)?,
                    SlotRun {
                        status: r.try_get(1)?,
                        call_sid: r.try_get(2)?,
                    },
                );
            }
        }};
    }
    match db {
        Db::Pg(c) => read!(batch(&mut *c, &statements).await),
        Db::Sqlite(c) => read!(batch(&mut *c, &statements).await),
    }
    Ok(out)
}

/// Whether `<sid>.mp3` is a regular file larger than `min_valid` bytes in
/// the directory `dir`. Symlinks are followed, as the player does. The
/// directory is opened once as a path (`O_PATH`: search permission is
/// enough, as for a stat by path) and each look is relative to it, not a
/// walk of the whole path; if it cannot be opened so (out of descriptors),
/// each file is looked at by its path, as before. A SID in `seen` (the
/// directory scan's valid recordings) is not looked at again.
fn file_check<'a>(
    dir: &'a Path,
    min_valid: u64,
    seen: Option<&'a HashSet<String>>,
) -> impl Fn(&CallSid) -> bool + 'a {
    let handle = open(
        dir,
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .ok();
    let valid = move |st: Stat| {
        FileType::from_raw_mode(st.st_mode) == FileType::RegularFile
            && u64::try_from(st.st_size).is_ok_and(|len| len > min_valid)
    };
    move |sid: &CallSid| {
        let name = format!("{sid}.mp3");
        seen.is_some_and(|s| s.contains(sid.as_str()))
            || match &handle {
                Some(handle) => statat(handle, name.as_str(), AtFlags::empty()).is_ok_and(valid),
                None => stat(dir.join(&name)).is_ok_and(valid),
            }
    }
}

/// Completed runs whose file (and parent leg's file) is absent or invalid.
pub fn missing_files(
    dir: &Path,
    completed: &[(String, Option<String>)],
    min_valid: u64,
    seen: Option<&HashSet<String>>,
) -> Vec<String> {
    let file_ok = file_check(dir, min_valid, seen);
    let valid = |sid: &str| CallSid::parse(sid).is_some_and(|s| file_ok(&s));
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

/// The call SIDs among `sids` whose `<SID>.mp3` is valid.
pub fn valid_files(
    dir: &Path,
    sids: &[String],
    min_valid: u64,
    seen: Option<&HashSet<String>>,
) -> BTreeSet<String> {
    let file_ok = file_check(dir, min_valid, seen);
    sids.iter()
        .filter_map(|sid| CallSid::parse(sid))
        .filter(|s| file_ok(s))
        .map(|s| s.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sid(n: u32) -> String {
        format!("CA{n:032x}")
    }

    #[test]
    fn files_are_judged_by_kind_and_size_relative_to_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: u32| dir.path().join(format!("{}.mp3", sid(n)));
        std::fs::write(p(1), [1u8; 100]).unwrap(); // valid
        std::fs::write(p(2), [1u8; 10]).unwrap(); // undersized
        std::os::unix::fs::symlink(p(1), p(3)).unwrap(); // a link to a valid file
        std::os::unix::fs::symlink("/nonexistent", p(4)).unwrap(); // dangling
        std::fs::create_dir(p(5)).unwrap(); // not a file
        // 6: absent, but its parent leg (1) has the recording; 7: absent.
        let completed: Vec<(String, Option<String>)> = vec![
            (sid(1), None),
            (sid(2), None),
            (sid(3), None),
            (sid(4), None),
            (sid(5), None),
            (sid(6), Some(sid(1))),
            (sid(7), Some(sid(2))),
            (sid(7), None),
            ("not-a-sid".into(), None),
        ];
        assert_eq!(
            missing_files(dir.path(), &completed, 50, None),
            vec![sid(2), sid(4), sid(5), sid(7)]
        );
        let all: Vec<String> = (1..=7).map(sid).collect();
        assert_eq!(
            valid_files(dir.path(), &all, 50, None),
            [sid(1), sid(3)].into_iter().collect::<BTreeSet<_>>()
        );
        // What the directory scan saw valid is not looked at again (7 has
        // no file, yet counts); the rest still is (2, not in the second
        // set, stays undersized).
        let seen: HashSet<String> = [sid(7), sid(2)].into_iter().collect();
        assert_eq!(
            missing_files(dir.path(), &completed[6..8], 50, Some(&seen)),
            Vec::<String>::new()
        );
        assert_eq!(
            missing_files(
                dir.path(),
                &completed[..2],
                50,
                Some(&[sid(7)].into_iter().collect())
            ),
            vec![sid(2)]
        );
        assert!(valid_files(dir.path(), &[sid(7)], 50, Some(&seen)).contains(&sid(7)));
        // No directory: nothing is valid.
        let gone = dir.path().join("gone");
        assert_eq!(
            missing_files(&gone, &completed[..1], 50, None),
            vec![sid(1)]
        );
        assert!(valid_files(&gone, &all, 50, None).is_empty());
    }
}
