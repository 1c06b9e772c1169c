//! Cross-source rules: where Redis, the database and the disk disagree.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Check, CheckId, ConsistencyMetrics, Finding, FindingCode, Metrics, Status};
use crate::probe::consistency::{ActiveRow, DbSide, RedisSide, SlotMember, SlotRun};
use crate::probe::redis::RedisLife;
use crate::text;

/// A queued run this young may still be on its way into RQ: the API
/// enqueues within milliseconds of the insert, and the read is consistent.
pub const ORPHAN_AFTER_S: f64 = 30.0;
const MAX_SUBJECTS: usize = 10;
/// The app's in-flight marker lives this long from when a slot is taken.
const INFLIGHT_TTL_MS: i64 = 900_000;
/// A slot taken this recently by a queued run may belong to a run about
/// to be marked `running` (the app takes the slot first): not phantom.
const SLOT_GRACE_MS: i64 = 10_000;

/// What each side gave: `Err` says why that side could not be read.
#[derive(Debug)]
pub struct ConsistencyFacts {
    pub db: Result<DbSide, Finding>,
    pub redis: Result<RedisSide, Finding>,
    /// Completed runs whose file is absent (None: the database was not read).
    pub missing_files: Option<Vec<String>>,
    /// Call SIDs of active runs whose `<SID>.mp3` is valid.
    pub valid_files: BTreeSet<String>,
    /// Orphan candidates whose jobs were looked for one by one, because a
    /// queue or registry was larger than the bounded read.
    pub looked_up: BTreeSet<String>,
    /// The runs behind the slots and slot queues, read after the slots in
    /// a newer snapshot, suspects confirmed (None: not read or not confirmed).
    pub run_statuses: Option<BTreeMap<i64, SlotRun>>,
    /// The slot suspects could not be read again: slots not judged.
    pub slots_unconfirmed: bool,
    /// Why the files were not compared although the directory exists.
    pub files_not_read: Option<String>,
    /// Why the parent legs of completed runs lacking their own file were
    /// not read from call_log (they were judged without them).
    pub parents_not_read: Option<String>,
    /// The window, for messages.
    pub window_s: f64,
    /// The recordings directory, when it does not exist: no comparison with
    /// the disk is made (RECORDINGS_DIR_MISSING is the directory check's).
    pub dir_missing: Option<String>,
}

