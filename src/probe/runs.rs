//! `recording_runs` in the window: counts, durations, active and failed
//! runs. Every query is bounded by `created_at` (indexed), so the cost
//! follows the window, not the table; aggregates run in the database.

// Every SQL string here is built from constants of this file, never
// from input: the window bounds go in as literals that only recdiag's
// own timestamp text passes (`Dialect::timestamp`).
use sqlx::Row;

use super::database::{Batched, Db, Dialect, RUNS_COLUMNS};

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
    pub business_id: Option<i64>,
    /// A newer run exists for the same (business, call): this is the
    /// app's leftover API row (spec §1 item 3), not the call's fate.
    pub superseded: bool,
    pub call_sid: Option<String>,
    pub status: String,
    pub job_type: Option<String>,
    /// Epoch seconds (UTC).
    pub created_at: Option<f64>,
    pub started_at: Option<f64>,
    /// For a `running` download run: the first newer download run of the
    /// same (business, call) created after this one started — RQ's retry
    /// of the same job after its work-horse died (spec §1 item 5; while a
    /// run is active the API enqueues nothing, so nothing else makes one).
    pub successor: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FailedRun {
    pub id: i64,
    pub call_sid: Option<String>,
    pub job_type: Option<String>,
    pub created_at: Option<f64>,
    pub completed_at: Option<f64>,
    pub error_message: Option<String>,
    /// A stuck-recovery text on a run whose sibling a worker did process:
    /// an echo of that sibling's fate, not a failure of its own.
    pub echo: bool,
}

/// Failed runs in the window, grouped by the head of their error text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FailureGroup {
    pub head: Option<String>,
    pub echo: bool,
    pub count: u64,
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
    pub failure_groups: Vec<FailureGroup>,
    /// Leading columns of the table's valid indexes; None: could not be read.
    pub index_leading_columns: Option<Vec<String>>,
    /// The planner's row estimate (PostgreSQL).
    pub rows_estimate: Option<f64>,
    /// Call SIDs of active runs whose `<SID>.mp3` is valid: those runs are
    /// superseded (filled by the check from the directory, not the database).
    pub valid_files: std::collections::BTreeSet<String>,
    /// Why the active runs' files were not looked at, if they were not:
    /// the runs were then judged without knowing which are superseded.
    pub files_unread: Option<String>,
    /// Active runs beyond [`ACTIVE_LIMIT`], the oldest, not read.
    pub active_left_out: u64,
    /// Active runs in the lookback, as counted (read or not).
    pub active_total: u64,
    /// Runs the API's stuck rule failed while they ran, per call: (call
    /// SID, echo, count) — the newest calls, at most [`STUCK_CALLS`].
    pub stuck_running: Vec<(String, bool, u64)>,
}

/// Calls whose runs the stuck rule failed while running, read at most.
pub const STUCK_CALLS: i64 = 1_000;

/// Texts the API writes when it fails a run it found stuck.
const RECOVERY_TEXTS: [&str; 3] = ["Job stuck%", "Job cleanup%", "Worker not processing%"];

/// The API's stuck rule fails a run no sooner than this after it was
/// created (spec §1 item 6): when the recovery wrote no time, a sibling
/// processed before then was certainly processed before the recovery.
const STUCK_AFTER_S: u32 = 300;

