//! Findings of the `runs` check: the troubleshooting guide's Key Metrics.

use std::collections::BTreeMap;

use crate::config::{ConfigError, DatabaseTarget, SecretUrl};
use crate::model::{
    CauseCounts, Check, CheckId, DuplicateCall, DurationMetrics, FailedRunMetrics, Finding,
    FindingCode, JobTypeCounts, KilledRun, Metrics, RunsMetrics, Status, StatusCounts, StuckRun,
};
use crate::probe::database::DbFailure;
use crate::probe::runs::{DurationStats, RunsFacts};
use crate::text;

use super::causes::Cause;

use super::Thresholds;

const MAX_SUBJECTS: usize = 10;

/// What the runs probe came back with.
#[derive(Debug)]
pub enum RunsOutcome {
    Missing,
    Invalid(ConfigError),
    Failed {
        target: DatabaseTarget,
        failure: DbFailure,
    },
    SchemaMismatch {
        target: DatabaseTarget,
        missing: Vec<String>,
    },
    Read {
        target: DatabaseTarget,
        facts: Box<RunsFacts>,
    },
}

/// What other sources know that the runs are judged with, so that one
/// fault is one finding and the hint follows the cause found elsewhere.
#[derive(Debug, Clone, Default)]
pub struct RunsContext {
    /// `No slot available` failures of businesses whose slots are
    /// phantom-held: the jam's, which PHANTOM_SLOTS reports.
    pub jammed: u64,
    /// Calls whose queued run has no job at all: ORPHANED_RUNS reports them.
    pub orphans: std::collections::BTreeSet<String>,
    /// Why queued runs are not picked up, from RQ's facts (None: not read,
    /// or nothing in them explains it).
    pub queued_cause: Option<String>,
    /// Calls with a job in RQ's started registry: their download runs now.
    pub downloading: std::collections::BTreeSet<String>,
    /// The slots held, by run id: (business, ms left on its marker, None:
    /// no marker). None: the slots were not read.
    pub slots: Option<BTreeMap<String, (i64, Option<i64>)>>,
}

