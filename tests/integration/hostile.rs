//! Hostile servers on the Redis and the Sentinel port: each run ends
//! within `--timeout` + 1 s, under 100 MB of memory, with the cause in
//! words — whatever the server announces or sends, however slowly.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::redis::listen;

/// What a hostile server does once it has read the first request.
#[derive(Clone, Copy, Debug)]
enum Behaviour {
    /// `$2000000000`, then bytes as fast as they go.
    HugeString,
    /// `*2000000000`, then elements as fast as they go.
    HugeArray,
    /// Arrays nested a million deep.
    DeepNesting,
    /// A simple string that never ends.
    EndlessLine,
    /// Not the protocol at all: a web server's answer, then the close.
    Garbage,
    /// A string of 100,000 bytes, one byte every 100 ms.
    Trickle,
    /// Half a reply, then the connection closed.
    MidReplyClose,
    /// PostgreSQL: an authentication message announcing 2 GB, then bytes
    /// as fast as they go.
    PgHugeMessage,
    /// PostgreSQL: an authentication message of 3 MiB of garbage, sent
    /// whole (under the database's bound on a block: it is read, then
    /// refused as not the protocol).
    PgLargeMessage,
    /// PostgreSQL: a message of 100,000 bytes, one byte every 100 ms.
    PgTrickle,
    /// PostgreSQL: half a message, then the connection closed.
    PgMidMessageClose,
}

