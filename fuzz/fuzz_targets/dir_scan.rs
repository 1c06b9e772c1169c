//! The recordings directory as anyone with write access leaves it: files
//! of any name (any bytes but `/` and NUL, up to 255) and any size, and
//! directories where files should be. The directory check's scan and the
//! consistency check's file lookups: no panic, counts that add up.
#![no_main]
use std::collections::BTreeSet;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use recdiag::probe::consistency::{missing_files, valid_files};
use recdiag::probe::recordings_dir::scan;

#[path = "common/mod.rs"]
mod common;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("recdiag-fuzz-dir-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&d);
        d
    })
}

fuzz_target!(|data: &[u8]| {
    let mut b = common::Bytes::new(data);
    let root = dir();
    let _ = std::fs::remove_dir_all(root);
    if std::fs::create_dir_all(root).is_err() {
        return;
    }
    let mut names: BTreeSet<String> = BTreeSet::new();
    while !b.is_empty() && names.len() < 64 {
        let raw: Vec<u8> = b
            .raw()
            .iter()
            .copied()
            .filter(|c| *c != b'/' && *c != 0)
            .take(255)
            .collect();
        let name = match b.u8() % 3 {
            0 => format!("CA{:032x}.mp3", u128::from(b.u8())),
            _ if raw.is_empty() || raw == b"." || raw == b".." => continue,
            _ => String::from_utf8_lossy(&raw).into_owned(),
        };
        let path = root.join(std::ffi::OsStr::from_bytes(name.as_bytes()));
        if b.u8() % 8 == 0 {
            let _ = std::fs::create_dir(&path);
        } else if let Ok(f) = std::fs::File::create(&path) {
            let _ = f.set_len(b.i64().unsigned_abs() % 4096);
        }
        names.insert(name);
    }
    let facts = scan(root, std::time::SystemTime::now(), 1000, true);
    let _ = format!("{facts:?}");
    let sids: Vec<String> = names
        .iter()
        .filter_map(|n| n.strip_suffix(".mp3"))
        .map(str::to_string)
        .collect();
    let valid = valid_files(root, &sids, 1000, None);
    assert!(valid.len() <= sids.len());
    let completed: Vec<(String, Option<String>)> = sids.iter().map(|s| (s.clone(), None)).collect();
    let missing = missing_files(root, &completed, 1000, None);
    let _ = format!("{missing:?}");
    // The directory did not change: what the scan saw valid gives the
    // same answers as looking at every file.
    let seen = facts.valid_sids.as_deref();
    assert_eq!(valid_files(root, &sids, 1000, seen), valid);
    assert_eq!(missing_files(root, &completed, 1000, seen), missing);
});