pub fn judge(facts: ConsistencyFacts, now: jiff::Timestamp) -> Check {
    let mut m = ConsistencyMetrics::default();
    let mut findings = Vec::new();
    let now_s = now.as_microsecond() as f64 / 1e6;
    let (db, redis) = match (&facts.db, &facts.redis) {
        (Ok(db), Ok(redis)) => (Some(db), Some(redis)),
        (Ok(db), Err(f)) => {
            m.not_compared.push(format!(
                "runs against RQ jobs, locks and slots: Redis not read ({})",
                f.message
            ));
            findings.push(f.clone());
            (Some(db), None)
        }
        (Err(f), Ok(redis)) => {
            m.not_compared.push(format!(
                "anything against the database: not read ({})",
                f.message
            ));
            findings.push(f.clone());
            (None, Some(redis))
        }
        (Err(a), Err(b)) => {
            m.not_compared
                .push("nothing could be compared: neither Redis nor the database was read".into());
            findings.push(a.clone());
            findings.push(b.clone());
            (None, None)
        }
    };
    if let Some(db) = db {
        m.active_runs_checked = Some(db.active.len() as u64);
        m.completed_runs_checked = Some(db.completed.len() as u64);
        m.no_slot_failures = Some(db.no_slot_failures.values().sum());
    }
    if let Some(dir) = &facts.dir_missing {
        m.not_compared.push(format!(
            "completed runs against their files: the recordings directory {dir} does not exist"
        ));
    }
    if let Some(why) = &facts.files_not_read {
        m.not_compared
            .push(format!("runs against their files: {why}"));
    }
    if facts.slots_unconfirmed {
        m.not_compared.push(
            "slots against their runs: the suspects could not be read again to confirm them".into(),
        );
    }
    if let Some(db) = db {
        for (n, what) in [
            (db.active_left_out, "active runs"),
            (db.completed_left_out, "completed runs"),
            (db.recent_left_out, "recent runs (for dedup locks)"),
        ] {
            if n > 0 {
                m.not_compared.push(format!(
                    "{} {what}: older than the newest read, left out of the bounded read",
                    text::count(n)
                ));
            }
        }
    }
    if let Some(missing) = &facts.missing_files {
        m.completed_runs_missing_file = Some(missing.len() as u64);
        let parents_unknown = facts
            .parents_not_read
            .as_deref()
            .filter(|_| !missing.is_empty());
        if let Some(why) = parents_unknown {
            m.not_compared.push(format!(
                "child legs against their parent's file: call_log {why}"
            ));
        }
        findings.extend(completed_run_missing_file(missing, parents_unknown));
    }
    if let (Some(db), Some(redis)) = (db, redis) {
        m.rq_jobs_seen = Some(redis.jobs_seen);
        let (orphans, unknown) = orphans_of(&facts, db, redis, now_s);
        m.orphaned_runs = Some(orphans.len() as u64);
        let lost = lost_jobs(&orphans, &redis.life);
        m.orphaned_runs_by_cause = Some(
            LostJob::ALL
                .iter()
                .map(|c| {
                    let n = lost.get(c).map_or(0, Vec::len) as u64;
                    (c.as_str().to_string(), n)
                })
                .collect(),
        );
        m.orphans_not_compared = Some(unknown.len() as u64);
        if !unknown.is_empty() {
            m.not_compared.push(format!(
                "{} of queued runs against RQ: {} and the per-call lookups were used up",
                text::plural(unknown.len() as u64, "call", "calls"),
                unread_why(redis)
            ));
        }
        findings.extend(orphaned_runs(&orphans, &lost, &redis.life));
        // A lock is stale only when everything it could belong to was seen
        // (read without a transaction: its call looked up again, too).
        let stale = unexplained_locks(redis, db);
        let confirmed =
            redis.one_read || stale.iter().all(|(sid, _)| facts.looked_up.contains(*sid));
        let complete =
            redis.complete && confirmed && db.active_left_out == 0 && db.recent_left_out == 0;
        if !complete {
            m.not_compared.push(if confirmed {
                "dedup locks against jobs and active runs: a bounded read did not see everything"
                    .into()
            } else {
                format!(
                    "dedup locks against jobs and active runs: {}",
                    unread_why(redis)
                )
            });
        }
        let stale: Vec<String> = stale
            .into_iter()
            .filter(|_| complete)
            .map(|(_, key)| key.clone())
            .collect();
        m.stale_locks = complete.then_some(stale.len() as u64);
        findings.extend(stale_dedup_locks(&stale));
        if let Some(statuses) = &facts.run_statuses {
            let slots = slot_facts(redis, statuses);
            m.phantom_slots = Some(slots.phantoms.len() as u64);
            m.blocked_businesses = Some(
                slots
                    .phantoms
                    .iter()
                    .map(|p| p.business_id)
                    .collect::<BTreeSet<_>>()
                    .len() as u64,
            );
            m.dead_runs_in_slot_queue = Some(slots.dead_queued.len() as u64);
            let blocked: BTreeSet<i64> = slots.phantoms.iter().map(|p| p.business_id).collect();
            m.no_slot_failures_blocked = Some(
                blocked
                    .iter()
                    .filter_map(|b| db.no_slot_failures.get(b))
                    .sum(),
            );
            findings.extend(phantom_slots(
                &slots,
                &db.no_slot_failures,
                facts.window_s,
                now,
            ));
        }
    }
    let summary = if db.is_none() && redis.is_none() {
        "nothing compared: neither Redis nor the database could be read".to_string()
    } else {
        let part = |n: Option<u64>, one: &str, many: &str| n.map(|n| text::plural(n, one, many));
        let parts: Vec<String> = [
            part(m.orphaned_runs, "orphaned run", "orphaned runs"),
            part(
                m.completed_runs_missing_file,
                "completed run without file",
                "completed runs without file",
            ),
            part(m.phantom_slots, "phantom slot", "phantom slots"),
            part(m.stale_locks, "stale lock", "stale locks"),
        ]
        .into_iter()
        .flatten()
        .collect();
        let mut s = parts.join(", ");
        if !m.not_compared.is_empty() {
            let note = format!(
                "{} not made",
                text::plural(m.not_compared.len() as u64, "comparison", "comparisons")
            );
            s = if s.is_empty() {
                note
            } else {
                format!("{s} ({note})")
            };
        }
        s
    };
    Check::new(
        CheckId::Consistency,
        summary,
        Metrics::Consistency(m),
        findings,
    )
}

