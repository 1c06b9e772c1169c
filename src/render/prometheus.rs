//! The node_exporter textfile format: `recdiag_` gauges with HELP and TYPE,
//! no sample timestamps, bounded labels (check, code, queue, state, status,
//! job_type, stat, liveness — never a SID, a job id or a worker name), and
//! zero-valued series for the known statuses and queues. A metric that was
//! not measured is left out rather than reported as 0.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use crate::model::{Check, FindingCode, Metrics, Report, Status};
use crate::text::decimal;
use crate::verdict::causes::Cause;
use crate::verdict::runs::cause_slot;

/// Metric families in first-use order, each with its samples.
#[derive(Default)]
struct Families {
    order: Vec<&'static str>,
    help: BTreeMap<&'static str, &'static str>,
    samples: BTreeMap<&'static str, Vec<String>>,
}

impl Families {
    fn add(&mut self, name: &'static str, help: &'static str, labels: &[(&str, &str)], value: f64) {
        if !self.help.contains_key(name) {
            self.order.push(name);
            self.help.insert(name, help);
        }
        let mut line = format!("recdiag_{name}");
        if !labels.is_empty() {
            let body: Vec<String> = labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
                .collect();
            let _ = write!(line, "{{{}}}", body.join(","));
        }
        let _ = write!(line, " {}", decimal(value));
        self.samples.entry(name).or_default().push(line);
    }

    fn opt(
        &mut self,
        name: &'static str,
        help: &'static str,
        labels: &[(&str, &str)],
        value: Option<f64>,
    ) {
        if let Some(v) = value {
            self.add(name, help, labels, v);
        }
    }

    fn write(&self, out: &mut impl Write) -> io::Result<()> {
        for name in &self.order {
            writeln!(
                out,
                "# HELP recdiag_{name} {}",
                self.help.get(name).copied().unwrap_or("")
            )?;
            writeln!(out, "# TYPE recdiag_{name} gauge")?;
            for s in self.samples.get(name).into_iter().flatten() {
                writeln!(out, "{s}")?;
            }
        }
        Ok(())
    }
}

