//! The log view's keys. While the view is open on the Services tab it takes every key it
//! binds here (`Esc` steps back one level, `q` closes it; `Ctrl-C` still quits); other keys
//! fall through to the global bindings (tabs, help).

use super::binding::{Binding, KeyScope};
use crate::app::vocab::{Action, Key, KeyCode, LogAction};
use KeyCode::{Char, Down, End, Esc, Home, PageDown, PageUp, Up};

const fn bind(
    keys: &'static [Key],
    action: LogAction,
    help: &'static str,
    hint: Option<(&'static str, &'static str)>,
) -> Binding {
    Binding {
        keys,
        action: Action::Logs(action),
        scope: KeyScope::LogView,
        help,
        hint,
    }
}

/// The log view's keymap, in the order the help overlay lists it.
pub static LOG_BINDINGS: &[Binding] = &[
    bind(
        &[Key::plain(Esc)],
        LogAction::Back,
        "one level back: a running whole-log search, the filter, the search, the view",
        Some(("Esc", "back")),
    ),
    bind(
        &[Key::plain(Char('q'))],
        LogAction::Close,
        "close the log view (Ctrl-C quits)",
        Some(("q", "close")),
    ),
    bind(
        &[Key::plain(Char('f')), Key::plain(Char('z'))],
        LogAction::ToggleFullscreen,
        "full screen or split with the list",
        Some(("f", "full")),
    ),
    bind(
        &[Key::plain(Char('k')), Key::plain(Up)],
        LogAction::Up,
        "scroll up (pauses following; past the top reads the history before)",
        None,
    ),
    bind(
        &[Key::plain(Char('j')), Key::plain(Down)],
        LogAction::Down,
        "scroll down (the bottom resumes following)",
        None,
    ),
    bind(
        &[Key::plain(PageUp), Key::ctrl('u')],
        LogAction::PageUp,
        "page up",
        None,
    ),
    bind(
        &[Key::plain(PageDown), Key::ctrl('d')],
        LogAction::PageDown,
        "page down",
        None,
    ),
    bind(
        &[Key::plain(Char('g')), Key::plain(Home)],
        LogAction::Top,
        "line 1 of the whole log (merged or filtered: of the buffer)",
        None,
    ),
    bind(
        &[Key::plain(Char('G')), Key::plain(End)],
        LogAction::Follow,
        "newest line: follow again (leaves the paged history)",
        Some(("G", "follow")),
    ),
    bind(
        &[Key::plain(Char('/'))],
        LogAction::Search,
        "search the buffer, then the whole log (Enter applies, empty clears; smart case)",
        Some(("/", "search")),
    ),
    bind(
        &[Key::plain(Char('n'))],
        LogAction::NextMatch,
        "next match (of the whole log once searched)",
        None,
    ),
    bind(
        &[Key::plain(Char('N'))],
        LogAction::PrevMatch,
        "previous match",
        None,
    ),
    bind(
        &[Key::plain(Char('F')), Key::plain(Char('&'))],
        LogAction::ToggleFilter,
        "show only matching lines, with context",
        Some(("F", "filter")),
    ),
    bind(
        &[Key::plain(Char('+'))],
        LogAction::ContextMore,
        "one more context line around matches",
        None,
    ),
    bind(
        &[Key::plain(Char('-'))],
        LogAction::ContextLess,
        "one context line less",
        None,
    ),
    bind(
        &[Key::plain(Char('R'))],
        LogAction::ToggleRegex,
        "search as regex or plain text",
        None,
    ),
    bind(
        &[Key::plain(Char('t'))],
        LogAction::ToggleTimestamps,
        "show timestamps",
        None,
    ),
    bind(
        &[Key::plain(Char('w'))],
        LogAction::ToggleWrap,
        "wrap long lines",
        None,
    ),
    bind(
        &[Key::plain(Char('c'))],
        LogAction::ToggleColors,
        "render the containers' ANSI colours",
        None,
    ),
    bind(
        &[Key::plain(Char(']'))],
        LogAction::SinceNext,
        "since: all / 5m / 15m / 1h (restarts the follow)",
        None,
    ),
    bind(
        &[Key::plain(Char('['))],
        LogAction::SincePrev,
        "since: the other way round",
        None,
    ),
    bind(
        &[Key::plain(Char('s'))],
        LogAction::Save,
        "save the buffer (or the filtered rows) to a file",
        Some(("s", "save")),
    ),
    bind(
        &[Key::plain(Char('y'))],
        LogAction::CopyLine,
        "copy the current line (OSC 52)",
        None,
    ),
    bind(
        &[Key::plain(Char('Y'))],
        LogAction::CopyScreen,
        "copy the lines on screen (OSC 52)",
        None,
    ),
    bind(
        &[Key::plain(Char('h'))],
        LogAction::ToggleHints,
        "known-issue hints: explanation, fix and count",
        Some(("h", "hints")),
    ),
];
