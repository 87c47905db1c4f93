//! Workspace rows of the Services tab: Coder's view joined to the containers, one badge per
//! agent state, and Docker's view with a reason when Coder cannot be read.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use poc_tui::app::vocab::{KeyCode, KeyModifiers, KeyPress};
use poc_tui::app::{apply_action, update, Action, Event, State};
use poc_tui::config::{load_from_texts, EMBEDDED_DEFAULT};
use poc_tui::docker::model::CoderWorkspace;
use poc_tui::docker::{ContainerInfo, ContainerState, DockerEvent, DockerHealth};
use poc_tui::workspaces::worker::WorkspacesEvent;
use poc_tui::workspaces::{CoderView, Known, Workspace};
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;
use serde_json::json;

const NOW_SECS: u64 = 1_800_000_000;

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(NOW_SECS)
}

fn ago(secs: u64) -> String {
    humantime::format_rfc3339_seconds(now() - Duration::from_secs(secs)).to_string()
}

fn container(owner: &str, name: &str, id: &str) -> ContainerInfo {
    ContainerInfo {
        id: format!("{owner}{name:0<60}").replace(['-', '_'], "0"),
        name: format!("coder-{owner}-{name}"),
        image: "codercom/enterprise-base:ubuntu".into(),
        state: ContainerState::Running,
        health: DockerHealth::None,
        created: ago(3600),
        started_at: Some(ago(600)),
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
            owner: owner.into(),
            owner_id: Some(format!("u-{owner}")),
            workspace_id: Some(id.into()),
            workspace_name: name.into(),
        }),
    }
}

/// A workspace in Coder's documented shape, with one agent.
fn workspace(
    id: &str,
    owner: &str,
    name: &str,
    agent: (&str, &str, bool),
    outdated: bool,
) -> Workspace {
    let (status, lifecycle, healthy) = agent;
    serde_json::from_value(json!({
        "id": id, "name": name, "owner_id": format!("u-{owner}"), "owner_name": owner,
        "template_name": "docker", "template_active_version_id": "tv-2", "outdated": outdated,
        "latest_build": {
            "id": format!("b-{id}"), "transition": "start", "status": "running",
            "created_at": ago(900), "updated_at": ago(840),
            "template_version_id": if outdated { "tv-1" } else { "tv-2" },
            "job": {"status": "succeeded", "error": null},
            "resources": [{"type": "docker_container", "name": "workspace", "agents": [{
                "id": format!("a-{id}"), "name": "main", "status": status,
                "lifecycle_state": lifecycle,
                "last_connected_at": if status == "connected" { Some(ago(5)) } else { None },
                "health": {"healthy": healthy,
                           "reason": if healthy { None } else { Some("agent is not connected") }}
            }]}]
        }
    }))
    .expect("documented shape parses")
}

fn state_with(width: u16, height: u16, view: CoderView) -> State {
    let config = load_from_texts(EMBEDDED_DEFAULT, None).expect("embedded default loads");
    let mut state = State::new(Arc::new(config), false);
    state.set_initial_size(width, height);
    let containers = vec![
        container("alice", "dev", "w-1"),
        container("bob", "api", "w-2"),
        container("carol", "web", "w-3"),
    ];
    update(&mut state, Event::Docker(DockerEvent::Snapshot(containers)));
    update(
        &mut state,
        Event::Workspaces(WorkspacesEvent::Loaded {
            view: Box::new(view),
            read_at: now() - Duration::from_secs(4),
        }),
    );
    // The workspace rows alone, so they fit at 80x24.
    state.list.filter = "enterprise".into();
    state
}

fn known() -> CoderView {
    CoderView::Known(Known {
        workspaces: vec![
            workspace("w-1", "alice", "dev", ("connected", "ready", true), false),
            workspace("w-2", "bob", "api", ("timeout", "created", false), true),
            workspace(
                "w-3",
                "carol",
                "web",
                ("connected", "start_error", true),
                false,
            ),
        ],
        user_ids: ["u-alice", "u-bob", "u-carol"].map(String::from).into(),
        usernames: ["alice", "bob", "carol"].map(String::from).into(),
    })
}

