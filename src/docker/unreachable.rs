//! Why the engine cannot be used: the one answer both choosing an engine and connecting to
//! it give when something is wrong.

use std::time::Duration;

use serde::Serialize;

/// Why the engine cannot be used, and what the user can do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{reason}. {fix}")]
pub struct EngineDown {
    pub reason: String,
    pub fix: String,
}

impl EngineDown {
    /// The engine took longer than `timeout` for a whole read.
    pub fn timed_out(timeout: Duration) -> Self {
        EngineDown {
            reason: format!("the engine did not answer within {}s", timeout.as_secs()),
            fix: "The daemon may be hung or overloaded: check `systemctl status docker`."
                .to_string(),
        }
    }
}
