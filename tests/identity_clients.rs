//! The three identity clients against contract fakes: auth, pagination, error answers.

mod common;
#[path = "common/diag_fake.rs"]
mod diag_fake;
#[path = "common/fake_http.rs"]
mod fake_http;
#[path = "common/fake_identity.rs"]
mod fake_identity;

use std::time::Duration;

use fake_identity::*;
use poc_tui::config::{load_from_texts, Config, EMBEDDED_DEFAULT};
use poc_tui::identity::credentials::from_config;
use poc_tui::identity::gitea::GiteaEdit;
use poc_tui::identity::{connect, snapshot, ApiError, Clients, System};

fn config(stack: &FakeStack, extra: &str) -> Config {
    load_from_texts(&toml_merge(&stack.config_toml(), extra), None).expect("config loads")
}

async fn clients(config: &Config) -> Clients {
    let creds = from_config(config, |_| None);
    connect(&creds, Duration::from_secs(5), false).await
}

fn seeded(page_size: usize, n: usize) -> FakeStack {
    let stack = FakeStack::start(page_size);
    {
        let mut w = stack.world();
        w.add_coder("admin", CODER_EMAIL, "password", true);
        for i in 0..n {
            let name = format!("user{i}");
            let email = format!("{name}@example.com");
            w.add_authentik(&name, &email, true);
            w.add_gitea(&name, &email, true, false, 0);
            w.add_coder(&name, &email, "oidc", false);
        }
    }
    stack
}

#[tokio::test]
async fn lists_follow_pagination_across_pages() {
    let stack = seeded(2, 7);
    let c = clients(&config(&stack, "")).await;
    let snap = snapshot(&c).await;
    let ak = snap.authentik.expect("read").expect("authentik ok");
    let gitea = snap.gitea.expect("read").expect("gitea ok");
    let coder = snap.coder.expect("read").expect("coder ok");
    assert_eq!(ak.len(), 7);
    assert_eq!(gitea.len(), 7);
    assert_eq!(coder.len(), 8);
    assert_eq!(ak[6].username, "user6");
    assert_eq!(gitea[6].login, "user6");
    assert_eq!(coder[7].username, "user6");
    // Four pages of two for seven users, in each system.
    let w = stack.world();
    let pages = |sys: &str, path: &str| {
        w.seen
            .iter()
            .filter(|s| s.system == sys && s.method == "GET" && s.path == path)
            .count()
    };
    assert_eq!(pages("authentik", "/api/v3/core/users/"), 4);
    assert_eq!(pages("gitea", "/api/v1/admin/users"), 4);
    assert_eq!(pages("coder", "/api/v2/users"), 4);
}

#[tokio::test]
async fn wrong_credentials_give_typed_status_errors_without_secrets() {
    let stack = seeded(10, 1);
    let bad = "[credentials.authentik]\ntoken = \"wrong-token-1234\"\n\
               [credentials.gitea]\npassword = \"wrong-pass-5678\"\n";
    let cfg = config(&stack, bad);
    let c = clients(&cfg).await;
    let snap = snapshot(&c).await;
    let ak = snap
        .authentik
        .expect("read")
        .expect_err("authentik refuses");
    assert!(ak.contains("HTTP 403"), "{ak}");
    let gitea = snap.gitea.expect("read").expect_err("gitea refuses");
    assert!(gitea.contains("HTTP 401"), "{gitea}");
    for text in [&ak, &gitea] {
        assert!(!text.contains("wrong-token-1234") && !text.contains("wrong-pass-5678"));
    }
    // Coder still works: one system's failure does not stop the others.
    assert!(snap.coder.expect("read").is_ok());
}

/// The default config with `over` appended last (later tables win in this small helper).
fn toml_merge(base: &str, over: &str) -> String {
    let mut doc: toml::Table = EMBEDDED_DEFAULT.parse().expect("default parses");
    for layer in [base, over] {
        let t: toml::Table = layer.parse().expect("layer parses");
        merge(&mut doc, t);
    }
    toml::to_string(&doc).expect("serialises")
}

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

