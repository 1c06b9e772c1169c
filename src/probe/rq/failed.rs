//! The newest failed jobs: two pipelined round trips, whatever the size of
//! the failed registries (cost grows with `--limit`, not with what is stored).

use redis::Value;
use redis::aio::MultiplexedConnection;

use super::job::{FIELDS, Job};
use super::{Keys, count, float, items, text};

#[derive(Debug, Clone, Default)]
pub struct FailedFacts {
    /// Each queue read, with the size of its failed registry.
    pub queues: Vec<(String, Option<u64>)>,
    /// The newest failed jobs across those queues, newest first.
    pub jobs: Vec<FailedEntry>,
}

#[derive(Debug, Clone)]
pub struct FailedEntry {
    pub queue: String,
    /// The registry score: when the failure record expires.
    pub expires_at: Option<jiff::Timestamp>,
    pub job: Job,
}

impl FailedEntry {
    /// When the job failed: its `ended_at`, else the registry score minus
    /// the failure TTL.
    pub fn failed_at(&self) -> Option<jiff::Timestamp> {
        self.job.ended_at.or_else(|| {
            let ttl = self.job.failure_ttl_s?;
            self.expires_at?
                .checked_sub(jiff::SignedDuration::from_secs(ttl))
                .ok()
        })
    }
}

pub async fn read(
    conn: &mut MultiplexedConnection,
    keys: &Keys,
    queues: &[String],
    limit: usize,
) -> redis::RedisResult<FailedFacts> {
    let mut facts = FailedFacts::default();
    if limit == 0 || queues.is_empty() {
        return Ok(facts);
    }
    let stop = isize::try_from(limit).unwrap_or(isize::MAX) - 1;
    let mut p = redis::pipe();
    p.ignore_errors();
    for q in queues {
        p.cmd("ZCARD").arg(keys.failed(q));
        p.cmd("ZREVRANGE")
            .arg(keys.failed(q))
            .arg(0)
            .arg(stop)
            .arg("WITHSCORES");
    }
    let first: Vec<Value> = super::query_pipe(&mut p, conn).await?;
    let mut candidates: Vec<(String, String, Option<f64>)> = Vec::new();
    for (i, q) in queues.iter().enumerate() {
        let total = first.get(2 * i).and_then(count);
        facts.queues.push((q.clone(), total));
        let members = first.get(2 * i + 1).map(items).unwrap_or(&[]);
        for pair in members.chunks(2) {
            if let Some(id) = pair.first().and_then(text) {
                candidates.push((q.clone(), id, pair.get(1).and_then(float)));
            }
        }
    }
    // Newest first across queues: a higher expiry score failed later.
    candidates.sort_by(|a, b| b.2.unwrap_or(f64::MIN).total_cmp(&a.2.unwrap_or(f64::MIN)));
    candidates.truncate(limit);
    if candidates.is_empty() {
        return Ok(facts);
    }

    let mut p = redis::pipe();
    p.ignore_errors();
    for (_, id, _) in &candidates {
        p.cmd("HMGET").arg(keys.job(id)).arg(&FIELDS[..]);
        p.cmd("XREVRANGE")
            .arg(keys.results(id))
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(1);
    }
    let second: Vec<Value> = super::query_pipe(&mut p, conn).await?;
    for (i, (queue, id, score)) in candidates.into_iter().enumerate() {
        let fields = second.get(2 * i).unwrap_or(&Value::Nil);
        let result = second.get(2 * i + 1);
        facts.jobs.push(FailedEntry {
            queue,
            expires_at: score.and_then(|s| jiff::Timestamp::from_second(s as i64).ok()),
            job: Job::from_reply(&id, fields, result),
        });
    }
    Ok(facts)
}