pub fn judge(
    outcome: RunsOutcome,
    window_s: f64,
    now: jiff::Timestamp,
    t: &Thresholds,
    ctx: &RunsContext,
) -> Check {
    let empty = |target: Option<&DatabaseTarget>| RunsMetrics {
        database: target.map(|t| t.url.to_string()),
        database_source: target.map(|t| t.source.to_string()),
        window_s,
        ..Default::default()
    };
    let (target, facts) = match outcome {
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
        RunsOutcome::Failed { target, failure } => {
            return Check::new(
                CheckId::Runs,
                format!("database at {} unusable: {failure}", target.url),
                Metrics::Runs(Box::new(empty(Some(&target)))),
                vec![database_unreachable(&target, &failure)],
            );
        }
        RunsOutcome::SchemaMismatch { target, missing } => {
            return Check::new(
                CheckId::Runs,
                format!("schema mismatch: missing {}", missing.join(", ")),
                Metrics::Runs(Box::new(empty(Some(&target)))),
                vec![schema_mismatch(&target.url, &missing)],
            );
        }
        RunsOutcome::Read { target, facts } => (target, facts),
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
    let mut superseded_active = 0u64;
    // (business, call) → (active download, running download, active full)
    let mut per_call: BTreeMap<(Option<i64>, &str), (u64, u64, u64)> = BTreeMap::new();
    let mut killed_runs = Vec::new();
    for run in &facts.active {
        // A download run left running after its work-horse died: RQ ran
        // the job again as a newer run. WORKHORSE_KILLED's, nothing else's.
        if let Some(retried_as) = run.successor.filter(|_| run.status == "running") {
            killed_runs.push(killed_run(run, retried_as, ctx, now));
            continue;
        }
        if let Some(sid) = run.call_sid.as_deref() {
            let e = per_call.entry((run.business_id, sid)).or_default();
            if run.job_type.as_deref() == Some("full") {
                e.2 += 1;
            } else {
                e.0 += 1;
                e.1 += u64::from(run.status == "running");
            }
        }
        let file_valid = run
            .call_sid
            .as_ref()
            .is_some_and(|sid| facts.valid_files.contains(sid));
        if run.superseded || file_valid {
            superseded_active += 1;
            continue;
        }
        // A queued run with no job at all is ORPHANED_RUNS' to report.
        if run.status == "queued"
            && run
                .call_sid
                .as_ref()
                .is_some_and(|sid| ctx.orphans.contains(sid))
        {
            continue;
        }
        // The app's own stuck rule (spec §1 item 6): queued from
        // created_at, running from started_at.
        let (age, limit) = if run.status == "queued" {
            (run.created_at.map(|c| now_s - c), t.max_queued_run_age)
        } else {
            (
                run.started_at.or(run.created_at).map(|s| now_s - s),
                t.max_running_run_age,
            )
        };
        if age.is_some_and(|a| a > limit.as_secs_f64()) {
            stuck_runs.push(StuckRun {
                id: run.id,
                business_id: run.business_id,
                call_sid: run.call_sid.clone(),
                status: run.status.clone(),
                job_type: run.job_type.clone(),
                age_s: age,
            });
        }
    }
    // The app's own flow makes one API row and one worker row per
    // download, and a webhook's full run beside them (§1 items 3, 8).
    let duplicates: Vec<DuplicateCall> = per_call
        .iter()
        .filter(|(_, (downloads, running, full))| *downloads > 2 || *running > 1 || *full > 1)
        .map(|((_, sid), (downloads, _, full))| DuplicateCall {
            call_sid: sid.to_string(),
            active_runs: downloads + full,
        })
        .collect();

    let mut causes = CauseCounts::default();
    let mut echoes = 0u64;
    for g in &facts.failure_groups {
        if g.echo {
            echoes += g.count;
            continue;
        }
        *cause_slot(&mut causes, Cause::classify(g.head.as_deref())) += g.count;
    }
    // A run the 5-minute rule failed while its download still runs is not
    // a failure yet: it turns completed if the download finishes.
    let in_flight: u64 = facts
        .stuck_running
        .iter()
        .filter(|(sid, echo, _)| !echo && ctx.downloading.contains(sid))
        .map(|(_, _, n)| n)
        .sum();
    let in_flight = in_flight.min(causes.stuck_running);
    causes.stuck_running -= in_flight;
    echoes += in_flight;
    let dominant = dominant_cause(&causes);
    let failed_own = by_status.failed.saturating_sub(echoes);
    let finished = by_status.completed + failed_own;
    let completion_rate = (finished > 0).then(|| by_status.completed as f64 / finished as f64);

    let metrics = RunsMetrics {
        database: Some(target.url.to_string()),
        database_source: Some(target.source.to_string()),
        window_s,
        total: Some(total),
        by_status: Some(by_status.clone()),
        by_job_type: Some(by_job_type),
        completion_rate,
        download_s: Some(durations(&facts.download)),
        queue_wait_s: Some(durations(&facts.queue_wait)),
        stuck: Some(stuck_runs.len() as u64),
        duplicate_active_calls: Some(duplicates.len() as u64),
        superseded_active: Some(superseded_active),
        superseded_failures: Some(echoes),
        failures_by_cause: Some(causes),
        dominant_cause: dominant.map(|c| c.as_str().to_string()),
        completion_sample: Some(finished),
        index_on_created_at: facts.indexed("created_at"),
        index_on_call_sid: facts.indexed("call_sid"),
        stuck_runs,
        duplicates,
        killed_runs,
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
                cause: Cause::classify(f.error_message.as_deref())
                    .as_str()
                    .to_string(),
                superseded: f.echo,
            })
            .collect(),
        anomalies,
    };
    let findings: Vec<Finding> = [
        low_completion_rate_apart(&metrics, t, ctx.jammed),
        slow_downloads(&metrics, t),
        runs_stuck(&metrics, t, ctx.queued_cause.as_deref()),
        duplicate_active_runs(&metrics),
        workhorse_killed(&metrics, now),
        missing_index(&metrics, facts.rows_estimate),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut summary = format!(
        "{} in {}: {} completed, {} failed{}, avg download {}, {} stuck{}",
        text::plural(total, "run", "runs"),
        text::seconds(window_s),
        text::count(by_status.completed),
        text::count(failed_own),
        completion_rate.map_or(String::new(), |r| format!(" ({:.1}% complete)", r * 100.0)),
        metrics
            .download_s
            .as_ref()
            .and_then(|d| d.avg)
            .map_or("—".to_string(), text::seconds),
        metrics.stuck.unwrap_or(0),
        match (superseded_active, echoes) {
            (0, 0) => String::new(),
            (a, e) => format!("; {} superseded (the app's leftover rows)", a + e),
        },
    );
    if facts.active_left_out > 0 {
        summary.push_str(&format!(
            "; {} older active runs not read (the newest {} were)",
            text::count(facts.active_left_out),
            text::count(facts.active.len() as u64)
        ));
    }
    if let Some(why) = &facts.files_unread {
        summary.push_str(&format!(
            "; judged without the files ({why}): a run whose file is already valid may be counted as stuck"
        ));
    }
    Check::new(
        CheckId::Runs,
        summary,
        Metrics::Runs(Box::new(metrics)),
        findings,
    )
}

