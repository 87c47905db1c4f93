//! Compose actions in the console, rendered into a `TestBackend`: the drift badge and
//! details, confirmation dialogs (restart with drift says it will NOT apply the
//! changes), a running action with spinner and output, the history, and read-only.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use poc_tui::app::actions::ActionDialog;
use poc_tui::app::services::{visible_rows, RowRef};
use poc_tui::app::vocab::{KeyCode, KeyModifiers, KeyPress};
use poc_tui::app::{update, Effect, Event, State};
use poc_tui::compose::{
    ActionEvent, ActionKind, ActionRecord, ActionTarget, ComposeEvent, ComposeRequest, DriftChange,
    DriftReport, Outcome, ServiceDrift,
};
use poc_tui::config::{load_from_texts, EMBEDDED_DEFAULT};
use poc_tui::docker::model::{CoderWorkspace, ComposeLabels};
use poc_tui::docker::{ContainerInfo, ContainerState, DockerEvent, DockerHealth, EngineInfo};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

const NOW_SECS: u64 = 1_800_000_000;

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(NOW_SECS)
}

fn container(name: &str, service: Option<&str>) -> ContainerInfo {
    ContainerInfo {
        id: format!("{name:0<64}").replace(['-', '_'], "0"),
        name: name.into(),
        image: "example/image:1.0".into(),
        state: ContainerState::Running,
        health: DockerHealth::None,
        created: "2026-11-01T10:00:00Z".into(),
        started_at: Some(
            humantime::format_rfc3339_seconds(now() - Duration::from_secs(600)).to_string(),
        ),
        finished_at: None,
        exit_code: None,
        oom_killed: false,
        restart_count: 0,
        ports: vec![],
        networks: vec![],
        mounts: vec![],
        labels: BTreeMap::new(),
        env: vec![("GITEA_GREETING".into(), "hello".into())],
        compose: service.map(|s| ComposeLabels {
            project: "coder-poc".into(),
            service: s.into(),
            working_dir: Some("/srv/coder-poc".into()),
            config_files: vec!["/srv/coder-poc/docker-compose.yml".into()],
            config_hash: Some("aaa".into()),
        }),
        workspace: None,
    }
}

fn gitea_drift(gitea: &ContainerInfo) -> DriftReport {
    DriftReport {
        services: vec![ServiceDrift {
            project: "coder-poc".into(),
            service: "gitea".into(),
            container_id: gitea.id.clone(),
            container_name: gitea.name.clone(),
            running_hash: Some("aaa".into()),
            current_hash: Some("bbb".into()),
            drifted: true,
            changes: vec![
                DriftChange::Env {
                    key: "GITEA_GREETING".into(),
                    running: Some("hello".into()),
                    wanted: Some("bonjour".into()),
                },
                DriftChange::Env {
                    key: "GITEA__database__PASSWD".into(),
                    running: Some("********".into()),
                    wanted: Some("********".into()),
                },
            ],
        }],
        errors: vec![],
    }
}

/// A console with the engine up, gitea and mailpit as compose services, a workspace,
/// gitea drifted, and gitea selected.
fn console(read_only: bool, width: u16, height: u16) -> State {
    let config = load_from_texts(
        EMBEDDED_DEFAULT,
        Some(("test", "[stack]\ncompose_project = \"coder-poc\"\n")),
    )
    .unwrap();
    let mut state = State::new(Arc::new(config), read_only);
    state.set_initial_size(width, height);
    update(
        &mut state,
        Event::Docker(DockerEvent::Connected(EngineInfo {
            name: "Docker Engine".into(),
            version: "20.10.24".into(),
            api_version: "1.41".into(),
            os: "linux".into(),
            how_chosen: "default socket".into(),
            host: "unix:///var/run/docker.sock".into(),
        })),
    );
    let gitea = container("gitea", Some("gitea"));
    let mut alice = container("coder-alice-dev", None);
    alice.workspace = Some(CoderWorkspace {
        owner: "alice".into(),
        owner_id: None,
        workspace_id: Some("ws-1".into()),
        workspace_name: "dev".into(),
    });
    let containers = vec![gitea.clone(), container("mailpit", Some("mailpit")), alice];
    let commands = update(&mut state, Event::Docker(DockerEvent::Snapshot(containers)));
    // The compose worker is told about the compose containers (not the workspace).
    let told = commands.iter().find_map(|c| match c {
        Effect::Compose(work) => match work.as_ref() {
            ComposeRequest::Containers(list) => Some(list.len()),
            _ => None,
        },
        _ => None,
    });
    assert_eq!(told, Some(2));
    update(
        &mut state,
        Event::Compose(ComposeEvent::Drift(gitea_drift(&gitea))),
    );
    select(
        &mut state,
        |r, s| matches!(r, RowRef::Service(i) if s.services[*i].key == "gitea"),
    );
    state
}

