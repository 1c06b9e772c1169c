//! The recordings directory: a streaming scan and the volume's free space.
//! The only module that reads the disk; it never writes, and decides
//! writability with `access(2)`, not by creating a file.

use std::fs;
use std::io;
use std::path::Path;
use std::time::SystemTime;

use rustix::fs::{Access, access, statvfs};

use crate::model::RecordingsDirMetrics;

/// How many undersized files are named as examples.
const EXAMPLES: usize = 5;

/// What the scan found, for the rules to judge.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DirFacts {
    pub metrics: RecordingsDirMetrics,
    /// Why the directory could not be used, if it could not.
    pub problem: Option<DirProblem>,
    /// Stems (call SIDs) of the first undersized files met.
    pub undersized_examples: Vec<String>,
    /// Entries that could not be read during the scan (vanished, I/O error).
    pub unreadable_entries: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirProblem {
    Missing,
    NotADirectory,
    Unreadable(String),
    /// The scan started but the directory failed under it (removed, I/O error).
    ScanFailed(String),
}

/// Scan `path`. Memory stays flat however many files it holds: entries are
/// streamed, counted and dropped.
pub fn scan(path: &Path, now: SystemTime, undersized_bytes: u64) -> DirFacts {
    let mut facts = DirFacts {
        metrics: RecordingsDirMetrics {
            path: path.display().to_string(),
            ..Default::default()
        },
        ..Default::default()
    };
    let m = &mut facts.metrics;
    match fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            facts.problem = Some(DirProblem::Missing);
            return facts;
        }
        Err(e) => {
            m.exists = true;
            m.readable = Some(false);
            facts.problem = Some(DirProblem::Unreadable(e.to_string()));
            return facts;
        }
        Ok(meta) if !meta.is_dir() => {
            m.exists = true;
            facts.problem = Some(DirProblem::NotADirectory);
            return facts;
        }
        Ok(_) => m.exists = true,
    }
    m.writable = Some(access(path, Access::WRITE_OK | Access::EXEC_OK).is_ok());
    if let Ok(vfs) = statvfs(path) {
        let frsize = vfs.f_frsize.max(1);
        let free = vfs.f_bavail.saturating_mul(frsize);
        let size = vfs.f_blocks.saturating_mul(frsize);
        m.free_bytes = Some(free);
        m.size_bytes = Some(size);
        m.free_percent = (size > 0).then(|| free as f64 * 100.0 / size as f64);
    }
    let entries = match fs::read_dir(path) {
        Ok(entries) => entries,
        Err(e) => {
            m.readable = Some(false);
            facts.problem = Some(DirProblem::Unreadable(e.to_string()));
            return facts;
        }
    };
    m.readable = Some(true);

    let (mut mp3, mut total, mut undersized, mut other) = (0u64, 0u64, 0u64, 0u64);
    let mut newest: Option<SystemTime> = None;
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                facts.problem = Some(DirProblem::ScanFailed(e.to_string()));
                break;
            }
        };
        let name = entry.file_name();
        let is_mp3 = name.as_encoded_bytes().ends_with(b".mp3");
        let meta = match entry.file_type() {
            Ok(t) if t.is_symlink() => fs::metadata(entry.path()),
            _ => entry.metadata(),
        };
        let meta = match meta {
            Ok(meta) => meta,
            Err(_) => {
                // Vanished between listing and stat (a download finishing,
                // a cleanup): count it, keep going.
                facts.unreadable_entries += 1;
                continue;
            }
        };
        if !is_mp3 || !meta.is_file() {
            other += 1;
            continue;
        }
        mp3 += 1;
        let len = meta.len();
        total = total.saturating_add(len);
        if len <= undersized_bytes {
            undersized += 1;
            if facts.undersized_examples.len() < EXAMPLES {
                let stem = name.to_string_lossy();
                facts
                    .undersized_examples
                    .push(stem.trim_end_matches(".mp3").to_string());
            }
        }
        if let Ok(mtime) = meta.modified()
            && newest.is_none_or(|n| mtime > n)
        {
            newest = Some(mtime);
        }
    }
    let m = &mut facts.metrics;
    m.mp3_files = Some(mp3);
    m.total_bytes = Some(total);
    m.undersized_files = Some(undersized);
    m.other_entries = Some(other);
    m.newest_file_age_s = newest.map(|n| match now.duration_since(n) {
        Ok(age) => age.as_secs_f64(),
        Err(ahead) => -ahead.duration().as_secs_f64(),
    });
    facts
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn counts_sizes_and_examples() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("CAaaa.mp3"), vec![0u8; 2000]).unwrap();
        fs::write(dir.path().join("CAbbb.mp3"), vec![0u8; 1000]).unwrap();
        fs::write(dir.path().join("CAccc.mp3"), b"").unwrap();
        fs::write(dir.path().join("CAddd.mp3.part"), b"x").unwrap();
        fs::create_dir(dir.path().join("sub.mp3")).unwrap();
        let now = SystemTime::now() + Duration::from_secs(10);
        let facts = scan(dir.path(), now, 1000);
        let m = &facts.metrics;
        assert_eq!(facts.problem, None);
        assert_eq!(m.mp3_files, Some(3));
        assert_eq!(m.total_bytes, Some(3000));
        assert_eq!(m.undersized_files, Some(2));
        assert_eq!(m.other_entries, Some(2));
        assert!(m.newest_file_age_s.unwrap() >= 9.0);
        let mut ex = facts.undersized_examples.clone();
        ex.sort();
        assert_eq!(ex, ["CAbbb", "CAccc"]);
    }

    #[test]
    fn missing_and_not_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        let facts = scan(&dir.path().join("nope"), SystemTime::now(), 1000);
        assert_eq!(facts.problem, Some(DirProblem::Missing));
        assert!(!facts.metrics.exists);
        let file = dir.path().join("file");
        fs::write(&file, b"x").unwrap();
        let facts = scan(&file, SystemTime::now(), 1000);
        assert_eq!(facts.problem, Some(DirProblem::NotADirectory));
    }
}
