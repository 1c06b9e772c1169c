//! The consistency check's read of RQ's queues and registries as Redis
//! returns it (members and counts of any kind, any length, any bytes):
//! facts or nothing, never a panic; every SID it keeps is a valid one, and
//! the started ones are among the seen. Started-registry members of every
//! RQ version's shape go through `job_id_of_started_member` too.
#![no_main]
use libfuzzer_sys::fuzz_target;
use recdiag::probe::consistency::{RedisSide, read_places};
use recdiag::probe::rq::job_id_of_started_member;
use recdiag::sid::CallSid;

#[path = "common/mod.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let replies = common::Bytes::new(data).values();
    let mut side = RedisSide {
        complete: true,
        ..Default::default()
    };
    read_places(&mut side, &replies);
    for sid in &side.job_sids {
        assert!(CallSid::parse(sid).is_some(), "{sid:?}");
    }
    assert!(side.started_sids.is_subset(&side.job_sids));
    for v in &replies {
        if let redis::Value::BulkString(b) = v {
            let member = String::from_utf8_lossy(b);
            let id = job_id_of_started_member(&member);
            assert!(member.starts_with(id));
        }
    }
});
