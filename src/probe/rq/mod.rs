//! RQ's Redis layout, read directly and only read: RQ 1.16, 2.x and 3.x.
//!
//! Never call or imitate RQ's own registry cleanup: `rq info` and RQ's
//! registry counts write (they move jobs and can run failure callbacks).
//! Every read here is LLEN, ZCARD, SCARD, ZRANGE with a limit, HMGET,
//! SMEMBERS of small sets and XREVRANGE COUNT 1, sent in pipelines.

pub mod failed;
pub mod job;
pub mod snapshot;

pub use crate::rq_keys::Keys;

use redis::aio::MultiplexedConnection;
use redis::{Pipeline, Value};

/// A started-registry member is `<job_id>` (RQ 1.x) or
/// `<job_id>:<execution_id>` (2.x, 3.x, a 32-hex id). Job ids may contain
/// `:` and `_`, so split only when the suffix is an execution id.
pub fn job_id_of_started_member(member: &str) -> &str {
    match member.rsplit_once(':') {
        Some((job, exec)) if exec.len() == 32 && exec.bytes().all(|b| b.is_ascii_hexdigit()) => job,
        _ => member,
    }
}

/// RQ's timestamps: `2026-11-24T01:09:48.526480Z` (UTC), also without the
/// fraction or the `Z`; epoch seconds as a float in execution hashes.
pub fn parse_time(raw: &str) -> Option<jiff::Timestamp> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    if let Ok(ts) = raw.parse::<jiff::Timestamp>() {
        return Some(ts);
    }
    if let Ok(dt) = raw.parse::<jiff::civil::DateTime>() {
        return jiff::tz::TimeZone::UTC.to_timestamp(dt).ok();
    }
    raw.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite())
        .and_then(|s| jiff::Timestamp::from_microsecond((s * 1e6) as i64).ok())
}

/// Seconds from `then` to `now` (negative when `then` is ahead).
pub fn age_s(now: jiff::Timestamp, then: jiff::Timestamp) -> f64 {
    (now.as_microsecond() - then.as_microsecond()) as f64 / 1e6
}

// --- tolerant readers of raw replies: wrong types read as "absent" -------

pub fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::BulkString(b) => std::str::from_utf8(b).ok()?.trim().parse().ok(),
        Value::SimpleString(s) => s.trim().parse().ok(),
        Value::Double(d) => Some(*d as i64),
        _ => None,
    }
}

pub fn count(v: &Value) -> Option<u64> {
    int(v).and_then(|i| u64::try_from(i).ok())
}

pub fn float(v: &Value) -> Option<f64> {
    match v {
        Value::Double(d) => Some(*d),
        Value::BulkString(b) => std::str::from_utf8(b).ok()?.trim().parse().ok(),
        Value::Int(i) => Some(*i as f64),
        _ => None,
    }
}

pub fn bytes(v: &Value) -> Option<&[u8]> {
    match v {
        Value::BulkString(b) => Some(b),
        Value::SimpleString(s) => Some(s.as_bytes()),
        _ => None,
    }
}

/// Text, with invalid UTF-8 replaced (never an error).
pub fn text(v: &Value) -> Option<String> {
    bytes(v).map(|b| String::from_utf8_lossy(b).into_owned())
}

pub fn items(v: &Value) -> &[Value] {
    match v {
        Value::Array(a) | Value::Set(a) => a,
        _ => &[],
    }
}

/// Members of a set or list reply, as text.
pub fn texts(v: &Value) -> Vec<String> {
    items(v).iter().filter_map(text).collect()
}

/// A server error reply inside a pipeline (WRONGTYPE and the like).
pub fn is_error(v: &Value) -> bool {
    matches!(v, Value::ServerError(_))
}

/// Pipelines ignore per-command errors so that one key of the wrong type is
/// reported as bad data, not fatal. Any other error (LOADING, BUSY, NOPERM,
/// NOAUTH…) says the server cannot be read: it fails the whole read.
pub fn fail_on_server_errors(replies: &[Value]) -> redis::RedisResult<()> {
    for v in replies {
        if let Value::ServerError(e) = v
            && e.code() != "WRONGTYPE"
        {
            return Err(e.clone().into());
        }
    }
    Ok(())
}

/// Send a pipeline (nothing when it is empty) and fail on server errors
/// other than WRONGTYPE.
pub async fn query_pipe(
    p: &mut Pipeline,
    conn: &mut MultiplexedConnection,
) -> redis::RedisResult<Vec<Value>> {
    if p.is_empty() {
        return Ok(Vec::new());
    }
    let replies: Vec<Value> = p.query_async(conn).await?;
    fail_on_server_errors(&replies)?;
    Ok(replies)
}

