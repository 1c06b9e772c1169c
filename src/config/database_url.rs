//! The database URL: `--database-url`, the app's variables
//! (`DATABASE_URL_POOLER`, `DATABASE_URL`, `DB_POSTGRESDB_*`) or
//! `DATABASE_URL_DIRECT`, SQLAlchemy forms normalised, resolved and
//! validated before any connection.

use url::Url;

use super::ConfigError;
use super::secret::{SecretUrl, USERINFO_SPILLS, mask_url, userinfo_spills};

/// Which database engine a target speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Postgres,
    Sqlite,
}

/// A validated database target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseTarget {
    pub kind: DatabaseKind,
    pub url: SecretUrl,
    /// Where the URL came from: `--database-url`, `DATABASE_URL_POOLER`,
    /// `DATABASE_URL`, `DB_POSTGRESDB_*` or `DATABASE_URL_DIRECT`.
    pub source: &'static str,
}

/// The variables a database URL is read from, in recdiag's order: the
/// app's own (`get_database_url(connection_type="pooler")`: the pooler,
/// then `DATABASE_URL`, then `DB_POSTGRESDB_*`), so that recdiag reads what
/// the worker reads; `DATABASE_URL_DIRECT`, which only the app's
/// migrations use, last, for a deployment that sets nothing else.
pub const URL_SOURCES: [&str; 4] = [
    "DATABASE_URL_POOLER",
    "DATABASE_URL",
    "DB_POSTGRESDB_*",
    "DATABASE_URL_DIRECT",
];

const SSL_MODES: [&str; 6] = [
    "disable",
    "allow",
    "prefer",
    "require",
    "verify-ca",
    "verify-full",
];

/// A certificate or key file the driver may read (`system` is libpq's
/// word for the system's trusted roots).
fn certificate_file(path: &str) -> Result<(), String> {
    if path == "system" {
        return Ok(());
    }
    super::small_regular_file(std::path::Path::new(path))
}

impl DatabaseTarget {
    /// Accepts `postgres://`, `postgresql://`, the SQLAlchemy forms
    /// `postgresql+psycopg2://` and `postgresql+psycopg://` (normalised to
    /// `postgresql://`), and `sqlite://path`.
    pub fn parse(raw: &str) -> Result<Self, ConfigError> {
        let raw = raw.trim();
        let bad = |why: &str| ConfigError::BadUrl {
            what: "database",
            url: mask_url(raw),
            why: why.to_string(),
        };
        let Some((scheme, rest)) = raw.split_once("://") else {
            return Err(bad("it is not a URL (expected scheme://…)"));
        };
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "sqlite" && userinfo_spills(raw) {
            return Err(bad(USERINFO_SPILLS));
        }
        if scheme == "sqlite" {
            if rest.is_empty() {
                return Err(bad("a sqlite URL needs a file path"));
            }
            let url = Url::parse(&format!("sqlite://{rest}")).map_err(|e| bad(&e.to_string()))?;
            return Ok(DatabaseTarget {
                kind: DatabaseKind::Sqlite,
                url: SecretUrl::new(&url),
                source: "--database-url",
            });
        }
        let base = scheme.split('+').next().unwrap_or_default();
        if base != "postgres" && base != "postgresql" {
            return Err(bad(&format!(
                "scheme '{scheme}' is not postgres://, postgresql://, postgresql+psycopg2:// or sqlite://"
            )));
        }
        let url = Url::parse(&format!("postgresql://{rest}")).map_err(|e| bad(&e.to_string()))?;
        if url.host_str().is_none_or(str::is_empty) && !url.query_pairs().any(|(k, _)| k == "host")
        {
            return Err(bad("it names no host"));
        }
        if let Some((_, mode)) = url.query_pairs().find(|(k, _)| k == "sslmode")
            && !SSL_MODES.contains(&mode.as_ref())
        {
            return Err(bad(&format!(
                "sslmode '{mode}' is not one of {}",
                SSL_MODES.join(", ")
            )));
        }
        // The certificate files the driver will read: regular files of a
        // certificate's size (a FIFO or /dev/zero would hold it for ever
        // or fill its memory).
        for (k, v) in url.query_pairs() {
            if matches!(k.as_ref(), "sslrootcert" | "sslcert" | "sslkey")
                && let Err(why) = certificate_file(&v)
            {
                return Err(bad(&format!("{k} '{v}': {why}")));
            }
        }
        Ok(DatabaseTarget {
            kind: DatabaseKind::Postgres,
            url: SecretUrl::new(&url),
            source: "--database-url",
        })
    }

    /// The same target, read from `source`.
    pub fn from_source(mut self, source: &'static str) -> Self {
        self.source = source;
        self
    }