fn select(state: &mut State, pick: impl Fn(&RowRef, &State) -> bool) {
    let rows = visible_rows(state);
    let at = rows.iter().position(|(_, r)| pick(r, state)).unwrap();
    state.select_index(poc_tui::app::Tab::Services, at);
}

fn press(state: &mut State, c: char) -> Vec<Effect> {
    let code = if c == '\n' {
        KeyCode::Enter
    } else if c == '\u{1b}' {
        KeyCode::Esc
    } else {
        KeyCode::Char(c)
    };
    update(state, Event::Key(KeyPress::new(code, KeyModifiers::NONE)))
}

fn run_request(commands: &[Effect]) -> Option<(ActionKind, String)> {
    commands.iter().find_map(|c| match c {
        Effect::Compose(work) => match work.as_ref() {
            ComposeRequest::Run(req) => Some((
                req.kind,
                match &req.target {
                    ActionTarget::Service { service, .. } => service.clone(),
                    ActionTarget::Container { name } => name.clone(),
                },
            )),
            _ => None,
        },
        _ => None,
    })
}

/// Whether the commands start anything (an action or a shell).
fn acts(commands: &[Effect]) -> bool {
    commands
        .iter()
        .any(|c| matches!(c, Effect::Shell(_)) || run_request(std::slice::from_ref(c)).is_some())
}

fn screen(state: &State, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| poc_tui::ui::render(f, state, now()))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let mut text = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            text.push_str(buffer[(x, y)].symbol());
        }
        text.push('\n');
    }
    text
}

#[test]
fn drift_badge_and_details_in_the_detail_pane() {
    let state = console(false, 120, 40);
    let text = screen(&state, 120, 40);
    assert!(text.contains("config changed: press u to apply"), "{text}");
    assert!(
        text.contains("env GITEA_GREETING: hello -> bonjour"),
        "{text}"
    );
    assert!(text.contains("env GITEA__database__PASSWD: ******** -> ********"));
    assert!(text.contains("⚠ Gitea"), "{text}");
    insta::assert_snapshot!("drift_badge", text);
}

#[test]
fn restart_with_drift_says_it_will_not_apply_and_offers_apply() {
    let mut state = console(false, 120, 40);
    assert!(
        !acts(&press(&mut state, 'r')),
        "nothing runs before the answer"
    );
    let text = screen(&state, 120, 40);
    assert!(text.contains("Restart will NOT apply them"), "{text}");
    assert!(
        text.contains("u: apply the changes instead (up -d)"),
        "{text}"
    );
    insta::assert_snapshot!("restart_with_drift_dialog", text);
    // `u` in the dialog runs apply, not restart.
    let commands = press(&mut state, 'u');
    assert_eq!(
        run_request(&commands),
        Some((ActionKind::Apply, "gitea".into()))
    );
    assert!(state.actions.dialog.is_none());
}

#[test]
fn restart_anyway_and_restart_without_drift() {
    let mut state = console(false, 120, 40);
    press(&mut state, 'r');
    let commands = press(&mut state, '\n');
    assert_eq!(
        run_request(&commands),
        Some((ActionKind::Restart, "gitea".into()))
    );

    // mailpit has no drift: restart runs at once, no question.
    let mut state = console(false, 120, 40);
    select(
        &mut state,
        |r, s| matches!(r, RowRef::Service(i) if s.services[*i].key == "mailpit"),
    );
    let commands = press(&mut state, 'r');
    assert_eq!(
        run_request(&commands),
        Some((ActionKind::Restart, "mailpit".into()))
    );
}

