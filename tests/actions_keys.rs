//! The pause keys without an engine: what `s` and `z` ask for by the container's state, and
//! `--read-only` refusing `z` like every other action key.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use poc_tui::app::actions::ActionDialog;
use poc_tui::app::services::visible_rows;
use poc_tui::app::vocab::{KeyCode, KeyModifiers, KeyPress};
use poc_tui::app::{update, Effect, Event, State};
use poc_tui::compose::{ActionKind, ComposeRequest};
use poc_tui::config::{load_from_texts, EMBEDDED_DEFAULT};
use poc_tui::docker::model::CoderWorkspace;
use poc_tui::docker::{ContainerInfo, ContainerState, DockerEvent, DockerHealth, EngineInfo};

fn workspace(state: ContainerState) -> ContainerInfo {
    ContainerInfo {
        id: "a".repeat(64),
        name: "coder-alice-dev".into(),
        image: "example/image:1.0".into(),
        state,
        health: DockerHealth::None,
        created: "2026-11-01T10:00:00Z".into(),
        started_at: None,
        finished_at: None,
        exit_code: None,
        oom_killed: false,
        restart_count: 0,
        ports: vec![],
        networks: vec![],
        mounts: vec![],
        labels: BTreeMap::new(),
        env: vec![],
        compose: None,
        workspace: Some(CoderWorkspace {
            owner: "alice".into(),
            owner_id: None,
            workspace_id: None,
            workspace_name: "dev".into(),
        }),
    }
}

fn console(read_only: bool, state_of: ContainerState) -> State {
    let config = load_from_texts(EMBEDDED_DEFAULT, None).unwrap();
    let mut state = State::new(Arc::new(config), read_only);
    state.set_initial_size(120, 40);
    update(
        &mut state,
        Event::Docker(DockerEvent::Connected(EngineInfo {
            name: "Docker Engine".into(),
            version: "test".into(),
            api_version: "1.41".into(),
            os: "linux".into(),
            how_chosen: "default socket".into(),
            host: "unix:///var/run/docker.sock".into(),
        })),
    );
    update(
        &mut state,
        Event::Docker(DockerEvent::Snapshot(vec![workspace(state_of)])),
    );
    let rows = visible_rows(&state).len();
    let at = (0..rows).find(|&at| {
        state.select_index(poc_tui::app::Tab::Services, at);
        state.selected_container().is_some()
    });
    assert!(at.is_some(), "the workspace has a row");
    state
}

fn press(state: &mut State, c: char) -> Vec<Effect> {
    let code = match c {
        '\n' => KeyCode::Enter,
        other => KeyCode::Char(other),
    };
    update(state, Event::Key(KeyPress::new(code, KeyModifiers::NONE)))
}

fn asked(effects: &[Effect]) -> Option<ActionKind> {
    effects.iter().find_map(|e| match e {
        Effect::Compose(work) => match work.as_ref() {
            ComposeRequest::Run(request) => Some(request.kind),
            _ => None,
        },
        _ => None,
    })
}

#[test]
fn s_and_z_ask_for_what_the_state_needs() {
    use ContainerState::{Exited, Paused, Running};
    // `s`: stop asks first; a paused container is unpaused, an exited one started.
    let mut state = console(false, Running);
    assert_eq!(asked(&press(&mut state, 's')), None);
    assert_eq!(asked(&press(&mut state, '\n')), Some(ActionKind::Stop));
    let mut state = console(false, Paused);
    assert_eq!(asked(&press(&mut state, 's')), Some(ActionKind::Unpause));
    let mut state = console(false, Exited);
    assert_eq!(asked(&press(&mut state, 's')), Some(ActionKind::Start));

    // `z`: pause asks first, unpause does not; an exited container cannot be paused.
    let mut state = console(false, Running);
    assert_eq!(asked(&press(&mut state, 'z')), None);
    assert!(
        matches!(&state.actions.dialog, Some(ActionDialog::Confirm { title, .. }) if title.starts_with("Pause ")),
        "{:?}",
        state.actions.dialog
    );
    assert_eq!(asked(&press(&mut state, 'n')), None, "n cancels");
    assert!(state.actions.dialog.is_none());
    assert_eq!(asked(&press(&mut state, 'z')), None);
    assert_eq!(asked(&press(&mut state, 'y')), Some(ActionKind::Pause));
    let mut state = console(false, Paused);
    assert_eq!(asked(&press(&mut state, 'z')), Some(ActionKind::Unpause));
    let mut state = console(false, Exited);
    assert_eq!(asked(&press(&mut state, 'z')), None);
    assert!(
        matches!(&state.actions.dialog, Some(ActionDialog::Notice { lines, .. }) if lines[0].contains("only a running container can be paused")),
        "{:?}",
        state.actions.dialog
    );
}

#[test]
fn read_only_refuses_z_like_every_action_key() {
    for container_state in [ContainerState::Running, ContainerState::Paused] {
        let mut state = console(true, container_state);
        for key in ['z', 's'] {
            let effects = press(&mut state, key);
            assert_eq!(asked(&effects), None, "{key} ran under --read-only");
            assert!(
                matches!(&state.actions.dialog, Some(ActionDialog::Notice { title, .. }) if title == "Read-only mode"),
                "{key}: {:?}",
                state.actions.dialog
            );
            press(&mut state, '\n');
        }
    }
}
