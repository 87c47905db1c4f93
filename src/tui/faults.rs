//! Panics off the UI thread: a worker that panics must not take the terminal with it. The
//! hook keeps the panic's first line for the status bar (the loop notices the worker's closed
//! channel) and leaves the terminal alone; only a panic on the UI thread restores it.

use std::sync::Mutex;

/// The first line of the latest panic of a worker thread.
static LAST: Mutex<Option<String>> = Mutex::new(None);

/// Wraps the panic hook in place (ratatui's, which restores the terminal): on the UI thread it
/// runs as before; on any other thread the panic is only recorded and logged.
pub fn install_worker_panic_hook() {
    let ui_thread = std::thread::current().id();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == ui_thread {
            previous(info);
            return;
        }
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_owned());
        let line = payload.lines().next().unwrap_or_default().to_owned();
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(panic = %line, location = %at, "a worker panicked");
        if let Ok(mut last) = LAST.lock() {
            *last = Some(format!("panicked: {line}{at}"));
        }
    }));
}

/// Why the latest worker ended, as far as the hook saw it.
pub fn last_worker_fault() -> String {
    LAST.lock()
        .ok()
        .and_then(|mut last| last.take())
        .unwrap_or_else(|| "it ended".to_owned())
}
