//! Headless subcommands: data on stdout, talk on stderr, exit codes 0 / 1 / 2.

pub mod bundle;
pub mod check;
pub mod compose;
pub mod doctor;
pub mod logs;
pub mod ps;
pub mod timeline;
pub mod users;

/// Exit codes shared by every headless command.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FOUND_PROBLEMS: u8 = 1;
    pub const USAGE: u8 = 2;
}

/// Writes to stdout, ignoring a closed pipe (`poc-tui ps | head -1`).
pub fn print_stdout(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}
