//! Service actions in the console: what the selected row allows, the confirmation
//! dialogs, the running actions with their streamed output, and the history.
//! Pure state: the compose worker does the work; `update` routes keys and news here.

use std::collections::{BTreeSet, VecDeque};

use crate::app::vocab::KeyPress;

use super::panel::{ActionDialog, RunningAction};
use crate::app::state::State;
use crate::app::vocab::ActionKey;
use crate::app::vocab::Effect;
use crate::compose::worker::{ComposeEvent, ComposeRequest};
use crate::compose::{shell_command, ActionEvent, ActionKind, ActionRequest, ComposeProject};
use crate::docker::{ContainerInfo, ContainerState};

/// Output lines kept for the panel of a running action.
const PANEL_LINES: usize = 200;

fn notice(state: &mut State, title: &str, lines: Vec<String>) {
    state.actions.dialog = Some(ActionDialog::Notice {
        title: title.to_string(),
        lines,
    });
}

/// The services compose has in a project, as the engine reports them.
fn services_of(state: &State, project: &str) -> Vec<String> {
    let mut list: Vec<String> = state
        .engine
        .containers
        .values()
        .filter_map(|c| c.compose.as_ref())
        .filter(|l| l.project == project)
        .map(|l| l.service.clone())
        .collect();
    list.sort();
    list.dedup();
    list
}

/// Builds the request for `kind` on the selected row's container.
fn request_for(
    state: &State,
    container: &ContainerInfo,
    kind: ActionKind,
) -> Result<ActionRequest, String> {
    if let Some(labels) = &container.compose {
        let project = ComposeProject::from_labels(labels).map_err(|e| e.to_string())?;
        let known = services_of(state, &labels.project);
        return ActionRequest::service(
            kind,
            project,
            &labels.service,
            known.iter().map(String::as_str),
            Some(container.id.clone()),
        )
        .map_err(|e| e.to_string());
    }
    let names: Vec<&str> = state
        .engine
        .containers
        .values()
        .map(|c| c.name.as_str())
        .collect();
    ActionRequest::container(kind, &container.name, names, Some(container.id.clone()))
        .map_err(|e| e.to_string())
}

/// A key of the Services tab asking for an action.
pub fn key_action(state: &mut State, key: ActionKey) -> Vec<Effect> {
    state.dirty = true;
    if key == ActionKey::History {
        state.actions.show_history = !state.actions.show_history;
        return Vec::new();
    }
    if state.read_only {
        notice(
            state,
            "Read-only mode",
            vec![
                "Actions are disabled: poc-tui was started with --read-only.".to_string(),
                "Nothing was run. Restart poc-tui without --read-only to apply, recreate, restart, stop, start, pause or open a shell.".to_string(),
            ],
        );
        return Vec::new();
    }
    let Some(container) = state.selected_container().cloned() else {
        notice(
            state,
            "No container",
            vec!["The selected row has no container to act on.".to_string()],
        );
        return Vec::new();
    };
    let kind = match kind_for(state, key, &container) {
        Ok(kind) => kind,
        Err(effects) => return effects,
    };
    let request = match request_for(state, &container, kind) {
        Ok(r) => r,
        Err(why) => {
            notice(state, "Cannot run this action", vec![why]);
            return Vec::new();
        }
    };
    let key = request.key();
    if state.actions.requested.contains(&key)
        || state
            .actions
            .running
            .values()
            .any(|r| r.subject == request.subject())
    {
        state.status = Some(format!(
            "an action on {} is already running",
            request.subject()
        ));
        return Vec::new();
    }
    let drift = state.actions.drift_of(&container.id).cloned();
    match kind {
        ActionKind::Restart if drift.is_some() => {
            let apply = request_for(state, &container, ActionKind::Apply).ok();
            let mut lines = vec![
                format!("{} has configuration changes.", request.subject()),
                "Restart will NOT apply them: it keeps the old container and its old environment."
                    .to_string(),
            ];
            lines.extend(
                drift
                    .iter()
                    .flat_map(|d| d.changes.iter())
                    .map(|c| format!("  • {}", c.describe())),
            );
            lines.push(String::new());
            lines.push(if apply.is_some() {
                "u: apply the changes instead (up -d)   Enter: restart anyway   Esc: cancel"
                    .to_string()
            } else {
                "Enter: restart anyway   Esc: cancel".to_string()
            });
            state.actions.dialog = Some(ActionDialog::Confirm {
                title: format!("Restart {}?", request.subject()),
                lines,
                request: Box::new(request),
                offer_apply: apply.map(Box::new),
            });
            Vec::new()
        }
        ActionKind::ForceRecreate | ActionKind::Stop | ActionKind::Pause => {
            confirm_interrupt(state, request);
            Vec::new()
        }
        _ => start(state, request),
    }
}

