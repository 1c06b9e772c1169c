//! Debian's `prometheus` package (promtool, prometheus): used from the
//! machine when installed, else fetched with `apt-get download` into
//! `target/test-prometheus/` the first time and unpacked there — nothing
//! is installed on the machine (as the PgBouncer harness does).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use super::require_program;

static FETCHING: Mutex<()> = Mutex::new(());

fn cache() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("test-prometheus")
}

/// `usr/bin/<name>` of Debian's `package`.
fn binary(package: &str, name: &str) -> PathBuf {
    let installed = PathBuf::from("/usr/bin").join(name);
    if installed.is_file() {
        return installed;
    }
    let _guard = FETCHING.lock().unwrap_or_else(|e| e.into_inner());
    let wanted = format!("usr/bin/{name}");
    super::unpacked_debs(&cache().join(package), &[package], &wanted).join(wanted)
}

/// promtool, from Debian's `prometheus`.
pub fn promtool() -> PathBuf {
    binary("prometheus", "promtool")
}

/// Run promtool with `args` in `dir`; (success, stdout and stderr).
pub fn run_promtool(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(promtool())
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run promtool");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// prometheus, alertmanager and node_exporter, from Debian's packages.
pub fn prometheus() -> PathBuf {
    binary("prometheus", "prometheus")
}

/// Debian's Alertmanager, as a program and the arguments before its own.
/// Debian's build reads its default notification templates from
/// /usr/share/prometheus/alertmanager/, which its package (0.25, bookworm)
/// does not ship, and will not start without them. Where they are absent,
/// it runs in a mount namespace of its own (root: `unshare -m`) with an
/// overlay that adds two empty templates to /usr/share for it alone — the
/// test's receiver sends nothing, so nothing renders them; the machine is
/// left as it was.
pub fn alertmanager() -> (PathBuf, Vec<String>) {
    let bin = binary("prometheus-alertmanager", "prometheus-alertmanager");
    let wanted = Path::new("/usr/share/prometheus/alertmanager");
    if wanted.join("default.tmpl").is_file() {
        return (bin, Vec::new());
    }
    assert!(
        super::is_root(),
        "Debian's Alertmanager needs its templates in {} (apt-get install prometheus-alertmanager          with them), or root, to give it empty ones in a mount namespace of its own",
        wanted.display()
    );
    let share = cache().join("alertmanager-share");
    let templates = share.join("prometheus/alertmanager");
    std::fs::create_dir_all(&templates).expect("make the templates' directory");
    for name in ["default.tmpl", "email.tmpl"] {
        std::fs::write(
            templates.join(name),
            "{{/* recdiag's tests: no receiver here renders a template */}}\n",
        )
        .expect("write a template");
    }
    let unshare = require_program("unshare", "apt-get install util-linux");
    let script = format!(
        "mount -t overlay overlay -o lowerdir={}:/usr/share /usr/share && exec \"$0\" \"$@\"",
        share.display()
    );
    (
        unshare,
        vec![
            "-m".into(),
            "sh".into(),
            "-c".into(),
            script,
            bin.display().to_string(),
        ],
    )
}

pub fn node_exporter() -> PathBuf {
    binary("prometheus-node-exporter", "prometheus-node-exporter")
}

/// A server process on a free loopback port, killed when dropped; its
/// output in a file of its own directory, for a failing test to show.
pub struct Daemon {
    child: std::process::Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Daemon {
    /// Start `bin` with `args` (`{port}` and `{dir}` replaced) and wait
    /// until its port answers.
    pub fn start(bin: &Path, args: &[&str]) -> Daemon {
        Self::start_with(bin, &[], args)
    }

    /// [`Daemon::start`], `before` given ahead of `args` (a wrapper's own).
    pub fn start_with(bin: &Path, before: &[String], args: &[&str]) -> Daemon {
        let port = super::free_port();
        let dir = tempfile::tempdir().expect("temp dir");
        let log = std::fs::File::create(dir.path().join("log")).expect("log file");
        let args: Vec<String> = args
            .iter()
            .map(|a| {
                a.replace("{port}", &port.to_string())
                    .replace("{dir}", &dir.path().display().to_string())
            })
            .collect();
        let child = Command::new(bin)
            .args(before)
            .args(&args)
            .current_dir(dir.path())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));
        let d = Daemon { child, port, dir };
        let up = super::wait_until(std::time::Duration::from_secs(30), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        assert!(up, "{} did not listen:\n{}", bin.display(), d.log());
        d
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
