//! Findings of the `recordings_dir` check.

use crate::model::{Check, CheckId, Finding, FindingCode, Metrics, Status};
use crate::probe::recordings_dir::{DirFacts, DirProblem};
use crate::text;

use super::Thresholds;

/// Judge the scan.
pub fn judge(facts: DirFacts, t: &Thresholds) -> Check {
    let findings: Vec<Finding> = [
        dir_missing(&facts),
        dir_unreadable(&facts),
        dir_not_writable(&facts),
        undersized_recordings(&facts),
        recordings_not_cleaned(&facts),
        disk_space_low(&facts, t),
    ]
    .into_iter()
    .flatten()
    .collect();
    let summary = summary(&facts);
    Check::new(
        CheckId::RecordingsDir,
        summary,
        Metrics::RecordingsDir(facts.metrics),
        findings,
    )
}

/// RECORDINGS_NOT_CLEANED: files older than the retention are still there.
pub fn recordings_not_cleaned(facts: &DirFacts) -> Option<Finding> {
    let m = &facts.metrics;
    let n = m.files_past_retention.filter(|n| *n > 0)?;
    Some(
        Finding::new(
            FindingCode::RecordingsNotCleaned,
            format!(
                "{} older than the 7-day retention (+1 day grace), the oldest {} old: the daily cleanup is not deleting them",
                text::plural(n, ".mp3 file is", ".mp3 files are"),
                m.oldest_file_age_s.map_or("?".into(), text::seconds)
            ),
        )
        .subjects([m.path.clone()]),
    )
}

/// "recordings directory X does not exist", saying what a relative path is
/// relative to (the default `server/recordings` is the project root's).
pub fn missing_text(path: &std::path::Path) -> String {
    if path.is_relative() {
        let cwd = std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_else(|_| "?".into());
        format!(
            "recordings directory {} does not exist (relative to the current directory {cwd}): run recdiag from the project root or set RECORDINGS_DIR / --recordings-dir (/app/server/recordings in the containers)",
            path.display()
        )
    } else {
        format!("recordings directory {} does not exist", path.display())
    }
}

/// RECORDINGS_DIR_MISSING: absent, or not a directory.
pub fn dir_missing(facts: &DirFacts) -> Option<Finding> {
    let path = &facts.metrics.path;
    let message = match facts.problem {
        Some(DirProblem::Missing) => missing_text(std::path::Path::new(path)),
        Some(DirProblem::NotADirectory) => format!("{path} exists but is not a directory"),
        _ => return None,
    };
    Some(
        Finding::new(FindingCode::RecordingsDirMissing, message)
            .hint(
                concat!(
                    "check the volume mount (docker volume ls | grep recordings; ",
                    crate::compose!(),
                    " config | grep recordings_data) and RECORDINGS_DIR: /app/server/recordings in the containers, server/recordings from the project root"
                ),
            )
            .subjects([path.clone()]),
    )
}

/// RECORDINGS_DIR_UNREADABLE: cannot list it, or the listing failed midway.
pub fn dir_unreadable(facts: &DirFacts) -> Option<Finding> {
    let path = &facts.metrics.path;
    let message = match &facts.problem {
        Some(DirProblem::Unreadable(why)) => format!("cannot read {path}: {why}"),
        Some(DirProblem::ScanFailed(why)) => {
            format!("reading {path} failed during the scan (counts are partial): {why}")
        }
        _ => return None,
    };
    Some(Finding::new(FindingCode::RecordingsDirUnreadable, message).subjects([path.clone()]))
}

/// RECORDINGS_DIR_NOT_WRITABLE, decided with access(2), never by writing.
pub fn dir_not_writable(facts: &DirFacts) -> Option<Finding> {
    (facts.metrics.writable == Some(false)).then(|| {
        Finding::new(
            FindingCode::RecordingsDirNotWritable,
            format!(
                "{} is not writable by this user (read-only mount or permissions)",
                facts.metrics.path
            ),
        )
        .subjects([facts.metrics.path.clone()])
    })
}

