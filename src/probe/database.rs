//! The database connection: PostgreSQL or SQLite, read-only, bounded by the
//! timeout, with failures classified where they are born.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::query::{Query, QueryScalar};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Database, Row, SqlSafeStr};

use crate::config::{DatabaseKind, DatabaseTarget};

/// An open, read-only session.
#[derive(Debug)]
pub enum Db {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Why the database could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DbFailure {
    #[error("connection refused by {addr} — nothing listens there")]
    Refused { addr: String },
    #[error("cannot resolve host '{host}' (DNS lookup failed)")]
    Dns { host: String },
    #[error("authentication rejected: {detail}")]
    Auth { detail: String },
    #[error("no answer within {}", humantime::format_duration(*.after))]
    Timeout { after: Duration },
    #[error("TLS failed: {detail}")]
    Tls { detail: String },
    #[error("{what} does not exist")]
    NotFound { what: String },
    #[error("{detail}")]
    Other { detail: String },
}

/// The columns of `recording_runs` recdiag reads.
pub const RUNS_COLUMNS: [&str; 8] = [
    "id",
    "call_sid",
    "status",
    "job_type",
    "error_message",
    "created_at",
    "started_at",
    "completed_at",
];

/// Open a session that can only read. On PostgreSQL everything recdiag
/// asks runs in one `READ ONLY`, `REPEATABLE READ` transaction (one
/// snapshot) with `SET LOCAL` timeouts, and every statement is unnamed:
/// a transaction-mode pooler (PgBouncer, Supavisor) keeps a client on one
/// server connection only for a transaction and refuses unknown startup
/// parameters, so neither session settings nor named prepared statements
/// would survive it. On SQLite, a read-only open.
pub async fn connect(target: &DatabaseTarget, timeout: Duration) -> Result<Db, DbFailure> {
    let connecting = async {
        match target.kind {
            DatabaseKind::Postgres => {
                let options = PgConnectOptions::from_str(target.url.expose())
                    .map_err(|e| classify(&e, target, timeout))?
                    .application_name("recdiag")
                    // PgBouncer refuses it unless told to ignore it; every
                    // float recdiag reads comes in binary anyway.
                    .extra_float_digits(None)
                    .statement_cache_capacity(0);
                let mut conn = options
                    .connect()
                    .await
                    .map_err(|e| classify(&e, target, timeout))?;
                sqlx::raw_sql(AssertSqlSafe(begin(timeout)))
                    .execute(&mut conn)
                    .await
                    .map_err(|e| classify(&e, target, timeout))?;
                Ok(Db::Pg(conn))
            }
            DatabaseKind::Sqlite => {
                let options = SqliteConnectOptions::from_str(target.url.expose())
                    .map_err(|e| classify(&e, target, timeout))?
                    .read_only(true)
                    .create_if_missing(false)
                    .busy_timeout(timeout);
                options
                    .connect()
                    .await
                    .map(Db::Sqlite)
                    .map_err(|e| classify(&e, target, timeout))
            }
        }
    };
    tokio::time::timeout(timeout, connecting)
        .await
        .map_err(|_| DbFailure::Timeout { after: timeout })?
}

/// The read-only transaction every PostgreSQL session runs in.
fn begin(timeout: Duration) -> String {
    let ms = timeout.as_millis().max(1);
    format!(
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; \
         SET LOCAL statement_timeout = {ms}; SET LOCAL lock_timeout = {ms}; \
         SET LOCAL idle_in_transaction_session_timeout = {}",
        ms.saturating_mul(2)
    )
}

/// A query as every probe sends it: unnamed, so that no prepared
/// statement outlives the transaction (see [`connect`]).
pub fn query<'q, DB: Database + sqlx::database::HasStatementCache>(
    sql: impl SqlSafeStr,
) -> Query<'q, DB, DB::Arguments> {
    sqlx::query(sql).persistent(false)
}