/// Dedup locks whose call has no job seen and no active run, as
/// (SID, key): STALE_DEDUP_LOCKS' candidates.
pub fn unexplained_locks<'a>(redis: &'a RedisSide, db: &DbSide) -> Vec<(&'a String, &'a String)> {
    let active: BTreeSet<&str> = db.active.iter().map(|r| r.call_sid.as_str()).collect();
    redis
        .locks
        .iter()
        .filter(|((_, sid), _)| !redis.job_sids.contains(sid) && !active.contains(sid.as_str()))
        .map(|((_, sid), key)| (sid, key))
        .collect()
}

/// Why RQ's side may have missed a job, in words.
fn unread_why(redis: &RedisSide) -> &'static str {
    if redis.complete {
        "the server refused MULTI, so RQ's queues and registries were read one after another (a job moving meanwhile can be missed)"
    } else {
        "the queues and registries hold more than was read"
    }
}

/// Calls whose queued run has no job in any queue or registry, and calls
/// that could not be compared (the bounded read did not see everything).
fn orphans_of(
    facts: &ConsistencyFacts,
    db: &DbSide,
    redis: &RedisSide,
    now_s: f64,
) -> (BTreeMap<String, Option<f64>>, BTreeSet<String>) {
    let mut orphans: BTreeMap<String, Option<f64>> = BTreeMap::new();
    let mut unknown: BTreeSet<String> = BTreeSet::new();
    for run in orphan_candidates(&db.active, &facts.valid_files, now_s) {
        if redis.job_sids.contains(&run.call_sid) {
            continue;
        }
        if (redis.complete && redis.one_read) || facts.looked_up.contains(&run.call_sid) {
            let age = run.created_at.map(|c| now_s - c);
            let e = orphans.entry(run.call_sid.clone()).or_insert(age);
            // The oldest queued run of the call says when the job was lost.
            if age > *e {
                *e = age;
            }
        } else {
            unknown.insert(run.call_sid.clone());
        }
    }
    (orphans, unknown)
}

/// The calls ORPHANED_RUNS names (for the runs check, which then leaves
/// them out of RUNS_STUCK: one fault, one finding).
pub fn orphan_sids(facts: &ConsistencyFacts, now: jiff::Timestamp) -> BTreeSet<String> {
    match (&facts.db, &facts.redis) {
        (Ok(db), Ok(redis)) => orphans_of(facts, db, redis, now.as_microsecond() as f64 / 1e6)
            .0
            .into_keys()
            .collect(),
        _ => BTreeSet::new(),
    }
}

/// The `No slot available` failures of businesses whose slots are
/// phantom-held: the jam's, which PHANTOM_SLOTS reports.
pub fn jammed_failures(facts: &ConsistencyFacts) -> u64 {
    let (Ok(db), Ok(redis), Some(statuses)) = (&facts.db, &facts.redis, &facts.run_statuses) else {
        return 0;
    };
    let blocked: BTreeSet<i64> = slot_facts(redis, statuses)
        .phantoms
        .iter()
        .map(|p| p.business_id)
        .collect();
    blocked
        .iter()
        .filter_map(|b| db.no_slot_failures.get(b))
        .sum()
}

/// Queued runs that carry their call's fate (not superseded by a newer run
/// or the call's valid file) and are older than the enqueue grace. Running
/// runs are not orphans: a worker picked them up ("never enqueued" would be
/// false); past 5 minutes they are RUNS_STUCK.
pub fn orphan_candidates<'a>(
    active: &'a [ActiveRow],
    valid_files: &'a BTreeSet<String>,
    now_s: f64,
) -> impl Iterator<Item = &'a ActiveRow> {
    active.iter().filter(move |r| {
        r.status == "queued"
            && !r.superseded
            && !valid_files.contains(&r.call_sid)
            && r.created_at.is_some_and(|c| now_s - c > ORPHAN_AFTER_S)
    })
}

/// Slot members held by runs that are not running, and queue entries
/// whose run already ended.
#[derive(Debug, Default)]
pub struct SlotFacts {
    pub phantoms: Vec<Phantom>,
    pub dead_queued: Vec<(i64, String)>,
}

