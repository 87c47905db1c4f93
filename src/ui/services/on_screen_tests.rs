//! The Services rows the Docker worker is told are on screen are the rows drawn.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use crate::app::services::{on_screen_containers, visible_rows};
use crate::app::state::State;
use crate::app::vocab::Event;
use crate::app::vocab::Tab;
use crate::config::{load_from_texts, EMBEDDED_DEFAULT};
use crate::docker::{ContainerInfo, DockerEvent};

fn workspace(i: usize) -> ContainerInfo {
    let summary = serde_json::json!({
        "Id": format!("ws{i:03}"), "Names": [format!("/ws-{i:03}")], "State": "running",
        "Labels": {"coder.owner": "bench", "coder.workspace_name": format!("ws-{i:03}")}
    });
    ContainerInfo::from_summary(serde_json::from_value(summary).unwrap()).unwrap()
}

fn console(height: u16) -> State {
    let config = Arc::new(load_from_texts(EMBEDDED_DEFAULT, None).unwrap());
    let mut state = State::new(config, false);
    state.set_initial_size(120, height);
    let all = (0..100).map(workspace).collect();
    crate::app::update(&mut state, Event::Docker(DockerEvent::Snapshot(all)));
    state
}

fn drawn_workspaces(state: &State) -> Vec<String> {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(
        state.size.0,
        state.size.1,
    ))
    .unwrap();
    terminal
        .draw(|f| crate::ui::render(f, state, std::time::SystemTime::now()))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let text: String = buffer
        .content()
        .iter()
        .map(ratatui::buffer::Cell::symbol)
        .collect();
    let mut ids: Vec<String> = (0..100)
        .filter(|i| text.contains(&format!("ws-{i:03}")))
        .map(|i| format!("ws{i:03}"))
        .collect();
    ids.sort();
    ids
}

#[test]
fn only_the_rows_that_fit_are_on_screen_and_they_follow_the_selection() {
    let mut state = console(40);
    let top = on_screen_containers(&state);
    // 100 workspaces, a 40-line terminal: a screenful, not all of them.
    assert!(!top.is_empty() && top.len() < 30, "{} on screen", top.len());
    assert!(top.contains(&"ws000".to_string()));
    // The same rows as drawn (at most a line or two more).
    let drawn = drawn_workspaces(&state);
    assert!(
        drawn.iter().all(|id| top.contains(id)),
        "{drawn:?} vs {top:?}"
    );
    assert!(top.len() <= drawn.len() + 2, "{drawn:?} vs {top:?}");
    let rows = visible_rows(&state).len();
    state.select_index(Tab::Services, rows - 1);
    let bottom = on_screen_containers(&state);
    assert!(bottom.contains(&"ws099".to_string()));
    let drawn = drawn_workspaces(&state);
    assert!(
        drawn.iter().all(|id| bottom.contains(id)),
        "{drawn:?} vs {bottom:?}"
    );
    assert!(bottom.len() <= drawn.len() + 2, "{drawn:?} vs {bottom:?}");
    assert!(!bottom.contains(&"ws000".to_string()));
    // The update tells the worker once per change.
    let snapshot = || Event::Docker(DockerEvent::Snapshot((0..100).map(workspace).collect()));
    let told = |effects: Vec<crate::app::vocab::Effect>| {
        effects.into_iter().find_map(|e| match e {
            crate::app::vocab::Effect::DockerVisible(ids) => Some(ids),
            _ => None,
        })
    };
    assert_eq!(
        told(crate::app::update(&mut state, snapshot())),
        Some(bottom)
    );
    assert_eq!(told(crate::app::update(&mut state, snapshot())), None);
    state.tab = Tab::Users;
    assert!(on_screen_containers(&state).is_empty());
}