/// [`query`] for one column.
pub fn query_scalar<'q, DB, O>(sql: impl SqlSafeStr) -> QueryScalar<'q, DB, O, DB::Arguments>
where
    DB: Database + sqlx::database::HasStatementCache,
    (O,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    sqlx::query_scalar(sql).persistent(false)
}

impl Db {
    /// Columns of `table` that exist; empty when the table does not.
    pub async fn columns(&mut self, table: &str) -> Result<Vec<String>, sqlx::Error> {
        match self {
            Db::Pg(c) => {
                // The catalog itself, as information_schema.columns sees
                // it (the columns one may use): that view costs a new
                // backend about 5 ms, this 0.3.
                let rows = query(
                    "SELECT a.attname::text FROM pg_catalog.pg_attribute a \
                     JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
                     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                     WHERE n.nspname = current_schema() AND c.relname = $1 \
                     AND a.attnum > 0 AND NOT a.attisdropped \
                     AND pg_catalog.has_column_privilege(c.oid, a.attnum, \
                     'SELECT, INSERT, UPDATE, REFERENCES')",
                )
                .bind(table)
                .fetch_all(&mut *c)
                .await?;
                rows.iter().map(|r| r.try_get::<String, _>(0)).collect()
            }
            Db::Sqlite(c) => {
                let rows = query("SELECT name FROM pragma_table_info(?1)")
                    .bind(table)
                    .fetch_all(&mut *c)
                    .await?;
                rows.iter().map(|r| r.try_get::<String, _>(0)).collect()
            }
        }
    }

    /// Missing `table` or columns of it, as names ("recording_runs" or
    /// "recording_runs.started_at").
    pub async fn missing(
        &mut self,
        table: &str,
        wanted: &[&str],
    ) -> Result<Vec<String>, sqlx::Error> {
        let have = self.columns(table).await?;
        if have.is_empty() {
            return Ok(vec![table.to_string()]);
        }
        Ok(wanted
            .iter()
            .filter(|c| !have.iter().any(|h| h.eq_ignore_ascii_case(c)))
            .map(|c| format!("{table}.{c}"))
            .collect())
    }

    /// End the current snapshot and start a new one, so that what is read
    /// next is at least as new as what was read elsewhere in between (the
    /// slots in Redis, say). SQLite reads outside a transaction: each
    /// statement already sees the newest data.
    pub async fn fresh_snapshot(&mut self, timeout: Duration) -> Result<(), sqlx::Error> {
        match self {
            Db::Pg(c) => {
                sqlx::raw_sql(AssertSqlSafe(format!("COMMIT; {}", begin(timeout))))
                    .execute(&mut *c)
                    .await?;
                Ok(())
            }
            Db::Sqlite(_) => Ok(()),
        }
    }

    /// End the session: the read-only transaction is rolled back first,
    /// so that a pooler can hand its server connection on at once.
    pub async fn close(self) {
        let _ = match self {
            Db::Pg(mut c) => {
                let _ = sqlx::raw_sql("ROLLBACK").execute(&mut c).await;
                c.close().await
            }
            Db::Sqlite(c) => c.close().await,
        };
    }
}

