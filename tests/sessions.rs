//! No Coder session is left behind: `users`, `doctor` and `bundle` through the real binary
//! each log in to the fake Coder with a password and end with no session it still holds, also
//! when SIGTERM stops `bundle` or `doctor` while their request to Coder is in flight; a
//! diagnosis logs in once per pass, and the console's diagnosis worker ends a cancelled pass's
//! session; the console's identity worker logs in again only on a 401 from Coder (never on
//! Coder's or Authentik's 403), and ends the old session before the new login.

mod common;
#[path = "common/fake_http.rs"]
mod fake_http;
#[path = "common/fake_identity.rs"]
mod fake_identity;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

/// `poc-tui --config <config> <args>` in `dir`, isolated from the user's files and engine.
fn poc_tui(dir: &std::path::Path, config: &std::path::Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_poc-tui"));
    cmd.current_dir(dir)
        .env("XDG_CONFIG_HOME", dir.join("xdg"))
        .env("POC_TUI_DATA", dir.join("data"))
        .env("DOCKER_HOST", "unix:///nonexistent/poctui-test.sock")
        .env_remove("POC_TUI_CONFIG")
        .env_remove("AUTHENTIK_TOKEN")
        .arg("--config")
        .arg(config)
        .args(args);
    cmd
}

fn isolated_config(stack: &FakeStack) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("sessions.toml");
    common::write_isolated(&config, &common::neutralised(&stack.config_toml()));
    (dir, config)
}

