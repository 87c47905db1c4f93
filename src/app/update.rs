//! `update`: the only place state changes. Pure: no I/O, testable without a terminal.

use crossterm::event::{Event as TermEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};

use super::action::{Action, Command};
use super::keymap;
use super::state::{State, Tab};
use crate::health::HealthReport;

/// Everything the loop feeds into `update`.
#[derive(Debug)]
pub enum Event {
    Terminal(TermEvent),
    Health(HealthReport),
    /// News from the Users tab's identity worker.
    Identity(crate::identity::worker::IdentityEvent),
    /// News from the Docker worker.
    Docker(crate::docker::DockerEvent),
    /// News from the compose worker.
    Compose(crate::compose::ComposeEvent),
    /// The spinner of a running action moves on (sent only while one runs).
    SpinnerTick,
    /// Lines and news from the log view's follow.
    Logs(super::logs_update::LogNews),
    /// News from the Networking/SSO diagnosis worker.
    Diagnose(crate::diagnose::worker::DiagnoseEvent),
    /// SIGTERM, SIGHUP or another reason to leave.
    Shutdown,
}

/// Applies one event; returns the work the loop must start.
pub fn update(state: &mut State, event: Event) -> Vec<Command> {
    let mut commands = apply_event(state, event);
    commands.extend(super::services_update::focus_command(state));
    commands.extend(super::diagnosis::on_tab(state));
    commands
}

fn apply_event(state: &mut State, event: Event) -> Vec<Command> {
    match event {
        Event::Terminal(TermEvent::Key(key)) => {
            if key.kind != KeyEventKind::Press {
                return Vec::new();
            }
            if state.tab == Tab::Services && state.actions.is_modal() && !state.show_help {
                return super::actions::modal_key(state, key);
            }
            if super::logs_update::has_focus(state) {
                if let Some(commands) = super::logs_update::key(state, key) {
                    return commands;
                }
            }
            if state.tab == Tab::Services && state.list.editing_filter && !state.show_help {
                return super::services_update::filter_key(state, key);
            }
            // An open Users dialog takes every key (it has text fields).
            if state.tab == Tab::Users && state.users.dialog.is_some() && !state.show_help {
                return super::users_update::dialog_key(state, key);
            }
            match keymap::action_for(&key, state.tab) {
                Some(action) => apply_action(state, action),
                None => Vec::new(),
            }
        }
        Event::Terminal(TermEvent::Mouse(mouse)) => apply_mouse(state, mouse),
        Event::Terminal(TermEvent::Resize(w, h)) => {
            state.size = (w, h);
            state.dirty = true;
            Vec::new()
        }
        Event::Terminal(_) => Vec::new(),
        Event::Health(report) => {
            if state.apply_health(report) {
                state.dirty = true;
            }
            Vec::new()
        }
        Event::Identity(event) => {
            if let Some(msg) = state.users.apply_event(event) {
                state.status = Some(msg);
            }
            state.dirty = true;
            Vec::new()
        }
        Event::Docker(event) => {
            let mut commands = super::services_update::docker_event(state, event);
            commands.extend(super::actions::containers_changed(state));
            commands
        }
        Event::Compose(event) => super::actions::compose_event(state, event),
        Event::SpinnerTick => {
            super::actions::spin(state);
            Vec::new()
        }
        Event::Logs(news) => super::logs_update::news(state, news),
        Event::Diagnose(event) => super::diagnosis::event(state, event),
        Event::Shutdown => {
            state.quit = true;
            vec![Command::Quit]
        }
    }
}

/// Applies an action; public so tests and the mouse path share it.
pub fn apply_action(state: &mut State, action: Action) -> Vec<Command> {
    // The help overlay is modal: only closing it, quitting and tab switches pass through.
    if state.show_help
        && !matches!(
            action,
            Action::ToggleHelp | Action::Back | Action::Quit | Action::GoToTab(_)
        )
    {
        return Vec::new();
    }
    state.dirty = true;
    let tab = state.tab;
    let rows = state.row_count(tab);
    let sel = &mut state.selected[tab.index()];
    let page = usize::from(state.size.1.saturating_sub(8)).max(1);
    match action {
        Action::Quit => {
            state.quit = true;
            return vec![Command::Quit];
        }
        Action::ToggleHelp => state.show_help = !state.show_help,
        Action::Back => {
            if state.show_help {
                state.show_help = false;
            } else if super::logs_update::has_focus(state) {
                return super::logs_update::action(state, super::logs_update::LogAction::Close);
            } else if tab == Tab::Services && !state.list.filter.is_empty() {
                state.list.filter.clear();
            }
        }
        Action::NextTab => state.tab = tab.next(),
        Action::PrevTab => state.tab = tab.prev(),
        Action::GoToTab(t) => {
            state.tab = t;
            state.show_help = false;
        }
        Action::Up => *sel = sel.saturating_sub(1),
        Action::Down => *sel = (*sel + 1).min(rows.saturating_sub(1)),
        Action::PageUp => *sel = sel.saturating_sub(page),
        Action::PageDown => *sel = (*sel + page).min(rows.saturating_sub(1)),
        Action::Top => *sel = 0,
        Action::Bottom => *sel = rows.saturating_sub(1),
        Action::ToggleDetail => state.show_detail = !state.show_detail,
        Action::ProbeSelected => {
            let Some(row) = state.selected_service() else {
                return Vec::new();
            };
            let (key, display, has_probe) = (
                row.key.clone(),
                row.display.clone(),
                row.probe_target.is_some(),
            );
            if !has_probe {
                state.status = Some(format!("{display} has no probe configured"));
                return Vec::new();
            }
            state.status = Some(format!("probing {display}…"));
            return vec![Command::ProbeNow(Some(key))];
        }
        Action::ProbeAll => {
            state.status = Some("probing every service…".to_owned());
            return vec![Command::ProbeNow(None)];
        }
        Action::ServiceAction(key) => return super::actions::key_action(state, key),
        Action::UsersRefresh | Action::UsersNew | Action::UsersFix => {
            return super::users_update::action(state, action);
        }
        Action::DiagnoseRefresh => return super::diagnosis::refresh(state),
        Action::Filter
        | Action::SortNext
        | Action::SortReverse
        | Action::RevealEnv
        | Action::ResyncDocker => return super::services_update::action(state, action),
        Action::Logs(kind) => return super::logs_update::action(state, kind),
    }
    Vec::new()
}

fn apply_mouse(state: &mut State, mouse: MouseEvent) -> Vec<Command> {
    match mouse.kind {
        MouseEventKind::Down(MouseButton::Left) if mouse.row == 0 => {
            match Tab::at_column(mouse.column) {
                Some(tab) => apply_action(state, Action::GoToTab(tab)),
                None => Vec::new(),
            }
        }
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp
            if super::logs_update::has_focus(state) =>
        {
            super::logs_update::wheel(state, mouse.kind == MouseEventKind::ScrollUp)
        }
        MouseEventKind::ScrollDown => apply_action(state, Action::Down),
        MouseEventKind::ScrollUp => apply_action(state, Action::Up),
        _ => Vec::new(),
    }
}
