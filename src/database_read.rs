//! The database's part of one command's snapshot. The runs read and the
//! comparisons' database side go over one session, as one message, in one
//! snapshot: a new PostgreSQL backend (its fork, TLS handshake, start-up
//! and cold catalog caches) is paid for once per command, not once per
//! check, and the two checks judge the same rows. The runs' statements for
//! active and failed runs, the dearest for a cold backend to plan, follow
//! in a second message of the same snapshot only when the first says
//! there are such runs ([`runs::Later`]), with the table's row estimate
//! when an index is missing.
//!
//! The session is its own task, bounded by `--timeout`; each check gets
//! its part over a channel, so neither waits for the other's later work,
//! and a silent database costs both the same one timeout. A failure in
//! one part leaves the other read as it was before they were joined: in a
//! new snapshot, on its own.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::checks::naive_utc;
use crate::config::{Config, DatabaseTarget, Source};
use crate::probe::consistency::{self, DbSide};
use crate::probe::database::{self, ConnectOrQuery, Db, DbFailure, Dialect};
use crate::probe::runs::{self, RunsFacts};

/// What the runs check gets.
#[derive(Debug)]
pub enum RunsPart {
    Read(Box<RunsFacts>),
    /// The read failed for the schema: what is missing, as far as the
    /// table could be looked at, and the failure.
    Schema {
        missing: Vec<String>,
        error: String,
    },
    Failed(DbFailure),
}

/// What the comparisons get: the session (still open, for the slots' run
/// statuses read later) and the database side.
pub type ComparisonsPart = Result<(Db, DbSide), ConnectOrQuery>;

/// The receiving ends, one per check that reads the database; None for a
/// check not run, or when the database is not configured.
#[derive(Debug, Default)]
pub struct Parts {
    pub runs: Option<oneshot::Receiver<RunsPart>>,
    pub comparisons: Option<oneshot::Receiver<ComparisonsPart>>,
}

/// Start the session for the parts wanted, when the database is
/// configured.
pub fn start(config: &Arc<Config>, runs: bool, comparisons: bool) -> Parts {
    let Source::Ready(target) = &config.database else {
        return Parts::default();
    };
    if !runs && !comparisons {
        return Parts::default();
    }
    let (runs_tx, runs_rx) = split(runs);
    let (comparisons_tx, comparisons_rx) = split(comparisons);
    let config = Arc::clone(config);
    let target = target.clone();
    // Bounded as a whole: past the first read, the fallbacks of a failed
    // part have a timeout each, and nobody waits beyond the checks' guards.
    let longest = config.timeout * 4;
    tokio::spawn(async move {
        let session = session(&config, &target, runs_tx, comparisons_tx);
        let _ = tokio::time::timeout(longest, crate::memory_watch::database(session)).await;
    });
    Parts {
        runs: runs_rx,
        comparisons: comparisons_rx,
    }
}

/// A oneshot channel when `wanted`, else neither end.
pub(crate) fn split<T>(wanted: bool) -> (Option<oneshot::Sender<T>>, Option<oneshot::Receiver<T>>) {
    if wanted {
        let (tx, rx) = oneshot::channel();
        (Some(tx), Some(rx))
    } else {
        (None, None)
    }
}

/// Where each part's statements sit in the first message.
struct Layout {
    runs: Option<runs::Statements>,
    comparisons: Option<consistency::DbStatements>,
    /// The transaction's opening statements come first.
    opening: usize,
    /// After the runs' required statements, a savepoint (PostgreSQL): a
    /// failure past it (a comparison, the catalog) leaves the transaction
    /// usable, its snapshot unchanged, for the runs' later statements.
    savepoint: Option<(String, String)>,
}

impl Layout {
    fn runs_at(&self) -> usize {
        self.opening
    }
    fn comparisons_at(&self) -> usize {
        self.runs_at()
            + self.runs.as_ref().map_or(0, |r| r.required.len())
            + usize::from(self.savepoint.is_some())
    }
    /// The runs' optional catalog reads go last: one a role may not read
    /// stops nothing else.
    fn catalog_at(&self) -> usize {
        self.comparisons_at() + self.comparisons.as_ref().map_or(0, |c| c.statements.len())
    }
}

