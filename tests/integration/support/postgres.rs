//! A throwaway PostgreSQL database per test, on the machine's server
//! (RECDIAG_TEST_PG, default postgres://postgres@127.0.0.1:5432), made
//! with psql from tests/fixtures/schema.sql and dropped afterwards.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use super::require_program;

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub struct PgDb {
    pub name: String,
    admin: String,
}

fn admin_url() -> String {
    std::env::var("RECDIAG_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_string())
}

impl PgDb {
    /// An empty database (no tables).
    pub fn empty() -> PgDb {
        require_program("psql", "apt-get install postgresql-client");
        let admin = admin_url();
        let name = format!(
            "recdiag_test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let db = PgDb { name, admin };
        let out = Command::new("psql")
            .arg(format!("{}/postgres", db.admin))
            .args(["-v", "ON_ERROR_STOP=1", "-qc"])
            .arg(format!("CREATE DATABASE {}", db.name))
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "PostgreSQL is not reachable at {}: {} — start it with \
             `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` (.ci/run does)",
            db.admin,
            String::from_utf8_lossy(&out.stderr)
        );
        // Timestamps are naive UTC: a session time zone far from UTC must
        // not change anything recdiag computes.
        db.sql(&format!(
            "ALTER DATABASE {} SET timezone TO 'America/New_York'",
            db.name
        ));
        db
    }

    /// A database with the production schema.
    pub fn with_schema() -> PgDb {
        let db = PgDb::empty();
        let schema = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schema.sql");
        let out = Command::new("psql")
            .arg(db.url())
            .args(["-v", "ON_ERROR_STOP=1", "-q", "-f"])
            .arg(schema)
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "schema: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        db
    }

    pub fn url(&self) -> String {
        format!("{}/{}", self.admin, self.name)
    }

    /// A login role of this database's own that may SELECT every table,
    /// with `more` (SQL; `{role}` stands for the role's name) run as the
    /// admin after; its name and URL.
    pub fn select_only_role(&self, suffix: &str, more: &str) -> (String, String) {
        let role = format!("{}_{suffix}", self.name);
        self.sql(&format!(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN CREATE ROLE {role} LOGIN; END IF; END $$; \
             GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}; {}",
            more.replace("{role}", &role)
        ));
        let url = format!("postgres://{role}@127.0.0.1:5432/{}", self.name);
        (role, url)
    }

    /// `first` (SQL), then the role gone.
    pub fn drop_role(&self, role: &str, first: &str) {
        self.sql(&format!(
            "{first} REASSIGN OWNED BY {role} TO postgres; DROP OWNED BY {role}; DROP ROLE {role}"
        ));
    }

    /// Run SQL as the admin user (test setup; recdiag itself only reads).
    pub fn sql(&self, sql: &str) {
        let out = Command::new("psql")
            .arg(self.url())
            .args(["-v", "ON_ERROR_STOP=1", "-q"])
            .arg("-c")
            .arg(sql)
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .arg(format!("{}/postgres", self.admin))
            .args(["-qc"])
            .arg(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .output();
    }
}