#[derive(Debug)]
pub struct Phantom {
    pub business_id: i64,
    pub run_id: String,
    /// The run's status, or None when no such run exists.
    pub status: Option<String>,
    pub marker_ttl_ms: i64,
}

pub fn run_of<'a>(statuses: &'a BTreeMap<i64, SlotRun>, id: &str) -> Option<&'a SlotRun> {
    id.trim().parse::<i64>().ok().and_then(|n| statuses.get(&n))
}

/// Phantom means dead: a slot member whose marker is live and older than
/// the grace, whose run is not `running`, and for whose call no job is in
/// RQ's started registry (a live download whose run the app's stuck rule
/// failed still holds its slot rightly). The marker's time left, if so.
pub fn phantom_ttl(
    started_sids: &BTreeSet<String>,
    statuses: &BTreeMap<i64, SlotRun>,
    slot: &SlotMember,
) -> Option<i64> {
    // An expired marker frees itself on the business's next download.
    let ttl = slot.marker_ttl_ms.filter(|t| *t > 0)?;
    let run = run_of(statuses, &slot.run_id);
    if run.is_some_and(|r| r.status == "running") {
        return None;
    }
    // The app takes the slot, then marks its run running: a queued run
    // with a slot this fresh is on its way. (A run that had already failed
    // when `release_slot` handed it the slot is phantom at once.)
    let fresh = ttl != i64::MAX && ttl > INFLIGHT_TTL_MS - SLOT_GRACE_MS;
    if fresh && run.is_some_and(|r| r.status == "queued") {
        return None;
    }
    let downloading = run
        .and_then(|r| r.call_sid.as_ref())
        .is_some_and(|sid| started_sids.contains(sid));
    (!downloading).then_some(ttl)
}

/// Slot members that look phantom now and must be read again before
/// anything is said of them: (business id, run id).
pub fn slot_suspects(redis: &RedisSide, statuses: &BTreeMap<i64, SlotRun>) -> Vec<(i64, String)> {
    redis
        .slots
        .iter()
        .filter(|s| phantom_ttl(&redis.started_sids, statuses, s).is_some())
        .map(|s| (s.business_id, s.run_id.clone()))
        .collect()
}

pub fn slot_facts(redis: &RedisSide, statuses: &BTreeMap<i64, SlotRun>) -> SlotFacts {
    let mut out = SlotFacts::default();
    for s in &redis.slots {
        if let Some(ttl) = phantom_ttl(&redis.started_sids, statuses, s) {
            out.phantoms.push(Phantom {
                business_id: s.business_id,
                run_id: s.run_id.clone(),
                status: run_of(statuses, &s.run_id).map(|r| r.status.clone()),
                marker_ttl_ms: ttl,
            });
        }
    }
    for (bid, id) in &redis.slot_queue {
        let status = run_of(statuses, id).map(|r| r.status.as_str());
        if !matches!(status, Some("queued" | "running")) {
            out.dead_queued.push((*bid, id.clone()));
        }
    }
    out
}

