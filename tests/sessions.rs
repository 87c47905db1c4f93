//! No Coder session is left behind: `users`, `doctor` and `bundle` through the real binary
//! each log in to the fake Coder with a password and end with no session it still holds; the
//! console's identity worker logs in again only on a 401 from Coder (never on its 403), and
//! ends the old session before the new login.

mod common;
#[path = "common/fake_http.rs"]
mod fake_http;
#[path = "common/fake_identity.rs"]
mod fake_identity;

use std::time::Duration;

use fake_identity::*;

fn stack() -> FakeStack {
    let stack = FakeStack::start(10);
    {
        let mut w = stack.world();
        w.add_authentik("akadmin", "akadmin@example.com", true);
        w.add_coder("admin", CODER_EMAIL, "password", true);
        w.add_coder("user0", "user0@example.com", "oidc", false);
    }
    stack
}

#[test]
fn users_doctor_and_bundle_leave_no_coder_session() {
    let stack = stack();
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("sessions.toml");
    common::write_isolated(&config, &common::neutralised(&stack.config_toml()));
    let commands: [&[&str]; 3] = [
        &["users", "--json"],
        &["doctor", "--json", "--only", "sso"],
        &["bundle", "-o", "sessions.tar.gz"],
    ];
    for args in commands {
        let logins = stack.world().coder_logins;
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_poc-tui"))
            .current_dir(dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("xdg"))
            .env("POC_TUI_DATA", dir.path().join("data"))
            .env("DOCKER_HOST", "unix:///nonexistent/poctui-test.sock")
            .env_remove("POC_TUI_CONFIG")
            .env_remove("AUTHENTIK_TOKEN")
            .arg("--config")
            .arg(&config)
            .args(args)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{args:?}: {:?} {stderr}",
            out.status
        );
        let w = stack.world();
        assert!(
            w.coder_logins > logins,
            "{args:?} did not log in to Coder; the count below means nothing: {stderr}"
        );
        assert_eq!(
            w.coder_sessions.len(),
            0,
            "{args:?} left a Coder session open ({} logins, {} logouts)",
            w.coder_logins,
            w.coder_logouts
        );
    }
}

async fn next_load(
    news: &mut tokio::sync::mpsc::Receiver<poc_tui::identity::worker::IdentityEvent>,
) {
    use poc_tui::identity::worker::IdentityEvent;
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), news.recv())
            .await
            .expect("the worker answers")
            .expect("the worker runs");
        if matches!(event, IdentityEvent::Loaded { .. }) {
            return;
        }
    }
}

#[tokio::test]
async fn the_worker_logs_in_again_only_after_a_401_and_ends_the_old_session_first() {
    use poc_tui::identity::worker::{spawn_with_task, IdentityRequest};
    let stack = stack();
    let config = poc_tui::config::load_from_texts(
        poc_tui::config::EMBEDDED_DEFAULT,
        Some(("t", &common::neutralised(&stack.config_toml()))),
    )
    .expect("config");
    let (tx, mut news) = tokio::sync::mpsc::channel(32);
    let cancel = tokio_util::sync::CancellationToken::new();
    let (commands, task) =
        spawn_with_task(std::sync::Arc::new(config), true, None, tx, cancel.clone());
    next_load(&mut news).await;
    assert_eq!(stack.world().coder_logins, 1);

    // A 403 from Coder is a refusal, not an ended session: no new login.
    stack.world().failures.push(Failure {
        system: "coder",
        method: "GET",
        path_contains: "/api/v2/users",
        status: 403,
    });
    commands.send(IdentityRequest::Refresh).await.expect("sent");
    next_load(&mut news).await;
    assert_eq!(
        stack.world().coder_logins,
        1,
        "a 403 made poc-tui log in again"
    );
    assert_eq!(stack.world().coder_logouts, 0);

    // A 401 (the session is no longer valid): the old session is ended, then one new login.
    stack.world().failures.push(Failure {
        system: "coder",
        method: "GET",
        path_contains: "/api/v2/users",
        status: 401,
    });
    commands.send(IdentityRequest::Refresh).await.expect("sent");
    next_load(&mut news).await;
    {
        let w = stack.world();
        assert_eq!(w.coder_logins, 2, "one new login after the 401");
        assert_eq!(w.coder_logouts, 1, "the old session was not ended first");
        assert_eq!(w.coder_sessions.len(), 1, "exactly the new session is open");
        let logout = w
            .seen
            .iter()
            .position(|s| s.path.ends_with("/users/logout"))
            .expect("a logout");
        let second_login = w
            .seen
            .iter()
            .enumerate()
            .filter(|(_, s)| s.path.ends_with("/users/login"))
            .nth(1)
            .map(|(i, _)| i)
            .expect("a second login");
        assert!(
            logout < second_login,
            "logged in before ending the old session"
        );
    }

    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the worker stops in time")
        .expect("the worker does not panic");
    assert!(
        stack.world().coder_sessions.is_empty(),
        "a session left open at exit"
    );
}
