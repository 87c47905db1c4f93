//! The Networking and SSO tabs' own keys (the same on both).

use crate::app::keymap::{Binding, KeyScope};
use crate::app::vocab::{Action, Key, KeyCode};
use KeyCode::Char;

pub static KEYS: &[Binding] = &[Binding {
    keys: &[Key::plain(Char('r'))],
    action: Action::DiagnoseRefresh,
    scope: KeyScope::Screen,
    help: "check networking and SSO again",
    hint: Some(("r", "check again")),
}];
