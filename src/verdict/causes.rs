//! Why a run failed, read from the app's own `error_message` texts (spec §6
//! "Failure causes", §1 items 4-6), and what to do about each cause.

use serde::Serialize;

/// A class of failure, named in JSON as `download_error`, `no_slot`, ….
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The download itself failed: Twilio answered an HTTP error, or the
    /// credentials are missing. The database only says "unknown reason";
    /// the status code is in the worker's log.
    DownloadError,
    /// The job ran past its timeout.
    Timeout,
    /// No per-business slot was free.
    NoSlot,
    /// The API failed a run it found queued for over 5 minutes: no
    /// worker picked it up.
    StuckRecovery,
    /// The API failed a run it found running for over 5 minutes: a slow
    /// download (which may still be running) or a dead work-horse.
    StuckRunning,
    /// The API gave up: the worker did not process the queue after 3 recoveries.
    WorkerOffline,
    /// A full run found no call_log row or no audio yet.
    CallLogMissing,
    Cancelled,
    Other,
}

impl Cause {
    pub const ALL: [Cause; 9] = [
        Cause::DownloadError,
        Cause::Timeout,
        Cause::NoSlot,
        Cause::StuckRecovery,
        Cause::StuckRunning,
        Cause::WorkerOffline,
        Cause::CallLogMissing,
        Cause::Cancelled,
        Cause::Other,
    ];

    /// The cause of an `error_message` (its first 40 characters suffice).
    pub fn classify(error: Option<&str>) -> Cause {
        let Some(text) = error.map(str::trim) else {
            return Cause::Other;
        };
        let starts = |p: &str| {
            text.get(..p.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(p))
        };
        if starts("Processing failed") || starts("Failed to download") {
            Cause::DownloadError
        } else if starts("Task exceeded maximum timeout") || starts("JobTimeoutException") {
            Cause::Timeout
        } else if starts("No slot available") {
            Cause::NoSlot
        } else if starts("Job stuck: running") || starts("Job stuck: marked running") {
            Cause::StuckRunning
        } else if starts("Job stuck") || starts("Job cleanup") {
            Cause::StuckRecovery
        } else if starts("Worker not processing queue") {
            Cause::WorkerOffline
        } else if starts("CallLog not found") || starts("Waiting for CallLog") {
            Cause::CallLogMissing
        } else if starts("Audio file not available") || starts("Waiting for audio") {
            // A full job could not obtain the recording (or the processing
            // after it raised): a download failure, never the webhook's order.
            Cause::DownloadError
        } else if starts("cancel") {
            Cause::Cancelled
        } else if [
            "401",
            "403",
            "404",
            "Twilio",
            "HTTP",
            "Unauthorized",
            "Forbidden",
        ]
        .iter()
        .any(|w| text.contains(w))
        {
            Cause::DownloadError
        } else {
            Cause::Other
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Cause::DownloadError => "download_error",
            Cause::Timeout => "timeout",
            Cause::NoSlot => "no_slot",
            Cause::StuckRecovery => "stuck_recovery",
            Cause::StuckRunning => "stuck_running",
            Cause::WorkerOffline => "worker_offline",
            Cause::CallLogMissing => "call_log_missing",
            Cause::Cancelled => "cancelled",
            Cause::Other => "other",
        }
    }

    /// A few words for people.
    pub fn label(self) -> &'static str {
        match self {
            Cause::DownloadError => "the recording could not be obtained (the worker log says why)",
            Cause::Timeout => "job timeout",
            Cause::NoSlot => "no download slot free",
            Cause::StuckRecovery => "stuck: not picked up by a worker within 5 min",
            Cause::StuckRunning => {
                "stuck: still running after 5 min (a slow download, or a killed work-horse)"
            }
            Cause::WorkerOffline => "worker not processing the queue (API gave up)",
            Cause::CallLogMissing => "call_log row missing when the full job ran",
            Cause::Cancelled => "cancelled",
            Cause::Other => "other error",
        }
    }

    /// What to do about this cause.
    pub fn hint(self) -> &'static str {
        match self {
            Cause::DownloadError => concat!(
                "the database only says 'unknown reason' (or, for a full job, 'Audio file not available'): run recdiag logs on the worker's log (",
                crate::worker_log_all!(),
                " --since 1h) — 401/403: TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN in the worker's environment; 404 on every format: not found, or not ready yet; 5xx: Twilio's side; 'Missing Twilio credentials': set them in the worker (no request was made); the circuit breaker; a file-lock timeout"
            ),
            Cause::Timeout => {
                "downloads ran past the 10 min job timeout: check the network from the worker to api.twilio.com and the worker's load"
            }
            Cause::NoSlot => {
                "the business's 3 download slots are held: see PHANTOM_SLOTS (recdiag health) and run at most 3 worker processes on 'recordings'"
            }
            Cause::StuckRecovery => {
                "no worker picked the jobs up within 5 min: check recdiag workers and recdiag queues (a worker down, rq suspend, or a backlog on higher-priority queues)"
            }
            Cause::StuckRunning => {
                "the API's 5-minute rule failed runs that were still running: a download slower than 5 min (the network to Twilio; the download may still finish) or a work-horse killed mid-job (recdiag failed, the worker log's 'Work horse killed')"
            }
            Cause::WorkerOffline => concat!(
                "the API gave up after 3 recoveries in 10 min and told the player the worker is offline: ",
                crate::restart_worker!(),
                ", then reopen the call"
            ),
            Cause::CallLogMissing => {
                "full jobs ran before the call_log row existed: check the webhook's order; RQ retries them at once, 3 times"
            }
            Cause::Cancelled => "the runs were cancelled: reopen the call to download it again",
            Cause::Other => {
                "read the newest failures' error_message (recdiag runs) and the worker log"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cause::{self, *};

    #[test]
    fn the_apps_texts_classify() {
        for (text, want) in [
            ("Processing failed (unknown reason)", DownloadError),
            ("Task exceeded maximum timeout value (600 seconds)", Timeout),
            ("No slot available: queued", NoSlot),
            ("No slot available: already_queued", NoSlot),
            (
                "Job stuck: queued for 6 minutes without being picked up by worker. Retry attempt 1/3",
                StuckRecovery,
            ),
            ("Job cleanup: stale", StuckRecovery),
            (
                "Job stuck: running for 401s without completion. Retry attempt 2/3",
                StuckRunning,
            ),
            (
                "Job stuck: queued for 400s without being picked up by worker. Retry attempt 1/3",
                StuckRecovery,
            ),
            (
                "Worker not processing queue after 3 attempts in 10 minutes. Original issue: x",
                WorkerOffline,
            ),
            ("CallLog not found - retry 3/5", CallLogMissing),
            ("CallLog not found after 5 retries", CallLogMissing),
            ("Audio file not available - retry 1/5", DownloadError),
            ("Waiting for CallLog (attempt 1/5)", CallLogMissing),
            ("401 Client Error: Unauthorized for url", DownloadError),
            ("psycopg2.OperationalError: server closed", Other),
            ("", Other),
        ] {
            assert_eq!(Cause::classify(Some(text)), want, "{text}");
        }
        assert_eq!(Cause::classify(None), Other);
        // A multi-byte character where the prefix would end must not panic.
        assert_eq!(Cause::classify(Some("שגיאה")), Other);
    }
}
