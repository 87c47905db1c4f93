//! The Timeline tab against the real engine and the stand-in stack, through the real binary in
//! a pseudo-terminal: a SIGKILL, a stop, a compose action and a probe transition show on tab 5
//! and in `poc-tui timeline --json` (the same file), and are still there after a restart.
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
use serde_json::Value;

const CONFIG: &str = "tests/stack/poc-tui.toml";

fn stack_config(dir: &std::path::Path) -> String {
    let text =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(CONFIG))
            .unwrap();
    let path = dir.join("poc-tui.toml");
    common::write_isolated(&path, &common::neutralised(&text));
    path.to_str().unwrap().to_owned()
}

fn row(s: &Session, name: &str) -> String {
    s.contents()
        .lines()
        .find(|l| l.trim_start_matches('│').starts_with(name))
        .unwrap_or_default()
        .to_owned()
}

fn wait_row(s: &Session, name: &str, needle: &str, limit: Duration) {
    let started = Instant::now();
    while started.elapsed() < limit {
        if row(s, name).contains(needle) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "row {name:?} never showed {needle:?}; screen:\n{}",
        s.contents()
    );
}

/// The entries of `poc-tui timeline --json`, oldest first.
fn timeline_json(config: &str, data: &str) -> Vec<Value> {
    let out = Command::cargo_bin("poc-tui")
        .unwrap()
        .args(["--config", config, "timeline", "--json", "--no-fold"])
        .env("POC_TUI_DATA", data)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    let mut entries = json["entries"].as_array().unwrap().clone();
    entries.reverse();
    entries
}

/// The latest entry that matches (the engine's history may hold earlier runs' too).
fn position(entries: &[Value], what: &str, pick: impl Fn(&Value) -> bool) -> usize {
    entries
        .iter()
        .rposition(pick)
        .unwrap_or_else(|| panic!("no {what} entry in:\n{entries:#?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_console_records_what_happens_and_the_timeline_shows_it_after_a_restart() {
    if !engine_or_skip("the_console_records_what_happens").await {
        return;
    }
    let _stack = StackGuard::up();
    let dir = tempfile::tempdir().unwrap();
    let config = stack_config(dir.path());
    let data = dir.path().join("data");
    let data = data.to_str().unwrap().to_owned();
    let env = [("POC_TUI_DATA", data.as_str())];

    let mut s = Session::start_with_env(&["--config", &config], &env, 170, 45);
    wait_row(&s, "Gitea", "● up", Duration::from_secs(20));
    wait_row(&s, "Mailpit", "● up", Duration::from_secs(20));

    // A compose action from the console: `u` on Mailpit (nothing to change: up to date).
    s.press("/mailpit\r");
    s.wait_for("filter: mailpit");
    s.press("u");
    s.wait_for_within("✓", Duration::from_secs(60));
    s.press("\u{1b}");
    std::thread::sleep(Duration::from_millis(300));
    s.press("\u{1b}");
    std::thread::sleep(Duration::from_millis(300));

    // A SIGKILL and a stop, from outside the console.
    run(
        "docker",
        &["kill", "-s", "KILL", "poctui-test-authentik-server"],
    );
    run("docker", &["stop", "-t", "1", "poctui-test-gitea"]);
    wait_row(&s, "Gitea", "✗ down", Duration::from_secs(15));

    s.press("5");
    s.wait_for("Timeline (");
    s.wait_for_within("exited with code 137 (SIGKILL)", Duration::from_secs(10));
    s.wait_for_within("Gitea: up → down", Duration::from_secs(10));
    s.wait_for("stopped");
    let screen = s.contents();
    assert!(
        screen.contains("action"),
        "the compose action is listed:\n{screen}"
    );

    // `/` filters the tab.
    s.press("/authentik\r");
    std::thread::sleep(Duration::from_millis(300));
    let filtered = s.contents();
    assert!(filtered.contains("137"), "{filtered}");
    assert!(!filtered.contains("Gitea: up → down"), "{filtered}");
    s.press("q");
    assert!(s.wait_exit().success());

    // The same file, read by the headless command: in order, with the facts.
    let entries = timeline_json(&config, &data);
    let action = position(&entries, "compose action", |e| {
        e["kind"] == "action" && e["subject"] == "mailpit"
    });
    let die = position(&entries, "die 137", |e| {
        e["kind"] == "engine" && e["event"] == "die" && e["details"]["exit_code"] == 137
    });
    let stop = position(&entries, "gitea stop", |e| {
        e["kind"] == "engine" && e["event"] == "stop" && e["subject"] == "gitea"
    });
    let probe = position(&entries, "gitea probe transition", |e| {
        e["kind"] == "probe" && e["subject"] == "gitea" && e["event"] == "down"
    });
    assert!(
        action < die && die < stop && stop < probe,
        "{action} {die} {stop} {probe}"
    );
    assert_eq!(entries[action]["origin"], "recorded");
    assert_eq!(entries[action]["details"]["outcome"], "ok");
    assert!(entries[action]["details"]["command"]
        .as_str()
        .unwrap()
        .contains("mailpit"));
    assert!(entries[die]["subject"]
        .as_str()
        .unwrap()
        .contains("authentik"));

    // A new console reads them back from the file.
    let mut again = Session::start_with_env(&["--config", &config], &env, 170, 45);
    again.press("5");
    again.wait_for_within("Gitea: up → down", Duration::from_secs(20));
    again.press("q");
    assert!(again.wait_exit().success());

    run(
        "docker",
        &["start", "poctui-test-authentik-server", "poctui-test-gitea"],
    );
}
