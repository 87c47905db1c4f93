//! poc-tui: terminal operations console for the Coder WebIDE proof-of-concept.

pub mod app;
pub mod bundle;
pub mod cli;
pub mod compose;
pub mod config;
pub mod diagnose;
pub mod docker;
pub mod headless;
pub mod health;
pub mod identity;
pub mod logging;
pub mod logs;
pub mod paths;
pub mod private_fs;
pub mod redact;
pub mod suggest;
pub mod text;
pub mod timeline;
pub mod tui;
pub mod ui;
pub mod workspaces;