#[tokio::test]
async fn coder_login_reports_wrong_password_and_wrong_login_type() {
    let stack = seeded(10, 0);
    stack
        .world()
        .add_coder("sso-admin", "sso@example.com", "oidc", true);
    let cfg = config(&stack, "[credentials.coder]\npassword = \"nope-nope\"\n");
    let err = clients(&cfg).await.coder.expect_err("login fails");
    assert_eq!(err.status(), Some(401), "{err}");

    let cfg = config(&stack, "[credentials.coder]\nemail = \"sso@example.com\"\n");
    let err = clients(&cfg).await.coder.expect_err("login type refused");
    assert_eq!(err.status(), Some(403));
    assert!(err.to_string().contains("Incorrect login type"), "{err}");
    assert!(!err.to_string().contains(CODER_PASSWORD));
}

#[tokio::test]
async fn duplicates_and_missing_users_are_typed_errors() {
    let stack = seeded(10, 1);
    let c = clients(&config(&stack, "")).await;
    let ak = c.authentik.as_ref().expect("authentik");
    let e = ak
        .create_user("user0", "User 0", "user0@example.com")
        .await
        .expect_err("duplicate");
    assert_eq!(e.status(), Some(400));
    assert!(e.to_string().contains("must be unique"), "{e}");

    let coder = c.coder.as_ref().expect("coder");
    let e = coder
        .create_oidc_user("user0", "user0@example.com", "User 0")
        .await
        .expect_err("duplicate");
    assert_eq!(e.status(), Some(409));

    let gitea = c.gitea.as_ref().expect("gitea");
    let mut ghost = gitea
        .find_user("user0")
        .await
        .expect("list")
        .expect("exists");
    ghost.login = "ghost".into();
    let e = gitea
        .edit_user(&ghost, &GiteaEdit::default())
        .await
        .expect_err("404");
    assert_eq!(e.status(), Some(404));
    assert!(coder.find_user("ghost").await.expect("ok").is_none());
}

#[tokio::test]
async fn gitea_patch_always_carries_login_name_and_source_id() {
    let stack = seeded(10, 0);
    stack
        .world()
        .add_gitea("ext", "ext@example.com", false, false, 3);
    let c = clients(&config(&stack, "")).await;
    let gitea = c.gitea.as_ref().expect("gitea");
    let current = gitea.find_user("ext").await.expect("list").expect("exists");
    gitea
        .edit_user(
            &current,
            &GiteaEdit {
                restricted: Some(true),
                ..GiteaEdit::default()
            },
        )
        .await
        .expect("patched");
    let w = stack.world();
    let patch = w
        .seen
        .iter()
        .find(|s| s.method == "PATCH")
        .expect("a PATCH was sent");
    assert_eq!(patch.body["source_id"], 3);
    assert_eq!(patch.body["login_name"], "uid-ext");
    assert_eq!(patch.body["restricted"], true);
    let after = w.gitea_user("ext").expect("still there");
    assert_eq!(after["source_id"], 3, "the OAuth link survives");
    assert_eq!(after["restricted"], true);
}

#[tokio::test]
async fn a_system_that_is_down_is_unreachable_and_the_others_still_work() {
    let stack = seeded(10, 2);
    let port = common::closed_port();
    let cfg = config(
        &stack,
        &format!("[credentials.gitea]\nurl = \"http://127.0.0.1:{port}\"\n"),
    );
    let c = clients(&cfg).await;
    let snap = snapshot(&c).await;
    assert_eq!(
        snap.unreachable(System::Gitea),
        Some("unreachable: connection refused")
    );
    assert!(snap.unreachable(System::Authentik).is_none());
    assert!(snap.unreachable(System::Coder).is_none());
}

#[tokio::test]
async fn read_only_refuses_every_change_before_sending() {
    let stack = seeded(10, 1);
    let cfg = config(&stack, "");
    let creds = from_config(&cfg, |_| None);
    let c = connect(&creds, Duration::from_secs(5), true).await;
    let e = c
        .authentik
        .as_ref()
        .expect("authentik")
        .create_user("new", "New", "new@example.com")
        .await
        .expect_err("refused");
    assert!(matches!(e, ApiError::Refused { .. }), "{e}");
    let coder = c.coder.as_ref().expect("coder");
    assert!(coder.delete_user("x").await.is_err());
    assert!(
        stack.world().changes().is_empty(),
        "nothing reached a server"
    );
}

