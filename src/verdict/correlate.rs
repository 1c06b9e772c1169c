//! Rules that need more than one check's facts, applied once all checks of
//! a run have been judged: a finding's hint follows the cause another
//! check found, and one fault is not reported twice.

use crate::model::{Check, CheckId, Finding, FindingCode, Metrics};

use super::runs::{STUCK_QUEUED_HINT, STUCK_RUNNING_HINT};

/// The queue the app's downloads wait in.
const RECORDINGS: &str = "recordings";

pub fn refine(checks: &mut [Check]) {
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
        runs.accept(&[]);
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
            "no worker is alive: start it (docker compose up -d worker) and read its log".into(),
        );
    }
    let q = queue?;
    if q.workers == 0 {
        return Some(format!(
            "no live worker listens on '{RECORDINGS}': add it to the worker's RQ_QUEUES and restart the worker"
        ));
    }
    if q.queued.unwrap_or(0) > 0 {
        return Some(format!(
            "live workers listen on '{RECORDINGS}' but jobs wait: one worker serves every queue in priority order, so other queues' bursts delay recordings — add a worker for '{RECORDINGS}'"
        ));
    }
    None
}
