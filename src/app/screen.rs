//! What a screen is, as the registry (`screens.rs`) lists it: its tab, title, keys, the stable
//! ids of its rows, its panes and its own commands. A screen folder defines one of these; the
//! tab bar, the number keys, the hints, `?` and the per-tab selection are all read from it.

use super::keymap::Binding;
use super::state::State;
use super::vocab::{Command, Effect, KeyPress, Pane, Tab};

/// One room of the console.
#[derive(Debug)]
pub struct Screen {
    pub tab: Tab,
    pub title: &'static str,
    /// The screen's own keys (scope `KeyScope::Screen`), listed after the global ones.
    pub bindings: &'static [Binding],
    /// Stable ids of the selectable rows, in the order drawn: the selection follows the id.
    pub rows: fn(&State) -> Vec<String>,
    /// The panes Tab and Shift-Tab move between, in order; the first takes the list keys.
    pub panes: fn(&State) -> Vec<Pane>,
    /// The screen's own commands, from its bindings' `Action::Screen`.
    pub act: fn(&mut State, Command) -> Vec<Effect>,
    /// Work to start each time the screen comes into view.
    pub on_show: fn(&mut State) -> Vec<Effect>,
    /// The screen's own prompt or dialog, when one is open: it takes a key before the
    /// keymap does (`None`: not taken).
    pub modal_key: fn(&mut State, &KeyPress) -> Option<Vec<Effect>>,
}

/// For screens with no prompt or dialog of their own.
pub fn no_modal(_: &mut State, _: &KeyPress) -> Option<Vec<Effect>> {
    None
}

/// For screens with no commands of their own.
pub fn no_commands(_: &mut State, _: Command) -> Vec<Effect> {
    Vec::new()
}

/// For screens with nothing to start when shown.
pub fn nothing_on_show(_: &mut State) -> Vec<Effect> {
    Vec::new()
}

/// For screens that always show a list and the detail of its selected row.
pub fn list_and_detail(_: &State) -> Vec<Pane> {
    vec![Pane::List, Pane::Detail]
}
