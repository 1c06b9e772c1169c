//! SQLite files for tests, written with sqlx (test setup only).

use std::path::Path;
use std::str::FromStr;

use sqlx::{ConnectOptions, Executor};

/// Create `path` and run each script in it.
pub fn create(path: &Path, scripts: &[&str]) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut conn =
            sqlx::sqlite::SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
                .expect("options")
                .create_if_missing(true)
                .connect()
                .await
                .expect("create the SQLite file");
        for script in scripts {
            conn.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(script.to_string())))
                .await
                .expect("run the SQLite script");
        }
    });
}
