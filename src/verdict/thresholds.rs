//! Every number the finding rules judge by, with the spec's defaults.
//! Flags and `RECDIAG_*` variables only override these.

/// Thresholds of the finding rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    /// DISK_SPACE_LOW is a warning below this free percentage.
    pub min_free_percent: f64,
    /// DISK_SPACE_LOW is critical below this free percentage.
    pub crit_free_percent: f64,
    /// REDIS_MEMORY_HIGH at this share of maxmemory, in percent.
    pub max_redis_memory_percent: f64,
    /// A recording of this many bytes or fewer is invalid (the app's rule).
    pub undersized_bytes: u64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            min_free_percent: 10.0,
            crit_free_percent: 2.0,
            max_redis_memory_percent: 90.0,
            undersized_bytes: 1000,
        }
    }
}
