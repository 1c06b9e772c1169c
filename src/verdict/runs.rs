//! Findings of the `runs` check: the troubleshooting guide's Key Metrics.

use std::collections::BTreeMap;

use crate::config::{ConfigError, SecretUrl};
use crate::model::{
    Check, CheckId, DuplicateCall, DurationMetrics, FailedRunMetrics, Finding, FindingCode,
    JobTypeCounts, Metrics, RunsMetrics, Status, StatusCounts, StuckRun,
};
use crate::probe::database::DbFailure;
use crate::probe::runs::{DurationStats, RunsFacts};
use crate::text;

use super::Thresholds;

const MAX_SUBJECTS: usize = 10;

/// What the runs probe came back with.
#[derive(Debug)]
pub enum RunsOutcome {
    Missing,
    Invalid(ConfigError),
    Failed {
        url: SecretUrl,
        failure: DbFailure,
    },
    SchemaMismatch {
        url: SecretUrl,
        missing: Vec<String>,
    },
    Read {
        url: SecretUrl,
        facts: RunsFacts,
    },
}

pub fn judge(outcome: RunsOutcome, window_s: f64, now: jiff::Timestamp, t: &Thresholds) -> Check {
    let empty = |url: Option<&SecretUrl>| RunsMetrics {
        database: url.map(|u| u.to_string()),
        window_s,
        ..Default::default()
    };
    let (url, facts) = match outcome {
        RunsOutcome::Missing => {
            return Check::new(
                CheckId::Runs,
                "no database configured (DATABASE_URL unset)".into(),
                Metrics::Runs(Box::new(empty(None))),
                vec![url_missing()],
            );
        }
        RunsOutcome::Invalid(e) => {
            return Check::new(
                CheckId::Runs,
                "database URL is invalid".into(),
                Metrics::Runs(Box::new(empty(None))),
                vec![url_invalid(&e)],
            );
        }
        RunsOutcome::Failed { url, failure } => {
            return Check::new(
                CheckId::Runs,
                format!("database at {url} unusable: {failure}"),
                Metrics::Runs(Box::new(empty(Some(&url)))),
                vec![database_unreachable(&url, &failure)],
            );
        }
        RunsOutcome::SchemaMismatch { url, missing } => {
            return Check::new(
                CheckId::Runs,
                format!("schema mismatch: missing {}", missing.join(", ")),
                Metrics::Runs(Box::new(empty(Some(&url)))),
                vec![
                    Finding::new(
                        FindingCode::SchemaMismatch,
                        format!("the database at {url} has no {}", missing.join(", ")),
                    )
                    .subjects(missing),
                ],
            );
        }
        RunsOutcome::Read { url, facts } => (url, facts),
    };

    let mut by_status = StatusCounts::default();
    let mut by_job_type = JobTypeCounts::default();
    let mut unknown_statuses: BTreeMap<String, u64> = BTreeMap::new();
    for (status, job_type, n) in &facts.counts {
        let per_type = match job_type.as_deref() {
            Some("download") => &mut by_job_type.download,
            Some("full") => &mut by_job_type.full,
            _ => &mut by_job_type.other,
        };
        for counts in [&mut by_status, per_type] {
            match status.as_str() {
                "queued" => counts.queued += n,
                "running" => counts.running += n,
                "completed" => counts.completed += n,
                "failed" => counts.failed += n,
                "cancelled" => counts.cancelled += n,
                _ => counts.other += n,
            }
        }
        if !matches!(
            status.as_str(),
            "queued" | "running" | "completed" | "failed" | "cancelled"
        ) {
            *unknown_statuses.entry(status.clone()).or_default() += n;
        }
    }
    let total: u64 = facts.counts.iter().map(|c| c.2).sum();
    let finished = by_status.completed + by_status.failed;
    let completion_rate = (finished > 0).then(|| by_status.completed as f64 / finished as f64);

    let mut anomalies = Vec::new();
    for (status, n) in &unknown_statuses {
        anomalies.push(format!(
            "{} with unknown status '{status}'",
            text::plural(*n, "run", "runs")
        ));
    }
    if facts.missing_timestamps > 0 {
        anomalies.push(format!(
            "{} completed without started_at or completed_at",
            text::plural(facts.missing_timestamps, "run", "runs")
        ));
    }
    if facts.completed_before_started > 0 {
        anomalies.push(format!(
            "{} completed before it started (clock or write error; left out of durations)",
            text::plural(facts.completed_before_started, "run", "runs")
        ));
    }

    let now_s = now.as_microsecond() as f64 / 1e6;
    let mut stuck_runs = Vec::new();
    let mut per_call: BTreeMap<&str, u64> = BTreeMap::new();
    for run in &facts.active {
        if let Some(sid) = run.call_sid.as_deref() {
            *per_call.entry(sid).or_default() += 1;
        }
        let (age, limit) = if run.status == "queued" {
            (run.created_at.map(|c| now_s - c), t.max_queued_run_age)
        } else {
            let timeout = if run.job_type.as_deref() == Some("full") {
                t.full_timeout
            } else {
                t.download_timeout
            };
            (
                run.started_at.or(run.created_at).map(|s| now_s - s),
                timeout,
            )
        };
        if age.is_some_and(|a| a > limit.as_secs_f64()) {
            stuck_runs.push(StuckRun {
                id: run.id,
                call_sid: run.call_sid.clone(),
                status: run.status.clone(),
                job_type: run.job_type.clone(),
                age_s: age,
            });
        }
    }
    let duplicates: Vec<DuplicateCall> = per_call
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(sid, n)| DuplicateCall {
            call_sid: sid.to_string(),
            active_runs: *n,
        })
        .collect();

    let metrics = RunsMetrics {
        database: Some(url.to_string()),
        window_s,
        total: Some(total),
        by_status: Some(by_status.clone()),
        by_job_type: Some(by_job_type),
        completion_rate,
        download_s: Some(durations(&facts.download)),
        queue_wait_s: Some(durations(&facts.queue_wait)),
        stuck: Some(stuck_runs.len() as u64),
        duplicate_active_calls: Some(duplicates.len() as u64),
        stuck_runs,
        duplicates,
        newest_failures: facts
            .failures
            .iter()
            .map(|f| FailedRunMetrics {
                id: f.id,
                call_sid: f.call_sid.clone(),
                job_type: f.job_type.clone(),
                created_at: f.created_at.and_then(timestamp),
                completed_at: f.completed_at.and_then(timestamp),
                error_message: f.error_message.clone(),
            })
            .collect(),
        anomalies,
    };
    let findings: Vec<Finding> = [
        low_completion_rate(&metrics, t),
        slow_downloads(&metrics, t),
        runs_stuck(&metrics, t),
        duplicate_active_runs(&metrics),
    ]
    .into_iter()
    .flatten()
    .collect();
    let summary = format!(
        "{} in {}: {} completed, {} failed{}, avg download {}, {} stuck",
        text::plural(total, "run", "runs"),
        text::seconds(window_s),
        text::count(by_status.completed),
        text::count(by_status.failed),
        completion_rate.map_or(String::new(), |r| format!(" ({:.1}% complete)", r * 100.0)),
        metrics
            .download_s
            .as_ref()
            .and_then(|d| d.avg)
            .map_or("—".to_string(), text::seconds),
        metrics.stuck.unwrap_or(0),
    );
    Check::new(
        CheckId::Runs,
        summary,
        Metrics::Runs(Box::new(metrics)),
        findings,
    )
}

