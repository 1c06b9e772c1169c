//! The consistency check: Redis, the database and the disk compared, on
//! real RQ data, real SQL rows and real files.

use std::fs;

use crate::support::fixtures::redis_cmd;
use crate::support::world::World;
use crate::support::{Recdiag, Run, unprivileged_recdiag};

impl World {
    fn check(&self, redis_url: &str) -> Run {
        Recdiag::new()
            .args([
                "health",
                "--json",
                "--only",
                "consistency",
                "--recordings-dir",
            ])
            .args([self.dir.path()])
            .env("REDIS_URL", redis_url)
            .env("DATABASE_URL", self.db.url())
            .env("RECDIAG_NOW", &self.capture.captured_at)
            .run()
    }

    /// `health` with the runs and the comparisons, which share one
    /// database session, on the database at `url`.
    fn runs_and_consistency(&self, url: &str) -> Run {
        Recdiag::new()
            .args([
                "health",
                "--json",
                "--only",
                "runs,consistency",
                "--recordings-dir",
            ])
            .args([self.dir.path()])
            .env("REDIS_URL", self.redis.url())
            .env("DATABASE_URL", url)
            .env("RECDIAG_NOW", &self.capture.captured_at)
            .run()
    }

    fn queued_sid(&self) -> String {
        match redis_cmd(&self.redis, &[b"LINDEX", b"rq:queue:recordings", b"0"]) {
            redis::Value::BulkString(b) => {
                let id = String::from_utf8_lossy(&b).into_owned();
                let at = id.find("CA").unwrap();
                id[at..at + 34].to_string()
            }
            o => panic!("{o:?}"),
        }
    }

    fn seed(&self) {
        let enqueued = self.queued_sid();
        let run = |sid: &str, bid: i64, status: &str, created: i64| {
            format!(
                "(NEXTVAL('recording_runs_id_seq'), {bid}, '{sid}', '{status}', '{}', '{}', {})",
                self.ago(created),
                self.ago(created - 5),
                if status == "completed" {
                    format!("'{}'", self.ago(created - 60))
                } else {
                    "NULL".into()
                }
            )
        };
        let rows = [
            run(&enqueued, 1, "queued", 600), // has its RQ job: fine
            run("CA0000000000000000000000000000aaa1", 1, "queued", 600), // orphan
            run("CA0000000000000000000000000000aaa2", 1, "running", 900), // a worker took it: not an orphan
            run("CA0000000000000000000000000000aaa3", 1, "queued", 10),   // too young to judge
            run("CA0000000000000000000000000000bbb1", 1, "completed", 600), // file present
            run("CA0000000000000000000000000000bbb2", 1, "completed", 600), // file missing
            run("CA0000000000000000000000000000bbb3", 1, "completed", 600), // parent's file present
            run("CA0000000000000000000000000000ccc1", 1, "failed", 200),  // a stale lock
            run("CA0000000000000000000000000000ddd1", 7, "failed", 200),  // business 7 has slots
        ];
        self.db.sql(&format!(
            "INSERT INTO recording_runs (id, business_id, call_sid, status, created_at, started_at, completed_at) VALUES {}",
            rows.join(", ")
        ));
        self.db.sql("INSERT INTO call_log (business_id, call_sid, parent_call_sid) VALUES (1, 'CA0000000000000000000000000000bbb3', 'CA0000000000000000000000000000fff1')");
        for sid in [
            "CA0000000000000000000000000000bbb1",
            "CA0000000000000000000000000000fff1",
        ] {
            fs::write(self.dir.path().join(format!("{sid}.mp3")), vec![1u8; 5000]).unwrap();
        }
        redis_cmd(
            &self.redis,
            &[
                b"SET",
                b"job:download:1:CA0000000000000000000000000000ccc1",
                b"1",
                b"EX",
                b"120",
            ],
        );
        redis_cmd(&self.redis, &[b"SADD", b"rec_slots:7", b"901", b"902"]);
        redis_cmd(
            &self.redis,
            &[b"SET", b"rec_inflight:7:901", b"1", b"EX", b"900"],
        );
    }
}