/// A server that records every request it gets and answers 200 `{}`.
fn recorder() -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<fake_http::Request>>>,
) {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let url = fake_http::serve(std::sync::Arc::new(move |req: fake_http::Request| {
        log.lock().expect("lock").push(req);
        fake_http::Response::json(200, &serde_json::json!({}))
    }));
    (url, seen)
}

/// A server that answers every request with `status` to the same path on `target`.
fn redirector(status: u16, target: String) -> String {
    fake_http::serve(std::sync::Arc::new(move |req: fake_http::Request| {
        fake_http::Response::empty(status).with_header("location", format!("{target}{}", req.path))
    }))
}

#[tokio::test]
async fn a_redirect_to_another_port_carries_no_token_and_no_password() {
    let (sink, seen) = recorder();
    for status in [302, 307, 308] {
        let moved = redirector(status, sink.clone());
        let cfg = load_from_texts(
            &toml_merge(
                &format!(
                    "[credentials.authentik]\nurl = \"{moved}\"\ntoken = \"{AK_TOKEN}\"\n\
                     [credentials.gitea]\nurl = \"{moved}\"\nusername = \"{GITEA_USER}\"\npassword = \"{GITEA_PASSWORD}\"\n\
                     [credentials.coder]\nurl = \"{moved}\"\nemail = \"{CODER_EMAIL}\"\npassword = \"{CODER_PASSWORD}\"\n"
                ),
                "",
            ),
            None,
        )
        .expect("config loads");
        let c = clients(&cfg).await;
        let login = c.coder.as_ref().expect_err("the login is not followed");
        assert!(login.to_string().contains("redirect to"), "{login}");
        let snap = snapshot(&c).await;
        for system in [System::Authentik, System::Gitea] {
            let why = snap.unreachable(system).unwrap_or_default();
            assert!(why.contains("leaves"), "{system}: {why}");
        }
    }
    let seen = seen.lock().expect("lock");
    assert!(
        seen.is_empty(),
        "the other port got {} requests, e.g. {:?} {}",
        seen.len(),
        seen.first().map(|r| &r.method),
        seen.first().map(|r| r.path.as_str()).unwrap_or_default()
    );
}

#[tokio::test]
async fn a_redirect_within_the_origin_is_followed() {
    let server = fake_http::serve(std::sync::Arc::new(|req: fake_http::Request| {
        if req.path == "/old" {
            fake_http::Response::empty(307).with_header("location", "/new".to_owned())
        } else {
            fake_http::Response::json(200, &serde_json::json!({"at": req.path}))
        }
    }));
    let client = poc_tui::identity::api::api_client(Duration::from_secs(5)).expect("client");
    let answer = client
        .get(format!("{server}/old"))
        .send()
        .await
        .expect("followed");
    assert_eq!(answer.status(), 200);
    let body: serde_json::Value = answer.json().await.expect("json");
    assert_eq!(body["at"], "/new");
}

#[tokio::test]
async fn an_authentik_next_link_to_another_server_is_not_followed() {
    let (sink, seen) = recorder();
    let next = format!("{sink}/api/v3/core/users/?page=2");
    let server = fake_http::serve(std::sync::Arc::new(move |_req: fake_http::Request| {
        fake_http::Response::json(
            200,
            &serde_json::json!({
                "pagination": {"next": next, "count": 2},
                "results": [{"pk": 1, "username": "akadmin"}],
            }),
        )
    }));
    let cfg = load_from_texts(
        &toml_merge(
            &format!("[credentials.authentik]\nurl = \"{server}\"\ntoken = \"{AK_TOKEN}\"\n"),
            "",
        ),
        None,
    )
    .expect("config loads");
    let c = clients(&cfg).await;
    let err = c
        .authentik
        .as_ref()
        .expect("authentik")
        .list_users()
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("another server"), "{err}");
    assert!(seen.lock().expect("lock").is_empty(), "the token left");
}

/// Waits for the worker's next `Loaded`, returning the Coder column's reason if unreadable.
async fn next_load(
    news: &mut tokio::sync::mpsc::Receiver<poc_tui::identity::worker::IdentityEvent>,
) -> Option<String> {
    use poc_tui::identity::worker::IdentityEvent;
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), news.recv())
            .await
            .expect("the worker answers")
            .expect("the worker runs");
        if let IdentityEvent::Loaded { matrix, .. } = event {
            return matrix
                .systems
                .iter()
                .find(|s| s.system == System::Coder)
                .and_then(|s| s.reason.clone());
        }
    }
}

