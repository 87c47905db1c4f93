//! Why the engine cannot be used: the one answer both choosing an engine and connecting to
//! it give when something is wrong.

use serde::Serialize;

/// Why the engine cannot be used, and what the user can do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{reason}. {fix}")]
pub struct EngineDown {
    pub reason: String,
    pub fix: String,
}