#[test]
fn force_recreate_and_stop_ask_first_and_escape_cancels() {
    let mut state = console(false, 120, 40);
    assert!(!acts(&press(&mut state, 'R')));
    let text = screen(&state, 120, 40);
    assert!(
        text.contains("Force recreate gitea (project coder-poc)?"),
        "{text}"
    );
    assert!(text.contains("volumes are kept"), "{text}");
    insta::assert_snapshot!("force_recreate_dialog", text);
    assert!(!acts(&press(&mut state, '\u{1b}')));
    assert!(state.actions.dialog.is_none());
    assert_eq!(state.status.as_deref(), Some("cancelled: nothing was run"));

    assert!(!acts(&press(&mut state, 's')));
    assert!(matches!(
        state.actions.dialog,
        Some(ActionDialog::Confirm { .. })
    ));
    let commands = press(&mut state, 'y');
    assert_eq!(
        run_request(&commands),
        Some((ActionKind::Stop, "gitea".into()))
    );
}

#[test]
fn workspace_containers_restart_through_docker_but_cannot_be_applied() {
    let mut state = console(false, 120, 40);
    select(&mut state, |r, _| matches!(r, RowRef::Workspace(_)));
    let commands = press(&mut state, 'r');
    assert_eq!(
        run_request(&commands),
        Some((ActionKind::Restart, "coder-alice-dev".into()))
    );
    let mut state = console(false, 120, 40);
    select(&mut state, |r, _| matches!(r, RowRef::Workspace(_)));
    assert!(!acts(&press(&mut state, 'u')));
    let text = screen(&state, 120, 40);
    assert!(text.contains("needs a compose service"), "{text}");
}

fn record(id: u64, outcome: Outcome, exit: i32) -> ActionRecord {
    ActionRecord {
        id,
        key: "coder-poc/gitea".into(),
        subject: "gitea (project coder-poc)".into(),
        kind: ActionKind::Apply,
        command: "docker-compose -p coder-poc -f /srv/coder-poc/docker-compose.yml --project-directory /srv/coder-poc up -d gitea".into(),
        started: now() - Duration::from_secs(30),
        elapsed_ms: 4200,
        exit_code: Some(exit),
        outcome,
        error: None,
        old_container: Some("aaaaaaaaaaaa1111".into()),
        new_container: Some(if outcome == Outcome::Recreated { "bbbbbbbbbbbb2222" } else { "aaaaaaaaaaaa1111" }.into()),
        output_tail: vec!["Recreating gitea ... done".into()],
        stopped: None,
    }
}

#[test]
fn running_action_shows_spinner_elapsed_command_and_output_then_history() {
    let mut state = console(false, 120, 40);
    let commands = press(&mut state, 'u');
    assert_eq!(
        run_request(&commands),
        Some((ActionKind::Apply, "gitea".into()))
    );
    // A second press while it is pending does not ask twice.
    assert!(run_request(&press(&mut state, 'u')).is_none());
    let command = "docker-compose -p coder-poc -f /srv/coder-poc/docker-compose.yml --project-directory /srv/coder-poc up -d gitea";
    update(
        &mut state,
        Event::Compose(ComposeEvent::Action(ActionEvent::Started {
            id: 1,
            key: "coder-poc/gitea".into(),
            subject: "gitea (project coder-poc)".into(),
            kind: ActionKind::Apply,
            command: command.into(),
            started: now() - Duration::from_secs(7),
        })),
    );
    update(
        &mut state,
        Event::Compose(ComposeEvent::Action(ActionEvent::Output {
            id: 1,
            lines: vec![
                "Recreating gitea ... ".into(),
                "Recreating gitea ... done".into(),
            ],
        })),
    );
    assert!(state.actions.is_running());
    update(&mut state, Event::SpinnerTick);
    update(&mut state, Event::SpinnerTick);
    let text = screen(&state, 120, 40);
    assert!(
        text.contains("⠹ apply (up -d) gitea (project coder-poc) · 7s"),
        "{text}"
    );
    assert!(text.contains(&format!("$ {command}")), "{text}");
    assert!(text.contains("Recreating gitea ... done"), "{text}");
    insta::assert_snapshot!("running_action", text);

    // Finished: the result in the panel, then in the history.
    update(
        &mut state,
        Event::Compose(ComposeEvent::Action(ActionEvent::Finished(Box::new(
            record(1, Outcome::Recreated, 0),
        )))),
    );
    assert!(!state.actions.is_running());
    // Nothing runs: the spinner no longer asks for redraws.
    state.dirty = false;
    update(&mut state, Event::SpinnerTick);
    assert!(!state.dirty);
    let text = screen(&state, 120, 40);
    assert!(
        text.contains("recreated: container aaaaaaaaaaaa replaced by bbbbbbbbbbbb"),
        "{text}"
    );

    update(
        &mut state,
        Event::Compose(ComposeEvent::Action(ActionEvent::Finished(Box::new(
            record(2, Outcome::Failed, 1),
        )))),
    );
    press(&mut state, 'H');
    assert!(state.actions.show_history);
    let text = screen(&state, 120, 40);
    assert!(text.contains("Action history"), "{text}");
    assert!(text.contains("failed with exit code 1"), "{text}");
    insta::assert_snapshot!("history", text);
    press(&mut state, '\u{1b}');
    assert!(!state.actions.show_history);
}