/// 1 when run `r` failed by the API's stuck recovery while a sibling run of
/// the same call, created at or after it, was *already* being processed
/// by a worker when the recovery failed the row: it had started, or
/// completed, or failed for a reason of its own, before `r`'s failure
/// time. The recovery text is then an echo of the sibling's fate (spec §6).
/// A run that a real outage left queued is no echo: its siblings only
/// start after the recovery enqueued them again.
fn echo_expr(d: Dialect) -> String {
    let is_recovery = |col: &str| {
        RECOVERY_TEXTS
            .iter()
            .map(|t| format!("COALESCE({col}, '') LIKE '{t}'"))
            .collect::<Vec<_>>()
            .join(" OR ")
    };
    let failed_at = format!(
        "COALESCE({}, {} + {STUCK_AFTER_S})",
        d.epoch("r.completed_at"),
        d.epoch("r.created_at")
    );
    let before = |col: &str| format!("{} <= {failed_at}", d.epoch(col));
    format!(
        "CAST(CASE WHEN ({}) AND EXISTS (SELECT 1 FROM recording_runs s \
         WHERE s.call_sid = r.call_sid AND s.business_id = r.business_id AND s.id <> r.id \
         AND s.created_at >= r.created_at AND ((s.started_at IS NOT NULL AND {}) \
         OR (s.status IN ('completed', 'failed') AND s.completed_at IS NOT NULL AND {} \
         AND NOT ({})))) THEN 1 ELSE 0 END AS BIGINT)",
        is_recovery("r.error_message"),
        before("s.started_at"),
        before("s.completed_at"),
        is_recovery("s.error_message")
    )
}

/// 1 when a newer run exists for the same (business, call) as run `r`.
pub const SUPERSEDED_EXPR: &str = "CAST(CASE WHEN EXISTS (SELECT 1 FROM recording_runs n      WHERE n.call_sid = r.call_sid AND n.business_id = r.business_id      AND (n.created_at > r.created_at OR (n.created_at = r.created_at AND n.id > r.id)))      THEN 1 ELSE 0 END AS BIGINT)";

/// For a `running` download run `r`: the id of the first newer download
/// run of the same (business, call) created after `r` started, else NULL.
pub const SUCCESSOR_EXPR: &str = "(SELECT CAST(n.id AS BIGINT) FROM recording_runs n \
     WHERE r.status = 'running' AND COALESCE(r.job_type, 'download') = 'download' \
     AND r.started_at IS NOT NULL AND n.call_sid = r.call_sid AND n.business_id = r.business_id \
     AND n.id <> r.id AND COALESCE(n.job_type, 'download') = 'download' \
     AND n.created_at > r.started_at ORDER BY n.created_at, n.id LIMIT 1)";

/// What is wrong with the schema, if anything: missing table or columns.
pub async fn schema_problems(db: &mut Db) -> Result<Vec<String>, sqlx::Error> {
    db.missing("recording_runs", &RUNS_COLUMNS).await
}

pub use super::database::is_schema_error;

/// The runs read's statements: those it always needs, those it needs only
/// when the first say there is something for them to find ([`Later`]),
/// then the optional catalog reads, which go last in any message (a role
/// that cannot read the catalog leaves them unknown, not the read failed).
/// The first go to the database in one message with the comparisons'
/// ([`crate::database_read`]); the later ones, when wanted, in a second
/// message of the same snapshot. A new backend plans each statement cold,
/// the failure statements most dearly (about 2 ms): a pipeline with no
/// failed and no active run does not pay for them.
#[derive(Debug, Clone)]
pub struct Statements {
    /// Counts per status, how many runs are active, the durations.
    pub required: Vec<String>,
    /// The active runs, when any are.
    pub active: String,
    /// The newest failures, the stuck rule's runs, the failure groups, when
    /// any run failed in the window.
    pub failures: Vec<String>,
    pub catalog: Vec<String>,
    /// The planner's row estimate, read when an index is missing (the
    /// finding says how large the table is); None where there is none.
    pub rows: Option<String>,
}

/// Which later statements the required ones' answers call for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Later {
    pub active: bool,
    pub failures: bool,
    pub rows: bool,
}

impl Later {
    /// What `facts` (decoded from the required statements and the
    /// catalog's) say is there, for `statements`.
    pub fn of(facts: &RunsFacts, statements: &Statements) -> Later {
        Later {
            active: facts.active_total > 0,
            failures: facts
                .counts
                .iter()
                .any(|(status, _, n)| status == "failed" && *n > 0),
            rows: statements.rows.is_some() && facts.index_missing(),
        }
    }