#[tokio::test]
async fn the_console_worker_logs_in_to_coder_once_and_out_at_exit() {
    use poc_tui::identity::worker::{spawn_with_task, IdentityRequest};
    let stack = seeded(50, 2);
    let config = std::sync::Arc::new(config(&stack, ""));
    let (tx, mut news) = tokio::sync::mpsc::channel(32);
    let cancel = tokio_util::sync::CancellationToken::new();
    let (commands, task) = spawn_with_task(config, true, None, tx, cancel.clone());
    assert_eq!(next_load(&mut news).await, None, "the first read works");
    for _ in 0..4 {
        commands
            .send(IdentityRequest::Refresh)
            .await
            .expect("worker takes commands");
        assert_eq!(next_load(&mut news).await, None);
    }
    assert_eq!(stack.world().coder_logins, 1, "five reads, one login");
    assert_eq!(stack.world().coder_logouts, 0);

    // A session the server ended (expiry, an admin) is replaced by one new login.
    stack.world().coder_sessions.clear();
    commands
        .send(IdentityRequest::Refresh)
        .await
        .expect("worker takes commands");
    assert_eq!(next_load(&mut news).await, None, "read again after login");
    assert_eq!(stack.world().coder_logins, 2);

    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the worker stops in time")
        .expect("the worker does not panic");
    let w = stack.world();
    assert_eq!(w.coder_logouts, 1, "exit ends the session");
    assert!(w.coder_sessions.is_empty(), "no session left open");
}

#[tokio::test]
async fn reading_users_logs_in_again_once_when_coder_was_recreated() {
    let stack = seeded(10, 2);
    let config = config(&stack, "");
    let stale = clients(&config).await;
    stack.world().coder_sessions.clear();

    // Without a new login the old session keeps failing: the retry is what cures it.
    let (_, snap) =
        poc_tui::identity::clients::snapshot_renewing(stale.clone(), async || stale.clone()).await;
    let err = snap
        .coder
        .expect("read")
        .expect_err("stale session refused");
    assert!(err.contains("401"), "{err}");

    let logins = stack.world().coder_logins;
    let (fresh, snap) = poc_tui::identity::clients::snapshot_renewing(stale.clone(), async || {
        clients(&config).await
    })
    .await;
    assert_eq!(snap.coder.expect("read").expect("coder ok").len(), 3);
    assert_eq!(stack.world().coder_logins, logins + 1, "one new login");
    // The fresh clients are handed back to be kept.
    let coder = fresh.coder.expect("connected");
    assert_eq!(coder.list_users().await.expect("fresh session").len(), 3);
}

#[tokio::test]
async fn the_users_worker_retries_a_fix_once_after_coder_was_recreated() {
    use poc_tui::identity::worker::{spawn, IdentityEvent, IdentityRequest};
    use poc_tui::identity::Fix;

    let stack = seeded(10, 1);
    let config = std::sync::Arc::new(config(&stack, ""));
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let cancel = tokio_util::sync::CancellationToken::new();
    let commands = spawn(config, false, None, tx, cancel.clone());
    let next = async |rx: &mut tokio::sync::mpsc::Receiver<IdentityEvent>| {
        tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("an event in time")
            .expect("worker alive")
    };
    while !matches!(next(&mut rx).await, IdentityEvent::Loaded { .. }) {}

    // Coder is recreated: the worker's session is void.
    stack.world().coder_sessions.clear();
    let logins = stack.world().coder_logins;
    commands
        .send(IdentityRequest::ApplyFix(Fix::CreateCoder {
            username: "newbie".into(),
            name: "New Bie".into(),
            email: "newbie@example.com".into(),
        }))
        .await
        .expect("sent");
    let result = loop {
        if let IdentityEvent::FixDone(r) = next(&mut rx).await {
            break r;
        }
    };
    assert_eq!(
        result,
        Ok("created newbie in Coder (oidc)".to_owned()),
        "retried after a new login"
    );
    assert!(stack.world().coder_user("newbie").is_some());
    assert!(stack.world().coder_logins > logins, "logged in again");
    cancel.cancel();
}

#[path = "identity_clients_parts/authentik_contract.rs"]
mod authentik_contract;
