//! poc-tui: terminal operations console for the Coder WebIDE proof-of-concept.

pub mod health;
pub mod logs;