fn draw(state: &State, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|f| poc_tui::ui::render(f, state, now()))
        .expect("draw");
    terminal
}

fn screen(terminal: &Terminal<TestBackend>) -> String {
    let area = terminal.backend().buffer().area;
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| terminal.backend().buffer()[(x, y)].symbol().to_owned())
                .collect::<String>()
                + "\n"
        })
        .collect()
}

/// The foreground colour of the health cell on the row naming `needle`.
fn badge_colour(terminal: &Terminal<TestBackend>, needle: &str) -> Option<Color> {
    let buffer = terminal.backend().buffer();
    let area = buffer.area;
    (0..area.height).find_map(|y| {
        let row: String = (0..area.width).map(|x| buffer[(x, y)].symbol()).collect();
        if !row.contains(needle) {
            return None;
        }
        ["● up", "▲ degraded", "✗ down", "? unknown"]
            .iter()
            .find_map(|badge| row.find(badge))
            .map(|pos| {
                let col = u16::try_from(row[..pos].chars().count()).expect("fits");
                buffer[(col, y)].fg
            })
    })
}

#[test]
fn connected_timed_out_and_start_error_agents_have_distinct_badges() {
    for (w, h) in [(80, 24), (160, 48)] {
        let state = state_with(w, h, known());
        let terminal = draw(&state, w, h);
        let text = screen(&terminal);
        let up = badge_colour(&terminal, "alice/dev");
        let down = badge_colour(&terminal, "bob/api");
        let degraded = badge_colour(&terminal, "carol/web");
        assert_eq!(up, Some(Color::Green), "{text}");
        assert_eq!(down, Some(Color::Red), "{text}");
        assert_eq!(degraded, Some(Color::Yellow), "{text}");
        if w >= 160 {
            assert!(text.contains("Coder read 4s ago"), "{text}");
        }
        insta::assert_snapshot!(format!("workspaces_agents_{w}x{h}"), terminal.backend());
    }
}

#[test]
fn the_wide_row_names_template_build_agent_and_outdated() {
    let state = state_with(240, 48, known());
    let text = screen(&draw(&state, 240, 48));
    for needle in [
        "timeout/created · start running · docker (outdated)",
        "connected/start_error",
    ] {
        assert!(text.contains(needle), "{needle}:\n{text}");
    }
}

#[test]
fn the_detail_pane_explains_the_badge() {
    let mut state = state_with(160, 48, known());
    apply_action(&mut state, Action::Down);
    let text = screen(&draw(&state, 160, 48));
    assert!(text.contains("bob/api"), "{text}");
    assert!(text.contains("timed out connecting"), "{text}");
    assert!(text.contains("agent is not connected"), "{text}");
    assert!(
        text.contains("outdated, built from version tv-1 (active tv-2)"),
        "{text}"
    );
    assert!(text.contains("Networking (3)"), "{text}");
}

#[test]
fn without_coder_rows_keep_dockers_view_and_say_why() {
    let view = CoderView::Unavailable("Coder not reachable: connection refused".into());
    let state = state_with(160, 48, view);
    let terminal = draw(&state, 160, 48);
    let text = screen(&terminal);
    assert!(
        text.contains("Coder not reachable: connection refused"),
        "{text}"
    );
    assert!(text.contains("Docker's view only"), "{text}");
    assert!(text.contains("alice/dev"), "{text}");
    assert!(
        text.contains("running"),
        "the container's state stays: {text}"
    );
    // No verdict is guessed.
    for needle in ["alice/dev", "bob/api", "carol/web"] {
        assert_eq!(
            badge_colour(&terminal, needle),
            Some(Color::DarkGray),
            "{text}"
        );
    }
    insta::assert_snapshot!(
        "workspaces_coder_unreachable_80x24",
        draw(
            &state_with(
                80,
                24,
                CoderView::Unavailable("Coder not reachable: connection refused".into())
            ),
            80,
            24
        )
        .backend()
    );
}

