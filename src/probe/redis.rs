//! The Redis server itself: connect, PING, INFO. Knows nothing of RQ.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, ErrorKind, RedisError, ServerErrorKind};

use super::sentinel;
use crate::config::{RedisTarget, SecretUrl, SentinelSpec, redis_address};
use crate::model::{RedisMetrics, SentinelMetrics, SentinelNode};

/// Why Redis could not be used, classified where the error is born.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedisFailure {
    #[error("connection refused by {addr} — nothing listens there")]
    Refused { addr: String },
    #[error("cannot resolve host '{host}' (DNS lookup failed)")]
    Dns { host: String },
    #[error("authentication rejected: {detail}")]
    Auth { detail: String },
    #[error("no answer within {}", humantime::format_duration(*.after))]
    Timeout { after: Duration },
    #[error("TLS handshake failed: {detail}")]
    Tls { detail: String },
    #[error("Redis is loading its dataset into memory and cannot answer yet")]
    Loading,
    #[error("Redis is busy running a script (BUSY)")]
    Busy,
    /// Through Sentinel: no sentinel answered.
    #[error("{detail}")]
    Sentinels { detail: String },
    /// Through Sentinel: the sentinels that answered know no such master.
    #[error("{detail}")]
    NoSuchMaster { detail: String },
    #[error("{detail}")]
    Other { detail: String },
}

/// Connect within `timeout`. Every later command is bounded by the same
/// response timeout. Through Sentinel, the master the sentinels name.
pub async fn connect(
    target: &RedisTarget,
    timeout: Duration,
) -> Result<MultiplexedConnection, RedisFailure> {
    let deadline = Instant::now() + timeout;
    let master = server(target, timeout).await?;
    let server = master.as_ref().unwrap_or(target);
    let left = deadline.saturating_duration_since(Instant::now());
    connect_to(server, left, timeout).await
}

/// Through Sentinel, the master the sentinels name (None: `target` is
/// the server itself).
async fn server(
    target: &RedisTarget,
    timeout: Duration,
) -> Result<Option<RedisTarget>, RedisFailure> {
    match &target.sentinel {
        None => Ok(None),
        Some(spec) => {
            let found = sentinel::resolve(spec, target, timeout, false).await;
            master_target(target, spec, &found).map(Some)
        }
    }
}

/// Both kinds of connection to the same server (through Sentinel, one
/// resolution): the driver's, and one whose replies recdiag reads itself
/// for reads of millions of values.
pub async fn connect_pair(
    target: &RedisTarget,
    timeout: Duration,
) -> Result<(MultiplexedConnection, super::RawConn), RedisFailure> {
    let deadline = Instant::now() + timeout;
    let master = server(target, timeout).await?;
    let server = master.as_ref().unwrap_or(target);
    let left = deadline.saturating_duration_since(Instant::now());
    let conn = connect_to(server, left, timeout).await?;
    let left = deadline.saturating_duration_since(Instant::now());
    match tokio::time::timeout(left, super::RawConn::open(server.url.expose(), &server.ca)).await {
        Ok(Ok(raw)) => Ok((conn, raw)),
        Ok(Err(e)) => Err(classify(&e, server, timeout)),
        Err(_) => Err(RedisFailure::Timeout { after: timeout }),
    }
}

/// The master the sentinels agreed on, as a plain target.
fn master_target(
    target: &RedisTarget,
    spec: &SentinelSpec,
    found: &sentinel::Resolution,
) -> Result<RedisTarget, RedisFailure> {
    let Some((host, port)) = &found.master else {
        return Err(sentinel::no_master(spec, found));
    };
    let url = spec
        .master_url(host, *port, target.tls)
        .ok_or_else(|| RedisFailure::Other {
            detail: format!(
                "the sentinels name a master address that is not usable ({})",
                redis_address(host, *port)
            ),
        })?;
    Ok(RedisTarget {
        url: SecretUrl::opaque(&url, target.url.secrets().to_vec()),
        tls: target.tls,
        sentinel: None,
        ca: target.ca.clone(),
    })
}

/// Connect to one server (a master, or a sentinel) within `budget`.
pub(super) async fn connect_to(
    target: &RedisTarget,
    budget: Duration,
    timeout: Duration,
) -> Result<MultiplexedConnection, RedisFailure> {
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(budget))
        .set_response_timeout(Some(timeout));
    match tokio::time::timeout(
        budget,
        super::redis_transport::open(target.url.expose(), &target.ca, config),
    )
    .await
    {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(classify(&e, target, timeout)),
        Err(_) => Err(RedisFailure::Timeout { after: timeout }),
    }
}

