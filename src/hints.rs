//! Commands that hints name, worded once: the troubleshooting guide's own
//! (docker-compose with the production file, service `worker`). Macros,
//! so that hints built with `concat!` stay `&'static str`; a deployment
//! that runs the app otherwise says so once (`RECDIAG_COMPOSE`,
//! `RECDIAG_WORKER_SERVICE`, `RECDIAG_SCHEDULER_SERVICE`,
//! `RECDIAG_REDIS_SERVICE`) and [`Deployment`] puts its own words in their
//! place in what recdiag prints.

use std::borrow::Cow;
use std::sync::LazyLock;

/// The compose command of the troubleshooting guide.
#[macro_export]
macro_rules! compose {
    () => {
        "docker-compose -f docker-compose.prod.yml"
    };
}

/// Restart the worker service.
#[macro_export]
macro_rules! restart_worker {
    () => {
        concat!($crate::compose!(), " restart worker")
    };
}

/// The worker's recent log.
#[macro_export]
macro_rules! worker_log {
    () => {
        concat!($crate::compose!(), " logs worker --tail=100")
    };
}

/// The worker's whole log, to grep.
#[macro_export]
macro_rules! worker_log_all {
    () => {
        concat!($crate::compose!(), " logs worker")
    };
}

/// The guide's compose command, as hints are written.
pub const DEFAULT_COMPOSE: &str = compose!();
/// The app's compose services hints name, as they are written.
pub const SERVICES: [&str; 3] = ["worker", "scheduler", "redis"];
/// The variables that name them in a deployment, in the same order.
pub const SERVICE_VARS: [&str; 3] = [
    "RECDIAG_WORKER_SERVICE",
    "RECDIAG_SCHEDULER_SERVICE",
    "RECDIAG_REDIS_SERVICE",
];

/// The guide's own deployment, for output that names no other.
pub static GUIDE: LazyLock<Deployment> = LazyLock::new(Deployment::default);

/// Compose verbs whose next word is a service.
const VERBS: [&str; 5] = [" restart ", " logs ", " up -d ", " ps ", " stop "];

/// How this deployment runs the app: its compose command and the names of
/// its services, in [`SERVICES`]' order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    compose: String,
    services: [String; 3],
}

impl Default for Deployment {
    fn default() -> Self {
        Deployment {
            compose: DEFAULT_COMPOSE.to_string(),
            services: SERVICES.map(str::to_string),
        }
    }
}

impl Deployment {
    /// `compose`: the command as typed (`docker compose -p prosaas`);
    /// `services`: the names of [`SERVICES`] in this deployment. Each None
    /// keeps the guide's. An error names the variable and why.
    pub fn new(
        compose: Option<&str>,
        services: [Option<&str>; 3],
    ) -> Result<Deployment, (&'static str, String)> {
        let mut d = Deployment::default();
        if let Some(c) = compose.map(str::trim) {
            if c.is_empty() || c.len() > 300 || c.chars().any(char::is_control) {
                return Err((
                    "RECDIAG_COMPOSE",
                    "give the compose command as typed on one line, e.g. 'docker compose -f compose.yml'".into(),
                ));
            }
            d.compose = c.to_string();
        }
        for ((name, slot), var) in services.iter().zip(d.services.iter_mut()).zip(SERVICE_VARS) {
            if let Some(name) = name.map(str::trim) {
                let ok = |b: u8| b.is_ascii_alphanumeric() || b"_.-".contains(&b);
                if name.is_empty() || name.len() > 100 || !name.bytes().all(ok) {
                    return Err((
                        var,
                        "a compose service name is letters, digits and _ . -".into(),
                    ));
                }
                *slot = name.to_string();
            }
        }
        Ok(d)
    }

    pub fn is_default(&self) -> bool {
        *self == Deployment::default()
    }

