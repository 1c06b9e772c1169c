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

/// Where `secret` stands in `text` as a whole token (not glued to a word).
fn as_token(text: &str, secret: &str) -> Option<String> {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(secret).find_map(|(at, _)| {
        let before = text[..at].chars().last();
        let after = text[at + secret.len()..].chars().next();
        (!before.is_some_and(word) && !after.is_some_and(word)).then(|| {
            let from = text[..at]
                .char_indices()
                .rev()
                .nth(30)
                .map_or(0, |(i, _)| i);
            text[from..].chars().take(80).collect()
        })
    })
}

/// Passwords of one letter, dictionary words, spaces, quotes, `@`, `/`,
/// `%`, `#` and non-ASCII, in URLs that parse and URLs that do not, in
/// every format: the password never stands in the output, and the text
/// around it survives (`Redis`, `check="redis"`, `"status":`).
#[test]
fn any_password_is_hidden_and_garbles_nothing() {
    let passwords = [
        "e",
        "redis",
        "postgres",
        "status",
        "pa SECRET",
        "p@ss/SECRET",
        "a'b\"c",
        "100%x",
        "#frag",
        "pässwörd",
    ];
    // recdiag's own words stay whatever the password: only their URL
    // places are masked.
    let own_words = ["redis", "status"];
    for pw in passwords {
        let (redis_port, db_port) = (free_port(), free_port());
        let mut runs: Vec<(String, crate::support::Run)> = Vec::new();
        for format in ["table", "json", "prometheus", "nagios"] {
            let r = Recdiag::new()
                .args(["health", "--timeout", "1s", "--format", format])
                .env(
                    "REDIS_URL",
                    format!("redis://:{pw}@127.0.0.1:{redis_port}/0"),
                )
                .env(
                    "DATABASE_URL",
                    format!("postgresql://app:{pw}@127.0.0.1:{db_port}/app"),
                )
                .env("RECORDINGS_DIR", "/nonexistent-recordings")
                .run();
            match format {
                "table" => assert!(r.stdout.contains(" redis "), "{pw:?}:\n{}", r.stdout),
                "json" => assert!(r.stdout.contains("\"status\": "), "{pw:?}:\n{}", r.stdout),
                "prometheus" => assert!(
                    r.stdout.contains("recdiag_up{check=\"redis\"} 0"),
                    "{pw:?}:\n{}",
                    r.stdout
                ),
                _ => assert!(
                    r.stdout.starts_with("RECDIAG CRITICAL"),
                    "{pw:?}:\n{}",
                    r.stdout
                ),
            }
            assert!(
                !matches!(format, "table" | "json")
                    || pw.contains('/')
                    || r.stdout.contains("postgresql://app:***@"),
                "{pw:?} {format}: the user name stays:\n{}",
                r.stdout
            );
            runs.push((format!("health {format}"), r));
        }
        let bad_redis = Recdiag::new()
            .args(["redis", "--no-env-file", "--format", "json", "--redis-url"])
            .arg(format!("redis://:{pw}@127.0.0.1:notaport/0"))
            .run();
        runs.push(("redis, a URL that does not parse".into(), bad_redis));
        let bad_db = Recdiag::new()
            .args(["runs", "--no-env-file", "--database-url"])
            .arg(format!(
                "postgresql://u:{pw}@127.0.0.1:notaport/x?password={pw}"
            ))
            .run();
        runs.push(("runs, a URL that does not parse".into(), bad_db));
        for (what, r) in &runs {
            for out in [&r.stdout, &r.stderr] {
                assert!(!out.contains(&format!(":{pw}@")), "{pw:?} {what}:\n{out}");
                assert!(!out.contains(&format!("={pw}")), "{pw:?} {what}:\n{out}");
                if !own_words.contains(&pw) {
                    assert_eq!(as_token(out, pw), None, "{pw:?} {what}:\n{out}");
                }
                assert!(!out.contains("panicked"), "{what}: {out}");
            }
        }
    }
}
