//! The one judgement: the whole snapshot of a command becomes its checks.
//! Each check's rules see the facts they need from every source — the
//! runs are judged with the comparisons' jam and orphans and with why RQ
//! leaves runs waiting — so no finding is rewritten after it is made, and
//! `runs` alone says what `health` says.

use std::collections::BTreeSet;

use crate::checks::{Snapshot, internal_error};
use crate::config::Config;
use crate::model::{Check, CheckId, FindingCode, SourceKind};

use super::rq::RqOutcome;
use super::runs::RunsContext;

/// Calls whose job RQ's started registry holds: read by the RQ snapshot
/// and by the comparisons.
fn downloading(snap: &Snapshot) -> BTreeSet<String> {
    let mut sids: BTreeSet<String> = match &snap.rq {
        Some(RqOutcome::Read(rq)) => rq.started_sids(),
        _ => BTreeSet::new(),
    };
    if let Some(Ok(redis)) = snap.consistency.as_ref().map(|f| &f.redis) {
        sids.extend(redis.started_sids.iter().cloned());
    }
    sids
}

/// Judge `snap` into the checks `ids`, in the order of `CheckId::ALL`.
pub fn judge(snap: Snapshot, ids: &[CheckId], config: &Config) -> Vec<Check> {
    let t = &config.thresholds;
    let now = config.now;
    let window_s = config.window.as_secs_f64();

    let ctx = RunsContext {
        jammed: snap
            .consistency
            .as_ref()
            .map_or(0, super::consistency::jammed_failures),
        orphans: snap
            .consistency
            .as_ref()
            .map(|f| super::consistency::orphan_sids(f, now))
            .unwrap_or_default(),
        queued_cause: match &snap.rq {
            Some(RqOutcome::Read(rq)) => super::rq::queued_cause(rq, now, t),
            _ => None,
        },
        downloading: downloading(&snap),
        slots: snap
            .consistency
            .as_ref()
            .and_then(|f| f.redis.as_ref().ok())
            .map(|r| {
                r.slots
                    .iter()
                    .map(|s| (s.run_id.clone(), (s.business_id, s.marker_ttl_ms)))
                    .collect()
            }),
    };
    let mut checks: Vec<Check> = snap.decided;
    if let Some(o) = snap.redis {
        checks.push(super::redis::judge(o, t));
    }
    if let Some(o) = snap.rq {
        let (queues, workers) = super::rq::judge(o, now, t);
        checks.extend([queues, workers]);
    }
    if let Some(o) = snap.runs {
        checks.push(super::runs::judge(o, window_s, now, t, &ctx));
    }
    if let Some(f) = snap.dir {
        checks.push(super::recordings_dir::judge(f, t));
    }
    if let Some(f) = snap.consistency {
        checks.push(super::consistency::judge(f, now));
    }
    // Only the checks asked for; the others were read for their facts.
    checks.retain(|c| ids.contains(&c.id));
    for &id in ids {
        if !checks.iter().any(|c| c.id == id) {
            checks.push(internal_error(id, "the check produced nothing"));
        }
    }
    checks.sort_by_key(|c| CheckId::ALL.iter().position(|&i| i == c.id));
    for source in [SourceKind::Redis, SourceKind::Database] {
        report_once(&mut checks, source);
    }
    for (id, took) in &snap.durations {
        for c in checks.iter_mut().filter(|c| c.id == *id) {
            c.duration_s = *took;
        }
    }
    for c in &mut checks {
        c.accept(&config.accept);
    }
    checks
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
