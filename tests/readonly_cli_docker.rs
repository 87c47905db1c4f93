//! `--read-only` through the real binary, one command at a time, with a recording proxy in
//! front of the engine: `doctor`, `check`, `users` and `bundle` send only reads (no create,
//! start, exec, kill or remove; no POST, PUT, PATCH or DELETE at all). The same `doctor` and
//! `bundle` without the flag do write (a probe container, an exec), so the proxy and the
//! situation are able to see a write when there is one.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/diag_docker.rs"]
mod diag_docker;
#[path = "common/docker_support.rs"]
mod docker_support;
#[path = "common/recording_proxy.rs"]
mod recording_proxy;

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use diag_docker::{build_images, coder_server, Situation, FULL_IMAGE, PROBE_IMAGE};
use docker_support::engine_or_skip;

/// A config whose services match only this test's containers: Coder (serving its
/// buildinfo) and its database (probed by exec) on the test's network, and a workspace.
fn write_config(dir: &Path, tag: &str, net: &str, coder: &str, db: &str) -> std::path::PathBuf {
    let mut text = format!(
        "[diagnose]\nstarting_grace_secs = 0\n\n[probes]\ntimeout_ms = 1500\n\n\
         [stack]\ncompose_project = \"poctui-test-safe-{tag}-project\"\nnetwork = \"{net}\"\n\n\
         [network]\ncoder_access_url = \"http://{coder}:7080\"\n\n\
         [services.coder]\ncontainer = \"{coder}\"\ncompose_service = \"poctui-test-safe-absent\"\n\
         internal_url = \"http://{coder}:7080\"\n\n\
         [services.coder-db]\ncontainer = \"{db}\"\ncompose_service = \"poctui-test-safe-absent\"\n\
         probe = {{ kind = \"exec\", command = [\"pg_isready\"] }}\n\n"
    );
    for key in poc_tui::config::embedded_service_keys() {
        if key == "coder" || key == "coder-db" {
            continue;
        }
        let _ = write!(
            text,
            "[services.{key}]\ncontainer = \"poctui-test-safe-{tag}-absent-{key}\"\ncompose_service = \"poctui-test-safe-absent\"\n\n"
        );
    }
    let path = dir.join("config.toml");
    common::write_isolated(&path, &common::neutralised(&text));
    path
}

struct Run<'a> {
    dir: &'a Path,
    config: &'a Path,
    socket: &'a Path,
    probe_image: &'a str,
}

impl Run<'_> {
    /// Runs `poc-tui [--read-only] --docker-host unix://proxy ARGS…`; returns its stderr.
    async fn cli(&self, read_only: bool, args: &[&str]) -> String {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_poc-tui"));
        cmd.env("POC_TUI_DATA", self.dir.join("data"))
            .env("XDG_CONFIG_HOME", self.dir.join("xdg"))
            .env("POC_TUI_PROBE_IMAGE", self.probe_image)
            .env_remove("POC_TUI_CONFIG")
            .env_remove("AUTHENTIK_TOKEN")
            .env_remove("DOCKER_HOST")
            .env_remove("DOCKER_CONTEXT")
            .current_dir(self.dir)
            .arg("--config")
            .arg(self.config)
            .arg("--docker-host")
            .arg(format!("unix://{}", self.socket.display()));
        if read_only {
            cmd.arg("--read-only");
        }
        cmd.args(args);
        let out = tokio::time::timeout(Duration::from_secs(240), cmd.output())
            .await
            .unwrap_or_else(|_| panic!("{args:?} did not finish"))
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{args:?} ended with {:?}: {stderr}",
            out.status
        );
        stderr
    }
}

