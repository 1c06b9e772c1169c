//! Everything about one call, from each source: the file, the database
//! rows, the RQ jobs, the dedup locks and the download slots. Each source
//! is read independently; one that fails is reported, the others still count.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use redis::Value;
use redis::aio::MultiplexedConnection;
use sqlx::{AssertSqlSafe, Row};

use super::RawConn;
use super::consistency::SlotMember;
use super::database::{Db, Dialect, query};
use super::raw_resp::Raw;
use super::rq::job::{FIELDS, Job};
use super::rq::{Keys, texts};
use crate::model::{CallLogInfo, FileInfo, RunInfo};
use crate::sid::CallSid;

/// Entries read per round trip from a queue list or registry.
const SCAN_COUNT: u64 = 10_000;
/// Runs of one call read at most.
const RUNS_LIMIT: i64 = 50;

/// The recording file of a SID in the directory.
pub fn file(dir: &Path, sid: &str, min_valid_bytes: u64) -> FileInfo {
    let path = dir.join(format!("{sid}.mp3"));
    let mut info = FileInfo {
        path: path.display().to_string(),
        ..Default::default()
    };
    if let Ok(meta) = std::fs::metadata(&path) {
        info.exists = meta.is_file();
        info.size_bytes = Some(meta.len());
        info.modified_at = meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(SystemTime::UNIX_EPOCH).ok())
            .and_then(|d| jiff::Timestamp::from_microsecond(d.as_micros() as i64).ok());
        info.valid = info.exists && meta.len() > min_valid_bytes;
    }
    info
}

/// The `call_log` row and the `recording_runs` rows of a call, newest first.
pub async fn rows(
    db: &mut Db,
    sid: &CallSid,
) -> Result<(Option<CallLogInfo>, Vec<RunInfo>), sqlx::Error> {
    let d = Dialect::of(db);
    let log_sql = format!(
        "SELECT CAST(business_id AS BIGINT), parent_call_sid, \
         CAST(CASE WHEN recording_url IS NOT NULL AND recording_url <> '' THEN 1 ELSE 0 END AS BIGINT), \
         recording_sid, {} FROM call_log WHERE call_sid = {} LIMIT 1",
        d.epoch("created_at"),
        d.text_param(1)
    );
    let runs_sql = format!(
        "SELECT CAST(id AS BIGINT), CAST(business_id AS BIGINT), status, job_type, {}, {}, {}, \
         CAST(retry_count AS BIGINT), {} FROM recording_runs WHERE call_sid = {} \
         ORDER BY created_at DESC, id DESC LIMIT {RUNS_LIMIT}",
        d.epoch("created_at"),
        d.epoch("started_at"),
        d.epoch("completed_at"),
        d.prefix("error_message", 65_536),
        d.text_param(1)
    );
    macro_rules! fetch {
        ($conn:expr) => {{
            let log = query(AssertSqlSafe(log_sql.as_str()))
                .bind(sid.as_str())
                .fetch_optional(&mut *$conn)
                .await?
                .map(|r| -> Result<CallLogInfo, sqlx::Error> {
                    Ok(CallLogInfo {
                        business_id: r.try_get(0)?,
                        parent_call_sid: r.try_get(1)?,
                        recording_url_set: r.try_get::<Option<i64>, _>(2)?.unwrap_or(0) == 1,
                        recording_sid: r.try_get(3)?,
                        created_at: r.try_get::<Option<f64>, _>(4)?.and_then(epoch),
                    })
                })
                .transpose()?;
            let mut runs = Vec::new();
            for r in query(AssertSqlSafe(runs_sql.as_str()))
                .bind(sid.as_str())
                .fetch_all(&mut *$conn)
                .await?
            {
                runs.push(RunInfo {
                    superseded: false,
                    id: r.try_get(0)?,
                    business_id: r.try_get(1)?,
                    status: r.try_get(2)?,
                    job_type: r.try_get(3)?,
                    created_at: r.try_get::<Option<f64>, _>(4)?.and_then(epoch),
                    started_at: r.try_get::<Option<f64>, _>(5)?.and_then(epoch),
                    completed_at: r.try_get::<Option<f64>, _>(6)?.and_then(epoch),
                    retry_count: r.try_get(7)?,
                    error_message: r.try_get(8)?,
                });
            }
            Ok((log, runs))
        }};
    }
    match db {
        Db::Pg(c) => fetch!(c),
        Db::Sqlite(c) => fetch!(c),
    }
}