#[test]
fn refreshes_when_the_tab_opens_on_ctrl_r_and_on_a_workspace_event() {
    use poc_tui::app::{Effect, Tab};
    let mut state = state_with(80, 24, known());
    apply_action(&mut state, Action::GoToTab(Tab::Users));
    let effects = update(
        &mut state,
        Event::Key(KeyPress::new(KeyCode::Char('1'), KeyModifiers::NONE)),
    );
    assert!(effects.contains(&Effect::WorkspacesRefresh), "{effects:?}");
    let effects = apply_action(&mut state, Action::ResyncDocker);
    assert!(effects.contains(&Effect::WorkspacesRefresh), "{effects:?}");
    let mut stopped = container("alice", "dev", "w-1");
    stopped.state = ContainerState::Exited;
    let effects = update(
        &mut state,
        Event::Docker(DockerEvent::Upsert(Box::new(stopped))),
    );
    assert!(effects.contains(&Effect::WorkspacesRefresh), "{effects:?}");
    // A stats sample is no reason to read Coder.
    let effects = update(
        &mut state,
        Event::Docker(DockerEvent::Removed {
            id: "not-a-workspace".into(),
        }),
    );
    assert!(!effects.contains(&Effect::WorkspacesRefresh), "{effects:?}");
}

fn stopped(id: &str, owner: &str, name: &str) -> Workspace {
    serde_json::from_value(json!({
        "id": id, "name": name, "owner_id": format!("u-{owner}"), "owner_name": owner,
        "template_name": "docker", "template_active_version_id": "tv-2", "outdated": false,
        "latest_build": {"transition": "stop", "status": "stopped", "updated_at": ago(7200),
                         "template_version_id": "tv-2", "resources": []}
    }))
    .expect("documented shape parses")
}

#[test]
fn stopped_orphaned_and_foreign_workspaces_are_told_apart() {
    let CoderView::Known(mut k) = known() else {
        unreachable!()
    };
    k.workspaces.push(stopped("w-4", "alice", "old"));
    let mut state = state_with(160, 48, CoderView::Known(k));
    let orphan = container("alice", "gone", "w-removed");
    let mut foreign = container("zed", "probe", "w-elsewhere");
    if let Some(w) = foreign.workspace.as_mut() {
        w.owner_id = Some("u-zed".into());
    }
    update(
        &mut state,
        Event::Docker(DockerEvent::Upsert(Box::new(orphan))),
    );
    update(
        &mut state,
        Event::Docker(DockerEvent::Upsert(Box::new(foreign))),
    );
    state.list.filter.clear();
    let rows = poc_tui::app::services::visible_rows(&state);
    let last = rows.len() - 1;
    state.select_index(poc_tui::app::Tab::Services, last);
    let terminal = draw(&state, 160, 48);
    let text = screen(&terminal);
    let line = |needle: &str| {
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle} listed:\n{text}"))
            .to_owned()
    };
    assert!(line("alice/old").contains("stopped"), "{text}");
    assert!(line("alice/gone").contains("orphan"), "{text}");
    assert!(line("zed/probe").contains("not of this Coder"), "{text}");
    assert_eq!(text.matches("zed/probe").count(), 1, "listed once: {text}");
    // The stopped workspace is last, selected, and its detail says why there is no container.
    assert!(text.contains("none: the workspace is stopped"), "{text}");
    // Dimmed: its name is drawn in the dim colour.
    let buffer = terminal.backend().buffer();
    let y = (0..48)
        .find(|&y| {
            (0..160)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
                .contains("alice/old  ")
        })
        .expect("stopped row");
    assert_eq!(buffer[(1, y)].fg, Color::DarkGray);

    // The orphan's detail says how to remove it; nothing is removed.
    let orphan_row = rows
        .iter()
        .position(|(_, r)| format!("{r:?}").contains("alicegone"))
        .expect("orphan row");
    state.select_index(poc_tui::app::Tab::Services, orphan_row);
    let text = screen(&draw(&state, 160, 48));
    assert!(text.contains("docker rm -f coder-alice-gone"), "{text}");
    insta::assert_snapshot!(
        "workspaces_stopped_orphan_foreign_160x48",
        draw(&state, 160, 48).backend()
    );
}

fn key(state: &mut State, c: char) -> Vec<poc_tui::app::Effect> {
    update(
        state,
        Event::Key(KeyPress::new(KeyCode::Char(c), KeyModifiers::NONE)),
    )
}