/// Turn a driver error into what an operator needs to hear. Messages from
/// the driver never carry the password; the renderer scrubs them anyway.
pub fn classify(e: &sqlx::Error, target: &DatabaseTarget, timeout: Duration) -> DbFailure {
    let url = url::Url::parse(target.url.expose()).ok();
    let host = url
        .as_ref()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let addr = url
        .as_ref()
        .map(|u| format!("{host}:{}", u.port().unwrap_or(5432)))
        .unwrap_or_default();
    match e {
        sqlx::Error::Io(io) => {
            let text = io.to_string();
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => DbFailure::Refused { addr },
                std::io::ErrorKind::TimedOut => DbFailure::Timeout { after: timeout },
                _ if text.contains("lookup address")
                    || text.contains("Name or service not known") =>
                {
                    DbFailure::Dns { host }
                }
                _ if looks_like_tls(&text) => DbFailure::Tls {
                    detail: crate::text::driver_error(&text),
                },
                // "expected to read 101 bytes, got 8 bytes at EOF"
                std::io::ErrorKind::UnexpectedEof => DbFailure::Other {
                    detail: format!(
                        "connection to {addr} closed by the server in the middle of a message"
                    ),
                },
                _ => DbFailure::Other {
                    detail: crate::text::driver_error(&text),
                },
            }
        }
        sqlx::Error::Tls(t) => DbFailure::Tls {
            detail: crate::text::driver_error(&t.to_string()),
        },
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            match code.as_str() {
                "28P01" | "28000" => DbFailure::Auth {
                    detail: "wrong user or password in the database URL".into(),
                },
                "3D000" => DbFailure::NotFound {
                    what: format!("the database named in the URL ({})", db.message()),
                },
                // statement_timeout, and lock_timeout: a lock held elsewhere.
                "57014" | "55P03" => DbFailure::Timeout { after: timeout },
                // SQLITE_CANTOPEN
                "14" => DbFailure::NotFound {
                    what: format!("the SQLite file of {}", target.url),
                },
                _ => DbFailure::Other {
                    detail: db.message().to_string(),
                },
            }
        }
        sqlx::Error::PoolTimedOut => DbFailure::Timeout { after: timeout },
        sqlx::Error::Protocol(_) => DbFailure::Other {
            detail: "the server answers, but not in the PostgreSQL protocol: is it a PostgreSQL server (not a pooler's admin port, HTTP or another service)?".into(),
        },
        other => {
            let detail = crate::text::driver_error(&other.to_string());
            if looks_like_tls(&detail) {
                DbFailure::Tls { detail }
            } else {
                DbFailure::Other { detail }
            }
        }
    }
}

/// rustls reports certificate problems as I/O errors of its own words.
fn looks_like_tls(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    ["certificate", "tls", "ssl", "handshake"]
        .iter()
        .any(|w| lower.contains(w))
}

/// SQL that differs between PostgreSQL and SQLite.
#[derive(Debug, Clone, Copy)]
pub enum Dialect {
    Pg,
    Sqlite,
}

impl Dialect {
    pub fn of(db: &Db) -> Dialect {
        match db {
            Db::Pg(_) => Dialect::Pg,
            Db::Sqlite(_) => Dialect::Sqlite,
        }
    }

    /// A timestamp parameter.
    pub fn param(self, n: u8) -> String {
        match self {
            Dialect::Pg => format!("${n}::timestamp"),
            Dialect::Sqlite => format!("?{n}"),
        }
    }

    /// A text parameter.
    pub fn text_param(self, n: u8) -> String {
        match self {
            Dialect::Pg => format!("${n}"),
            Dialect::Sqlite => format!("?{n}"),
        }
    }

    /// Epoch seconds of a naive-UTC timestamp column, as a float.
    pub fn epoch(self, col: &str) -> String {
        match self {
            Dialect::Pg => format!("EXTRACT(EPOCH FROM {col})::float8"),
            // Millisecond precision; julianday() arithmetic loses microseconds.
            Dialect::Sqlite => format!("unixepoch({col}, 'subsec')"),
        }
    }

    pub fn seconds_between(self, from: &str, to: &str) -> String {
        match self {
            Dialect::Pg => format!("EXTRACT(EPOCH FROM ({to} - {from}))::float8"),
            Dialect::Sqlite => format!("(unixepoch({to}, 'subsec') - unixepoch({from}, 'subsec'))"),
        }
    }

    pub fn prefix(self, col: &str, chars: i64) -> String {
        match self {
            Dialect::Pg => format!("LEFT({col}, {chars})"),
            Dialect::Sqlite => format!("SUBSTR({col}, 1, {chars})"),
        }
    }
}

/// Why a read failed: before the session (classified), or in a query
/// (which may be the schema's fault rather than the connection's).
#[derive(Debug)]
pub enum ConnectOrQuery {
    Connect(DbFailure),
    Query(sqlx::Error),
}
