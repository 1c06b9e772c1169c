//! Rules: facts from the probes become checks with findings. One function
//! per finding code, pure, so each is tested from hand-built facts.

pub mod call;
pub mod causes;
pub mod consistency;
pub mod failed;
pub mod judgement;
pub mod logs;
pub mod recordings_dir;
pub mod redis;
pub mod rq;
pub mod runs;
mod thresholds;

pub use thresholds::Thresholds;