    /// `text` with the guide's compose command, and a service after one of
    /// its verbs, put in this deployment's words; `json`: the text is JSON,
    /// so the words go in escaped.
    pub fn apply<'a>(&self, text: &'a str, json: bool) -> Cow<'a, str> {
        if self.is_default() || !text.contains(DEFAULT_COMPOSE) {
            return Cow::Borrowed(text);
        }
        let escape = |s: &str| -> String {
            if json {
                let quoted = serde_json::Value::String(s.to_string()).to_string();
                quoted[1..quoted.len() - 1].to_string()
            } else {
                s.to_string()
            }
        };
        let compose = escape(&self.compose);
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find(DEFAULT_COMPOSE) {
            out.push_str(&rest[..at]);
            // Already in this deployment's words (a command that extends
            // the guide's, put in once by a table's hint): left as it is,
            // so that applying twice changes nothing.
            if rest[at..].starts_with(compose.as_str()) {
                out.push_str(&compose);
                rest = &rest[at + compose.len()..];
                continue;
            }
            out.push_str(&compose);
            rest = &rest[at + DEFAULT_COMPOSE.len()..];
            let Some(verb) = VERBS.iter().find(|v| rest.starts_with(**v)) else {
                continue;
            };
            let after = &rest[verb.len()..];
            let named = SERVICES
                .iter()
                .zip(&self.services)
                .find_map(|(default, own)| {
                    let tail = after.strip_prefix(default)?;
                    let whole = tail
                        .bytes()
                        .next()
                        .is_none_or(|b| !(b.is_ascii_alphanumeric() || b"_.-".contains(&b)));
                    whole.then_some((own, tail))
                });
            if let Some((own, tail)) = named {
                out.push_str(verb);
                out.push_str(&escape(own));
                rest = tail;
            }
        }
        out.push_str(rest);
        Cow::Owned(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guide_s_words_stay_unless_told_otherwise() {
        let text = concat!("then ", restart_worker!(), "; read ", worker_log!());
        assert_eq!(Deployment::default().apply(text, false), text);
        let d = Deployment::new(
            Some("docker compose -p prosaas"),
            [Some("worker-rec"), None, Some("cache")],
        )
        .unwrap();
        assert_eq!(
            d.apply(text, false),
            "then docker compose -p prosaas restart worker-rec; read docker compose -p prosaas logs worker-rec --tail=100"
        );
        // Each service its own name; a longer word is not the service.
        let other = concat!(
            compose!(),
            " ps redis; ",
            compose!(),
            " up -d scheduler; ",
            compose!(),
            " restart workers"
        );
        assert_eq!(
            d.apply(other, false),
            "docker compose -p prosaas ps cache; docker compose -p prosaas up -d scheduler; docker compose -p prosaas restart workers"
        );
    }

    /// Tables put the words in before layout and the whole output gets
    /// them again: a command that extends the guide's must not grow.
    #[test]
    fn applying_twice_changes_nothing() {
        let d = Deployment::new(
            Some(concat!(compose!(), " -p prosaas")),
            [Some("worker-rec"), None, None],
        )
        .unwrap();
        let once = d.apply(restart_worker!(), false).into_owned();
        assert_eq!(
            once,
            "docker-compose -f docker-compose.prod.yml -p prosaas restart worker-rec"
        );
        assert_eq!(d.apply(&once, false), once);
    }

    #[test]
    fn json_text_gets_its_words_escaped() {
        let d =
            Deployment::new(Some(r#"docker compose -f "/opt/my app/c.yml""#), [None; 3]).unwrap();
        let doc = serde_json::json!({ "hint": restart_worker!() }).to_string();
        let out = d.apply(&doc, true);
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            back["hint"],
            r#"docker compose -f "/opt/my app/c.yml" restart worker"#
        );
    }

    #[test]
    fn refuses_what_cannot_be_a_command() {
        assert!(Deployment::new(Some(""), [None; 3]).is_err());
        assert!(Deployment::new(Some("a\nb"), [None; 3]).is_err());
        assert!(Deployment::new(None, [Some("worker; rm -rf /"), None, None]).is_err());
    }
}
