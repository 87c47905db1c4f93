//! The log view: its state (the ring, follow and pause, search and filter) and its part of
//! `update`. The follow itself, exports and the settings file are the log worker's
//! (`crate::logs::worker`).

pub mod history;
pub mod open;
pub mod search;
pub mod update;
pub mod view;

pub use view::{LogView, LogsPanel};