#[test]
fn read_only_refuses_every_action_and_says_so() {
    let mut state = console(true, 120, 40);
    for key in ['u', 'R', 'r', 's', 'e'] {
        let commands = press(&mut state, key);
        assert!(!acts(&commands), "{key}: {commands:?}");
        assert!(
            matches!(&state.actions.dialog, Some(ActionDialog::Notice { title, .. }) if title == "Read-only mode"),
            "{key}"
        );
        if key == 'e' {
            let text = screen(&state, 120, 40);
            assert!(
                text.contains("poc-tui was started with --read-only"),
                "{text}"
            );
            insta::assert_snapshot!("read_only_refusal", text);
        }
        press(&mut state, '\u{1b}');
        assert!(state.actions.dialog.is_none());
    }
}

#[test]
fn shell_is_exec_it_sh_on_the_selected_container() {
    let mut state = console(false, 120, 40);
    let commands = press(&mut state, 'e');
    let shell = commands
        .iter()
        .find_map(|c| match c {
            Effect::Shell(cmd) => Some(cmd.display()),
            _ => None,
        })
        .unwrap();
    assert_eq!(shell, "docker exec -it gitea sh");
}

/// `u` on gitea, and the worker says the action started.
fn start_apply(state: &mut State) {
    press(state, 'u');
    update(
        state,
        Event::Compose(ComposeEvent::Action(ActionEvent::Started {
            id: 1,
            key: "coder-poc/gitea".into(),
            subject: "gitea (project coder-poc)".into(),
            kind: ActionKind::Apply,
            command: "docker-compose … up -d gitea".into(),
            started: now() - Duration::from_secs(3),
        })),
    );
    assert!(state.actions.is_running());
}

