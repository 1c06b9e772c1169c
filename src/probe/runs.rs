//! `recording_runs` in the window: counts, durations, active and failed
//! runs. Every query is bounded by `created_at` (indexed), so the cost
//! follows the window, not the table; aggregates run in the database.

// Every SQL string here is built from constants of this file, never
// from input: the window bounds travel as bind parameters.
use sqlx::{AssertSqlSafe, Row};

use super::database::{Db, Dialect, RUNS_COLUMNS};

/// Active runs older than this are not looked at (a week-old "running"
/// row is history, and the lookback keeps the query on the index).
pub const ACTIVE_LOOKBACK_S: i64 = 24 * 3600;
/// Active runs read at most.
pub const ACTIVE_LIMIT: i64 = 10_000;
/// Newest failures read.
pub const FAILURES: i64 = 10;
/// Longest error message kept.
pub const ERROR_CHARS: i64 = 65_536;

/// Aggregates of a set of durations, in seconds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DurationStats {
    pub count: u64,
    pub avg: Option<f64>,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub max: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActiveRun {
    pub id: i64,
    pub call_sid: Option<String>,
    pub status: String,
    pub job_type: Option<String>,
    /// Epoch seconds (UTC).
    pub created_at: Option<f64>,
    pub started_at: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FailedRun {
    pub id: i64,
    pub call_sid: Option<String>,
    pub job_type: Option<String>,
    pub created_at: Option<f64>,
    pub completed_at: Option<f64>,
    pub error_message: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunsFacts {
    /// (status, job_type, count) in the window; NULL job_type as None.
    pub counts: Vec<(String, Option<String>, u64)>,
    /// started_at → completed_at of completed runs in the window.
    pub download: DurationStats,
    /// created_at → started_at of started runs in the window.
    pub queue_wait: DurationStats,
    /// Completed runs without started_at or completed_at.
    pub missing_timestamps: u64,
    /// Runs that completed before they started.
    pub completed_before_started: u64,
    pub active: Vec<ActiveRun>,
    pub failures: Vec<FailedRun>,
}

/// What is wrong with the schema, if anything: missing table or columns.
pub async fn schema_problems(db: &mut Db) -> Result<Vec<String>, sqlx::Error> {
    db.missing("recording_runs", &RUNS_COLUMNS).await
}

/// A query error that means the schema is not what the app writes (a
/// column of another type), not that the database is unreachable.
pub fn is_schema_error(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::ColumnDecode { .. }
            | sqlx::Error::ColumnNotFound(_)
            | sqlx::Error::TypeNotFound { .. }
    ) || matches!(e, sqlx::Error::Database(db) if db.code().is_some_and(|c| c == "42703" || c == "42P01" || c == "42883"))
}

/// `since` and `active_since` are naive UTC timestamps
/// (`YYYY-MM-DD HH:MM:SS.ffffff`), as the app writes them.
pub async fn read(db: &mut Db, since: &str, active_since: &str) -> Result<RunsFacts, sqlx::Error> {
    let mut facts = RunsFacts::default();
    let d = Dialect::of(db);

    let counts_sql = format!(
        "SELECT status, job_type, COUNT(*) FROM recording_runs WHERE created_at >= {} GROUP BY status, job_type",
        d.param(1)
    );
    let anomalies_sql = format!(
        "SELECT \
           COALESCE(SUM(CASE WHEN status = 'completed' AND (started_at IS NULL OR completed_at IS NULL) THEN 1 ELSE 0 END), 0), \
           COALESCE(SUM(CASE WHEN completed_at < started_at THEN 1 ELSE 0 END), 0) \
         FROM recording_runs WHERE created_at >= {}",
        d.param(1)
    );
    let download_expr = d.seconds_between("started_at", "completed_at");
    let download_where = format!(
        "created_at >= {} AND status = 'completed' AND started_at IS NOT NULL \
         AND completed_at IS NOT NULL AND completed_at >= started_at",
        d.param(1)
    );
    let wait_expr = d.seconds_between("created_at", "started_at");
    let wait_where = format!(
        "created_at >= {} AND started_at IS NOT NULL AND started_at >= created_at",
        d.param(1)
    );
    let active_sql = format!(
        "SELECT CAST(id AS BIGINT), call_sid, status, job_type, {}, {} FROM recording_runs \
         WHERE created_at >= {} AND status IN ('queued', 'running') ORDER BY created_at LIMIT {ACTIVE_LIMIT}",
        d.epoch("created_at"),
        d.epoch("started_at"),
        d.param(1)
    );
    let failures_sql = format!(
        "SELECT CAST(id AS BIGINT), call_sid, job_type, {}, {}, {} FROM recording_runs \
         WHERE created_at >= {} AND status = 'failed' ORDER BY created_at DESC LIMIT {FAILURES}",
        d.epoch("created_at"),
        d.epoch("completed_at"),
        d.prefix("error_message", ERROR_CHARS),
        d.param(1)
    );

    // What both engines run alike; only the durations differ (below).
    macro_rules! common {
        ($c:expr) => {{
            for row in sqlx::query(AssertSqlSafe(counts_sql.as_str()))
                .bind(since)
                .fetch_all(&mut *$c)
                .await?
            {
                facts.counts.push((
                    row.try_get(0)?,
                    row.try_get(1)?,
                    row.try_get::<i64, _>(2)?.max(0) as u64,
                ));
            }
            let row = sqlx::query(AssertSqlSafe(anomalies_sql.as_str()))
                .bind(since)
                .fetch_one(&mut *$c)
                .await?;
            facts.missing_timestamps = row.try_get::<i64, _>(0)?.max(0) as u64;
            facts.completed_before_started = row.try_get::<i64, _>(1)?.max(0) as u64;
            for row in sqlx::query(AssertSqlSafe(active_sql.as_str()))
                .bind(active_since)
                .fetch_all(&mut *$c)
                .await?
            {
                facts.active.push(ActiveRun {
                    id: row.try_get(0)?,
                    call_sid: row.try_get(1)?,
                    status: row.try_get(2)?,
                    job_type: row.try_get(3)?,
                    created_at: row.try_get(4)?,
                    started_at: row.try_get(5)?,
                });
            }
            for row in sqlx::query(AssertSqlSafe(failures_sql.as_str()))
                .bind(since)
                .fetch_all(&mut *$c)
                .await?
            {
                facts.failures.push(FailedRun {
                    id: row.try_get(0)?,
                    call_sid: row.try_get(1)?,
                    job_type: row.try_get(2)?,
                    created_at: row.try_get(3)?,
                    completed_at: row.try_get(4)?,
                    error_message: row.try_get(5)?,
                });
            }
        }};
    }
    let durations = [(&download_expr, &download_where), (&wait_expr, &wait_where)];
    let mut stats = Vec::with_capacity(2);
    match db {
        Db::Pg(c) => {
            common!(c);
            for (expr, filter) in durations {
                let sql = format!(
                    "SELECT COUNT(*), AVG(d), percentile_cont(0.5) WITHIN GROUP (ORDER BY d), \
                     percentile_cont(0.95) WITHIN GROUP (ORDER BY d), MAX(d) \
                     FROM (SELECT {expr} AS d FROM recording_runs WHERE {filter}) s"
                );
                let row = sqlx::query(AssertSqlSafe(sql.as_str()))
                    .bind(since)
                    .fetch_one(&mut *c)
                    .await?;
                stats.push(DurationStats {
                    count: row.try_get::<i64, _>(0)?.max(0) as u64,
                    avg: row.try_get(1)?,
                    p50: row.try_get(2)?,
                    p95: row.try_get(3)?,
                    max: row.try_get(4)?,
                });
            }
        }
        Db::Sqlite(c) => {
            common!(c);
            // SQLite has no percentile function: the window's durations,
            // sorted by the database, one float each.
            for (expr, filter) in durations {
                let sql = format!(
                    "SELECT d FROM (SELECT {expr} AS d FROM recording_runs WHERE {filter}) WHERE d IS NOT NULL ORDER BY d"
                );
                let values: Vec<f64> = sqlx::query(AssertSqlSafe(sql.as_str()))
                    .bind(since)
                    .fetch_all(&mut *c)
                    .await?
                    .iter()
                    .map(|r| r.try_get::<f64, _>(0))
                    .collect::<Result<_, _>>()?;
                stats.push(stats_of_sorted(&values));
            }
        }
    }
    let mut stats = stats.into_iter();
    facts.download = stats.next().unwrap_or_default();
    facts.queue_wait = stats.next().unwrap_or_default();
    Ok(facts)
}

/// Nearest-rank-interpolated percentiles over sorted values, as
/// PostgreSQL's percentile_cont computes them.
pub fn stats_of_sorted(v: &[f64]) -> DurationStats {
    if v.is_empty() {
        return DurationStats::default();
    }
    let pct = |p: f64| {
        let pos = p * (v.len() - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
    };
    DurationStats {
        count: v.len() as u64,
        avg: Some(v.iter().sum::<f64>() / v.len() as f64),
        p50: Some(pct(0.5)),
        p95: Some(pct(0.95)),
        max: v.last().copied(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_match_percentile_cont() {
        let s = stats_of_sorted(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(s.p50, Some(2.5));
        assert_eq!(s.max, Some(4.0));
        assert_eq!(s.avg, Some(2.5));
        assert!((s.p95.unwrap() - 3.85).abs() < 1e-9);
        assert_eq!(stats_of_sorted(&[]), DurationStats::default());
        assert_eq!(stats_of_sorted(&[7.0]).p95, Some(7.0));
    }
}
