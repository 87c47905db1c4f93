//! The Services tab with live containers from the engine, rendered into a `TestBackend`:
//! every container state, workspaces, project containers, and the engine unreachable.

#[path = "common/screen.rs"]
mod screen_helper;
use screen_helper::screen_text as screen;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use poc_tui::app::{apply_action, update, Action, Event, State};
use poc_tui::config::{load_from_texts, EMBEDDED_DEFAULT};
use poc_tui::docker::model::{CoderWorkspace, ComposeLabels, NetworkAttachment, PortMapping};
use poc_tui::docker::{
    ContainerInfo, ContainerState, ContainerStats, DockerEvent, DockerHealth, EngineDown,
    EngineInfo,
};
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;

const NOW_SECS: u64 = 1_800_000_000;

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(NOW_SECS)
}

fn started(ago_secs: u64) -> String {
    humantime::format_rfc3339_seconds(now() - Duration::from_secs(ago_secs)).to_string()
}

fn container(
    name: &str,
    service: Option<&str>,
    state: ContainerState,
    health: DockerHealth,
) -> ContainerInfo {
    let compose = service.map(|s| ComposeLabels {
        project: "coder-poc".into(),
        service: s.into(),
        working_dir: Some("/srv/coder-poc".into()),
        config_files: vec!["/srv/coder-poc/docker-compose.yml".into()],
        config_hash: Some("abc".into()),
    });
    ContainerInfo {
        id: format!("{name:0<64}").replace(['-', '_'], "0"),
        name: name.into(),
        image: format!("example/{name}:1.0"),
        state,
        health,
        created: "2026-11-01T10:00:00Z".into(),
        started_at: Some(started(3 * 3600 + 120)),
        finished_at: None,
        exit_code: (state == ContainerState::Exited).then_some(137),
        restart_count: u64::from(state == ContainerState::Restarting) * 4,
        ports: vec![],
        networks: vec![NetworkAttachment {
            name: "coder-network".into(),
            ip: "172.20.0.5".into(),
            aliases: vec![name.into()],
        }],
        mounts: vec![],
        labels: BTreeMap::new(),
        env: vec![
            (
                "CODER_ACCESS_URL".into(),
                "http://host.docker.internal:7080".into(),
            ),
            ("POSTGRES_PASSWORD".into(), "hunter2-secret".into()),
        ],
        compose,
        workspace: None,
    }
}

fn engine() -> EngineInfo {
    EngineInfo {
        name: "Docker Engine".into(),
        version: "20.10.24".into(),
        api_version: "1.41".into(),
        os: "linux".into(),
        how_chosen: "default socket".into(),
        host: "unix:///var/run/docker.sock".into(),
    }
}

fn stack() -> Vec<ContainerInfo> {
    let mut coder = container(
        "coder-server",
        Some("coder"),
        ContainerState::Running,
        DockerHealth::Healthy,
    );
    coder.ports = vec![PortMapping {
        host_ip: "0.0.0.0".into(),
        host_port: 7080,
        container_port: 7080,
        protocol: "tcp".into(),
    }];
    let mut alice = container(
        "coder-alice-dev",
        None,
        ContainerState::Running,
        DockerHealth::None,
    );
    alice.workspace = Some(CoderWorkspace {
        owner: "alice".into(),
        owner_id: None,
        workspace_id: Some("ws-1".into()),
        workspace_name: "dev".into(),
    });
    let mut bob = container(
        "coder-bob-api",
        None,
        ContainerState::Exited,
        DockerHealth::None,
    );
    bob.workspace = Some(CoderWorkspace {
        owner: "bob".into(),
        owner_id: None,
        workspace_id: Some("ws-2".into()),
        workspace_name: "api".into(),
    });
    vec![
        coder,
        container(
            "postgres",
            Some("postgres"),
            ContainerState::Running,
            DockerHealth::None,
        ),
        container(
            "gitea",
            Some("gitea"),
            ContainerState::Exited,
            DockerHealth::None,
        ),
        container(
            "authentik-server",
            Some("authentik-server"),
            ContainerState::Running,
            DockerHealth::Unhealthy,
        ),
        container(
            "authentik-worker",
            Some("authentik-worker"),
            ContainerState::Restarting,
            DockerHealth::None,
        ),
        container(
            "authentik-db",
            Some("authentik-db"),
            ContainerState::Running,
            DockerHealth::Starting,
        ),
        container(
            "authentik-redis",
            Some("authentik-redis"),
            ContainerState::Paused,
            DockerHealth::None,
        ),
        container(
            "minio",
            Some("minio"),
            ContainerState::Created,
            DockerHealth::None,
        ),
        container(
            "ai-gateway",
            Some("ai-gateway"),
            ContainerState::Dead,
            DockerHealth::None,
        ),
        container(
            "pgadmin",
            Some("pgadmin"),
            ContainerState::Running,
            DockerHealth::None,
        ),
        alice,
        bob,
    ]
}

fn live_state(width: u16, height: u16) -> State {
    let config = load_from_texts(
        EMBEDDED_DEFAULT,
        Some(("test", "[stack]\ncompose_project = \"coder-poc\"\n")),
    )
    .expect("config");
    let mut state = State::new(Arc::new(config), false);
    state.set_initial_size(width, height);
    update(&mut state, Event::Docker(DockerEvent::Connected(engine())));
    let containers = stack();
    let coder_id = containers[0].id.clone();
    update(&mut state, Event::Docker(DockerEvent::Snapshot(containers)));
    update(
        &mut state,
        Event::Docker(DockerEvent::Stats {
            id: coder_id,
            stats: ContainerStats {
                cpu_percent: Some(12.345),
                mem_used: 300 * 1024 * 1024,
                mem_limit: 2 * 1024 * 1024 * 1024,
                net_rx: 10_000,
                net_tx: 5_000,
                net_rx_rate: Some(2048.0),
                net_tx_rate: Some(512.0),
                sampled_at_ms: 0,
            },
        }),
    );
    state
}

