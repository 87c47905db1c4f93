//! The log view and `poc-tui logs` through the real binary against the real engine, with a
//! busybox container `poctui-test-logview-*` started (and removed) by the test.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/docker_support.rs"]
mod docker_support;
#[path = "common/pty_session.rs"]
mod pty_session;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use docker_support::{engine_or_skip, run, run_quietly, ContainerGuard};
use pty_session::Session;

/// Prints 30 numbered lines, a known issue line, an escape injection and a coloured line,
/// then idles; more lines are written into PID 1's stdout with `docker exec`.
const SCRIPT: &str = r#"i=0; while [ $i -lt 30 ]; do echo "tail line $i"; i=$((i+1)); done
echo "curl: (7) Failed to connect to localhost port 7080: Connection refused" >&2
printf 'inject \033]0;pwned\007 \033[2J done\n'
printf '\033[31mred needle\033[0m\n'
exec sleep 100000"#;

fn start_container(tag: &str) -> ContainerGuard {
    let name = format!("poctui-test-logview-{tag}-{}", std::process::id());
    run_quietly("docker", &["rm", "-f", &name]);
    let has_image = std::process::Command::new("docker")
        .args(["image", "inspect", "poctui-test-busybox"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_image {
        docker_support::build_image();
    }
    let guard = ContainerGuard(name.clone());
    run(
        "docker",
        &[
            "run",
            "-d",
            "--name",
            &name,
            "--entrypoint",
            "/bin/sh",
            "poctui-test-busybox",
            "-c",
            SCRIPT,
        ],
    );
    guard
}

/// A config whose `coder` service is the test container; every probe points at a closed
/// loopback port and no compose project matches, so only this container is a service.
fn write_config(dir: &Path, container: &str) -> PathBuf {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut text = format!(
        "[stack]\ncompose_project = \"poctui-test-logview-none\"\n\n[probes]\ninterval_secs = 600\n\n\
         [services.coder]\ncontainer = \"{container}\"\n"
    );
    for key in [
        "coder",
        "gitea",
        "authentik",
        "minio-console",
        "minio-api",
        "ai-gateway",
        "mailpit",
        "devdb",
    ] {
        if key != "coder" {
            let _ = writeln!(text, "[services.{key}]");
        }
        let _ = writeln!(
            text,
            "probe = {{ kind = \"tcp\", host = \"127.0.0.1\", port = {closed} }}\n"
        );
    }
    let path = dir.join("poc-tui.toml");
    common::write_isolated(&path, &common::neutralised(&text));
    path
}

fn wait_logs_contain(container: &str, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let out = std::process::Command::new("docker")
            .args(["logs", container])
            .output()
            .unwrap();
        if String::from_utf8_lossy(&out.stdout).contains(needle) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("container never logged {needle:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn log_view_tails_follows_searches_and_saves() {
    if !engine_or_skip("log_view_tails_follows_searches_and_saves").await {
        return;
    }
    let container = start_container("view");
    wait_logs_contain(&container.0, "red needle");
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &container.0);

    let mut s = Session::start(&["--config", config.to_str().unwrap()], 200, 45);
    s.wait_for("running");
    s.press("l");
    s.wait_for("tail line 29");
    s.wait_for("red needle");
    let screen = s.contents();
    assert!(screen.contains("following"), "{screen}");
    // The injection shows as text; the title change never reached the terminal raw.
    assert!(screen.contains("inject"), "{screen}");
    // The known issue is marked and counted.
    assert!(screen.contains("⚑1"), "{screen}");

    // A new line appears live.
    let written = Instant::now();
    run(
        "docker",
        &[
            "exec",
            &container.0,
            "sh",
            "-c",
            "echo live line arrived > /proc/1/fd/1",
        ],
    );
    s.wait_for_within("live line arrived", Duration::from_secs(5));
    eprintln!(
        "live line on screen {:?} after docker exec returned",
        written.elapsed()
    );

    // Search, then save the buffer and read the file back.
    s.press("/tail line 1\r");
    s.wait_for("/tail line 1/");
    // The search of the whole log ends with its own status message: wait for it, so that it
    // does not replace the save's.
    s.wait_for("whole log searched");
    s.press("s");
    s.wait_for("saved to ");
    let screen = s.contents();
    let path = screen
        .lines()
        .find_map(|l| l.split("saved to ").nth(1))
        .map(|p| p.trim().to_owned())
        .unwrap();
    let saved = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(saved.contains("tail line 0\n"), "{saved}");
    assert!(saved.contains("live line arrived\n"), "{saved}");
    assert!(
        !saved.contains('\u{1b}'),
        "the export holds no escapes: {saved:?}"
    );

    // q closes the view, then q quits.
    s.press("q");
    s.wait_for("POC services");
    s.press("q");
    assert!(s.wait_exit().success());
    assert!(s.restored());
    let raw_title = s.contents();
    assert!(!raw_title.contains("pwned\u{7}"));
}

fn poc_tui(config: &Path) -> Command {
    let mut cmd = Command::cargo_bin("poc-tui").unwrap();
    cmd.arg("--config").arg(config);
    cmd
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_command_tail_grep_and_exit_codes() {
    if !engine_or_skip("logs_command_tail_grep_and_exit_codes").await {
        return;
    }
    let container = start_container("cli");
    wait_logs_contain(&container.0, "red needle");
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &container.0);

    // The last 5 lines, filtered: the tail is applied first, like `docker logs --tail`.
    let out = poc_tui(&config)
        .args(["logs", "coder", "--tail", "5", "--grep", "line"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The same lines `docker logs --tail 5` gives (all on stdout), filtered.
    let docker = run("docker", &["logs", "--tail", "5", &container.0]);
    let expected: String =
        docker
            .lines()
            .filter(|l| l.contains("line"))
            .fold(String::new(), |mut acc, l| {
                let _ = writeln!(acc, "{l}");
                acc
            });
    assert!(expected.contains("tail line 29"), "{docker}");
    assert_eq!(stdout, expected);

    // By container name, with hints: the known issue is explained once.
    let out = poc_tui(&config)
        // All 33 lines: the engine interleaves the stderr line with stdout only roughly, so a
        // short tail may or may not hold it.
        .args(["logs", &container.0, "--tail", "100", "--hints"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("# hint [agent-access-url-localhost]"),
        "{stdout}"
    );
    assert!(!stdout.contains('\u{1b}'), "sanitised: {stdout:?}");
    assert!(stdout.contains("red needle"), "{stdout}");

    // An unknown name: the closest ones, exit 2.
    let out = poc_tui(&config).args(["logs", "cdoer"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("closest: coder"), "{stderr}");

    // A bad regex is a usage error too.
    let out = poc_tui(&config)
        .args(["logs", "coder", "--grep", "a("])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");

    // No engine: the reason and a fix, exit 1.
    let out = poc_tui(&config)
        .args([
            "--docker-host",
            "unix:///nonexistent/poctui-test.sock",
            "logs",
            "coder",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unreachable") && stderr.contains("fix:"),
        "{stderr}"
    );
}

/// `logs NAME` with a workspace's bare name suggests its `owner/name`.
#[tokio::test(flavor = "multi_thread")]
async fn logs_suggests_the_workspace_owner_slash_name() {
    if !engine_or_skip("logs_suggests_the_workspace_owner_slash_name").await {
        return;
    }
    let plain = start_container("suggest-coder");
    let pid = std::process::id();
    let owner = format!("poctuiowner{pid}");
    let workspace = format!("sandbox{pid}");
    let name = format!("poctui-test-logview-ws-{pid}");
    run_quietly("docker", &["rm", "-f", &name]);
    let _ws = ContainerGuard(name.clone());
    run(
        "docker",
        &[
            "run",
            "-d",
            "--name",
            &name,
            "--label",
            &format!("coder.owner={owner}"),
            "--label",
            &format!("coder.workspace_name={workspace}"),
            "--entrypoint",
            "/bin/sleep",
            "poctui-test-busybox",
            "100000",
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &plain.0);
    let out = poc_tui(&config)
        .args(["logs", &workspace])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("closest: {owner}/{workspace}")),
        "the workspace comes first: {stderr}"
    );
}

/// A container that is no part of the POC, in the "Other containers" group: `a` shows the
/// group, `/` finds it, Enter opens its logs through the real engine.
#[tokio::test(flavor = "multi_thread")]
async fn an_unrelated_container_shows_its_logs_from_the_other_group() {
    if !engine_or_skip("an_unrelated_container_shows_its_logs_from_the_other_group").await {
        return;
    }
    let container = start_container("other");
    wait_logs_contain(&container.0, "red needle");
    let dir = tempfile::tempdir().unwrap();
    let config = common::write_config_alone(dir.path(), &[]);
    let config = config.to_str().unwrap().to_owned();
    let mut s = Session::start(&["--config", &config], 160, 40);
    s.wait_for("1 Services");
    s.wait_for("Other containers");
    // Long names are cut in the middle: the end of the name is on screen.
    let tail = &container.0[container.0.len() - 8..];
    assert!(!s.contents().contains(tail), "the group starts collapsed");
    s.press("a");
    s.wait_for(tail);
    s.press(&format!("/{}\r", container.0));
    std::thread::sleep(Duration::from_millis(300));
    s.press("\r");
    s.wait_for("tail line 29");
    s.press("q");
    s.press("q");
    s.wait_exit();
}
