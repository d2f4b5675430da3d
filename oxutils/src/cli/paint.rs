//! Colour in the commands' output: on a terminal only, never with `NO_COLOR` set (no-color.org) or
//! `TERM=dumb`, always with `CLICOLOR_FORCE` set; never when the output goes to a pipe, a file or a
//! test's buffer (`run_to`).

use clap::builder::styling::{AnsiColor, Style};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Whether output to stdout gets colour, from the terminal and the environment.
pub(super) fn decide(stdout_is_terminal: bool, variable: impl Fn(&str) -> Option<String>) -> bool {
    let set = |name: &str| variable(name).is_some_and(|value| !value.is_empty());
    if set("NO_COLOR") {
        return false;
    }
    if set("CLICOLOR_FORCE") {
        return true;
    }
    stdout_is_terminal && variable("TERM").as_deref() != Some("dumb")
}

/// Turns colour on for this process when stdout is a terminal and the environment allows it.
pub(super) fn enable_for_stdout() {
    let on = decide(std::io::stdout().is_terminal(), |name| std::env::var(name).ok());
    ENABLED.store(on, Ordering::Relaxed);
}

fn paint(text: &str, style: Style) -> String {
    if ENABLED.load(Ordering::Relaxed) {
        format!("{}{text}{}", style.render(), style.render_reset())
    } else {
        text.to_owned()
    }
}

/// Success: `OK`, `No differences`.
pub(super) fn good(text: &str) -> String {
    paint(text, AnsiColor::Green.on_default().bold())
}

/// Something to look at: `FAKED`, a lint finding, `warning:`.
pub(super) fn warn(text: &str) -> String {
    paint(text, AnsiColor::Yellow.on_default().bold())
}

/// Failure: `FAILED`, `error:`.
pub(super) fn bad(text: &str) -> String {
    paint(text, AnsiColor::Red.on_default().bold())
}

#[cfg(test)]
mod tests {
    use super::decide;

    #[test]
    fn colour_only_on_a_terminal_and_never_with_no_color() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value).to_owned())
        };
        assert!(decide(true, env(&[])));
        assert!(!decide(false, env(&[])), "a pipe");
        assert!(!decide(true, env(&[("NO_COLOR", "1")])));
        assert!(decide(true, env(&[("NO_COLOR", "")])), "an empty NO_COLOR is unset");
        assert!(!decide(true, env(&[("TERM", "dumb")])));
        assert!(decide(false, env(&[("CLICOLOR_FORCE", "1")])));
        assert!(!decide(false, env(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")])));
    }
}
