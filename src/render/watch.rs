//! `health --watch`: each round's heading — when it ran, and what changed
//! since the round before — so that an operator who looks away sees what
//! moved, not only where things stand.

use std::collections::BTreeSet;

use crate::model::Report;

/// The line above a round's table: its number and time, and after the
/// first round what changed since the last (or that nothing did).
pub fn heading(
    round: u64,
    every: std::time::Duration,
    now: &Report,
    last: Option<&Report>,
) -> String {
    let at = now.generated_at.strftime("%Y-%m-%d %H:%M:%S UTC");
    let every = humantime::format_duration(every);
    let head = format!("round {round} at {at}, every {every}");
    let Some(last) = last else {
        return head;
    };
    let changes = changes(last, now);
    if changes.is_empty() {
        format!("{head}; no change since the last round")
    } else {
        format!("{head}; since the last round: {}", changes.join("; "))
    }
}

/// What differs between two rounds: a check whose status moved, and the
/// findings (by code) that appeared or went.
pub fn changes(last: &Report, now: &Report) -> Vec<String> {
    let mut out = Vec::new();
    for c in &now.checks {
        if let Some(before) = last.checks.iter().find(|b| b.id == c.id)
            && before.status != c.status
        {
            out.push(format!(
                "{} {} → {}",
                c.id.as_str(),
                before.status.label(),
                c.status.label()
            ));
        }
    }
    let codes = |r: &Report| -> BTreeSet<&'static str> {
        r.checks
            .iter()
            .flat_map(|c| c.findings.iter().map(|f| f.code.as_str()))
            .collect()
    };
    let (before, after) = (codes(last), codes(now));
    let new: Vec<&str> = after.difference(&before).copied().collect();
    let gone: Vec<&str> = before.difference(&after).copied().collect();
    if !new.is_empty() {
        out.push(format!("new {}", new.join(", ")));
    }
    if !gone.is_empty() {
        out.push(format!("gone {}", gone.join(", ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Finding, FindingCode, Status};

    fn report(status: Status, codes: &[FindingCode]) -> Report {
        let mut checks = super::super::sample::report().checks;
        for c in &mut checks {
            c.findings.clear();
            c.status = Status::Ok;
        }
        checks[1].status = status;
        checks[1].findings = codes.iter().map(|&c| Finding::new(c, "m")).collect();
        Report::new(jiff::Timestamp::UNIX_EPOCH, checks)
    }

    #[test]
    fn a_round_says_what_moved() {
        let calm = report(Status::Ok, &[]);
        let busy = report(Status::Warning, &[FindingCode::QueueBacklog]);
        let every = std::time::Duration::from_secs(10);
        assert_eq!(
            heading(1, every, &calm, None),
            "round 1 at 1970-01-01 00:00:00 UTC, every 10s"
        );
        assert_eq!(
            heading(2, every, &busy, Some(&calm)),
            "round 2 at 1970-01-01 00:00:00 UTC, every 10s; since the last round: queues OK → WARNING; new QUEUE_BACKLOG"
        );
        assert_eq!(
            heading(3, every, &calm, Some(&busy)),
            "round 3 at 1970-01-01 00:00:00 UTC, every 10s; since the last round: queues WARNING → OK; gone QUEUE_BACKLOG"
        );
        assert!(
            heading(4, every, &calm, Some(&calm)).ends_with("; no change since the last round")
        );
    }
}