/// The counter of one cause.
/// The cause of most failures (ties to the cause listed first).
fn dominant_cause(causes: &CauseCounts) -> Option<Cause> {
    Cause::ALL
        .into_iter()
        .map(|c| (c, *cause_slot(&mut causes.clone(), c)))
        .filter(|(_, n)| *n > 0)
        .max_by_key(|(c, n)| (*n, std::cmp::Reverse(*c)))
        .map(|(c, _)| c)
}

pub fn cause_slot(c: &mut CauseCounts, cause: Cause) -> &mut u64 {
    match cause {
        Cause::DownloadError => &mut c.download_error,
        Cause::Timeout => &mut c.timeout,
        Cause::NoSlot => &mut c.no_slot,
        Cause::StuckRecovery => &mut c.stuck_recovery,
        Cause::StuckRunning => &mut c.stuck_running,
        Cause::WorkerOffline => &mut c.worker_offline,
        Cause::CallLogMissing => &mut c.call_log_missing,
        Cause::Cancelled => &mut c.cancelled,
        Cause::Other => &mut c.other,
    }
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

/// DATABASE_URL_INVALID: a URL is set but cannot be used.
pub fn url_invalid(e: &ConfigError) -> Finding {
    Finding::new(FindingCode::DatabaseUrlInvalid, e.to_string())
}

/// SCHEMA_MISMATCH: the database answers but lacks what the app writes.
pub fn schema_mismatch(url: &SecretUrl, missing: &[String]) -> Finding {
    Finding::new(
        FindingCode::SchemaMismatch,
        format!("the database at {url} has no {}", missing.join(", ")),
    )
    .subjects(missing.iter().cloned())
}

/// DATABASE_UNREACHABLE, saying which failure it was and where its URL
/// came from.
pub fn database_unreachable(target: &DatabaseTarget, failure: &DbFailure) -> Finding {
    let from = target.source;
    let hint = match failure {
        DbFailure::Refused { .. } => format!("start PostgreSQL or fix the host/port in {from}"),
        DbFailure::Dns { .. } => {
            format!("the host name in {from} does not resolve: check it and the network")
        }
        DbFailure::Auth { .. } => format!("use the same user and password as the app ({from})"),
        DbFailure::Timeout { .. } => {
            "the database did not answer in time: check its load and locks (pg_stat_activity)"
                .to_string()
        }
        DbFailure::Tls { .. } => {
            format!("check sslmode in {from} against the server's TLS setup")
        }
        DbFailure::NotFound { .. } => format!("point {from} at the app's database"),
        DbFailure::Denied { .. } => format!(
            "grant this role SELECT on recording_runs and call_log (GRANT SELECT ON recording_runs, call_log TO <role>), or use the app's own user ({from})"
        ),
        DbFailure::Other { .. } => FindingCode::DatabaseUnreachable.default_hint().to_string(),
    };
    Finding::new(
        FindingCode::DatabaseUnreachable,
        format!("database at {} ({from}): {failure}", target.url),
    )
    .hint(hint)
}

/// Below this many finished runs a completion rate is said to rest on few.
const FEW_RUNS: u64 = 20;

/// LOW_COMPLETION_RATE: warning below `min_completion_rate`, critical below
/// `crit_completion_rate`; names the dominant cause and gives its hint.
pub fn low_completion_rate(m: &RunsMetrics, t: &Thresholds) -> Option<Finding> {
    low_completion_rate_apart(m, t, 0)
}

/// LOW_COMPLETION_RATE judged without `jammed` of the `No slot available`
/// failures: those of businesses whose slots are phantom-held, which
/// PHANTOM_SLOTS reports. None when the other failures leave the rate high
/// enough: the jam is then the one fault, and one finding says it.
pub fn low_completion_rate_apart(m: &RunsMetrics, t: &Thresholds, jammed: u64) -> Option<Finding> {
    let mut causes = m.failures_by_cause.clone().unwrap_or_default();
    let jammed = jammed.min(causes.no_slot);
    let s = m.by_status.as_ref()?;
    let sample = m
        .completion_sample
        .unwrap_or(s.completed + s.failed)
        .saturating_sub(jammed);
    causes.no_slot -= jammed;
    let rate = if jammed > 0 {
        (sample > 0).then(|| s.completed as f64 / sample as f64)
    } else {
        m.completion_rate
    };
    let pct = rate? * 100.0;
    let severity = if pct < t.crit_completion_rate {
        Status::Critical
    } else if pct < t.min_completion_rate {
        Status::Warning
    } else {
        return None;
    };
    let failed = sample.saturating_sub(s.completed);
    let dominant = if jammed > 0 {
        dominant_cause(&causes)
    } else {
        m.dominant_cause
            .as_deref()
            .and_then(|d| Cause::ALL.into_iter().find(|c| c.as_str() == d))
    };
    let because = dominant.map_or(String::new(), |c| {
        format!(
            "; most failures: {} ({} of {failed})",
            c.label(),
            *cause_slot(&mut causes, c)
        )
    });
    let few = if sample < FEW_RUNS {
        format!(
            " — over only {}",
            text::plural(sample, "finished run", "finished runs")
        )
    } else {
        String::new()
    };
    let mut subjects: Vec<String> = Vec::new();
    for f in m.newest_failures.iter().filter(|f| !f.superseded) {
        let of_cause = dominant.is_none_or(|c| c.as_str() == f.cause);
        if let Some(sid) = f.call_sid.as_ref().filter(|_| of_cause)
            && !subjects.contains(sid)
            && subjects.len() < MAX_SUBJECTS
        {
            subjects.push(sid.clone());
        }
    }
    // The rate shown is the one every output shows (the metric); beside a
    // jam, the rate it was judged by is said with it.
    let (shown, apart) = match m.completion_rate {
        Some(all) if jammed > 0 => (
            all * 100.0,
            format!(
                "; {pct:.1}% not counting {} for want of a slot in a jammed business (PHANTOM_SLOTS)",
                text::plural(jammed, "download that failed", "downloads that failed")
            ),
        ),
        _ => (pct, String::new()),
    };
    Some(
        Finding::new(
            FindingCode::LowCompletionRate,
            format!(
                "completion rate {shown:.1}% in the last {} ({} completed, {} failed{apart}; should be above {}%){because}{few}",
                text::seconds(m.window_s),
                s.completed,
                failed + jammed,
                t.min_completion_rate
            ),
        )
        .severity(severity)
        .hint(dominant.map_or(FindingCode::LowCompletionRate.default_hint(), Cause::hint))
        .subjects(subjects),
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

/// RUNS_STUCK: runs that carry their call's fate, past the app's own
/// 5-minute rule. The hint follows what the statuses say; `health` refines
/// it with the workers' state (see `verdict::correlate`).
pub fn runs_stuck(m: &RunsMetrics, t: &Thresholds, queued_cause: Option<&str>) -> Option<Finding> {
    if m.stuck_runs.is_empty() {
        return None;
    }
    let queued = m.stuck_runs.iter().filter(|r| r.status == "queued").count() as u64;
    let running = m.stuck_runs.len() as u64 - queued;
    let hint = match (queued, running, queued_cause) {
        (_, 0, Some(cause)) => cause.to_string(),
        (_, 0, None) => STUCK_QUEUED_HINT.to_string(),
        (0, _, _) => STUCK_RUNNING_HINT.to_string(),
        (_, _, Some(cause)) => format!("{cause}; running ones: {STUCK_RUNNING_HINT}"),
        (_, _, None) => {
            "queued runs were not picked up and running ones did not finish: check recdiag workers and recdiag queues, then the worker log".to_string()
        }
    };
    Some(
        Finding::new(
            FindingCode::RunsStuck,
            format!(
                "{} past the app's own stuck rule: {queued} queued longer than {}, {running} running longer than {} (opening such a call fails the run and enqueues again)",
                text::plural(m.stuck_runs.len() as u64, "run", "runs"),
                humantime::format_duration(t.max_queued_run_age),
                humantime::format_duration(t.max_running_run_age),
            ),
        )
        .hint(hint)
        .subjects(unique(m.stuck_runs.iter().filter_map(|r| r.call_sid.clone()))),
    )
}

/// RUNS_STUCK's hint when queued runs were not picked up.
pub const STUCK_QUEUED_HINT: &str = "no worker picked these jobs up: check recdiag workers and recdiag queues (a worker down, rq suspend, or higher-priority queues hogging the one worker)";
/// RUNS_STUCK's hint when running runs did not finish.
pub const STUCK_RUNNING_HINT: &str = "downloads running over 5 min: a slow download (the network to Twilio) or a work-horse killed mid-job (recdiag failed shows 'Work-horse terminated'); check the worker log";

/// At most [`MAX_SUBJECTS`] distinct values, in order.
pub fn unique(values: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
            if out.len() == MAX_SUBJECTS {
                break;
            }
        }
    }
    out
}

/// A run left running by a dead work-horse, with the slot it holds.
fn killed_run(
    run: &crate::probe::runs::ActiveRun,
    retried_as: i64,
    ctx: &RunsContext,
    now: jiff::Timestamp,
) -> KilledRun {
    let slot = ctx
        .slots
        .as_ref()
        .map(|slots| slots.get(&run.id.to_string()).copied());
    KilledRun {
        id: run.id,
        business_id: run.business_id,
        call_sid: run.call_sid.clone(),
        started_at: run.started_at.and_then(timestamp),
        retried_as,
        slot_frees_at: slot
            .flatten()
            .and_then(|(_, ttl)| ttl)
            .and_then(|ms| text::expires(now, ms)),
        holds_slot: slot.map(|s| s.is_some()),
    }
}

/// WORKHORSE_KILLED: download runs a dead work-horse left `running`.
pub fn workhorse_killed(m: &RunsMetrics, now: jiff::Timestamp) -> Option<Finding> {
    let first = m.killed_runs.first()?;
    let slot = match (first.holds_slot, first.slot_frees_at, first.business_id) {
        (Some(true), Some(at), Some(b)) => format!(
            "; it holds a slot of business {b} until its marker expires at {} — the business downloads with one slot fewer until then",
            text::moment(now, at)
        ),
        (Some(true), None, Some(b)) => format!(
            "; it holds a slot of business {b} whose marker has expired: the business's next download frees it"
        ),
        (Some(false), _, _) => "; it holds no slot".to_string(),
        _ => String::new(),
    };
    let more = match m.killed_runs.len() {
        1 => String::new(),
        n => format!(" ({} in all)", text::plural(n as u64, "run", "runs")),
    };
    Some(
        Finding::new(
            FindingCode::WorkhorseKilled,
            format!(
                "run {} of call {} was left 'running' when its work-horse died mid-download{more}: RQ ran the same job again as run {}{slot}. The run stays 'running' for good once the call's file exists, else until a later open's stuck recovery fails it",
                first.id,
                first.call_sid.as_deref().unwrap_or("?"),
                first.retried_as,
            ),
        )
        .subjects(unique(m.killed_runs.iter().filter_map(|r| r.call_sid.clone()))),
    )
}

/// DUPLICATE_ACTIVE_RUNS: more active runs than the app's own flow makes.
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
                "{} more active runs than the app's own flow makes (one API row and one worker row per download, one full run; up to {worst} here): an enqueue loop?",
                text::plural(m.duplicates.len() as u64, "call has", "calls have"),
            ),
        )
        .subjects(unique(m.duplicates.iter().map(|d| d.call_sid.clone()))),
    )
}

