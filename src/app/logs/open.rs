//! Opening a log view: on the selected Services row, on the whole stack or every workspace
//! merged, or on one container from a moment on (the Timeline's Enter).

use std::sync::Arc;
use std::time::Duration;

use super::view::LogView;
use crate::app::services::{self, RowRef};
use crate::app::state::State;
use crate::app::vocab::{Effect, Tab};
use crate::logs::worker::{LogRequest, LogTarget, SharedHints};

pub fn open_selected(state: &mut State) -> Vec<Effect> {
    let Some(row) = services::selected(state) else {
        state.status = Some("nothing selected".to_owned());
        return Vec::new();
    };
    let Some(container) = services::row_container(state, &row) else {
        let what = match &row {
            RowRef::Service(i) => state.services.get(*i).map(|s| s.display.clone()),
            _ => None,
        };
        state.status = Some(format!(
            "{} has no container on the engine",
            what.unwrap_or_else(|| "this row".to_owned())
        ));
        return Vec::new();
    };
    let (label, service) = match &row {
        RowRef::Service(i) => {
            let key = state.services.get(*i).map(|s| s.key.clone());
            (key.clone().unwrap_or_else(|| container.name.clone()), key)
        }
        RowRef::Workspace(_) => (workspace_label(container), None),
        RowRef::Container(_) | RowRef::CoderOnly(_) => (container.name.clone(), None),
    };
    let target = LogTarget {
        container: container.id.clone(),
        name: container.name.clone(),
        label: Arc::from(label.as_str()),
        service,
    };
    let title = if label == container.name {
        label
    } else {
        format!("{label} ({})", container.name)
    };
    open(state, title, vec![target])
}

fn workspace_label(container: &crate::docker::ContainerInfo) -> String {
    container.workspace.as_ref().map_or_else(
        || container.name.clone(),
        |w| format!("{}/{}", w.owner, w.workspace_name),
    )
}

pub fn open_stack(state: &mut State) -> Vec<Effect> {
    // Services that share a container (MinIO's console and API) follow it once, under
    // both names.
    let mut targets: Vec<LogTarget> = Vec::new();
    for s in &state.services {
        let Some(c) = state.engine.container_of(&s.key) else {
            continue;
        };
        if let Some(known) = targets.iter_mut().find(|t| t.container == c.id) {
            known.label = Arc::from(format!("{}+{}", known.label, s.key).as_str());
            continue;
        }
        targets.push(LogTarget {
            container: c.id.clone(),
            name: c.name.clone(),
            label: Arc::from(s.key.as_str()),
            service: Some(s.key.clone()),
        });
    }
    if targets.is_empty() {
        state.status = Some("no service of the stack has a container on the engine".to_owned());
        return Vec::new();
    }
    let title = format!("stack ({} containers)", targets.len());
    open(state, title, targets)
}

pub fn open_workspaces(state: &mut State) -> Vec<Effect> {
    let targets: Vec<LogTarget> = state
        .engine
        .classified
        .workspaces
        .iter()
        .filter_map(|id| state.engine.containers.get(id))
        .map(|c| LogTarget {
            container: c.id.clone(),
            name: c.name.clone(),
            label: Arc::from(workspace_label(c).as_str()),
            service: None,
        })
        .collect();
    if targets.is_empty() {
        state.status = Some("no Coder workspace container on the engine".to_owned());
        return Vec::new();
    }
    let title = format!("workspaces ({})", targets.len());
    open(state, title, targets)
}

/// Opens the log view on one container (by id or name) from `since` ago, on the Services
/// tab: Enter on a Timeline entry.
pub fn open_container(state: &mut State, container: &str, since: Duration) -> Vec<Effect> {
    let found = state
        .engine
        .containers
        .values()
        .find(|c| c.id == container || c.name == container)
        .cloned();
    let Some(c) = found else {
        state.status = Some(format!("{container} is no longer on the engine"));
        return Vec::new();
    };
    let target = LogTarget {
        container: c.id.clone(),
        name: c.name.clone(),
        label: Arc::from(c.name.as_str()),
        service: None,
    };
    state.tab = Tab::Services;
    open_from(state, c.name.clone(), vec![target], Some(since))
}

fn open(state: &mut State, title: String, targets: Vec<LogTarget>) -> Vec<Effect> {
    let since = state.logs.settings.since.duration();
    open_from(state, title, targets, since)
}

fn open_from(
    state: &mut State,
    title: String,
    targets: Vec<LogTarget>,
    since: Option<Duration>,
) -> Vec<Effect> {
    let id = state.logs.next_view_id();
    let tail = if since.is_some() {
        usize::MAX
    } else {
        state.config.logs.tail
    };
    let capacity = state.config.logs.max_lines.max(1);
    state.logs.view = Some(LogView::new(id, title, targets.clone(), capacity));
    state.status = None;
    state.dirty = true;
    vec![Effect::Logs(LogRequest::Start {
        view_id: id,
        targets,
        tail,
        since,
        hints: SharedHints(Arc::clone(&state.logs.hints)),
    })]
}