/// PING round trip and the server facts from INFO.
pub async fn probe(target: &RedisTarget, timeout: Duration) -> Result<RedisMetrics, RedisFailure> {
    let deadline = Instant::now() + timeout;
    // Through Sentinel, every sentinel is heard (within half the time, so
    // that the master still has the rest) and reported.
    let (mut conn, found) = match &target.sentinel {
        None => (connect(target, timeout).await?, None),
        Some(spec) => {
            let found = sentinel::resolve(spec, target, timeout / 2, true).await;
            let master = master_target(target, spec, &found)?;
            let left = deadline.saturating_duration_since(Instant::now());
            (connect_to(&master, left, timeout).await?, Some(found))
        }
    };
    let left = deadline.saturating_duration_since(Instant::now());
    let bounded = async {
        let started = Instant::now();
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map_err(|e| classify(&e, target, timeout))?;
        let latency = started.elapsed();
        let info: String = redis::cmd("INFO")
            .query_async(&mut conn)
            .await
            .map_err(|e| classify(&e, target, timeout))?;
        Ok::<_, RedisFailure>((latency, info))
    };
    let (latency, info) = tokio::time::timeout(left, bounded)
        .await
        .map_err(|_| RedisFailure::Timeout { after: timeout })??;
    let fields = parse_info(&info);
    if fields.get("loading").map(String::as_str) == Some("1") {
        return Err(RedisFailure::Loading);
    }
    let mut metrics = metrics_from_info(target, latency, &fields);
    if let (Some(spec), Some(found)) = (&target.sentinel, found) {
        metrics.sentinel = Some(sentinel_metrics(spec, &found));
    }
    Ok(metrics)
}

fn sentinel_metrics(spec: &SentinelSpec, found: &sentinel::Resolution) -> SentinelMetrics {
    let master = found.master.as_ref().map(|(h, p)| redis_address(h, *p));
    SentinelMetrics {
        master_name: spec.master.clone(),
        master: master.clone(),
        sentinels: spec.nodes.len() as u64,
        reached: found.reached() as u64,
        nodes: found
            .answers
            .iter()
            .map(|(address, answer)| {
                let (state, names, detail) = match answer {
                    sentinel::Answer::Master(h, p) => {
                        let named = redis_address(h, *p);
                        let state = if Some(&named) == master.as_ref() {
                            "agrees"
                        } else {
                            "disagrees"
                        };
                        (state, Some(named), None)
                    }
                    sentinel::Answer::UnknownMaster => ("unknown_master", None, None),
                    sentinel::Answer::Failed(f) => ("unreachable", None, Some(f.to_string())),
                    sentinel::Answer::NotWaited => ("not_waited", None, None),
                };
                SentinelNode {
                    address: address.clone(),
                    state: state.to_string(),
                    master: names,
                    detail,
                }
            })
            .collect(),
    }
}

/// Redis's own memory of its life, from INFO: how long it has run, how
/// many keys it evicted and under which policy — what tells why a job is
/// gone, and whether a worker reconnected after a restart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RedisLife {
    pub uptime_s: Option<u64>,
    pub evicted_keys: Option<u64>,
    pub maxmemory_policy: Option<String>,
}

/// Read [`RedisLife`] (one INFO). An error (a user without +info) leaves
/// every field unknown, never a zero.
pub async fn life(conn: &mut MultiplexedConnection) -> RedisLife {
    let Ok(text) = redis::cmd("INFO").query_async::<String>(conn).await else {
        return RedisLife::default();
    };
    let info = parse_info(&text);
    let num = |k: &str| info.get(k).and_then(|v| v.trim().parse::<u64>().ok());
    RedisLife {
        uptime_s: num("uptime_in_seconds"),
        evicted_keys: num("evicted_keys"),
        maxmemory_policy: info.get("maxmemory_policy").cloned(),
    }
}

