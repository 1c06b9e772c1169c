//! The dotenv file, read into a map. It never touches the process
//! environment, so its values can never override the real environment.

use std::collections::HashMap;
use std::path::Path;

use super::ConfigError;

/// Variables read from a dotenv file.
#[derive(Debug, Default, Clone)]
pub struct DotEnv {
    vars: HashMap<String, String>,
}

impl DotEnv {
    /// Read `path`. Errors name the line but never echo its content, which
    /// may hold a password.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let bad = |why: String| ConfigError::EnvFile {
            path: path.display().to_string(),
            why,
        };
        super::small_regular_file(path).map_err(bad)?;
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(
                std::fs::File::open(path).map_err(|e| bad(crate::text::io_error(&e)))?,
                super::MAX_SETTINGS_FILE + 1,
            ),
            &mut bytes,
        )
        .map_err(|e| bad(crate::text::io_error(&e)))?;
        if bytes.len() as u64 > super::MAX_SETTINGS_FILE {
            return Err(bad("it grew past 1 MiB while being read".into()));
        }
        Self::parse(path, bytes)
    }

    /// The variables of a dotenv file's content; `path` only names it in
    /// errors.
    pub fn parse(path: &Path, bytes: Vec<u8>) -> Result<Self, ConfigError> {
        let iter = dotenvy::from_read_iter(std::io::Cursor::new(bytes));
        let mut vars = HashMap::new();
        for item in iter {
            let (k, v) = item.map_err(|e| ConfigError::EnvFile {
                path: path.display().to_string(),
                why: describe(&e),
            })?;
            vars.insert(k, v);
        }
        Ok(DotEnv { vars })
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }
}

fn describe(e: &dotenvy::Error) -> String {
    match e {
        dotenvy::Error::LineParse(line, index) => {
            // The index is the parser's, in bytes: count newlines in
            // bytes, so that an index inside a character cannot panic.
            let upto = line.as_bytes().get(..*index).unwrap_or(line.as_bytes());
            let line_no = upto.iter().filter(|b| **b == b'\n').count() + 1;
            format!("cannot parse it near line {line_no} (content not shown)")
        }
        dotenvy::Error::Io(io) => io.kind().to_string(),
        dotenvy::Error::EnvVar(_) => "it refers to an unset variable".to_string(),
        _ => "cannot read it".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn reads_without_touching_the_environment() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        writeln!(
            f,
            "# comment\nRECDIAG_TEST_ONLY_VAR=from-file\nQUOTED=\"a b\""
        )
        .unwrap();
        let env = DotEnv::load(f.path()).unwrap();
        assert_eq!(env.get("RECDIAG_TEST_ONLY_VAR"), Some("from-file"));
        assert_eq!(env.get("QUOTED"), Some("a b"));
        assert!(std::env::var("RECDIAG_TEST_ONLY_VAR").is_err());
    }

    #[test]
    fn parse_errors_do_not_echo_content() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        writeln!(f, "OK=1\nREDIS_URL='redis://:hunter2@x\nBROKEN LINE").unwrap();
        let err = DotEnv::load(f.path()).unwrap_err().to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn a_parse_error_inside_a_character_names_its_line() {
        let content = b"E==$$\x15\xef\xbf\xbdA\xef\xbf\xbd&\x00\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd d dalid dat".to_vec();
        let err = DotEnv::parse(Path::new(".env"), content).unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
    }
}
