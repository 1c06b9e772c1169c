//! Failed jobs grouped by cause: the exception type and its last line, with
//! what differs per job (URLs, SIDs, long numbers) masked, so "37× HTTPError
//! 401 …" reads as one cause.

use std::collections::HashMap;

use crate::model::{FailedJob, FailedQueue, FailedReport, FailureGroup, Finding, QueueMetrics};
use crate::probe::rq::age_s;
use crate::probe::rq::failed::FailedFacts;

use super::Thresholds;

pub fn report(
    facts: FailedFacts,
    limit: usize,
    now: jiff::Timestamp,
    t: &Thresholds,
    accepted: &[crate::model::FindingCode],
) -> FailedReport {
    let queues: Vec<FailedQueue> = facts
        .queues
        .iter()
        .map(|(name, failed)| FailedQueue {
            name: name.clone(),
            failed: *failed,
        })
        .collect();
    let findings: Vec<Finding> = queues
        .iter()
        .filter_map(|q| {
            super::rq::failed_jobs(
                &QueueMetrics {
                    name: q.name.clone(),
                    failed: q.failed,
                    ..Default::default()
                },
                t,
            )
        })
        .collect();
    let jobs: Vec<FailedJob> = facts
        .jobs
        .iter()
        .map(|e| {
            let job = &e.job;
            let last = job.exception_last_line().map(str::to_string);
            let failed_at = e.failed_at();
            FailedJob {
                id: job.id.clone(),
                queue: e.queue.clone(),
                exists: job.exists,
                call_sid: job.call_sid.clone(),
                func: job.func.clone(),
                kwargs: job.kwargs.clone(),
                status: job.status.clone(),
                failed_at,
                failed_age_s: failed_at.map(|at| age_s(now, at)),
                enqueued_at: job.enqueued_at,
                started_at: job.started_at,
                retries_left: job.retries_left,
                worker_name: job.worker_name.clone(),
                exception_type: last.as_deref().and_then(exception_type),
                cause: cause(job.exists, last.as_deref()),
                horse_killed: last.as_deref().is_some_and(is_horse_killed),
                run_id: job.kwargs.get("run_id").and_then(|r| r.trim().parse().ok()),
                run_error: None,
                exception_last_line: last,
                exception: job.exception.clone(),
                exception_source: job.exception_source,
                decode_errors: job.decode_errors.clone(),
            }
        })
        .collect();
    let mut findings = findings;
    findings.extend(killed_by_signal(&jobs));
    let groups = group(&jobs);
    let mut report = FailedReport::new(now, queues, limit, groups, jobs, findings, accepted);
    report.notes.push(DOWNLOADS_NEVER_HERE.into());
    if report.jobs.iter().any(|j| j.horse_killed) {
        report.notes.push(HORSE_KILLED.into());
    }
    report
}

/// This app's download jobs swallow their errors (spec §1 item 5).
pub const DOWNLOADS_NEVER_HERE: &str = "this app's download jobs catch their own errors: a failed download ends as a finished job and a failed run, never in this registry — see recdiag runs (failures by cause) and recdiag call <SID>";
/// What 'waitpid returned 256' means from this app (spec §1 item 5).
pub const HORSE_KILLED: &str = "'Work-horse terminated unexpectedly; waitpid returned 256' is this app's worker exception handler (wrong signature on rq >= 2) killing the work-horse before RQ stored the error: the real error is the run's error_message (shown as 'run error') and the worker log";

/// RQ's text for a work-horse killed from outside (a signal: the OOM
/// killer, `docker kill`) or by RQ's own hard kill past the job's timeout
/// (`waitpid returned None`) — never an exit status (256 is this app's
/// exception handler, [`is_horse_killed`]).
pub fn is_killed_by_signal(last_line: &str) -> bool {
    let Some((_, after)) =
        last_line.split_once("Work-horse terminated unexpectedly; waitpid returned ")
    else {
        return false;
    };
    after.starts_with("None") || after.contains("(signal ")
}

/// WORKHORSE_KILLED from the failed registry: jobs whose work-horse was
/// killed with no retry left.
fn killed_by_signal(jobs: &[FailedJob]) -> Option<Finding> {
    let killed: Vec<&FailedJob> = jobs
        .iter()
        .filter(|j| {
            j.exception_last_line
                .as_deref()
                .is_some_and(is_killed_by_signal)
        })
        .collect();
    let first = killed.first()?;
    let what = first
        .exception_last_line
        .as_deref()
        .map_or(String::new(), |l| {
            format!(" ('{}')", crate::text::truncate(l.trim(), 120))
        });
    Some(
        Finding::new(
            crate::model::FindingCode::WorkhorseKilled,
            format!(
                "{} killed mid-job with no retry left{what}: RQ moved {} to the failed registry, and a download run it was processing may be left 'running' (recdiag runs)",
                crate::text::plural(killed.len() as u64, "job's work-horse was", "jobs' work-horses were"),
                if killed.len() == 1 { "it" } else { "them" },
            ),
        )
        .subjects(
            killed
                .iter()
                .take(10)
                .map(|j| j.call_sid.clone().unwrap_or_else(|| j.id.clone())),
        ),
    )
}

