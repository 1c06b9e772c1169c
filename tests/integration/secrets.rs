//! Passwords never reach stdout, stderr or JSON, wherever they come from
//! and whatever goes wrong.

use std::fs;

use crate::support::{Recdiag, RedisServer, SilentListener, free_port};

const SECRET: &str = "Tr0ub4dor-and-3";

#[test]
fn redis_password_hidden_in_every_failure_and_format() {
    let auth_server = RedisServer::with_args(&["--requirepass", "something-else"]);
    let silent = SilentListener::start();
    let urls = [
        format!("redis://:{SECRET}@127.0.0.1:{}/0", free_port()),
        format!("redis://:{SECRET}@127.0.0.1:{}/0", auth_server.port),
        format!("redis://admin:{SECRET}@127.0.0.1:{}/0", silent.port),
        format!("redis://admin:{SECRET}@no-such-host.invalid/0"),
        format!("redis://:{SECRET}@127.0.0.1:notaport/0"),
        format!("ftp://:{SECRET}@127.0.0.1/0"),
        format!(
            "redis://:{}@127.0.0.1:{}/0",
            SECRET.replace('-', "%2D"),
            free_port()
        ),
    ];
    for url in &urls {
        for format in ["table", "json"] {
            // From the environment…
            Recdiag::new()
                .args(["health", "--timeout", "1s", "--format", format])
                .env("REDIS_URL", url)
                .run()
                .assert_hides(SECRET);
            // …and from the command line.
            Recdiag::new()
                .args([
                    "redis",
                    "--timeout",
                    "1s",
                    "--format",
                    format,
                    "--redis-url",
                    url,
                ])
                .run()
                .assert_hides(SECRET);
        }
    }
}

#[test]
fn password_hidden_when_it_comes_from_dotenv() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    fs::write(
        dir.path().join(".env"),
        format!("REDIS_URL=redis://:{SECRET}@127.0.0.1:{port}/0\nDATABASE_URL=postgresql+psycopg2://app:{SECRET}@db/app\n"),
    )
    .unwrap();
    let r = Recdiag::in_dir(dir.path()).args(["health", "--json"]).run();
    r.assert_code(2).assert_hides(SECRET);
    assert_eq!(
        r.check("redis")["metrics"]["url"],
        format!("redis://:***@127.0.0.1:{port}/0")
    );
}

#[test]
fn password_hidden_in_usage_errors() {
    // A URL in the wrong place is echoed by the argument parser: masked.
    let r = Recdiag::new()
        .args(["health", &format!("redis://:{SECRET}@host:6379")])
        .run();
    r.assert_code(3).assert_hides(SECRET);
    let r = Recdiag::new()
        .args([
            "health",
            "--database-url",
            &format!("mysql://u:{SECRET}@db/x"),
        ])
        .run();
    r.assert_hides(SECRET);
    let r = Recdiag::new()
        .args(["health"])
        .env("DB_POSTGRESDB_HOST", "db.internal")
        .env("DB_POSTGRESDB_PASSWORD", SECRET)
        .env("DB_POSTGRESDB_PORT", "not-a-port")
        .run();
    r.assert_hides(SECRET);
}

#[test]
fn dotenv_precedence_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let server = RedisServer::start();
    fs::write(
        dir.path().join(".env"),
        format!(
            "REDIS_URL={}\nRECORDINGS_DIR=/definitely/not/here\n",
            server.url()
        ),
    )
    .unwrap();
    // The file is read by default…
    let r = Recdiag::in_dir(dir.path()).args(["redis", "--json"]).run();
    r.assert_code(0);
    // …the real environment wins over it…
    let r = Recdiag::in_dir(dir.path())
        .args(["redis", "--json"])
        .env("REDIS_URL", format!("redis://127.0.0.1:{}/0", free_port()))
        .run();
    r.assert_code(2);
    // …and --no-env-file ignores it.
    let r = Recdiag::in_dir(dir.path())
        .args(["redis", "--json", "--no-env-file"])
        .run();
    r.assert_code(3);
    // An explicit file that does not exist is an error.
    let r = Recdiag::new()
        .args(["redis", "--env-file", "/no/such/.env"])
        .run();
    r.assert_code(3);
    assert!(r.stderr.contains("/no/such/.env"), "{}", r.stderr);
    // A broken file names the line, not its content.
    fs::write(
        dir.path().join("bad.env"),
        format!("A=1\nREDIS_URL='redis://:{SECRET}@x\n"),
    )
    .unwrap();
    let r = Recdiag::in_dir(dir.path())
        .args(["redis", "--env-file", "bad.env"])
        .run();
    r.assert_code(3).assert_hides(SECRET);
}
