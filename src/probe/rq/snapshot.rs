//! One read of RQ's state — queues, registries, workers, started jobs — in
//! three pipelined round trips, whatever the number of jobs stored.

use std::collections::BTreeSet;

use redis::Value;
use redis::aio::MultiplexedConnection;

use super::*;

/// Started-registry members read per queue of interest (the rest are counted).
pub const STARTED_LIMIT: isize = 1000;
/// Queues read at most; more are counted as not shown.
pub const QUEUE_LIMIT: usize = 1000;
/// rq 3.0 rate limits read at most.
pub const RATE_LIMIT_LIMIT: usize = 100;
/// Jobs held back by rate limits whose queue is read (one HMGET each);
/// past this, their queues are not known and their count is not shown as
/// any queue's.
const RATE_LIMITED_READ: usize = 1000;

const WORKER_FIELDS: [&str; 12] = [
    "hostname",
    "pid",
    "state",
    "queues",
    "current_job",
    "last_heartbeat",
    "birth",
    "death",
    "successful_job_count",
    "failed_job_count",
    "version",
    "total_working_time",
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueFacts {
    pub name: String,
    /// Named by `--queue`/`RECDIAG_QUEUES`.
    pub of_interest: bool,
    /// Listed in `rq:queues`.
    pub registered: bool,
    pub queued: Option<u64>,
    pub started: Option<u64>,
    pub failed: Option<u64>,
    pub deferred: Option<u64>,
    pub scheduled: Option<u64>,
    pub finished: Option<u64>,
    pub canceled: Option<u64>,
    /// rq 3.0: jobs of this queue a rate limit holds back (they wait on no
    /// queue). None: too many held to know whose they are.
    pub rate_limited: Option<u64>,
    /// When the longest-held of them was held back (its score in the
    /// rate limit's set).
    pub oldest_held_at: Option<jiff::Timestamp>,
    pub oldest_job_id: Option<String>,
    pub oldest_enqueued_at: Option<jiff::Timestamp>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkerFacts {
    pub name: String,
    /// False: listed in `rq:workers` but its hash is gone (a ghost).
    pub exists: bool,
    pub hostname: Option<String>,
    pub pid: Option<i64>,
    pub state: Option<String>,
    pub queues: Vec<String>,
    pub current_job: Option<String>,
    pub last_heartbeat: Option<jiff::Timestamp>,
    pub birth: Option<jiff::Timestamp>,
    pub death: Option<jiff::Timestamp>,
    pub successful_jobs: Option<u64>,
    pub failed_jobs: Option<u64>,
    pub version: Option<String>,
    /// Milliseconds left on its key (`rq:worker:<name>`): while it lives,
    /// RQ refuses a new worker of the same name.
    pub key_ttl_ms: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct StartedJob {
    pub queue: String,
    pub job_id: String,
    /// When the registry considers the job timed out (start + timeout + margin).
    pub expires_at: Option<jiff::Timestamp>,
    pub worker_name: Option<String>,
    pub job_exists: bool,
    /// The job's status when its hash was read, after the registry: a job
    /// that finished in between is no longer `started`.
    pub status: Option<String>,
    /// Its worker was not in the list read first but is registered now (a
    /// worker that started in between): alive, not gone.
    pub worker_registered_since: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RqSnapshot {
    /// The prefix RQ's keys were read under (`rq` unless RQ_KEY_PREFIX).
    pub key_prefix: String,
    pub queues: Vec<QueueFacts>,
    pub queues_not_shown: usize,
    pub workers: Vec<WorkerFacts>,
    pub started: Vec<StartedJob>,
    /// Started jobs of queues of interest beyond [`STARTED_LIMIT`].
    pub started_not_read: u64,
    /// Bad data met on the way: wrong key types, unparsable fields.
    pub anomalies: Vec<String>,
    /// Names of the clients connected to Redis (`CLIENT LIST`): RQ names a
    /// worker's connection after it. None: not permitted, or not read.
    pub client_names: Option<BTreeSet<String>>,
    /// How long Redis has run (INFO): a worker born before a restart
    /// reconnected unnamed, so a missing name proves nothing then.
    pub redis_uptime_s: Option<u64>,
    /// The app's own state around RQ (read by [`app_state`]).
    pub app: AppState,
}

impl RqSnapshot {
    /// Call SIDs of the started jobs read: their downloads run now.
    pub fn started_sids(&self) -> BTreeSet<String> {
        self.started
            .iter()
            .filter_map(|s| crate::sid::CallSid::find_in(&s.job_id).map(|sid| sid.to_string()))
            .collect()
    }
}

/// What the app keeps beside RQ's keys that says whether anything runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppState {
    /// `rq:suspended` is set: workers stay registered and run nothing.
    pub suspended: bool,
    /// `scheduler:global_lock` is present.
    pub scheduler_lock: bool,
    /// Epoch seconds of the newest `reminders_tick_<epoch>` job seen on
    /// queue `default` (waiting, running, or finished in the last minutes).
    pub newest_tick: Option<i64>,
}

/// The scheduler's trail is read among jobs that finished this recently.
const TRAIL_S: i64 = 300;
/// RQ's default result TTL: a finished job's registry score is end + 500 s.
const RESULT_TTL_S: i64 = 500;

/// Read `rq:suspended`, the scheduler's lock and its trail: one pipeline,
/// bounded (queue tail, started members, finished-registry members whose
/// expiry says they ended in the last few minutes).
pub async fn app_state(
    conn: &mut MultiplexedConnection,
    keys: &Keys,
    now: jiff::Timestamp,
) -> redis::RedisResult<AppState> {
    let now_s = now.as_second();
    let (replies, _) = query_snapshot(
        redis::pipe()
            .ignore_errors()
            .cmd("EXISTS")
            .arg(keys.suspended())
            .cmd("EXISTS")
            .arg("scheduler:global_lock")
            .cmd("LRANGE")
            .arg(keys.queue("default"))
            .arg(-100)
            .arg(-1)
            .cmd("ZRANGE")
            .arg(keys.started("default"))
            .arg(0)
            .arg(99)
            // Newest first: a busy default queue finishes more than the
            // limit in the window, and the newest tick is the one that counts.
            .cmd("ZREVRANGEBYSCORE")
            .arg(keys.finished("default"))
            .arg("+inf")
            .arg(now_s + RESULT_TTL_S - TRAIL_S)
            .arg("LIMIT")
            .arg(0)
            .arg(1000),
        conn,
    )
    .await?;
    let flag = |i: usize| replies.get(i).and_then(int) == Some(1);
    let newest_tick = replies
        .iter()
        .skip(2)
        .flat_map(texts)
        .filter_map(|id| {
            job_id_of_started_member(&id)
                .strip_prefix("reminders_tick_")
                .and_then(|e| e.parse::<i64>().ok())
        })
        .max();
    Ok(AppState {
        suspended: flag(0),
        scheduler_lock: flag(1),
        newest_tick,
    })
}

/// Read the snapshot. `interest` are the queues of interest.
pub async fn read(
    conn: &mut MultiplexedConnection,
    keys: &Keys,
    interest: &[String],
) -> redis::RedisResult<RqSnapshot> {
    let mut snap = RqSnapshot {
        key_prefix: keys.prefix().to_string(),
        ..RqSnapshot::default()
    };

    // Round trip 1: which queues and workers exist.
    let first: Vec<Value> = query_pipe(
        redis::pipe()
            .ignore_errors()
            .cmd("SMEMBERS")
            .arg(keys.queues())
            .cmd("SMEMBERS")
            .arg(keys.workers())
            .cmd("SMEMBERS")
            .arg(keys.rate_limit_keys()),
        conn,
    )
    .await?;
    let registered: BTreeSet<String> = first
        .first()
        .map(texts)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|k| match keys.queue_name(&k) {
            Some(name) => Some(name.to_string()),
            None => {
                snap.anomalies.push(format!(
                    "{} lists '{k}', which is not a queue key",
                    keys.queues()
                ));
                None
            }
        })
        .collect();
    if first.first().is_some_and(is_error) {
        snap.anomalies
            .push(format!("{} is not a set", keys.queues()));
    }
    if first.get(1).is_some_and(is_error) {
        snap.anomalies
            .push(format!("{} is not a set", keys.workers()));
    }
    let mut names: Vec<String> = interest.to_vec();
    names.extend(registered.iter().filter(|n| !interest.contains(n)).cloned());
    if names.len() > QUEUE_LIMIT {
        snap.queues_not_shown = names.len() - QUEUE_LIMIT;
        names.truncate(QUEUE_LIMIT);
    }
    let worker_keys: Vec<String> = first.get(1).map(texts).unwrap_or_default();
    let mut limits: Vec<String> = first.get(2).map(texts).unwrap_or_default();
    limits.sort();
    // Held jobs are attributed to their queues only when every limit and
    // every held job was read; else their count is not known (null).
    let mut all_read = true;
    if first.get(2).is_some_and(is_error) {
        snap.anomalies
            .push(format!("{} is not a set", keys.rate_limit_keys()));
        all_read = false;
    }
    if limits.len() > RATE_LIMIT_LIMIT {
        all_read = false;
        snap.anomalies.push(format!(
            "{} rate limits in {}: the first {RATE_LIMIT_LIMIT} are read",
            limits.len(),
            keys.rate_limit_keys()
        ));
        limits.truncate(RATE_LIMIT_LIMIT);
    }
    let per_limit = (RATE_LIMITED_READ / limits.len().max(1)).max(1);

    // Round trip 2: counts, queue heads, worker hashes, started members.
    let mut p = redis::pipe();
    p.ignore_errors();
    for q in &names {
        p.cmd("LLEN").arg(keys.queue(q));
        for key in [
            keys.started(q),
            keys.failed(q),
            keys.deferred(q),
            keys.scheduled(q),
            keys.finished(q),
            keys.canceled(q),
        ] {
            p.cmd("ZCARD").arg(key);
        }
        p.cmd("LINDEX").arg(keys.queue(q)).arg(0);
    }
    for key in &worker_keys {
        p.cmd("HMGET").arg(key).arg(&WORKER_FIELDS[..]);
        p.cmd("SMEMBERS").arg(format!("{key}:executions"));
        p.cmd("PTTL").arg(key);
    }
    for q in interest {
        p.cmd("ZRANGE")
            .arg(keys.started(q))
            .arg(0)
            .arg(STARTED_LIMIT - 1)
            .arg("WITHSCORES");
    }
    for l in &limits {
        p.cmd("ZCARD").arg(keys.rate_limited(l));
        p.cmd("ZRANGE")
            .arg(keys.rate_limited(l))
            .arg(0)
            .arg(per_limit - 1)
            .arg("WITHSCORES");
    }
    // One transaction: the started registries and the workers' hashes
    // as of one moment.
    let (second, _) = query_snapshot(&p, conn).await?;
    let mut it = second.iter();
    let mut next = || it.next().unwrap_or(&Value::Nil);

    for q in &names {
        let mut counts = [None; 7];
        for (i, slot) in counts.iter_mut().enumerate() {
            let v = next();
            if is_error(v) {
                snap.anomalies.push(format!(
                    "a registry of queue '{q}' has the wrong key type (#{i})"
                ));
            }
            *slot = count(v);
        }
        let head = next();
        snap.queues.push(QueueFacts {
            name: q.clone(),
            of_interest: interest.contains(q),
            registered: registered.contains(q),
            queued: counts[0],
            started: counts[1],
            failed: counts[2],
            deferred: counts[3],
            scheduled: counts[4],
            finished: counts[5],
            canceled: counts[6],
            rate_limited: Some(0),
            oldest_held_at: None,
            oldest_job_id: text(head),
            oldest_enqueued_at: None,
        });
    }
    for key in &worker_keys {
        let fields = next();
        let executions = next();
        let ttl = int(next()).filter(|t| *t >= 0);
        let mut w = worker_from(keys, key, fields, executions, &mut snap.anomalies);
        w.key_ttl_ms = ttl;
        snap.workers.push(w);
    }
    for q in interest {
        let reply = items(next());
        let total = snap
            .queues
            .iter()
            .find(|f| &f.name == q)
            .and_then(|f| f.started)
            .unwrap_or(0);
        snap.started_not_read += total.saturating_sub((reply.len() / 2) as u64);
        for pair in reply.chunks(2) {
            let member = pair.first().and_then(text).unwrap_or_default();
            let score = pair.get(1).and_then(float);
            snap.started.push(StartedJob {
                queue: q.clone(),
                job_id: job_id_of_started_member(&member).to_string(),
                expires_at: score.and_then(|s| jiff::Timestamp::from_second(s as i64).ok()),
                ..Default::default()
            });
        }
    }

    // Jobs held back by a rate limit, and how many of them were read.
    let mut held: Vec<(String, Option<jiff::Timestamp>)> = Vec::new();
    for l in &limits {
        let size = next();
        let members = next();
        if is_error(size) || is_error(members) {
            snap.anomalies
                .push(format!("{} is not a sorted set", keys.rate_limited(l)));
            all_read = false;
        }
        let pairs = items(members).chunks(2);
        all_read &= pairs.len() as u64 >= count(size).unwrap_or(0);
        for pair in pairs {
            let Some(id) = pair.first().and_then(text) else {
                continue;
            };
            let at = pair
                .get(1)
                .and_then(float)
                .and_then(|s| jiff::Timestamp::from_microsecond((s * 1e6) as i64).ok());
            held.push((id, at));
        }
    }

    // Who is connected, and since when Redis runs: each read on its own,
    // so that a user without +client or +info still gets the rest.
    if !snap.workers.is_empty() {
        if let Ok(list) = redis::cmd("CLIENT")
            .arg("LIST")
            .query_async::<String>(conn)
            .await
        {
            snap.client_names = Some(
                list.lines()
                    .filter_map(|l| {
                        l.split(' ')
                            .find_map(|f| f.strip_prefix("name="))
                            .filter(|n| !n.is_empty())
                            .map(str::to_string)
                    })
                    .collect(),
            );
        }
        snap.redis_uptime_s = crate::probe::redis::life(conn).await.uptime_s;
    }

    // Round trip 3: when the oldest waiting jobs were enqueued; who runs the
    // started ones.
    let heads: Vec<(usize, String)> = snap
        .queues
        .iter()
        .enumerate()
        .filter_map(|(i, q)| q.oldest_job_id.clone().map(|id| (i, id)))
        .collect();
    if heads.is_empty() && snap.started.is_empty() && held.is_empty() {
        return Ok(snap);
    }
    let mut p = redis::pipe();
    p.ignore_errors();
    for (_, id) in &heads {
        p.cmd("HMGET")
            .arg(keys.job(id))
            .arg("enqueued_at")
            .arg("created_at");
    }
    for s in &snap.started {
        p.cmd("HMGET")
            .arg(keys.job(&s.job_id))
            .arg("worker_name")
            .arg("status");
    }
    for (id, _) in &held {
        p.cmd("HGET").arg(keys.job(id)).arg("origin");
    }
    let third: Vec<Value> = query_pipe(&mut p, conn).await?;
    let mut it = third.iter();
    for (i, id) in &heads {
        let reply = items(it.next().unwrap_or(&Value::Nil));
        let at = reply.iter().filter_map(text).find_map(|t| parse_time(&t));
        if at.is_none() {
            snap.anomalies.push(format!(
                "oldest job {id} of queue '{}' has no readable enqueue time",
                snap.queues[*i].name
            ));
        }
        snap.queues[*i].oldest_enqueued_at = at;
    }
    for s in &mut snap.started {
        let reply = items(it.next().unwrap_or(&Value::Nil));
        s.job_exists = reply.iter().any(|v| !matches!(v, Value::Nil));
        s.worker_name = reply.first().and_then(text).filter(|w| !w.is_empty());
        s.status = reply.get(1).and_then(text);
    }
    // A held job whose hash is gone is dropped by RQ when its turn comes:
    // it waits for nothing.
    for (_, at) in &held {
        let origin = it.next().and_then(text);
        if let Some(q) = origin.and_then(|o| snap.queues.iter_mut().find(|q| q.name == o)) {
            q.rate_limited = q.rate_limited.map(|n| n + 1);
            q.oldest_held_at = match (q.oldest_held_at, *at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
    }
    if !all_read {
        for q in &mut snap.queues {
            q.rate_limited = None;
        }
    }

    // Round trip 4, only when a started job names a worker not read in
    // round 1: is it registered now? (A worker that started since.)
    let known: BTreeSet<&str> = snap.workers.iter().map(|w| w.name.as_str()).collect();
    let unknown: Vec<String> = snap
        .started
        .iter()
        .filter_map(|s| s.worker_name.clone())
        .filter(|w| !known.contains(w.as_str()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if unknown.is_empty() {
        return Ok(snap);
    }
    let mut p = redis::pipe();
    p.ignore_errors();
    for w in &unknown {
        p.cmd("EXISTS").arg(keys.worker(w));
    }
    let fourth: Vec<Value> = query_pipe(&mut p, conn).await?;
    let registered: BTreeSet<&str> = unknown
        .iter()
        .zip(&fourth)
        .filter(|(_, v)| int(v) == Some(1))
        .map(|(w, _)| w.as_str())
        .collect();
    for s in &mut snap.started {
        s.worker_registered_since = s
            .worker_name
            .as_deref()
            .is_some_and(|w| registered.contains(w));
    }
    Ok(snap)
}

/// A worker's facts from its `HMGET` reply (fields in `WORKER_FIELDS`'
/// order) and its `<worker>:executions` members; what does not parse is
/// absent, never fatal.
pub fn worker_from(
    keys: &Keys,
    key: &str,
    fields: &Value,
    executions: &Value,
    anomalies: &mut Vec<String>,
) -> WorkerFacts {
    let name = keys.worker_name(key).unwrap_or(key).to_string();
    if is_error(fields) {
        anomalies.push(format!("worker key {key} is not a hash"));
    }
    let values = items(fields);
    let get = |i: usize| values.get(i).filter(|v| !matches!(v, Value::Nil));
    let txt = |i: usize| get(i).and_then(text);
    let time = |i: usize| txt(i).as_deref().and_then(parse_time);
    // RQ 3.0 keeps the running job in `<worker>:executions`, not in the hash.
    let current_job = txt(4).filter(|j| !j.is_empty()).or_else(|| {
        texts(executions)
            .first()
            .map(|m| job_id_of_started_member(m).to_string())
    });
    WorkerFacts {
        exists: values.iter().any(|v| !matches!(v, Value::Nil)),
        hostname: txt(0),
        pid: get(1).and_then(int),
        state: txt(2),
        queues: txt(3)
            .map(|q| {
                q.split(',')
                    .map(str::trim)
                    .filter(|q| !q.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        current_job,
        last_heartbeat: time(5),
        birth: time(6),
        death: time(7),
        successful_jobs: get(8).and_then(count),
        failed_jobs: get(9).and_then(count),
        version: txt(10),
        key_ttl_ms: None,
        name,
    }
}
