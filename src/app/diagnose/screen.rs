//! The Networking and SSO tabs' registry entries.

use super::keys::KEYS;
use super::panel::{area_of, Selected};
use super::update::on_tab;
use crate::app::screen::{list_and_detail, no_commands, no_modal, Screen};
use crate::app::state::State;
use crate::app::vocab::{Effect, Tab};

pub static NETWORKING: Screen = Screen {
    tab: Tab::Networking,
    title: "Networking",
    bindings: KEYS,
    rows: networking_rows,
    panes: list_and_detail,
    act: no_commands,
    on_show,
    modal_key: no_modal,
};

pub static SSO: Screen = Screen {
    tab: Tab::Sso,
    title: "SSO",
    bindings: KEYS,
    rows: sso_rows,
    panes: list_and_detail,
    act: no_commands,
    on_show,
    modal_key: no_modal,
};

fn on_show(state: &mut State) -> Vec<Effect> {
    on_tab(state)
}

fn networking_rows(state: &State) -> Vec<String> {
    row_ids(state, Tab::Networking)
}

fn sso_rows(state: &State) -> Vec<String> {
    row_ids(state, Tab::Sso)
}

/// Table rows by service or client, findings by their id (`area/check/subject`).
fn row_ids(state: &State, tab: Tab) -> Vec<String> {
    if area_of(tab).is_none() {
        return Vec::new();
    }
    let count = state.diagnose.row_count(tab, &state.config);
    (0..count)
        .map(|i| match state.diagnose.selected(tab, i) {
            Some(Selected::Expected(n)) => format!("expected:{n}"),
            Some(Selected::Url(u)) => format!("url:{}", u.service),
            Some(Selected::Client(c)) => format!("client:{}", c.client),
            Some(Selected::Finding(f)) => {
                format!("finding:{}/{}/{}", f.area.as_str(), f.check, f.subject)
            }
            None => format!("row:{i}"),
        })
        .collect()
}
