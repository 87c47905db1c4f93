//! The keys of every dialog, prompt and panel that takes the keys for a while: one table per
//! mode. The handlers ask this table which `DialogKey` a press is, the help overlay and the
//! status bar list the same rows, and a test checks no key is bound twice in a mode.

use super::binding::{Binding, KeyScope};
use crate::app::vocab::{Action, DialogKey, Key, KeyCode};
use KeyCode::{BackTab, Backspace, Char, Enter, Esc, Tab as TabKey};

const fn bind(
    keys: &'static [Key],
    key: DialogKey,
    help: &'static str,
    hint: Option<(&'static str, &'static str)>,
) -> Binding {
    Binding {
        keys,
        action: Action::Dialog(key),
        scope: KeyScope::Dialog,
        help,
        hint,
    }
}

/// A compose action's confirmation (`R`, `s`, `z`, `r` with pending changes).
pub static CONFIRM: &[Binding] = &[
    bind(
        &[Key::plain(Enter), Key::plain(Char('y'))],
        DialogKey::Confirm,
        "run the action shown",
        Some(("Enter/y", "run")),
    ),
    bind(
        &[Key::plain(Char('u'))],
        DialogKey::ApplyInstead,
        "apply the pending changes instead (up -d), when offered",
        None,
    ),
    bind(
        &[
            Key::plain(Esc),
            Key::plain(Char('n')),
            Key::plain(Char('q')),
        ],
        DialogKey::Cancel,
        "cancel: nothing is run",
        Some(("Esc/n", "cancel")),
    ),
];

/// Quit asked while an action, a user creation or a rebuild runs.
pub static QUIT_WHILE_RUNNING: &[Binding] = &[
    bind(
        &[Key::plain(Char('w'))],
        DialogKey::Wait,
        "quit once what runs has ended",
        Some(("w", "wait, then quit")),
    ),
    bind(
        &[Key::plain(Char('s'))],
        DialogKey::StopAll,
        "stop the running actions (SIGTERM, never SIGKILL), then quit",
        Some(("s", "stop, then quit")),
    ),
    bind(
        &[Key::plain(Esc), Key::plain(Char('n'))],
        DialogKey::Cancel,
        "stay: nothing is stopped",
        Some(("Esc", "stay")),
    ),
];

/// The output panel of a running or finished action.
pub static OUTPUT: &[Binding] = &[
    bind(
        &[Key::plain(Char('x'))],
        DialogKey::StopAll,
        "stop the running action (SIGTERM, never SIGKILL)",
        Some(("x", "stop")),
    ),
    bind(
        &[Key::plain(Esc), Key::plain(Enter)],
        DialogKey::Close,
        "close the panel (a running action goes on)",
        Some(("Esc", "close")),
    ),
    bind(
        &[Key::plain(Char('H'))],
        DialogKey::History,
        "the history of actions",
        Some(("H", "history")),
    ),
];

/// The history of actions (`H`).
pub static HISTORY: &[Binding] = &[bind(
    &[
        Key::plain(Esc),
        Key::plain(Char('q')),
        Key::plain(Char('H')),
    ],
    DialogKey::Close,
    "close the history",
    Some(("Esc", "close")),
)];

/// A notice (read-only refusal, why an action cannot run): any key closes it.
pub static NOTICE: &[Binding] = &[bind(
    &[Key::plain(Esc), Key::plain(Enter)],
    DialogKey::Close,
    "close the notice (any key does)",
    Some(("any key", "close")),
)];

/// A one-line prompt: the Services filter, the log view's search and filter, the Timeline's
/// filter. Other keys type.
pub static PROMPT: &[Binding] = &[
    bind(
        &[Key::plain(Enter)],
        DialogKey::Confirm,
        "keep what is typed",
        Some(("Enter", "keep")),
    ),
    bind(
        &[Key::plain(Esc)],
        DialogKey::Cancel,
        "clear and close the prompt",
        Some(("Esc", "clear")),
    ),
    bind(
        &[Key::plain(Backspace)],
        DialogKey::Erase,
        "erase the last character",
        None,
    ),
];

/// The Users tab's dialogs: the new-user form, a create's progress, a fix's confirmation.
pub static USER_FORM: &[Binding] = &[
    bind(
        &[Key::plain(TabKey), Key::plain(BackTab)],
        DialogKey::NextField,
        "next / previous field (←/→ or Space pick the role)",
        Some(("Tab", "field")),
    ),
    bind(
        &[Key::plain(Enter)],
        DialogKey::Confirm,
        "create the user, or confirm the fix (y too)",
        Some(("Enter", "ok")),
    ),
    bind(
        &[Key::plain(Esc)],
        DialogKey::Cancel,
        "cancel (n too, on a confirmation)",
        Some(("Esc", "cancel")),
    ),
];

/// A workspace rebuild's confirmation (`b`).
pub static REBUILD: &[Binding] = &[
    bind(
        &[Key::plain(Enter), Key::plain(Char('y'))],
        DialogKey::Confirm,
        "rebuild the workspace: stop, then start",
        Some(("Enter/y", "rebuild")),
    ),
    bind(
        &[Key::plain(Esc)],
        DialogKey::Cancel,
        "cancel (any other key too)",
        Some(("Esc", "cancel")),
    ),
];

/// Every mode's table, named, for help and the tests.
pub static ALL: &[(&str, &[Binding])] = &[
    ("confirm", CONFIRM),
    ("quit while running", QUIT_WHILE_RUNNING),
    ("action output", OUTPUT),
    ("action history", HISTORY),
    ("notice", NOTICE),
    ("prompt", PROMPT),
    ("user dialog", USER_FORM),
    ("rebuild", REBUILD),
];

/// Which key of `table` a press is.
pub fn dialog_key(table: &[Binding], event: &crate::app::vocab::KeyPress) -> Option<DialogKey> {
    table
        .iter()
        .find(|b| b.keys.iter().any(|k| k.matches(event)))
        .and_then(|b| match b.action {
            Action::Dialog(k) => Some(k),
            _ => None,
        })
}