    /// Build the URL from the app's `DB_POSTGRESDB_*` variables, as the app
    /// does: host required; database `postgres` and port 5432 by default;
    /// `_SSL` true (its default) → `sslmode=require`. `None` when no host
    /// is set.
    pub fn from_parts(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ConfigError> {
        let Some(host) = lookup("DB_POSTGRESDB_HOST").filter(|h| !h.trim().is_empty()) else {
            return Ok(None);
        };
        let bad = |why: String| ConfigError::BadSetting {
            name: "DB_POSTGRESDB_*",
            why,
        };
        let mut url = Url::parse("postgresql://localhost").map_err(|e| bad(e.to_string()))?;
        url.set_host(Some(host.trim()))
            .map_err(|e| bad(format!("DB_POSTGRESDB_HOST is not a host name: {e}")))?;
        let port = match lookup("DB_POSTGRESDB_PORT").filter(|p| !p.trim().is_empty()) {
            Some(p) => p
                .trim()
                .parse::<u16>()
                .map_err(|_| bad("DB_POSTGRESDB_PORT is not a port number".to_string()))?,
            None => 5432,
        };
        let _ = url.set_port(Some(port));
        if let Some(user) = lookup("DB_POSTGRESDB_USER").filter(|u| !u.is_empty()) {
            let _ = url.set_username(&user);
        }
        if let Some(password) = lookup("DB_POSTGRESDB_PASSWORD").filter(|p| !p.is_empty()) {
            let _ = url.set_password(Some(&password));
        }
        let database = lookup("DB_POSTGRESDB_DATABASE")
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| "postgres".to_string());
        url.path_segments_mut()
            .map_err(|_| bad("cannot build the URL".to_string()))?
            .push(database.trim());
        // The app's default is true.
        let ssl = lookup("DB_POSTGRESDB_SSL").unwrap_or_else(|| "true".to_string());
        if matches!(
            ssl.trim().to_ascii_lowercase().as_str(),
            "true" | "1" | "yes" | "on"
        ) {
            url.query_pairs_mut().append_pair("sslmode", "require");
        }
        Ok(Some(DatabaseTarget {
            kind: DatabaseKind::Postgres,
            url: SecretUrl::new(&url),
            source: "DB_POSTGRESDB_*",
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn url_forms_are_normalised() {
        for (raw, want) in [
            (
                "postgres://u:pw@db:5432/app",
                "postgresql://u:***@db:5432/app",
            ),
            (
                "postgresql://u@db/app?sslmode=require",
                "postgresql://u@db/app?sslmode=require",
            ),
            (
                "postgresql+psycopg2://u:pw@db/app",
                "postgresql://u:***@db/app",
            ),
            (
                "postgresql+psycopg://u:pw@db/app",
                "postgresql://u:***@db/app",
            ),
        ] {
            let t = DatabaseTarget::parse(raw).unwrap();
            assert_eq!(t.kind, DatabaseKind::Postgres);
            assert_eq!(t.url.to_string(), want);
        }
        let t = DatabaseTarget::parse("sqlite://data/app.db").unwrap();
        assert_eq!(t.kind, DatabaseKind::Sqlite);
    }

    #[test]
    fn bad_urls_are_rejected_without_the_password() {
        for raw in [
            "mysql://u:topsecret@db/app",
            "postgres://u:topsecret@db/app?sslmode=sometimes",
            "postgres://u:topsecret@/app",
            "topsecret",
            "sqlite://",
        ] {
            let err = DatabaseTarget::parse(raw).unwrap_err().to_string();
            assert!(!err.contains("topsecret") || raw == "topsecret", "{err}");
        }
    }

    #[test]
    fn built_from_app_variables() {
        let env: HashMap<&str, &str> = [
            ("DB_POSTGRESDB_HOST", "pg.internal"),
            ("DB_POSTGRESDB_USER", "app"),
            ("DB_POSTGRESDB_PASSWORD", "p@ss word"),
            ("DB_POSTGRESDB_SSL", "true"),
        ]
        .into();
        let t = DatabaseTarget::from_parts(|k| env.get(k).map(|v| v.to_string()))
            .unwrap()
            .unwrap();
        assert_eq!(
            t.url.to_string(),
            "postgresql://app:***@pg.internal:5432/postgres?sslmode=require"
        );
        assert!(t.url.expose().contains("p%40ss%20word"));
        assert_eq!(t.source, "DB_POSTGRESDB_*");
        assert!(DatabaseTarget::from_parts(|_| None).unwrap().is_none());
        // As in the app, TLS is required unless _SSL says otherwise.
        let host_only = |k: &str| (k == "DB_POSTGRESDB_HOST").then(|| "pg".to_string());
        let t = DatabaseTarget::from_parts(host_only).unwrap().unwrap();
        assert!(t.url.to_string().ends_with("?sslmode=require"));
    }
}