fn cancels(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Compose(work) => match work.as_ref() {
                ComposeRequest::Cancel(key) => Some(key.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn cancelled_record() -> ActionRecord {
    ActionRecord {
        stopped: Some(poc_tui::compose::StopNote {
            reason: poc_tui::compose::StopReason::Cancelled,
            signals: vec!["SIGTERM"],
            left_running: false,
            deadline_secs: 600,
        }),
        ..record(1, Outcome::Failed, 143)
    }
}

#[test]
fn quit_while_an_action_runs_asks_first_and_stop_cancels_it_then_quits() {
    let mut state = console(false, 120, 40);
    start_apply(&mut state);
    press(&mut state, '\u{1b}'); // the output panel closes; the action goes on
    let effects = press(&mut state, 'q');
    assert!(!effects.contains(&Effect::Quit), "{effects:?}");
    assert!(!state.quit);
    let text = screen(&state, 120, 40);
    assert!(text.contains("Quit while an action runs?"), "{text}");
    assert!(text.contains("running: apply (up -d) — gitea"), "{text}");
    // Esc stays.
    press(&mut state, '\u{1b}');
    assert!(state.actions.dialog.is_none() && !state.quit);
    // Asked from another tab, the question comes up on the Services tab.
    press(&mut state, '3');
    press(&mut state, 'q');
    assert!(screen(&state, 120, 40).contains("Quit while an action runs?"));
    press(&mut state, '\u{1b}');
    // Ctrl-C asks too; `s` stops the action and quits once it has ended.
    let ctrl_c = update(
        &mut state,
        Event::Key(KeyPress::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert!(!ctrl_c.contains(&Effect::Quit), "{ctrl_c:?}");
    let effects = press(&mut state, 's');
    assert_eq!(cancels(&effects), vec!["coder-poc/gitea".to_owned()]);
    assert!(!state.quit, "quits only when the action has ended");
    let effects = update(
        &mut state,
        Event::Compose(ComposeEvent::Action(ActionEvent::Finished(Box::new(
            cancelled_record(),
        )))),
    );
    assert!(effects.contains(&Effect::Quit), "{effects:?}");
    let last = state.actions.history.iter().next().expect("in the history");
    assert!(last.summary().contains("cancelled"), "{}", last.summary());
}

#[test]
fn wait_in_the_quit_dialog_quits_when_the_action_ends() {
    let mut state = console(false, 120, 40);
    start_apply(&mut state);
    press(&mut state, '\u{1b}');
    press(&mut state, 'q');
    let effects = press(&mut state, 'w');
    assert!(cancels(&effects).is_empty());
    assert!(!state.quit);
    let effects = update(
        &mut state,
        Event::Compose(ComposeEvent::Action(ActionEvent::Finished(Box::new(
            record(1, Outcome::Recreated, 0),
        )))),
    );
    assert!(effects.contains(&Effect::Quit), "{effects:?}");
}

#[test]
fn x_in_the_output_panel_stops_the_running_action_without_quitting() {
    let mut state = console(false, 120, 40);
    start_apply(&mut state);
    assert!(state.actions.show_output);
    let text = screen(&state, 120, 40);
    assert!(text.contains("x stops it"), "{text}");
    let effects = press(&mut state, 'x');
    assert_eq!(cancels(&effects), vec!["coder-poc/gitea".to_owned()]);
    let effects = update(
        &mut state,
        Event::Compose(ComposeEvent::Action(ActionEvent::Finished(Box::new(
            cancelled_record(),
        )))),
    );
    assert!(!effects.contains(&Effect::Quit));
    assert!(!state.quit);
    // Nothing runs any more: q quits at once.
    press(&mut state, '\u{1b}');
    assert!(press(&mut state, 'q').contains(&Effect::Quit));
}

#[test]
fn a_shows_the_other_containers_and_the_choice_is_saved_for_the_next_run() {
    let mut state = console(false, 120, 40);
    assert!(!state.list.show_other);
    let effects = press(&mut state, 'a');
    assert!(state.list.show_other);
    let saved = effects.iter().any(|e| {
        matches!(e, Effect::Logs(poc_tui::logs::worker::LogRequest::SaveSettings(s)) if s.show_other_containers)
    });
    assert!(saved, "{effects:?}");
}

#[test]
fn quit_during_a_workspace_rebuild_asks_and_wait_quits_when_it_ends() {
    use poc_tui::workspaces::worker::WorkspacesEvent;
    let mut state = console(false, 120, 40);
    state
        .workspaces
        .building
        .insert("w-1".into(), "stop build running".into());
    let effects = press(&mut state, 'q');
    assert!(!effects.contains(&Effect::Quit), "{effects:?}");
    let text = screen(&state, 120, 40);
    assert!(text.contains("a workspace rebuild"), "{text}");
    press(&mut state, 'w');
    assert!(!state.quit);
    let effects = update(
        &mut state,
        Event::Workspaces(WorkspacesEvent::Rebuilt {
            workspace_id: "w-1".into(),
            outcome: Ok("alice/dev rebuilt".into()),
        }),
    );
    assert!(effects.contains(&Effect::Quit), "{effects:?}");
}