    pub fn any(self) -> bool {
        self.active || self.failures || self.rows
    }
}

/// The columns an index on `recording_runs` should lead with (§1 item 13).
pub const INDEXED_COLUMNS: [&str; 2] = ["created_at", "call_sid"];

impl RunsFacts {
    /// Whether `column` leads a valid index; None when the catalog was
    /// not read.
    pub fn indexed(&self, column: &str) -> Option<bool> {
        self.index_leading_columns
            .as_ref()
            .map(|cols| cols.iter().any(|c| c.eq_ignore_ascii_case(column)))
    }

    /// The catalog was read and a column of [`INDEXED_COLUMNS`] leads no
    /// index.
    pub fn index_missing(&self) -> bool {
        INDEXED_COLUMNS
            .iter()
            .any(|c| self.indexed(c) == Some(false))
    }
}

impl Statements {
    /// The later statements `later` calls for, in [`decode_later`]'s order.
    pub fn later(&self, later: Later) -> Vec<String> {
        let mut out = Vec::new();
        if later.active {
            out.push(self.active.clone());
        }
        if later.failures {
            out.extend(self.failures.iter().cloned());
        }
        if let (true, Some(rows)) = (later.rows, &self.rows) {
            out.push(rows.clone());
        }
        out
    }
}

/// `since` and `active_since` are naive UTC timestamps
/// (`YYYY-MM-DD HH:MM:SS.ffffff`), as the app writes them.
pub fn statements(d: Dialect, since: &str, active_since: &str) -> Result<Statements, sqlx::Error> {
    let since = d.timestamp(since)?;
    let active_since = d.timestamp(active_since)?;

    // Counts per (status, job type), and per group the anomalies: completed
    // runs without a time, runs that completed before they started.
    let counts_sql = format!(
        "SELECT status, job_type, COUNT(*), \
           CAST(SUM(CASE WHEN status = 'completed' AND (started_at IS NULL OR completed_at IS NULL) THEN 1 ELSE 0 END) AS BIGINT), \
           CAST(SUM(CASE WHEN completed_at < started_at THEN 1 ELSE 0 END) AS BIGINT) \
         FROM recording_runs WHERE created_at >= {since} GROUP BY status, job_type"
    );
    let active_sql = format!(
        "SELECT CAST(r.id AS BIGINT), r.call_sid, r.status, r.job_type, {}, {}, \
         CAST(r.business_id AS BIGINT), {SUPERSEDED_EXPR}, {SUCCESSOR_EXPR} FROM recording_runs r \
         WHERE r.created_at >= {active_since} AND r.status IN ('queued', 'running') \
         ORDER BY r.created_at DESC, r.id DESC LIMIT {ACTIVE_LIMIT}",
        d.epoch("r.created_at"),
        d.epoch("r.started_at"),
    );
    // The newest are read; how many older ones were left out is said.
    let active_total_sql = format!(
        "SELECT COUNT(*) FROM recording_runs WHERE created_at >= {active_since} AND status IN ('queued', 'running')"
    );
    let failures_sql = format!(
        "SELECT CAST(r.id AS BIGINT), r.call_sid, r.job_type, {}, {}, {}, {} FROM recording_runs r \
         WHERE r.created_at >= {since} AND r.status = 'failed' ORDER BY r.created_at DESC, r.id DESC LIMIT {FAILURES}",
        d.epoch("r.created_at"),
        d.epoch("r.completed_at"),
        d.prefix("r.error_message", ERROR_CHARS),
        echo_expr(d),
    );
    let stuck_running_sql = format!(
        "SELECT r.call_sid, {}, COUNT(*) FROM recording_runs r \
         WHERE r.created_at >= {since} AND r.status = 'failed' AND r.call_sid IS NOT NULL \
         AND (r.error_message LIKE 'Job stuck: running%' OR r.error_message LIKE 'Job stuck: marked running%') \
         GROUP BY 1, 2 ORDER BY MAX(r.created_at) DESC LIMIT {STUCK_CALLS}",
        echo_expr(d),
    );
    let groups_sql = format!(
        "SELECT {}, {}, COUNT(*) FROM recording_runs r \
         WHERE r.created_at >= {since} AND r.status = 'failed' GROUP BY 1, 2",
        d.prefix("r.error_message", 40),
        echo_expr(d),
    );
    let download_expr = d.seconds_between("started_at", "completed_at");
    let download_where = "status = 'completed' AND started_at IS NOT NULL \
         AND completed_at IS NOT NULL AND completed_at >= started_at";
    let wait_expr = d.seconds_between("created_at", "started_at");
    let wait_where = "started_at IS NOT NULL AND started_at >= created_at";
    let durations: Vec<String> = match d {
        // Both in one pass over the window: an aggregate skips the NULL
        // of a run that is not of its kind. OFFSET 0 keeps the planner
        // from pulling each CASE up into all ten aggregates (computing it
        // ten times a row: three times the work).
        Dialect::Pg => {
            let stats = |col: &str| {
                format!(
                    "COUNT({col}), AVG({col}), percentile_cont(0.5) WITHIN GROUP (ORDER BY {col}), \
                     percentile_cont(0.95) WITHIN GROUP (ORDER BY {col}), MAX({col})"
                )
            };
            vec![format!(
                "SELECT {}, {} FROM (SELECT \
                   CASE WHEN {download_where} THEN {download_expr} END AS dl, \
                   CASE WHEN {wait_where} THEN {wait_expr} END AS w \
                 FROM recording_runs WHERE created_at >= {since} OFFSET 0) s",
                stats("dl"),
                stats("w")
            )]
        }
        // SQLite has no percentile function: the window's durations,
        // sorted by the database, one float each.
        Dialect::Sqlite => [(&download_expr, &download_where), (&wait_expr, &wait_where)]
            .map(|(expr, filter)| {
                format!(
                    "SELECT d FROM (SELECT {expr} AS d FROM recording_runs WHERE created_at >= {since} AND {filter}) \
                     WHERE d IS NOT NULL ORDER BY d"
                )
            })
            .to_vec(),
    };
    // Which columns lead an index: judged by columns, never by names (§1
    // item 13). Last, and optional: a role that cannot read the catalog
    // leaves them unknown, not the read failed.
    let catalog: &[&str] = match d {
        Dialect::Pg => &[
            // Each valid index's first key column as the index was made
            // (an expression's text names no column): cheaper for a new
            // backend than joining pg_attribute, and than joining pg_class
            // for the row estimate, which only a missing index needs.
            "SELECT pg_get_indexdef(indexrelid, 1, true) FROM pg_index \
             WHERE indrelid = to_regclass('recording_runs') AND indisvalid",
        ],
        Dialect::Sqlite => &[
            "SELECT ii.name FROM pragma_index_list('recording_runs') AS il, \
             pragma_index_info(il.name) AS ii WHERE ii.seqno = 0",
        ],
    };
    // Every column the later statements read, named where the schema is
    // always checked: a missing one fails the read even when the later
    // statements are not sent (no rows: the cost of parsing only).
    let columns_sql = format!(
        "SELECT {}, business_id FROM recording_runs LIMIT 0",
        RUNS_COLUMNS.join(", ")
    );
    let mut required = vec![columns_sql, counts_sql, active_total_sql];
    required.extend(durations);
    Ok(Statements {
        required,
        active: active_sql,
        failures: vec![failures_sql, stuck_running_sql, groups_sql],
        catalog: catalog.iter().map(|s| s.to_string()).collect(),
        rows: matches!(d, Dialect::Pg).then(|| {
            "SELECT reltuples::float8 FROM pg_class WHERE oid = to_regclass('recording_runs')"
                .to_string()
        }),
    })
}

