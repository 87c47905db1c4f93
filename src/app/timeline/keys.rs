//! The Timeline tab's own keys.

use super::update::{BUNDLE, FILTER, OPEN};
use crate::app::keymap::{Binding, KeyScope};
use crate::app::vocab::{Action, Key, KeyCode};
use KeyCode::{Char, Enter};

pub static KEYS: &[Binding] = &[
    Binding {
        keys: &[Key::plain(Char('/'))],
        action: Action::Screen(FILTER),
        scope: KeyScope::Screen,
        help: "filter the entries (service, container, kind or text; Enter keeps, Esc clears)",
        hint: Some(("/", "filter")),
    },
    Binding {
        keys: &[Key::plain(Enter)],
        action: Action::Screen(OPEN),
        scope: KeyScope::Screen,
        help: "open the logs of the entry's container around that moment",
        hint: Some(("Enter", "logs then")),
    },
    Binding {
        keys: &[Key::plain(Char('B'))],
        action: Action::Screen(BUNDLE),
        scope: KeyScope::Screen,
        help: "write a support bundle (what `poc-tui bundle` writes) and say where",
        hint: Some(("B", "bundle")),
    },
];
