//! What a row of the keymap is: keys, the action they ask for, where they apply, and how help
//! and the status bar describe them.

use crate::app::vocab::{Action, Key};

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyScope {
    Global,
    /// Lists: any tab with a selectable table.
    List,
    /// One screen: the bindings of its registry entry.
    Screen,
    /// The open log view (its table is in `logs_keys`).
    LogView,
    /// A dialog, prompt or panel (`modes.rs`).
    Dialog,
}

/// One row of the keymap.
#[derive(Debug, Clone)]
pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    pub scope: KeyScope,
    pub help: &'static str,
    /// Status-bar entry as (keys, what): `None` keeps it out of the bar (help overlay only).
    pub hint: Option<(&'static str, &'static str)>,
}