/// Engine requests that change something or run something, named by kind.
fn forbidden(requests: &[String]) -> Vec<String> {
    requests
        .iter()
        .filter(|r| {
            let (method, path) = r.split_once(' ').unwrap_or((r, ""));
            method != "GET" && method != "HEAD"
                || ["/create", "/start", "/exec", "/kill", "/build"]
                    .iter()
                    .any(|p| path.contains(p))
        })
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_commands_send_the_engine_only_reads() {
    if !engine_or_skip("read_only_commands_send_the_engine_only_reads").await {
        return;
    }
    build_images();
    let tag = format!("ro{}", std::process::id());
    let mut s = Situation::default();
    let net = format!("poctui-test-safe-{tag}-net");
    s.network(&net);
    let probe_image = format!("{PROBE_IMAGE}-safe-{tag}");
    s.images.push(probe_image.clone());
    let coder = format!("poctui-test-safe-{tag}-coder");
    let db = format!("poctui-test-safe-{tag}-db");
    let ws = format!("poctui-test-safe-{tag}-ws");
    s.container(
        &coder,
        &[
            "--network",
            &net,
            FULL_IMAGE,
            "sh",
            "-c",
            &coder_server(7080),
        ],
    );
    s.container(&db, &["--network", &net, FULL_IMAGE, "sleep", "600"]);
    s.container(
        &ws,
        &[
            "--network",
            &net,
            "--label",
            "coder.owner=safe",
            "--label",
            "coder.workspace_name=ro",
            "--label",
            "coder.workspace_id=safe-ro-1",
            FULL_IMAGE,
            "sh",
            "-c",
            "exec httpd -f -p 8080 -h /",
        ],
    );

    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &tag, &net, &coder, &db);
    let socket = dir.path().join("engine.sock");
    let proxy = recording_proxy::start(&socket, recording_proxy::engine_socket());
    let run = Run {
        dir: dir.path(),
        config: &config,
        socket: &socket,
        probe_image: &probe_image,
    };

    let commands: [&[&str]; 4] = [
        &["doctor", "--json"],
        &["check", "--json"],
        &["users", "--json"],
        &["bundle", "-o", "read-only.tar.gz"],
    ];
    for args in commands {
        proxy.clear();
        let stderr = run.cli(true, args).await;
        let all = proxy.all();
        assert!(
            all.iter().any(|r| r.starts_with("GET ")),
            "{args:?} did not go through the proxy: {stderr}"
        );
        assert_eq!(
            forbidden(&all),
            Vec::<String>::new(),
            "{args:?} under --read-only wrote to the engine; stderr: {stderr}"
        );
    }
    assert!(dir.path().join("read-only.tar.gz").exists());

    // The control: the same commands without the flag do write here.
    for args in [
        &["doctor", "--json"][..],
        &["bundle", "-o", "writable.tar.gz"],
    ] {
        proxy.clear();
        let stderr = run.cli(false, args).await;
        let writes = forbidden(&proxy.all());
        assert!(
            writes
                .iter()
                .any(|r| r.contains("/exec") || r.contains("/containers/create")),
            "{args:?} without --read-only wrote nothing; the test cannot see a write: {:?}\n{stderr}",
            proxy.all()
        );
    }
}

/// The commands take the run's one policy: none of them (nor `main`, beyond building it once)
/// makes a policy of its own, or takes the default diagnosis options with their default
/// policy.
#[test]
fn no_command_builds_a_policy_of_its_own() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![root.join("main.rs")];
    for dir in ["headless", "bundle"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            files.push(entry.unwrap().path());
        }
    }
    let mut found = Vec::new();
    let mut built_in_main = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            let makes = [
                "Policy::default",
                "Policy::new(",
                "Policy::read_only(",
                "read_only: false",
                "Options::default()",
                "ComposeWorkerOptions::default()",
            ]
            .iter()
            .any(|p| names(code, p));
            if file.ends_with("main.rs") && code.contains("Policy::new(global.read_only)") {
                built_in_main += 1;
            } else if makes {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert_eq!(built_in_main, 1, "main builds the policy once");
    assert!(
        found.is_empty(),
        "policies made outside main:\n{}",
        found.join("\n")
    );
}

