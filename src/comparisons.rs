//! Gathers what the `consistency` check compares, in an order where a later
//! read cannot make an earlier one false:
//!
//! 1. the database (one read-only snapshot) and RQ's queues and registries,
//!    at once;
//! 2. the app's keys by name: dedup locks, slots and their markers, slot
//!    queues (and, when RQ's lists were larger than the bounded read, each
//!    orphan candidate's jobs looked up the way `call` does); the files on
//!    disk meanwhile;
//! 3. the runs behind the slots, in a *new* database snapshot, so that it
//!    is at least as new as the slots just read;
//! 4. the suspects — slot members whose run is not running — read again in
//!    Redis, then once more after a short pause with their status: a member
//!    is kept as a suspect only if every read agrees.
//!
//! Each source has its own time budget: a slow database never eats
//! Redis's time, and the other way round.

use std::collections::BTreeSet;
use std::future::Future;
use std::time::{Duration, Instant};

use crate::config::{Config, Source};
use crate::model::Finding;
use crate::probe;
use crate::probe::redis::RedisFailure;
use crate::sid::CallSid;
use crate::verdict;
use crate::verdict::consistency::{
    ConsistencyFacts, orphan_candidates, slot_suspects, unexplained_locks,
};

/// Orphan candidates looked up one by one at most, when RQ's lists were
/// larger than the bounded read; the rest are reported as not compared.
const LOOKUPS: usize = 20;
/// Pause before the last read of slot suspects: longer than the app's gap
/// between marking a run done and releasing its slot (one Redis call).
const CONFIRM_PAUSE: Duration = Duration::from_millis(250);

/// What is left of one source's time, spent only on that source's reads.
struct Budget {
    left: Duration,
}

impl Budget {
    fn new(total: Duration) -> Budget {
        Budget { left: total }
    }

    /// Run `f` within what is left; None when it ran out.
    async fn within<T>(&mut self, f: impl Future<Output = T>) -> Option<T> {
        let started = Instant::now();
        let out = tokio::time::timeout(self.left, f).await.ok();
        self.left = self.left.saturating_sub(started.elapsed());
        out
    }
}

/// Longest the gathering can take: each source's budget, one after the
/// other at worst (the slots need the database's list of businesses), and
/// the confirming pause.
pub fn longest(timeout: Duration) -> Duration {
    timeout * 2 + CONFIRM_PAUSE
}

/// The call SIDs whose recording the directory scan saw valid, when it kept
/// them ([`probe::recordings_dir::KEEP_SIDS`]).
pub type ValidSids = Option<std::sync::Arc<std::collections::HashSet<String>>>;

