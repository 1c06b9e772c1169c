//! The last bound on memory. Every reply recdiag reads from Redis passes
//! a guard that refuses it before it grows large, but the PostgreSQL
//! driver reserves whatever length a message announces and fills it as
//! bytes arrive — a server (or a man in the middle of `sslmode=require`)
//! announcing a 2 GB message took recdiag past 4 GB and, paging, past its
//! timeout. A thread reads the process's resident size every few
//! milliseconds and, past [`LIMIT`], ends recdiag at once: exit 3, one
//! line on stderr, nothing written to `--output`.

use std::io::Write;
use std::time::Duration;

/// Far above what recdiag needs for the largest pipeline (a 10 MB job
/// field, a million registry members read for `call`), far below harm.
pub const LIMIT: u64 = 256 * 1024 * 1024;

/// Watch from now until the process ends.
pub fn start() {
    let page = rustix::param::page_size() as u64;
    let _ = std::thread::Builder::new()
        .name("memory-watch".into())
        .spawn(move || {
            loop {
                if resident(page).is_some_and(|bytes| bytes > LIMIT) {
                    let _ = writeln!(
                        std::io::stderr().lock(),
                        "recdiag: stopped: it held more than {} MiB of memory, which no answer to its bounded reads needs — a server is sending far more than was asked (a message announcing gigabytes?); nothing was written",
                        LIMIT / (1024 * 1024)
                    );
                    std::process::exit(i32::from(crate::model::exit::UNKNOWN));
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        });
}

/// The resident set, from `/proc/self/statm` (pages).
fn resident(page: u64) -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * page)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_resident_size_is_read() {
        let page = rustix::param::page_size() as u64;
        let rss = super::resident(page).unwrap();
        assert!(rss > 0 && rss < super::LIMIT, "{rss}");
    }
}
