//! `poc-tui up|restart|drift` argument handling through the real binary, without
//! an engine: hostile names are refused before any process starts, read-only
//! refuses, and a missing compose tool is one clear sentence.
#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

/// A directory of fake `docker` and `docker-compose` that record every call.
fn spy_tools(dir: &Path) -> std::path::PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = dir.join("spawned.log");
    for name in ["docker", "docker-compose"] {
        let path = bin.join(name);
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh\necho \"{name} $*\" >> '{}'\nexit 1\n",
                log.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    bin
}

fn poc_tui(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("poc-tui").unwrap();
    let path = format!("{}:/usr/bin:/bin", spy_tools(dir).display());
    cmd.env("XDG_CONFIG_HOME", dir.join("config"))
        .env("POC_TUI_DATA", dir.join("data"))
        .env_remove("POC_TUI_CONFIG")
        .env("PATH", path)
        // Nothing answers here: any engine call would fail, not succeed by accident.
        .env(
            "DOCKER_HOST",
            format!("unix://{}/no-engine.sock", dir.display()),
        );
    cmd
}

#[test]
fn hostile_service_names_are_refused_before_any_process_starts() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["up", "gitea; rm -rf /"],
        vec!["up", "--force-recreate", "gitea", "$(touch /tmp/pwned)"],
        vec!["restart", "gitea && reboot"],
        vec!["up", "--", "-v"],
        vec!["restart", "`id`"],
    ] {
        poc_tui(dir.path())
            .args(&args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains("is not allowed"));
    }
    assert!(
        !dir.path().join("spawned.log").exists(),
        "a tool was started: {}",
        std::fs::read_to_string(dir.path().join("spawned.log")).unwrap_or_default()
    );
}

#[test]
fn read_only_refuses_actions_but_not_a_dry_run() {
    let dir = tempfile::tempdir().unwrap();
    poc_tui(dir.path())
        .args(["--read-only", "up", "gitea"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("read-only mode"));
    poc_tui(dir.path())
        .args(["--read-only", "restart", "gitea"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("read-only mode"));
    assert!(!dir.path().join("spawned.log").exists());
    // A dry run changes nothing, so it goes on (and here stops at the missing tool).
    poc_tui(dir.path())
        .args(["--read-only", "up", "--dry-run", "gitea"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("read-only").not())
        .stderr(predicate::str::contains("no compose tool found"));
}

#[test]
fn without_a_compose_tool_the_error_says_so() {
    let dir = tempfile::tempdir().unwrap();
    poc_tui(dir.path())
        .args(["drift"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no compose tool found"))
        .stderr(predicate::str::contains("docker-compose"));
    // Both tools were asked, the plugin first.
    let log = std::fs::read_to_string(dir.path().join("spawned.log")).unwrap();
    assert_eq!(log, "docker compose version\ndocker-compose version\n");
}
