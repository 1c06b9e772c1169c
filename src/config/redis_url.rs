//! The Redis URL forms recdiag accepts, validated before any connection.

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use url::Url;

use super::ConfigError;
use super::secret::{SecretUrl, USERINFO_SPILLS, mask_url, userinfo_spills};

/// A validated Redis target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisTarget {
    pub url: SecretUrl,
    /// `rediss://`: the connection uses TLS.
    pub tls: bool,
    /// Reached through Redis Sentinel: the master is asked for first.
    pub sentinel: Option<SentinelSpec>,
    /// Certificates to trust besides the public roots, from
    /// `ssl_ca_certs=<PEM file>` (redis-py's parameter): a private CA.
    pub ca: Vec<CertificateDer<'static>>,
}

/// The parameter naming a PEM file of certificate authorities to trust.
pub const CA_PARAM: &str = "ssl_ca_certs";

/// The certificates of `ssl_ca_certs` (or `SSL_CERT_FILE`): a regular PEM
/// file under 1 MiB holding at least one certificate.
pub(crate) fn private_ca(path: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let bad = |why: String| format!("'{path}': {why}");
    let path = std::path::Path::new(path);
    super::small_regular_file(path).map_err(bad)?;
    let pem = std::fs::read(path).map_err(|e| bad(crate::text::io_error(&e)))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("not a PEM certificate file ({e})")))?;
    if certs.is_empty() {
        return Err(bad("it holds no PEM certificate".into()));
    }
    Ok(certs)
}

/// `redis+sentinel://[user:password@]host[:port][,host[:port]…]/<master>[/<db>]`
/// `[?sentinel_username=…&sentinel_password=…]`; `rediss+sentinel://` uses
/// TLS to the sentinels and to the master.
#[derive(Clone, PartialEq, Eq)]
pub struct SentinelSpec {
    /// The master's name, as the sentinels know it (`sentinel monitor <name> …`).
    pub master: String,
    pub db: u32,
    /// Sentinel addresses (`host`, `port`; port 26379 unless given).
    pub nodes: Vec<(String, u16)>,
    /// Credentials for the master (the URL's user and password).
    pub username: Option<String>,
    pub password: Option<String>,
    /// Credentials for the sentinels themselves (redis-py's `sentinel_kwargs`).
    pub sentinel_username: Option<String>,
    pub sentinel_password: Option<String>,
    /// `#insecure`: TLS without checking certificates (self-signed).
    pub insecure: bool,
}

impl std::fmt::Debug for SentinelSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentinelSpec")
            .field("master", &self.master)
            .field("db", &self.db)
            .field("nodes", &self.nodes)
            .finish_non_exhaustive()
    }
}

/// Sentinel's own port.
pub const SENTINEL_PORT: u16 = 26379;

impl SentinelSpec {
    /// `host:port` of each sentinel, for messages.
    pub fn addresses(&self) -> Vec<String> {
        self.nodes.iter().map(|(h, p)| address(h, *p)).collect()
    }

    /// The URL of one sentinel (its own credentials, no database).
    pub fn node_url(&self, node: usize, tls: bool) -> Option<String> {
        let (host, port) = self.nodes.get(node)?;
        plain_url(
            tls,
            host,
            *port,
            self.sentinel_username.as_deref(),
            self.sentinel_password.as_deref(),
            None,
        )
        .map(|u| self.with_fragment(u))
    }

    /// The URL of the master at `host:port` (the URL's credentials and db).
    pub fn master_url(&self, host: &str, port: u16, tls: bool) -> Option<String> {
        plain_url(
            tls,
            host,
            port,
            self.username.as_deref(),
            self.password.as_deref(),
            Some(self.db),
        )
        .map(|u| self.with_fragment(u))
    }

    fn with_fragment(&self, url: String) -> String {
        if self.insecure {
            url + "#insecure"
        } else {
            url
        }
    }
}

