//! The selection follows its row by id: a probe result that re-sorts the Services list keeps
//! the highlight on the same service, and a container removed under the cursor leaves it on
//! a neighbour.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use poc_tui::app::services::SortKey;
use poc_tui::app::{apply_action, update, Action, Event, State, Tab};
use poc_tui::config::{load_from_texts, EMBEDDED_DEFAULT};
use poc_tui::docker::model::CoderWorkspace;
use poc_tui::docker::{ContainerInfo, ContainerState, DockerEvent, DockerHealth};
use poc_tui::health::{Health, HealthReport, ProbeOutcome};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn report(service: &str, health: Health) -> Event {
    Event::Health(HealthReport {
        service: service.to_owned(),
        outcome: ProbeOutcome {
            health,
            reason: if health == Health::Up {
                "HTTP 200".into()
            } else {
                "connection refused".into()
            },
            latency: Some(Duration::from_millis(5)),
            detail: None,
            retry_soon: false,
        },
        checked_at: now(),
    })
}

fn new_state() -> State {
    let config = load_from_texts(EMBEDDED_DEFAULT, None).expect("config");
    let mut state = State::new(Arc::new(config), false);
    state.set_initial_size(120, 30);
    state
}

fn draw(state: &State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(120, 30)).expect("terminal");
    terminal
        .draw(|f| poc_tui::ui::render(f, state, now()))
        .expect("draw");
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
                .trim_end()
                .to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn selected_key(state: &State) -> String {
    state.selected_service().expect("a service row").key.clone()
}

#[test]
fn a_probe_result_that_re_sorts_the_list_keeps_the_highlight_on_its_service() {
    let mut state = new_state();
    state.list.sort = SortKey::State;
    let keys: Vec<String> = state.services.iter().map(|s| s.key.clone()).collect();
    for key in &keys {
        update(&mut state, report(key, Health::Up));
    }
    // Down to Mailpit, near the end of the list.
    let target = keys
        .iter()
        .position(|k| k == "mailpit")
        .expect("mailpit in the default config");
    for _ in 0..target {
        apply_action(&mut state, Action::Down);
    }
    update(&mut state, report("coder", Health::Up));
    assert_eq!(selected_key(&state), "mailpit");
    let before = draw(&state);

    // Mailpit goes down: sorted by state, it moves to the top, and the highlight with it.
    update(&mut state, report("mailpit", Health::Down));
    assert_eq!(
        selected_key(&state),
        "mailpit",
        "the highlight stayed on Mailpit"
    );
    assert_eq!(
        state.selected_row(Tab::Services),
        0,
        "Mailpit now sorts first"
    );
    let after = draw(&state);
    insta::assert_snapshot!("selection_before_resort", before);
    insta::assert_snapshot!("selection_after_resort", after);
}

fn workspace(name: &str) -> ContainerInfo {
    let id = format!("{name:0<64}");
    ContainerInfo {
        id: id.clone(),
        name: format!("coder-alice-{name}"),
        image: "codercom/enterprise-base:ubuntu".into(),
        state: ContainerState::Running,
        health: DockerHealth::None,
        created: "2026-12-07T10:00:00Z".into(),
        started_at: Some("2026-12-07T10:00:00Z".into()),
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
            owner_id: Some("u-alice".into()),
            workspace_id: Some(format!("w-{name}")),
            workspace_name: name.into(),
        }),
    }
}

#[test]
fn a_container_removed_under_the_cursor_moves_the_highlight_to_a_neighbour() {
    let mut state = new_state();
    let containers = vec![workspace("ws1"), workspace("ws2"), workspace("ws3")];
    update(
        &mut state,
        Event::Docker(DockerEvent::Snapshot(containers.clone())),
    );
    let ids = state.row_ids(Tab::Services);
    let second = format!("container:{}", containers[1].id);
    let at = ids.iter().position(|i| *i == second).expect("ws2 listed");
    apply_action(&mut state, Action::Top);
    for _ in 0..at {
        apply_action(&mut state, Action::Down);
    }
    assert_eq!(
        state.selected_container().map(|c| c.name.as_str()),
        Some("coder-alice-ws2")
    );
    update(
        &mut state,
        Event::Docker(DockerEvent::Removed {
            id: containers[1].id.clone(),
        }),
    );
    assert_eq!(
        state.selected_container().map(|c| c.name.as_str()),
        Some("coder-alice-ws3"),
        "the row that took its place is selected"
    );
    // And it stays on ws3 when ws1 goes too (the row moves up, the highlight with it).
    update(
        &mut state,
        Event::Docker(DockerEvent::Removed {
            id: containers[0].id.clone(),
        }),
    );
    assert_eq!(
        state.selected_container().map(|c| c.name.as_str()),
        Some("coder-alice-ws3")
    );
}