#[test]
fn each_disagreement_is_found_with_counts_and_subjects() {
    let w = World::new("3.0.0");
    w.seed();
    let r = w.check(&w.redis.url());
    r.assert_code(2);
    let c = r.check("consistency");
    let m = &c["metrics"];
    assert_eq!(m["orphaned_runs"], 1, "{m}");
    assert_eq!(m["completed_runs_missing_file"], 1, "{m}");
    assert_eq!(m["phantom_slots"], 1, "{m}");
    assert_eq!(m["stale_locks"], 1, "{m}");
    assert!(m["not_compared"].as_array().unwrap().is_empty());
    let find = |code: &str| {
        c["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == code)
            .cloned()
            .unwrap_or_else(|| panic!("no {code}: {c}"))
    };
    assert_eq!(find("ORPHANED_RUNS")["severity"], "critical");
    assert_eq!(
        find("ORPHANED_RUNS")["subjects"],
        serde_json::json!(["CA0000000000000000000000000000aaa1"])
    );
    assert_eq!(
        find("COMPLETED_RUN_MISSING_FILE")["subjects"],
        serde_json::json!(["CA0000000000000000000000000000bbb2"])
    );
    // 901's marker lives but no run 901 exists: a phantom. 902's marker
    // expired: the app frees it on the business's next download.
    let phantom = find("PHANTOM_SLOTS");
    assert_eq!(phantom["subjects"], serde_json::json!(["rec_slots:7"]));
    assert!(
        phantom["message"].as_str().unwrap().contains("901 absent"),
        "{phantom}"
    );
    assert_eq!(
        phantom["severity"], "warning",
        "no download failed for want of a slot"
    );
    assert_eq!(
        find("STALE_DEDUP_LOCKS")["subjects"],
        serde_json::json!(["job:download:1:CA0000000000000000000000000000ccc1"])
    );
}

#[test]
fn a_consistent_world_is_ok() {
    let w = World::new("3.0.0");
    let enqueued = w.queued_sid();
    w.db.sql(&format!(
        "INSERT INTO recording_runs (business_id, call_sid, status, created_at) VALUES (1, '{enqueued}', 'queued', '{}')",
        w.ago(600)
    ));
    let r = w.check(&w.redis.url());
    r.assert_code(0);
    assert_eq!(r.check("consistency")["metrics"]["orphaned_runs"], 0);
}

#[test]
fn an_unreachable_source_is_named_and_the_rest_still_compared() {
    let w = World::new("3.0.0");
    w.seed();
    let r = w.check(&format!(
        "redis://:lock-pass-5@127.0.0.1:{}/0",
        crate::support::free_port()
    ));
    r.assert_code(2);
    r.assert_hides("lock-pass-5");
    let m = &r.check("consistency")["metrics"];
    assert!(m["orphaned_runs"].is_null(), "not compared without Redis");
    assert_eq!(
        m["completed_runs_missing_file"], 1,
        "the disk comparison needs no Redis"
    );
    assert!(
        m["not_compared"][0]
            .as_str()
            .unwrap()
            .contains("Redis not read")
    );
    let codes = r.codes("consistency");
    assert!(codes.contains(&"REDIS_UNREACHABLE".to_string()));
    // Without a database nothing can be compared: UNKNOWN, said plainly.
    let r = Recdiag::new()
        .args(["health", "--json", "--only", "consistency"])
        .env("REDIS_URL", w.redis.url())
        .run();
    r.assert_code(3);
    assert!(
        r.check("consistency")["metrics"]["not_compared"][0]
            .as_str()
            .unwrap()
            .contains("database")
    );
}

/// The runs and the comparisons share one session and its snapshot. A
/// table missing an index, read by a role that may not read `pg_class`:
/// the row estimate, the last statement of the runs' second message,
/// fails; the session rolls back to its savepoint, so the comparisons'
/// read of `call_log` after it still answers, and the child leg whose
/// parent's file is there is not counted missing.
#[test]
fn a_failed_row_estimate_leaves_the_parent_legs_read() {
    let w = World::new("3.0.0");
    w.seed();
    w.db.sql("DROP INDEX ix_recording_runs_created_at; ANALYZE recording_runs");
    let (role, url) = w.db.select_only_role(
        "noclass",
        "REVOKE SELECT ON pg_catalog.pg_class FROM PUBLIC",
    );
    let r = w.runs_and_consistency(&url);
    w.db.drop_role(&role, "GRANT SELECT ON pg_catalog.pg_class TO PUBLIC;");
    let runs = r.check("runs");
    let missing_index = runs["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "MISSING_INDEX")
        .unwrap_or_else(|| panic!("no MISSING_INDEX: {}", r.stdout));
    assert!(
        !missing_index["message"].as_str().unwrap().contains("about"),
        "the row estimate was not readable: {missing_index}"
    );
    let c = r.check("consistency");
    assert_eq!(c["metrics"]["completed_runs_missing_file"], 1, "{c}");
    let missing = c["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "COMPLETED_RUN_MISSING_FILE")
        .unwrap_or_else(|| panic!("no COMPLETED_RUN_MISSING_FILE: {c}"));
    assert_eq!(
        missing["subjects"],
        serde_json::json!(["CA0000000000000000000000000000bbb2"]),
        "bbb3's recording is its parent's"
    );
}

/// A recordings directory the comparing process may search but not list
/// (mode 0711, as a volume shared between two users may be): each
/// completed run's file is still looked at by its name, so only the one
/// really missing is counted.
#[test]
fn a_directory_one_may_search_but_not_list_still_has_its_files_compared() {
    use std::os::unix::fs::PermissionsExt;
    let w = World::new("3.0.0");
    w.seed();
    fs::set_permissions(w.dir.path(), fs::Permissions::from_mode(0o711)).unwrap();
    let mut cmd = unprivileged_recdiag();
    cmd.args([
        "health",
        "--json",
        "--no-env-file",
        "--only",
        "consistency",
        "--recordings-dir",
    ])
    .arg(w.dir.path())
    .env("REDIS_URL", w.redis.url())
    .env("DATABASE_URL", w.db.url())
    .env("RECDIAG_NOW", &w.capture.captured_at);
    let r = Run::from(cmd.output().expect("run recdiag"));
    let c = r.check("consistency");
    assert_eq!(c["metrics"]["completed_runs_missing_file"], 1, "{c}");
    assert_eq!(c["metrics"]["completed_runs_checked"], 3, "{c}");
}

/// A healthy window (no active run, no failure: no later statements) read
/// by a role that may not read `pg_index`: the catalog, last in the first
/// message, fails; the session is rolled back to its savepoint all the
/// same, so the comparisons' read of `call_log` answers and the child leg
/// whose parent's file is there is not counted missing.
#[test]
fn a_failed_catalog_read_leaves_the_parent_legs_read() {
    let w = World::new("3.0.0");
    w.db.sql(&format!(
        "INSERT INTO recording_runs (business_id, call_sid, status, created_at, started_at, completed_at) VALUES \
         (1, 'CA0000000000000000000000000000bbb1', 'completed', '{a}', '{a}', '{a}'), \
         (1, 'CA0000000000000000000000000000bbb3', 'completed', '{a}', '{a}', '{a}'); \
         INSERT INTO call_log (business_id, call_sid, parent_call_sid) VALUES \
         (1, 'CA0000000000000000000000000000bbb3', 'CA0000000000000000000000000000fff1')",
        a = w.ago(600)
    ));
    for sid in [
        "CA0000000000000000000000000000bbb1",
        "CA0000000000000000000000000000fff1",
    ] {
        fs::write(w.dir.path().join(format!("{sid}.mp3")), vec![1u8; 5000]).unwrap();
    }
    let (role, url) = w.db.select_only_role(
        "noindex",
        "REVOKE SELECT ON pg_catalog.pg_index FROM PUBLIC",
    );
    let r = w.runs_and_consistency(&url);
    w.db.drop_role(&role, "GRANT SELECT ON pg_catalog.pg_index TO PUBLIC;");
    assert!(
        r.check("runs")["metrics"]["index_on_created_at"].is_null(),
        "the catalog was not readable: {}",
        r.stdout
    );
    let c = r.check("consistency");
    assert_eq!(c["metrics"]["completed_runs_missing_file"], 0, "{c}");
    assert_eq!(c["metrics"]["completed_runs_checked"], 2, "{c}");
}
