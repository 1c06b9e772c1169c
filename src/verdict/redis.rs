//! Findings of the `redis` check.

use crate::config::{ConfigError, SecretUrl};
use crate::model::{Check, CheckId, Finding, FindingCode, Metrics, RedisMetrics};
use crate::probe::redis::RedisFailure;
use crate::text;

use super::Thresholds;

/// What the Redis probe came back with.
#[derive(Debug)]
pub enum RedisOutcome {
    /// No Redis URL configured.
    Missing,
    /// A Redis URL that cannot be used.
    Invalid(ConfigError),
    /// Configured, but the server could not be used.
    Failed {
        url: SecretUrl,
        failure: RedisFailure,
    },
    /// The server answered.
    Up(RedisMetrics),
}

/// Judge the outcome.
pub fn judge(outcome: RedisOutcome, t: &Thresholds) -> Check {
    match outcome {
        RedisOutcome::Missing => Check::new(
            CheckId::Redis,
            "no Redis configured (REDIS_URL unset)".into(),
            Metrics::Redis(RedisMetrics::default()),
            vec![url_missing()],
        ),
        RedisOutcome::Invalid(e) => Check::new(
            CheckId::Redis,
            "Redis URL is invalid".into(),
            Metrics::Redis(RedisMetrics::default()),
            vec![url_invalid(&e)],
        ),
        RedisOutcome::Failed { url, failure } => {
            let finding = redis_unreachable(&url, &failure);
            Check::new(
                CheckId::Redis,
                format!("Redis at {url} unusable: {failure}"),
                Metrics::Redis(RedisMetrics {
                    url: Some(url.to_string()),
                    ..Default::default()
                }),
                vec![finding],
            )
        }
        RedisOutcome::Up(m) => {
            let findings: Vec<Finding> = [
                sentinel_degraded(&m),
                eviction_policy(&m),
                memory_high(&m, t),
            ]
            .into_iter()
            .flatten()
            .collect();
            Check::new(CheckId::Redis, summary(&m), Metrics::Redis(m), findings)
        }
    }
}

/// REDIS_URL_MISSING: no Redis configured. Every check that needs Redis says so.
pub fn url_missing() -> Finding {
    Finding::new(
        FindingCode::RedisUrlMissing,
        "REDIS_URL is not set and --redis-url was not given",
    )
}

/// REDIS_URL_INVALID: a URL is set but cannot be used.
pub fn url_invalid(e: &ConfigError) -> Finding {
    Finding::new(FindingCode::RedisUrlInvalid, e.to_string())
}

/// REDIS_UNREACHABLE, saying which failure it was.
pub fn redis_unreachable(url: &SecretUrl, failure: &RedisFailure) -> Finding {
    let hint = match failure {
        RedisFailure::Refused { .. } => {
            concat!(
                "start Redis (",
                crate::compose!(),
                " ps redis) or fix the host/port in REDIS_URL"
            )
        }
        RedisFailure::Dns { .. } => {
            "the host name in REDIS_URL does not resolve: check it and the network"
        }
        RedisFailure::Auth { .. } => {
            "use the same user and password as the workers (REDIS_URL in their environment)"
        }
        RedisFailure::Timeout { .. } if url.to_string().starts_with("rediss://") => {
            "no TLS answer: check that this server speaks TLS (rediss://) or use redis://, then its load and network"
        }
        RedisFailure::Timeout { .. } => {
            "Redis accepted the connection but did not answer: check its load (redis-cli --latency) and the network"
        }
        RedisFailure::Tls { .. } => {
            "check rediss:// against the server's TLS setup and certificate"
        }
        RedisFailure::Loading => "wait for Redis to finish loading, then check again",
        RedisFailure::Busy => "a long Lua script blocks Redis: SCRIPT KILL or wait",
        RedisFailure::Sentinels { .. } => {
            "start the sentinels, or fix their addresses in REDIS_URL (redis+sentinel://host:26379[,host:port…]/<master>/<db>)"
        }
        RedisFailure::NoSuchMaster { .. } => {
            "the master name in REDIS_URL must be the one the sentinels monitor (redis-cli -p 26379 SENTINEL masters)"
        }
        RedisFailure::Other { .. } => FindingCode::RedisUnreachable.default_hint(),
    };
    Finding::new(
        FindingCode::RedisUnreachable,
        format!("Redis at {url}: {failure}"),
    )
    .hint(hint)
}

/// SENTINEL_DEGRADED: the master was found, but not every sentinel is
/// well: some did not answer, know no such master, or name another
/// server; or the server they name says it is a replica.
pub fn sentinel_degraded(m: &RedisMetrics) -> Option<Finding> {
    let s = m.sentinel.as_ref()?;
    let mut parts = Vec::new();
    let mut subjects = Vec::new();
    for node in &s.nodes {
        let said = match node.state.as_str() {
            "unreachable" => match node.detail.as_deref() {
                Some(d) if d.contains(&node.address) => d.to_string(),
                Some(d) => format!("{}: {d}", node.address),
                None => format!("{}: no answer", node.address),
            },
            "unknown_master" => format!("{}: knows no master '{}'", node.address, s.master_name),
            "disagrees" => format!(
                "{}: names {} as the master",
                node.address,
                node.master.as_deref().unwrap_or("another server")
            ),
            _ => continue,
        };
        parts.push(said);
        subjects.push(node.address.clone());
    }
    let replica = m.role.as_deref().is_some_and(|r| r != "master");
    if replica {
        parts.push(format!(
            "{} says it is a {}, not the master (a failover in progress?)",
            s.master.as_deref().unwrap_or("the server named"),
            m.role.as_deref().unwrap_or("replica")
        ));
    }
    if parts.is_empty() {
        return None;
    }
    let majority = s.sentinels / 2 + 1;
    let mut message = format!(
        "{} of {} sentinels answered for '{}'",
        s.reached, s.sentinels, s.master_name
    );
    if s.reached < majority {
        message.push_str(" — fewer than a majority, so no failover can happen");
    }
    message.push_str(&format!(": {}", parts.join("; ")));
    Some(Finding::new(FindingCode::SentinelDegraded, message).subjects(subjects))
}

