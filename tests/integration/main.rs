//! Integration tests: the built binary against real services.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod app_flow;
mod busy;
mod call;
mod cli;
mod consistency;
mod dead_work;
mod dir;
mod faults;
mod formats;
mod generated;
mod health;
mod hostile;
mod json_contract;
mod logs;
mod monitoring;
mod one_fault;
mod poolers;
mod read_only;
mod readme;
mod redis;
mod rq;
mod rq3;
mod rq_bad_data;
mod runs;
mod secrets;
mod sentinel;
mod serve;
mod snapshot;
mod support;
