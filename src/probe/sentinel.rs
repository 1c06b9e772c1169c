//! Redis Sentinel: which server is the master now. Every sentinel of the
//! URL is asked at once (`SENTINEL get-master-addr-by-name`), as RQ's
//! deployments with Sentinel ask through redis-py; the address most of
//! them give is the master.

use std::time::Duration;

use tokio::task::JoinSet;

use super::redis::RedisFailure;
use crate::config::{RedisTarget, SecretUrl, SentinelSpec};

/// What one sentinel said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The master's `host`, `port`.
    Master(String, u16),
    /// The sentinel answered but monitors no master of that name.
    UnknownMaster,
    /// No usable answer.
    Failed(RedisFailure),
    /// Not asked to the end: enough sentinels had agreed.
    NotWaited,
}

/// Every sentinel's answer, and the master they point at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// `host:port` of each sentinel, with its answer, in the URL's order.
    pub answers: Vec<(String, Answer)>,
    /// The address most sentinels gave (ties: the first given).
    pub master: Option<(String, u16)>,
}

impl Resolution {
    pub fn reached(&self) -> usize {
        self.answers
            .iter()
            .filter(|(_, a)| matches!(a, Answer::Master(..) | Answer::UnknownMaster))
            .count()
    }
}

/// Ask the sentinels. With `all`, wait for every one (within `timeout`,
/// for the `redis` check, which reports each); otherwise stop as soon as
/// a majority of them name the same master, or, once one has named a
/// master, at half of `timeout`.
pub async fn resolve(
    spec: &SentinelSpec,
    target: &RedisTarget,
    timeout: Duration,
    all: bool,
) -> Resolution {
    let addresses = spec.addresses();
    let mut answers: Vec<Option<Answer>> = vec![None; addresses.len()];
    let mut asking = JoinSet::new();
    for (i, _) in addresses.iter().enumerate() {
        let url = spec.node_url(i, target.tls);
        let master = spec.master.clone();
        let ca = target.ca.clone();
        asking.spawn(async move { (i, ask(url, ca, &master, timeout).await) });
    }
    let majority = addresses.len() / 2 + 1;
    let mut order: Vec<(String, u16)> = Vec::new();
    let started = tokio::time::Instant::now();
    // The time the unanswered sentinels were given, when it ran out.
    let mut ran_out = None;
    loop {
        // Once some sentinel has named a master, the silent ones get half
        // the time, not all of it: the master must still be read.
        let budget = if order.is_empty() || all {
            timeout
        } else {
            timeout / 2
        };
        let done = match tokio::time::timeout_at(started + budget, asking.join_next()).await {
            Ok(Some(done)) => done,
            Ok(None) => break,
            Err(_) => {
                ran_out = Some(budget);
                break;
            }
        };
        let Ok((i, answer)) = done else { continue };
        if let Answer::Master(h, p) = &answer
            && !order.iter().any(|(oh, op)| (oh, op) == (h, p))
        {
            order.push((h.clone(), *p));
        }
        if let Some(slot) = answers.get_mut(i) {
            *slot = Some(answer);
        }
        let agreed = order
            .iter()
            .any(|(h, p)| votes(&answers, h, *p) >= majority);
        if !all && agreed {
            asking.abort_all();
            break;
        }
    }
    let master = order
        .iter()
        .max_by_key(|(h, p)| {
            // Most votes; among equals, the first given.
            let first = order.iter().position(|(oh, op)| (oh, op) == (h, p));
            (votes(&answers, h, *p), std::cmp::Reverse(first))
        })
        .cloned();
    Resolution {
        answers: addresses
            .into_iter()
            .zip(answers)
            .map(|(a, answer)| {
                // Still silent when the time ran out: said as the timeout
                // it is (its own timer and this one race), not as "not
                // waited for", which is for sentinels cut short because
                // enough had agreed.
                let unanswered = match ran_out {
                    Some(after) => Answer::Failed(RedisFailure::Timeout { after }),
                    None => Answer::NotWaited,
                };
                (a, answer.unwrap_or(unanswered))
            })
            .collect(),
        master,
    }
}

fn votes(answers: &[Option<Answer>], host: &str, port: u16) -> usize {
    answers
        .iter()
        .filter(|a| matches!(a, Some(Answer::Master(h, p)) if h == host && *p == port))
        .count()
}

