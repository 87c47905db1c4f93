//! `b` on a workspace row: the confirmation naming what will happen, the refusal under
//! `--read-only` (before anything is sent), and the build's news on the status bar.

use super::list::selected;
use super::options::RowRef;
use crate::app::state::State;
use crate::app::vocab::{Effect, KeyCode, KeyPress, Tab};
use crate::workspaces::rebuild::Plan;
use crate::workspaces::worker::WorkspacesEvent;

/// A rebuild handed to the worker, before its first news.
const ASKING: &str = "asking Coder…";

/// The workspace of the selected row, if Coder knows it.
fn selected_plan(state: &State) -> Option<Plan> {
    let ws = match selected(state)? {
        RowRef::Workspace(id) => {
            let container = state.engine.containers.get(&id)?;
            state.workspaces.status_of(container)?.workspace?
        }
        RowRef::CoderOnly(id) => state.workspaces.workspace(&id)?,
        RowRef::Service(_) | RowRef::Container(_) => return None,
    };
    Some(Plan::for_workspace(ws))
}

/// `b`: asks for the confirmation, or says why not.
pub fn ask(state: &mut State) -> Vec<Effect> {
    state.dirty = true;
    if state.read_only {
        state.status = Some(
            "read-only mode: rebuilding a workspace is disabled; nothing was sent to Coder"
                .to_owned(),
        );
        return Vec::new();
    }
    let Some(plan) = selected_plan(state) else {
        state.status =
            Some("b rebuilds a workspace of this Coder: select its row first".to_owned());
        return Vec::new();
    };
    if state.workspaces.building.contains_key(&plan.workspace_id) {
        state.status = Some(format!("a rebuild of {} is already under way", plan.name));
        return Vec::new();
    }
    state.status = Some(format!(
        "Rebuild? {} — y or Enter: go ahead, any other key: cancel",
        plan.describe()
    ));
    state.workspaces.confirm = Some(plan);
    Vec::new()
}

/// The key after `b`: `y` or Enter rebuilds, anything else cancels.
pub fn confirm_key(state: &mut State, key: KeyPress) -> Vec<Effect> {
    state.dirty = true;
    let Some(plan) = state.workspaces.confirm.take() else {
        return Vec::new();
    };
    if !matches!(key.code, KeyCode::Enter | KeyCode::Char('y' | 'Y')) {
        state.status = Some(format!("rebuild of {} cancelled", plan.name));
        return Vec::new();
    }
    state.status = Some(format!("rebuild: asking Coder to {}", plan.describe()));
    state
        .workspaces
        .building
        .insert(plan.workspace_id.clone(), ASKING.to_owned());
    vec![Effect::WorkspaceRebuild(Box::new(plan))]
}

/// News from the workspace worker; a finished rebuild reads the list again.
pub fn event(state: &mut State, event: WorkspacesEvent) -> Vec<Effect> {
    let finished = matches!(event, WorkspacesEvent::Rebuilt { .. });
    if let Some(message) = state.workspaces.apply(event) {
        state.status = Some(message);
        state.dirty = true;
    }
    // Redrawn only when the Services tab shows it.
    state.dirty |= state.tab == Tab::Services;
    if finished {
        vec![Effect::WorkspacesRefresh]
    } else {
        Vec::new()
    }
}

/// The workspace worker did not take a request: a rebuild not yet sent is dropped.
pub fn refused(state: &mut State) {
    let before = state.workspaces.building.len();
    state.workspaces.building.retain(|_, news| news != ASKING);
    if state.workspaces.building.len() != before {
        state.status =
            Some("the workspace worker did not take the rebuild; nothing was sent".to_owned());
    }
}
