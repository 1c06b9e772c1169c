//! Per-check metrics: filled by probes, judged by rules, shown by renderers.
//!
//! Every field is always present in JSON; `null` means "not measured"
//! (the source was unreachable or not configured), never zero.

use serde::{Deserialize, Serialize};

/// The metrics of one check; which variant follows from the check id.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Metrics {
    Redis(RedisMetrics),
    RecordingsDir(RecordingsDirMetrics),
}

/// Facts about the Redis server (spec §5 `redis`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RedisMetrics {
    /// The URL checked, password replaced by `***`.
    pub url: Option<String>,
    /// PING round trip.
    pub latency_s: Option<f64>,
    pub version: Option<String>,
    pub role: Option<String>,
    pub used_memory_bytes: Option<u64>,
    /// 0 means no limit, as Redis reports it.
    pub maxmemory_bytes: Option<u64>,
    /// used / maxmemory; null when there is no limit.
    pub memory_used_ratio: Option<f64>,
    pub maxmemory_policy: Option<String>,
    pub evicted_keys: Option<u64>,
    pub connected_clients: Option<u64>,
    pub uptime_s: Option<u64>,
}

/// Facts about the recordings directory (spec §5 `recordings_dir`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordingsDirMetrics {
    pub path: String,
    pub exists: bool,
    pub readable: Option<bool>,
    pub writable: Option<bool>,
    pub mp3_files: Option<u64>,
    pub total_bytes: Option<u64>,
    /// `.mp3` files of 1000 bytes or less (the app re-downloads them).
    pub undersized_files: Option<u64>,
    /// Entries that are not `.mp3` files (partial downloads, strays).
    pub other_entries: Option<u64>,
    pub newest_file_age_s: Option<f64>,
    pub free_bytes: Option<u64>,
    pub size_bytes: Option<u64>,
    /// free / size of the volume, in percent.
    pub free_percent: Option<f64>,
}
