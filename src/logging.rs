//! Tracing to a file in the data directory: the terminal belongs to the TUI.

use std::fs::OpenOptions;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

use crate::paths::Paths;

/// Starts file logging; filtered by `POC_TUI_LOG` (default `info`). Never fails the program:
/// with no writable data directory, tracing is simply off.
pub fn init(paths: &Paths) {
    let Some(path) = paths.log_file() else {
        return;
    };
    if let Some(dir) = path.parent() {
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
    }
    let Ok(file) = OpenOptions::new().create(true).append(true).open(&path) else {
        return;
    };
    let filter = EnvFilter::try_from_env("POC_TUI_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init();
}