fn durations(s: &DurationStats) -> DurationMetrics {
    DurationMetrics {
        count: s.count,
        avg: s.avg,
        p50: s.p50,
        p95: s.p95,
        max: s.max,
    }
}

fn timestamp(epoch_s: f64) -> Option<jiff::Timestamp> {
    jiff::Timestamp::from_microsecond((epoch_s * 1e6).round() as i64).ok()
}

/// DATABASE_URL_MISSING: no database configured.
pub fn url_missing() -> Finding {
    Finding::new(
        FindingCode::DatabaseUrlMissing,
        "DATABASE_URL is not set, nor DB_POSTGRESDB_HOST, and --database-url was not given",
    )
}

/// DATABASE_URL_MISSING for a URL that cannot be used.
pub fn url_invalid(e: &ConfigError) -> Finding {
    Finding::new(FindingCode::DatabaseUrlMissing, e.to_string())
        .hint("fix DATABASE_URL: postgresql://user:password@host:5432/db, or sqlite://path")
}

/// DATABASE_UNREACHABLE, saying which failure it was.
pub fn database_unreachable(url: &SecretUrl, failure: &DbFailure) -> Finding {
    let hint = match failure {
        DbFailure::Refused { .. } => "start PostgreSQL or fix the host/port in DATABASE_URL",
        DbFailure::Dns { .. } => {
            "the host name in DATABASE_URL does not resolve: check it and the network"
        }
        DbFailure::Auth { .. } => {
            "use the same user and password as the app (DATABASE_URL / DB_POSTGRESDB_*)"
        }
        DbFailure::Timeout { .. } => {
            "the database did not answer in time: check its load and locks (pg_stat_activity)"
        }
        DbFailure::Tls { .. } => "check sslmode in DATABASE_URL against the server's TLS setup",
        DbFailure::NotFound { .. } => "point DATABASE_URL at the app's database",
        DbFailure::Other { .. } => FindingCode::DatabaseUnreachable.default_hint(),
    };
    Finding::new(
        FindingCode::DatabaseUnreachable,
        format!("database at {url}: {failure}"),
    )
    .hint(hint)
}

