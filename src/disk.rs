//! Looks at the recordings directory, off the async threads and bounded in
//! number. A stat on a hung network mount never returns: the caller stops
//! waiting at its timeout, but the thread stays stuck. A command that runs
//! once exits and leaves it; `serve` and `--watch` run again and again, and
//! each run would strand more threads until tokio's blocking pool — which
//! DNS lookups for Redis and PostgreSQL share — is full and every source
//! looks unreachable. So while [`MOST`] looks are still stuck, no new one
//! starts: the directory is reported as not answering, as after a timeout.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Looks at the disk in flight at most (a run makes up to three).
pub const MOST: usize = 8;

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// Why a look gave no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoAnswer {
    /// Earlier looks are still stuck: this one was not started.
    Stuck,
    /// The look itself stopped unexpectedly (a bug).
    Died,
}

/// Run `f` on the blocking pool, unless [`MOST`] looks are in flight.
pub fn look<F, R>(f: F) -> impl Future<Output = Result<R, NoAnswer>>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let started = IN_FLIGHT.fetch_add(1, Ordering::SeqCst) < MOST;
    let task = if started {
        Some(tokio::task::spawn_blocking(move || {
            let _done = Done;
            f()
        }))
    } else {
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
        None
    };
    async move {
        match task {
            Some(t) => t.await.map_err(|_| NoAnswer::Died),
            None => Err(NoAnswer::Stuck),
        }
    }
}

/// Counts a look done when its thread comes back (or unwinds).
struct Done;

impl Drop for Done {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[tokio::test(flavor = "current_thread")]
    async fn stuck_looks_stop_new_ones_until_they_come_back() {
        let (release, wait) = mpsc::channel::<()>();
        let wait = std::sync::Arc::new(std::sync::Mutex::new(wait));
        let mut stuck = Vec::new();
        for _ in 0..MOST {
            let wait = std::sync::Arc::clone(&wait);
            stuck.push(look(move || {
                let _ = wait.lock().map(|w| w.recv());
            }));
        }
        // Let them start and block.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert_eq!(look(|| 1).await, Err(NoAnswer::Stuck));
        for _ in 0..MOST {
            let _ = release.send(());
        }
        for s in stuck {
            assert_eq!(s.await, Ok(()));
        }
        assert_eq!(look(|| 2).await, Ok(2));
    }
}