fn rebuilds(effects: &[poc_tui::app::Effect]) -> Vec<&poc_tui::workspaces::rebuild::Plan> {
    effects
        .iter()
        .filter_map(|e| match e {
            poc_tui::app::Effect::WorkspaceRebuild(plan) => Some(&**plan),
            _ => None,
        })
        .collect()
}

#[test]
fn b_asks_naming_the_rebuild_then_y_sends_it_and_its_news_reach_the_status_bar() {
    let mut state = state_with(160, 48, known());
    apply_action(&mut state, Action::Down);
    assert!(rebuilds(&key(&mut state, 'b')).is_empty(), "asks first");
    let asked = state.status.clone().unwrap_or_default();
    assert!(
        asked.contains("stop bob/api, then start it again on the template's active version tv-2"),
        "{asked}"
    );
    let text = screen(&draw(&state, 160, 48));
    assert!(text.contains("Rebuild? stop bob/api"), "{text}");
    let effects = key(&mut state, 'y');
    let sent = rebuilds(&effects);
    assert_eq!(sent.len(), 1, "{effects:?}");
    assert_eq!(sent[0].workspace_id, "w-2");
    assert_eq!(sent[0].template_version_id.as_deref(), Some("tv-2"));

    update(
        &mut state,
        Event::Workspaces(WorkspacesEvent::Building {
            workspace_id: "w-2".into(),
            text: "bob/api: stop build stopping".into(),
        }),
    );
    assert_eq!(
        state.status.as_deref(),
        Some("rebuild: bob/api: stop build stopping")
    );
    let done = update(
        &mut state,
        Event::Workspaces(WorkspacesEvent::Rebuilt {
            workspace_id: "w-2".into(),
            outcome: Ok("bob/api rebuilt: start build running".into()),
        }),
    );
    assert!(done.contains(&poc_tui::app::Effect::WorkspacesRefresh));

    // Any other key cancels.
    key(&mut state, 'b');
    assert!(rebuilds(&key(&mut state, 'n')).is_empty());
    assert!(state
        .status
        .as_deref()
        .unwrap_or_default()
        .contains("cancelled"));
}

#[test]
fn b_is_refused_under_read_only_before_anything_is_sent() {
    let mut state = state_with(160, 48, known());
    state.read_only = true;
    apply_action(&mut state, Action::Down);
    let effects = key(&mut state, 'b');
    assert!(rebuilds(&effects).is_empty());
    assert!(state.workspaces.confirm.is_none());
    let said = state.status.clone().unwrap_or_default();
    assert!(
        said.contains("read-only") && said.contains("nothing was sent"),
        "{said}"
    );
    assert!(rebuilds(&key(&mut state, 'y')).is_empty());
}

#[test]
fn other_containers_are_collapsed_until_a_and_sorted_naturally() {
    let mut state = state_with(160, 48, known());
    state.list.filter.clear();
    let mut all = vec![
        container("alice", "dev", "w-1"),
        container("bob", "api", "w-2"),
        container("carol", "web", "w-3"),
    ];
    for name in ["perf10", "perf2", "perf1"] {
        let mut c = container("x", name, "none");
        c.workspace = None;
        c.name = name.to_owned();
        c.id = format!("{name:0>64}");
        all.push(c);
    }
    update(&mut state, Event::Docker(DockerEvent::Snapshot(all)));
    let others = |state: &State| -> Vec<String> {
        poc_tui::app::services::visible_rows(state)
            .into_iter()
            .filter(|(g, _)| *g == poc_tui::app::services::Group::Other)
            .filter_map(|(_, r)| {
                poc_tui::app::services::row_container(state, &r).map(|c| c.name.clone())
            })
            .collect()
    };
    assert!(others(&state).is_empty(), "collapsed by default");
    state.list.filter = "perf".into();
    let text = screen(&draw(&state, 160, 48));
    assert!(text.contains("Other containers"), "{text}");
    assert!(text.contains("3 hidden: a shows"), "{text}");
    key(&mut state, 'a');
    assert_eq!(others(&state), ["perf1", "perf2", "perf10"]);
    key(&mut state, 'a');
    assert!(others(&state).is_empty());
}
