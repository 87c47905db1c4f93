//! The application core: state, events, effects, the keymap and `update`. No I/O here: the
//! loop in `tui/` feeds events in and performs the effects `update` returns.
//!
//! One folder per screen (`services/`, `logs/`, `actions/`, `users/`, `diagnose/`), each with
//! its state and its part of `update`; the shared vocabulary (`vocab.rs`, `key.rs`) at the
//! bottom imports nothing else from `app/`.

pub mod actions;
pub mod diagnose;
pub mod key;
pub mod keymap;
pub mod logs;
mod rows;
pub mod screen;
pub mod screens;
pub mod services;
pub mod state;
pub mod timeline;
pub mod update;
pub mod users;
pub mod vocab;

pub use state::{Selection, ServiceRow, State};
pub use update::{apply_action, update};
pub use vocab::{Action, Effect, Event, Tab};
