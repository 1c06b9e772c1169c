//! RQ's key names, shared by the configuration and the probes. rq 3.0
//! puts every key under `RQ_KEY_PREFIX` (default `rq`); older versions
//! always use `rq`. One value names them all, so a deployment with its
//! own prefix is read where its workers write.

/// RQ's default key prefix, the only one before rq 3.0.
pub const DEFAULT_PREFIX: &str = "rq";

/// The names of RQ's keys under one prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    prefix: String,
}

impl Default for Keys {
    fn default() -> Self {
        Keys {
            prefix: DEFAULT_PREFIX.to_string(),
        }
    }
}

impl Keys {
    /// A prefix as rq 3.0 accepts it: letters, digits and `_ . : - { }`.
    pub fn new(prefix: &str) -> Result<Keys, String> {
        let ok = |b: u8| b.is_ascii_alphanumeric() || b"_.:{}-".contains(&b);
        if prefix.is_empty() || prefix.len() > 200 || !prefix.bytes().all(ok) {
            return Err(
                "RQ accepts only letters, digits and _ . : - { } in its key prefix".to_string(),
            );
        }
        Ok(Keys {
            prefix: prefix.to_string(),
        })
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// True for RQ's own `rq`, the only prefix before rq 3.0.
    pub fn is_default(&self) -> bool {
        self.prefix == DEFAULT_PREFIX
    }

    fn key(&self, rest: std::fmt::Arguments) -> String {
        format!("{}:{rest}", self.prefix)
    }

    /// The set of queue keys.
    pub fn queues(&self) -> String {
        self.key(format_args!("queues"))
    }
    /// The set of worker keys.
    pub fn workers(&self) -> String {
        self.key(format_args!("workers"))
    }
    /// Set by `rq suspend`.
    pub fn suspended(&self) -> String {
        self.key(format_args!("suspended"))
    }
    pub fn queue(&self, q: &str) -> String {
        self.key(format_args!("queue:{q}"))
    }
    /// Where RQ (>= 2) moves a job it dequeues, before the job enters the
    /// started registry: for a moment the job is in neither.
    pub fn intermediate(&self, q: &str) -> String {
        self.key(format_args!("queue:{q}:intermediate"))
    }
    pub fn started(&self, q: &str) -> String {
        self.key(format_args!("wip:{q}"))
    }
    pub fn failed(&self, q: &str) -> String {
        self.key(format_args!("failed:{q}"))
    }
    pub fn finished(&self, q: &str) -> String {
        self.key(format_args!("finished:{q}"))
    }
    pub fn scheduled(&self, q: &str) -> String {
        self.key(format_args!("scheduled:{q}"))
    }
    pub fn deferred(&self, q: &str) -> String {
        self.key(format_args!("deferred:{q}"))
    }
    pub fn canceled(&self, q: &str) -> String {
        self.key(format_args!("canceled:{q}"))
    }
    pub fn workers_of_queue(&self, q: &str) -> String {
        self.key(format_args!("workers:{q}"))
    }
    pub fn worker(&self, name: &str) -> String {
        self.key(format_args!("worker:{name}"))
    }
    pub fn job(&self, id: &str) -> String {
        self.key(format_args!("job:{id}"))
    }
    pub fn results(&self, id: &str) -> String {
        self.key(format_args!("results:{id}"))
    }
    /// rq 3.0: the set of rate-limit keys in use.
    pub fn rate_limit_keys(&self) -> String {
        self.key(format_args!("rl-keys"))
    }
    /// rq 3.0: the jobs a rate limit holds back (a sorted set of job ids):
    /// they wait on no queue until a slot frees.
    pub fn rate_limited(&self, limit: &str) -> String {
        self.key(format_args!("rl:{limit}:rate_limited"))
    }

    /// The queue a key of the queue set names.
    pub fn queue_name<'a>(&self, key: &'a str) -> Option<&'a str> {
        self.strip(key, "queue:")
    }
    /// The worker a key of the worker set names.
    pub fn worker_name<'a>(&self, key: &'a str) -> Option<&'a str> {
        self.strip(key, "worker:")
    }

    fn strip<'a>(&self, key: &'a str, kind: &str) -> Option<&'a str> {
        key.strip_prefix(self.prefix.as_str())?
            .strip_prefix(':')?
            .strip_prefix(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_prefix() {
        let rq = Keys::default();
        assert_eq!(rq.queue("recordings"), "rq:queue:recordings");
        assert_eq!(rq.started("recordings"), "rq:wip:recordings");
        assert_eq!(rq.queue_name("rq:queue:recordings"), Some("recordings"));
        let app = Keys::new("{prosaas}").unwrap();
        assert_eq!(app.workers(), "{prosaas}:workers");
        assert_eq!(
            app.rate_limited("twilio"),
            "{prosaas}:rl:twilio:rate_limited"
        );
        assert_eq!(app.worker_name("{prosaas}:worker:w1"), Some("w1"));
        assert_eq!(app.queue_name("rq:queue:recordings"), None);
        assert_eq!(Keys::new("rq").unwrap(), rq);
    }

    #[test]
    fn refuses_what_rq_refuses() {
        for bad in ["", "rq prefix", "rq*", "a\nb", "ü"] {
            assert!(Keys::new(bad).is_err(), "{bad:?}");
        }
    }
}