/// `db`: the comparisons' part of the command's database session
/// ([`crate::database_read`]); None when the database is not configured.
/// `seen`: the directory scan's valid recordings, used if the scan is done
/// by the time the files are looked at (never waited for): a file (of a
/// completed run, or of an active one) the scan saw valid gets no second
/// look, and any other is looked at then, after the database's snapshot.
/// A file removed between the scan and that look is then not seen missing
/// until the next run: the scan can only hide a finding for that while,
/// never raise one.
pub async fn facts(
    config: &Config,
    db: Option<tokio::sync::oneshot::Receiver<crate::database_read::ComparisonsPart>>,
    seen: Option<tokio::sync::oneshot::Receiver<ValidSids>>,
) -> ConsistencyFacts {
    let mut db_budget = Budget::new(config.timeout);
    let mut redis_budget = Budget::new(config.timeout);
    let window_s = config.window.as_secs_f64();
    let db_timeout = |config: &Config| probe::database::DbFailure::Timeout {
        after: config.timeout,
    };
    let redis_timeout = |config: &Config| RedisFailure::Timeout {
        after: config.timeout,
    };

    let db_target = match &config.database {
        Source::Missing => Err(verdict::runs::url_missing()),
        Source::Invalid(e) => Err(verdict::runs::url_invalid(e)),
        Source::Ready(target) => Ok(target),
    };
    let redis_target = match &config.redis {
        Source::Missing => Err(verdict::redis::url_missing()),
        Source::Invalid(e) => Err(verdict::redis::url_invalid(e)),
        Source::Ready(target) => Ok(target),
    };

    // Whether the directory is there, looked at while the database answers:
    // the files' looks that need its answer then start at once.
    let dir_probe = {
        let dir = config.recordings_dir.clone();
        crate::disk::look(move || dir.is_dir())
    };

    // 1. The database and RQ at once, each within its own budget.
    let read_db = async {
        let target = db_target.clone()?;
        let Some(part) = db else {
            return Err(Finding::new(
                crate::model::FindingCode::InternalError,
                "the database was not read",
            ));
        };
        let failure = match db_budget.within(part).await {
            Some(Ok(Ok(read))) => return Ok(read),
            // The session's task died: recdiag's failure, not the database's.
            Some(Err(_)) => {
                return Err(Finding::new(
                    crate::model::FindingCode::InternalError,
                    "the database read stopped unexpectedly",
                ));
            }
            // A missing table or column is the schema, not the connection.
            Some(Ok(Err(probe::database::ConnectOrQuery::Query(e))))
                if probe::runs::is_schema_error(&e) =>
            {
                return Err(verdict::runs::schema_mismatch(
                    &target.url,
                    &[e.to_string()],
                ));
            }
            Some(Ok(Err(probe::database::ConnectOrQuery::Query(e)))) => {
                probe::database::classify(&e, target, config.timeout)
            }
            Some(Ok(Err(probe::database::ConnectOrQuery::Connect(f)))) => f,
            None => db_timeout(config),
        };
        Err(verdict::runs::database_unreachable(target, &failure))
    };
    let read_rq = async {
        let target = redis_target.clone()?;
        let read = async {
            let mut conn = probe::redis::connect(target, config.timeout).await?;
            let side = probe::consistency::rq_side(&mut conn, &config.rq_keys, &config.queues)
                .await
                .map_err(|e| probe::redis::classify(&e, target, config.timeout))?;
            Ok::<_, RedisFailure>((conn, side))
        };
        let failure = match redis_budget.within(read).await {
            Some(Ok(read)) => return Ok(read),
            Some(Err(f)) => f,
            None => redis_timeout(config),
        };
        Err(verdict::redis::redis_unreachable(&target.url, &failure))
    };
    let (db, rq) = tokio::join!(read_db, read_rq);

    let mut facts = ConsistencyFacts {
        db: Err(Finding::new(
            crate::model::FindingCode::InternalError,
            "not read",
        )),
        redis: Err(Finding::new(
            crate::model::FindingCode::InternalError,
            "not read",
        )),
        missing_files: None,
        valid_files: BTreeSet::new(),
        looked_up: BTreeSet::new(),
        run_statuses: None,
        window_s,
        dir_missing: None,
        files_not_read: None,
        parents_not_read: None,
        slots_unconfirmed: false,
    };
    let (mut db_conn, db_side) = match db {
        Ok((conn, side)) => (Some(conn), Ok(side)),
        Err(f) => (None, Err(f)),
    };

    // Files: completed runs without theirs, and active runs whose file is
    // already valid (those are superseded). The disk has its own budget.
    // Meanwhile, 2. begins: the app's keys, read by name from what the
    // database listed (they need no file).
    let mut rq = rq;
    let app_keys = async {
        match (rq.as_mut(), db_side.as_ref()) {
            (Ok((conn, side)), Ok(db)) => {
                let lock_candidates: Vec<(i64, String)> = db
                    .recent
                    .iter()
                    .map(|(sid, bid, _)| (*bid, sid.clone()))
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                let read =
                    probe::consistency::app_side(conn, side, &lock_candidates, &db.businesses);
                Some(redis_budget.within(read).await)
            }
            _ => None,
        }
    };
    let mut dir_budget = Budget::new(config.timeout);
    let files = async {
        let dir_exists = matches!(dir_budget.within(dir_probe).await, Some(Ok(true)));
        if !dir_exists {
            facts.dir_missing = Some(config.recordings_dir.display().to_string());
        }
        if let (Ok(side), true) = (&db_side, dir_exists) {
            let dir = config.recordings_dir.clone();
            let completed = side.completed.clone();
            let active: Vec<String> = side.active.iter().map(|r| r.call_sid.clone()).collect();
            let min = config.thresholds.undersized_bytes;
            let seen: ValidSids = seen.and_then(|mut rx| rx.try_recv().ok()).flatten();
            let stat = crate::disk::look(move || {
                let seen = seen.as_deref();
                (
                    probe::consistency::missing_files(&dir, &completed, min, seen),
                    probe::consistency::valid_files(&dir, &active, min, seen),
                )
            });
            let mut looked = match dir_budget.within(stat).await {
                Some(Ok((lacking, valid))) => {
                    facts.valid_files = valid;
                    Some(lacking)
                }
                _ => None,
            };
            // A call whose own file is not valid may be a child leg whose
            // recording is its parent's: those calls' parents, from call_log
            // (in the same snapshot), and their files. Without call_log (or
            // leave to read it), they are judged without parents.
            if let (Some(lacking), Some(db)) = (looked.as_ref(), db_conn.as_mut())
                && !lacking.is_empty()
            {
                let lookup = probe::consistency::parents(db, lacking);
                let parents = match db_budget
                    .within(crate::memory_watch::database(lookup))
                    .await
                {
                    Some(Ok(parents)) => parents,
                    Some(Err(e)) => {
                        facts.parents_not_read = Some(parents_failure(&e));
                        Default::default()
                    }
                    None => {
                        facts.parents_not_read = Some(format!(
                            "gave no answer within {}",
                            humantime::format_duration(config.timeout)
                        ));
                        Default::default()
                    }
                };
                if !parents.is_empty() {
                    let dir = config.recordings_dir.clone();
                    let with_parents: Vec<(String, Option<String>)> = lacking
                        .iter()
                        .map(|sid| (sid.clone(), parents.get(sid).cloned()))
                        .collect();
                    let stat = crate::disk::look(move || {
                        probe::consistency::missing_files(&dir, &with_parents, min, None)
                    });
                    looked = match dir_budget.within(stat).await {
                        Some(Ok(missing)) => Some(missing),
                        _ => None,
                    };
                }
            }
            match looked {
                Some(missing) => facts.missing_files = Some(missing),
                None => {
                    facts.files_not_read = Some(format!(
                        "the files of {} were not all looked at within {}",
                        config.recordings_dir.display(),
                        humantime::format_duration(config.timeout)
                    ));
                }
            }
        }
    };
    let (app_keys, ()) = tokio::join!(app_keys, files);

    // 2. The app's keys, read by name from what the database listed.
    let Some(redis_target) = redis_target.ok() else {
        facts.redis = rq.map(|(_, side)| side);
        facts.db = db_side;
        close(db_conn).await;
        return facts;
    };
    let unreachable =
        |failure: RedisFailure| verdict::redis::redis_unreachable(&redis_target.url, &failure);
    let (mut conn, redis) = match (rq, &db_side) {
        (Err(f), _) => (None, Err(f)),
        (Ok((conn, side)), Err(_)) => (Some(conn), Ok(side)),
        (Ok((mut conn, mut side)), Ok(db)) => 'app: {
            let failed = match app_keys {
                Some(Some(Ok(()))) => None,
                Some(Some(Err(e))) => {
                    Some(probe::redis::classify(&e, redis_target, config.timeout))
                }
                _ => Some(redis_timeout(config)),
            };
            if let Some(failure) = failed {
                break 'app (None, Err(unreachable(failure)));
            }
            let now_s = config.now.as_microsecond() as f64 / 1e6;
            let unseen: BTreeSet<String> = orphan_candidates(&db.active, &facts.valid_files, now_s)
                .filter(|r| !side.job_sids.contains(&r.call_sid))
                .map(|r| r.call_sid.clone())
                .collect();
            let app = async {
                // A call the snapshot did not show is looked up by name
                // before it is called lost: a bounded read that did not see
                // everything, or one that was not one transaction (a job may
                // have moved between two of its reads), proves nothing about
                // it, and the database's snapshot is not the instant RQ was
                // read. None in a healthy pipeline: nothing to look up.
                // Without a transaction, the calls of locks whose job was
                // not seen (STALE_DEDUP_LOCKS' evidence) too.
                let locks: BTreeSet<String> = if side.one_read {
                    BTreeSet::new()
                } else {
                    unexplained_locks(&side, db)
                        .into_iter()
                        .map(|(sid, _)| sid.clone())
                        .filter(|sid| !unseen.contains(sid))
                        .collect()
                };
                for sid in unseen.iter().chain(&locks).take(LOOKUPS) {
                    let Some(parsed) = CallSid::parse(sid) else {
                        continue;
                    };
                    let found = probe::call::redis(
                        &mut conn,
                        None,
                        &config.rq_keys,
                        &parsed,
                        &config.queues,
                        &probe::call::Progress::default(),
                    )
                    .await?;
                    facts.looked_up.insert(sid.clone());
                    if !found.jobs.is_empty() {
                        side.job_sids.insert(sid.clone());
                    }
                }
                Ok::<_, redis::RedisError>(())
            };
            match redis_budget.within(app).await {
                Some(Ok(())) => (Some(conn), Ok(side)),
                Some(Err(e)) => (
                    None,
                    Err(unreachable(probe::redis::classify(
                        &e,
                        redis_target,
                        config.timeout,
                    ))),
                ),
                None => (None, Err(unreachable(redis_timeout(config)))),
            }
        }
    };
    let mut redis = redis;

    // 3. The runs behind the slots, in a snapshot newer than the slots.
    // 4. The suspects, confirmed by reading them again.
    if let (Ok(side), Some(db), Some(conn)) = (&mut redis, db_conn.as_mut(), conn.as_mut()) {
        let ids: Vec<String> = side
            .slots
            .iter()
            .map(|s| s.run_id.clone())
            .chain(side.slot_queue.iter().map(|(_, id)| id.clone()))
            .collect();
        let read = probe::consistency::run_statuses(db, &ids, config.timeout);
        if let Some(Ok(mut statuses)) = db_budget.within(crate::memory_watch::database(read)).await
        {
            let mut confirmed = false;
            for round in 0..3 {
                let suspects = slot_suspects(side, &statuses);
                // Two rounds of re-reads agreed: what is left is phantom.
                if suspects.is_empty() || round == 2 {
                    confirmed = true;
                    break;
                }
                if round == 1 {
                    tokio::time::sleep(CONFIRM_PAUSE).await;
                    let ids: Vec<String> = suspects.iter().map(|(_, id)| id.clone()).collect();
                    let again = probe::consistency::run_statuses(db, &ids, config.timeout);
                    match db_budget.within(crate::memory_watch::database(again)).await {
                        Some(Ok(newer)) => statuses.extend(newer),
                        // Unconfirmed suspects are not judged.
                        _ => break,
                    }
                }
                match redis_budget
                    .within(probe::consistency::still_held(conn, &suspects))
                    .await
                {
                    Some(Ok(held)) => {
                        for ((bid, id), (member, ttl)) in suspects.iter().zip(held) {
                            side.refresh_slot(*bid, id, member, ttl);
                        }
                    }
                    _ => break,
                }
            }
            if confirmed {
                facts.run_statuses = Some(statuses);
            } else {
                facts.slots_unconfirmed = true;
            }
        }
    }
    close(db_conn).await;
    facts.db = db_side;
    facts.redis = redis;
    facts
}

async fn close(db: Option<probe::database::Db>) {
    if let Some(db) = db {
        crate::database_read::close_later(db).await;
    }
}

/// Why call_log's parent legs were not read, in words of the failure's
/// kind only (a server's error text is not repeated).
fn parents_failure(e: &sqlx::Error) -> String {
    let code = e
        .as_database_error()
        .and_then(|d| d.code().map(|c| c.into_owned()));
    match code.as_deref() {
        Some("42501") => "may not be read by this role (permission denied)".into(),
        Some("42P01") => "does not exist".into(),
        _ if probe::database::is_schema_error(e) => "does not exist or lacks a column".into(),
        _ => "could not be read".into(),
    }
}
