//! Compose and container actions on the Services tab: dialogs, running actions, history.

pub mod panel;
pub mod update;

pub use panel::{ActionDialog, ActionsPanel, RunningAction};
