//! The Users tab's registry entry.

use super::keys::KEYS;
use crate::app::screen::{list_and_detail, no_modal, nothing_on_show, Screen};
use crate::app::state::State;
use crate::app::vocab::Tab;

pub static SCREEN: Screen = Screen {
    tab: Tab::Users,
    title: "Users",
    bindings: KEYS,
    rows: usernames,
    panes: list_and_detail,
    act: super::update::command,
    on_show: nothing_on_show,
    modal_key: no_modal,
};

/// The matrix's usernames; the configured ones before the first read.
fn usernames(state: &State) -> Vec<String> {
    match &state.users.matrix {
        Some(m) => m.rows.iter().map(|r| r.username.clone()).collect(),
        None => state.config.users.keys().cloned().collect(),
    }
}
