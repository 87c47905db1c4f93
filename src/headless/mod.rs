//! Headless subcommands: data on stdout, talk on stderr, exit codes 0 / 1 / 2.

pub mod bundle;
pub mod check;
pub mod compose;
pub mod doctor;
pub mod logs;
pub mod ps;
pub mod timeline;
pub mod users;
pub mod workspaces;

/// Exit codes shared by every headless command.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FOUND_PROBLEMS: u8 = 1;
    pub const USAGE: u8 = 2;
}

/// Writes to stdout, ignoring a closed pipe (`poc-tui ps | head -1`). For JSON and other data
/// whose bytes must stay as they are; text for people goes through [`print_text`].
pub fn print_stdout(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

pub use crate::logs::safe_text;

/// [`print_stdout`] for text meant for people, through [`safe_text`].
pub fn print_text(text: &str) {
    print_stdout(&safe_text(text));
}

/// One message line on stderr, through [`safe_text`]: error texts quote what services and
/// containers answered.
pub fn eprint_text(text: &str) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", safe_text(text));
}

/// `eprintln!` through the sanitiser (see [`eprint_text`]).
#[macro_export]
macro_rules! safe_eprintln {
    ($($arg:tt)*) => {
        $crate::headless::eprint_text(&format!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::safe_text;

    #[test]
    fn text_output_is_neutralised_line_by_line() {
        let raw = "ok\n\u{1b}]0;title\u{7}user \u{202e}nimda\n\n\u{1b}[31mred\u{1b}[0m\n";
        assert_eq!(
            safe_text(raw),
            "ok\n\u{241b}]0;title\u{2407}user <U+202E>nimda\n\nred\n"
        );
        assert_eq!(safe_text("plain\n"), "plain\n");
    }
}
