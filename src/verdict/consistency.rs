//! Cross-source rules: where Redis, the database and the disk disagree.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Check, CheckId, ConsistencyMetrics, Finding, FindingCode, Metrics, Status};
use crate::probe::consistency::{ActiveRow, DbSide, RedisSide};
use crate::text;

/// A queued/running run this young may still be on its way into RQ.
pub const ORPHAN_AFTER_S: f64 = 120.0;
const MAX_SUBJECTS: usize = 10;

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
    /// Statuses of the run ids in the slots and slot queues (None: not read).
    pub run_statuses: Option<BTreeMap<i64, String>>,
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
    if let Some(missing) = &facts.missing_files {
        m.completed_runs_missing_file = Some(missing.len() as u64);
        findings.extend(completed_run_missing_file(missing));
    }
    if let (Some(db), Some(redis)) = (db, redis) {
        m.rq_jobs_seen = Some(redis.jobs_seen);
        let mut orphans: BTreeSet<String> = BTreeSet::new();
        let mut unknown: BTreeSet<String> = BTreeSet::new();
        for run in orphan_candidates(&db.active, &facts.valid_files, now_s) {
            if redis.job_sids.contains(&run.call_sid) {
                continue;
            }
            if redis.complete || facts.looked_up.contains(&run.call_sid) {
                orphans.insert(run.call_sid.clone());
            } else {
                unknown.insert(run.call_sid.clone());
            }
        }
        let orphans: Vec<String> = orphans.into_iter().collect();
        m.orphaned_runs = Some(orphans.len() as u64);
        m.orphans_not_compared = Some(unknown.len() as u64);
        if !unknown.is_empty() {
            m.not_compared.push(format!(
                "{} of queued runs against RQ: the queues and registries hold more than was read and the per-call lookups were used up",
                text::plural(unknown.len() as u64, "call", "calls")
            ));
        }
        findings.extend(orphaned_runs(&orphans));
        let active: BTreeSet<&str> = db.active.iter().map(|r| r.call_sid.as_str()).collect();
        let stale: Vec<String> = redis
            .locks
            .iter()
            .filter(|((_, sid), _)| !redis.job_sids.contains(sid) && !active.contains(sid.as_str()))
            .map(|(_, key)| key.clone())
            .collect();
        m.stale_locks = Some(stale.len() as u64);
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
            findings.extend(phantom_slots(&slots, &db.no_slot_failures, facts.window_s));
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

pub fn slot_facts(redis: &RedisSide, statuses: &BTreeMap<i64, String>) -> SlotFacts {
    let status_of = |id: &str| {
        id.trim()
            .parse::<i64>()
            .ok()
            .and_then(|n| statuses.get(&n).cloned())
    };
    let mut out = SlotFacts::default();
    for s in &redis.slots {
        // An expired marker frees itself on the business's next download.
        let Some(ttl) = s.marker_ttl_ms.filter(|t| *t > 0) else {
            continue;
        };
        let status = status_of(&s.run_id);
        if status.as_deref() != Some("running") {
            out.phantoms.push(Phantom {
                business_id: s.business_id,
                run_id: s.run_id.clone(),
                status,
                marker_ttl_ms: ttl,
            });
        }
    }
    for (bid, id) in &redis.slot_queue {
        if !matches!(status_of(id).as_deref(), Some("queued" | "running")) {
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
            let waiting = slots.dead_queued.iter().filter(|(q, _)| q == b).count() as u64;
            let next = if waiting > 0 {
                format!(
                    "; {} waiting in rec_queue:{b} will take the slots next",
                    text::plural(waiting, "dead run", "dead runs")
                )
            } else {
                String::new()
            };
            format!(
                "business {b}: {} held by runs that are not running ({runs}) for up to {} more{next}",
                text::plural(held.len() as u64, "slot", "slots"),
                text::seconds(longest.min(86_400_000) as f64 / 1000.0),
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
    Some(
        Finding::new(
            FindingCode::PhantomSlots,
            format!("{}{failed}", parts.join("; ")),
        )
        .severity(severity)
        .subjects(businesses.iter().map(|b| format!("rec_slots:{b}"))),
    )
}

/// ORPHANED_RUNS: rows created but never enqueued.
pub fn orphaned_runs(sids: &[String]) -> Option<Finding> {
    (!sids.is_empty()).then(|| {
        Finding::new(
            FindingCode::OrphanedRuns,
            format!(
                "{} a queued run older than 2 min, no newer run, no file and no RQ job in any queue or registry (created, never enqueued)",
                text::plural(sids.len() as u64, "call has", "calls have")
            ),
        )
        .subjects(sids.iter().take(MAX_SUBJECTS).cloned())
    })
}

/// COMPLETED_RUN_MISSING_FILE: the worker finished, the API cannot see the file.
pub fn completed_run_missing_file(sids: &[String]) -> Option<Finding> {
    (!sids.is_empty()).then(|| {
        Finding::new(
            FindingCode::CompletedRunMissingFile,
            format!(
                "{} completed in the window but {} no file in the recordings directory",
                text::plural(sids.len() as u64, "run", "runs"),
                if sids.len() == 1 { "has" } else { "have" }
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
