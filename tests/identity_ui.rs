//! The Users tab on screen: the live matrix, findings, the create dialog and its progress,
//! the confirmation; its keys through `update`; and no secret on screen or in tracing.

#[path = "common/screen.rs"]
mod screen_helper;
use screen_helper::screen_text;

mod common;
#[path = "common/fake_http.rs"]
mod fake_http;
#[path = "common/fake_identity.rs"]
mod fake_identity;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use poc_tui::app::users::Dialog;
use poc_tui::app::vocab::{KeyCode, KeyModifiers, KeyPress};
use poc_tui::app::{apply_action, update, Action, Effect, Event, State, Tab};
use poc_tui::config::{load_from_texts, EMBEDDED_DEFAULT};
use poc_tui::identity::create::StepStatus;
use poc_tui::identity::worker::{IdentityEvent, IdentityRequest};
use poc_tui::identity::{
    compute, CreateReport, IdentitySettings, NewUser, Snapshot, StepKind, System,
};
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;
use serde_json::json;

/// A stack with one of each kind of problem, and Coder down when `coder_down`.
fn sample_snapshot(coder_down: bool) -> Snapshot {
    let ak = json!([
        {"pk": 1, "username": "akadmin", "email": "akadmin@example.com", "is_active": true, "groups_obj": [{"name": "authentik Admins"}]},
        {"pk": 2, "username": "appmanager", "email": "appmanager@example.com", "is_active": true, "uid": "u2"},
        {"pk": 3, "username": "contractor1", "email": "contractor1@example.com", "is_active": true, "uid": "u3"},
        {"pk": 5, "username": "contractor3", "email": "contractor3@example.com", "is_active": true, "uid": "u5"},
        {"pk": 6, "username": "readonly", "email": "readonly@example.com", "is_active": true, "uid": "u6"}
    ]);
    let gitea = json!([
        {"id": 1, "login": "gitea", "email": "gitea@example.com", "is_admin": true, "restricted": false, "source_id": 0},
        {"id": 2, "login": "appmanager", "email": "appmanager@example.com", "restricted": false, "source_id": 2, "login_name": "u2"},
        {"id": 3, "login": "contractor1", "email": "contractor1@example.com", "restricted": false, "source_id": 2, "login_name": "u3"},
        {"id": 4, "login": "contractor2", "email": "contractor2@example.com", "restricted": true, "source_id": 2, "login_name": "u4"},
        {"id": 5, "login": "contractor3", "email": "contractor3@example.com", "restricted": true, "source_id": 0},
        {"id": 6, "login": "readonly", "email": "readonly@example.com", "restricted": true, "source_id": 2, "login_name": "u6"}
    ]);
    let coder = json!([
        {"id": "c1", "username": "admin", "email": "admin@example.com", "status": "active", "login_type": "password", "roles": [{"name": "owner"}]},
        {"id": "c2", "username": "appmanager", "email": "appmanager@example.com", "status": "active", "login_type": "oidc", "roles": []},
        {"id": "c3", "username": "contractor1", "email": "contractor1@example.com", "status": "active", "login_type": "password", "roles": []},
        {"id": "c6", "username": "readonly", "email": "readonly@example.com", "status": "active", "login_type": "oidc", "roles": []}
    ]);
    Snapshot {
        authentik: Some(Ok(serde_json::from_value(ak).expect("authentik users"))),
        gitea: Some(Ok(serde_json::from_value(gitea).expect("gitea users"))),
        coder: Some(if coder_down {
            Err("unreachable: connection refused".into())
        } else {
            Ok(serde_json::from_value(coder).expect("coder users"))
        }),
    }
}

fn state(width: u16, height: u16, coder_down: bool, read_only: bool) -> State {
    let config = load_from_texts(EMBEDDED_DEFAULT, None).expect("default loads");
    let matrix = compute(
        &config,
        &IdentitySettings::default(),
        &sample_snapshot(coder_down),
    );
    let mut state = State::new(Arc::new(config), read_only);
    state.set_initial_size(width, height);
    apply_action(&mut state, Action::GoToTab(Tab::Users));
    update(
        &mut state,
        Event::Identity(IdentityEvent::Loaded {
            matrix: Box::new(matrix),
            origins: vec![
                (
                    System::Authentik,
                    "http://localhost:9000".into(),
                    "environment $AUTHENTIK_TOKEN".into(),
                ),
                (
                    System::Gitea,
                    "http://localhost:3000".into(),
                    "gitea, password from config file".into(),
                ),
                (
                    System::Coder,
                    "http://localhost:7080".into(),
                    "login admin@example.com, password from config file".into(),
                ),
            ],
            authentik_hint: None,
        }),
    );
    state
}

