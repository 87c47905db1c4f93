//! The Networking and SSO tabs: the last diagnosis pass and what the selection points at.

pub mod keys;
pub mod panel;
pub mod screen;
pub mod update;

pub use panel::{area_of, DiagnosePanel, Selected};
