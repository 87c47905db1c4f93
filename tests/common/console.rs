//! A console state to render in tests: a live engine with containers in every state (the
//! compose project `coder-poc`, two workspaces, statistics for one), log views to feed, keys
//! to press and the screen drawn.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use poc_tui::app::logs::LogView;
use poc_tui::app::vocab::{KeyCode, KeyModifiers, KeyPress};
use poc_tui::app::{update, Event, State};
use poc_tui::config::{load_from_texts, EMBEDDED_DEFAULT};
use poc_tui::docker::model::{CoderWorkspace, ComposeLabels, NetworkAttachment, PortMapping};
use poc_tui::docker::{
    ContainerInfo, ContainerState, ContainerStats, DockerEvent, DockerHealth, EngineInfo,
};
use poc_tui::logs::worker::LogNews;
use poc_tui::logs::worker::LogTarget;
use poc_tui::logs::{sanitize, LogBatch, LogLine, LogStream, SanitizeOptions};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

pub const NOW_SECS: u64 = 1_800_000_000;

pub fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(NOW_SECS)
}

pub fn started(ago_secs: u64) -> String {
    humantime::format_rfc3339_seconds(now() - Duration::from_secs(ago_secs)).to_string()
}

pub fn container(
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
        oom_killed: false,
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

pub fn engine() -> EngineInfo {
    EngineInfo {
        name: "Docker Engine".into(),
        version: "20.10.24".into(),
        api_version: "1.41".into(),
        os: "linux".into(),
        how_chosen: "default socket".into(),
        host: "unix:///var/run/docker.sock".into(),
    }
}

pub fn stack() -> Vec<ContainerInfo> {
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

pub fn live_state(width: u16, height: u16) -> State {
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

pub fn target(label: &str, container: &str) -> LogTarget {
    LogTarget {
        container: format!("id-{container}"),
        name: container.to_owned(),
        label: Arc::from(label),
        service: Some(label.to_owned()),
    }
}

pub fn state_with(width: u16, height: u16, targets: Vec<LogTarget>) -> State {
    let config = load_from_texts(EMBEDDED_DEFAULT, None).expect("embedded config");
    let mut state = State::new(Arc::new(config), false);
    state.set_initial_size(width, height);
    let id = state.logs.next_view_id();
    let title = targets
        .iter()
        .map(|t| t.label.to_string())
        .collect::<Vec<_>>()
        .join("+");
    state.logs.view = Some(LogView::new(id, title, targets, 1000));
    state
}

pub fn line(state: &State, source: &str, raw: &[u8], stream: LogStream, secs: u64) -> LogLine {
    let sanitized = sanitize(raw, &SanitizeOptions::default());
    let issue = state.logs.hints.match_index(&sanitized.text, None);
    LogLine {
        seq: 0,
        timestamp: Some(now() + Duration::from_secs(secs)),
        stream,
        source: Arc::from(source),
        line: sanitized,
        issue,
    }
}

pub fn feed(state: &mut State, lines: Vec<LogLine>) {
    let id = state.logs.view.as_ref().expect("open").id;
    let batch = LogBatch {
        container: Arc::from("c"),
        lines,
        dropped_in_transit: 0,
    };
    update(state, Event::Logs(LogNews::Batch { view_id: id, batch }));
}

pub fn press(state: &mut State, code: KeyCode) {
    update(state, Event::Key(KeyPress::new(code, KeyModifiers::NONE)));
}

pub fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        press(state, KeyCode::Char(c));
    }
}

pub fn draw(state: &State) -> Terminal<TestBackend> {
    let (w, h) = state.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    terminal
        .draw(|f| poc_tui::ui::render(f, state, now()))
        .expect("draw");
    terminal
}
