//! `update`: the only place state changes. Pure: no I/O, testable without a terminal.

use super::state::State;
use super::vocab::{
    Action, Effect, Event, KeyPress, LogAction, Mode, Mouse, MouseKind, Pane, Refusal, Tab, Worker,
};
use super::{actions, diagnose, keymap, logs, screens, services, timeline, users};

/// Applies one event; returns the work the loop must start.
pub fn update(state: &mut State, event: Event) -> Vec<Effect> {
    let before = state.status.clone();
    let tab_before = state.tab;
    let logs_before = state.logs.is_open();
    // Judged against the state before the event: a probe transition needs the old health.
    let recorded = timeline::observe::entries_for(state, &event);
    let mut effects = apply_event(state, event);
    timeline::observe::note_effects(state, &effects);
    if !recorded.is_empty() {
        effects.push(Effect::Record(recorded));
    }
    if state.tab != tab_before {
        if let Some(screen) = screens::find(state.tab) {
            effects.extend((screen.on_show)(state));
        }
    }
    // A log view just opened takes the keys, whatever pane had them before.
    if state.logs.is_open() && !logs_before {
        state.focus.remove(&Tab::Services);
    }
    state.reconcile_selection(state.tab);
    effects.extend(services::update::focus_command(state));
    effects.extend(services::update::visible_command(state));
    effects.extend(diagnose::update::on_tab(state));
    state.remember_status(before.as_deref());
    effects
}

/// The history entry of a finished identity action (`H` lists them with compose actions).
fn identity_record(
    event: &crate::identity::worker::IdentityEvent,
) -> Option<actions::panel::IdentityRecord> {
    use crate::identity::worker::IdentityEvent;
    match event {
        IdentityEvent::CreateFinished(report) => {
            let u = &report.user;
            let (ok, outcome) = match report.failed() {
                Some(step) => (false, format!("stopped at {}", step.kind.label())),
                None if report.is_complete() => (true, "every step done or not needed".to_owned()),
                None => (false, "unfinished".to_owned()),
            };
            Some(actions::panel::IdentityRecord {
                what: format!("create {} as {}", u.username, u.role),
                ok,
                outcome,
            })
        }
        IdentityEvent::FixDone(result) => Some(actions::panel::IdentityRecord {
            what: "fix".to_owned(),
            ok: result.is_ok(),
            outcome: match result {
                Ok(m) | Err(m) => m.clone(),
            },
        }),
        _ => None,
    }
}

fn apply_event(state: &mut State, event: Event) -> Vec<Effect> {
    match event {
        Event::Key(key) => {
            // Input always redraws: whatever it changed is on screen next.
            state.dirty = true;
            apply_key(state, key)
        }
        Event::Mouse(mouse) => {
            state.dirty = true;
            apply_mouse(state, mouse)
        }
        Event::Resize(w, h) => {
            state.size = (w, h);
            state.dirty = true;
            Vec::new()
        }
        Event::Health(report) => {
            if state.apply_health(report) {
                state.dirty = true;
            }
            Vec::new()
        }
        Event::Identity(event) => {
            // A "reading…" message ends with the reading.
            let loaded = matches!(event, crate::identity::worker::IdentityEvent::Loaded { .. });
            if loaded && state.status.as_deref() == Some(crate::app::users::update::READING) {
                state.status = None;
            }
            if let Some(record) = identity_record(&event) {
                state.actions.record_identity(record);
            }
            if let Some(msg) = state.users.apply_event(event) {
                state.status = Some(msg);
            }
            state.dirty = true;
            // Quit was chosen to wait for this creation (and nothing else runs).
            if state.actions.quit_when_idle && state.nothing_runs() {
                state.quit = true;
                return vec![Effect::Quit];
            }
            Vec::new()
        }
        Event::Docker(event) => {
            let mut effects = services::update::docker_event(state, event);
            effects.extend(actions::update::containers_changed(state));
            effects
        }
        Event::Compose(event) => actions::update::compose_event(state, event),
        Event::SpinnerTick => {
            actions::update::spin(state);
            Vec::new()
        }
        Event::Logs(news) => logs::update::news(state, news),
        Event::Diagnose(event) => diagnose::update::event(state, event),
        Event::Workspaces(event) => {
            let mut effects = services::rebuild::event(state, event);
            // Quit was chosen to wait for this rebuild (and nothing else runs).
            if state.actions.quit_when_idle && state.nothing_runs() {
                state.quit = true;
                effects.push(Effect::Quit);
            }
            effects
        }
        Event::Refused(refusal) => {
            refused(state, refusal);
            Vec::new()
        }
        Event::Timeline(news) => timeline::update::event(state, news),
        Event::BundleWritten(outcome) => {
            timeline::update::bundle_written(state, outcome);
            Vec::new()
        }
        Event::ShellClosed { command, outcome } => {
            state.status = Some(match outcome {
                Ok(status) => format!("shell closed ({status}): {command}"),
                Err(err) => format!("could not run {command}: {err}"),
            });
            state.dirty = true;
            Vec::new()
        }
        Event::ClipboardFailed(why) => {
            state.status = Some(format!("copy failed: {why}"));
            state.dirty = true;
            Vec::new()
        }
        Event::Shutdown => {
            state.quit = true;
            vec![Effect::Quit]
        }
        Event::WorkerStopped { worker, why } => {
            if !state.stopped_workers.contains(&worker) {
                state.stopped_workers.push(worker);
            }
            state.status = Some(format!(
                "⚠ the {} worker stopped ({why}): what it shows is no longer updated; restart poc-tui",
                worker.name()
            ));
            state.dirty = true;
            Vec::new()
        }
    }
}