/// The facts the required statements read, from statement `at` of a
/// batch on. The active runs and the failures are [`decode_later`]'s.
pub fn decode(batched: &mut Batched, at: usize) -> Result<RunsFacts, sqlx::Error> {
    let d = match batched {
        Batched::Pg(_) => Dialect::Pg,
        Batched::Sqlite(_) => Dialect::Sqlite,
    };
    let mut facts = RunsFacts::default();
    macro_rules! decode {
        ($b:expr) => {{
            let b = $b;
            let count = |n: i64| n.max(0) as u64;
            // The columns' statement: no rows, only whether it ran.
            b.rows(at)?;
            let at = at + 1;
            for row in b.rows(at)? {
                facts
                    .counts
                    .push((row.try_get(0)?, row.try_get(1)?, count(row.try_get(2)?)));
                facts.missing_timestamps += count(row.try_get(3)?);
                facts.completed_before_started += count(row.try_get(4)?);
            }
            if let Some(row) = b.rows(at + 1)?.first() {
                facts.active_total = count(row.try_get(0)?);
            }
            let mut stats = [DurationStats::default(), DurationStats::default()];
            match d {
                Dialect::Pg => {
                    if let Some(row) = b.rows(at + 2)?.first() {
                        for (i, stat) in stats.iter_mut().enumerate() {
                            *stat = DurationStats {
                                count: count(row.try_get(5 * i)?),
                                avg: row.try_get(5 * i + 1)?,
                                p50: row.try_get(5 * i + 2)?,
                                p95: row.try_get(5 * i + 3)?,
                                max: row.try_get(5 * i + 4)?,
                            };
                        }
                    }
                }
                Dialect::Sqlite => {
                    for (i, stat) in stats.iter_mut().enumerate() {
                        *stat = stats_of_sorted(
                            &b.rows(at + 2 + i)?
                                .iter()
                                .map(|r| r.try_get::<f64, _>(0))
                                .collect::<Result<Vec<_>, _>>()?,
                        );
                    }
                }
            }
            let [download, queue_wait] = stats;
            facts.download = download;
            facts.queue_wait = queue_wait;
        }};
    }
    match batched {
        Batched::Pg(b) => decode!(b),
        Batched::Sqlite(b) => decode!(b),
    }
    Ok(facts)
}

