//! `poc-tui check` against real containers it starts itself: a killed, a paused and a
//! crash-looping container are named for what happened to them, not as "connection refused".

#![allow(clippy::unwrap_used)]

#[path = "common/docker_support.rs"]
mod docker_support;

use std::time::{Duration, Instant};

use assert_cmd::Command;
use docker_support::{build_image, engine_or_skip, run, run_quietly, ContainerGuard};

/// A config whose one service under test is `key`, served by `container`; every other
/// service points at nothing of anybody's (a project name of this test's own).
fn config(dir: &std::path::Path, tag: &str, key: &str, container: &str, probe: &str) -> String {
    let text = format!(
        "[stack]\nname = \"check test\"\ncompose_project = \"poctui-test-chk-{tag}\"\n\n\
         [services.{key}]\ncontainer = \"{container}\"\nprobe = {probe}\n"
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn check_json(dir: &std::path::Path, config: &str, key: &str) -> serde_json::Value {
    let out = Command::cargo_bin("poc-tui")
        .unwrap()
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("POC_TUI_DATA", dir.join("data"))
        .env_remove("POC_TUI_CONFIG")
        .args(["--config", config, "check", "--json", "--service", key])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "check --json: {e}\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(
        out.status.code(),
        Some(i32::from(json["healthy"] != true)),
        "{json}"
    );
    json["services"][0].clone()
}

/// A stand-in HTTP service published on a port the engine picks; returns the port.
fn serving(name: &str) -> (ContainerGuard, u16) {
    run_quietly("docker", &["rm", "-f", name]);
    let guard = ContainerGuard(name.to_owned());
    run(
        "docker",
        &[
            "run",
            "-d",
            "--name",
            name,
            "-p",
            "127.0.0.1::8080",
            "poctui-test-busybox",
            "8080",
            "/index.html",
            "ok",
        ],
    );
    let port = run("docker", &["port", name, "8080/tcp"]);
    let port = port
        .lines()
        .next()
        .and_then(|l| l.rsplit(':').next())
        .and_then(|p| p.trim().parse().ok())
        .expect("a published port");
    (guard, port)
}

fn wait_up(dir: &std::path::Path, config: &str, key: &str) {
    let started = Instant::now();
    loop {
        let entry = check_json(dir, config, key);
        if entry["health"] == "up" {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "never up: {entry}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_container_is_named_killed_with_its_exit_code() {
    if !engine_or_skip("a_killed_container_is_named_killed_with_its_exit_code").await {
        return;
    }
    build_image();
    let tag = format!("k{}", std::process::id());
    let name = format!("poctui-test-chk-{tag}-gitea");
    let (_guard, port) = serving(&name);
    let dir = tempfile::tempdir().unwrap();
    let probe = format!("{{ kind = \"http\", url = \"http://127.0.0.1:{port}/index.html\" }}");
    let config = config(dir.path(), &tag, "gitea", &name, &probe);
    wait_up(dir.path(), &config, "gitea");

    run("docker", &["kill", "-s", "KILL", &name]);
    let entry = check_json(dir.path(), &config, "gitea");
    assert_eq!(entry["health"], "down", "{entry}");
    let reason = entry["reason"].as_str().unwrap();
    assert!(reason.starts_with("killed (exit 137) "), "{entry}");
    assert!(reason.ends_with(" UTC"), "{entry}");
    // What the probe itself saw stays in the detail.
    let detail = entry["detail"].as_str().unwrap();
    assert!(
        detail.contains(&name) && detail.contains("probe:"),
        "{entry}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paused_container_is_named_paused() {
    if !engine_or_skip("a_paused_container_is_named_paused").await {
        return;
    }
    build_image();
    let tag = format!("p{}", std::process::id());
    let name = format!("poctui-test-chk-{tag}-minio");
    let (_guard, port) = serving(&name);
    let dir = tempfile::tempdir().unwrap();
    let probe = format!(
        "{{ kind = \"http\", url = \"http://127.0.0.1:{port}/index.html\", timeout_ms = 1000 }}"
    );
    let config = config(dir.path(), &tag, "minio-api", &name, &probe);
    wait_up(dir.path(), &config, "minio-api");

    run("docker", &["pause", &name]);
    let entry = check_json(dir.path(), &config, "minio-api");
    run_quietly("docker", &["unpause", &name]);
    assert_eq!(entry["health"], "down", "{entry}");
    assert_eq!(entry["reason"], "paused", "{entry}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_container_that_exits_at_once_under_restart_always_is_a_crash_loop() {
    if !engine_or_skip("a_container_that_exits_at_once_under_restart_always_is_a_crash_loop").await
    {
        return;
    }
    build_image();
    let tag = format!("l{}", std::process::id());
    let name = format!("poctui-test-chk-{tag}-worker");
    run_quietly("docker", &["rm", "-f", &name]);
    let _guard = ContainerGuard(name.clone());
    run(
        "docker",
        &[
            "run",
            "-d",
            "--name",
            &name,
            "--restart",
            "always",
            "--entrypoint",
            "/bin/sh",
            "poctui-test-busybox",
            "-c",
            "exit 3",
        ],
    );
    let started = Instant::now();
    while run("docker", &["inspect", "-f", "{{.RestartCount}}", &name])
        .trim()
        .parse::<u64>()
        .unwrap_or(0)
        < 3
    {
        assert!(started.elapsed() < Duration::from_secs(30), "no restarts");
        std::thread::sleep(Duration::from_millis(200));
    }
    let dir = tempfile::tempdir().unwrap();
    let config = config(
        dir.path(),
        &tag,
        "authentik-worker",
        &name,
        "{ kind = \"container\" }",
    );
    let entry = check_json(dir.path(), &config, "authentik-worker");
    assert_eq!(entry["health"], "down", "{entry}");
    let reason = entry["reason"].as_str().unwrap();
    assert!(reason.starts_with("crash loop: restarted "), "{entry}");
    let count: u64 = reason
        .trim_start_matches("crash loop: restarted ")
        .trim_end_matches(" times")
        .parse()
        .unwrap_or_else(|_| panic!("a count in {reason:?}"));
    assert!(count >= 3, "{entry}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_container_that_opens_its_port_late_is_starting_then_up_never_down() {
    if !engine_or_skip("a_container_that_opens_its_port_late_is_starting_then_up_never_down").await
    {
        return;
    }
    build_image();
    let tag = format!("s{}", std::process::id());
    let name = format!("poctui-test-chk-{tag}-mailpit");
    run_quietly("docker", &["rm", "-f", &name]);
    let _guard = ContainerGuard(name.clone());
    // The port is published at once; the server behind it comes 4 s later.
    run(
        "docker",
        &[
            "run",
            "-d",
            "--name",
            &name,
            "-p",
            "127.0.0.1::8080",
            "--entrypoint",
            "/bin/sh",
            "poctui-test-busybox",
            "-c",
            "echo ok > /index.html; sleep 4; exec httpd -f -p 8080 -h /",
        ],
    );
    let port = run("docker", &["port", &name, "8080/tcp"]);
    let port: u16 = port
        .lines()
        .next()
        .and_then(|l| l.rsplit(':').next())
        .and_then(|p| p.trim().parse().ok())
        .expect("a published port");
    let dir = tempfile::tempdir().unwrap();
    let probe = format!(
        "{{ kind = \"http\", url = \"http://127.0.0.1:{port}/index.html\", timeout_ms = 1000 }}"
    );
    let config = config(dir.path(), &tag, "mailpit", &name, &probe);
    let first = check_json(dir.path(), &config, "mailpit");
    assert_eq!(first["health"], "degraded", "{first}");
    assert!(
        first["reason"].as_str().unwrap().starts_with("starting: "),
        "{first}"
    );
    let started = Instant::now();
    loop {
        let entry = check_json(dir.path(), &config, "mailpit");
        assert_ne!(entry["health"], "down", "{entry}");
        if entry["health"] == "up" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "never up: {entry}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}
