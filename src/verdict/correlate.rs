//! Rules that need more than one check's facts, applied once all checks of
//! a run have been judged: a finding's hint follows the cause another
//! check found, and one fault is not reported twice.

use crate::model::{Check, CheckId, Finding, FindingCode, Metrics, SourceKind, Status};

use super::Thresholds;
use super::runs::{STUCK_QUEUED_HINT, STUCK_RUNNING_HINT, low_completion_rate_apart};

/// The queue the app's downloads wait in.
const RECORDINGS: &str = "recordings";

pub fn refine(checks: &mut [Check], t: &Thresholds) {
    for source in [SourceKind::Redis, SourceKind::Database] {
        report_once(checks, source);
    }
    fold_jam_into_rate(checks, t);
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

/// A jam (critical PHANTOM_SLOTS: a business's slots held by runs that are
/// not running, and its downloads failing for want of one) also lowers the
/// completion rate. Those failures are the jam's to report: the rate is
/// judged without them, and LOW_COMPLETION_RATE stays only if the other
/// failures keep it low (then naming their cause, not the jam's).
fn fold_jam_into_rate(checks: &mut [Check], t: &Thresholds) {
    let jammed = checks
        .iter()
        .find(|c| c.id == CheckId::Consistency)
        .and_then(|c| {
            let critical = c
                .findings
                .iter()
                .any(|f| f.code == FindingCode::PhantomSlots && f.severity == Status::Critical);
            match &c.metrics {
                Metrics::Consistency(m) if critical => m.no_slot_failures_blocked,
                _ => None,
            }
        })
        .filter(|&n| n > 0);
    let Some(jammed) = jammed else {
        return;
    };
    let Some(runs) = checks.iter_mut().find(|c| c.id == CheckId::Runs) else {
        return;
    };
    let Some(at) = runs
        .findings
        .iter()
        .position(|f| f.code == FindingCode::LowCompletionRate)
    else {
        return;
    };
    let Metrics::Runs(m) = &runs.metrics else {
        return;
    };
    match low_completion_rate_apart(m, t, jammed) {
        Some(f) => runs.findings[at] = f,
        None => {
            runs.findings.remove(at);
        }
    }
    runs.restate();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CauseCounts, ConsistencyMetrics, RunsMetrics, StatusCounts};
    use crate::verdict::runs::low_completion_rate;

    /// `completed` runs, and failures by cause: (no slot, download errors).
    fn runs(completed: u64, no_slot: u64, errors: u64) -> Check {
        let failed = no_slot + errors;
        let m = RunsMetrics {
            window_s: 3600.0,
            by_status: Some(StatusCounts {
                completed,
                failed,
                ..Default::default()
            }),
            completion_rate: Some(completed as f64 / (completed + failed) as f64),
            completion_sample: Some(completed + failed),
            failures_by_cause: Some(CauseCounts {
                no_slot,
                download_error: errors,
                ..Default::default()
            }),
            dominant_cause: Some(
                if no_slot >= errors {
                    "no_slot"
                } else {
                    "download_error"
                }
                .into(),
            ),
            ..Default::default()
        };
        let findings = low_completion_rate(&m, &Thresholds::default())
            .into_iter()
            .collect();
        Check::new(
            CheckId::Runs,
            "runs".into(),
            Metrics::Runs(Box::new(m)),
            findings,
        )
    }

    /// PHANTOM_SLOTS at `severity`, `blocked` of its business's downloads
    /// failed for want of a slot.
    fn jam(severity: Status, blocked: u64) -> Check {
        let m = ConsistencyMetrics {
            no_slot_failures: Some(blocked),
            no_slot_failures_blocked: Some(blocked),
            ..Default::default()
        };
        let f =
            Finding::new(FindingCode::PhantomSlots, "business 7: 3 slots held").severity(severity);
        Check::new(
            CheckId::Consistency,
            "jam".into(),
            Metrics::Consistency(m),
            vec![f],
        )
    }

    fn rate(checks: &[Check]) -> Option<&Finding> {
        findings(checks, FindingCode::LowCompletionRate).next()
    }

    #[test]
    fn a_jam_alone_is_one_finding() {
        let mut checks = vec![runs(10, 6, 0), jam(Status::Critical, 6)];
        assert_eq!(rate(&checks).map(|f| f.severity), Some(Status::Critical));
        refine(&mut checks, &Thresholds::default());
        assert!(rate(&checks).is_none());
        assert_eq!(checks[0].status, Status::Ok);
    }

    #[test]
    fn another_cause_keeps_the_rate_a_finding_of_its_own() {
        // 4 completed, 4 failed for want of a slot, 1 download error:
        // 44 % with the jam, 80 % without it (still below 95 %).
        let mut checks = vec![runs(4, 4, 1), jam(Status::Critical, 4)];
        refine(&mut checks, &Thresholds::default());
        let f = rate(&checks).expect("the download error keeps the rate low");
        assert_eq!(f.severity, Status::Warning);
        assert!(f.message.contains("80.0%"), "{}", f.message);
        assert!(
            f.message.contains("not counting 4 downloads that failed"),
            "{}",
            f.message
        );
        assert!(!f.hint.contains("PHANTOM_SLOTS"), "{}", f.hint);
    }

    #[test]
    fn no_jam_no_change() {
        for jam in [jam(Status::Warning, 0), jam(Status::Critical, 0)] {
            let mut checks = vec![runs(10, 6, 0), jam];
            let before = rate(&checks).cloned();
            refine(&mut checks, &Thresholds::default());
            assert_eq!(rate(&checks).cloned(), before);
        }
    }
}