/// A run's id and error text: by its id when known, else the newest
/// failed run of the call.
pub async fn run_error(
    db: &mut Db,
    run_id: Option<i64>,
    sid: Option<&str>,
) -> Result<Option<(i64, Option<String>)>, sqlx::Error> {
    let d = Dialect::of(db);
    let error = d.prefix("error_message", 65_536);
    let (sql, key) = match (run_id, sid.and_then(CallSid::parse)) {
        (Some(id), _) => (
            format!(
                "SELECT CAST(id AS BIGINT), {error} FROM recording_runs WHERE id = {}",
                d.text_param(1)
            ),
            Err(id),
        ),
        (None, Some(sid)) => (
            format!(
                "SELECT CAST(id AS BIGINT), {error} FROM recording_runs WHERE call_sid = {} \
                 AND status = 'failed' ORDER BY created_at DESC, id DESC LIMIT 1",
                d.text_param(1)
            ),
            Ok(sid.to_string()),
        ),
        (None, None) => return Ok(None),
    };
    macro_rules! fetch {
        ($c:expr) => {{
            let q = query(AssertSqlSafe(sql.as_str()));
            let q = match &key {
                Err(id) => q.bind(*id),
                Ok(sid) => q.bind(sid.as_str()),
            };
            match q.fetch_optional(&mut *$c).await? {
                Some(r) => Ok(Some((r.try_get(0)?, r.try_get(1)?))),
                None => Ok(None),
            }
        }};
    }
    match db {
        Db::Pg(c) => fetch!(c),
        Db::Sqlite(c) => fetch!(c),
    }
}

fn epoch(s: f64) -> Option<jiff::Timestamp> {
    jiff::Timestamp::from_microsecond((s * 1e6).round() as i64).ok()
}

/// The RQ jobs of a call.
#[derive(Debug, Clone, Default)]
pub struct RedisCall {
    /// RQ jobs whose id carries the SID, with their 1-based queue position.
    pub jobs: Vec<(Job, Option<u64>)>,
    /// Every queue and registry was read in one transaction: a job moving
    /// meanwhile was seen. False when the lists were longer than one
    /// round or the server refused MULTI: no job found may be a job that
    /// moved between two reads.
    pub one_read: bool,
}

/// The app's own keys about a call.
#[derive(Debug, Clone, Default)]
pub struct AppKeys {
    /// Dedup locks `job:download|full:<business_id>:<SID>` with their TTL (ms).
    pub locks: Vec<(String, Option<i64>)>,
    /// `rec_slots:<business_id>` members with their markers' TTLs.
    pub slots: Vec<(i64, Vec<SlotMember>)>,
    /// `recording_retry_attempts:<SID>` and its TTL (ms).
    pub retry_attempts: Option<(i64, Option<i64>)>,
}