/// RQ's text for a work-horse that exited with status 1 (256): from this
/// app, its own exception handler dying.
pub fn is_horse_killed(last_line: &str) -> bool {
    last_line.contains("Work-horse terminated unexpectedly")
        && last_line.contains("waitpid returned 256")
}

fn group(jobs: &[FailedJob]) -> Vec<FailureGroup> {
    let mut order: Vec<String> = Vec::new();
    let mut by_cause: HashMap<String, FailureGroup> = HashMap::new();
    for job in jobs {
        let g = by_cause.entry(job.cause.clone()).or_insert_with(|| {
            order.push(job.cause.clone());
            FailureGroup {
                cause: job.cause.clone(),
                count: 0,
                example_job: job.id.clone(),
                call_sids: Vec::new(),
            }
        });
        g.count += 1;
        if let Some(sid) = &job.call_sid
            && g.call_sids.len() < 10
            && !g.call_sids.contains(sid)
        {
            g.call_sids.push(sid.clone());
        }
    }
    let mut groups: Vec<FailureGroup> = order
        .into_iter()
        .filter_map(|c| by_cause.remove(&c))
        .collect();
    // Largest first; ties keep the newest-first order of their first job.
    groups.sort_by_key(|g| std::cmp::Reverse(g.count));
    groups
}

/// `module.HTTPError: 401 …` → `HTTPError`.
pub fn exception_type(last_line: &str) -> Option<String> {
    let (head, _) = last_line.split_once(':').unwrap_or((last_line, ""));
    let head = head.trim();
    let is_name = !head.is_empty()
        && head
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.');
    is_name.then(|| head.rsplit('.').next().unwrap_or(head).to_string())
}

/// The grouping key of one failure.
pub fn cause(exists: bool, last_line: Option<&str>) -> String {
    match last_line {
        Some(line) => {
            let short = match (exception_type(line), line.split_once(':')) {
                (Some(ty), Some((_, rest))) => format!("{ty}:{rest}"),
                _ => line.to_string(),
            };
            mask(&short)
        }
        None if !exists => "(job hash expired: no exception text left)".to_string(),
        None => "(no exception text recorded)".to_string(),
    }
}

/// Mask what differs from job to job.
fn mask(line: &str) -> String {
    let words: Vec<String> = line
        .split(' ')
        .map(|w| {
            let core =
                w.trim_matches(|c: char| matches!(c, '\'' | '"' | ',' | '(' | ')' | '.' | ';'));
            let masked = if core.starts_with("http://") || core.starts_with("https://") {
                Some("<url>")
            } else if is_sid_like(core) {
                Some("<sid>")
            } else if core.len() >= 6 && core.chars().all(|c| c.is_ascii_digit()) {
                Some("<n>")
            } else if core.len() >= 16 && core.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
                Some("<id>")
            } else {
                None
            };
            match masked {
                Some(m) if !core.is_empty() => w.replacen(core, m, 1),
                _ => w.to_string(),
            }
        })
        .collect();
    let joined = words.join(" ");
    if joined.chars().count() > 200 {
        format!("{}…", joined.chars().take(199).collect::<String>())
    } else {
        joined
    }
}

fn is_sid_like(w: &str) -> bool {
    w.len() == 34
        && w.is_char_boundary(2)
        && w[..2].chars().all(|c| c.is_ascii_uppercase())
        && w[2..].chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {

    #[test]
    fn only_signals_and_hard_kills_are_kills() {
        let t = "Work-horse terminated unexpectedly; waitpid returned ";
        assert!(is_killed_by_signal(&format!("{t}9 (signal 9); ")));
        assert!(is_killed_by_signal(&format!("{t}None; ")));
        assert!(!is_killed_by_signal(&format!("{t}256; ")));
        assert!(is_horse_killed(&format!("{t}256; ")));
        assert!(!is_killed_by_signal("ValueError: boom"));
    }

    use super::*;

    #[test]
    fn causes_mask_what_differs_per_job() {
        let a = "server.jobs.recording_job.HTTPError: 401 Client Error: Unauthorized for url: https://api.twilio.com/x/REaaaa";
        let b = "server.jobs.recording_job.HTTPError: 401 Client Error: Unauthorized for url: https://api.twilio.com/y/REbbbb";
        assert_eq!(cause(true, Some(a)), cause(true, Some(b)));
        assert_eq!(
            cause(true, Some(a)),
            "HTTPError: 401 Client Error: Unauthorized for url: <url>"
        );
        assert_eq!(
            cause(
                true,
                Some("KeyError: 'CA0123456789abcdef0123456789abcdef' 1795482588844")
            ),
            "KeyError: '<sid>' <n>"
        );
        assert_eq!(
            cause(false, None),
            "(job hash expired: no exception text left)"
        );
        assert_eq!(exception_type("ValueError"), Some("ValueError".into()));
        assert_eq!(exception_type("Something went wrong: x"), None);
    }
}