/// `host:port`, IPv6 in brackets.
pub fn address(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn plain_url(
    tls: bool,
    host: &str,
    port: u16,
    user: Option<&str>,
    password: Option<&str>,
    db: Option<u32>,
) -> Option<String> {
    let scheme = if tls { "rediss" } else { "redis" };
    let mut url = Url::parse(&format!("{scheme}://{}", address(host, port))).ok()?;
    if let Some(u) = user {
        url.set_username(u).ok()?;
    }
    if let Some(p) = password {
        url.set_password(Some(p)).ok()?;
    }
    if let Some(db) = db {
        url.set_path(&format!("/{db}"));
    }
    Some(url.to_string())
}

impl RedisTarget {
    /// Accepts `redis://`, `rediss://`, `redis+unix://` and `unix://`, with
    /// an optional ACL user and password.
    pub fn parse(raw: &str) -> Result<Self, ConfigError> {
        let bad = |why: &str| ConfigError::BadUrl {
            what: "Redis",
            url: mask_url(raw.trim()),
            why: why.to_string(),
        };
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(bad("it is empty"));
        }
        if userinfo_spills(raw) {
            return Err(bad(USERINFO_SPILLS));
        }
        if let Some((scheme, _)) = raw.split_once("://")
            && scheme.to_ascii_lowercase().ends_with("+sentinel")
        {
            return parse_sentinel(raw).map_err(|why| bad(&why));
        }
        let url = Url::parse(raw).map_err(|e| bad(&e.to_string()))?;
        // redis-rs reads `#insecure` (TLS without verifying the server's
        // certificate: any certificate, for any host); nothing else.
        match url.fragment() {
            None | Some("insecure") => {}
            Some(_) => return Err(bad("the only fragment recdiag knows is #insecure")),
        }
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
                    "scheme '{other}' is not one of redis://, rediss://, redis+unix://, unix://, \
                     redis+sentinel://, rediss+sentinel://"
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
        let ca = match url.query_pairs().find(|(k, _)| k == CA_PARAM) {
            Some((_, path)) => {
                private_ca(&path).map_err(|why| bad(&format!("{CA_PARAM} {why}")))?
            }
            None => Vec::new(),
        };
        Ok(RedisTarget {
            url: SecretUrl::new(&url),
            tls,
            sentinel: None,
            ca,
        })
    }
}

