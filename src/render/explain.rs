//! `recdiag explain`: the finding catalogue, read at the terminal — what
//! a code means and what to do — in the words of the README's table and
//! the hints recdiag prints.

use crate::model::FindingCode;

/// Every code, one line each, and how to read one.
pub fn list() -> String {
    let mut s = String::new();
    let width = FindingCode::ALL
        .iter()
        .map(|c| c.as_str().len())
        .max()
        .unwrap_or(0);
    for c in FindingCode::ALL {
        s.push_str(&format!(
            "{:<width$}  {:<15}  {}\n",
            c.as_str(),
            c.check(),
            c.severity_text()
        ));
    }
    s.push_str("\n`recdiag explain CODE` says what one means and what to do.\n");
    s
}

/// One code: its check and severity, when it is raised, what to do.
pub fn one(code: FindingCode) -> String {
    format!(
        "{} (check {}, {})\n\nWhat it means:\n  {}\n\nWhat to do (recdiag's hint when nothing more precise is known):\n  {}\n",
        code.as_str(),
        code.check(),
        code.severity_text(),
        code.when(),
        code.default_hint()
    )
}

/// Why `name` is no code, and the nearest one.
pub fn unknown(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    let nearest = FindingCode::ALL
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&upper, c.as_str()), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let shown = crate::text::truncate(&crate::text::sanitize(name), 60);
    match nearest {
        Some((_, c)) => format!(
            "no finding is named '{shown}': did you mean {}? (`recdiag explain` lists them)",
            c.as_str()
        ),
        None => format!("no finding is named '{shown}' (`recdiag explain` lists them)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_and_explained() {
        let list = list();
        for c in FindingCode::ALL {
            assert!(list.contains(c.as_str()), "{c:?}");
            let one = one(c);
            assert!(one.contains(c.when()) && one.contains(c.default_hint()));
        }
    }

    #[test]
    fn a_near_miss_is_named() {
        assert!(unknown("phantom_slot").contains("did you mean PHANTOM_SLOTS?"));
        assert!(!unknown("zzz").contains("did you mean"));
        assert!(!unknown("a\u{1b}[31m").contains('\u{1b}'));
    }
}
