//! Generated files kept in the repository must match what the program
//! generates now. Refresh them with `UPDATE_GENERATED=1 cargo test generated`.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use crate::support::Recdiag;

const COMPLETIONS: [(&str, &str); 5] = [
    ("bash", "recdiag.bash"),
    ("zsh", "_recdiag"),
    ("fish", "recdiag.fish"),
    ("powershell", "_recdiag.ps1"),
    ("elvish", "recdiag.elv"),
];

fn update() -> bool {
    std::env::var_os("UPDATE_GENERATED").is_some()
}

#[test]
fn completions_in_the_repo_are_current() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("completions");
    let mut stale = Vec::new();
    for (shell, file) in COMPLETIONS {
        let r = Recdiag::new().args(["completions", shell]).run();
        r.assert_code(0);
        assert!(
            !r.stdout.contains("'man'") && !r.stdout.contains(" man "),
            "{shell}: a hidden subcommand leaks"
        );
        let path = dir.join(file);
        if update() {
            fs::create_dir_all(&dir).unwrap();
            fs::write(&path, &r.stdout).unwrap();
        } else if fs::read_to_string(&path).ok().as_deref() != Some(r.stdout.as_str()) {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "completions/{stale:?} are out of date: run UPDATE_GENERATED=1 cargo test generated"
    );
}

/// The README's table of findings is the catalogue's, code for code.
#[test]
fn readme_findings_table_is_the_catalogue() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = fs::read_to_string(&path).unwrap();
    let begin = readme
        .find("<!-- findings:begin")
        .expect("findings:begin marker");
    let body = begin + readme[begin..].find('\n').unwrap() + 1;
    let end = readme
        .find("<!-- findings:end -->")
        .expect("findings:end marker");
    let want = recdiag::model::FindingCode::markdown_table();
    if update() {
        let fresh = format!("{}{want}{}", &readme[..body], &readme[end..]);
        fs::write(&path, fresh).unwrap();
    } else {
        assert_eq!(
            &readme[body..end],
            want,
            "README.md's findings table drifted from the catalogue: run UPDATE_GENERATED=1 cargo test generated"
        );
    }
}

/// doc/*.1 hold exactly the pages the program makes, every page a
/// reference names exists, every option names its environment variable
/// where it has one, and groff renders them without a warning.
#[test]
fn man_pages_in_the_repo_are_current_and_clean() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("doc");
    let pages = recdiag::generate::man_pages().unwrap();
    let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
    if update() {
        for old in fs::read_dir(&dir).unwrap().flatten() {
            if old.path().extension().is_some_and(|e| e == "1") {
                fs::remove_file(old.path()).unwrap();
            }
        }
        for (name, roff) in &pages {
            fs::write(dir.join(name), roff).unwrap();
        }
    }
    let mut kept: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".1"))
        .collect();
    kept.sort();
    assert_eq!(
        kept, names,
        "doc/ is out of date: run UPDATE_GENERATED=1 cargo test generated"
    );
    for (name, roff) in &pages {
        let text = String::from_utf8(roff.clone()).unwrap();
        assert_eq!(
            fs::read_to_string(dir.join(name)).unwrap_or_default(),
            text,
            "doc/{name} is out of date: run UPDATE_GENERATED=1 cargo test generated"
        );
        for reference in text.split("recdiag\\-").skip(1) {
            let sub: String = reference
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if reference[sub.len()..].starts_with("(1)") {
                assert!(
                    names.contains(&format!("recdiag-{sub}.1").as_str()),
                    "{name} names recdiag-{sub}(1)"
                );
            }
        }
    }
    let health = String::from_utf8(
        pages
            .iter()
            .find(|(n, _)| n == "recdiag-health.1")
            .unwrap()
            .1
            .clone(),
    )
    .unwrap();
    for needed in [
        "\\-\\-only",
        "\\-\\-skip",
        "\\-\\-watch",
        "\\-\\-accept",
        "REDIS_URL",
        "RECDIAG_ACCEPT",
        "RECDIAG_TIMEOUT",
    ] {
        assert!(health.contains(needed), "recdiag-health(1) lacks {needed}");
    }
    let groff = crate::support::require_program("groff", "apt-get install groff-base");
    for (name, _) in &pages {
        let out = Command::new(&groff)
            .args(["-ww", "-man", "-Tutf8", "-z"])
            .arg(dir.join(name))
            .output()
            .unwrap();
        let warnings = String::from_utf8_lossy(&out.stderr);
        assert!(
            warnings.trim().is_empty(),
            "groff warns on {name}:\n{warnings}"
        );
    }
}

