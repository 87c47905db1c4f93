//! The Services tab's registry entry.

use super::keys::KEYS;
use super::list::visible_rows;
use super::options::RowRef;
use crate::app::screen::{no_commands, no_modal, Screen};
use crate::app::state::State;
use crate::app::vocab::{Effect, Pane, Tab};

pub static SCREEN: Screen = Screen {
    tab: Tab::Services,
    title: "Services",
    bindings: KEYS,
    rows: row_ids,
    panes,
    act: no_commands,
    on_show,
    modal_key: no_modal,
};

/// A row's stable id: the service key, the container id or Coder's workspace id.
pub fn row_id(row: &RowRef, state: &State) -> String {
    match row {
        RowRef::Service(i) => {
            let key = state.services.get(*i).map_or("", |s| s.key.as_str());
            format!("service:{key}")
        }
        RowRef::Container(id) | RowRef::Workspace(id) => format!("container:{id}"),
        RowRef::CoderOnly(id) => format!("workspace:{id}"),
    }
}

fn row_ids(state: &State) -> Vec<String> {
    visible_rows(state)
        .iter()
        .map(|(_, row)| row_id(row, state))
        .collect()
}

fn panes(state: &State) -> Vec<Pane> {
    let mut panes = vec![Pane::List];
    if state.show_detail {
        panes.push(Pane::Detail);
    }
    if state.logs.is_open() {
        panes.push(Pane::Logs);
    }
    panes
}

/// Coming back to the Services tab reads Coder's workspace list again.
fn on_show(_: &mut State) -> Vec<Effect> {
    vec![Effect::WorkspacesRefresh]
}
