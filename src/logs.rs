//! `recdiag logs`: read the worker's log from files or standard input,
//! one after the other, through one scanner and one summary.

use std::io::Read;
use std::path::PathBuf;

use crate::probe::log::{AheadFile, ReadStats, Scanner};
use crate::verdict::logs::Summary;

/// What was read.
pub struct LogRead {
    pub summary: Summary,
    pub stats: ReadStats,
    pub sources: Vec<String>,
}

/// Read every source (none, or `-`, is standard input). A file that cannot
/// be opened is an error: nothing is judged from half the sources.
pub fn read(
    files: &[PathBuf],
    since: Option<jiff::Timestamp>,
    until: Option<jiff::Timestamp>,
    sids: Vec<String>,
) -> Result<LogRead, String> {
    let mut sources: Vec<PathBuf> = files.to_vec();
    if sources.is_empty() {
        sources.push(PathBuf::from("-"));
    }
    let mut inputs: Vec<(String, Box<dyn Read + Send>)> = Vec::new();
    for path in &sources {
        let name = path.display().to_string();
        if name == "-" {
            inputs.push((name, Box::new(std::io::stdin())));
        } else {
            // A directory or a device (/dev/zero, a terminal) is no log.
            match std::fs::metadata(path) {
                Ok(m) if m.is_dir() => {
                    return Err(format!("cannot read {name}: it is a directory"));
                }
                Ok(m) if is_device(&m) => {
                    return Err(format!(
                        "cannot read {name}: it is a device, not a log file"
                    ));
                }
                _ => {}
            }
            let file = std::fs::File::open(path)
                .map_err(|e| format!("cannot read {name}: {}", crate::text::io_error(&e)))?;
            inputs.push((name, Box::new(AheadFile::new(file))));
        }
    }
    let mut summary = Summary::new(since, until, sids);
    let mut stats = ReadStats::default();
    let mut scanner = Scanner::new();
    let mut names = Vec::new();
    for (name, input) in inputs {
        scanner.scan(input, &mut stats, &mut |item| summary.add(item));
        names.push(name);
    }
    Ok(LogRead {
        summary,
        stats,
        sources: names,
    })
}

#[cfg(unix)]
fn is_device(m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    m.file_type().is_char_device() || m.file_type().is_block_device()
}

#[cfg(not(unix))]
fn is_device(_: &std::fs::Metadata) -> bool {
    false
}

/// [`read`] within `limit`: a log that does not end in time (a FIFO whose
/// writer stays open) is an error, not a wait without end. The reading
/// thread is left to the process's exit.
pub fn read_within(
    files: &[PathBuf],
    sids: Vec<String>,
    limit: std::time::Duration,
) -> Result<LogRead, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let owned = files.to_vec();
    std::thread::spawn(move || {
        let _ = tx.send(read(&owned, None, None, sids));
    });
    match rx.recv_timeout(limit) {
        Ok(result) => result,
        Err(_) => Err(format!(
            "{} was not read to its end within {} (a pipe or FIFO that never ends?)",
            files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            humantime::format_duration(limit)
        )),
    }
}

/// `--since`/`--until`: a duration back from `now` (`1h`), an RFC 3339 time,
/// or `YYYY-MM-DD HH:MM:SS` in UTC.
pub fn parse_when(raw: &str, now: jiff::Timestamp) -> Result<jiff::Timestamp, String> {
    let raw = raw.trim();
    if let Ok(d) = humantime::parse_duration(raw) {
        return jiff::SignedDuration::try_from(d)
            .ok()
            .and_then(|d| now.checked_sub(d).ok())
            .ok_or_else(|| format!("'{raw}' reaches before any time recdiag can show"));
    }
    if let Ok(at) = raw.parse::<jiff::Timestamp>() {
        return Ok(at);
    }
    raw.parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|dt| jiff::tz::TimeZone::UTC.to_timestamp(dt).ok())
        .ok_or_else(|| {
            format!(
                "'{}' is not a duration (1h, 30m) or a time (RFC 3339, or YYYY-MM-DD HH:MM:SS)",
                crate::text::sanitize(raw)
                    .chars()
                    .take(60)
                    .collect::<String>()
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_takes_durations_and_times() {
        let now: jiff::Timestamp = "2026-11-25T10:00:00Z".parse().unwrap();
        assert_eq!(
            parse_when("1h", now).unwrap().to_string(),
            "2026-11-25T09:00:00Z"
        );
        assert_eq!(
            parse_when("2026-11-25T08:00:00Z", now).unwrap().to_string(),
            "2026-11-25T08:00:00Z"
        );
        assert_eq!(
            parse_when("2026-11-25 07:30:00", now).unwrap().to_string(),
            "2026-11-25T07:30:00Z"
        );
        assert!(parse_when("yesterday-ish", now).is_err());
    }
}
