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
    #[error("reachable, but this role may not read what recdiag reads: {detail}")]
    Denied { detail: String },
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
    open_with(target, timeout, true).await
}

/// [`connect`] without the transaction: the first [`batch`] sent must
/// begin with [`Db::opening`]. One round trip less for a new backend.
pub async fn open(target: &DatabaseTarget, timeout: Duration) -> Result<Db, DbFailure> {
    open_with(target, timeout, false).await
}

async fn open_with(
    target: &DatabaseTarget,
    timeout: Duration,
    begun: bool,
) -> Result<Db, DbFailure> {
    let connecting = async {
        match target.kind {
            DatabaseKind::Postgres => {
                let options = PgConnectOptions::from_str(target.url.expose())
                    .map_err(|e| classify(&e, target, timeout))?
                    .application_name("recdiag")
                    // PgBouncer refuses it unless told to ignore it. Floats
                    // read as text (the batches) are exact from PostgreSQL 12
                    // on; before, to 15 digits (microseconds of an epoch).
                    .extra_float_digits(None)
                    .statement_cache_capacity(0);
                let mut conn = options
                    .connect()
                    .await
                    .map_err(|e| classify(&e, target, timeout))?;
                if begun {
                    sqlx::raw_sql(AssertSqlSafe(begin(timeout)))
                        .execute(&mut conn)
                        .await
                        .map_err(|e| classify(&e, target, timeout))?;
                }
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
    begin_statements(timeout).join("; ")
}

fn begin_statements(timeout: Duration) -> Vec<String> {
    let ms = timeout.as_millis().max(1);
    vec![
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY".into(),
        format!("SET LOCAL statement_timeout = {ms}"),
        format!("SET LOCAL lock_timeout = {ms}"),
        format!(
            "SET LOCAL idle_in_transaction_session_timeout = {}",
            ms.saturating_mul(2)
        ),
    ]
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

/// What [`batch`] read: each statement's rows, in order, up to the first
/// statement that failed, and that failure (until [`Batch::rows`] hands it
/// out; `failed` stays).
#[derive(Debug)]
pub struct Batch<R> {
    pub results: Vec<Vec<R>>,
    pub error: Option<sqlx::Error>,
    pub failed: bool,
}

impl<R> Batch<R> {
    /// See [`Batched::stopped`].
    pub fn stopped(&self) -> Option<usize> {
        self.failed.then_some(self.results.len())
    }

    /// The rows of statement `i`, or the error that stopped the batch
    /// before it ended.
    pub fn rows(&mut self, i: usize) -> Result<Vec<R>, sqlx::Error> {
        match self.results.get_mut(i) {
            Some(rows) => Ok(std::mem::take(rows)),
            None => Err(self.error.take().unwrap_or_else(|| {
                sqlx::Error::Protocol(format!("statement {} of a batch gave no result", i + 1))
            })),
        }
    }
}

/// A [`Batch`] of either engine's rows.
#[derive(Debug)]
pub enum Batched {
    Pg(Batch<sqlx::postgres::PgRow>),
    Sqlite(Batch<sqlx::sqlite::SqliteRow>),
}

impl Batched {
    /// The batch stopped at statement `i` (counted from 0), for whatever
    /// reason.
    pub fn stopped_at(&self, i: usize) -> bool {
        self.stopped() == Some(i)
    }

    /// The statement the batch stopped at (counted from 0); None when
    /// every statement answered. Still said once the failure was taken
    /// out (a tolerant decode takes it: the transaction is aborted all
    /// the same).
    pub fn stopped(&self) -> Option<usize> {
        match self {
            Batched::Pg(b) => b.stopped(),
            Batched::Sqlite(b) => b.stopped(),
        }
    }

    /// The failure that stopped the batch, taken out of it.
    pub fn take_error(&mut self) -> Option<sqlx::Error> {
        match self {
            Batched::Pg(b) => b.error.take(),
            Batched::Sqlite(b) => b.error.take(),
        }
    }
}

/// A query error that means the schema is not what the app writes (a
/// missing table or column, a column of another type), not that the
/// database is unreachable: PostgreSQL's codes, SQLite's words (its code
/// for them is the generic SQLITE_ERROR).
pub fn is_schema_error(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::ColumnNotFound(_)
        | sqlx::Error::TypeNotFound { .. } => true,
        sqlx::Error::Database(db) => {
            db.code()
                .is_some_and(|c| c == "42703" || c == "42P01" || c == "42883")
                || db.message().starts_with("no such table")
                || db.message().starts_with("no such column")
        }
        _ => false,
    }
}

/// Send `statements` as one message (PostgreSQL's simple query protocol):
/// one round trip for all of them, where each query alone costs two
/// (parse, then bind and execute). Nothing is prepared, so a pooler in
/// transaction mode is as happy as with [`query`]. The statements carry
/// no parameters: values go in as literals that recdiag itself formats
/// ([`Dialect::timestamp`]).
pub async fn batch<'c, E, DB>(conn: E, statements: &[String]) -> Batch<DB::Row>
where
    DB: Database,
    E: sqlx::Executor<'c, Database = DB> + 'c,
{
    use futures_util::StreamExt;
    let sql = statements.join(";\n");
    let mut stream = sqlx::raw_sql(AssertSqlSafe(sql)).fetch_many(conn);
    let mut out = Batch {
        results: Vec::with_capacity(statements.len()),
        error: None,
        failed: false,
    };
    let mut current = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(sqlx::Either::Right(row)) => current.push(row),
            Ok(sqlx::Either::Left(_)) => out.results.push(std::mem::take(&mut current)),
            Err(e) => {
                out.error = Some(e);
                out.failed = true;
                break;
            }
        }
    }
    out
}

impl Db {
    /// [`batch`] on this session, whichever the engine.
    pub async fn batch(&mut self, statements: &[String]) -> Batched {
        match self {
            Db::Pg(c) => Batched::Pg(batch(&mut *c, statements).await),
            Db::Sqlite(c) => Batched::Sqlite(batch(&mut *c, statements).await),
        }
    }

    /// Columns of `table` that exist; empty when the table does not.
    pub async fn columns(&mut self, table: &str) -> Result<Vec<String>, sqlx::Error> {
        match self {
            Db::Pg(c) => {
                // The catalog itself, as information_schema.columns sees
                // it (the columns one may use): that view costs a new
                // backend about 5 ms, this 0.3. Sent whole (one round
                // trip): the name is one of recdiag's own table names.
                if !table.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                    return Err(sqlx::Error::InvalidArgument(format!(
                        "not a table name recdiag reads: {table:?}"
                    )));
                }
                let sql = format!(
                    "SELECT a.attname::text FROM pg_catalog.pg_attribute a \
                     JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
                     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                     WHERE n.nspname = current_schema() AND c.relname = '{table}' \
                     AND a.attnum > 0 AND NOT a.attisdropped \
                     AND pg_catalog.has_column_privilege(c.oid, a.attnum, \
                     'SELECT, INSERT, UPDATE, REFERENCES')"
                );
                let rows = batch(&mut *c, &[sql]).await.rows(0)?;
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

    /// The statements that start the read-only transaction of a session
    /// [`open`]ed without it, for the head of its first [`batch`].
    pub fn opening(&self, timeout: Duration) -> Vec<String> {
        match self {
            Db::Pg(_) => begin_statements(timeout),
            Db::Sqlite(_) => Vec::new(),
        }
    }

    /// A savepoint named `name` and the statement that rolls back to it,
    /// for PostgreSQL's transaction: a statement that fails past it leaves
    /// the transaction (and its snapshot) usable once rolled back. SQLite
    /// reads outside a transaction: a failure there stops nothing later.
    pub fn savepoint(&self, name: &str) -> Option<(String, String)> {
        match self {
            Db::Pg(_) => Some((
                format!("SAVEPOINT {name}"),
                format!("ROLLBACK TO SAVEPOINT {name}"),
            )),
            Db::Sqlite(_) => None,
        }
    }

    /// The statements that end the current snapshot and start a new one,
    /// for the head of a [`batch`] (see [`Db::fresh_snapshot`]).
    pub fn renewal(&self, timeout: Duration) -> Vec<String> {
        match self {
            Db::Pg(_) => {
                let mut statements = vec!["COMMIT".to_string()];
                statements.extend(begin_statements(timeout));
                statements
            }
            Db::Sqlite(_) => Vec::new(),
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
                // insufficient_privilege: a table, a column or the schema
                // not granted to this role.
                "42501" => DbFailure::Denied {
                    detail: db.message().to_string(),
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

    /// A timestamp as a literal, for [`batch`]. Only the naive-UTC text
    /// recdiag formats (`YYYY-MM-DD HH:MM:SS.ffffff`) is accepted: anything
    /// else would be SQL from elsewhere.
    pub fn timestamp(self, ts: &str) -> Result<String, sqlx::Error> {
        let ok = !ts.is_empty()
            && ts.len() <= 32
            && ts
                .bytes()
                .all(|b| b.is_ascii_digit() || b" -:.".contains(&b));
        if !ok {
            return Err(sqlx::Error::InvalidArgument(format!(
                "not a timestamp recdiag formats: {:?}",
                ts.chars().take(40).collect::<String>()
            )));
        }
        Ok(match self {
            Dialect::Pg => format!("'{ts}'::timestamp"),
            Dialect::Sqlite => format!("'{ts}'"),
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_recdiag_s_own_timestamps_become_literals() {
        let ts = "2026-12-06 20:10:15.375659";
        assert_eq!(
            Dialect::Pg.timestamp(ts).ok(),
            Some(format!("'{ts}'::timestamp"))
        );
        assert_eq!(Dialect::Sqlite.timestamp(ts).ok(), Some(format!("'{ts}'")));
        for bad in [
            "",
            "2026-12-06'; DROP TABLE x; --",
            "now()",
            &"1".repeat(33),
        ] {
            assert!(Dialect::Pg.timestamp(bad).is_err(), "{bad}");
            assert!(Dialect::Sqlite.timestamp(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_batch_gives_each_statement_s_rows_and_then_the_error_that_stopped_it() {
        let mut b = Batch {
            results: vec![vec![1, 2], vec![]],
            error: Some(sqlx::Error::Protocol("stopped".into())),
            failed: true,
        };
        assert_eq!(b.stopped(), Some(2));
        assert_eq!(b.rows(0).ok(), Some(vec![1, 2]));
        assert_eq!(b.rows(1).ok(), Some(vec![]));
        assert!(matches!(b.rows(2), Err(sqlx::Error::Protocol(m)) if m == "stopped"));
        // Asked again, the batch still says it did not get that far.
        assert!(b.rows(3).is_err());
        // The failure handed out, where it stopped is still known: a
        // tolerant decode took it, and the transaction is aborted all the
        // same.
        assert_eq!(b.stopped(), Some(2));
    }
}
