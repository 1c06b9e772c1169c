//! A whole pipeline for a test: Redis holding real RQ data, a PostgreSQL
//! database with the production schema, and a recordings directory.

use super::fixtures::{Capture, load_rq};
use super::{PgDb, RedisServer};

pub struct World {
    pub redis: RedisServer,
    pub capture: Capture,
    pub db: PgDb,
    pub dir: tempfile::TempDir,
}

impl World {
    /// RQ data captured from this rq version.
    pub fn new(rq_version: &str) -> World {
        let redis = RedisServer::start();
        let capture = load_rq(&redis, rq_version);
        World {
            redis,
            capture,
            db: PgDb::with_schema(),
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// `seconds` before the capture, naive UTC as the app writes timestamps.
    pub fn ago(&self, seconds: i64) -> String {
        let at: jiff::Timestamp = self.capture.captured_at.parse().expect("capture time");
        (at - jiff::SignedDuration::from_secs(seconds))
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string()
    }
}
