//! Colour, decided once, and a palette named by meaning. No other file
//! looks at NO_COLOR or at whether stdout is a terminal.

use owo_colors::OwoColorize;

use crate::cli::ColorArg;
use crate::hints::{Deployment, GUIDE};
use crate::model::Status;

/// How table output is painted, and how wide it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
    /// The terminal's columns, when stdout is one: tables are laid out to
    /// fit (cells wrapped). None in a pipe or a file: lines as long as
    /// their content, for grep and for scripts.
    pub width: Option<u16>,
    /// Tables print their column headers (`--no-headers`: rows only).
    pub headers: bool,
    /// Whose commands hints print (`RECDIAG_COMPOSE` and the services),
    /// put in before a table lays its cells out.
    pub deployment: &'static Deployment,
}

impl Style {
    /// `--color` wins; under `auto`: a non-empty NO_COLOR or TERM=dumb turns
    /// colour off, else colour only when stdout is a terminal.
    pub fn decide(choice: ColorArg, stdout_is_tty: bool, no_color: bool, term_dumb: bool) -> Style {
        let color = match choice {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => stdout_is_tty && !no_color && !term_dumb,
        };
        Style {
            color,
            width: None,
            headers: true,
            deployment: &GUIDE,
        }
    }

    pub fn plain() -> Style {
        Style {
            color: false,
            width: None,
            headers: true,
            deployment: &GUIDE,
        }
    }

    /// `--no-headers`: tables print their rows only, for scripts.
    pub fn headers(self, shown: bool) -> Style {
        Style {
            headers: shown,
            ..self
        }
    }

    /// Hints print this deployment's commands.
    pub fn deployment(self, deployment: &'static Deployment) -> Style {
        Style { deployment, ..self }
    }

    /// The same style, laid out for a terminal of `columns`, if stdout is
    /// one (`COLUMNS` wins, as shells set it).
    pub fn fit_to_terminal(self, stdout_is_tty: bool) -> Style {
        if !stdout_is_tty {
            return self;
        }
        let columns = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<u16>().ok())
            .or_else(|| {
                rustix::termios::tcgetwinsize(std::io::stdout())
                    .ok()
                    .map(|w| w.ws_col)
            })
            .filter(|&c| c >= 40);
        Style {
            width: columns,
            ..self
        }
    }

    /// `text` in the colour of `status`.
    pub fn status(&self, status: Status, text: &str) -> String {
        if !self.color {
            return text.to_string();
        }
        match status {
            Status::Ok => text.green().to_string(),
            Status::Warning => text.yellow().bold().to_string(),
            Status::Critical => text.red().bold().to_string(),
            Status::Unknown => text.magenta().bold().to_string(),
        }
    }

    pub fn dim(&self, text: &str) -> String {
        if self.color {
            text.dimmed().to_string()
        } else {
            text.to_string()
        }
    }

    pub fn bold(&self, text: &str) -> String {
        if self.color {
            text.bold().to_string()
        } else {
            text.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_table() {
        use ColorArg::*;
        assert!(Style::decide(Always, false, true, true).color);
        assert!(!Style::decide(Never, true, false, false).color);
        assert!(Style::decide(Auto, true, false, false).color);
        assert!(!Style::decide(Auto, false, false, false).color);
        assert!(!Style::decide(Auto, true, true, false).color);
        assert!(!Style::decide(Auto, true, false, true).color);
    }
}
