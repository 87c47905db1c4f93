//! The real binary in a real pseudo-terminal against the real engine and the stand-in stack:
//! containers appear in their rows, `docker stop` / `docker start` change a row through the
//! events stream, Docker health shows, and `poc-tui ps --json` agrees.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/docker_support.rs"]
mod docker_support;
#[path = "common/pty_session.rs"]
mod pty_session;

use std::time::{Duration, Instant};

use assert_cmd::Command;
use docker_support::{engine_or_skip, run, StackGuard};
use pty_session::Session;

const CONFIG: &str = "tests/stack/poc-tui.toml";

/// The stand-in's config with what it leaves at a default POC port (browser URLs,
/// credentials, services it lacks) pointed at a closed port, in a temp dir.
fn stack_config() -> (tempfile::TempDir, String) {
    let text =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(CONFIG))
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("poc-tui.toml");
    common::write_isolated(&path, &common::neutralised(&text));
    let path = path.to_str().unwrap().to_owned();
    (dir, path)
}

/// The screen line of the row whose first cell is `name`.
fn row(s: &Session, name: &str) -> String {
    s.contents()
        .lines()
        .find(|l| l.trim_start_matches('│').starts_with(name))
        .unwrap_or_default()
        .to_owned()
}

fn wait_row(s: &Session, name: &str, needle: &str, limit: Duration) -> Duration {
    let started = Instant::now();
    while started.elapsed() < limit {
        if row(s, name).contains(needle) {
            return started.elapsed();
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!(
        "row {name:?} never showed {needle:?} within {limit:?}; screen:\n{}",
        s.contents()
    );
}

#[allow(clippy::too_many_lines)] // one scenario, read top to bottom
#[tokio::test(flavor = "multi_thread")]
async fn services_tab_follows_the_engine() {
    if !engine_or_skip("services_tab_follows_the_engine").await {
        return;
    }
    let _stack = StackGuard::up();
    let (_config_dir, config) = stack_config();

    let mut s = Session::start(&["--config", &config], 170, 45);
    s.wait_for("Coder workspaces");
    s.wait_for("alice/dev");
    s.wait_for("bob/api");
    wait_row(&s, "Gitea", "running", Duration::from_secs(10));
    wait_row(&s, "Gitea", "● up", Duration::from_secs(15));
    // The Docker HEALTHCHECK of the stand-in AI gateway turns healthy after a few seconds.
    wait_row(&s, "AI Gateway", "healthy", Duration::from_secs(20));
    // Two one-shot samples give a CPU figure for the selected (focused) container.
    wait_row(&s, "Coder ", "%", Duration::from_secs(20));

    // Internal services (no published port) are probed inside their containers.
    for name in ["Coder DB", "Authentik DB", "Authentik Redis", "DevDB"] {
        wait_row(&s, name, "● up", Duration::from_secs(15));
        assert!(row(&s, name).contains("internal"), "{}", row(&s, name));
    }
    wait_row(&s, "Authentik worker", "● up", Duration::from_secs(15));

    // A SIGKILL reaches the service's row, named, within 2 s: the die event re-probes it.
    run(
        "docker",
        &["kill", "-s", "KILL", "poctui-test-authentik-server"],
    );
    let took = wait_row(&s, "Authentik  ", "killed (exit", Duration::from_secs(2));
    assert!(
        row(&s, "Authentik  ").contains("✗ down"),
        "{}",
        row(&s, "Authentik  ")
    );
    eprintln!("the kill reached the row {took:?} after `docker kill` returned");
    run("docker", &["start", "poctui-test-authentik-server"]);
    wait_row(&s, "Authentik  ", "● up", Duration::from_secs(5));

    run("docker", &["stop", "-t", "1", "poctui-test-gitea"]);
    let took = wait_row(&s, "Gitea", "exited", Duration::from_secs(5));
    eprintln!("stop reached the screen {took:?} after `docker stop` returned");
    run("docker", &["start", "poctui-test-gitea"]);
    wait_row(&s, "Gitea", "running", Duration::from_secs(5));

    // `/` filters the list down to a workspace.
    s.press("/alice\r");
    s.wait_for("filter: alice");
    assert!(!s.contents().contains("bob/api"));
    s.press("\u{1b}");
    // Wait for Esc to land: an ESC followed at once by `q` reads as Alt-q.
    s.wait_for("bob/api");

    s.press("q");
    assert!(s.wait_exit().success());
    assert!(s.restored());

    // The headless view of the same engine.
    let out = Command::cargo_bin("poc-tui")
        .unwrap()
        .args(["--config", &config, "ps", "--json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let service = |key: &str| {
        json["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == key)
            .unwrap()
            .clone()
    };
    assert_eq!(
        service("gitea")["containers"][0]["name"],
        "poctui-test-gitea"
    );
    assert_eq!(service("gitea")["containers"][0]["state"], "running");
    // One container serves both MinIO services.
    assert_eq!(
        service("minio-console")["containers"][0]["name"],
        "poctui-test-minio"
    );
    assert_eq!(
        service("minio-api")["containers"][0]["name"],
        "poctui-test-minio"
    );
    let owners: Vec<&str> = json["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        // Only the stand-in stack's own workspaces (other tests may run workspaces too).
        .filter(|w| {
            w["container"]["name"]
                .as_str()
                .unwrap()
                .starts_with("poctui-test-coder-")
        })
        .map(|w| w["owner"].as_str().unwrap())
        .collect();
    assert_eq!(owners, vec!["alice", "bob"]);
    // The stand-in has no Platform Admin container, so not every service has one: exit 1.
    assert_eq!(out.status.code(), Some(1));

    // `check` on the healthy stand-in: every service up where it lives, the one that is not
    // deployed skipped, exit 0.
    let check = |extra: &[&str]| {
        let out = Command::cargo_bin("poc-tui")
            .unwrap()
            .args(["--config", &config])
            .args(extra)
            .args(["check", "--json"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), json)
    };
    let health = |json: &serde_json::Value, key: &str| {
        let entry = json["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["service"] == key)
            .unwrap_or_else(|| panic!("{key} not checked: {json}"))
            .clone();
        (
            entry["health"].as_str().unwrap().to_owned(),
            entry["reason"].as_str().unwrap().to_owned(),
        )
    };
    let (code, json) = check(&[]);
    assert_eq!(code, Some(0), "{json:#}");
    for key in ["coder-db", "authentik-db", "authentik-redis", "devdb"] {
        let (h, reason) = health(&json, key);
        assert_eq!(h, "up", "{key}: {reason}");
        assert!(reason.starts_with("internal: "), "{key}: {reason}");
    }
    assert_eq!(health(&json, "authentik-redis").1, "internal: PONG");
    assert_eq!(health(&json, "authentik-worker").0, "up");
    assert_eq!(
        health(&json, "platform-admin"),
        (
            "skipped".to_owned(),
            "not deployed: no container".to_owned()
        )
    );
    // Read-only: nothing is exec'd, so the internal ones are skipped, neither up nor down.
    let (code, json) = check(&["--read-only"]);
    assert_eq!(code, Some(0), "{json:#}");
    for key in ["coder-db", "authentik-db", "authentik-redis", "devdb"] {
        assert_eq!(health(&json, key).0, "skipped", "{key}");
    }
    assert_eq!(health(&json, "gitea").0, "up");

    // `doctor` compares the stack's containers with the compose files: nothing drifted.
    let out = Command::cargo_bin("poc-tui")
        .unwrap()
        .args([
            "--config",
            &config,
            "doctor",
            "--only",
            "networking",
            "--json",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let drift: Vec<&serde_json::Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "config-drift")
        .collect();
    assert_eq!(drift.len(), 1, "{drift:?}");
    assert_eq!(drift[0]["severity"], "ok", "{drift:?}");

    // From inside the stack, the internal PostgreSQL and Redis count as reached when they
    // answer their protocol's hello; a stopped one is not reached.
    let inside = |json: &serde_json::Value, key: &str| {
        json["urls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["service"] == key)
            .unwrap_or_else(|| panic!("no URL row for {key}: {json}"))["inside"]["reach"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    for key in ["coder-db", "authentik-db", "authentik-redis", "devdb"] {
        assert_eq!(inside(&json, key), "reached", "{key}: {json:#}");
    }
    run(
        "docker",
        &["stop", "-t", "1", "poctui-test-authentik-redis"],
    );
    let out = Command::cargo_bin("poc-tui")
        .unwrap()
        .args([
            "--config",
            &config,
            "doctor",
            "--only",
            "networking",
            "--json",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(inside(&json, "authentik-redis"), "failed", "{json:#}");
    assert_eq!(inside(&json, "devdb"), "reached");
}