fn draw(state: &State) -> Terminal<TestBackend> {
    let (w, h) = state.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    terminal
        .draw(|f| {
            poc_tui::ui::render(
                f,
                state,
                SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
            );
        })
        .expect("draw");
    terminal
}

fn colour_of(t: &Terminal<TestBackend>, needle: &str) -> Option<Color> {
    let buffer = t.backend().buffer();
    for y in 0..buffer.area.height {
        let cells: Vec<_> = (0..buffer.area.width).map(|x| &buffer[(x, y)]).collect();
        let row: String = cells.iter().map(|c| c.symbol()).collect();
        if let Some(pos) = row.find(needle) {
            return Some(cells[row[..pos].chars().count()].fg);
        }
    }
    None
}

fn key(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, Event::Key(KeyPress::new(code, KeyModifiers::NONE)))
}

fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        key(state, KeyCode::Char(c));
    }
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

#[test]
fn matrix_80x24() {
    let s = state(80, 24, false, false);
    insta::assert_snapshot!(draw(&s).backend());
}

#[test]
fn matrix_160x48_with_coder_down() {
    let mut s = state(160, 48, true, false);
    select(&mut s, "contractor2");
    let t = draw(&s);
    let text = screen_text(&t);
    assert!(text.contains("unreachable: connection refused"), "{text}");
    assert!(text.contains("contractor2 is missing in Authentik"));
    insta::assert_snapshot!(t.backend());
}

#[test]
fn findings_for_the_selected_user_with_their_fix() {
    let mut s = state(100, 30, false, false);
    select(&mut s, "contractor1");
    let t = draw(&s);
    let text = screen_text(&t);
    assert!(
        text.contains("▶ [Gitea] Gitea flags of contractor1"),
        "{text}"
    );
    assert!(
        text.contains("fix (f): PATCH Gitea user contractor1"),
        "{text}"
    );
    insta::assert_snapshot!(t.backend());
}

#[test]
fn missing_is_red_and_ok_is_green() {
    let s = state(160, 48, false, false);
    let t = draw(&s);
    assert_eq!(colour_of(&t, "missing"), Some(Color::Red));
    assert_eq!(colour_of(&t, "password≠oidc"), Some(Color::Yellow));
}

#[test]
fn create_dialog_masks_the_password_and_submits_a_create() {
    let mut s = state(80, 24, false, false);
    assert!(key(&mut s, KeyCode::Char('n')).is_empty());
    type_text(&mut s, "dana");
    key(&mut s, KeyCode::Tab);
    type_text(&mut s, "dana@example.com");
    key(&mut s, KeyCode::Tab);
    type_text(&mut s, "Dana Doe");
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Right);
    key(&mut s, KeyCode::Tab);
    type_text(&mut s, "Hidden-Pass-99");
    let t = draw(&s);
    let text = screen_text(&t);
    assert!(
        !text.contains("Hidden-Pass-99"),
        "password on screen:\n{text}"
    );
    assert!(text.contains("app-manager"));
    insta::assert_snapshot!("create_dialog", t.backend());

    // Revealed only on purpose.
    update(
        &mut s,
        Event::Key(KeyPress::new(KeyCode::Char('v'), KeyModifiers::CONTROL)),
    );
    assert!(screen_text(&draw(&s)).contains("Hidden-Pass-99"));

    let commands = key(&mut s, KeyCode::Enter);
    let Some(Effect::Identity(work)) = commands.first() else {
        panic!("expected a create command, got {commands:?}");
    };
    match work.as_ref() {
        IdentityRequest::Create {
            user,
            password,
            resume,
        } => {
            assert_eq!(user.username, "dana");
            assert_eq!(user.role, "app-manager");
            assert_eq!(
                password.as_ref().map(|p| p.expose().to_owned()),
                Some("Hidden-Pass-99".into())
            );
            assert!(resume.is_none());
        }
        other => panic!("{other:?}"),
    }
    assert!(
        !format!("{commands:?}").contains("Hidden-Pass-99"),
        "Debug masks the password"
    );
}

