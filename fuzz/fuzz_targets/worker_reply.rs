//! A worker's hash as Redis returns it (any bytes in any field, fields
//! missing or of the wrong kind) and its executions set: facts or
//! absences, never a panic; every field printed through the table's cell
//! cut stays bounded.
#![no_main]
use libfuzzer_sys::fuzz_target;
use recdiag::probe::rq::snapshot::worker_from;
use redis::Value;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|b| *b == 0xff);
    let key = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let field = |p: &[u8]| match p.first() {
        None => Value::Nil,
        Some(b'i') => Value::Int(i64::from_le_bytes(
            p[1..]
                .iter()
                .copied()
                .chain([0; 8])
                .take(8)
                .collect::<Vec<_>>()
                .try_into()
                .unwrap_or([0; 8]),
        )),
        Some(_) => Value::BulkString(p[1..].to_vec()),
    };
    let fields: Vec<Value> = parts.by_ref().take(12).map(field).collect();
    let executions: Vec<Value> = parts.map(field).collect();
    let mut anomalies = Vec::new();
    let w = worker_from(
        &recdiag::rq_keys::Keys::default(),
        &key,
        &Value::Array(fields),
        &Value::Array(executions),
        &mut anomalies,
    );
    for text in [
        &w.name,
        w.hostname.as_deref().unwrap_or(""),
        w.state.as_deref().unwrap_or(""),
    ] {
        // 200 characters, each escaped to at most `\u{10ffff}`, and the size.
        let shown = recdiag::text::cell(text);
        assert!(
            shown.chars().count() <= recdiag::text::CELL_CHARS * 10 + 40,
            "{shown}"
        );
    }
});
