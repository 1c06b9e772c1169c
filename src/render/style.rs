//! Colour, decided once, and a palette named by meaning. No other file
//! looks at NO_COLOR or at whether stdout is a terminal.

use owo_colors::OwoColorize;

use crate::cli::ColorArg;
use crate::model::Status;

/// How table output is painted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
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
        Style { color }
    }

    pub fn plain() -> Style {
        Style { color: false }
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