/// Dedup locks, the API's retry counter and the business's download slots,
/// read by name for the call's business ids (which the database gives):
/// two pipelined round trips.
pub async fn app_keys(
    conn: &mut MultiplexedConnection,
    sid: &CallSid,
    business_ids: &[i64],
) -> redis::RedisResult<AppKeys> {
    let mut keys = AppKeys::default();
    let lock_keys: Vec<String> = business_ids
        .iter()
        .flat_map(|bid| {
            [
                format!("job:download:{bid}:{sid}"),
                format!("job:full:{bid}:{sid}"),
            ]
        })
        .collect();
    let counter = format!("recording_retry_attempts:{sid}");
    let mut p = redis::pipe();
    p.ignore_errors();
    for key in &lock_keys {
        p.cmd("PTTL").arg(key);
    }
    p.cmd("GET").arg(&counter);
    p.cmd("PTTL").arg(&counter);
    for bid in business_ids {
        p.cmd("SMEMBERS").arg(format!("rec_slots:{bid}"));
    }
    let replies = super::rq::query_pipe(&mut p, conn).await?;
    let mut it = replies.iter();
    for key in lock_keys {
        // PTTL: -2 the key does not exist, -1 it has no expiry.
        match it.next().and_then(super::rq::int) {
            Some(-2) | None => {}
            Some(ttl) => keys.locks.push((key, (ttl >= 0).then_some(ttl))),
        }
    }
    let count = it
        .next()
        .and_then(super::rq::text)
        .and_then(|t| t.trim().parse::<i64>().ok());
    let ttl = it.next().and_then(super::rq::int).filter(|t| *t >= 0);
    keys.retry_attempts = count.map(|c| (c, ttl));
    let members: Vec<(i64, String)> = business_ids
        .iter()
        .flat_map(|bid| {
            it.next()
                .map(texts)
                .unwrap_or_default()
                .into_iter()
                .map(move |m| (*bid, m))
        })
        .collect();
    let with_ttls = super::consistency::marker_ttls(conn, members).await?;
    for bid in business_ids {
        let of: Vec<SlotMember> = with_ttls
            .iter()
            .filter(|m| m.business_id == *bid)
            .cloned()
            .collect();
        if !of.is_empty() {
            keys.slots.push((*bid, of));
        }
    }
    Ok(keys)
}

/// Where a job id can be: every queue list and registry of every queue.
enum Place {
    List(String),
    Set(String),
}

/// One list or registry being read, and how far.
struct Reading {
    place: Place,
    /// Its length when the search began.
    size: u64,
    /// A list: entries read, from the tail. A registry: the rank of the
    /// next member to read, as of the last round.
    done: u64,
    /// A registry: the last members read, whose ranks now say whether
    /// members before them left (or joined) since.
    anchors: Vec<Vec<u8>>,
    /// A registry: the ranks the last ask covered.
    asked: (u64, u64),
}

/// Members read again before a registry page (its ranks shift down as
/// members before it leave: up to this many may leave between rounds).
const MARGIN: u64 = 100;
/// Members kept as anchors at the end of a registry page.
const ANCHORS: usize = 4;

impl Reading {
    /// Ask for the next pages of `count` entries (a list: up to `pages`
    /// of them; a registry: up to `pages` pages in one range, after its
    /// anchors' ranks); how many replies, and about how many values.
    fn ask(&mut self, p: &mut redis::Pipeline, count: u64, pages: u64) -> (usize, u64) {
        match &self.place {
            Place::List(key) => {
                let left = self.size.saturating_sub(self.done).div_ceil(count);
                // The first round does not know the size yet: one page.
                let pages = if self.size == 0 { 1 } else { left.min(pages) };
                for k in 0..pages {
                    let end = -((self.done + k * count) as i64) - 1;
                    p.cmd("LRANGE")
                        .arg(key)
                        .arg(end - count as i64 + 1)
                        .arg(end);
                }
                (pages as usize, pages * count)
            }
            Place::Set(key) => {
                for a in &self.anchors {
                    p.cmd("ZRANK").arg(key).arg(a);
                }
                let pages = if self.size == 0 {
                    1
                } else {
                    self.size
                        .saturating_sub(self.done)
                        .div_ceil(count)
                        .clamp(1, pages)
                };
                let (from, to) = self.range(count * pages);
                self.asked = (from, to);
                p.cmd("ZRANGE").arg(key).arg(from).arg(to);
                (self.anchors.len() + 1, to - from + 1)
            }
        }
    }

