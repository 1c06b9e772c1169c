//! Rules that need more than one check's facts, applied once all checks of
//! a run have been judged: a finding's hint follows the cause another
//! check found, and one fault is not reported twice.

use crate::model::{Check, CheckId, Finding, FindingCode, Metrics, SourceKind};

use super::runs::{STUCK_QUEUED_HINT, STUCK_RUNNING_HINT};

/// The queue the app's downloads wait in.
const RECORDINGS: &str = "recordings";

pub fn refine(checks: &mut [Check]) {
    for source in [SourceKind::Redis, SourceKind::Database] {
        report_once(checks, source);
    }
    let orphans: Vec<String> = findings(checks, FindingCode::OrphanedRuns)
        .flat_map(|f| f.subjects.clone())
        .collect();
    let cause = queued_cause(checks);
    let Some(runs) = checks.iter_mut().find(|c| c.id == CheckId::Runs) else {
        return;
    };
    let mut changed = false;
    runs.findings.retain_mut(|f| {
        if f.code != FindingCode::RunsStuck {
            return true;
        }
        // A queued run with no job at all is ORPHANED_RUNS' to report.
        let before = f.subjects.len();
        f.subjects.retain(|s| !orphans.contains(s));
        changed |= f.subjects.len() != before;
        if f.subjects.is_empty() {
            return false;
        }
        if let Some(cause) = &cause
            && f.hint != STUCK_RUNNING_HINT
        {
            f.hint = if f.hint == STUCK_QUEUED_HINT {
                cause.clone()
            } else {
                format!("{cause}; running ones: {STUCK_RUNNING_HINT}")
            };
        }
        true
    });
    if changed {
        runs.restate();
    }
}

fn findings(checks: &[Check], code: FindingCode) -> impl Iterator<Item = &Finding> {
    checks
        .iter()
        .flat_map(|c| &c.findings)
        .filter(move |f| f.code == code)
}

/// Why queued runs are not picked up, from the workers and queues checks.
fn queued_cause(checks: &[Check]) -> Option<String> {
    let workers = checks.iter().find_map(|c| match &c.metrics {
        Metrics::Workers(w) if c.id == CheckId::Workers => Some(w),
        _ => None,
    });
    let queue = checks.iter().find_map(|c| match &c.metrics {
        Metrics::Queues(q) if c.id == CheckId::Queues => {
            q.queues.iter().find(|q| q.name == RECORDINGS)
        }
        _ => None,
    });
    let w = workers?;
    if w.suspended == Some(true) {
        return Some("the workers are suspended (rq suspend): run rq resume -u $REDIS_URL".into());
    }
    if w.alive == 0 && w.workers.iter().all(|w| !w.alive) {
        return Some(
            concat!(
                "no worker is alive: ",
                crate::restart_worker!(),
                ", then read its log"
            )
            .into(),
        );
    }
    let q = queue?;
    if q.workers == 0 {
        return Some(format!(
            "no live worker listens on '{RECORDINGS}': add it to the worker's RQ_QUEUES, then {}",
            crate::restart_worker!()
        ));
    }
    if q.queued.unwrap_or(0) > 0 {
        return Some(format!(
            "live workers listen on '{RECORDINGS}' but jobs wait: one worker serves every queue in priority order, so other queues' bursts delay recordings — add a worker for '{RECORDINGS}'"
        ));
    }
    None
}

/// One fault, one finding: a source that is missing, invalid or
/// unreachable is reported by the check that owns it (or, without that
/// check, by the first that met it); the others that need it say in their
/// summary that they could not run, and are UNKNOWN without a finding.
fn report_once(checks: &mut [Check], source: SourceKind) {
    let owner = match source {
        SourceKind::Redis => CheckId::Redis,
        SourceKind::Database => CheckId::Runs,
    };
    let has = |c: &Check| c.findings.iter().any(|f| f.code.source() == Some(source));
    let Some(reporter) = checks
        .iter()
        .position(|c| c.id == owner && has(c))
        .or_else(|| checks.iter().position(&has))
    else {
        return;
    };
    let Some(code) = checks[reporter]
        .findings
        .iter()
        .find(|f| f.code.source() == Some(source))
        .map(|f| f.code)
    else {
        return;
    };
    let by = checks[reporter].id.as_str();
    let why = match code {
        FindingCode::RedisUrlMissing => "Redis is not configured",
        FindingCode::RedisUrlInvalid => "the Redis URL is invalid",
        FindingCode::RedisUnreachable => "Redis is unreachable",
        FindingCode::DatabaseUrlMissing => "no database is configured",
        FindingCode::DatabaseUrlInvalid => "the database URL is invalid",
        FindingCode::SchemaMismatch => "the database lacks the app's tables",
        _ => "the database is unreachable",
    };
    for (i, c) in checks.iter_mut().enumerate() {
        if i == reporter || !has(c) {
            continue;
        }
        c.findings.retain(|f| f.code.source() != Some(source));
        c.not_run = true;
        c.summary = if c.id == CheckId::Consistency && !c.findings.is_empty() {
            format!(
                "partly run: {why} (the {by} check reports it); {}",
                c.summary
            )
        } else {
            format!("not run: {why} (the {by} check reports it)")
        };
        c.restate();
    }
}