/// MISSING_INDEX: no index leads with created_at (or call_sid).
pub fn missing_index(m: &RunsMetrics, rows: Option<f64>) -> Option<Finding> {
    let missing: Vec<&str> = [
        ("created_at", m.index_on_created_at),
        ("call_sid", m.index_on_call_sid),
    ]
    .into_iter()
    .filter(|(_, has)| *has == Some(false))
    .map(|(col, _)| col)
    .collect();
    if missing.is_empty() {
        return None;
    }
    let size = rows.filter(|r| *r >= 0.0).map_or(String::new(), |r| {
        format!(" (about {} rows)", text::count(r as u64))
    });
    Some(
        Finding::new(
            FindingCode::MissingIndex,
            format!(
                "no index on recording_runs leads with {}{size}: the app's and recdiag's queries on it scan the whole table",
                missing.join(" or ")
            ),
        )
        .hint(format!(
            "create it: {}",
            missing
                .iter()
                .map(|c| format!("CREATE INDEX CONCURRENTLY idx_recording_runs_{c} ON recording_runs ({c});"))
                .collect::<Vec<_>>()
                .join(" ")
        ))
        .subjects(missing.iter().map(|c| format!("recording_runs.{c}"))),
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

    /// `completed` runs, and failures by cause: (no slot, download errors).
    fn with_causes(completed: u64, no_slot: u64, errors: u64) -> RunsMetrics {
        let failed = no_slot + errors;
        RunsMetrics {
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
        }
    }

    #[test]
    fn a_jam_alone_is_one_finding() {
        let t = Thresholds::default();
        let m = with_causes(10, 6, 0);
        assert!(low_completion_rate(&m, &t).is_some());
        assert!(low_completion_rate_apart(&m, &t, 6).is_none());
    }

    #[test]
    fn another_cause_keeps_the_rate_a_finding_of_its_own() {
        // 4 completed, 4 failed for want of a slot, 1 download error:
        // 44 % with the jam, 80 % without it (still below 95 %).
        let f = low_completion_rate_apart(&with_causes(4, 4, 1), &Thresholds::default(), 4)
            .expect("the download error keeps the rate low");
        assert_eq!(f.severity, Status::Warning);
        assert!(f.message.contains("80.0%"), "{}", f.message);
        assert!(
            f.message.contains("not counting 4 downloads that failed"),
            "{}",
            f.message
        );
        assert!(!f.hint.contains("PHANTOM_SLOTS"), "{}", f.hint);
    }

    fn stuck(status: &str) -> StuckRun {
        StuckRun {
            id: 1,
            call_sid: Some("CA00000000000000000000000000000001".into()),
            status: status.into(),
            age_s: Some(400.0),
            ..Default::default()
        }
    }

    #[test]
    fn the_stuck_hint_follows_the_cause_rq_shows() {
        let t = Thresholds::default();
        let mut m = metrics(1, 0, 1.0);
        m.stuck_runs = vec![stuck("queued")];
        let cause = "no worker is alive: restart it";
        assert_eq!(runs_stuck(&m, &t, Some(cause)).unwrap().hint, cause);
        assert_eq!(runs_stuck(&m, &t, None).unwrap().hint, STUCK_QUEUED_HINT);
        m.stuck_runs = vec![stuck("running")];
        assert_eq!(
            runs_stuck(&m, &t, Some(cause)).unwrap().hint,
            STUCK_RUNNING_HINT
        );
        m.stuck_runs = vec![stuck("queued"), stuck("running")];
        let both = runs_stuck(&m, &t, Some(cause)).unwrap().hint;
        assert!(
            both.starts_with(cause) && both.contains(STUCK_RUNNING_HINT),
            "{both}"
        );
    }
}
