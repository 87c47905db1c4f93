//! The console's keys outside the log view, in the order the help overlay lists them.

use super::binding::{Binding, KeyScope};
use crate::app::vocab::{Action, Key, KeyCode};
use KeyCode::{BackTab, Char, Down, End, Esc, Home, PageDown, PageUp, Tab as TabKey, Up};

/// The keymap, in the order the help overlay lists it.
pub static BINDINGS: &[Binding] = &[
    Binding {
        keys: &[Key::plain(Char('q')), Key::ctrl('c')],
        action: Action::Quit,
        scope: KeyScope::Global,
        help: "quit",
        hint: Some(("q", "quit")),
    },
    Binding {
        keys: &[Key::plain(Char('?'))],
        action: Action::ToggleHelp,
        scope: KeyScope::Global,
        help: "show or hide this help",
        hint: Some(("?", "help")),
    },
    Binding {
        keys: &[Key::plain(Char('!'))],
        action: Action::ToggleMessages,
        scope: KeyScope::Global,
        help: "the last messages in full (saved paths, errors)",
        hint: None,
    },
    Binding {
        keys: &[
            Key::plain(Char('1')),
            Key::plain(Char('2')),
            Key::plain(Char('3')),
            Key::plain(Char('4')),
            Key::plain(Char('5')),
            Key::plain(Char('6')),
            Key::plain(Char('7')),
            Key::plain(Char('8')),
            Key::plain(Char('9')),
        ],
        // The digit pressed picks the screen (see `keymap::action_for`).
        action: Action::GoToTabNumber(0),
        scope: KeyScope::Global,
        help: "go to the tab with that number",
        // The bar shows the range the registry has ("1-5").
        hint: Some(("1-9", "tabs")),
    },
    Binding {
        keys: &[Key::plain(Char(']'))],
        action: Action::NextTab,
        scope: KeyScope::Global,
        help: "next tab",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(Char('['))],
        action: Action::PrevTab,
        scope: KeyScope::Global,
        help: "previous tab",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(TabKey)],
        action: Action::FocusNext,
        scope: KeyScope::Global,
        help: "next pane (list, detail, log view)",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(BackTab)],
        action: Action::FocusPrev,
        scope: KeyScope::Global,
        help: "previous pane",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(Char('j')), Key::plain(Down)],
        action: Action::Down,
        scope: KeyScope::List,
        help: "move down",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(Char('k')), Key::plain(Up)],
        action: Action::Up,
        scope: KeyScope::List,
        help: "move up",
        hint: Some(("j/k", "move")),
    },
    Binding {
        keys: &[Key::plain(PageDown), Key::ctrl('d')],
        action: Action::PageDown,
        scope: KeyScope::List,
        help: "page down",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(PageUp), Key::ctrl('u')],
        action: Action::PageUp,
        scope: KeyScope::List,
        help: "page up",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(Char('g')), Key::plain(Home)],
        action: Action::Top,
        scope: KeyScope::List,
        help: "first row",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(Char('G')), Key::plain(End)],
        action: Action::Bottom,
        scope: KeyScope::List,
        help: "last row",
        hint: None,
    },
    Binding {
        keys: &[Key::plain(Esc)],
        action: Action::Back,
        scope: KeyScope::Global,
        help: "close the overlay",
        hint: None,
    },
];