/// The later statements' answers ([`Statements::later`] for `later`),
/// from statement `at` of a batch on, into `facts`.
pub fn decode_later(
    batched: &mut Batched,
    at: usize,
    later: Later,
    facts: &mut RunsFacts,
) -> Result<(), sqlx::Error> {
    macro_rules! decode {
        ($b:expr) => {{
            let b = $b;
            let mut at = at;
            if later.active {
                for row in b.rows(at)? {
                    facts.active.push(ActiveRun {
                        id: row.try_get(0)?,
                        call_sid: row.try_get(1)?,
                        status: row.try_get(2)?,
                        job_type: row.try_get(3)?,
                        created_at: row.try_get(4)?,
                        started_at: row.try_get(5)?,
                        business_id: row.try_get(6)?,
                        superseded: row.try_get::<i64, _>(7)? == 1,
                        successor: row.try_get(8)?,
                    });
                }
                at += 1;
            }
            if later.failures {
                for row in b.rows(at)? {
                    facts.failures.push(FailedRun {
                        id: row.try_get(0)?,
                        call_sid: row.try_get(1)?,
                        job_type: row.try_get(2)?,
                        created_at: row.try_get(3)?,
                        completed_at: row.try_get(4)?,
                        error_message: row.try_get(5)?,
                        echo: row.try_get::<i64, _>(6)? == 1,
                    });
                }
                for row in b.rows(at + 1)? {
                    facts.stuck_running.push((
                        row.try_get(0)?,
                        row.try_get::<i64, _>(1)? == 1,
                        row.try_get::<i64, _>(2)?.max(0) as u64,
                    ));
                }
                for row in b.rows(at + 2)? {
                    facts.failure_groups.push(FailureGroup {
                        head: row.try_get(0)?,
                        echo: row.try_get::<i64, _>(1)? == 1,
                        count: row.try_get::<i64, _>(2)?.max(0) as u64,
                    });
                }
                at += 3;
            }
            // Last, and optional like the catalog: unknown when unread.
            if later.rows {
                facts.rows_estimate = b
                    .rows(at)
                    .ok()
                    .and_then(|rows| rows.first().and_then(|r| r.try_get::<f64, _>(0).ok()));
            }
        }};
    }
    match batched {
        Batched::Pg(b) => decode!(b),
        Batched::Sqlite(b) => decode!(b),
    }
    // Said only when the cap was reached: on SQLite (no snapshot) a run
    // created between two statements is no run left out.
    if facts.active.len() as i64 >= ACTIVE_LIMIT {
        facts.active_left_out = facts.active_total.saturating_sub(facts.active.len() as u64);
    }
    Ok(())
}

