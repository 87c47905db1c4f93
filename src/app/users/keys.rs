//! The Users tab's own keys.

use crate::app::keymap::{Binding, KeyScope};
use crate::app::vocab::{Action, Command, Key, KeyCode};
use KeyCode::Char;

/// `x`: forget a person poc-tui remembers.
pub const FORGET: Command = Command("users.forget");

pub static KEYS: &[Binding] = &[
    Binding {
        keys: &[Key::plain(Char('r'))],
        action: Action::UsersRefresh,
        scope: KeyScope::Screen,
        help: "read Authentik, Gitea and Coder again",
        hint: Some(("r", "refresh")),
    },
    Binding {
        keys: &[Key::plain(Char('n'))],
        action: Action::UsersNew,
        scope: KeyScope::Screen,
        help: "create a user in every system",
        hint: Some(("n", "new user")),
    },
    Binding {
        keys: &[Key::plain(Char('f'))],
        action: Action::UsersFix,
        scope: KeyScope::Screen,
        help: "fix the selected user's first finding (destructive fixes ask first)",
        hint: Some(("f", "fix")),
    },
    Binding {
        keys: &[Key::plain(Char('x'))],
        action: Action::Screen(FORGET),
        scope: KeyScope::Screen,
        help: "forget a person poc-tui remembers creating (asks first; their accounts stay)",
        // Not on the status bar (full at 80 columns): the person's detail names the key.
        hint: None,
    },
];
