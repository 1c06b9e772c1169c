//! The last bounds on memory. Every reply recdiag reads from Redis passes
//! a guard that refuses it before it grows large, but the PostgreSQL
//! driver reserves whatever length a message announces and fills it as
//! bytes arrive — a server (or a man in the middle of `sslmode=require`)
//! announcing a 2 GB message took recdiag past 4 GB and, paging, past its
//! timeout. These bounds end recdiag at once — exit 3, one line on
//! stderr, nothing written to `--output`:
//! - [`Guarded`], the binary's allocator, refuses any one block larger
//!   than [`LARGEST_BLOCK`] when it is asked for, before a byte of it is
//!   used;
//! - while a database read is polled ([`database`]), a block larger than
//!   [`DATABASE_BLOCK`] (no answer to recdiag's queries comes near it) is
//!   the driver reserving an announced message. It is let through — the
//!   reservation costs nothing until bytes arrive, and a server that is
//!   no PostgreSQL at all (HTTP on the port: "HTTP" read as a length) ends
//!   the message soon, so the driver's own error names it — but from then
//!   on the resident size may not grow by more than [`ARMED_LIMIT`];
//! - a thread reads the process's resident size every few milliseconds
//!   and stops it past [`LIMIT`] (or past [`ARMED_LIMIT`] more than when
//!   the driver's block was noted).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::io::Write;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

/// The largest block recdiag asks for at once: a 32 MiB Redis reply (the
/// reply guard's bound) in a buffer that doubles as it grows fits, and no
/// bounded read needs more.
pub const LARGEST_BLOCK: usize = 96 * 1024 * 1024;

/// The largest block a database read needs: recdiag's queries are
/// answered in messages of a few KiB (an error text is cut at 64 KiB),
/// which the driver's buffer holds about twice over.
pub const DATABASE_BLOCK: usize = 8 * 1024 * 1024;

/// Far above what recdiag needs for the largest pipeline (a 10 MB job
/// field, a million registry members read for `call`), far below harm.
pub const LIMIT: u64 = 256 * 1024 * 1024;

/// The growth of the resident size allowed while the database driver
/// holds a block it reserved for a message no query of recdiag's is
/// answered with (other reads, running alongside, hold what they held).
pub const ARMED_LIMIT: u64 = 64 * 1024 * 1024;

thread_local! {
    /// Whether a database read is being polled on this thread.
    static IN_DATABASE: Cell<bool> = const { Cell::new(false) };
}

/// The size of the block the database driver reserved past
/// [`DATABASE_BLOCK`] (0: none), and where it lies.
static ARMED: AtomicUsize = AtomicUsize::new(0);
static ARMED_AT: AtomicUsize = AtomicUsize::new(0);

/// `read`, with every block it asks for while it is polled (on whichever
/// thread polls it) judged as the database driver's.
pub fn database<F: Future>(read: F) -> impl Future<Output = F::Output> {
    Database(Box::pin(read))
}

struct Database<F>(Pin<Box<F>>);

impl<F: Future> Future for Database<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let before = IN_DATABASE.with(|d| d.replace(true));
        let out = this.0.as_mut().poll(cx);
        IN_DATABASE.with(|d| d.set(before));
        out
    }
}

/// The system allocator, refusing blocks larger than [`LARGEST_BLOCK`]
/// and noting the database driver's past [`DATABASE_BLOCK`].
pub struct Guarded;

// SAFETY: every call is handed to the system allocator unchanged; a
// refusal ends the process without returning. The only unsafe code in
// recdiag: an allocator can be written no other way.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Guarded {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let announced = check(layout.size());
        // SAFETY: the caller's contract, passed on.
        let block = unsafe { System.alloc(layout) };
        if announced {
            arm(block, layout.size());
        }
        block
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let announced = check(layout.size());
        // SAFETY: the caller's contract, passed on.
        let block = unsafe { System.alloc_zeroed(layout) };
        if announced {
            arm(block, layout.size());
        }
        block
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        disarm(ptr);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let announced = check(new_size);
        // SAFETY: the caller's contract, passed on.
        let block = unsafe { System.realloc(ptr, layout, new_size) };
        if !block.is_null() {
            disarm(ptr);
            if announced {
                arm(block, new_size);
            }
        }
        block
    }
}