/// PHANTOM_SLOTS: a business's slots held by runs that are not running,
/// their markers live; critical when downloads of it failed for want of a slot.
pub fn phantom_slots(
    slots: &SlotFacts,
    no_slot_failures: &BTreeMap<i64, u64>,
    window_s: f64,
    now: jiff::Timestamp,
) -> Option<Finding> {
    if slots.phantoms.is_empty() {
        return None;
    }
    let businesses: BTreeSet<i64> = slots.phantoms.iter().map(|p| p.business_id).collect();
    let failed_for_want: u64 = businesses
        .iter()
        .filter_map(|b| no_slot_failures.get(b))
        .sum();
    let parts: Vec<String> = businesses
        .iter()
        .map(|b| {
            let held: Vec<&Phantom> = slots.phantoms.iter().filter(|p| p.business_id == *b).collect();
            let runs = held
                .iter()
                .map(|p| format!("{} {}", p.run_id, p.status.as_deref().unwrap_or("absent")))
                .collect::<Vec<_>>()
                .join(", ");
            let longest = held.iter().map(|p| p.marker_ttl_ms).max().unwrap_or(0);
            let frees = text::expires(now, longest).map_or_else(
                || "never (a marker without expiry)".to_string(),
                |at| format!("at {}", text::moment(now, at)),
            );
            let waiting = slots.dead_queued.iter().filter(|(q, _)| q == b).count() as u64;
            // release_slot hands a freed slot to the next run id in the
            // queue, whatever became of it (spec §1 item 7).
            let next = if waiting > 0 {
                format!(
                    ", unless the {} still in rec_queue:{b} take{} them again: the next download of the business that releases a slot pushes one in for another 15 min",
                    text::plural(waiting, "dead run", "dead runs"),
                    if waiting == 1 { "s" } else { "" },
                )
            } else {
                String::new()
            };
            format!(
                "business {b}: {} held by runs that are not running ({runs}); the last frees itself {frees}{next}",
                text::plural(held.len() as u64, "slot", "slots"),
            )
        })
        .collect();
    let severity = if failed_for_want > 0 {
        Status::Critical
    } else {
        Status::Warning
    };
    let failed = if failed_for_want > 0 {
        format!(
            "; {} of {} failed with 'No slot available' in the last {}",
            text::plural(failed_for_want, "download", "downloads"),
            if businesses.len() == 1 {
                "that business"
            } else {
                "those businesses"
            },
            text::seconds(window_s)
        )
    } else {
        String::new()
    };
    // The commands, whole: the dead members and the dead queued ids.
    let commands: Vec<String> = businesses
        .iter()
        .map(|b| {
            let members: Vec<&str> = slots
                .phantoms
                .iter()
                .filter(|p| p.business_id == *b)
                .map(|p| p.run_id.as_str())
                .collect();
            let mut cmd = format!("redis-cli SREM rec_slots:{b} {}", members.join(" "));
            for (_, id) in slots.dead_queued.iter().filter(|(q, _)| q == b) {
                cmd.push_str(&format!("; redis-cli LREM rec_queue:{b} 0 {id}"));
            }
            cmd
        })
        .collect();
    Some(
        Finding::new(
            FindingCode::PhantomSlots,
            format!("{}{failed}", parts.join("; ")),
        )
        .hint(format!(
            "free them now: {}; and run at most 3 worker processes on 'recordings' per business until the app's release_slot skips failed runs",
            commands.join("; ")
        ))
        .severity(severity)
        .subjects(businesses.iter().map(|b| format!("rec_slots:{b}"))),
    )
}

/// Slack on Redis's uptime (whole seconds, read a moment after the runs).
const UPTIME_SLACK_S: f64 = 2.0;

/// Why a queued run has no job, from Redis's own evidence (spec §6
/// ORPHANED_RUNS): the job was lost with a Redis that restarted empty, or
/// evicted, or never enqueued by the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LostJob {
    /// Redis started after the run was created: the job and its lock were
    /// lost with it (the app's Redis has no volume of its own and no AOF).
    RedisRestarted,
    /// Redis evicted keys under an evicting policy: the job went with them.
    Evicted,
    /// Redis ran through, nothing evicted: the API's enqueue failed.
    EnqueueFailed,
    /// Redis's INFO could not be read: the cause is not known.
    Unknown,
}

impl LostJob {
    pub const ALL: [LostJob; 4] = [
        LostJob::RedisRestarted,
        LostJob::Evicted,
        LostJob::EnqueueFailed,
        LostJob::Unknown,
    ];

