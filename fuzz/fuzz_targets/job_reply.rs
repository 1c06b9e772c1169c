//! A whole job as Redis returns it: HMGET fields (description, timestamps,
//! data, exc_info…) and the newest results-stream entry (base64 of zlib).
#![no_main]
use libfuzzer_sys::fuzz_target;
use recdiag::probe::rq::job::{FIELDS, Job};
use redis::Value;

fuzz_target!(|data: &[u8]| {
    // Fields are separated by 0xFF; an empty part is a missing field.
    let mut parts = data.split(|b| *b == 0xFF);
    let id = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let fields: Vec<Value> = FIELDS
        .iter()
        .map(|_| match parts.next() {
            Some(p) if !p.is_empty() => Value::BulkString(p.to_vec()),
            _ => Value::Nil,
        })
        .collect();
    let kind = parts.next().unwrap_or_default().to_vec();
    let exc = parts.next().unwrap_or_default().to_vec();
    let entry = Value::Array(vec![Value::Array(vec![
        Value::BulkString(b"1-0".to_vec()),
        Value::Array(vec![
            Value::BulkString(b"type".to_vec()),
            Value::BulkString(kind),
            Value::BulkString(b"exc_string".to_vec()),
            Value::BulkString(exc),
        ]),
    ])]);
    let job = Job::from_reply(&id, &Value::Array(fields), Some(&entry));
    let _ = job.exception_last_line();
});