/// REDIS_EVICTION_POLICY: RQ's keys can vanish under any policy but noeviction.
pub fn eviction_policy(m: &RedisMetrics) -> Option<Finding> {
    let policy = m.maxmemory_policy.as_deref();
    let evicted = m.evicted_keys.unwrap_or(0);
    let bad_policy = policy.is_some_and(|p| p != "noeviction");
    if !bad_policy && evicted == 0 {
        return None;
    }
    let mut parts = Vec::new();
    if let (true, Some(p)) = (bad_policy, policy) {
        parts.push(format!("maxmemory-policy is {p}, not noeviction"));
    }
    if evicted > 0 {
        parts.push(text::plural(
            evicted,
            "key was evicted",
            "keys were evicted",
        ));
    }
    Some(Finding::new(
        FindingCode::RedisEvictionPolicy,
        format!("{}: RQ jobs and registries can vanish", parts.join("; ")),
    ))
}

/// REDIS_MEMORY_HIGH: close to maxmemory, enqueues will start to fail.
pub fn memory_high(m: &RedisMetrics, t: &Thresholds) -> Option<Finding> {
    let ratio = m.memory_used_ratio?;
    (ratio * 100.0 >= t.max_redis_memory_percent).then(|| {
        Finding::new(
            FindingCode::RedisMemoryHigh,
            format!(
                "Redis uses {:.0}% of maxmemory ({} of {})",
                ratio * 100.0,
                text::bytes(m.used_memory_bytes.unwrap_or(0)),
                text::bytes(m.maxmemory_bytes.unwrap_or(0)),
            ),
        )
    })
}

fn summary(m: &RedisMetrics) -> String {
    let mut parts = vec![format!(
        "Redis {} {}",
        m.version.as_deref().unwrap_or("?"),
        m.role.as_deref().unwrap_or("?")
    )];
    if let Some(s) = &m.sentinel {
        parts[0].push_str(&format!(
            " at {} (master '{}' from {}/{} sentinels)",
            s.master.as_deref().unwrap_or("?"),
            s.master_name,
            s.reached,
            s.sentinels
        ));
    }
    if let Some(l) = m.latency_s {
        parts.push(format!("PING {}", text::seconds(l)));
    }
    if let Some(used) = m.used_memory_bytes {
        match m.maxmemory_bytes {
            Some(max) if max > 0 => parts.push(format!(
                "{} of {} used",
                text::bytes(used),
                text::bytes(max)
            )),
            _ => parts.push(format!("{} used, no maxmemory", text::bytes(used))),
        }
    }
    if let Some(p) = &m.maxmemory_policy {
        parts.push(p.clone());
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;

    fn up(policy: &str, evicted: u64, used: u64, max: u64) -> RedisMetrics {
        RedisMetrics {
            maxmemory_policy: Some(policy.into()),
            evicted_keys: Some(evicted),
            used_memory_bytes: Some(used),
            maxmemory_bytes: Some(max),
            memory_used_ratio: (max > 0).then(|| used as f64 / max as f64),
            ..Default::default()
        }
    }

    #[test]
    fn eviction_policy_rule() {
        assert!(eviction_policy(&up("noeviction", 0, 1, 0)).is_none());
        let f = eviction_policy(&up("allkeys-lru", 0, 1, 0)).unwrap();
        assert_eq!(f.severity, Status::Warning);
        assert!(f.message.contains("allkeys-lru"));
        let f = eviction_policy(&up("noeviction", 12, 1, 0)).unwrap();
        assert!(f.message.contains("12 keys were evicted"));
    }

    #[test]
    fn memory_rule_uses_the_threshold() {
        let t = Thresholds::default();
        assert!(memory_high(&up("noeviction", 0, 89, 100), &t).is_none());
        assert!(memory_high(&up("noeviction", 0, 90, 100), &t).is_some());
        assert!(memory_high(&up("noeviction", 0, 10_000, 0), &t).is_none());
    }

    #[test]
    fn missing_is_unknown_and_failure_is_critical() {
        let t = Thresholds::default();
        assert_eq!(judge(RedisOutcome::Missing, &t).status, Status::Unknown);
        let url = crate::config::RedisTarget::parse("redis://:pw@h")
            .unwrap()
            .url;
        let check = judge(
            RedisOutcome::Failed {
                url,
                failure: RedisFailure::Refused {
                    addr: "h:6379".into(),
                },
            },
            &t,
        );
        assert_eq!(check.status, Status::Critical);
        assert_eq!(check.findings[0].code, FindingCode::RedisUnreachable);
        assert!(!check.summary.contains("pw"));
    }
}