/// Send a pipeline of reads as one transaction — MULTI, the reads, EXEC —
/// so that a job moving between RQ's places meanwhile (dequeued into the
/// intermediate list, started, retried back to the queue) is seen in
/// exactly one of them, never in none. MULTI and EXEC travel in the same
/// plain pipeline as the reads: where the server refuses MULTI (an ACL of
/// read commands only) the reads ran one after another and their replies
/// are used as they are. Also says whether the read was one transaction.
pub async fn query_snapshot(
    p: &Pipeline,
    conn: &mut MultiplexedConnection,
) -> redis::RedisResult<(Vec<Value>, bool)> {
    if p.is_empty() {
        return Ok((Vec::new(), true));
    }
    let mut t = redis::pipe();
    t.ignore_errors();
    t.cmd("MULTI");
    for c in p.cmd_iter() {
        t.add_command(c.clone());
    }
    t.cmd("EXEC");
    let mut replies: Vec<Value> = t.query_async(conn).await?;
    let (replies, atomic) = snapshot_replies(&mut replies, p.len())?;
    fail_on_server_errors(&replies)?;
    Ok((replies, atomic))
}

/// The reads' replies out of MULTI's, the queued ones and EXEC's.
fn snapshot_replies(replies: &mut Vec<Value>, n: usize) -> redis::RedisResult<(Vec<Value>, bool)> {
    unpack_transaction(
        std::mem::take(replies),
        n,
        is_error,
        |v| match v {
            Value::Array(items) => Some(items),
            _ => None,
        },
        fail_on_server_errors,
    )
}

/// A transaction's replies — MULTI's, one per queued read, EXEC's —
/// however they are held (the driver's values, or `call`'s own reader's):
/// EXEC's, of one moment; or, when MULTI was refused, the reads' direct
/// replies, not of one moment.
pub(crate) fn unpack_transaction<T>(
    mut replies: Vec<T>,
    n: usize,
    is_error: impl Fn(&T) -> bool,
    into_array: impl FnOnce(T) -> Option<Vec<T>>,
    fail_on_errors: impl Fn(&[T]) -> redis::RedisResult<()>,
) -> redis::RedisResult<(Vec<T>, bool)> {
    let malformed = || {
        redis::RedisError::from((
            redis::ErrorKind::UnexpectedReturnType,
            "a transaction's replies were not what MULTI and EXEC return",
        ))
    };
    if replies.len() != n + 2 {
        return Err(malformed());
    }
    let exec = replies.pop();
    let multi_ok = replies.first().is_some_and(|m| !is_error(m));
    let direct: Vec<T> = replies.drain(1..).collect();
    match exec.and_then(into_array) {
        Some(items) if multi_ok && items.len() == n => Ok((items, true)),
        // MULTI refused: the reads ran at once, their replies are here.
        _ if !multi_ok => Ok((direct, false)),
        // A read refused while queueing aborts the transaction: its error
        // (NOPERM, say) is among the queued replies.
        _ => {
            fail_on_errors(&direct)?;
            Err(malformed())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(bytes: &[u8]) -> Value {
        redis::parse_redis_value(bytes).unwrap_or(Value::Nil)
    }

    #[test]
    fn a_transaction_gives_exec_replies_and_a_refused_multi_the_direct_ones() {
        let queued = || resp(b"+QUEUED\r\n");
        let mut t = vec![Value::Okay, queued(), queued(), resp(b"*2\r\n:1\r\n:2\r\n")];
        let (r, atomic) = snapshot_replies(&mut t, 2).unwrap_or_default();
        assert!(atomic);
        assert_eq!(r, vec![Value::Int(1), Value::Int(2)]);
        // An ACL without MULTI: the reads ran one after another.
        let mut t = vec![
            resp(b"-NOPERM no\r\n"),
            Value::Int(3),
            Value::Int(4),
            resp(b"-ERR EXEC without MULTI\r\n"),
        ];
        let (r, atomic) = snapshot_replies(&mut t, 2).unwrap_or_default();
        assert!(!atomic);
        assert_eq!(r, vec![Value::Int(3), Value::Int(4)]);
        // A read refused while queueing: its own error, not EXEC's.
        let mut t = vec![
            Value::Okay,
            queued(),
            resp(b"-NOPERM no permissions to run the 'lrange' command\r\n"),
            resp(b"-EXECABORT Transaction discarded\r\n"),
        ];
        let e = snapshot_replies(&mut t, 2)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("lrange"), "{e}");
        // Too few replies: an error, no panic.
        assert!(snapshot_replies(&mut vec![Value::Okay], 2).is_err());
    }

    #[test]
    fn started_members_of_every_version() {
        assert_eq!(
            job_id_of_started_member("recording_download_CAx_1"),
            "recording_download_CAx_1"
        );
        assert_eq!(
            job_id_of_started_member("recording_download_CAx_1:01b8101fef7e4408b7e421607f884f99"),
            "recording_download_CAx_1"
        );
        assert_eq!(job_id_of_started_member("a:b:c"), "a:b:c");
    }

    #[test]
    fn rq_timestamps() {
        let a = parse_time("2026-11-24T01:09:48.526480Z").unwrap();
        assert_eq!(parse_time("2026-11-24T01:09:48.526480").unwrap(), a);
        assert!(parse_time("2026-11-24T01:09:48Z").is_some());
        let epoch = parse_time("1795482589.047967").unwrap();
        assert_eq!(epoch.as_second(), 1_795_482_589);
        for bad in ["", "yesterday", "NaN", "2026-13-45T99:00:00Z", "\u{0}"] {
            assert!(parse_time(bad).is_none(), "{bad:?}");
        }
    }
}