/// Waits (at most 20 s) until the fake saw a request from poc-tui matching `seen`.
fn wait_until_seen(stack: &FakeStack, what: &str, seen: impl Fn(&Seen) -> bool) {
    let until = Instant::now() + Duration::from_secs(20);
    while !stack.world().seen.iter().any(&seen) {
        assert!(Instant::now() < until, "poc-tui never sent {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends SIGTERM to the child (by its own pid) and waits at most 15 s for it to end.
fn terminate(child: &mut std::process::Child) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    let sent = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(sent.success(), "SIGTERM not sent");
    let until = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > until {
            let _ = child.kill();
            panic!("poc-tui did not end within 15 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn users_doctor_and_bundle_leave_no_coder_session() {
    let stack = stack();
    let (dir, config) = isolated_config(&stack);
    let commands: [&[&str]; 3] = [
        &["users", "--json"],
        &["doctor", "--json", "--only", "sso"],
        &["bundle", "-o", "sessions.tar.gz"],
    ];
    for args in commands {
        let logins = stack.world().coder_logins;
        let out = poc_tui(dir.path(), &config, args).output().expect("runs");
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

#[test]
fn bundle_stopped_by_sigterm_while_reading_coder_users_logs_its_session_out() {
    let stack = stack();
    let (dir, config) = isolated_config(&stack);
    // The users step's read of Coder's users hangs, so SIGTERM lands while it is in flight.
    stack.world().delays.push(Delay {
        system: "coder",
        method: "GET",
        path_contains: "/api/v2/users",
        hold: Duration::from_secs(60),
    });
    let mut child = poc_tui(dir.path(), &config, &["bundle", "-o", "stopped.tar.gz"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    wait_until_seen(&stack, "the users list request to Coder", |s| {
        s.system == "coder" && s.method == "GET" && s.path.starts_with("/api/v2/users")
    });
    assert_eq!(
        stack.world().coder_sessions.len(),
        1,
        "the users step holds its session while it reads"
    );
    let status = terminate(&mut child);
    let stderr = std::io::read_to_string(child.stderr.take().expect("stderr")).expect("stderr");
    assert_eq!(status.code(), Some(143), "{stderr}");
    assert!(stderr.contains("stopped by SIGTERM"), "{stderr}");
    assert!(!dir.path().join("stopped.tar.gz").exists(), "no archive");
    let w = stack.world();
    assert_eq!(w.coder_logins, 1, "{stderr}");
    assert_eq!(
        w.coder_sessions.len(),
        0,
        "SIGTERM left the bundle's Coder session open ({} logouts): {stderr}",
        w.coder_logouts
    );
}

#[test]
fn doctor_logs_in_once_and_logs_out_also_when_stopped_by_sigterm() {
    let stack = stack();
    let (dir, config) = isolated_config(&stack);
    // A whole pass over every area: one login, the session ended at the end.
    let out = poc_tui(dir.path(), &config, &["doctor", "--json"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{stderr}");
    {
        let w = stack.world();
        assert_eq!(w.coder_logins, 1, "one Coder login per pass: {stderr}");
        assert_eq!(w.coder_sessions.len(), 0, "the pass left its session open");
    }

    // Stopped while its first request with the session (the deployment config) is in flight.
    stack.world().delays.push(Delay {
        system: "coder",
        method: "GET",
        path_contains: "/api/v2/deployment/config",
        hold: Duration::from_secs(60),
    });
    let seen_before = stack.world().seen.len();
    let mut child = poc_tui(dir.path(), &config, &["doctor", "--json"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    {
        let until = Instant::now() + Duration::from_secs(20);
        while !stack.world().seen[seen_before..]
            .iter()
            .any(|s| s.path.starts_with("/api/v2/deployment/config"))
        {
            assert!(
                Instant::now() < until,
                "doctor never read the deployment config"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    assert_eq!(stack.world().coder_sessions.len(), 1);
    let status = terminate(&mut child);
    let stderr = std::io::read_to_string(child.stderr.take().expect("stderr")).expect("stderr");
    assert_eq!(status.code(), Some(143), "{stderr}");
    let w = stack.world();
    assert_eq!(w.coder_logins, 2, "{stderr}");
    assert_eq!(
        w.coder_sessions.len(),
        0,
        "SIGTERM left doctor's Coder session open: {stderr}"
    );
}

#[tokio::test]
async fn the_console_diagnosis_ends_a_cancelled_pass_session() {
    use poc_tui::diagnose::worker::{spawn, DiagnoseRequest, WorkerSettings};
    let stack = stack();
    stack.world().delays.push(Delay {
        system: "coder",
        method: "GET",
        path_contains: "/api/v2/deployment/config",
        hold: Duration::from_secs(60),
    });
    let config = poc_tui::config::load_from_texts(
        poc_tui::config::EMBEDDED_DEFAULT,
        Some(("t", &common::neutralised(&stack.config_toml()))),
    )
    .expect("config");
    let settings = WorkerSettings::from_config(
        &config,
        Some("unix:///nonexistent/poctui-test.sock".into()),
        poc_tui::config::Policy::read_only(),
    );
    let (tx, mut news) = tokio::sync::mpsc::channel(8);
    let cancel = tokio_util::sync::CancellationToken::new();
    let (requests, cleanup) = spawn(std::sync::Arc::new(config), settings, tx, cancel.clone());
    requests.send(DiagnoseRequest::Run).await.expect("sent");
    let until = Instant::now() + Duration::from_secs(20);
    while !stack
        .world()
        .seen
        .iter()
        .any(|s| s.path.starts_with("/api/v2/deployment/config"))
    {
        assert!(
            Instant::now() < until,
            "the pass never read the deployment config"
        );
        while news.try_recv().is_ok() {}
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(stack.world().coder_sessions.len(), 1);
    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(10), cleanup)
        .await
        .expect("the worker stops in time")
        .expect("the worker does not panic");
    let w = stack.world();
    assert_eq!(w.coder_logins, 1);
    assert_eq!(
        w.coder_sessions.len(),
        0,
        "the cancelled pass left its session open"
    );
}

#[tokio::test]
async fn an_authentik_403_never_makes_the_worker_log_in_to_coder_again() {
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

    // Authentik's 403 (a token it does not know) renews Authentik's side only.
    let ak_reads = |w: &World| {
        w.seen
            .iter()
            .filter(|s| s.system == "authentik" && s.path.starts_with("/api/v3/core/users"))
            .count()
    };
    let before = ak_reads(&stack.world());
    stack.world().failures.push(Failure {
        system: "authentik",
        method: "GET",
        path_contains: "/api/v3/core/users",
        status: 403,
    });
    commands.send(IdentityRequest::Refresh).await.expect("sent");
    next_load(&mut news).await;
    {
        let w = stack.world();
        assert!(
            ak_reads(&w) >= before + 2,
            "Authentik was not read again after its 403"
        );
        assert_eq!(
            w.coder_logins, 1,
            "an Authentik 403 made poc-tui log in to Coder again"
        );
        assert_eq!(
            w.coder_logouts, 0,
            "an Authentik 403 ended the Coder session"
        );
        assert_eq!(w.coder_sessions.len(), 1);
    }

    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the worker stops in time")
        .expect("the worker does not panic");
    assert!(stack.world().coder_sessions.is_empty());
}

#[path = "common/pty_session.rs"]
mod pty_session;

/// A whole console session in a real terminal: the Users tab reads the three systems (the
/// Users worker and the workspace list each log in to Coder), the Networking and SSO tabs run
/// a pass; after `q` the fake Coder holds no session.
#[test]
fn a_console_session_leaves_no_coder_session() {
    let stack = stack();
    let (_dir, config) = isolated_config(&stack);
    let config = config.to_str().expect("utf-8").to_owned();
    let mut s = pty_session::Session::start_with_env(
        &["--config", &config],
        &[
            ("DOCKER_HOST", "unix:///nonexistent/poctui-test.sock"),
            ("AUTHENTIK_TOKEN", ""),
        ],
        140,
        40,
    );
    s.wait_for("1 Services");
    s.press("2");
    s.wait_for("user0");
    s.press("4");
    s.wait_for_pass(Duration::from_secs(60));
    assert!(
        stack.world().coder_logins >= 1,
        "the console never logged in to Coder: the count below means nothing"
    );
    s.press("q");
    let status = s.wait_exit();
    assert!(status.success(), "{status:?}");
    let w = stack.world();
    assert_eq!(
        w.coder_sessions.len(),
        0,
        "the console left a Coder session open ({} logins, {} logouts)",
        w.coder_logins,
        w.coder_logouts
    );
}
