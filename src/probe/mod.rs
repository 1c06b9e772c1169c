//! Probes: one module per source. A probe gathers facts; it knows nothing
//! about thresholds, colours or formats.

pub mod call;
pub mod consistency;
pub mod database;
pub mod log;
pub mod raw_resp;
pub mod recordings_dir;
pub mod redis;
mod redis_transport;
pub use redis_transport::RawConn;
pub mod resp_guard;
pub mod rq;
pub mod runs;
pub mod sentinel;
