//! The Timeline tab's registry entry.

use super::keys::KEYS;
use super::panel::row_id;
use super::update::{act, prompt_key, TAB};
use crate::app::screen::{list_and_detail, nothing_on_show, Screen};
use crate::app::state::State;

pub static SCREEN: Screen = Screen {
    tab: TAB,
    title: "Timeline",
    bindings: KEYS,
    rows,
    panes: list_and_detail,
    act,
    on_show: nothing_on_show,
    modal_key: prompt_key,
};

fn rows(state: &State) -> Vec<String> {
    state.timeline.rows().iter().map(row_id).collect()
}