/// A Sentinel URL; the error says why, without the URL.
fn parse_sentinel(raw: &str) -> Result<RedisTarget, String> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| "the user or password is not valid UTF-8 once decoded".to_string())
    };
    let (scheme, rest) = raw.split_once("://").ok_or("it is not a URL")?;
    let tls = match scheme.to_ascii_lowercase().as_str() {
        "redis+sentinel" => false,
        "rediss+sentinel" => true,
        other => {
            return Err(format!(
                "scheme '{other}' is not redis+sentinel:// or rediss+sentinel://"
            ));
        }
    };
    let (rest, insecure) = match rest.split_once('#') {
        Some((r, "insecure")) => (r, true),
        Some(_) => return Err("the only fragment recdiag knows is #insecure".into()),
        None => (rest, false),
    };
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));

    let (userinfo, hosts) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (username, password) = match userinfo {
        None => (None, None),
        Some(u) => {
            let (user, pass) = u.split_once(':').map_or((u, None), |(a, b)| (a, Some(b)));
            (
                Some(decode(user)?).filter(|u| !u.is_empty()),
                pass.map(decode).transpose()?.filter(|p| !p.is_empty()),
            )
        }
    };
    let mut nodes = Vec::new();
    for host in hosts.split(',') {
        let host = host.trim();
        if host.is_empty() {
            return Err("a sentinel address is empty (host:port[,host:port…])".into());
        }
        let parsed = Url::parse(&format!("redis://{host}"))
            .map_err(|e| format!("sentinel address '{host}': {e}"))?;
        let name = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| format!("sentinel address '{host}' names no host"))?;
        nodes.push((
            name.trim_matches(['[', ']']).to_string(),
            parsed.port().unwrap_or(SENTINEL_PORT),
        ));
    }
    let mut parts = path.split('/');
    let master = parts
        .next()
        .map(decode)
        .transpose()?
        .filter(|m| !m.is_empty())
        .ok_or("it names no master: …/<master name>[/<db>]")?;
    let db = match parts.next().filter(|d| !d.is_empty()) {
        None => 0,
        Some(d) => d
            .parse::<u32>()
            .map_err(|_| "the part after the master name must be a database number, like /0")?,
    };
    if parts.next().is_some_and(|p| !p.is_empty()) {
        return Err("the path must be /<master name>[/<db>]".into());
    }
    let mut sentinel_username = None;
    let mut sentinel_password = None;
    let mut ca = Vec::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "sentinel_username" => sentinel_username = Some(v.into_owned()),
            "sentinel_password" => sentinel_password = Some(v.into_owned()),
            CA_PARAM => ca = private_ca(&v).map_err(|why| format!("{CA_PARAM} {why}"))?,
            other => {
                return Err(format!(
                    "unknown parameter '{other}' (sentinel_username, sentinel_password, {CA_PARAM})"
                ));
            }
        }
    }
    let secrets = [password.clone(), sentinel_password.clone()]
        .into_iter()
        .flatten()
        .collect();
    Ok(RedisTarget {
        url: SecretUrl::opaque(raw, secrets),
        tls,
        sentinel: Some(SentinelSpec {
            master,
            db,
            nodes,
            username,
            password,
            sentinel_username: sentinel_username.filter(|u| !u.is_empty()),
            sentinel_password: sentinel_password.filter(|p| !p.is_empty()),
            insecure,
        }),
        ca,
    })
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
    fn sentinel_urls() {
        let t = RedisTarget::parse(
            "redis+sentinel://app:p%40ss@s1:26380,s2,[::1]:26381/mymaster/2?sentinel_password=sp",
        )
        .unwrap();
        let s = t.sentinel.as_ref().unwrap();
        assert_eq!(s.master, "mymaster");
        assert_eq!(s.db, 2);
        assert_eq!(
            s.nodes,
            [
                ("s1".to_string(), 26380),
                ("s2".to_string(), 26379),
                ("::1".to_string(), 26381)
            ]
        );
        assert_eq!(s.addresses()[2], "[::1]:26381");
        assert_eq!(s.password.as_deref(), Some("p@ss"));
        assert_eq!(s.sentinel_password.as_deref(), Some("sp"));
        assert!(!t.tls);
        let shown = t.url.to_string();
        assert!(
            !shown.contains("p%40ss") && !shown.contains("=sp"),
            "{shown}"
        );
        assert_eq!(
            s.master_url("10.0.0.5", 6380, false).unwrap(),
            "redis://app:p%40ss@10.0.0.5:6380/2"
        );
        assert_eq!(s.node_url(1, false).unwrap(), "redis://:sp@s2:26379");
        let t = RedisTarget::parse("rediss+sentinel://s1/m").unwrap();
        assert!(t.tls);
        assert_eq!(t.sentinel.unwrap().db, 0);
        let t = RedisTarget::parse("rediss+sentinel://s1/m/3#insecure").unwrap();
        let s = t.sentinel.unwrap();
        assert_eq!(s.db, 3);
        assert_eq!(s.node_url(0, true).unwrap(), "rediss://s1:26379#insecure");
        assert_eq!(
            s.master_url("m1", 6380, true).unwrap(),
            "rediss://m1:6380/3#insecure"
        );
        for bad in [
            "redis+sentinel://:hunter2@s1",
            "redis+sentinel://:hunter2@s1/",
            "redis+sentinel://:hunter2@s1,,s2/m",
            "redis+sentinel://:hunter2@s1/m/x",
            "redis+sentinel://:hunter2@s1/m?password=hunter2",
            "redis+sentinel://:hunter2@s1:notaport/m",
            "mongo+sentinel://:hunter2@s1/m",
        ] {
            let err = RedisTarget::parse(bad).unwrap_err().to_string();
            assert!(!err.contains("hunter2"), "{bad}: {err}");
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
