//! Commands that hints name, worded once: the troubleshooting guide's own
//! (docker-compose with the production file, service `worker`). Macros,
//! so that hints built with `concat!` stay `&'static str`; a deployment
//! that runs the app otherwise says so once (`RECDIAG_COMPOSE`,
//! `RECDIAG_WORKER_SERVICE`) and [`Deployment`] puts its own words in
//! their place in what recdiag prints.

use std::borrow::Cow;

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
/// The app's worker service, as hints are written.
pub const DEFAULT_WORKER_SERVICE: &str = "worker";

/// Compose verbs whose next word is a service.
const VERBS: [&str; 5] = [" restart ", " logs ", " up -d ", " ps ", " stop "];

/// How this deployment runs the app: its compose command and the name of
/// its worker service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    compose: String,
    worker: String,
}

impl Default for Deployment {
    fn default() -> Self {
        Deployment {
            compose: DEFAULT_COMPOSE.to_string(),
            worker: DEFAULT_WORKER_SERVICE.to_string(),
        }
    }
}

impl Deployment {
    /// `compose`: the command as typed (`docker compose -p prosaas`);
    /// `worker`: a compose service name. Each None keeps the guide's.
    pub fn new(compose: Option<&str>, worker: Option<&str>) -> Result<Deployment, String> {
        let mut d = Deployment::default();
        if let Some(c) = compose.map(str::trim) {
            if c.is_empty() || c.len() > 300 || c.chars().any(char::is_control) {
                return Err("give the compose command as typed on one line, e.g. 'docker compose -f compose.yml'".into());
            }
            d.compose = c.to_string();
        }
        if let Some(w) = worker.map(str::trim) {
            let ok = |b: u8| b.is_ascii_alphanumeric() || b"_.-".contains(&b);
            if w.is_empty() || w.len() > 100 || !w.bytes().all(ok) {
                return Err("a compose service name is letters, digits and _ . -".into());
            }
            d.worker = w.to_string();
        }
        Ok(d)
    }

    pub fn is_default(&self) -> bool {
        *self == Deployment::default()
    }

    /// `text` with the guide's compose command, and the worker service
    /// after one of its verbs, put in this deployment's words; `json`:
    /// the text is JSON, so the words go in escaped.
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
        let (compose, worker) = (escape(&self.compose), escape(&self.worker));
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find(DEFAULT_COMPOSE) {
            out.push_str(&rest[..at]);
            out.push_str(&compose);
            rest = &rest[at + DEFAULT_COMPOSE.len()..];
            for verb in VERBS {
                let Some(after) = rest.strip_prefix(verb) else {
                    continue;
                };
                let Some(tail) = after.strip_prefix(DEFAULT_WORKER_SERVICE) else {
                    continue;
                };
                let whole = tail
                    .bytes()
                    .next()
                    .is_none_or(|b| !(b.is_ascii_alphanumeric() || b"_.-".contains(&b)));
                if whole {
                    out.push_str(verb);
                    out.push_str(&worker);
                    rest = tail;
                }
                break;
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
        let d = Deployment::new(Some("docker compose -p prosaas"), Some("worker-rec")).unwrap();
        assert_eq!(
            d.apply(text, false),
            "then docker compose -p prosaas restart worker-rec; read docker compose -p prosaas logs worker-rec --tail=100"
        );
        // Other services keep their names; a longer word is not the service.
        let other = concat!(compose!(), " ps redis; ", compose!(), " restart workers");
        assert_eq!(
            d.apply(other, false),
            "docker compose -p prosaas ps redis; docker compose -p prosaas restart workers"
        );
    }

    #[test]
    fn json_text_gets_its_words_escaped() {
        let d = Deployment::new(Some(r#"docker compose -f "/opt/my app/c.yml""#), None).unwrap();
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
        assert!(Deployment::new(Some(""), None).is_err());
        assert!(Deployment::new(Some("a\nb"), None).is_err());
        assert!(Deployment::new(None, Some("worker; rm -rf /")).is_err());
    }
}