/// True when `code` holds `pattern` as a whole name (not the end of a longer one, such as
/// `LogsCommandOptions::default()` for `Options::default()`).
fn names(code: &str, pattern: &str) -> bool {
    code.match_indices(pattern).any(|(at, _)| {
        !code[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

#[path = "common/pty_session.rs"]
mod pty_session;

/// The console under `--read-only`, through the same proxy: every action key of the Services,
/// Users, Networking and SSO tabs is pressed, and the engine still sees only reads. Without
/// the flag, opening the Networking tab does write (its probes exec), so the proxy sees the
/// console's requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_console_pressing_every_action_key_sends_only_reads() {
    if !engine_or_skip("a_read_only_console_pressing_every_action_key_sends_only_reads").await {
        return;
    }
    build_images();
    let tag = format!("rc{}", std::process::id());
    let mut s = Situation::default();
    let net = format!("poctui-test-safe-{tag}-net");
    s.network(&net);
    let probe_image = format!("{PROBE_IMAGE}-safe-{tag}");
    s.images.push(probe_image.clone());
    let coder = format!("poctui-test-safe-{tag}-coder");
    let db = format!("poctui-test-safe-{tag}-db");
    s.container(
        &coder,
        &[
            "--network",
            &net,
            FULL_IMAGE,
            "sh",
            "-c",
            &coder_server(7080),
        ],
    );
    s.container(&db, &["--network", &net, FULL_IMAGE, "sleep", "600"]);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &tag, &net, &coder, &db);
    let socket = dir.path().join("engine.sock");
    let proxy = recording_proxy::start(&socket, recording_proxy::engine_socket());
    let host = format!("unix://{}", socket.display());
    let config = config.to_str().unwrap().to_owned();

    let console = |read_only: bool| {
        let mut args = vec!["--config", config.as_str(), "--docker-host", host.as_str()];
        if read_only {
            args.push("--read-only");
        }
        pty_session::Session::start_with_env(
            &args,
            &[
                ("POC_TUI_PROBE_IMAGE", probe_image.as_str()),
                ("AUTHENTIK_TOKEN", ""),
            ],
            140,
            40,
        )
    };

    proxy.clear();
    let mut c = console(true);
    c.wait_for("1 Services");
    c.wait_for(&coder[..20]);
    // Services: probe, apply, force recreate, restart, stop, pause, shell, logs; each
    // refusal or dialog is closed with Esc.
    for keys in ["p", "P", "u", "R", "r", "s", "z", "e", "\r", "x"] {
        c.press(keys);
        std::thread::sleep(Duration::from_millis(300));
        c.press("\u{1b}");
        std::thread::sleep(Duration::from_millis(200));
    }
    // Users: new user, fix, read again.
    c.press("2");
    for keys in ["n", "f", "r"] {
        c.press(keys);
        std::thread::sleep(Duration::from_millis(300));
        c.press("\u{1b}");
        // An Esc followed at once by a key reads as Alt and that key.
        std::thread::sleep(Duration::from_millis(200));
    }
    // Networking and SSO: a whole diagnosis pass, then another.
    c.press("3");
    c.wait_for_pass(Duration::from_secs(120));
    c.press("r");
    std::thread::sleep(Duration::from_millis(500));
    c.press("4");
    c.wait_for_pass(Duration::from_secs(120));
    c.press("q");
    c.wait_exit();
    let all = proxy.all();
    assert!(
        all.iter().any(|r| r.starts_with("GET ")),
        "the console did not go through the proxy"
    );
    assert_eq!(
        forbidden(&all),
        Vec::<String>::new(),
        "the read-only console wrote to the engine"
    );

    // The control: without the flag the Networking tab's pass execs.
    proxy.clear();
    let mut c = console(false);
    c.wait_for("1 Services");
    c.press("3");
    c.wait_for_pass(Duration::from_secs(120));
    c.press("q");
    c.wait_exit();
    assert!(
        forbidden(&proxy.all())
            .iter()
            .any(|r| r.contains("/exec") || r.contains("/containers/create")),
        "without --read-only the console wrote nothing: the test cannot see a write"
    );
}