/// The catalog statements' answers, from statement `at` on: the columns
/// leading an index. Unknown when unread.
pub fn decode_catalog(batched: &mut Batched, at: usize, facts: &mut RunsFacts) {
    match batched {
        // One row per valid index.
        Batched::Pg(b) => {
            let Ok(rows) = b.rows(at) else { return };
            facts.index_leading_columns = rows
                .iter()
                .map(|r| r.try_get::<Option<String>, _>(0))
                .collect::<Result<Vec<_>, _>>()
                .ok()
                .map(|cols| cols.into_iter().flatten().collect());
        }
        Batched::Sqlite(b) => {
            facts.index_leading_columns = b.rows(at).ok().and_then(|rows| {
                rows.iter()
                    .map(|r| r.try_get::<String, _>(0))
                    .collect::<Result<Vec<_>, _>>()
                    .ok()
            });
        }
    }
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
    fn later_statements_are_sent_only_for_what_is_there() {
        let s = statements(Dialect::Pg, "2026-12-07 02:00:00", "2026-12-06 03:00:00").unwrap();
        let mut facts = RunsFacts::default();
        assert!(!Later::of(&facts, &s).any());
        facts.counts = vec![
            ("completed".into(), Some("download".into()), 200),
            ("failed".into(), None, 0),
        ];
        // Both indexes there, or the catalog unread: no row estimate.
        facts.index_leading_columns = Some(vec!["CREATED_AT".into(), "call_sid".into()]);
        assert!(!Later::of(&facts, &s).any());
        facts.index_leading_columns = None;
        assert!(!Later::of(&facts, &s).any());
        facts.counts.push(("failed".into(), Some("full".into()), 1));
        facts.active_total = 2;
        facts.index_leading_columns = Some(vec!["created_at".into()]);
        let later = Later::of(&facts, &s);
        assert_eq!(
            later,
            Later {
                active: true,
                failures: true,
                rows: true
            }
        );
        assert_eq!(s.later(later).len(), 5);
        assert_eq!(s.later(later).last(), s.rows.as_ref());
        let only = |active, failures, rows| {
            s.later(Later {
                active,
                failures,
                rows,
            })
        };
        assert_eq!(only(false, true, false), s.failures);
        assert_eq!(only(true, false, false), vec![s.active.clone()]);
        assert_eq!(only(false, false, true), vec![s.rows.clone().unwrap()]);
        // SQLite has no estimate to read.
        let lite = statements(
            Dialect::Sqlite,
            "2026-12-07 02:00:00",
            "2026-12-06 03:00:00",
        )
        .unwrap();
        assert!(
            !Later::of(
                &RunsFacts {
                    index_leading_columns: Some(vec![]),
                    ..RunsFacts::default()
                },
                &lite
            )
            .any()
        );
    }

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
