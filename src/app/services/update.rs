//! The Services tab's handlers: Docker news, the `/` filter prompt, sort order, the env
//! reveal, and telling the Docker worker which container is selected.

use crate::app::vocab::{KeyCode, KeyModifiers, KeyPress};

use crate::app::state::State;
use crate::app::vocab::Tab;
use crate::app::vocab::{Action, Effect};
use crate::docker::DockerEvent;

/// Applies news from the Docker worker (the selection stays on its row by id: see
/// `State::reconcile_selection`). A service whose container died, started, was unpaused or changed health is probed again
/// at once, so its row does not wait for the next scheduled probe.
pub fn docker_event(state: &mut State, event: DockerEvent) -> Vec<Effect> {
    let changed = changed_container(state, &event);
    // A workspace container that started, stopped or went: Coder's view is read again.
    let workspace_changed = changed.as_deref().is_some_and(|id| {
        state
            .engine
            .containers
            .get(id)
            .is_some_and(|c| c.workspace.is_some())
            || matches!(&event, DockerEvent::Upsert(info) if info.workspace.is_some())
    });
    let mut reprobe = changed
        .as_deref()
        .map(|id| services_of(state, id))
        .unwrap_or_default();
    if state.engine.apply(event) {
        state.dirty = true;
    }
    // A new or recreated container belongs to its services only once classified.
    if let Some(id) = changed {
        for key in services_of(state, &id) {
            if !reprobe.contains(&key) {
                reprobe.push(key);
            }
        }
    }
    let mut effects: Vec<Effect> = reprobe
        .into_iter()
        .map(|key| Effect::ProbeNow(Some(key)))
        .collect();
    if workspace_changed {
        effects.push(Effect::WorkspacesRefresh);
    }
    effects
}

/// The container whose life changed (state, Docker health, a new start, removal), if any.
fn changed_container(state: &State, event: &DockerEvent) -> Option<String> {
    match event {
        DockerEvent::Upsert(info) => {
            let known = state.engine.containers.get(&info.id);
            let same = known.is_some_and(|k| {
                (k.state, k.health, &k.started_at) == (info.state, info.health, &info.started_at)
            });
            (!same).then(|| info.id.clone())
        }
        DockerEvent::Removed { id } => Some(id.clone()),
        _ => None,
    }
}

/// The configured services a container serves (MinIO's one container serves two).
fn services_of(state: &State, container_id: &str) -> Vec<String> {
    state
        .engine
        .classified
        .services
        .iter()
        .filter(|s| s.container_ids.iter().any(|id| id == container_id))
        .map(|s| s.key.clone())
        .collect()
}

/// Keys while the `/` prompt is open: text edits the filter, Enter keeps it, Esc drops it.
pub fn filter_key(state: &mut State, key: KeyPress) -> Vec<Effect> {
    state.dirty = true;
    let list = &mut state.list;
    match key.code {
        KeyCode::Enter => list.editing_filter = false,
        KeyCode::Esc => {
            list.editing_filter = false;
            list.filter.clear();
        }
        KeyCode::Backspace => {
            list.filter.pop();
        }
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => list.filter.clear(),
        KeyCode::Char(c)
            if !key.modifiers.contains(KeyModifiers::CONTROL)
                && list.filter.chars().count() < 64 =>
        {
            list.filter.push(c);
        }
        _ => {}
    }
    // A new filter starts from the first match.
    state.select_index(Tab::Services, 0);
    Vec::new()
}

/// Services-tab actions that are not plain navigation.
pub fn action(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Filter => {
            state.list.editing_filter = true;
        }
        Action::SortNext => {
            state.list.sort = state.list.sort.next();
            state.status = Some(format!("sorted by {}", state.list.sort.label()));
        }
        Action::SortReverse => {
            state.list.reverse = !state.list.reverse;
            state.status = Some(format!(
                "sorted by {}{}",
                state.list.sort.label(),
                if state.list.reverse { ", reversed" } else { "" }
            ));
        }
        Action::RevealEnv => {
            state.reveal_env = !state.reveal_env;
            state.status = Some(if state.reveal_env {
                "secret values revealed in the detail pane (v hides them)".to_owned()
            } else {
                "secret values masked".to_owned()
            });
        }
        Action::ToggleOtherContainers => {
            state.list.show_other = !state.list.show_other;
            let n = super::list::other_count(state);
            state.status = Some(if state.list.show_other {
                format!("showing the {n} other container(s) on the engine (a hides them)")
            } else {
                format!("{n} other container(s) hidden (a shows them)")
            });
            // Remembered for the next run, with the log view's toggles.
            state.logs.settings.show_other_containers = state.list.show_other;
            return vec![Effect::Logs(crate::logs::worker::LogRequest::SaveSettings(
                state.logs.settings,
            ))];
        }
        Action::ResyncDocker => {
            state.status = Some("reading the engine and Coder's workspaces again…".to_owned());
            return vec![Effect::DockerResync, Effect::WorkspacesRefresh];
        }
        _ => {}
    }
    Vec::new()
}

/// Tells the Docker worker when the selected container changed, so it gets fresher stats.
pub fn focus_command(state: &mut State) -> Option<Effect> {
    let wanted = if state.tab == Tab::Services {
        state.selected_container().map(|c| c.id.clone())
    } else {
        None
    };
    if wanted == state.focused_container {
        return None;
    }
    state.focused_container.clone_from(&wanted);
    Some(Effect::DockerFocus(wanted))
}

/// Tells the Docker worker when the set of rows on screen changed: only those are sampled.
pub fn visible_command(state: &mut State) -> Option<Effect> {
    let wanted = crate::app::services::on_screen_containers(state);
    if state.on_screen.as_ref() == Some(&wanted) {
        return None;
    }
    state.on_screen = Some(wanted.clone());
    Some(Effect::DockerVisible(wanted))
}