    /// Take the replies to what [`Reading::ask`] asked for, handing each
    /// member to `matching`: how many entries came, and whether more are
    /// left to read.
    fn take<'a: 'r, 'r>(
        &mut self,
        replies: &mut impl Iterator<Item = &'r Raw<'a>>,
        pages: usize,
        count: u64,
        matching: &mut impl FnMut(&[u8]),
    ) -> (u64, bool) {
        let mut read = 0u64;
        match &self.place {
            Place::List(_) => {
                for reply in replies.by_ref().take(pages) {
                    let ids = reply.items();
                    read += ids.len() as u64;
                    ids.iter().filter_map(Raw::bytes).for_each(&mut *matching);
                }
                self.done += pages as u64 * count;
                (read, self.done < self.size)
            }
            Place::Set(_) => {
                // Where the anchors are now: the rank after the newest one
                // still there (None: none asked, or every one left).
                let mut after: Option<u64> = None;
                for reply in replies.by_ref().take(self.anchors.len()) {
                    if let Some(rank) = reply.count() {
                        after = after.max(Some(rank + 1));
                    }
                }
                let (from, to) = self.asked;
                let members = replies.next().map(Raw::items).unwrap_or(&[]);
                let members: Vec<&[u8]> = members.iter().filter_map(Raw::bytes).collect();
                members.iter().for_each(|m| matching(m));
                read = members.len() as u64;
                let full = read == to - from + 1;
                let next = match after {
                    None if !self.anchors.is_empty() => {
                        // Every anchor left: step a page back and read on
                        // from there, anchored anew.
                        self.done = self.done.saturating_sub(count);
                        self.anchors.clear();
                        return (read, true);
                    }
                    // More than the margin left before the anchors (a gap
                    // this range did not cover), or joined (this range was
                    // all read before): go on right after them.
                    Some(a) if a < from || a > to + 1 => {
                        self.done = a;
                        return (read, true);
                    }
                    _ => to + 1,
                };
                self.done = next;
                self.anchors = members
                    .iter()
                    .rev()
                    .take(ANCHORS)
                    .rev()
                    .map(|m| m.to_vec())
                    .collect();
                (read, full && !self.anchors.is_empty())
            }
        }
    }

    /// A registry's next range of ranks: `len` members from where the
    /// last round ended, and the margin before them once anchored.
    fn range(&self, len: u64) -> (u64, u64) {
        let from = if self.anchors.is_empty() {
            self.done
        } else {
            self.done.saturating_sub(MARGIN)
        };
        (from, self.done + len.max(1) - 1)
    }
}

/// Send `p`'s reads as one transaction (MULTI … EXEC), through `raw`
/// when there is one, else through the driver (whose replies `held`
/// keeps): the reads' replies, and whether they are of one moment.
async fn transact<'c>(
    conn: &'c mut MultiplexedConnection,
    raw: Option<&'c mut RawConn>,
    p: &redis::Pipeline,
    held: &'c mut Vec<Value>,
) -> redis::RedisResult<(Vec<Raw<'c>>, bool)> {
    let Some(raw) = raw else {
        let (values, atomic) = super::rq::query_snapshot(p, conn).await?;
        *held = values;
        return Ok((held.iter().map(Raw::of_value).collect(), atomic));
    };
    let mut t = redis::pipe();
    t.cmd("MULTI");
    for c in p.cmd_iter() {
        t.add_command(c.clone());
    }
    t.cmd("EXEC");
    let values = raw.send(&t).await?.values();
    super::raw_resp::transaction(values, p.len())
}

/// Pages of one list asked for in one round trip.
const LIST_PAGES_PER_ROUND: u64 = 4;
/// Values the first round (one transaction) reads at most: where every
/// list and registry fits, the search sees one moment.
const FIRST_ROUND_VALUES: u64 = 200_000;
/// Values a later round asks for (a little more, by one place's pages):
/// small enough that the memory of one round's replies is reused by the
/// next, rather than asked of the kernel anew.
const ROUND_VALUES: u64 = 40_000;

/// How far a search of RQ's queues and registries got, readable after the
/// search was dropped for want of time: whether Redis kept answering
/// (recdiag's own reading ran long) or fell silent.
#[derive(Debug, Default)]
pub struct Progress {
    /// Entries of the lists and registries read so far.
    read: AtomicU64,
    /// Entries they held when the search began.
    total: AtomicU64,
    last_reply: Mutex<Option<Instant>>,
}

