//! Findings of the `queues` and `workers` checks, from one RQ snapshot.

use std::collections::HashMap;

use crate::config::{ConfigError, SecretUrl};
use crate::model::{
    Check, CheckId, Finding, FindingCode, Metrics, QueueMetrics, QueuesMetrics, Status,
    WorkerMetrics, WorkersMetrics,
};
use crate::probe::redis::RedisFailure;
use crate::probe::rq::age_s;
use crate::probe::rq::snapshot::{RqSnapshot, WorkerFacts};
use crate::text;

use super::Thresholds;

/// Subjects named at most in one finding.
const MAX_SUBJECTS: usize = 10;

/// What the RQ probe came back with.
#[derive(Debug)]
pub enum RqOutcome {
    Missing,
    Invalid(ConfigError),
    Failed {
        url: SecretUrl,
        failure: RedisFailure,
    },
    Read(RqSnapshot),
}

/// How alive a worker is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    Live,
    Stale,
    Dead,
    Ghost,
}

impl Liveness {
    fn as_str(self) -> &'static str {
        match self {
            Liveness::Live => "live",
            Liveness::Stale => "stale",
            Liveness::Dead => "dead",
            Liveness::Ghost => "ghost",
        }
    }
}

/// Heartbeat age decides, not key existence: RQ keeps a dead worker's
/// hash for minutes.
pub fn liveness(w: &WorkerFacts, now: jiff::Timestamp, t: &Thresholds) -> Liveness {
    if !w.exists {
        return Liveness::Ghost;
    }
    if w.death.is_some() {
        return Liveness::Dead;
    }
    let Some(hb) = w.last_heartbeat else {
        return Liveness::Stale;
    };
    let limit = if w.state.as_deref() == Some("busy") {
        t.stale_busy_heartbeat
    } else {
        t.stale_idle_heartbeat
    };
    if age_s(now, hb) > limit.as_secs_f64() {
        Liveness::Stale
    } else {
        Liveness::Live
    }
}

/// A live idle worker takes a waiting job within milliseconds, and
/// heart-beats when it does: one idle this long beside jobs waiting this
/// long in its queues is dead.
const DEAD_AFTER_S: f64 = 10.0;

/// How alive a worker is, from everything the snapshot says of it: its
/// heartbeat (see [`liveness`]), and its conduct — `idle` while jobs have
/// waited in a queue it listens on, no heartbeat since, and no Redis
/// connection named after it — and, where `CLIENT LIST` may be read and
/// this RQ names its connections, the missing connection itself (a worker
/// born before a Redis restart reconnected unnamed: not counted then).
/// `Some(why)` when dead by conduct.
pub fn liveness_in(
    w: &WorkerFacts,
    snap: &RqSnapshot,
    now: jiff::Timestamp,
    t: &Thresholds,
) -> (Liveness, Option<String>) {
    let by_heartbeat = liveness(w, now, t);
    if by_heartbeat != Liveness::Live {
        return (by_heartbeat, None);
    }
    let quiet_s = w.last_heartbeat.map_or(f64::INFINITY, |hb| age_s(now, hb));
    if quiet_s <= DEAD_AFTER_S {
        return (Liveness::Live, None);
    }
    let named = snap
        .client_names
        .as_ref()
        .map(|names| names.contains(&w.name));
    if named == Some(true) {
        return (Liveness::Live, None);
    }
    // Whether a missing name means anything: RQ 2 and 3 name a worker's
    // connection after it (seen on 2.6.1 and 3.0.0), and so does any RQ
    // whose other workers' names are connected — unless Redis restarted
    // after the worker was born (it reconnected unnamed).
    let naming = w
        .version
        .as_deref()
        .and_then(|v| v.split('.').next()?.parse::<u32>().ok())
        .is_some_and(|major| major >= 2)
        || snap.client_names.as_ref().is_some_and(|names| {
            snap.workers
                .iter()
                .any(|o| o.name != w.name && names.contains(&o.name))
        });
    let born_since_start = match (w.birth, snap.redis_uptime_s) {
        (Some(b), Some(up)) => age_s(now, b) < up as f64,
        _ => false,
    };
    let unnamed = named == Some(false) && naming && born_since_start;
    // Without that evidence, a live worker between two jobs may read idle
    // with a heartbeat as old as its last job's monitoring beat (30 s).
    let quiet_enough = if unnamed {
        DEAD_AFTER_S
    } else {
        QUIET_UNCONFIRMED_S
    };
    let idle = w.state.as_deref() != Some("busy");
    let waited = snap
        .queues
        .iter()
        .filter(|q| w.queues.contains(&q.name) && q.queued.unwrap_or(0) > 0)
        .filter_map(|q| q.oldest_enqueued_at.map(|at| (q, age_s(now, at))))
        .filter(|(_, age)| *age > DEAD_AFTER_S)
        .max_by(|a, b| a.1.total_cmp(&b.1));
    if idle
        && !snap.app.suspended
        && quiet_s > quiet_enough
        && let Some((q, age)) = waited
    {
        return (
            Liveness::Dead,
            Some(format!(
                "idle while a job has waited {} in '{}', no heartbeat for {}{}",
                text::seconds(age),
                q.name,
                text::seconds(quiet_s),
                match (unnamed, named) {
                    (true, _) => ", and no Redis connection named after it",
                    (false, None) => {
                        " (its connection could not be checked: CLIENT LIST is not permitted to this user)"
                    }
                    _ => "",
                }
            )),
        );
    }
    if unnamed {
        return (
            Liveness::Dead,
            Some(format!(
                "no Redis connection named after it, no heartbeat for {}",
                text::seconds(quiet_s)
            )),
        );
    }
    (Liveness::Live, None)
}

