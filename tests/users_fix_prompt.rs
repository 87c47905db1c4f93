//! `f` on a person poc-tui created without a password, in the console, against the fakes:
//! the masked prompt, then the Users worker sets the typed password through Authentik.

mod common;
#[path = "common/fake_http.rs"]
mod fake_http;
#[path = "common/fake_identity.rs"]
mod fake_identity;

use std::sync::Arc;
use std::time::Duration;

use fake_identity::*;
use poc_tui::app::users::Dialog;
use poc_tui::app::vocab::{KeyCode, KeyModifiers, KeyPress};
use poc_tui::app::{apply_action, update, Action, Effect, Event, State, Tab};
use poc_tui::config::{load_from_texts, Config, EMBEDDED_DEFAULT};
use poc_tui::identity::worker::{spawn, IdentityEvent, IdentityRequest};
use poc_tui::identity::{FindingKind, Matrix};
use tokio::sync::mpsc::Receiver;

/// Every configured person as the policy wants them.
fn healthy_stack() -> FakeStack {
    let s = FakeStack::start(10);
    {
        let mut w = s.world();
        w.add_authentik("akadmin", "akadmin@example.com", true);
        w.add_gitea("gitea", "gitea@example.com", false, true, 0);
        w.add_coder("admin", CODER_EMAIL, "password", true);
        for (name, restricted) in [
            ("appmanager", false),
            ("contractor1", true),
            ("contractor2", true),
            ("contractor3", true),
            ("readonly", true),
        ] {
            let email = format!("{name}@example.com");
            w.add_authentik(name, &email, true);
            w.add_gitea(name, &email, restricted, false, 2);
            w.add_coder(name, &email, "oidc", false);
        }
    }
    s
}

fn config(stack: &FakeStack) -> Config {
    load_from_texts(EMBEDDED_DEFAULT, Some(("fakes", &stack.config_toml()))).expect("loads")
}

async fn next_matrix(rx: &mut Receiver<IdentityEvent>) -> Matrix {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("the worker answers")
            .expect("the worker runs");
        if let IdentityEvent::Loaded { matrix, .. } = event {
            return *matrix;
        }
    }
}

fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, Event::Key(KeyPress::new(code, KeyModifiers::NONE)))
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

fn loaded(matrix: Matrix) -> Event {
    Event::Identity(IdentityEvent::Loaded {
        matrix: Box::new(matrix),
        origins: Vec::new(),
        authentik_hint: None,
    })
}

#[tokio::test]
async fn f_on_a_user_without_a_password_sets_the_typed_one() {
    let stack = healthy_stack();
    let data = tempfile::tempdir().expect("tempdir");
    // What the worker remembers lives in the data directory: a private one for this test.
    std::env::set_var("POC_TUI_DATA", data.path());
    std::env::remove_var("AUTHENTIK_TOKEN");
    let pk = stack.world().authentik_user("readonly").expect("readonly")["pk"]
        .as_i64()
        .expect("pk");
    let date =
        stack.world().authentik_user("readonly").expect("readonly")["password_change_date"].clone();
    std::fs::create_dir_all(data.path().join("identity")).expect("dir");
    std::fs::write(
        data.path().join("identity/people.json"),
        serde_json::json!({"people": {"readonly": {
            "role": "read-only", "email": "readonly@example.com",
            "awaiting_password": {"pk": pk, "password_change_date": date}
        }}})
        .to_string(),
    )
    .expect("memory written");

    let config = Arc::new(config(&stack));
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let cancel = tokio_util::sync::CancellationToken::new();
    let worker = spawn(config.clone(), false, None, tx, cancel.clone());
    let matrix = next_matrix(&mut rx).await;
    assert!(
        matrix
            .findings_for("readonly")
            .any(|f| f.kind == FindingKind::AuthentikNoPassword),
        "{:?}",
        matrix.findings
    );

    let mut state = State::new(config, false);
    state.set_initial_size(120, 40);
    apply_action(&mut state, Action::GoToTab(Tab::Users));
    update(&mut state, loaded(matrix));
    select(&mut state, "readonly");
    let sent = press(&mut state, KeyCode::Char('f'));
    assert!(
        sent.is_empty(),
        "nothing is sent before a password: {sent:?}"
    );
    assert!(
        matches!(state.users.dialog, Some(Dialog::Password(_))),
        "{:?}",
        state.users.dialog
    );
    for c in "Typed-Secret-42".chars() {
        press(&mut state, KeyCode::Char(c));
    }
    let mut effects = press(&mut state, KeyCode::Enter);
    assert!(state.users.dialog.is_none());
    assert_eq!(effects.len(), 1, "{effects:?}");
    let Some(Effect::Identity(request)) = effects.pop() else {
        panic!("a request for the Users worker");
    };
    assert!(matches!(
        *request,
        IdentityRequest::ApplyFixWithPassword { .. }
    ));

    worker.send(*request).await.expect("the worker takes it");
    let done = loop {
        let event = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("the worker answers")
            .expect("the worker runs");
        if let IdentityEvent::FixDone(result) = event {
            break result;
        }
    };
    assert_eq!(done, Ok("set the password of readonly in Authentik".into()));
    assert_eq!(
        stack.world().ak_passwords,
        [(pk, "Typed-Secret-42".to_owned())],
        "the fake saw the typed password"
    );
    let after = next_matrix(&mut rx).await;
    assert_eq!(
        after.findings_for("readonly").count(),
        0,
        "{:?}",
        after.findings
    );
    cancel.cancel();
}
