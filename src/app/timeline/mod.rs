//! The Timeline tab: what happened to the stack, newest first, as the console's recorder
//! writes it to the timeline file (`poc-tui timeline` reads the same file), with its filter,
//! Enter to the logs around an entry, and `B` for a support bundle.

pub mod keys;
pub mod observe;
pub mod panel;
pub mod screen;
pub mod update;

pub use panel::TimelinePanel;