/// Quiet this long, idle beside waiting jobs, and no connection evidence
/// either way: dead (a busy worker beats every 30 s while its job runs).
const QUIET_UNCONFIRMED_S: f64 = 45.0;

/// Judge the snapshot into the `queues` and `workers` checks.
pub fn judge(outcome: RqOutcome, now: jiff::Timestamp, t: &Thresholds) -> (Check, Check) {
    let mut snap = match outcome {
        RqOutcome::Read(snap) => snap,
        other => {
            return (
                unavailable(CheckId::Queues, &other),
                unavailable(CheckId::Workers, &other),
            );
        }
    };
    // SMEMBERS has no order; people and diffs want one.
    snap.workers.sort_by(|a, b| a.name.cmp(&b.name));
    let judged: Vec<(Liveness, Option<String>)> = snap
        .workers
        .iter()
        .map(|w| liveness_in(w, &snap, now, t))
        .collect();
    let states: Vec<Liveness> = judged.iter().map(|(l, _)| *l).collect();
    let live: Vec<&WorkerFacts> = snap
        .workers
        .iter()
        .zip(&states)
        .filter(|(_, s)| **s == Liveness::Live)
        .map(|(w, _)| w)
        .collect();
    let mut listeners: HashMap<&str, u64> = HashMap::new();
    for w in &live {
        for q in &w.queues {
            *listeners.entry(q.as_str()).or_default() += 1;
        }
    }
    let live_names: Vec<&str> = live.iter().map(|w| w.name.as_str()).collect();

    // Started jobs of queues of interest whose worker is gone or whose time is up.
    let mut abandoned: HashMap<&str, Vec<&str>> = HashMap::new();
    for s in &snap.started {
        // A job that finished between the registry read and its hash's is
        // not abandoned; nor is one run by a worker registered since.
        let moved_on = s.job_exists && s.status.as_deref().is_some_and(|st| st != "started");
        if moved_on || s.worker_registered_since {
            continue;
        }
        // A job whose hash names no worker yet is being taken (RQ adds it
        // to the registry first): only its timeout can say it is abandoned.
        // A job whose hash is gone has no worker left to name.
        let worker_gone = match s.worker_name.as_deref() {
            Some(w) => !live_names.contains(&w),
            None => !s.job_exists,
        };
        let timed_out = s.expires_at.is_some_and(|e| e < now);
        if worker_gone || timed_out {
            abandoned
                .entry(s.queue.as_str())
                .or_default()
                .push(s.job_id.as_str());
        }
    }

    let queue_metrics: Vec<QueueMetrics> = snap
        .queues
        .iter()
        .map(|q| QueueMetrics {
            name: q.name.clone(),
            of_interest: q.of_interest,
            queued: q.queued,
            started: q.started,
            failed: q.failed,
            deferred: q.deferred,
            scheduled: q.scheduled,
            finished: q.finished,
            canceled: q.canceled,
            rate_limited: q.rate_limited,
            oldest_held_age_s: q.oldest_held_at.map(|at| age_s(now, at)),
            oldest_queued_age_s: q.oldest_enqueued_at.map(|at| age_s(now, at)),
            oldest_queued_job: q.oldest_job_id.clone(),
            workers: listeners.get(q.name.as_str()).copied().unwrap_or(0),
            abandoned: q
                .of_interest
                .then(|| abandoned.get(q.name.as_str()).map_or(0, |v| v.len() as u64)),
        })
        .collect();
    let interesting: Vec<&QueueMetrics> = queue_metrics.iter().filter(|q| q.of_interest).collect();

    let mut queue_findings = Vec::new();
    let suspended = snap.app.suspended;
    let any_live = states.contains(&Liveness::Live);
    let clash = snap
        .workers
        .iter()
        .any(|w| w.name == "prosaas-worker-1" && w.pid == Some(1));
    // Every queue name RQ or a worker knows, for QUEUE_UNKNOWN.
    let mut known: Vec<&str> = snap
        .queues
        .iter()
        .filter(|q| q.registered)
        .map(|q| q.name.as_str())
        .chain(
            snap.workers
                .iter()
                .flat_map(|w| w.queues.iter().map(String::as_str)),
        )
        .collect();
    known.sort_unstable();
    known.dedup();
    for q in &interesting {
        let registered = snap.queues.iter().any(|f| f.name == q.name && f.registered);
        if let Some(f) = queue_unknown(q, registered, &known) {
            queue_findings.push(f);
            continue;
        }
        // With no live worker at all, NO_WORKERS says it once.
        if any_live {
            queue_findings.extend(
                queue_not_watched(q).map(|f| if clash { f.hint(NAME_CLASH_HINT) } else { f }),
            );
        }
        queue_findings.extend(queue_backlog(q, t));
        // Under `rq suspend` nothing is picked up: WORKERS_SUSPENDED says
        // why, once; a stalled queue would only echo it.
        if !suspended {
            queue_findings.extend(queue_stalled(q, t));
        }
        queue_findings.extend(failed_jobs(q, t));
        queue_findings.extend(abandoned_jobs(q, abandoned.get(q.name.as_str())));
    }
    let waiting: u64 = interesting.iter().map(|q| q.waiting().unwrap_or(0)).sum();
    // Only a queue with jobs waiting needs a worker now.
    let unwatched = interesting
        .iter()
        .filter(|q| q.workers == 0 && q.waiting().unwrap_or(0) > 0)
        .count() as u64;
    let queues_summary = format!(
        "{} waiting, {} started, {} failed in {}{}{}",
        text::count(waiting),
        text::count(interesting.iter().map(|q| q.started.unwrap_or(0)).sum()),
        text::count(interesting.iter().map(|q| q.failed.unwrap_or(0)).sum()),
        interesting
            .iter()
            .map(|q| q.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        if snap.key_prefix.is_empty() || snap.key_prefix == crate::rq_keys::DEFAULT_PREFIX {
            String::new()
        } else {
            format!(" (RQ keys under '{}:')", snap.key_prefix)
        },
        if unwatched > 0 {
            format!(
                "; {} jobs waiting and no live worker",
                text::plural(unwatched, "queue has", "queues have")
            )
        } else {
            String::new()
        },
    );
    let queues = Check::new(
        CheckId::Queues,
        queues_summary,
        Metrics::Queues(QueuesMetrics {
            key_prefix: snap.key_prefix.clone(),
            queues: queue_metrics.clone(),
            queues_not_shown: snap.queues_not_shown as u64,
            anomalies: snap.anomalies.clone(),
        }),
        queue_findings,
    );

    let worker_metrics: Vec<WorkerMetrics> = snap
        .workers
        .iter()
        .zip(&states)
        .map(|(w, s)| WorkerMetrics {
            name: w.name.clone(),
            hostname: w.hostname.clone(),
            pid: w.pid,
            state: w.state.clone(),
            queues: w.queues.clone(),
            current_job: w.current_job.clone(),
            // A heartbeat written while recdiag reads is newer than its `now`.
            last_heartbeat_age_s: w.last_heartbeat.map(|hb| age_s(now, hb).max(0.0)),
            alive: *s == Liveness::Live,
            liveness: s.as_str().to_string(),
            successful_jobs: w.successful_jobs,
            failed_jobs: w.failed_jobs,
            version: w.version.clone(),
        })
        .collect();
    let count = |l: Liveness| states.iter().filter(|s| **s == l).count() as u64;
    let (alive, stale, dead, ghosts) = (
        count(Liveness::Live),
        count(Liveness::Stale),
        count(Liveness::Dead),
        count(Liveness::Ghost),
    );
    let bad: Vec<NotWorking> = worker_metrics
        .iter()
        .zip(&judged)
        .zip(&snap.workers)
        .filter(|((m, _), _)| !m.alive)
        .map(|((m, (_, why)), w)| NotWorking {
            worker: m,
            why: why.as_deref(),
            key_ttl_ms: w.key_ttl_ms,
        })
        .collect();
    let mut worker_findings = Vec::new();
    if alive == 0 {
        worker_findings.extend(no_live_worker(&snap.key_prefix, &bad, waiting));
    } else {
        worker_findings.extend(worker_stale(&snap.key_prefix, &bad, t));
    }
    if suspended {
        worker_findings.push(workers_suspended(
            &snap.key_prefix,
            alive,
            waiting,
            &interesting,
        ));
    }
    let tick_age = snap.app.newest_tick.map(|e| (now.as_second() - e) as f64);
    worker_findings.extend(scheduler_down(snap.app.scheduler_lock, tick_age));
    let workers_summary = format!(
        "{} alive, {} stale, {} ghost{}",
        alive,
        stale + dead,
        ghosts,
        if ghosts == 1 { "" } else { "s" }
    );
    let workers = Check::new(
        CheckId::Workers,
        workers_summary,
        Metrics::Workers(WorkersMetrics {
            workers: worker_metrics,
            alive: Some(alive),
            stale: Some(stale + dead),
            ghosts: Some(ghosts),
            suspended: Some(suspended),
            scheduler_lock: Some(snap.app.scheduler_lock),
            scheduler_last_tick_age_s: tick_age,
            anomalies: snap.anomalies,
        }),
        worker_findings,
    );
    (queues, workers)
}

/// The queue the app's downloads wait in.
const RECORDINGS: &str = "recordings";

/// Why queued runs are not picked up, from what RQ holds: the workers
/// suspended, none alive, none on the recordings queue, or the one worker
/// busy with other queues. None when nothing in RQ explains it.
pub fn queued_cause(snap: &RqSnapshot, now: jiff::Timestamp, t: &Thresholds) -> Option<String> {
    if snap.app.suspended {
        return Some("the workers are suspended (rq suspend): run rq resume -u $REDIS_URL".into());
    }
    let live: Vec<&WorkerFacts> = snap
        .workers
        .iter()
        .filter(|w| liveness_in(w, snap, now, t).0 == Liveness::Live)
        .collect();
    if live.is_empty() {
        return Some(format!(
            "no worker is alive: {}, then read its log",
            crate::restart_worker!()
        ));
    }
    let q = snap.queues.iter().find(|q| q.name == RECORDINGS)?;
    if !live
        .iter()
        .any(|w| w.queues.iter().any(|n| n == RECORDINGS))
    {
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

fn unavailable(id: CheckId, outcome: &RqOutcome) -> Check {
    let (summary, finding) = match outcome {
        RqOutcome::Missing => (
            "no Redis configured (REDIS_URL unset)".to_string(),
            super::redis::url_missing(),
        ),
        RqOutcome::Invalid(e) => (
            "Redis URL is invalid".to_string(),
            super::redis::url_invalid(e),
        ),
        RqOutcome::Failed { url, failure } => (
            format!("cannot read RQ: Redis at {url} unusable: {failure}"),
            super::redis::redis_unreachable(url, failure),
        ),
        RqOutcome::Read(_) => (
            "read".to_string(),
            Finding::new(FindingCode::InternalError, "unexpected state"),
        ),
    };
    Check::new(id, summary, Check::empty_metrics(id), vec![finding])
}

/// WORKERS_SUSPENDED: `rq suspend` is in force; critical while jobs wait.
pub fn workers_suspended(
    prefix: &str,
    alive: u64,
    waiting: u64,
    queues: &[&QueueMetrics],
) -> Finding {
    let prefix = if prefix.is_empty() {
        crate::rq_keys::DEFAULT_PREFIX
    } else {
        prefix
    };
    let key = format!("{prefix}:suspended");
    let names: Vec<String> = queues.iter().map(|q| q.name.clone()).collect();
    Finding::new(
        FindingCode::WorkersSuspended,
        format!(
            "{key} is set (rq suspend): {} stay registered and heart-beating but run nothing; {} waiting in {}",
            text::plural(alive, "live worker", "live workers"),
            text::plural(waiting, "job", "jobs"),
            names.join(", ")
        ),
    )
    .severity(if waiting > 0 {
        Status::Critical
    } else {
        Status::Warning
    })
    .subjects([key])
}

/// A tick this recent means the scheduler runs (its lock lives 90 s and
/// a winning tick comes every 90-105 s).
const TICK_FRESH_S: f64 = 180.0;

/// SCHEDULER_DOWN: neither the lock nor a recent tick. The lock alone is
/// absent ~15 s of every cycle, so it never decides by itself.
pub fn scheduler_down(lock: bool, last_tick_age_s: Option<f64>) -> Option<Finding> {
    if lock || last_tick_age_s.is_some_and(|a| a <= TICK_FRESH_S) {
        return None;
    }
    let last = last_tick_age_s.map_or("none seen".to_string(), |a| {
        format!("the newest {} ago", text::seconds(a))
    });
    Some(
        Finding::new(
            FindingCode::SchedulerDown,
            format!(
                "no scheduler:global_lock and no reminders_tick job on queue 'default' in the last 3 min ({last}): the scheduler is down, so periodic jobs such as the daily recordings cleanup do not run"
            ),
        )
        .subjects(["scheduler:global_lock".to_string()]),
    )
}

/// QUEUE_NOT_WATCHED's hint when the registered worker is the app's
/// `prosaas-worker-1` with PID 1 (spec §1 item 11): every worker container
/// has that name, so only one registers and the others crash-loop.
const NAME_CLASH_HINT: &str = "the registered worker is prosaas-worker-1 with PID 1: every worker container gets that name (server/worker.py names workers by PID), so RQ refuses the others ('There exists an active worker named ...') and only one of the multi-worker profile's workers or replicas runs — whichever won, on its queues; give each worker a unique name (e.g. hostname and PID), or run one worker on every queue";

/// QUEUE_NOT_WATCHED: waiting jobs and no live worker listening.
pub fn queue_not_watched(q: &QueueMetrics) -> Option<Finding> {
    let waiting = q.waiting().filter(|&n| n > 0)?;
    (q.workers == 0).then(|| {
        Finding::new(
            FindingCode::QueueNotWatched,
            format!(
                "queue '{}' has {} waiting and no live worker listens on it",
                q.name,
                text::plural(waiting, "job", "jobs")
            ),
        )
        .subjects([q.name.clone()])
    })
}

/// QUEUE_UNKNOWN: a queue of interest nobody knows — not in `rq:queues`,
/// in no worker's queues, empty — whose name is near one they know. Only
/// a near name counts: an unknown queue alone is also a fresh Redis (or
/// one restarted empty), where nothing has been enqueued yet.
pub fn queue_unknown(q: &QueueMetrics, registered: bool, known: &[&str]) -> Option<Finding> {
    // A size not read may hide jobs: only a queue measured empty counts.
    let used = q.sizes().iter().any(|n| *n != Some(0));
    if registered || used || known.contains(&q.name.as_str()) {
        return None;
    }
    let (_, near) = known
        .iter()
        .map(|k| (strsim::jaro_winkler(&q.name, k), *k))
        .filter(|(score, _)| *score >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))?;
    Some(
        Finding::new(
            FindingCode::QueueUnknown,
            format!(
                "queue '{}' of interest is not an RQ queue and no worker listens on it: did you mean '{near}'?",
                q.name
            ),
        )
        .subjects([q.name.clone()]),
    )
}

/// QUEUE_BACKLOG: warning at `max_backlog`, critical at `crit_backlog` waiting jobs.
/// A backlog whose oldest job has waited less than this is a burst being
/// drained (the busy pipeline sees 10 waiting whose head waited 3 s).
const BACKLOG_MIN_AGE_S: f64 = 30.0;

pub fn queue_backlog(q: &QueueMetrics, t: &Thresholds) -> Option<Finding> {
    let n = q.waiting()?;
    // The longest wait among them: the queue's head, or a job a rate limit
    // has held longer (its promotion restarts its enqueue time).
    let waited = match (q.oldest_queued_age_s, q.oldest_held_age_s) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    if waited.is_some_and(|age| age < BACKLOG_MIN_AGE_S) {
        return None;
    }
    let severity = if n >= t.crit_backlog {
        Status::Critical
    } else if n >= t.max_backlog {
        Status::Warning
    } else {
        return None;
    };
    Some(
        Finding::new(
            FindingCode::QueueBacklog,
            format!(
                "queue '{}' has {} waiting{}{} (warning at {}, critical at {})",
                q.name,
                text::plural(n, "job", "jobs"),
                match q.rate_limited {
                    Some(held) if held > 0 =>
                        format!(", {} held by a rate limit", text::count(held)),
                    _ => String::new(),
                },
                waited.map_or(String::new(), |a| format!(
                    ", the oldest for {}",
                    text::seconds(a)
                )),
                t.max_backlog,
                t.crit_backlog
            ),
        )
        .severity(severity)
        .subjects([q.name.clone()]),
    )
}

/// QUEUE_STALLED: the next job has waited too long although workers listen.
pub fn queue_stalled(q: &QueueMetrics, t: &Thresholds) -> Option<Finding> {
    let age = q.oldest_queued_age_s?;
    (q.workers > 0 && q.queued.unwrap_or(0) > 0 && age > t.max_queue_age.as_secs_f64()).then(|| {
        Finding::new(
            FindingCode::QueueStalled,
            format!(
                "the next job in '{}' has waited {} although {} listen",
                q.name,
                text::seconds(age),
                text::plural(q.workers, "live worker", "live workers")
            ),
        )
        .subjects([q.name.clone()])
    })
}

/// FAILED_JOBS: warning at `max_failed`, critical at `crit_failed`.
pub fn failed_jobs(q: &QueueMetrics, t: &Thresholds) -> Option<Finding> {
    let n = q.failed?;
    let severity = if n >= t.crit_failed {
        Status::Critical
    } else if n >= t.max_failed && n > 0 {
        Status::Warning
    } else {
        return None;
    };
    Some(
        Finding::new(
            FindingCode::FailedJobs,
            format!(
                "queue '{}' has {} in its failed registry",
                q.name,
                text::plural(n, "failed job", "failed jobs")
            ),
        )
        .severity(severity)
        .hint(format!(
            "see why: recdiag failed --queue {} (then the worker log: {} | grep -i error)",
            q.name,
            crate::worker_log!()
        ))
        .subjects([q.name.clone()]),
    )
}

/// ABANDONED_JOBS: started jobs whose worker is gone or whose timeout has passed.
pub fn abandoned_jobs(q: &QueueMetrics, jobs: Option<&Vec<&str>>) -> Option<Finding> {
    let jobs = jobs.filter(|j| !j.is_empty())?;
    Some(
        Finding::new(
            FindingCode::AbandonedJobs,
            format!(
                "{} in '{}' started by a worker that is no longer alive, or past its timeout",
                text::plural(jobs.len() as u64, "job", "jobs"),
                q.name
            ),
        )
        .subjects(jobs.iter().take(MAX_SUBJECTS).map(|j| j.to_string())),
    )
}

/// NO_WORKERS: no live worker at all; critical when jobs are waiting.
pub fn no_workers(alive: u64, waiting: u64) -> Option<Finding> {
    (alive == 0).then(|| {
        let f = Finding::new(
            FindingCode::NoWorkers,
            if waiting > 0 {
                format!(
                    "no live RQ worker, and {} waiting",
                    text::plural(waiting, "job is", "jobs are")
                )
            } else {
                "no live RQ worker".to_string()
            },
        );
        if waiting > 0 {
            f.severity(Status::Critical)
        } else {
            f
        }
    })
}

/// A worker that is registered but not working, and why.
pub struct NotWorking<'a> {
    pub worker: &'a WorkerMetrics,
    /// Dead by its conduct (idle beside waiting jobs, no connection).
    pub why: Option<&'a str>,
    /// Time left on its key: a restart under the same name is refused until then.
    pub key_ttl_ms: Option<i64>,
}

fn describe(w: &NotWorking) -> String {
    let m = w.worker;
    match (m.liveness.as_str(), w.why) {
        ("ghost", _) => format!("{} (listed, hash gone)", m.name),
        ("dead", Some(why)) => format!("{} (dead: {why})", m.name),
        ("dead", None) => format!("{} (exited, still listed)", m.name),
        _ => format!(
            "{} (last heartbeat {} ago)",
            m.name,
            m.last_heartbeat_age_s
                .map_or("never".to_string(), text::seconds)
        ),
    }
}

/// How to restart: the longest-lived key among them refuses a worker of
/// the same name until it expires.
fn restart_hint(prefix: &str, bad: &[NotWorking]) -> String {
    let prefix = if prefix.is_empty() {
        crate::rq_keys::DEFAULT_PREFIX
    } else {
        prefix
    };
    let blocking = bad
        .iter()
        .filter_map(|w| w.key_ttl_ms.filter(|t| *t > 0).map(|t| (w, t)))
        .max_by_key(|(_, t)| *t);
    match blocking {
        Some((w, ttl)) => format!(
            "{}; its key {prefix}:worker:{name} refuses a restart under the same name for another {} (RQ: 'There exists an active worker named …'): restart it under another name, or clear the key first (redis-cli DEL {prefix}:worker:{name}; redis-cli SREM {prefix}:workers {prefix}:worker:{name})",
            crate::restart_worker!(),
            text::seconds(ttl as f64 / 1000.0),
            name = w.worker.name
        ),
        None => format!(
            "{}, then read its log ({})",
            crate::restart_worker!(),
            crate::worker_log!()
        ),
    }
}

/// WORKER_STALE: registered but not working (old heartbeat, dead by its
/// conduct, exited, or hash gone) while other workers live. With none
/// alive, NO_WORKERS says it, once.
pub fn worker_stale(prefix: &str, bad: &[NotWorking], t: &Thresholds) -> Option<Finding> {
    if bad.is_empty() {
        return None;
    }
    Some(
        Finding::new(
            FindingCode::WorkerStale,
            format!(
                "{} registered but not working: {}",
                text::plural(bad.len() as u64, "worker", "workers"),
                bad.iter().take(MAX_SUBJECTS).map(describe).collect::<Vec<_>>().join(", ")
            ),
        )
        .hint(format!(
            "{} (a busy worker heart-beats every 30 s, stale after {}; an idle one every ~405 s, stale after {})",
            restart_hint(prefix, bad),
            humantime::format_duration(t.stale_busy_heartbeat),
            humantime::format_duration(t.stale_idle_heartbeat),
        ))
        .subjects(bad.iter().take(MAX_SUBJECTS).map(|w| w.worker.name.clone())),
    )
}

/// NO_WORKERS with the registered workers that are not working: one
/// fault (the worker is down), one finding.
pub fn no_live_worker(prefix: &str, bad: &[NotWorking], waiting: u64) -> Option<Finding> {
    let mut f = no_workers(0, waiting)?;
    if !bad.is_empty() {
        f.message = format!(
            "{}; registered but not working: {}",
            f.message,
            bad.iter()
                .take(MAX_SUBJECTS)
                .map(describe)
                .collect::<Vec<_>>()
                .join(", ")
        );
        f.hint = restart_hint(prefix, bad);
        f.subjects = bad
            .iter()
            .take(MAX_SUBJECTS)
            .map(|w| w.worker.name.clone())
            .collect();
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::rq::snapshot::QueueFacts;
    use std::time::Duration;

    fn now() -> jiff::Timestamp {
        "2026-11-24T12:00:00Z".parse().unwrap()
    }

    fn worker(state: &str, age: i64) -> WorkerFacts {
        WorkerFacts {
            name: "w".into(),
            exists: true,
            state: Some(state.into()),
            last_heartbeat: Some(now() - jiff::SignedDuration::from_secs(age)),
            ..Default::default()
        }
    }

    #[test]
    fn liveness_by_heartbeat_age() {
        let t = Thresholds::default();
        assert_eq!(liveness(&worker("busy", 30), now(), &t), Liveness::Live);
        assert_eq!(liveness(&worker("busy", 70), now(), &t), Liveness::Stale);
        assert_eq!(liveness(&worker("idle", 400), now(), &t), Liveness::Live);
        assert_eq!(liveness(&worker("idle", 500), now(), &t), Liveness::Stale);
        let mut ghost = worker("busy", 1);
        ghost.exists = false;
        assert_eq!(liveness(&ghost, now(), &t), Liveness::Ghost);
        let mut dead = worker("idle", 1);
        dead.death = Some(now());
        assert_eq!(liveness(&dead, now(), &t), Liveness::Dead);
        let mut silent = worker("idle", 1);
        silent.last_heartbeat = None;
        assert_eq!(liveness(&silent, now(), &t), Liveness::Stale);
    }

    fn queue(queued: u64, failed: u64, workers: u64, age: f64) -> QueueMetrics {
        QueueMetrics {
            name: "recordings".into(),
            of_interest: true,
            queued: Some(queued),
            failed: Some(failed),
            workers,
            oldest_queued_age_s: Some(age),
            ..Default::default()
        }
    }

    /// rq 3.0: jobs a rate limit holds count as waiting; a burst just held
    /// is drained, not a backlog; one held for minutes is.
    #[test]
    fn held_jobs_count_in_the_backlog_by_how_long_they_were_held() {
        let t = Thresholds::default();
        let held = |age: f64| QueueMetrics {
            queued: Some(0),
            rate_limited: Some(20),
            oldest_queued_age_s: None,
            oldest_held_age_s: Some(age),
            ..queue(0, 0, 1, 0.0)
        };
        assert!(queue_backlog(&held(5.0), &t).is_none());
        let f = queue_backlog(&held(600.0), &t).unwrap();
        assert!(
            f.message
                .contains("20 jobs waiting, 20 held by a rate limit"),
            "{}",
            f.message
        );
        assert!(
            queue_not_watched(&QueueMetrics {
                workers: 0,
                ..held(5.0)
            })
            .is_some()
        );
    }

    #[test]
    fn a_queue_name_nobody_knows_is_named_only_near_a_known_one() {
        // Every size read, and zero.
        let empty = |name: &str| QueueMetrics {
            name: name.into(),
            of_interest: true,
            queued: Some(0),
            started: Some(0),
            failed: Some(0),
            deferred: Some(0),
            scheduled: Some(0),
            finished: Some(0),
            ..Default::default()
        };
        let typo = empty("recording");
        let f = queue_unknown(&typo, false, &["default", "recordings"]);
        assert!(
            f.as_ref()
                .is_some_and(|f| f.message.contains("did you mean 'recordings'?")),
            "{f:?}"
        );
        // A fresh (or emptied) Redis knows no queue: nothing to say.
        assert!(queue_unknown(&empty("recordings"), false, &[]).is_none());
        // Far from every known name: a queue of its own, perhaps unused.
        assert!(queue_unknown(&empty("billing"), false, &["recordings"]).is_none());
        // Registered, listened to or holding jobs: known.
        assert!(queue_unknown(&typo, true, &["recordings"]).is_none());
        assert!(queue_unknown(&typo, false, &["recording", "recordings"]).is_none());
        let used = QueueMetrics {
            failed: Some(3),
            ..empty("recording")
        };
        assert!(queue_unknown(&used, false, &["recordings"]).is_none());
        // A size not read may hide jobs: never judged unknown on it.
        let unread = QueueMetrics {
            started: None,
            ..empty("recording")
        };
        assert!(queue_unknown(&unread, false, &["recordings"]).is_none());
    }

    #[test]
    fn thresholds_of_queue_rules() {
        let t = Thresholds::default();
        assert!(queue_backlog(&queue(9, 0, 1, 60.0), &t).is_none());
        assert_eq!(
            queue_backlog(&queue(10, 0, 1, 60.0), &t).unwrap().severity,
            Status::Warning
        );
        assert_eq!(
            queue_backlog(&queue(50, 0, 1, 60.0), &t).unwrap().severity,
            Status::Critical
        );
        // A burst being drained: the head has waited only seconds.
        assert!(queue_backlog(&queue(50, 0, 1, 3.0), &t).is_none());
        assert!(failed_jobs(&queue(0, 0, 1, 1.0), &t).is_none());
        assert_eq!(
            failed_jobs(&queue(0, 1, 1, 1.0), &t).unwrap().severity,
            Status::Warning
        );
        assert_eq!(
            failed_jobs(&queue(0, 10, 1, 1.0), &t).unwrap().severity,
            Status::Critical
        );
        assert!(queue_stalled(&queue(1, 0, 1, 180.0), &t).is_none());
        assert!(queue_stalled(&queue(1, 0, 1, 181.0), &t).is_some());
        assert!(
            queue_stalled(&queue(1, 0, 0, 900.0), &t).is_none(),
            "no listener is QUEUE_NOT_WATCHED"
        );
        assert!(queue_not_watched(&queue(1, 0, 0, 1.0)).is_some());
        assert!(queue_not_watched(&queue(0, 0, 0, 1.0)).is_none());
        let custom = Thresholds {
            max_queue_age: Duration::from_secs(10),
            ..Thresholds::default()
        };
        assert!(queue_stalled(&queue(1, 0, 1, 11.0), &custom).is_some());
    }

    /// A snapshot with one worker on 'recordings' and a job that has
    /// waited `waited_s` there.
    fn world(w: WorkerFacts, waited_s: i64) -> RqSnapshot {
        RqSnapshot {
            queues: vec![QueueFacts {
                name: "recordings".into(),
                queued: Some(1),
                oldest_enqueued_at: Some(now() - jiff::SignedDuration::from_secs(waited_s)),
                ..Default::default()
            }],
            workers: vec![w],
            ..Default::default()
        }
    }

    #[test]
    fn dead_by_conduct_in_seconds() {
        let t = Thresholds::default();
        let mut w = worker("idle", 60);
        w.queues = vec!["recordings".into()];
        // Idle, quiet for 60 s, a job waiting 20 s: dead.
        let (l, why) = liveness_in(&w, &world(w.clone(), 20), now(), &t);
        assert_eq!(l, Liveness::Dead);
        assert!(why.unwrap().contains("idle while a job has waited"));
        // Quiet for 30 s only, and nothing else known: maybe between jobs.
        let between = worker("idle", 30);
        let mut between = WorkerFacts {
            queues: w.queues.clone(),
            ..between
        };
        assert_eq!(
            liveness_in(&between, &world(between.clone(), 20), now(), &t).0,
            Liveness::Live
        );
        // ...but an RQ that names its connections, and no connection: dead.
        between.version = Some("2.6.1".into());
        between.birth = Some(now() - jiff::SignedDuration::from_secs(600));
        let mut unnamed = world(between.clone(), 20);
        unnamed.client_names = Some(Default::default());
        unnamed.redis_uptime_s = Some(3600);
        assert_eq!(liveness_in(&between, &unnamed, now(), &t).0, Liveness::Dead);
        // The job only just arrived: a live worker is about to take it.
        assert_eq!(
            liveness_in(&w, &world(w.clone(), 3), now(), &t).0,
            Liveness::Live
        );
        // Its connection is there: alive (between two jobs).
        let mut named = world(w.clone(), 20);
        named.client_names = Some(["w".to_string()].into());
        assert_eq!(liveness_in(&w, &named, now(), &t).0, Liveness::Live);
        // rq suspend: idle on purpose.
        let mut suspended = world(w.clone(), 20);
        suspended.app.suspended = true;
        assert_eq!(liveness_in(&w, &suspended, now(), &t).0, Liveness::Live);
        // Busy: its job runs.
        let mut busy = w.clone();
        busy.state = Some("busy".into());
        assert_eq!(
            liveness_in(&busy, &world(busy.clone(), 20), now(), &t).0,
            Liveness::Live
        );
    }

    #[test]
    fn a_missing_connection_counts_only_where_rq_names_them_and_redis_ran_through() {
        let t = Thresholds::default();
        let mut w = worker("idle", 60);
        w.birth = Some(now() - jiff::SignedDuration::from_secs(600));
        let mut other = worker("idle", 1);
        other.name = "other".into();
        let mut snap = world(w.clone(), 0);
        snap.queues.clear();
        snap.workers.push(other);
        snap.client_names = Some(["other".to_string()].into());
        snap.redis_uptime_s = Some(3600);
        assert_eq!(liveness_in(&w, &snap, now(), &t).0, Liveness::Dead);
        // Redis restarted after the worker was born: it reconnected unnamed.
        snap.redis_uptime_s = Some(60);
        assert_eq!(liveness_in(&w, &snap, now(), &t).0, Liveness::Live);
        // No worker's connection is named: this RQ does not name them.
        snap.redis_uptime_s = Some(3600);
        snap.client_names = Some(Default::default());
        assert_eq!(liveness_in(&w, &snap, now(), &t).0, Liveness::Live);
    }

    #[test]
    fn no_workers_is_critical_only_with_waiting_jobs() {
        assert_eq!(no_workers(0, 3).unwrap().severity, Status::Critical);
        assert_eq!(no_workers(0, 0).unwrap().severity, Status::Warning);
        assert!(no_workers(1, 3).is_none());
    }
}