/// A label value in the exposition format's escapes (`\\`, `\"`, `\n`);
/// other control characters (from Redis INFO, queue names…) written as
/// `\\u{…}`, so that no terminal showing the file obeys them.
fn escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c if crate::text::needs_escape(c) => {
                out.push_str(&format!("\\\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

const STATUSES: [Status; 4] = [
    Status::Ok,
    Status::Warning,
    Status::Critical,
    Status::Unknown,
];

/// Findings that mean the check could not look at its source.
fn could_not_run(check: &Check) -> bool {
    check.not_run
        || check
            .findings
            .iter()
            .any(|f| f.code.source().is_some() || f.code == FindingCode::InternalError)
}

pub fn render(report: &Report, out: &mut impl Write) -> io::Result<()> {
    let mut f = Families::default();
    for s in STATUSES {
        f.add(
            "status",
            "Overall status of this run, one-hot by status.",
            &[("status", s.as_str())],
            f64::from(report.status == s),
        );
    }
    f.add(
        "exit_code",
        "Exit code of this run: 0 ok, 1 warning, 2 critical, 3 unknown.",
        &[],
        f64::from(report.exit_code),
    );
    f.add(
        "last_run_timestamp_seconds",
        "When recdiag ran (a value, not a sample timestamp): alert when it stops moving.",
        &[],
        report.generated_at.as_microsecond() as f64 / 1e6,
    );
    for c in &report.checks {
        let id = c.id.as_str();
        f.add(
            "up",
            "1 when the check could reach and read its source, 0 when it could not.",
            &[("check", id)],
            f64::from(!could_not_run(c)),
        );
        for s in STATUSES {
            f.add(
                "check_status",
                "Status of each check, one-hot by status.",
                &[("check", id), ("status", s.as_str())],
                f64::from(c.status == s),
            );
        }
        f.add(
            "check_duration_seconds",
            "How long each check took.",
            &[("check", id)],
            c.duration_s,
        );
        let mut counts: BTreeMap<(&str, &str, &str), u64> = BTreeMap::new();
        for finding in &c.findings {
            let accepted = if finding.accepted { "true" } else { "false" };
            *counts
                .entry((finding.code.as_str(), finding.severity.as_str(), accepted))
                .or_default() += 1;
        }
        for ((code, severity, accepted), n) in counts {
            f.add(
                "findings",
                "Findings of each check by code and severity; accepted=\"true\" ones (--accept) do not count toward the status.",
                &[
                    ("check", id),
                    ("code", code),
                    ("severity", severity),
                    ("accepted", accepted),
                ],
                n as f64,
            );
        }
        metrics(&mut f, &c.metrics);
    }
    f.write(out)
}

fn metrics(f: &mut Families, m: &Metrics) {
    let n = |v: Option<u64>| v.map(|v| v as f64);
    match m {
        Metrics::Redis(r) => {
            f.opt(
                "redis_latency_seconds",
                "PING round trip.",
                &[],
                r.latency_s,
            );
            f.opt(
                "redis_used_memory_bytes",
                "Redis used_memory.",
                &[],
                n(r.used_memory_bytes),
            );
            f.opt(
                "redis_maxmemory_bytes",
                "Redis maxmemory (0: no limit).",
                &[],
                n(r.maxmemory_bytes),
            );
            f.opt(
                "redis_evicted_keys",
                "Keys Redis has evicted since it started.",
                &[],
                n(r.evicted_keys),
            );
            f.opt(
                "redis_connected_clients",
                "Clients connected to Redis.",
                &[],
                n(r.connected_clients),
            );
            f.opt("redis_uptime_seconds", "Redis uptime.", &[], n(r.uptime_s));
            if let Some(s) = &r.sentinel {
                f.add(
                    "redis_sentinels",
                    "Sentinels named in the Redis URL.",
                    &[],
                    s.sentinels as f64,
                );
                f.add(
                    "redis_sentinels_reached",
                    "Sentinels that answered for the master.",
                    &[],
                    s.reached as f64,
                );
            }
            if let (Some(v), Some(role), Some(policy)) = (&r.version, &r.role, &r.maxmemory_policy)
            {
                f.add(
                    "redis_info",
                    "Redis version, role and eviction policy (value 1).",
                    &[("version", v), ("role", role), ("maxmemory_policy", policy)],
                    1.0,
                );
            }
        }
        Metrics::Queues(q) => {
            for queue in &q.queues {
                let name = queue.name.as_str();
                for (state, v) in [
                    ("queued", queue.queued),
                    ("started", queue.started),
                    ("failed", queue.failed),
                    ("deferred", queue.deferred),
                    ("scheduled", queue.scheduled),
                    ("finished", queue.finished),
                    ("canceled", queue.canceled),
                    ("rate_limited", queue.rate_limited),
                ] {
                    f.opt(
                        "queue_jobs",
                        "RQ jobs per queue and registry.",
                        &[("queue", name), ("state", state)],
                        n(v),
                    );
                }
                f.opt(
                    "queue_oldest_queued_age_seconds",
                    "Age of the job at the head of each queue.",
                    &[("queue", name)],
                    queue.oldest_queued_age_s,
                );
                f.add(
                    "queue_workers",
                    "Live workers listening on each queue.",
                    &[("queue", name)],
                    queue.workers as f64,
                );
                f.opt(
                    "queue_abandoned_jobs",
                    "Started jobs whose worker is gone or whose timeout passed.",
                    &[("queue", name)],
                    n(queue.abandoned),
                );
            }
        }
        Metrics::Workers(w) => {
            let mut by: BTreeMap<&str, u64> = ["live", "stale", "dead", "ghost"]
                .into_iter()
                .map(|l| (l, 0))
                .collect();
            for worker in &w.workers {
                if let Some(c) = by.get_mut(worker.liveness.as_str()) {
                    *c += 1;
                }
            }
            // Workers that were not read have no count, not a zero.
            for (liveness, count) in by.into_iter().filter(|_| w.alive.is_some()) {
                f.add(
                    "workers",
                    "RQ workers by liveness (heartbeat age, not key existence).",
                    &[("liveness", liveness)],
                    count as f64,
                );
            }
            f.opt(
                "workers_suspended",
                "1 when rq:suspended is set (rq suspend): workers run nothing.",
                &[],
                w.suspended.map(f64::from),
            );
            f.opt(
                "scheduler_lock",
                "1 when scheduler:global_lock is present (absent ~15 s of every cycle).",
                &[],
                w.scheduler_lock.map(f64::from),
            );
            f.opt(
                "scheduler_last_tick_age_seconds",
                "Age of the newest reminders_tick job the scheduler enqueued.",
                &[],
                w.scheduler_last_tick_age_s,
            );
        }
        Metrics::Runs(r) => {
            f.add(
                "runs_window_seconds",
                "The statistics window.",
                &[],
                r.window_s,
            );
            if let Some(types) = &r.by_job_type {
                for (job_type, c) in [
                    ("download", &types.download),
                    ("full", &types.full),
                    ("other", &types.other),
                ] {
                    for (status, v) in [
                        ("queued", c.queued),
                        ("running", c.running),
                        ("completed", c.completed),
                        ("failed", c.failed),
                        ("cancelled", c.cancelled),
                        ("other", c.other),
                    ] {
                        f.add(
                            "runs",
                            "recording_runs created in the window, by status and job type.",
                            &[("status", status), ("job_type", job_type)],
                            v as f64,
                        );
                    }
                }
            }
            f.opt(
                "runs_completion_ratio",
                "completed / (completed + failed) in the window, stuck-recovery echoes left out.",
                &[],
                r.completion_rate,
            );
            if let Some(causes) = &r.failures_by_cause {
                for cause in Cause::ALL {
                    f.add(
                        "runs_failed_by_cause",
                        "Failed runs in the window by cause (the app's own error texts).",
                        &[("cause", cause.as_str())],
                        *cause_slot(&mut causes.clone(), cause) as f64,
                    );
                }
            }
            for (kind, v) in [
                ("active", r.superseded_active),
                ("failed", r.superseded_failures),
            ] {
                f.opt(
                    "runs_superseded",
                    "Runs superseded by a newer run of their call (the app's leftover rows): never alarmed on.",
                    &[("kind", kind)],
                    n(v),
                );
            }
            for (column, v) in [
                ("created_at", r.index_on_created_at),
                ("call_sid", r.index_on_call_sid),
            ] {
                f.opt(
                    "runs_indexed",
                    "1 when an index on recording_runs leads with the column.",
                    &[("column", column)],
                    v.map(f64::from),
                );
            }
            for (name, help, d) in [
                (
                    "runs_download_seconds",
                    "Download time (started_at to completed_at) in the window.",
                    &r.download_s,
                ),
                (
                    "runs_queue_wait_seconds",
                    "Queue wait (created_at to started_at) in the window.",
                    &r.queue_wait_s,
                ),
            ] {
                if let Some(d) = d {
                    for (stat, v) in [
                        ("avg", d.avg),
                        ("p50", d.p50),
                        ("p95", d.p95),
                        ("max", d.max),
                    ] {
                        f.opt(name, help, &[("stat", stat)], v);
                    }
                }
            }
            f.opt(
                "runs_stuck",
                "Runs queued too long or running past their timeout.",
                &[],
                n(r.stuck),
            );
            f.opt(
                "runs_killed",
                "Download runs a dead work-horse left running (WORKHORSE_KILLED).",
                &[],
                r.total.map(|_| r.killed_runs.len() as f64),
            );
            f.opt(
                "runs_duplicate_active_calls",
                "Calls with more than one active run.",
                &[],
                n(r.duplicate_active_calls),
            );
        }
        Metrics::RecordingsDir(d) => {
            f.add(
                "recordings_dir_exists",
                "1 when the recordings directory exists.",
                &[],
                f64::from(d.exists),
            );
            f.opt(
                "recordings_dir_readable",
                "1 when it can be listed.",
                &[],
                d.readable.map(f64::from),
            );
            f.opt(
                "recordings_dir_writable",
                "1 when this user may write to it.",
                &[],
                d.writable.map(f64::from),
            );
            f.opt(
                "recordings_mp3_files",
                ".mp3 files in the directory.",
                &[],
                n(d.mp3_files),
            );
            f.opt(
                "recordings_bytes",
                "Bytes of .mp3 files.",
                &[],
                n(d.total_bytes),
            );
            f.opt(
                "recordings_undersized_files",
                ".mp3 files of 1000 bytes or less.",
                &[],
                n(d.undersized_files),
            );
            f.opt(
                "recordings_past_retention_files",
                ".mp3 files older than the 7-day retention plus a day.",
                &[],
                n(d.files_past_retention),
            );
            f.opt(
                "recordings_newest_file_age_seconds",
                "Age of the newest .mp3 file.",
                &[],
                d.newest_file_age_s,
            );
            f.opt(
                "recordings_volume_free_bytes",
                "Free bytes on the volume holding the directory.",
                &[],
                n(d.free_bytes),
            );
            f.opt(
                "recordings_volume_size_bytes",
                "Size of that volume.",
                &[],
                n(d.size_bytes),
            );
        }
        Metrics::Consistency(c) => {
            f.opt(
                "consistency_orphaned_runs",
                "Active runs with no RQ job for their call.",
                &[],
                n(c.orphaned_runs),
            );
            if let Some(by) = &c.orphaned_runs_by_cause {
                for (cause, v) in by {
                    f.add(
                        "consistency_orphaned_runs_by_cause",
                        "Orphaned runs by why their job was lost (redis_restarted, evicted, enqueue_failed, unknown).",
                        &[("cause", cause.as_str())],
                        *v as f64,
                    );
                }
            }
            f.opt(
                "consistency_completed_runs_missing_file",
                "Completed runs whose file is absent.",
                &[],
                n(c.completed_runs_missing_file),
            );
            f.opt(
                "consistency_phantom_slots",
                "Download slots held by runs that are not running, their inflight markers live.",
                &[],
                n(c.phantom_slots),
            );
            f.opt(
                "consistency_blocked_businesses",
                "Businesses with phantom slots.",
                &[],
                n(c.blocked_businesses),
            );
            f.opt(
                "consistency_dead_runs_in_slot_queue",
                "Run ids waiting in rec_queue whose run already ended.",
                &[],
                n(c.dead_runs_in_slot_queue),
            );
            f.opt(
                "consistency_no_slot_failures",
                "Runs that failed with 'No slot available' in the window.",
                &[],
                n(c.no_slot_failures),
            );
            f.opt(
                "consistency_no_slot_failures_blocked",
                "Of those, the runs of businesses whose slots are phantom-held.",
                &[],
                n(c.no_slot_failures_blocked),
            );
            f.opt(
                "consistency_stale_locks",
                "Dedup locks with no job and no active run.",
                &[],
                n(c.stale_locks),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_as_textfile() {
        let mut out = Vec::new();
        render(&crate::render::sample::report(), &mut out).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap());
    }

    #[test]
    fn numbers_never_use_scientific_notation() {
        assert_eq!(decimal(1e-7), "0");
        assert_eq!(decimal(0.000123), "0.000123");
        assert_eq!(decimal(12.0), "12");
        assert_eq!(decimal(1.5e12), "1500000000000");
        assert_eq!(decimal(f64::NAN), "NaN");
        assert_eq!(escape("a\"b\\c\n"), "a\\\"b\\\\c\\n");
        assert_eq!(escape("x\u{1b}[31m"), "x\\\\u{1b}[31m");
    }
}