/// LOW_COMPLETION_RATE: warning below `min_completion_rate`, critical below `crit_completion_rate`.
pub fn low_completion_rate(m: &RunsMetrics, t: &Thresholds) -> Option<Finding> {
    let pct = m.completion_rate? * 100.0;
    let severity = if pct < t.crit_completion_rate {
        Status::Critical
    } else if pct < t.min_completion_rate {
        Status::Warning
    } else {
        return None;
    };
    let s = m.by_status.as_ref()?;
    Some(
        Finding::new(
            FindingCode::LowCompletionRate,
            format!(
                "completion rate {pct:.1}% in the last {} ({} completed, {} failed; should be above {}%)",
                text::seconds(m.window_s),
                s.completed,
                s.failed,
                t.min_completion_rate
            ),
        )
        .severity(severity)
        .hint("read the newest failures below (recdiag runs) and the worker log; 401/403 from Twilio means credentials")
        .subjects(m.newest_failures.iter().filter_map(|f| f.call_sid.clone()).take(MAX_SUBJECTS)),
    )
}

/// SLOW_DOWNLOADS: average download time above `max_avg_download`.
pub fn slow_downloads(m: &RunsMetrics, t: &Thresholds) -> Option<Finding> {
    let d = m.download_s.as_ref()?;
    let avg = d.avg?;
    (avg > t.max_avg_download.as_secs_f64()).then(|| {
        Finding::new(
            FindingCode::SlowDownloads,
            format!(
                "downloads took {} on average (p95 {}, max {}) over {} runs; most should finish within {}",
                text::seconds(avg),
                d.p95.map_or("—".into(), text::seconds),
                d.max.map_or("—".into(), text::seconds),
                d.count,
                humantime::format_duration(t.max_avg_download)
            ),
        )
    })
}

/// RUNS_STUCK: queued too long, or running past the job timeout.
pub fn runs_stuck(m: &RunsMetrics, t: &Thresholds) -> Option<Finding> {
    if m.stuck_runs.is_empty() {
        return None;
    }
    let queued = m.stuck_runs.iter().filter(|r| r.status == "queued").count();
    let running = m.stuck_runs.len() - queued;
    Some(
        Finding::new(
            FindingCode::RunsStuck,
            format!(
                "{} stuck: {queued} queued longer than {}, {running} running past their job timeout ({} download, {} full)",
                text::plural(m.stuck_runs.len() as u64, "run", "runs"),
                humantime::format_duration(t.max_queued_run_age),
                humantime::format_duration(t.download_timeout),
                humantime::format_duration(t.full_timeout),
            ),
        )
        .subjects(m.stuck_runs.iter().filter_map(|r| r.call_sid.clone()).take(MAX_SUBJECTS)),
    )
}

/// DUPLICATE_ACTIVE_RUNS: one call with several queued/running runs.
pub fn duplicate_active_runs(m: &RunsMetrics) -> Option<Finding> {
    if m.duplicates.is_empty() {
        return None;
    }
    let worst = m
        .duplicates
        .iter()
        .map(|d| d.active_runs)
        .max()
        .unwrap_or(0);
    Some(
        Finding::new(
            FindingCode::DuplicateActiveRuns,
            format!(
                "{} more than one active run (up to {worst}): an enqueue loop?",
                text::plural(m.duplicates.len() as u64, "call has", "calls have"),
            ),
        )
        .subjects(
            m.duplicates
                .iter()
                .map(|d| d.call_sid.clone())
                .take(MAX_SUBJECTS),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics(completed: u64, failed: u64, avg: f64) -> RunsMetrics {
        RunsMetrics {
            window_s: 3600.0,
            by_status: Some(StatusCounts {
                completed,
                failed,
                ..Default::default()
            }),
            completion_rate: (completed + failed > 0)
                .then(|| completed as f64 / (completed + failed) as f64),
            download_s: Some(DurationMetrics {
                count: completed,
                avg: Some(avg),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn completion_rate_thresholds() {
        let t = Thresholds::default();
        assert!(low_completion_rate(&metrics(95, 5, 1.0), &t).is_none());
        assert_eq!(
            low_completion_rate(&metrics(94, 6, 1.0), &t)
                .unwrap()
                .severity,
            Status::Warning
        );
        assert_eq!(
            low_completion_rate(&metrics(79, 21, 1.0), &t)
                .unwrap()
                .severity,
            Status::Critical
        );
        assert!(low_completion_rate(&metrics(0, 0, 1.0), &t).is_none());
    }

    #[test]
    fn slow_download_threshold() {
        let t = Thresholds::default();
        assert!(slow_downloads(&metrics(1, 0, 60.0), &t).is_none());
        assert!(slow_downloads(&metrics(1, 0, 60.5), &t).is_some());
    }
}
