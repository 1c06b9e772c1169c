//! `sqlx-floor URL SQL`: connect (as recdiag does), send SQL in one
//! simple-query message, close. What it takes is the least any sqlx-based
//! tool can take for the same read; the bench prints it beside recdiag.
use sqlx::{Connection, Executor};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(sql)) = (args.next(), args.next()) else {
        return Err("usage: sqlx-floor URL SQL".into());
    };
    let mut db = sqlx::PgConnection::connect(&url).await?;
    db.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql))).await?;
    db.close().await?;
    Ok(())
}