/// `INFO` text into a map of `field → value` (sections flattened).
pub fn parse_info(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

fn metrics_from_info(
    target: &RedisTarget,
    latency: Duration,
    info: &HashMap<String, String>,
) -> RedisMetrics {
    let num = |k: &str| info.get(k).and_then(|v| v.parse::<u64>().ok());
    let used = num("used_memory");
    let max = num("maxmemory");
    RedisMetrics {
        url: Some(target.url.to_string()),
        latency_s: Some(latency.as_secs_f64()),
        version: info.get("redis_version").cloned(),
        role: info.get("role").cloned(),
        used_memory_bytes: used,
        maxmemory_bytes: max,
        memory_used_ratio: match (used, max) {
            (Some(u), Some(m)) if m > 0 => Some(u as f64 / m as f64),
            _ => None,
        },
        maxmemory_policy: info.get("maxmemory_policy").cloned(),
        evicted_keys: num("evicted_keys"),
        connected_clients: num("connected_clients"),
        uptime_s: num("uptime_in_seconds"),
        sentinel: None,
    }
}

/// Turn a driver error into what an operator needs to hear.
pub fn classify(e: &RedisError, target: &RedisTarget, timeout: Duration) -> RedisFailure {
    let code = e.code().unwrap_or_default();
    if e.kind() == ErrorKind::AuthenticationFailed || matches!(code, "WRONGPASS" | "NOAUTH") {
        let detail = match code {
            "NOAUTH" => "Redis requires a password and the URL gives none".to_string(),
            _ => "wrong user or password in the Redis URL".to_string(),
        };
        return RedisFailure::Auth { detail };
    }
    if e.kind() == ErrorKind::Server(ServerErrorKind::BusyLoading) {
        return RedisFailure::Loading;
    }
    if code == "BUSY" {
        return RedisFailure::Busy;
    }
    if e.is_connection_refusal() {
        return RedisFailure::Refused {
            addr: address(target),
        };
    }
    if e.is_timeout() {
        return RedisFailure::Timeout { after: timeout };
    }
    // The driver keeps its I/O error behind a shared pointer that
    // `downcast_ref` cannot see through, so the text is what is left.
    let text = e.to_string();
    let lower = text.to_ascii_lowercase();
    if lower.contains("lookup address") || lower.contains("name or service not known") {
        return RedisFailure::Dns { host: host(target) };
    }
    if text.contains(super::resp_guard::MID_REPLY) {
        return RedisFailure::Other {
            detail: format!(
                "connection to {} {}",
                address(target),
                super::resp_guard::MID_REPLY
            ),
        };
    }
    if lower.contains("parse error") || lower.contains("invalid response") {
        return RedisFailure::Other {
            detail: format!(
                "{} answers, but not in the Redis protocol: is it a Redis server (not HTTP, a TLS port with redis://, or another service)?",
                address(target)
            ),
        };
    }
    if let Some(at) = text.find(super::resp_guard::REFUSED) {
        // The guard's own words, from "recdiag refused the reply" on.
        return RedisFailure::Other {
            detail: format!("{}: {}", address(target), &text[at..]),
        };
    }
    if target.tls
        && [
            "tls",
            "certificate",
            "handshake",
            "invalid data",
            "unexpected eof",
            "peer",
        ]
        .iter()
        .any(|w| lower.contains(w))
    {
        return RedisFailure::Tls {
            detail: crate::text::driver_error(&text),
        };
    }
    let text = crate::text::driver_error(&text);
    if e.is_connection_dropped() || lower.contains("broken pipe") || lower.contains("reset") {
        return RedisFailure::Other {
            detail: format!(
                "connection to {} closed by the server ({text})",
                address(target)
            ),
        };
    }
    RedisFailure::Other { detail: text }
}

fn host(target: &RedisTarget) -> String {
    if let Some(spec) = &target.sentinel {
        return format!("the master '{}'", spec.master);
    }
    url::Url::parse(target.url.expose())
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default()
}

/// `host:port`, or the socket path, for messages (never the credentials).
fn address(target: &RedisTarget) -> String {
    if let Some(spec) = &target.sentinel {
        return format!("the master '{}'", spec.master);
    }
    match url::Url::parse(target.url.expose()) {
        Ok(u) if u.scheme().contains("unix") => u.path().to_string(),
        Ok(u) => format!(
            "{}:{}",
            u.host_str().unwrap_or_default(),
            u.port().unwrap_or(6379)
        ),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_is_flattened() {
        let info = "# Server\r\nredis_version:7.0.15\r\n\r\n# Memory\r\nused_memory:1024\r\nmaxmemory:0\r\nmaxmemory_policy:noeviction\r\n";
        let map = parse_info(info);
        assert_eq!(map["redis_version"], "7.0.15");
        assert_eq!(map["maxmemory_policy"], "noeviction");
        let target = RedisTarget::parse("redis://:pw@localhost").unwrap();
        let m = metrics_from_info(&target, Duration::from_millis(1), &map);
        assert_eq!(m.used_memory_bytes, Some(1024));
        assert_eq!(m.memory_used_ratio, None);
        assert_eq!(m.url.as_deref(), Some("redis://:***@localhost"));
    }
}
