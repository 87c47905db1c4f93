//! Where a diagnosis pass says what it is doing, for a caller that shows progress.

/// What a pass is doing now, for a caller that shows progress (e.g. `doctor` on stderr).
#[derive(Debug, Clone, Default)]
pub struct Progress(std::sync::Arc<std::sync::Mutex<&'static str>>);

impl Progress {
    pub fn set(&self, phase: &'static str) {
        if let Ok(mut p) = self.0.lock() {
            *p = phase;
        }
    }

    /// The current phase ("" before the first).
    pub fn get(&self) -> &'static str {
        self.0.lock().map_or("", |p| *p)
    }
}