async fn ask(
    url: Option<String>,
    ca: Vec<rustls::pki_types::CertificateDer<'static>>,
    master: &str,
    timeout: Duration,
) -> Answer {
    let Some(url) = url else {
        return Answer::Failed(RedisFailure::Other {
            detail: "cannot build this sentinel's address".into(),
        });
    };
    let node = RedisTarget {
        url: SecretUrl::opaque(&url, Vec::new()),
        tls: url.starts_with("rediss://"),
        sentinel: None,
        ca,
    };
    let asking = async {
        let mut conn = super::redis::connect_to(&node, timeout, timeout).await?;
        let reply: Option<(String, String)> = redis::cmd("SENTINEL")
            .arg("get-master-addr-by-name")
            .arg(master)
            .query_async(&mut conn)
            .await
            .map_err(|e| super::redis::classify(&e, &node, timeout))?;
        Ok::<_, RedisFailure>(reply)
    };
    match tokio::time::timeout(timeout, asking).await {
        Err(_) => Answer::Failed(RedisFailure::Timeout { after: timeout }),
        Ok(Err(e)) => Answer::Failed(e),
        Ok(Ok(reply)) => answer_of(reply),
    }
}

/// The longest host name a sentinel may give (DNS allows 253).
const MAX_HOST: usize = 255;

/// What a sentinel's reply to `get-master-addr-by-name` says: a master
/// address only when it is one — a host name of sane length without
/// spaces, control characters or URL syntax, and a port. Anything else
/// is the sentinel's failure, said in a few words (never its whole text:
/// a hostile sentinel may answer with megabytes).
pub fn answer_of(reply: Option<(String, String)>) -> Answer {
    let Some((host, port)) = reply else {
        return Answer::UnknownMaster;
    };
    let failed = |detail: String| Answer::Failed(RedisFailure::Other { detail });
    let usable = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '%');
    if host.is_empty() || host.len() > MAX_HOST || !host.chars().all(usable) {
        return failed(format!(
            "the sentinel gave a master host that is no host name ({} bytes)",
            host.len()
        ));
    }
    match port.parse::<u16>() {
        Ok(port) if port > 0 => Answer::Master(host, port),
        _ => failed(format!(
            "the sentinel gave a master port that is not a port ({})",
            crate::text::truncate(&port, 16)
        )),
    }
}

/// Why no master could be found, from every sentinel's answer.
pub fn no_master(spec: &SentinelSpec, resolution: &Resolution) -> RedisFailure {
    let reached = resolution.reached();
    if reached == 0 {
        let each: Vec<String> = resolution
            .answers
            .iter()
            .map(|(node, a)| match a {
                Answer::Failed(f) => {
                    let f = f.to_string();
                    if f.contains(node.as_str()) {
                        f
                    } else {
                        format!("{node}: {f}")
                    }
                }
                _ => format!("{node}: no answer"),
            })
            .collect();
        return RedisFailure::Sentinels {
            detail: format!(
                "no sentinel answered for master '{}' ({})",
                spec.master,
                each.join("; ")
            ),
        };
    }
    RedisFailure::NoSuchMaster {
        detail: format!(
            "{} reached, and none monitors a master named '{}'",
            crate::text::plural(reached as u64, "sentinel", "sentinels"),
            spec.master
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(answers: Vec<Answer>, master: Option<(&str, u16)>) -> Resolution {
        Resolution {
            answers: answers
                .into_iter()
                .enumerate()
                .map(|(i, a)| (format!("s{i}:26379"), a))
                .collect(),
            master: master.map(|(h, p)| (h.to_string(), p)),
        }
    }

    #[test]
    fn only_an_address_is_a_master() {
        let reply = |h: &str, p: &str| answer_of(Some((h.to_string(), p.to_string())));
        assert_eq!(
            reply("10.0.0.5", "6379"),
            Answer::Master("10.0.0.5".into(), 6379)
        );
        assert_eq!(reply("::1", "6380"), Answer::Master("::1".into(), 6380));
        assert_eq!(answer_of(None), Answer::UnknownMaster);
        for (h, p) in [
            ("", "6379"),
            ("a b", "6379"),
            ("user@evil", "6379"),
            ("evil/path", "6379"),
            ("h\n", "6379"),
            ("redis", "0"),
            ("redis", "65536"),
            ("redis", "x"),
        ] {
            assert!(matches!(reply(h, p), Answer::Failed(_)), "{h:?} {p:?}");
        }
        let long = "a".repeat(10_000_000);
        let Answer::Failed(f) = reply(&long, "1") else {
            panic!("a 10 MB host was taken");
        };
        assert!(f.to_string().len() < 200, "{f}");
    }

    #[test]
    fn reach_counts_answers_not_failures() {
        let r = res(
            vec![
                Answer::Master("a".into(), 6379),
                Answer::Master("b".into(), 6379),
                Answer::Failed(RedisFailure::Refused {
                    addr: "s2:26379".into(),
                }),
            ],
            Some(("a", 6379)),
        );
        assert_eq!(r.reached(), 2);
        let unknown = res(vec![Answer::UnknownMaster, Answer::NotWaited], None);
        assert_eq!(unknown.reached(), 1);
    }
}
