//! poc-tui: terminal operations console for the Coder WebIDE proof-of-concept.

pub mod docker;
pub mod health;
