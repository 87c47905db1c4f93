//! The Services tab with live containers from the engine, rendered into a `TestBackend`:
//! every container state, workspaces, project containers, and the engine unreachable.

#[path = "common/screen.rs"]
mod screen_helper;
use screen_helper::screen_text as screen;

#[path = "common/console.rs"]
mod console;
use console::{live_state, now, stack};

use poc_tui::app::{apply_action, update, Action, Event, State};
use poc_tui::docker::{ContainerState, DockerEvent, EngineDown};
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;

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
            poc_tui::tui::translate(&crossterm::event::Event::Key(
                crossterm::event::KeyEvent::new(
                    crossterm::event::KeyCode::Char(c),
                    crossterm::event::KeyModifiers::NONE,
                ),
            ))
            .expect("an event"),
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