fn serve(mut conn: TcpStream, how: Behaviour) {
    let _ = conn.set_nonblocking(false);
    let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
    let mut buf = [0u8; 4096];
    if conn.read(&mut buf).unwrap_or(0) == 0 {
        return;
    }
    // PostgreSQL's SSLRequest: "no", and the startup message comes next.
    if buf[4..8] == [4, 0xd2, 0x16, 0x2f]
        && (conn.write_all(b"N").is_err() || conn.read(&mut buf).unwrap_or(0) == 0)
    {
        return;
    }
    let endless = |conn: &mut TcpStream, head: &[u8], chunk: &[u8]| {
        if conn.write_all(head).is_err() {
            return;
        }
        while conn.write_all(chunk).is_ok() {}
    };
    let trickle = |conn: &mut TcpStream, head: &[u8]| {
        let _ = conn.write_all(head);
        while conn.write_all(b"x").is_ok() {
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    match how {
        Behaviour::HugeString => endless(&mut conn, b"$2000000000\r\n", &[b'x'; 1 << 20]),
        Behaviour::HugeArray => endless(&mut conn, b"*2000000000\r\n", &b":1\r\n".repeat(1 << 16)),
        Behaviour::DeepNesting => endless(&mut conn, b"", &b"*1\r\n".repeat(1 << 16)),
        Behaviour::EndlessLine => endless(&mut conn, b"+", &[b'a'; 1 << 20]),
        Behaviour::Trickle => trickle(&mut conn, b"$100000\r\n"),
        Behaviour::MidReplyClose => {
            let _ = conn.write_all(b"$100\r\nabc");
        }
        Behaviour::Garbage => {
            let _ = conn.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
        Behaviour::PgHugeMessage => endless(&mut conn, b"R\x7f\xff\xff\xf0", &[b'x'; 1 << 20]),
        Behaviour::PgLargeMessage => {
            let _ = conn.write_all(b"R\x00\x30\x00\x04");
            for _ in 0..3 {
                if conn.write_all(&[b'x'; 1 << 20]).is_err() {
                    return;
                }
            }
            std::thread::sleep(Duration::from_secs(5));
        }
        Behaviour::PgTrickle => trickle(&mut conn, b"R\x00\x01\x86\xa0"),
        Behaviour::PgMidMessageClose => {
            let _ = conn.write_all(b"R\x00\x00\x00\x64abc");
        }
    }
}

/// A server on a free port treating every connection the same way.
fn hostile(how: Behaviour) -> (u16, impl Drop) {
    let (port, stop) = listen(move |conn| {
        std::thread::spawn(move || serve(conn, how));
    });
    struct Stop(std::sync::Arc<std::sync::atomic::AtomicBool>);
    impl Drop for Stop {
        fn drop(&mut self) {
            self.0.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }
    (port, Stop(stop))
}

/// One run of recdiag: its exit code, its stdout and stderr, how long it took and
/// the most memory it held (the kernel's high-water mark, read until it
/// exits).
fn measured(args: &[String]) -> (i32, String, Duration, u64) {
    let out = tempfile::NamedTempFile::new().expect("temp file");
    let err = tempfile::NamedTempFile::new().expect("temp file");
    let cwd = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("recdiag"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(cwd.path())
        .stdin(Stdio::null())
        .stdout(out.reopen().expect("reopen"))
        .stderr(err.reopen().expect("reopen"))
        .spawn()
        .expect("run recdiag");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0;
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code().unwrap_or(-1);
        }
        if let Ok(status) = std::fs::read_to_string(&status_file)
            && let Some(kib) = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak_kib = peak_kib.max(kib);
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("recdiag {args:?} still runs after 30 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = started.elapsed();
    let said = std::fs::read_to_string(out.path()).unwrap_or_default()
        + &std::fs::read_to_string(err.path()).unwrap_or_default();
    (code, said, took, peak_kib)
}

fn assert_bounded(url: &str, how: Behaviour, words: &str) {
    let args: Vec<String> = [
        "redis",
        "--no-env-file",
        "--format",
        "nagios",
        "--timeout",
        "3s",
        "--redis-url",
        url,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let (code, stdout, took, peak_kib) = measured(&args);
    assert_eq!(code, 2, "{how:?} {url}: {stdout}");
    assert!(
        took < Duration::from_secs(4),
        "{how:?} {url}: took {took:?}"
    );
    assert!(peak_kib < 100 * 1024, "{how:?} {url}: held {peak_kib} KiB");
    assert!(stdout.contains(words), "{how:?} {url}: {stdout}");
}

#[test]
fn hostile_redis_servers_end_within_the_timeout_in_bounded_memory() {
    for (how, words) in [
        (
            Behaviour::HugeString,
            "recdiag refused the reply: it announced a string of 2000000000 bytes",
        ),
        (
            Behaviour::HugeArray,
            "recdiag refused the reply: it announced 2000000000 values",
        ),
        (
            Behaviour::DeepNesting,
            "recdiag refused the reply: values nested deeper than 128",
        ),
        (
            Behaviour::EndlessLine,
            "recdiag refused the reply: a line longer than 64 KiB",
        ),
        (Behaviour::Trickle, "no answer within 3s"),
        (Behaviour::MidReplyClose, "closed by the server"),
        (Behaviour::Garbage, "answers, but not in the Redis protocol"),
    ] {
        let (port, _stop) = hostile(how);
        assert_bounded(&format!("redis://127.0.0.1:{port}/0"), how, words);
    }
}

/// The same servers, asked as sentinels: the master is never found, and
/// the sentinel's failure is named.
#[test]
fn hostile_sentinels_end_within_the_timeout_in_bounded_memory() {
    for (how, words) in [
        (Behaviour::HugeString, "recdiag refused the reply"),
        (Behaviour::HugeArray, "recdiag refused the reply"),
        (Behaviour::Trickle, "no answer within"),
        (Behaviour::MidReplyClose, "closed by the server"),
        (Behaviour::Garbage, "answers, but not in the Redis protocol"),
    ] {
        let (port, _stop) = hostile(how);
        assert_bounded(
            &format!("redis+sentinel://127.0.0.1:{port}/mymaster/0"),
            how,
            words,
        );
    }
}

/// The same kinds of server on the PostgreSQL port. The driver reserves
/// what a message announces: the 2 GB message is stopped once recdiag
/// holds 64 MiB (exit 3, in words, at once); a web server's answer (its
/// "TTP/" read as a length of 1.3 GB) ends long before, and is named as
/// a message cut short, not as recdiag's own limit; a message under the database's bound (8 MiB, which the
/// driver's buffer reaches at about half of it) is read whole and
/// refused as garbage.
#[test]
fn hostile_postgresql_servers_end_within_the_timeout_in_bounded_memory() {
    for (how, code, words) in [
        (
            Behaviour::PgHugeMessage,
            3,
            "recdiag: stopped: the database server announced a message of 2047 MiB and kept sending it",
        ),
        (Behaviour::PgLargeMessage, 2, "PostgreSQL"),
        (
            Behaviour::Garbage,
            2,
            "closed by the server in the middle of a message",
        ),
        (Behaviour::PgTrickle, 2, "no answer within 3s"),
        (
            Behaviour::PgMidMessageClose,
            2,
            "closed by the server in the middle of a message",
        ),
    ] {
        let (port, _stop) = hostile(how);
        let args: Vec<String> = [
            "runs",
            "--no-env-file",
            "--format",
            "nagios",
            "--timeout",
            "3s",
            "--database-url",
            &format!("postgresql://u@127.0.0.1:{port}/x"),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let (got, said, took, peak_kib) = measured(&args);
        assert_eq!(got, code, "{how:?}: {said}");
        assert!(took < Duration::from_secs(4), "{how:?}: took {took:?}");
        assert!(peak_kib < 100 * 1024, "{how:?}: held {peak_kib} KiB");
        assert!(said.contains(words), "{how:?}: {said}");
    }
}