/// A key goes to whoever has the keys in the current mode; Ctrl-C quits from every mode.
fn apply_key(state: &mut State, key: KeyPress) -> Vec<Effect> {
    if key.is_interrupt() {
        // A second Ctrl-C in the quit dialog leaves at once (running actions then get the
        // shutdown grace, never SIGKILL).
        let asked = matches!(
            state.actions.dialog,
            Some(actions::ActionDialog::QuitWhileRunning { .. })
        );
        if !asked {
            if let Some(effects) = actions::update::ask_before_quit(state) {
                return effects;
            }
        }
        state.quit = true;
        return vec![Effect::Quit];
    }
    // Help is handled once, for every mode without a text field: over a dialog it explains
    // the dialog's keys (a prompt or form types the `?`).
    let help_key = matches!(key.code, crate::app::vocab::KeyCode::Char('?'));
    let types_text = matches!(
        state.mode(),
        Mode::LogPrompt | Mode::Filter | Mode::UserDialog
    ) || state.timeline.editing_filter;
    if help_key && !types_text {
        return apply_action(state, Action::ToggleHelp);
    }
    if let Some(screen) = screens::find(state.tab) {
        if state.mode() == Mode::Normal {
            if let Some(effects) = (screen.modal_key)(state, &key) {
                return effects;
            }
        }
    }
    if state.workspaces.confirm.is_some() && state.mode() == Mode::Normal {
        return services::rebuild::confirm_key(state, key);
    }
    match state.mode() {
        Mode::ActionDialog => return actions::update::modal_key(state, key),
        Mode::LogPrompt => return logs::update::prompt_key(state, key),
        Mode::LogView => {
            if let Some(action) = keymap::log_action_for(&key) {
                return logs::update::action(state, action);
            }
        }
        Mode::Filter => return services::update::filter_key(state, key),
        Mode::UserDialog => return users::update::dialog_key(state, key),
        Mode::Help | Mode::Normal => {}
    }
    match keymap::action_for(&key, state.tab) {
        Some(action) => apply_action(state, action),
        None => Vec::new(),
    }
}

/// A worker did not take a request: say so, and stop waiting for it.
fn refused(state: &mut State, refusal: Refusal) {
    state.dirty = true;
    match refusal.worker {
        Worker::Compose => {
            state.actions.requested.clear();
            state.status = Some(if refusal.closed {
                "compose actions are not available in this session".into()
            } else {
                "the compose worker is busy; try again".into()
            });
        }
        Worker::Identity => state.status = Some("the Users worker is busy; try again".into()),
        Worker::Diagnose => diagnose::update::request_failed(state),
        // A full queue already holds a read; a closed one leaves the rows on Docker's view.
        Worker::Workspaces => services::rebuild::refused(state),
        Worker::Logs => {
            state.status = Some(if refusal.closed {
                "the log worker is not running".into()
            } else {
                "the log worker is busy; try again".into()
            });
        }
        Worker::Timeline => {
            state.timeline.bundling = false;
            state.status = Some("the timeline recorder is not running".into());
        }
        Worker::Probes | Worker::Docker => {
            state.status = Some(format!(
                "the {} worker is not running",
                refusal.worker.name()
            ));
        }
    }
}