/// UNDERSIZED_RECORDINGS: `.mp3` files of 1000 bytes or less.
pub fn undersized_recordings(facts: &DirFacts) -> Option<Finding> {
    let n = facts.metrics.undersized_files.filter(|&n| n > 0)?;
    Some(
        Finding::new(
            FindingCode::UndersizedRecordings,
            format!(
                "{} of 1000 bytes or less (the app treats them as missing)",
                text::plural(n, ".mp3 file", ".mp3 files")
            ),
        )
        .subjects(facts.undersized_examples.iter().cloned()),
    )
}

/// DISK_SPACE_LOW: warning below `min_free_percent`, critical below `crit_free_percent`.
pub fn disk_space_low(facts: &DirFacts, t: &Thresholds) -> Option<Finding> {
    let pct = facts.metrics.free_percent?;
    let severity = if pct < t.crit_free_percent {
        Status::Critical
    } else if pct < t.min_free_percent {
        Status::Warning
    } else {
        return None;
    };
    Some(
        Finding::new(
            FindingCode::DiskSpaceLow,
            format!(
                "only {pct:.1}% free ({}) on the volume holding {}",
                text::bytes(facts.metrics.free_bytes.unwrap_or(0)),
                facts.metrics.path
            ),
        )
        .severity(severity)
        .subjects([facts.metrics.path.clone()]),
    )
}

fn summary(facts: &DirFacts) -> String {
    let m = &facts.metrics;
    match &facts.problem {
        Some(DirProblem::Missing) => return format!("{} does not exist", m.path),
        Some(DirProblem::NotADirectory) => return format!("{} is not a directory", m.path),
        Some(DirProblem::Unreadable(_)) => return format!("{} cannot be read", m.path),
        _ => {}
    }
    let mut parts = vec![text::plural(
        m.mp3_files.unwrap_or(0),
        ".mp3 file",
        ".mp3 files",
    )];
    parts.push(text::bytes(m.total_bytes.unwrap_or(0)));
    if let Some(n) = m.undersized_files.filter(|&n| n > 0) {
        parts.push(format!("{} undersized", text::count(n)));
    }
    if let Some(age) = m.newest_file_age_s {
        parts.push(format!("newest {} ago", text::seconds(age)));
    }
    if let Some(pct) = m.free_percent {
        parts.push(format!("{pct:.0}% free"));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RecordingsDirMetrics;

    fn facts(free_percent: Option<f64>, undersized: u64, writable: bool) -> DirFacts {
        DirFacts {
            metrics: RecordingsDirMetrics {
                path: "/rec".into(),
                exists: true,
                readable: Some(true),
                writable: Some(writable),
                mp3_files: Some(10),
                total_bytes: Some(10_000),
                undersized_files: Some(undersized),
                free_percent,
                free_bytes: Some(1),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn disk_space_thresholds() {
        let t = Thresholds::default();
        assert!(disk_space_low(&facts(Some(10.0), 0, true), &t).is_none());
        let w = disk_space_low(&facts(Some(9.9), 0, true), &t).unwrap();
        assert_eq!(w.severity, Status::Warning);
        let c = disk_space_low(&facts(Some(1.9), 0, true), &t).unwrap();
        assert_eq!(c.severity, Status::Critical);
        assert!(disk_space_low(&facts(None, 0, true), &t).is_none());
    }

    #[test]
    fn healthy_directory_is_ok() {
        let check = judge(facts(Some(50.0), 0, true), &Thresholds::default());
        assert_eq!(check.status, Status::Ok);
        assert!(check.findings.is_empty());
    }

    #[test]
    fn each_problem_has_its_code() {
        let t = Thresholds::default();
        let codes = |f: DirFacts| -> Vec<FindingCode> {
            judge(f, &t).findings.iter().map(|f| f.code).collect()
        };
        let missing = DirFacts {
            problem: Some(DirProblem::Missing),
            ..Default::default()
        };
        assert_eq!(codes(missing), [FindingCode::RecordingsDirMissing]);
        assert_eq!(
            codes(facts(Some(50.0), 3, false)),
            [
                FindingCode::RecordingsDirNotWritable,
                FindingCode::UndersizedRecordings
            ]
        );
        let mut unreadable = facts(Some(50.0), 0, true);
        unreadable.problem = Some(DirProblem::Unreadable("Permission denied".into()));
        assert_eq!(codes(unreadable), [FindingCode::RecordingsDirUnreadable]);
    }
}