/// Each subcommand's help lists the flags that apply to it, and no other.
#[test]
fn subcommand_help_shows_only_its_flags() {
    let help = |sub: &str| Recdiag::new().args([sub, "-h"]).run().stdout;
    let completions = help("completions");
    assert!(
        !completions.contains("--redis-url") && !completions.contains("--max-backlog"),
        "{completions}"
    );
    assert!(completions.lines().count() < 15, "{completions}");
    let redis = help("redis");
    assert!(redis.contains("--redis-url") && redis.contains("--max-redis-memory-percent"));
    assert!(
        !redis.contains("--database-url") && !redis.contains("--max-backlog"),
        "{redis}"
    );
    // runs judges with what RQ holds: it takes the Redis it reads.
    let runs = help("runs");
    assert!(
        runs.contains("--max-running-run-age")
            && runs.contains("--redis-url")
            && !runs.contains("--max-backlog"),
        "{runs}"
    );
    let health = help("health");
    for flag in [
        "--only",
        "--watch",
        "--accept",
        "--max-backlog",
        "--min-free-percent",
    ] {
        assert!(health.contains(flag), "health lacks {flag}");
    }
}

/// The README's configuration table is what the program reads: each flag
/// it names is a flag of some command, each variable it names is read by
/// the source, and every RECDIAG_* variable the source reads is in it.
#[test]
fn readme_configuration_table_is_what_the_program_reads() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let readme = fs::read_to_string(root.join("README.md")).unwrap();
    let section = readme
        .split("\n## Configuration\n")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("README has a Configuration section");
    let rows: Vec<Vec<&str>> = section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| ---") && !l.starts_with("| setting"))
        .map(|l| l.split(" | ").collect())
        .collect();
    assert!(rows.len() > 20, "{section}");

    let helps: String = [
        "health", "redis", "queues", "workers", "runs", "dir", "call", "failed", "logs", "explain",
        "serve",
    ]
    .iter()
    .map(|sub| Recdiag::new().args([*sub, "-h"]).run().stdout)
    .collect();
    let mut source = String::new();
    let mut stack = vec![root.join("src")];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                source.push_str(&fs::read_to_string(path).unwrap());
            }
        }
    }
    let words = |text: &str, start: &str| -> Vec<String> {
        text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .filter(|w| w.starts_with(start) && w.len() > start.len())
            .map(|w| w.trim_end_matches('-').to_string())
            .collect()
    };
    let mut named = Vec::new();
    for row in &rows {
        for flag in words(row.get(1).copied().unwrap_or_default(), "--") {
            assert!(
                helps.contains(&format!("{flag} ")) || helps.contains(&format!("{flag},")),
                "the README's configuration names {flag}, which no command takes"
            );
        }
        for var in words(row.get(2).copied().unwrap_or_default(), "RECDIAG_")
            .into_iter()
            .chain(
                [
                    "REDIS_URL",
                    "RQ_KEY_PREFIX",
                    "RECORDINGS_DIR",
                    "DATABASE_URL",
                ]
                .iter()
                .filter(|v| row.get(2).is_some_and(|c| c.contains(*v)))
                .map(|v| v.to_string()),
            )
        {
            assert!(
                source.contains(&format!("\"{var}\"")),
                "the README's configuration names {var}, which the source never reads"
            );
            named.push(var);
        }
    }
    for var in words(&source, "RECDIAG_") {
        // RECDIAG_NOT_REPORTING is an alert's code (monitoring/), not a variable.
        if var.contains("TEST") || var == "RECDIAG_NOW" || var == "RECDIAG_NOT_REPORTING" {
            continue;
        }
        assert!(
            named.contains(&var) || section.contains(&var),
            "the source reads {var}, which the README's configuration does not name"
        );
    }
}

/// docs/runbooks/ holds one page per finding code (and the alert on
/// recdiag itself), each what the catalogue says now.
#[test]
fn runbooks_in_the_repo_are_current() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/runbooks");
    let pages = recdiag::generate::runbooks();
    if update() {
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        for (name, text) in &pages {
            fs::write(dir.join(name), text).unwrap();
        }
    }
    let mut kept: Vec<String> = fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    kept.sort();
    let mut names: Vec<String> = pages.iter().map(|(n, _)| n.clone()).collect();
    names.sort();
    assert_eq!(
        kept, names,
        "docs/runbooks/ is out of date: run UPDATE_GENERATED=1 cargo test generated"
    );
    for (name, text) in &pages {
        assert_eq!(
            fs::read_to_string(dir.join(name)).ok().as_deref(),
            Some(text.as_str()),
            "docs/runbooks/{name} is out of date: run UPDATE_GENERATED=1 cargo test generated"
        );
    }
}