/// Applies an action; public so tests and the mouse path share it.
pub fn apply_action(state: &mut State, action: Action) -> Vec<Effect> {
    // The help overlay is modal: only closing it, quitting and tab switches pass through.
    if (state.show_help || state.show_messages)
        && !matches!(
            action,
            Action::ToggleHelp
                | Action::ToggleMessages
                | Action::Back
                | Action::Quit
                | Action::GoToTab(_)
        )
    {
        return Vec::new();
    }
    state.dirty = true;
    let tab = state.tab;
    let page = usize::from(state.size.1.saturating_sub(8)).max(1);
    if let Some(step) = movement(action, page) {
        move_selection(state, step);
        return Vec::new();
    }
    match action {
        Action::Quit => {
            // q in an overlay closes the overlay.
            if state.show_help || state.show_messages {
                return back(state);
            }
            if let Some(effects) = actions::update::ask_before_quit(state) {
                return effects;
            }
            state.quit = true;
            return vec![Effect::Quit];
        }
        Action::ToggleHelp => {
            state.show_help = !state.show_help;
            state.show_messages = false;
        }
        Action::ToggleMessages => {
            state.show_messages = !state.show_messages;
            state.show_help = false;
        }
        Action::Back => return back(state),
        Action::NextTab => state.tab = screens::step(tab, true),
        Action::PrevTab => state.tab = screens::step(tab, false),
        Action::GoToTab(t) => go_to(state, t),
        Action::GoToTabNumber(n) => {
            if let Some(screen) = screens::nth(usize::from(n)) {
                go_to(state, screen.tab);
            }
        }
        Action::FocusNext => state.cycle_focus(true),
        Action::FocusPrev => state.cycle_focus(false),
        Action::Screen(command) => {
            if let Some(screen) = screens::find(tab) {
                return (screen.act)(state, command);
            }
        }
        // Dialog keys are read by the dialog's own handler, never through the keymap.
        Action::Dialog(_)
        | Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::Top
        | Action::Bottom => {}
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
            return vec![Effect::ProbeNow(Some(key))];
        }
        Action::ProbeAll => {
            state.status = Some("probing every service…".to_owned());
            return vec![Effect::ProbeNow(None)];
        }
        Action::ServiceAction(key) => return actions::update::key_action(state, key),
        Action::RebuildWorkspace => return services::rebuild::ask(state),
        Action::UsersRefresh | Action::UsersNew | Action::UsersFix => {
            return users::update::action(state, action);
        }
        Action::DiagnoseRefresh => return diagnose::update::refresh(state),
        Action::Filter
        | Action::SortNext
        | Action::SortReverse
        | Action::RevealEnv
        | Action::ResyncDocker
        | Action::ToggleOtherContainers => return services::update::action(state, action),
        Action::Logs(kind) => return logs::update::action(state, kind),
    }
    Vec::new()
}

/// A move of the selection, or of the detail pane's scroll when the detail has the keys.
#[derive(Debug, Clone, Copy)]
enum Step {
    By(isize),
    First,
    Last,
}

fn movement(action: Action, page: usize) -> Option<Step> {
    let page = isize::try_from(page).unwrap_or(isize::MAX);
    Some(match action {
        Action::Up => Step::By(-1),
        Action::Down => Step::By(1),
        Action::PageUp => Step::By(-page),
        Action::PageDown => Step::By(page),
        Action::Top => Step::First,
        Action::Bottom => Step::Last,
        _ => return None,
    })
}

fn move_selection(state: &mut State, step: Step) {
    let tab = state.tab;
    if state.focused_pane() == Pane::Detail {
        state.detail_scroll = match step {
            Step::By(n) => state.detail_scroll.saturating_add_signed(clamp_i16(n)),
            Step::First => 0,
            // The drawer stops at the last line.
            Step::Last => u16::MAX,
        };
        return;
    }
    let ids = state.row_ids(tab);
    let here = state.selected_row(tab);
    let to = match step {
        Step::By(n) => here.saturating_add_signed(n),
        Step::First => 0,
        Step::Last => ids.len().saturating_sub(1),
    };
    state.select_in(tab, &ids, to);
    state.detail_scroll = 0;
}

fn clamp_i16(n: isize) -> i16 {
    i16::try_from(n).unwrap_or(if n < 0 { i16::MIN } else { i16::MAX })
}

fn go_to(state: &mut State, tab: Tab) {
    state.tab = tab;
    state.show_help = false;
    state.show_messages = false;
    state.detail_scroll = 0;
}

/// Esc: one level back — the overlay, then the detail pane's focus, then the log view, then
/// the list's filter.
fn back(state: &mut State) -> Vec<Effect> {
    if state.show_help || state.show_messages {
        state.show_help = false;
        state.show_messages = false;
    } else if state.focused_pane() == Pane::Detail {
        state.focus.insert(state.tab, Pane::List);
        state.detail_scroll = 0;
    } else if logs::update::has_focus(state) {
        return logs::update::action(state, LogAction::Back);
    } else if state.tab == Tab::Services && !state.list.filter.is_empty() {
        state.list.filter.clear();
    }
    Vec::new()
}

fn apply_mouse(state: &mut State, mouse: Mouse) -> Vec<Effect> {
    match mouse.kind {
        MouseKind::Click if mouse.row == 0 => match screens::at_column(mouse.column) {
            Some(tab) => apply_action(state, Action::GoToTab(tab)),
            None => Vec::new(),
        },
        MouseKind::ScrollDown | MouseKind::ScrollUp if logs::update::has_focus(state) => {
            logs::update::wheel(state, mouse.kind == MouseKind::ScrollUp)
        }
        MouseKind::ScrollDown => apply_action(state, Action::Down),
        MouseKind::ScrollUp => apply_action(state, Action::Up),
        MouseKind::Click => Vec::new(),
    }
}