impl Progress {
    fn replied(&self, entries: u64) {
        self.read.fetch_add(entries, Ordering::Relaxed);
        if let Ok(mut last) = self.last_reply.lock() {
            *last = Some(Instant::now());
        }
    }

    /// When Redis answered until the last moment (within a fifth of
    /// `budget`, at least a second): what recdiag read of what there was.
    pub fn cut_short(&self, budget: Duration) -> Option<String> {
        let last = (*self.last_reply.lock().ok()?)?;
        if last.elapsed() > (budget / 5).max(Duration::from_secs(1)) {
            return None;
        }
        let total = self.total.load(Ordering::Relaxed);
        let read = self.read.load(Ordering::Relaxed).min(total);
        Some(format!(
            "Redis answered every command, but recdiag's own search of RQ's queues and registries for the call read about {} of {} entries within {}; a longer --timeout lets it finish",
            crate::text::count(read),
            crate::text::count(total),
            humantime::format_duration(budget)
        ))
    }
}

/// Find the call's jobs in RQ's own queues and registries (lists and
/// registries read in pages, filtered on the validated SID): the cost
/// follows the size of RQ's data, never the rest of the keyspace — no
/// SCAN, no KEYS.
///
/// With `raw`, the pages go through it, read where they lie, not through
/// the driver (which makes every id a value of its own).
pub async fn redis(
    conn: &mut MultiplexedConnection,
    mut raw: Option<&mut RawConn>,
    keys: &Keys,
    sid: &CallSid,
    queues: &[String],
    progress: &Progress,
) -> redis::RedisResult<RedisCall> {
    let mut found = RedisCall::default();
    // Each set on its own: one of the wrong type (bad data) leaves the
    // other readable.
    let sets: Vec<Value> = redis::pipe()
        .ignore_errors()
        .cmd("SMEMBERS")
        .arg(keys.queues())
        .cmd("SMEMBERS")
        .arg(keys.rate_limit_keys())
        .query_async(conn)
        .await
        .unwrap_or_default();
    let registered: Vec<String> = sets
        .first()
        .map(texts)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|k| keys.queue_name(&k).map(str::to_string))
        .collect();
    let mut limits = sets.get(1).map(texts).unwrap_or_default();
    limits.sort();
    limits.truncate(super::rq::snapshot::RATE_LIMIT_LIMIT);
    let mut names: Vec<String> = queues.to_vec();
    names.extend(registered.into_iter().filter(|q| !queues.contains(q)));
    names.truncate(super::rq::snapshot::QUEUE_LIMIT);
    // rq 3.0: a job a rate limit holds back waits on no queue.
    let mut places: Vec<Place> = limits
        .iter()
        .map(|l| Place::Set(keys.rate_limited(l)))
        .collect();
    for q in &names {
        places.push(Place::List(keys.queue(q)));
        places.push(Place::List(keys.intermediate(q)));
        for key in [
            keys.started(q),
            keys.failed(q),
            keys.scheduled(q),
            keys.deferred(q),
            keys.finished(q),
            keys.canceled(q),
        ] {
            places.push(Place::Set(key));
        }
    }
    // Round one, one transaction: every place's size and its first page,
    // so that a job moving between places meanwhile is seen in exactly
    // one of them. The pages are sized to keep that one reply bounded.
    let first = (FIRST_ROUND_VALUES / places.len().max(1) as u64 / 2).clamp(1, SCAN_COUNT);
    let mut readings: Vec<Reading> = places
        .into_iter()
        .map(|place| Reading {
            place,
            size: 0,
            done: 0,
            anchors: Vec::new(),
            asked: (0, 0),
        })
        .collect();
    let mut p = redis::pipe();
    p.ignore_errors();
    for r in &mut readings {
        match &r.place {
            Place::List(key) => p.cmd("LLEN").arg(key),
            Place::Set(key) => p.cmd("ZCARD").arg(key),
        };
        r.ask(&mut p, first, 1);
    }
    let mut held = Vec::new();
    let (replies, atomic) = transact(conn, raw.as_deref_mut(), &p, &mut held).await?;
    let mut job_ids: Vec<String> = Vec::new();
    // Millions of ids go by: only the matching ones become strings.
    let finder = memchr::memmem::Finder::new(sid.as_str().as_bytes());
    let mut matching = |id: &[u8]| {
        if finder.find(id).is_some() {
            let id = String::from_utf8_lossy(id);
            job_ids.push(super::rq::job_id_of_started_member(&id).to_string());
        }
    };
    let mut replies = replies.iter();
    let (mut read, mut total) = (0u64, 0u64);
    let mut next_round = Vec::new();
    for mut r in readings {
        r.size = replies.next().and_then(Raw::count).unwrap_or(0);
        total += r.size;
        let (n, more) = r.take(&mut replies, 1, first, &mut matching);
        read += n;
        if more {
            next_round.push(r);
        }
    }
    progress.total.store(total, Ordering::Relaxed);
    progress.replied(read);
    found.one_read = atomic && next_round.is_empty();
    drop(replies);
    readings = next_round;
    // Longer lists and registries go on in pages, each round one
    // transaction of about ROUND_VALUES values: lists from
    // their tail (a worker popping the head shifts no page; a push at the
    // tail repeats an id, never skips one), several pages a round;
    // registries by rank, each range after a margin and checked against
    // where the last range's final members are now, so that members
    // leaving meanwhile skip none. Both filter on the client: a range
    // costs Redis a fraction of a millisecond per 10,000 members, ZSCAN
    // with MATCH about 17.
    while !readings.is_empty() {
        let mut p = redis::pipe();
        p.ignore_errors();
        let mut asked: Vec<usize> = Vec::new();
        let mut values = 0u64;
        for r in &mut readings {
            if values >= ROUND_VALUES {
                break;
            }
            let (replies, held) = r.ask(&mut p, SCAN_COUNT, LIST_PAGES_PER_ROUND);
            asked.push(replies);
            values += held;
        }
        let waiting = readings.split_off(asked.len());
        let mut held = Vec::new();
        let (replies, _) = transact(conn, raw.as_deref_mut(), &p, &mut held).await?;
        let mut replies = replies.iter();
        let mut read = 0u64;
        let mut next_round = Vec::new();
        for (mut r, pages) in readings.into_iter().zip(asked) {
            let (n, more) = r.take(&mut replies, pages, SCAN_COUNT, &mut matching);
            read += n;
            if more {
                next_round.push(r);
            }
        }
        drop(replies);
        next_round.extend(waiting);
        progress.replied(read);
        readings = next_round;
    }
    job_ids.sort();
    job_ids.dedup();
    let mut p = redis::pipe();
    p.ignore_errors();
    for id in &job_ids {
        p.cmd("HMGET").arg(keys.job(id)).arg(&FIELDS[..]);
        p.cmd("XREVRANGE")
            .arg(keys.results(id))
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(1);
    }
    let replies = super::rq::query_pipe(&mut p, conn).await?;
    let mut it = replies.iter();
    let mut jobs: Vec<Job> = Vec::new();
    for id in &job_ids {
        let fields = it.next().unwrap_or(&Value::Nil);
        let result = it.next();
        jobs.push(Job::from_reply(id, fields, result));
    }

    // Queue positions of waiting jobs.
    let mut p = redis::pipe();
    p.ignore_errors();
    let waiting: Vec<usize> = jobs
        .iter()
        .enumerate()
        .filter(|(_, j)| j.status.as_deref() == Some("queued") && j.origin.is_some())
        .map(|(i, _)| i)
        .collect();
    for &i in &waiting {
        p.cmd("LPOS")
            .arg(keys.queue(jobs[i].origin.as_deref().unwrap_or_default()))
            .arg(&jobs[i].id);
    }
    let replies = super::rq::query_pipe(&mut p, conn).await?;
    let mut positions = vec![None; jobs.len()];
    for (&i, reply) in waiting.iter().zip(&replies) {
        positions[i] = super::rq::count(reply).map(|p| p + 1);
    }
    found.jobs = jobs.into_iter().zip(positions).collect();
    Ok(found)
}
