//! Status of a check or finding, the worst-of order, and exit codes.
//!
//! The order in which statuses combine is written down here, once, and is
//! not derived from the exit-code numbers: `critical > unknown > warning > ok`
//! (spec §4). UNKNOWN's exit code (3) is numerically larger than CRITICAL's
//! (2), yet a broken dependency must outrank "could not check".

use serde::{Deserialize, Serialize};

/// Outcome of a check, of a finding, or of a whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Everything checked is healthy.
    Ok,
    /// Degraded, or still in progress.
    Warning,
    /// Broken.
    Critical,
    /// Could not check.
    Unknown,
}

impl Status {
    /// Rank in the aggregation order: a higher rank wins.
    fn rank(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Warning => 1,
            Status::Unknown => 2,
            Status::Critical => 3,
        }
    }

    /// The worse of two statuses, in the order critical > unknown > warning > ok.
    pub fn worst(self, other: Status) -> Status {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }

    /// The worst of many statuses; `Ok` when there are none.
    pub fn worst_of(statuses: impl IntoIterator<Item = Status>) -> Status {
        statuses.into_iter().fold(Status::Ok, Status::worst)
    }

    /// Process exit code (monitoring-plugins convention).
    pub fn exit_code(self) -> u8 {
        match self {
            Status::Ok => exit::OK,
            Status::Warning => exit::WARNING,
            Status::Critical => exit::CRITICAL,
            Status::Unknown => exit::UNKNOWN,
        }
    }

    /// Upper-case label, as Nagios and the table print it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warning => "WARNING",
            Status::Critical => "CRITICAL",
            Status::Unknown => "UNKNOWN",
        }
    }

    /// Lower-case name, as JSON carries it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warning => "warning",
            Status::Critical => "critical",
            Status::Unknown => "unknown",
        }
    }
}

/// The exit codes recdiag uses, and no others.
pub mod exit {
    /// Everything checked is healthy (`call`: the recording is playable).
    pub const OK: u8 = 0;
    /// Degraded, or still in progress.
    pub const WARNING: u8 = 1;
    /// Broken: a dependency failed, or data says the pipeline is broken.
    pub const CRITICAL: u8 = 2;
    /// Could not check: bad usage, invalid input, missing configuration, internal error.
    pub const UNKNOWN: u8 = 3;
}

#[cfg(test)]
mod tests {
    use super::Status::{self, *};

    #[test]
    fn worst_of_follows_the_written_order() {
        let table = [
            (Ok, Ok, Ok),
            (Ok, Warning, Warning),
            (Warning, Unknown, Unknown),
            (Unknown, Critical, Critical),
            (Critical, Unknown, Critical),
            (Critical, Warning, Critical),
            (Unknown, Warning, Unknown),
            (Warning, Ok, Warning),
        ];
        for (a, b, want) in table {
            assert_eq!(a.worst(b), want, "{a:?} vs {b:?}");
            assert_eq!(b.worst(a), want, "{b:?} vs {a:?}");
        }
    }

    #[test]
    fn empty_is_ok_and_codes_are_fixed() {
        assert_eq!(Status::worst_of([]), Ok);
        assert_eq!(Status::worst_of([Warning, Critical, Unknown]), Critical);
        assert_eq!(
            [Ok, Warning, Critical, Unknown].map(Status::exit_code),
            [0, 1, 2, 3]
        );
    }
}