/// Recreate, stop and pause interrupt the service: ask first.
fn confirm_interrupt(state: &mut State, request: ActionRequest) {
    let kind = request.kind;
    let what = match kind {
        ActionKind::Stop => "The service stops until started again (s).",
        ActionKind::Pause => "Its processes are frozen (memory kept) until unpaused (z or s).",
        _ => "The container is removed and created again; volumes are kept.",
    };
    state.actions.dialog = Some(ActionDialog::Confirm {
        title: format!("{} {}?", capitalised(kind.verb()), request.subject()),
        lines: vec![
            what.to_string(),
            String::new(),
            "Enter or y: go ahead   Esc or n: cancel".to_string(),
        ],
        request: Box::new(request),
        offer_apply: None,
    });
}

/// The action `key` asks for on `container`, given its state; Err with the effects when the
/// key is answered otherwise (a shell, a notice).
fn kind_for(
    state: &mut State,
    key: ActionKey,
    container: &ContainerInfo,
) -> Result<ActionKind, Vec<Effect>> {
    Ok(match (key, container.state) {
        (ActionKey::Apply, _) => ActionKind::Apply,
        (ActionKey::ForceRecreate, _) => ActionKind::ForceRecreate,
        (ActionKey::Restart, _) => ActionKind::Restart,
        (ActionKey::StopStart, ContainerState::Running) => ActionKind::Stop,
        // `docker start` on a paused container changes nothing: unpausing is what starts it.
        (ActionKey::StopStart | ActionKey::PauseUnpause, ContainerState::Paused) => {
            ActionKind::Unpause
        }
        (ActionKey::StopStart, _) => ActionKind::Start,
        (ActionKey::PauseUnpause, ContainerState::Running) => ActionKind::Pause,
        (ActionKey::PauseUnpause, other) => {
            let why = format!(
                "{} is {}: only a running container can be paused (s starts it).",
                container.name,
                other.as_str()
            );
            notice(state, "Nothing to pause", vec![why]);
            return Err(Vec::new());
        }
        (ActionKey::Shell, _) => return Err(shell(state, container)),
        (ActionKey::History, _) => return Err(Vec::new()),
    })
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

fn shell(state: &mut State, container: &ContainerInfo) -> Vec<Effect> {
    if container.state != ContainerState::Running {
        notice(
            state,
            "No shell",
            vec![format!(
                "{} is {}: a shell needs a running container.",
                container.name,
                container.state.as_str()
            )],
        );
        return Vec::new();
    }
    let names: Vec<&str> = state
        .engine
        .containers
        .values()
        .map(|c| c.name.as_str())
        .collect();
    match shell_command(&state.actions.docker, &container.name, names) {
        Ok(cmd) => vec![Effect::Shell(cmd)],
        Err(e) => {
            notice(state, "No shell", vec![e.to_string()]);
            Vec::new()
        }
    }
}

/// Hands the request to the compose worker and opens the output panel.
fn start(state: &mut State, request: ActionRequest) -> Vec<Effect> {
    state.actions.requested.insert(request.key());
    state.actions.show_output = true;
    state.actions.last_finished = None;
    state.status = Some(format!("{} {}…", request.kind.verb(), request.subject()));
    vec![Effect::Compose(Box::new(ComposeRequest::Run(Box::new(
        request,
    ))))]
}

/// Keys while a dialog, the history or the output panel is open, read through the mode's
/// table (`keymap::modes`).
pub fn modal_key(state: &mut State, key: KeyPress) -> Vec<Effect> {
    use crate::app::keymap::{dialog_key, modes};
    use crate::app::vocab::DialogKey;
    state.dirty = true;
    if let Some(dialog) = state.actions.dialog.take() {
        let table = match &dialog {
            ActionDialog::Confirm { .. } => modes::CONFIRM,
            ActionDialog::QuitWhileRunning { .. } => modes::QUIT_WHILE_RUNNING,
            ActionDialog::Notice { .. } => modes::NOTICE,
        };
        return match (dialog, dialog_key(table, &key)) {
            (ActionDialog::Notice { .. }, _) => Vec::new(),
            (ActionDialog::QuitWhileRunning { .. }, Some(DialogKey::Wait)) => {
                state.actions.quit_when_idle = true;
                state.status = Some("quitting when the running action ends".to_owned());
                Vec::new()
            }
            (ActionDialog::QuitWhileRunning { .. }, Some(DialogKey::StopAll)) => {
                state.actions.quit_when_idle = true;
                cancel_running(state)
            }
            (ActionDialog::QuitWhileRunning { .. }, Some(DialogKey::Cancel)) => {
                state.status = Some("staying: the action goes on".to_owned());
                Vec::new()
            }
            (ActionDialog::Confirm { request, .. }, Some(DialogKey::Confirm)) => {
                start(state, *request)
            }
            (
                ActionDialog::Confirm {
                    offer_apply: Some(apply),
                    ..
                },
                Some(DialogKey::ApplyInstead),
            ) => start(state, *apply),
            (ActionDialog::Confirm { .. }, Some(DialogKey::Cancel)) => {
                state.status = Some("cancelled: nothing was run".to_string());
                Vec::new()
            }
            (dialog, _) => {
                // Any other key leaves the question open.
                state.actions.dialog = Some(dialog);
                Vec::new()
            }
        };
    }
    let actions = &mut state.actions;
    let table = if actions.show_history {
        modes::HISTORY
    } else {
        modes::OUTPUT
    };
    match dialog_key(table, &key) {
        Some(DialogKey::Close) if actions.show_history => actions.show_history = false,
        Some(DialogKey::StopAll) if actions.show_output && actions.is_running() => {
            return cancel_running(state);
        }
        // Closing the panel does not stop the action; it goes on in the background.
        Some(DialogKey::Close) if actions.show_output => actions.show_output = false,
        Some(DialogKey::History) => {
            actions.show_output = false;
            actions.show_history = true;
        }
        _ => {}
    }
    Vec::new()
}

/// News from the compose worker.
pub fn compose_event(state: &mut State, event: ComposeEvent) -> Vec<Effect> {
    let actions = &mut state.actions;
    match event {
        ComposeEvent::Tool(result) => {
            actions.tool = Some(result.map(|t| t.describe()));
        }
        ComposeEvent::Drift(report) => actions.drift = report,
        ComposeEvent::Refused { key, reason } => {
            actions.requested.remove(&key);
            state.status = Some(format!("not run: {reason}"));
        }
        ComposeEvent::Action(ActionEvent::Started {
            id,
            key,
            subject,
            kind,
            command,
            started,
        }) => {
            actions.requested.remove(&key);
            actions.running.insert(
                id,
                RunningAction {
                    key,
                    subject,
                    kind,
                    command,
                    started,
                    output: VecDeque::new(),
                },
            );
        }
        ComposeEvent::Action(ActionEvent::Output { id, lines }) => {
            if let Some(running) = actions.running.get_mut(&id) {
                for line in lines {
                    if running.output.len() == PANEL_LINES {
                        running.output.pop_front();
                    }
                    running.output.push_back(line);
                }
            }
        }
        ComposeEvent::Action(ActionEvent::Finished(record)) => {
            actions.running.remove(&record.id);
            state.status = Some(format!("{}: {}", record.subject, record.summary()));
            actions.last_finished = Some((*record).clone());
            actions.history.push(*record);
        }
    }
    state.dirty = true;
    // Quit was chosen to wait for what ran (and nothing runs any more).
    if state.actions.quit_when_idle && state.nothing_runs() {
        state.quit = true;
        return vec![Effect::Quit];
    }
    Vec::new()
}

/// Quit was asked: with actions running, ask first (wait, stop them, or stay).
/// Returns None when nothing runs and the console may quit at once.
pub fn ask_before_quit(state: &mut State) -> Option<Vec<Effect>> {
    let creating = state.users.creating().map(str::to_owned);
    if state.nothing_runs() {
        return None;
    }
    let mut lines: Vec<String> = state
        .actions
        .running
        .values()
        .map(|r| format!("running: {} — {}", r.kind.verb(), r.subject))
        .collect();
    for news in state.workspaces.building.values() {
        lines.push(format!(
            "running: a workspace rebuild ({news}); Coder finishes it either way"
        ));
    }
    if let Some(user) = &creating {
        lines.push(format!(
            "running: creating {user} in Authentik, Gitea and Coder (it ends its current step)"
        ));
    }
    lines.push(String::new());
    lines.push("w  wait for it to end, then quit".to_owned());
    if state.actions.is_running() {
        lines.push("s  stop it (SIGTERM, SIGKILL after the grace), then quit".to_owned());
    }
    lines.push("Esc  stay".to_owned());
    state.actions.dialog = Some(ActionDialog::QuitWhileRunning { lines });
    // The question is asked where action dialogs live, whichever tab quit was pressed on.
    state.tab = crate::app::vocab::Tab::Services;
    state.dirty = true;
    Some(Vec::new())
}

/// Stops every running action: SIGTERM to its process group, SIGKILL after the grace.
pub fn cancel_running(state: &mut State) -> Vec<Effect> {
    let keys: Vec<String> = state
        .actions
        .running
        .values()
        .map(|r| r.key.clone())
        .collect();
    if keys.is_empty() {
        return Vec::new();
    }
    let subjects: Vec<&str> = state
        .actions
        .running
        .values()
        .map(|r| r.subject.as_str())
        .collect();
    state.status = Some(format!(
        "stopping {}: SIGTERM, then SIGKILL after the grace period",
        subjects.join(", ")
    ));
    state.dirty = true;
    keys.into_iter()
        .map(|key| Effect::Compose(Box::new(ComposeRequest::Cancel(key))))
        .collect()
}

/// After container news: tells the compose worker when the compose containers
/// (or their config hashes) changed, so drift is checked again only then.
pub fn containers_changed(state: &mut State) -> Option<Effect> {
    let print: BTreeSet<(String, Option<String>)> = state
        .engine
        .containers
        .values()
        .filter_map(|c| Some((c.id.clone(), c.compose.as_ref()?.config_hash.clone())))
        .collect();
    if state.actions.sent_fingerprint.as_ref() == Some(&print) {
        return None;
    }
    state.actions.sent_fingerprint = Some(print);
    let list: Vec<ContainerInfo> = state
        .engine
        .containers
        .values()
        .filter(|c| c.compose.is_some())
        .cloned()
        .collect();
    Some(Effect::Compose(Box::new(ComposeRequest::Containers(list))))
}

/// The spinner moved on; true when something is running (and so must be redrawn).
pub fn spin(state: &mut State) -> bool {
    if state.actions.is_running() {
        state.actions.spinner = state.actions.spinner.wrapping_add(1);
        state.dirty = true;
        true
    } else {
        false
    }
}
