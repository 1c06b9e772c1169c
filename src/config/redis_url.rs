//! The Redis URL forms recdiag accepts, validated before any connection.

use url::Url;

use super::ConfigError;
use super::secret::{SecretUrl, mask_userinfo};

/// A validated Redis target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisTarget {
    pub url: SecretUrl,
    /// `rediss://`: the connection uses TLS.
    pub tls: bool,
}

impl RedisTarget {
    /// Accepts `redis://`, `rediss://`, `redis+unix://` and `unix://`, with
    /// an optional ACL user and password.
    pub fn parse(raw: &str) -> Result<Self, ConfigError> {
        let bad = |why: &str| ConfigError::BadUrl {
            what: "Redis",
            url: mask_userinfo(raw.trim()),
            why: why.to_string(),
        };
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(bad("it is empty"));
        }
        let url = Url::parse(raw).map_err(|e| bad(&e.to_string()))?;
        let tls = match url.scheme() {
            "redis" => false,
            "rediss" => true,
            "redis+unix" | "unix" => {
                if url.path().is_empty() || url.path() == "/" {
                    return Err(bad("a unix socket URL needs the socket path"));
                }
                false
            }
            other => {
                return Err(bad(&format!(
                    "scheme '{other}' is not one of redis://, rediss://, redis+unix://, unix://"
                )));
            }
        };
        if matches!(url.scheme(), "redis" | "rediss") {
            if url.host_str().is_none_or(str::is_empty) {
                return Err(bad("it names no host"));
            }
            let db = url.path().trim_start_matches('/');
            if !db.is_empty() && db.parse::<u32>().is_err() {
                return Err(bad("the path must be a database number, like /0"));
            }
        }
        Ok(RedisTarget {
            url: SecretUrl::new(&url),
            tls,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms() {
        for (raw, tls) in [
            ("redis://localhost:6379/0", false),
            ("redis://127.0.0.1", false),
            ("rediss://user:pw@cache.example:6380/1", true),
            ("redis+unix:///run/redis.sock", false),
            ("unix:///run/redis.sock?db=2", false),
            ("redis://default:p%40ss@redis:6379", false),
        ] {
            let t = RedisTarget::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(t.tls, tls, "{raw}");
        }
    }

    #[test]
    fn rejected_forms_never_echo_the_password() {
        for raw in [
            "",
            "http://user:hunter2@host",
            "redis://:hunter2@",
            "redis://:hunter2@host/notanumber",
            "hunter2",
            "unix://",
        ] {
            let err = RedisTarget::parse(raw).unwrap_err().to_string();
            assert!(!err.contains("hunter2") || raw == "hunter2", "{raw}: {err}");
        }
    }
}