    /// The cause as a bounded label (JSON, Prometheus).
    pub fn as_str(self) -> &'static str {
        match self {
            LostJob::RedisRestarted => "redis_restarted",
            LostJob::Evicted => "evicted",
            LostJob::EnqueueFailed => "enqueue_failed",
            LostJob::Unknown => "unknown",
        }
    }

    pub fn of(life: &RedisLife, run_age_s: Option<f64>) -> LostJob {
        let Some(uptime) = life.uptime_s else {
            return LostJob::Unknown;
        };
        // INFO's uptime is whole seconds: a run must be older by more than
        // that to predate the server.
        if run_age_s.is_some_and(|age| age > uptime as f64 + UPTIME_SLACK_S) {
            return LostJob::RedisRestarted;
        }
        let evicting = life
            .maxmemory_policy
            .as_deref()
            .is_some_and(|p| p != "noeviction");
        if life.evicted_keys.is_some_and(|n| n > 0) && evicting {
            return LostJob::Evicted;
        }
        LostJob::EnqueueFailed
    }

    /// What happened, in words, with Redis's evidence.
    pub fn why(self, life: &RedisLife) -> String {
        match self {
            LostJob::RedisRestarted => format!(
                "Redis started {} ago, after the run was created: the job and its dedup lock were lost with it",
                text::seconds(life.uptime_s.unwrap_or(0) as f64)
            ),
            LostJob::Evicted => format!(
                "Redis evicted {} under its eviction policy: the job went with them",
                text::plural(life.evicted_keys.unwrap_or(0), "key", "keys")
            ),
            LostJob::EnqueueFailed => {
                "Redis ran through and evicted nothing: the API's enqueue failed after it inserted the run".into()
            }
            LostJob::Unknown => {
                "Redis's INFO could not be read, so whether Redis restarted or evicted is not known".into()
            }
        }
    }

    pub fn hint(self) -> &'static str {
        match self {
            LostJob::RedisRestarted => {
                "Redis restarted empty (killed, or removed and created anew): give the app's Redis a volume and appendonly yes so RQ's jobs survive; reopening a call enqueues again once its run is 5 min old"
            }
            LostJob::Evicted => {
                "raise Redis's maxmemory or set maxmemory-policy noeviction (the app's compose runs allkeys-lru): evicted jobs are gone; reopening a call enqueues again once its run is 5 min old"
            }
            LostJob::EnqueueFailed => {
                "the API's enqueue failed: check the API's Redis connection (REDIS_URL in the API) and its log for 'Failed to prepare recording'"
            }
            LostJob::Unknown => {
                "let recdiag's Redis user run INFO to tell a restart or an eviction from a failed enqueue; meanwhile check the API's log for 'Failed to prepare recording'"
            }
        }
    }
}

/// ORPHANED_RUNS: queued runs whose job is gone, each with its cause.
/// The orphans' SIDs by why their job was lost.
pub fn lost_jobs<'a>(
    orphans: &'a BTreeMap<String, Option<f64>>,
    life: &RedisLife,
) -> BTreeMap<LostJob, Vec<&'a str>> {
    let mut by_cause: BTreeMap<LostJob, Vec<&str>> = BTreeMap::new();
    for (sid, age) in orphans {
        by_cause
            .entry(LostJob::of(life, *age))
            .or_default()
            .push(sid);
    }
    by_cause
}

pub fn orphaned_runs(
    orphans: &BTreeMap<String, Option<f64>>,
    by_cause: &BTreeMap<LostJob, Vec<&str>>,
    life: &RedisLife,
) -> Option<Finding> {
    if orphans.is_empty() {
        return None;
    }
    let parts: Vec<String> = by_cause
        .iter()
        .map(|(cause, sids)| {
            format!(
                "{}: {}",
                text::plural(sids.len() as u64, "call", "calls"),
                cause.why(life)
            )
        })
        .collect();
    let main = by_cause
        .iter()
        .max_by_key(|(c, sids)| (sids.len(), std::cmp::Reverse(**c)))
        .map_or(LostJob::Unknown, |(c, _)| *c);
    Some(
        Finding::new(
            FindingCode::OrphanedRuns,
            format!(
                "{} a queued run older than {}, no newer run, no file and no RQ job in any queue or registry — {}",
                text::plural(orphans.len() as u64, "call has", "calls have"),
                text::seconds(ORPHAN_AFTER_S),
                parts.join("; ")
            ),
        )
        .hint(main.hint())
        .subjects(orphans.keys().take(MAX_SUBJECTS).cloned()),
    )
}

/// COMPLETED_RUN_MISSING_FILE: the worker finished, the API cannot see the file.
/// `parents_unknown`: why call_log could not be read, so that a child leg
/// whose recording is its parent's may be among them.
pub fn completed_run_missing_file(
    sids: &[String],
    parents_unknown: Option<&str>,
) -> Option<Finding> {
    (!sids.is_empty()).then(|| {
        Finding::new(
            FindingCode::CompletedRunMissingFile,
            format!(
                "{} completed in the window but {} no file in the recordings directory{}",
                text::plural(sids.len() as u64, "run", "runs"),
                if sids.len() == 1 { "has" } else { "have" },
                match parents_unknown {
                    Some(why) => format!(
                        " (call_log {why}: a child leg whose recording is its parent's would be counted here too)"
                    ),
                    None => String::new(),
                }
            ),
        )
        .subjects(sids.iter().take(MAX_SUBJECTS).cloned())
    })
}