async fn session(
    config: &Config,
    target: &DatabaseTarget,
    runs_tx: Option<oneshot::Sender<RunsPart>>,
    comparisons_tx: Option<oneshot::Sender<ComparisonsPart>>,
) {
    let timeout = config.timeout;
    let since = naive_utc(config.now, config.window);
    let active_since = naive_utc(
        config.now,
        Duration::from_secs(runs::ACTIVE_LOOKBACK_S.unsigned_abs()),
    );
    let first = async {
        let mut db = database::open(target, timeout).await?;
        let d = Dialect::of(&db);
        let query = |e: sqlx::Error| database::classify(&e, target, timeout);
        let opening = db.opening(timeout);
        let runs = match &runs_tx {
            Some(_) => Some(runs::statements(d, &since, &active_since).map_err(query)?),
            None => None,
        };
        let layout = Layout {
            opening: opening.len(),
            savepoint: runs.as_ref().and_then(|_| db.savepoint("runs_later")),
            runs,
            comparisons: match &comparisons_tx {
                // With the runs read, its active rows serve both.
                Some(_) => Some(
                    consistency::db_statements(
                        d,
                        &since,
                        &active_since,
                        config.now,
                        runs_tx.is_none(),
                    )
                    .map_err(query)?,
                ),
                None => None,
            },
        };
        let mut statements = opening;
        if let Some(r) = &layout.runs {
            statements.extend_from_slice(&r.required);
        }
        if let Some((set, _)) = &layout.savepoint {
            statements.push(set.clone());
        }
        if let Some(c) = &layout.comparisons {
            statements.extend_from_slice(&c.statements);
        }
        if let Some(r) = &layout.runs {
            statements.extend_from_slice(&r.catalog);
        }
        let batched = db.batch(&statements).await;
        Ok::<_, DbFailure>((db, layout, batched))
    };
    let (mut db, layout, mut batched) = match tokio::time::timeout(timeout, first).await {
        Ok(Ok(read)) => read,
        Ok(Err(failure)) => return fail_both(failure, runs_tx, comparisons_tx),
        Err(_) => {
            return fail_both(
                DbFailure::Timeout { after: timeout },
                runs_tx,
                comparisons_tx,
            );
        }
    };
    let stopped = batched.stopped();
    // The transaction did not even begin: as a failed connection.
    if stopped.is_some_and(|k| k < layout.opening) {
        let failure = match batched.take_error() {
            Some(e) => database::classify(&e, target, timeout),
            None => DbFailure::Other {
                detail: "the transaction did not begin".into(),
            },
        };
        close_later(db).await;
        return fail_both(failure, runs_tx, comparisons_tx);
    }
    let comparisons_at = layout.comparisons_at();
    let runs_failed = stopped.is_some_and(|k| k < comparisons_at);
    // The runs' active rows, read in this snapshot, when they were.
    let mut runs_active = None;

    // The runs' part, sent as soon as it is known.
    if let (Some(tx), Some(statements)) = (runs_tx, &layout.runs) {
        let read = read_runs(&mut db, &mut batched, &layout, statements, timeout).await;
        let part = match read {
            Ok(facts) => {
                runs_active = Some(consistency::active_of(&facts.active));
                RunsPart::Read(Box::new(facts))
            }
            Err(e) if runs::is_schema_error(&e) => RunsPart::Schema {
                missing: schema_problems(&mut db, timeout).await,
                error: e.to_string(),
            },
            Err(e) => RunsPart::Failed(database::classify(&e, target, timeout)),
        };
        let _ = tx.send(part);
    }

    let (Some(tx), Some(_)) = (comparisons_tx, &layout.comparisons) else {
        close_later(db).await;
        return;
    };
    let part = if runs_failed || (layout.runs.is_some() && runs_active.is_none()) {
        // The failure ended the snapshot before the comparisons' turn, or
        // the runs' rows they share could not be read: they read on their
        // own, as they would alone.
        alone(&mut db, config, &since, &active_since).await
    } else {
        consistency::decode_db_side(&mut batched, comparisons_at, runs_active)
    };
    match part {
        Ok(side) => {
            if let Err(Ok((db, _))) = tx.send(Ok((db, side))) {
                close_later(db).await;
            }
        }
        Err(e) => {
            close_later(db).await;
            let _ = tx.send(Err(ConnectOrQuery::Query(e)));
        }
    }
}

