//! Cross-source rules: where Redis, the database and the disk disagree.

use std::collections::BTreeSet;

use crate::model::{Check, CheckId, ConsistencyMetrics, Finding, FindingCode, Metrics};
use crate::probe::consistency::{DbSide, RedisSide};
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
    }
    if let Some(missing) = &facts.missing_files {
        m.completed_runs_missing_file = Some(missing.len() as u64);
        findings.extend(completed_run_missing_file(missing));
    }
    if let (Some(db), Some(redis)) = (db, redis) {
        m.rq_jobs_seen = Some(redis.jobs_seen);
        let orphans: Vec<String> = db
            .active
            .iter()
            .filter(|(_, _, _, created)| created.is_some_and(|c| now_s - c > ORPHAN_AFTER_S))
            .filter(|(sid, _, _, _)| !redis.job_sids.contains(sid))
            .map(|(sid, _, _, _)| sid.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        m.orphaned_runs = Some(orphans.len() as u64);
        findings.extend(orphaned_runs(&orphans));
        let active: BTreeSet<&str> = db.active.iter().map(|(s, _, _, _)| s.as_str()).collect();
        let stale: Vec<String> = redis
            .locks
            .iter()
            .filter(|((_, sid), _)| !redis.job_sids.contains(sid) && !active.contains(sid.as_str()))
            .map(|(_, key)| key.clone())
            .collect();
        m.stale_locks = Some(stale.len() as u64);
        findings.extend(stale_dedup_locks(&stale));
        m.leaked_slots = Some(redis.leaked_slots.len() as u64);
        findings.extend(leaked_slots(&redis.leaked_slots));
    }
    let summary = if db.is_none() && redis.is_none() {
        "nothing compared: neither Redis nor the database could be read".to_string()
    } else {
        let part = |n: Option<u64>, what: &str| n.map(|n| format!("{n} {what}"));
        let parts: Vec<String> = [
            part(m.orphaned_runs, "orphaned runs"),
            part(m.completed_runs_missing_file, "completed without file"),
            part(m.leaked_slots, "leaked slots"),
            part(m.stale_locks, "stale locks"),
        ]
        .into_iter()
        .flatten()
        .collect();
        let mut s = parts.join(", ");
        if !m.not_compared.is_empty() {
            s.push_str(&format!(
                " ({} comparison(s) not made)",
                m.not_compared.len()
            ));
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

/// ORPHANED_RUNS: rows created but never enqueued.
pub fn orphaned_runs(sids: &[String]) -> Option<Finding> {
    (!sids.is_empty()).then(|| {
        Finding::new(
            FindingCode::OrphanedRuns,
            format!(
                "{} queued or running for over 2 min with no RQ job in any queue or registry (created, never enqueued)",
                text::plural(sids.len() as u64, "call has runs", "calls have runs")
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

/// LEAKED_SLOTS: slot members whose inflight marker expired.
pub fn leaked_slots(leaked: &[(i64, String)]) -> Option<Finding> {
    (!leaked.is_empty()).then(|| {
        let businesses: BTreeSet<i64> = leaked.iter().map(|(b, _)| *b).collect();
        Finding::new(
            FindingCode::LeakedSlots,
            format!(
                "{} held without a live rec_inflight marker ({}): downloads of {} are blocked",
                text::plural(leaked.len() as u64, "download slot is", "download slots are"),
                leaked.iter().take(MAX_SUBJECTS).map(|(b, r)| format!("rec_slots:{b} run {r}")).collect::<Vec<_>>().join(", "),
                text::plural(businesses.len() as u64, "business", "businesses")
            ),
        )
        .hint("remove the leaked members: SREM rec_slots:<business_id> <run_id> (the app does not free them itself)")
        .subjects(leaked.iter().take(MAX_SUBJECTS).map(|(b, r)| format!("rec_slots:{b}:{r}")))
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
