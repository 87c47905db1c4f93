//! A person poc-tui remembers creating (`identity/people.json`), in the console against the
//! fakes: the detail says where the expectation comes from, and `x` forgets them after a
//! confirmation.

mod common;
#[path = "common/fake_http.rs"]
mod fake_http;
#[path = "common/fake_identity.rs"]
mod fake_identity;
#[path = "common/screen.rs"]
mod screen_helper;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use fake_identity::*;
use poc_tui::app::users::Dialog;
use poc_tui::app::vocab::{KeyCode, KeyModifiers, KeyPress};
use poc_tui::app::{apply_action, update, Action, Effect, Event, State, Tab};
use poc_tui::config::{load_from_texts, EMBEDDED_DEFAULT};
use poc_tui::identity::worker::{spawn, IdentityEvent, IdentityRequest};
use poc_tui::identity::Matrix;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tokio::sync::mpsc::Receiver;

async fn next_event(rx: &mut Receiver<IdentityEvent>) -> IdentityEvent {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("the worker answers")
        .expect("the worker runs")
}

async fn next_matrix(rx: &mut Receiver<IdentityEvent>) -> Matrix {
    loop {
        if let IdentityEvent::Loaded { matrix, .. } = next_event(rx).await {
            return *matrix;
        }
    }
}

fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, Event::Key(KeyPress::new(code, KeyModifiers::NONE)))
}

fn screen(state: &State) -> String {
    let (w, h) = state.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    terminal
        .draw(|f| poc_tui::ui::render(f, state, SystemTime::UNIX_EPOCH))
        .expect("draw");
    screen_helper::screen_text(&terminal)
}

fn select(state: &mut State, username: &str) {
    let row = state
        .users
        .matrix
        .as_ref()
        .and_then(|m| m.rows.iter().position(|r| r.username == username))
        .expect("row exists");
    apply_action(state, Action::Top);
    for _ in 0..row {
        apply_action(state, Action::Down);
    }
}

#[tokio::test]
async fn a_remembered_person_shows_its_source_and_can_be_forgotten() {
    let stack = FakeStack::start(10);
    stack
        .world()
        .add_coder("admin", CODER_EMAIL, "password", true);
    let data = tempfile::tempdir().expect("tempdir");
    // What the worker remembers lives in the data directory: a private one for this test.
    std::env::set_var("POC_TUI_DATA", data.path());
    std::env::remove_var("AUTHENTIK_TOKEN");
    let memory = data.path().join("identity/people.json");
    std::fs::create_dir_all(data.path().join("identity")).expect("dir");
    std::fs::write(
        &memory,
        serde_json::json!({"people": {"barsuser": {
            "role": "contractor", "email": "barsuser@example.com", "created": "2026-12-07"
        }}})
        .to_string(),
    )
    .expect("memory written");

    let config = Arc::new(
        load_from_texts(EMBEDDED_DEFAULT, Some(("fakes", &stack.config_toml()))).expect("loads"),
    );
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let cancel = tokio_util::sync::CancellationToken::new();
    let worker = spawn(config.clone(), false, None, tx, cancel.clone());
    let matrix = next_matrix(&mut rx).await;
    let row = matrix
        .rows
        .iter()
        .find(|r| r.username == "barsuser")
        .expect("the remembered person is expected");
    assert_eq!(
        row.remembered.as_deref(),
        Some("created by poc-tui on 2026-12-07")
    );
    // The configured people carry no such note.
    assert!(matrix
        .rows
        .iter()
        .filter(|r| r.username != "barsuser")
        .all(|r| r.remembered.is_none()));

    let mut state = State::new(config, false);
    state.set_initial_size(120, 40);
    apply_action(&mut state, Action::GoToTab(Tab::Users));
    update(
        &mut state,
        Event::Identity(IdentityEvent::Loaded {
            matrix: Box::new(matrix),
            origins: Vec::new(),
            authentik_hint: None,
        }),
    );
    select(&mut state, "contractor1");
    assert!(press(&mut state, KeyCode::Char('x')).is_empty());
    assert!(
        state.users.dialog.is_none(),
        "a configured person is not forgotten"
    );
    assert!(state
        .status
        .as_deref()
        .is_some_and(|s| s.contains("not remembered")));

    select(&mut state, "barsuser");
    let text = screen(&state);
    assert!(
        text.contains("barsuser: not in the config, created by poc-tui on 2026-12-07"),
        "{text}"
    );
    assert!(
        press(&mut state, KeyCode::Char('x')).is_empty(),
        "asks first"
    );
    assert!(matches!(state.users.dialog, Some(Dialog::Forget { .. })));
    assert!(screen(&state).contains("Forget them?"));
    // n keeps them.
    press(&mut state, KeyCode::Char('n'));
    assert!(state.users.dialog.is_none());
    press(&mut state, KeyCode::Char('x'));
    let mut effects = press(&mut state, KeyCode::Char('y'));
    let Some(Effect::Identity(request)) = effects.pop() else {
        panic!("y sends the request to the Users worker");
    };
    assert_eq!(*request, IdentityRequest::Forget("barsuser".into()));

    worker.send(*request).await.expect("the worker takes it");
    let done = loop {
        if let IdentityEvent::FixDone(result) = next_event(&mut rx).await {
            break result;
        }
    };
    assert!(
        done.as_ref().is_ok_and(|m| m.contains("forgot barsuser")),
        "{done:?}"
    );
    let after = next_matrix(&mut rx).await;
    assert!(after.rows.iter().all(|r| r.username != "barsuser"));
    let saved = std::fs::read_to_string(&memory).expect("memory file");
    assert!(!saved.contains("barsuser"), "{saved}");
    assert!(
        stack.world().changes().is_empty(),
        "the systems are not touched"
    );
    cancel.cancel();
}