fn draw(state: &State, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|f| poc_tui::ui::render(f, state, now()))
        .expect("draw");
    terminal
}

/// The foreground colour of the first cell of `needle` on the row that contains `row_key`.
fn colour_in_row(terminal: &Terminal<TestBackend>, row_key: &str, needle: &str) -> Option<Color> {
    let buffer = terminal.backend().buffer();
    for y in 0..buffer.area.height {
        let cells: Vec<_> = (0..buffer.area.width).map(|x| &buffer[(x, y)]).collect();
        let row: String = cells.iter().map(|c| c.symbol()).collect();
        if !row.contains(row_key) {
            continue;
        }
        if let Some(pos) = row.find(needle) {
            return Some(cells[row[..pos].chars().count()].fg);
        }
    }
    None
}

#[test]
fn containers_in_every_state_160x40() {
    let state = live_state(160, 40);
    insta::assert_snapshot!(draw(&state, 160, 40).backend());
}

#[test]
fn containers_in_every_state_80x24() {
    let state = live_state(80, 24);
    insta::assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn state_colours_carry_meaning() {
    let t = draw(&live_state(160, 40), 160, 40);
    assert_eq!(colour_in_row(&t, "Coder  ", "healthy"), Some(Color::Green));
    assert_eq!(
        colour_in_row(&t, "Authentik  ", "unhealthy"),
        Some(Color::Red)
    );
    assert_eq!(colour_in_row(&t, "Gitea", "exited (137)"), Some(Color::Red));
    assert_eq!(
        colour_in_row(&t, "Authentik worker", "restarting"),
        Some(Color::Yellow)
    );
}

#[test]
fn groups_workspaces_and_project_containers() {
    let text = screen(&draw(&live_state(160, 40), 160, 40));
    assert!(text.contains("Coder workspaces"), "{text}");
    assert!(
        text.contains("alice/dev") && text.contains("bob/api"),
        "{text}"
    );
    assert!(text.contains("Other in project"), "{text}");
    assert!(text.contains("pgadmin"), "{text}");
    // Stats with docker-stats units.
    assert!(text.contains("12.35%"), "{text}");
    assert!(text.contains("300.0MiB / 2.00GiB"), "{text}");
}

#[test]
fn secrets_are_masked_until_revealed() {
    let mut state = live_state(160, 48);
    let masked = screen(&draw(&state, 160, 48));
    assert!(masked.contains("POSTGRES_PASSWORD=********"), "{masked}");
    assert!(!masked.contains("hunter2-secret"));
    apply_action(&mut state, Action::RevealEnv);
    let revealed = screen(&draw(&state, 160, 48));
    assert!(revealed.contains("hunter2-secret"), "{revealed}");
}

#[test]
fn filter_and_sort() {
    let mut state = live_state(160, 40);
    apply_action(&mut state, Action::Filter);
    for c in "alice".chars() {
        update(
            &mut state,
            Event::Terminal(crossterm::event::Event::Key(
                crossterm::event::KeyEvent::new(
                    crossterm::event::KeyCode::Char(c),
                    crossterm::event::KeyModifiers::NONE,
                ),
            )),
        );
    }
    let text = screen(&draw(&state, 160, 40));
    assert!(text.contains("alice/dev"));
    assert!(!text.contains("bob/api"));
    assert!(!text.contains("Gitea"));
    assert!(
        text.contains("/alice"),
        "the prompt shows the filter: {text}"
    );

    let mut state = live_state(160, 40);
    apply_action(&mut state, Action::SortNext); // name
    apply_action(&mut state, Action::SortNext); // state: problems first
    let text = screen(&draw(&state, 160, 40));
    let pos = |s: &str| text.find(s).unwrap_or(usize::MAX);
    assert!(
        pos("Gitea") < pos("Coder  "),
        "exited before running:\n{text}"
    );
    assert!(text.contains("sort: state"));
}

#[test]
fn stopping_a_container_changes_its_row() {
    let mut state = live_state(160, 40);
    let mut gitea = stack().remove(2);
    gitea.state = ContainerState::Running;
    update(
        &mut state,
        Event::Docker(DockerEvent::Upsert(Box::new(gitea.clone()))),
    );
    assert!(screen(&draw(&state, 160, 40))
        .lines()
        .any(|l| l.contains("Gitea") && l.contains("running")));
    gitea.state = ContainerState::Exited;
    update(
        &mut state,
        Event::Docker(DockerEvent::Upsert(Box::new(gitea))),
    );
    assert!(screen(&draw(&state, 160, 40))
        .lines()
        .any(|l| l.contains("Gitea") && l.contains("exited")));
}

#[test]
fn engine_unreachable_shows_a_banner_with_the_fix() {
    let mut state = live_state(100, 30);
    update(
        &mut state,
        Event::Docker(DockerEvent::Disconnected(EngineDown {
            reason: "permission denied on /var/run/docker.sock".into(),
            fix: "Add yourself to the docker group: sudo usermod -aG docker $USER, then log in again.".into(),
        })),
    );
    let terminal = draw(&state, 100, 30);
    let text = screen(&terminal);
    assert!(text.contains("Docker engine unreachable"));
    assert!(text.contains("usermod -aG docker"));
    insta::assert_snapshot!(terminal.backend());
}