/// STALE_DEDUP_LOCKS: a lock with no job and no active run.
pub fn stale_dedup_locks(keys: &[String]) -> Option<Finding> {
    (!keys.is_empty()).then(|| {
        Finding::new(
            FindingCode::StaleDedupLocks,
            format!(
                "{} present with no RQ job and no active run: opening those calls enqueues nothing until it expires",
                text::plural(keys.len() as u64, "dedup lock is", "dedup locks are")
            ),
        )
        .subjects(keys.iter().take(MAX_SUBJECTS).cloned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_job_is_named_by_redis_evidence() {
        let of = |up: Option<u64>, evicted: Option<u64>, policy: Option<&str>, age: Option<f64>| {
            let life = RedisLife {
                uptime_s: up,
                evicted_keys: evicted,
                maxmemory_policy: policy.map(str::to_string),
            };
            LostJob::of(&life, age)
        };
        let lru = Some("allkeys-lru");
        // Redis younger than the run: restarted empty.
        assert_eq!(
            of(Some(60), Some(0), lru, Some(100.0)),
            LostJob::RedisRestarted
        );
        // Whole-second uptime: a run a moment older is no restart.
        assert_eq!(
            of(Some(60), Some(0), lru, Some(61.5)),
            LostJob::EnqueueFailed
        );
        // Evictions under an evicting policy.
        assert_eq!(of(Some(600), Some(12), lru, Some(100.0)), LostJob::Evicted);
        // noeviction evicts nothing: a failed enqueue.
        assert_eq!(
            of(Some(600), Some(12), Some("noeviction"), Some(100.0)),
            LostJob::EnqueueFailed
        );
        // Without INFO, nobody can tell.
        assert_eq!(of(None, None, None, Some(100.0)), LostJob::Unknown);
    }

    const SID: &str = "CA00000000000000000000000000000007";

    fn slot(run_id: &str, age_s: i64) -> SlotMember {
        SlotMember {
            business_id: 7,
            run_id: run_id.into(),
            marker_ttl_ms: Some(INFLIGHT_TTL_MS - age_s * 1000),
        }
    }

    fn runs(rows: &[(i64, &str)]) -> BTreeMap<i64, SlotRun> {
        rows.iter()
            .map(|(id, status)| {
                (
                    *id,
                    SlotRun {
                        status: status.to_string(),
                        call_sid: Some(SID.into()),
                    },
                )
            })
            .collect()
    }

    #[test]
    fn phantom_means_dead() {
        let none = BTreeSet::new();
        let started: BTreeSet<String> = [SID.to_string()].into();
        let statuses = runs(&[
            (1, "running"),
            (2, "failed"),
            (3, "queued"),
            (4, "completed"),
        ]);
        // A running run holds its slot rightly.
        assert_eq!(phantom_ttl(&none, &statuses, &slot("1", 60)), None);
        // A failed run's slot is phantom — unless its call's job still runs
        // (the app's stuck rule failed a live download).
        assert!(phantom_ttl(&none, &statuses, &slot("2", 60)).is_some());
        assert_eq!(phantom_ttl(&started, &statuses, &slot("2", 60)), None);
        // A queued run that took its slot a moment ago is about to run...
        assert_eq!(phantom_ttl(&none, &statuses, &slot("3", 2)), None);
        // ...but not a minute later.
        assert!(phantom_ttl(&none, &statuses, &slot("3", 60)).is_some());
        // A run that had failed before release_slot handed it the slot is
        // phantom at once; so is a run id the table does not have.
        assert!(phantom_ttl(&none, &statuses, &slot("2", 1)).is_some());
        assert!(phantom_ttl(&none, &statuses, &slot("99", 1)).is_some());
        assert!(phantom_ttl(&none, &statuses, &slot("4", 60)).is_some());
        // An expired marker frees itself: never phantom.
        let expired = SlotMember {
            marker_ttl_ms: None,
            ..slot("2", 60)
        };
        assert_eq!(phantom_ttl(&none, &statuses, &expired), None);
    }

    #[test]
    fn suspects_are_what_would_be_phantom() {
        let side = RedisSide {
            slots: vec![slot("1", 60), slot("2", 60), slot("3", 2)],
            ..Default::default()
        };
        let statuses = runs(&[(1, "running"), (2, "failed"), (3, "queued")]);
        assert_eq!(slot_suspects(&side, &statuses), vec![(7, "2".to_string())]);
        let mut side = side;
        side.refresh_slot(7, "2", false, None);
        assert!(slot_suspects(&side, &statuses).is_empty());
    }
}