#[test]
fn create_dialog_names_a_bad_field() {
    let mut s = state(80, 24, false, false);
    key(&mut s, KeyCode::Char('n'));
    type_text(&mut s, "dana");
    key(&mut s, KeyCode::Tab);
    type_text(&mut s, "not-an-email");
    key(&mut s, KeyCode::Tab);
    type_text(&mut s, "Dana");
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert!(screen_text(&draw(&s)).contains("is not an email address"));
}

fn progress_report(fail: bool) -> CreateReport {
    let mut r = CreateReport::plan(NewUser {
        username: "dana".into(),
        email: "dana@example.com".into(),
        name: "Dana Doe".into(),
        role: "contractor".into(),
    });
    r.steps[0].status = StepStatus::Done {
        detail: "created (pk 9)".into(),
        changed: true,
    };
    r.steps[1].status = StepStatus::Done {
        detail: "set".into(),
        changed: true,
    };
    r.steps[2].status = StepStatus::Done {
        detail: "added to contractors".into(),
        changed: true,
    };
    r.steps[3].status = if fail {
        StepStatus::Failed {
            error: "Gitea: HTTP 500 on create user: injected failure".into(),
        }
    } else {
        StepStatus::Running
    };
    r
}

#[test]
fn create_progress_then_failure_then_resume() {
    let mut s = state(80, 24, false, false);
    update(
        &mut s,
        Event::Identity(IdentityEvent::CreateProgress(progress_report(false))),
    );
    insta::assert_snapshot!("create_progress_running", draw(&s).backend());

    update(
        &mut s,
        Event::Identity(IdentityEvent::CreateFinished(progress_report(true))),
    );
    let t = draw(&s);
    assert!(screen_text(&t).contains("r resume"));
    insta::assert_snapshot!("create_progress_failed", t.backend());

    let commands = key(&mut s, KeyCode::Char('r'));
    match commands.first().map(|c| match c {
        Effect::Identity(w) => w.as_ref().clone(),
        other => panic!("{other:?}"),
    }) {
        Some(IdentityRequest::Create {
            resume: Some(report),
            ..
        }) => {
            assert_eq!(
                report.failed().map(|f| f.kind),
                Some(StepKind::GiteaAccount)
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn destructive_fix_asks_first_naming_what_the_user_owns() {
    let mut s = state(100, 30, false, false);
    select(&mut s, "contractor1");
    // contractor1's first fix is the Gitea PATCH; take it away to reach the Coder one.
    if let Some(m) = s.users.matrix.as_mut() {
        m.findings.retain(|f| f.system != System::Gitea);
    }
    let commands = apply_action(&mut s, Action::UsersFix);
    let fix = match commands.first() {
        Some(Effect::Identity(w)) => match w.as_ref() {
            IdentityRequest::PrepareFix(fix) => fix.clone(),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    };
    assert!(matches!(s.users.dialog, Some(Dialog::Preparing(_))));
    update(&mut s, Event::Identity(IdentityEvent::ConfirmReady {
        fix: fix.clone(),
        text: "Delete Coder user contractor1 <contractor1@example.com> and create them again with login_type oidc? They own 1 workspace(s): dev.".into(),
    }));
    let t = draw(&s);
    let text = screen_text(&t);
    assert!(text.contains("They own 1 workspace(s): dev"), "{text}");
    assert!(text.contains("UPDATE users SET"), "{text}");
    insta::assert_snapshot!("confirm_recreate", t.backend());
    let commands = key(&mut s, KeyCode::Char('y'));
    assert!(
        matches!(commands.first(), Some(Effect::Identity(w)) if **w == IdentityRequest::ApplyFix(fix.clone()))
    );
}

/// Coder refuses to delete a user who owns workspaces: the worker's preparation (against a
/// fake Coder that refuses) turns the fix into the SQL route, and the dialog offers only that
/// and the user's own convert-login, never delete and recreate.
#[tokio::test]
async fn with_workspaces_the_dialog_offers_only_the_sql_route_and_convert_login() {
    use fake_identity::*;
    use poc_tui::identity::credentials::from_config;
    use poc_tui::identity::fix::prepare;
    use poc_tui::identity::login_type::SqlRoute;
    use poc_tui::identity::{connect, Fix};

    let stack = FakeStack::start(10);
    {
        let mut w = stack.world();
        w.add_coder("admin", CODER_EMAIL, "password", true);
        w.add_coder("contractor1", "contractor1@example.com", "password", false);
        w.workspaces.push(("contractor1".into(), "dev".into()));
    }
    let text = stack.config_toml();
    let config = load_from_texts(EMBEDDED_DEFAULT, Some(("t.toml", &text))).expect("config");
    let clients = connect(
        &from_config(&config, |_| None),
        Duration::from_secs(5),
        false,
    )
    .await;
    let user_id = stack.world().coder_user("contractor1").expect("made")["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let recreate = Fix::RecreateCoderOidc {
        user_id,
        username: "contractor1".into(),
        name: "C1".into(),
        email: "contractor1@example.com".into(),
        sql: String::new(),
    };
    let (fix, text) = prepare(&recreate, &clients, &SqlRoute::of(&config, None))
        .await
        .expect("prepared");
    assert!(matches!(fix, Fix::CoderLoginTypeSql { .. }), "{fix:?}");

    let mut s = state(100, 30, false, false);
    select(&mut s, "contractor1");
    if let Some(m) = s.users.matrix.as_mut() {
        m.findings.retain(|f| f.system != System::Gitea);
    }
    apply_action(&mut s, Action::UsersFix);
    update(
        &mut s,
        Event::Identity(IdentityEvent::ConfirmReady {
            fix: fix.clone(),
            text,
        }),
    );
    let screen = screen_text(&draw(&s));
    assert!(
        screen.contains("Confirm a change in Coder's database"),
        "{screen}"
    );
    assert!(
        screen.contains("run it, then read the user back"),
        "{screen}"
    );
    assert!(screen.contains("convert-login"), "{screen}");
    assert!(screen.contains("docker exec postgres psql"), "{screen}");
    assert!(!screen.contains("delete and recreate"), "{screen}");
    assert!(screen.contains("c  copy the command"), "{screen}");
    // c copies the command shown, whole, through OSC 52; the dialog stays.
    let Fix::CoderLoginTypeSql { command, .. } = &fix else {
        panic!("{fix:?}");
    };
    let copied = key(&mut s, KeyCode::Char('c'));
    assert_eq!(
        copied,
        vec![Effect::Clipboard(poc_tui::identity::login_type::shown(
            command
        ))]
    );
    assert!(matches!(s.users.dialog, Some(Dialog::Confirm { .. })));
    let commands = key(&mut s, KeyCode::Char('y'));
    assert!(
        matches!(commands.first(), Some(Effect::Identity(w)) if **w == IdentityRequest::ApplyFix(fix.clone())),
        "{commands:?}"
    );
    assert!(!stack.world().seen.iter().any(|r| r.method == "DELETE"));
}

#[test]
fn read_only_disables_create_and_fix() {
    let mut s = state(80, 24, false, true);
    assert!(key(&mut s, KeyCode::Char('n')).is_empty());
    assert!(s.users.dialog.is_none());
    select(&mut s, "contractor2");
    assert!(apply_action(&mut s, Action::UsersFix).is_empty());
    assert_eq!(s.status.as_deref(), Some("read-only: changes are disabled"));
}

#[test]
fn no_authentik_token_says_how_to_make_one() {
    let mut s = state(100, 30, false, false);
    s.users.authentik_hint = Some(poc_tui::identity::AUTHENTIK_TOKEN_HOWTO.into());
    let text = screen_text(&draw(&s));
    assert!(text.contains("Tokens and App passwords"), "{text}");
}

/// A writer that keeps everything tracing writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn secrets_never_reach_tracing_or_the_screen() {
    use fake_identity::*;
    use poc_tui::identity::create::run;
    use poc_tui::identity::credentials::from_config;
    use poc_tui::identity::{connect, snapshot, CreateContext, Sensitive};

    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let stack = FakeStack::start(2);
    stack
        .world()
        .add_coder("admin", CODER_EMAIL, "password", true);
    stack
        .world()
        .add_gitea("gone", "gone@example.com", false, false, 0);
    let text = stack.config_toml();
    let config = load_from_texts(EMBEDDED_DEFAULT, Some(("t", &text))).expect("loads");
    let creds = from_config(&config, |_| None);
    let clients = connect(&creds, Duration::from_secs(5), false).await;
    let password = Sensitive::new("New-User-Pass-31");
    stack.world().failures.push(Failure {
        system: "gitea",
        method: "POST",
        path_contains: "/api/v1/admin/users",
        status: 422,
    });
    let mut report = CreateReport::plan(NewUser {
        username: "dana".into(),
        email: "dana@example.com".into(),
        name: "Dana".into(),
        role: "contractor".into(),
    });
    let ctx = CreateContext {
        clients: &clients,
        config: &config,
        settings: &config.identity,
        password: Some(&password),
    };
    run(&mut report, &ctx, |_| {}).await;
    run(&mut report, &ctx, |_| {}).await;
    assert!(report.is_complete());
    let matrix = compute(&config, &config.identity, &snapshot(&clients).await);
    tracing::debug!(?creds, ?clients, ?password, "state after create");

    let mut state = State::new(Arc::new(config), false);
    state.set_initial_size(160, 48);
    apply_action(&mut state, Action::GoToTab(Tab::Users));
    update(
        &mut state,
        Event::Identity(IdentityEvent::Loaded {
            matrix: Box::new(matrix),
            origins: creds.origins(),
            authentik_hint: None,
        }),
    );
    update(
        &mut state,
        Event::Identity(IdentityEvent::CreateFinished(report)),
    );
    let screen = screen_text(&draw(&state));

    let log = String::from_utf8_lossy(&captured.0.lock().expect("lock")).into_owned();
    assert!(
        log.contains("create user step"),
        "tracing captured nothing useful:\n{log}"
    );
    for secret in [
        AK_TOKEN,
        GITEA_PASSWORD,
        CODER_PASSWORD,
        CODER_SESSION,
        "New-User-Pass-31",
    ] {
        assert!(!log.contains(secret), "{secret} in tracing output");
        assert!(!screen.contains(secret), "{secret} on screen");
    }
}

/// User creations and fixes are history too: `H` lists them with their outcome.
#[test]
fn identity_actions_appear_in_the_history() {
    let mut s = state(100, 30, false, false);
    update(
        &mut s,
        Event::Identity(IdentityEvent::CreateFinished(progress_report(true))),
    );
    update(
        &mut s,
        Event::Identity(IdentityEvent::FixDone(Ok(
            "created contractor2 in Authentik with a password".into(),
        ))),
    );
    update(
        &mut s,
        Event::Identity(IdentityEvent::FixDone(Err(
            "Coder: HTTP 400 on delete user".into(),
        ))),
    );
    let records = &s.actions.identity_history;
    assert_eq!(records.len(), 3);
    assert!(!records[0].ok && records[0].outcome.contains("HTTP 400"));
    assert!(records[1].ok);
    assert!(
        !records[2].ok,
        "a create that stopped failed: {:?}",
        records[2]
    );
    assert!(
        records[2].outcome.contains("stopped at Gitea: account"),
        "{:?}",
        records[2]
    );

    s.tab = Tab::Services;
    apply_action(
        &mut s,
        Action::ServiceAction(poc_tui::app::vocab::ActionKey::History),
    );
    let text = screen_text(&draw(&s));
    assert!(text.contains("Users tab (newest first):"), "{text}");
    assert!(text.contains("✗ create dana as contractor"), "{text}");
    assert!(
        text.contains("✓ fix · created contractor2 in Authentik"),
        "{text}"
    );
}

#[test]
fn ctrl_c_during_a_user_creation_asks_and_wait_quits_when_it_ends() {
    let mut s = state(120, 40, false, false);
    update(
        &mut s,
        Event::Identity(IdentityEvent::CreateProgress(progress_report(false))),
    );
    let effects = update(
        &mut s,
        Event::Key(KeyPress::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert!(!effects.contains(&Effect::Quit), "{effects:?}");
    let text = screen_text(&draw(&s));
    assert!(text.contains("creating dana"), "{text}");
    assert!(key(&mut s, KeyCode::Char('w')).is_empty());
    assert!(!s.quit);
    let effects = update(
        &mut s,
        Event::Identity(IdentityEvent::CreateFinished(progress_report(true))),
    );
    assert!(effects.contains(&Effect::Quit), "{effects:?}");
}