/// Whether a block of `size` is the database driver reserving an
/// announced message; a block past [`LARGEST_BLOCK`] elsewhere ends
/// recdiag.
#[inline]
fn check(size: usize) -> bool {
    if size <= DATABASE_BLOCK {
        return false;
    }
    if IN_DATABASE.try_with(Cell::get).unwrap_or(false) {
        return true;
    }
    if size <= LARGEST_BLOCK {
        return false;
    }
    // Formatted on the stack: the allocator must not allocate.
    let mut line = [0u8; 320];
    let mut at = &mut line[..];
    let _ = writeln!(
        at,
        "recdiag: stopped: a server announced a message of {} MiB, where no answer to recdiag's bounded reads needs {} MiB; nothing was written",
        size / (1024 * 1024),
        LARGEST_BLOCK / (1024 * 1024)
    );
    let left = at.len();
    let used = line.len() - left;
    let _ = std::io::stderr().write_all(&line[..used]);
    std::process::exit(i32::from(crate::model::exit::UNKNOWN));
}

/// Note the driver's block; the largest one counts (the others are its
/// copies and parts).
fn arm(block: *mut u8, size: usize) {
    if !block.is_null() && size >= ARMED.load(Ordering::Relaxed) {
        ARMED_AT.store(block as usize, Ordering::Relaxed);
        ARMED.store(size, Ordering::Relaxed);
    }
}

fn disarm(block: *mut u8) {
    if ARMED_AT.load(Ordering::Relaxed) == block as usize && !block.is_null() {
        ARMED.store(0, Ordering::Relaxed);
        ARMED_AT.store(0, Ordering::Relaxed);
    }
}

/// Watch from now until the process ends.
pub fn start() {
    let page = rustix::param::page_size() as u64;
    let _ = std::thread::Builder::new()
        .name("memory-watch".into())
        .spawn(move || {
            // The resident size when the driver's block was first seen.
            let mut base: Option<u64> = None;
            loop {
                let armed = ARMED.load(Ordering::Relaxed);
                let now = resident(page);
                if armed == 0 {
                    base = None;
                } else if base.is_none() {
                    base = now;
                }
                let limit = match base {
                    Some(base) => (base + ARMED_LIMIT).min(LIMIT),
                    None => LIMIT,
                };
                if now.is_some_and(|bytes| bytes > limit) {
                    let _ = writeln!(std::io::stderr().lock(), "{}", stopped(armed));
                    std::process::exit(i32::from(crate::model::exit::UNKNOWN));
                }
                let pause = if armed > 0 { 1 } else { 5 };
                std::thread::sleep(Duration::from_millis(pause));
            }
        });
}

/// The line for a process stopped by the watch.
fn stopped(armed: usize) -> String {
    const MIB: u64 = 1024 * 1024;
    if armed > 0 {
        format!(
            "recdiag: stopped: the database server announced a message of {} MiB and kept sending it (recdiag held {} MiB more), where no answer to recdiag's queries needs {} MiB: is the database URL's port a PostgreSQL server's? nothing was written",
            armed as u64 / MIB,
            ARMED_LIMIT / MIB,
            DATABASE_BLOCK as u64 / MIB
        )
    } else {
        format!(
            "recdiag: stopped: it held more than {} MiB of memory, which no answer to its bounded reads needs — a server is sending far more than was asked (a message announcing gigabytes?); nothing was written",
            LIMIT / MIB
        )
    }
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

    #[test]
    fn a_database_block_past_its_bound_is_noted_not_refused() {
        assert!(!super::check(1024));
        assert!(!super::check(super::DATABASE_BLOCK + 1));
        let inside = super::IN_DATABASE.with(|d| d.replace(true));
        assert!(super::check(super::DATABASE_BLOCK + 1));
        assert!(super::check(2 << 30));
        super::IN_DATABASE.with(|d| d.set(inside));
        assert!(super::stopped(2 << 30).contains("announced a message of 2048 MiB"));
    }
}
