//! Rules: facts from the probes become checks with findings. One function
//! per finding code, pure, so each is tested from hand-built facts.

pub mod recordings_dir;
pub mod redis;
mod thresholds;

pub use thresholds::Thresholds;
