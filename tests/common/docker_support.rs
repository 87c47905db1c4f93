//! Shared helpers for tests that need a Docker engine: skip-or-fail when there is
//! none, the stand-in stack, waiting for worker events, and cleanup guards.
#![allow(dead_code, clippy::unwrap_used, clippy::missing_panics_doc)]

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use poc_tui::docker::{connect, resolve_target, DockerEvent, EngineEnv};
use tokio::sync::mpsc;

/// The one skip-or-fail rule for a test whose prerequisite (`missing`) is absent: fails the
/// test under `POC_TUI_REQUIRE_DOCKER=1`, so CI never passes a test that did not run;
/// otherwise says loudly that `test` is SKIPPED and returns false.
pub fn require_or_skip(test: &str, missing: &str) -> bool {
    assert!(
        std::env::var("POC_TUI_REQUIRE_DOCKER").as_deref() != Ok("1"),
        "{test}: POC_TUI_REQUIRE_DOCKER=1 but {missing}"
    );
    eprintln!("\n!!!!! SKIPPED {test}: {missing} (POC_TUI_REQUIRE_DOCKER=1 fails instead) !!!!!\n");
    false
}

/// True when an engine answers; without one, [`require_or_skip`].
pub async fn engine_or_skip(test: &str) -> bool {
    let env = EngineEnv::from_process();
    let result = match resolve_target(None, &env) {
        Ok(target) => connect(&target, Duration::from_secs(5)).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => true,
        Err(down) => require_or_skip(test, &format!("no Docker engine is reachable: {down}")),
    }
}

pub fn stack_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/stack")
}

/// Runs a command and panics with its output when it fails.
pub fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs a command, ignoring failure (cleanup).
pub fn run_quietly(program: &str, args: &[&str]) {
    let _ = Command::new(program).args(args).output();
}

/// The stand-in stack; torn down when dropped (also when the test fails).
pub struct StackGuard;

impl StackGuard {
    pub fn up() -> Self {
        let guard = StackGuard;
        run("sh", &[stack_dir().join("up.sh").to_str().unwrap()]);
        guard
    }
}

impl Drop for StackGuard {
    fn drop(&mut self) {
        run_quietly("sh", &[stack_dir().join("down.sh").to_str().unwrap()]);
    }
}

/// Builds the stand-in image only.
pub fn build_image() {
    run(
        "sh",
        &[stack_dir().join("build-image.sh").to_str().unwrap()],
    );
}

/// A container removed when dropped.
pub struct ContainerGuard(pub String);

impl Drop for ContainerGuard {
    fn drop(&mut self) {
        run_quietly("docker", &["rm", "-f", &self.0]);
    }
}

/// `docker create`s a stand-in container with `labels`; removed when the guard drops.
pub fn labelled_container(
    name: &str,
    labels: &std::collections::HashMap<String, String>,
) -> ContainerGuard {
    let guard = ContainerGuard(name.to_owned());
    run_quietly("docker", &["rm", "-f", name]);
    let mut args = vec!["create".to_owned(), "--name".to_owned(), name.to_owned()];
    for (k, v) in labels {
        args.push("--label".to_owned());
        args.push(format!("{k}={v}"));
    }
    args.push("poctui-test-busybox".to_owned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run("docker", &args);
    guard
}

/// True when a container of exactly this name exists (running or not).
pub fn exists(name: &str) -> bool {
    run(
        "docker",
        &[
            "ps",
            "-a",
            "--filter",
            &format!("name=^/{name}$"),
            "--format",
            "{{.Names}}",
        ],
    )
    .lines()
    .any(|l| l.trim() == name)
}

/// Receives events until `pick` returns Some, or panics after `limit`.
/// Returns the picked value and how long it took.
pub async fn wait_for<T>(
    rx: &mut mpsc::Receiver<DockerEvent>,
    limit: Duration,
    what: &str,
    mut pick: impl FnMut(&DockerEvent) -> Option<T>,
) -> (T, Duration) {
    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(event)) => {
                if let Some(found) = pick(&event) {
                    return (found, started.elapsed());
                }
            }
            Ok(None) => panic!("worker stopped (channel closed) while waiting for {what}"),
            Err(elapsed) => panic!("no {what} within {limit:?} ({elapsed})"),
        }
    }
}