/// The runs' facts: the required statements' answers in the first
/// message, the catalog's where the message reached it, and the later
/// statements those answers call for, in a second message of the same
/// snapshot (rolled back to the savepoint first when a failure past it
/// stopped the first message).
async fn read_runs(
    db: &mut Db,
    batched: &mut database::Batched,
    layout: &Layout,
    statements: &runs::Statements,
    timeout: Duration,
) -> Result<RunsFacts, sqlx::Error> {
    let stopped = batched.stopped();
    let mut facts = runs::decode(batched, layout.runs_at())?;
    let catalog_at = layout.catalog_at();
    if stopped.is_none_or(|k| k >= catalog_at) {
        runs::decode_catalog(batched, catalog_at, &mut facts);
    }
    let later = runs::Later::of(&facts, statements);
    // The first message stopped past the savepoint (the catalog, read
    // tolerantly, failed): the transaction is aborted until it is rolled
    // back, with or without later statements, or the comparisons' read
    // of call_log on this session fails.
    let back = match (&layout.savepoint, stopped) {
        (Some((_, back)), Some(_)) => Some(back.clone()),
        _ => None,
    };
    if !later.any() {
        if let Some(back) = back {
            let rollback = db.batch(std::slice::from_ref(&back));
            let _ = tokio::time::timeout(timeout, rollback).await;
        }
        return Ok(facts);
    }
    let mut more = Vec::new();
    more.extend(back);
    let at = more.len();
    more.extend(statements.later(later));
    let read = async {
        let mut b = db.batch(&more).await;
        let decoded = runs::decode_later(&mut b, at, later, &mut facts);
        // A later statement read tolerantly (the row estimate) that failed
        // left the transaction aborted: back to the savepoint, so the
        // comparisons' reads on this session (call_log) still see this
        // snapshot. (A failure decode_later returns sends them to a new
        // snapshot of their own instead.)
        if let (Some(_), Ok(()), Some((_, back))) = (b.stopped(), &decoded, &layout.savepoint) {
            let _ = db.batch(std::slice::from_ref(back)).await;
        }
        decoded.map(|()| facts)
    };
    tokio::time::timeout(timeout, read)
        .await
        .unwrap_or(Err(sqlx::Error::PoolTimedOut))
}

/// Sessions closing while the command goes on.
static CLOSING: Mutex<Vec<JoinHandle<()>>> = Mutex::new(Vec::new());

/// Close `db` without waiting for it: its ROLLBACK goes out now, and the
/// answer and the goodbye travel while the verdicts are judged and
/// printed. The command waits for it ([`closed`]) before it ends, so no
/// session is cut off (a pooler would then drop its server connection).
pub async fn close_later(db: Db) {
    let handle = tokio::spawn(crate::memory_watch::database(db.close()));
    if let Ok(mut closing) = CLOSING.lock() {
        closing.retain(|h| !h.is_finished());
        closing.push(handle);
    }
    // Let it send its ROLLBACK before this task goes on.
    tokio::task::yield_now().await;
}

/// Wait, `timeout` at most, for the sessions [`close_later`] began.
pub async fn closed(timeout: Duration) {
    let pending = CLOSING
        .lock()
        .map(|mut closing| std::mem::take(&mut *closing))
        .unwrap_or_default();
    let all = async {
        for handle in pending {
            let _ = handle.await;
        }
    };
    let _ = tokio::time::timeout(timeout, all).await;
}

/// The comparisons' read on its own, in a new snapshot.
async fn alone(
    db: &mut Db,
    config: &Config,
    since: &str,
    active_since: &str,
) -> Result<DbSide, sqlx::Error> {
    let timeout = config.timeout;
    let read = async {
        db.fresh_snapshot(timeout).await?;
        consistency::db_side(db, since, active_since, config.now).await
    };
    tokio::time::timeout(timeout, read)
        .await
        .unwrap_or(Err(sqlx::Error::PoolTimedOut))
}

/// After a schema failure: what of `recording_runs` is missing, looked at
/// in a new snapshot (the failure ended the old one).
async fn schema_problems(db: &mut Db, timeout: Duration) -> Vec<String> {
    let look = async {
        db.fresh_snapshot(timeout).await?;
        runs::schema_problems(db).await
    };
    match tokio::time::timeout(timeout, look).await {
        Ok(Ok(missing)) => missing,
        _ => Vec::new(),
    }
}

fn fail_both(
    failure: DbFailure,
    runs_tx: Option<oneshot::Sender<RunsPart>>,
    comparisons_tx: Option<oneshot::Sender<ComparisonsPart>>,
) {
    if let Some(tx) = runs_tx {
        let _ = tx.send(RunsPart::Failed(failure.clone()));
    }
    if let Some(tx) = comparisons_tx {
        let _ = tx.send(Err(ConnectOrQuery::Connect(failure)));
    }
}
