//! The Authentik bootstrap token read from a container's environment through the real
//! engine. Skips loudly without an engine; fails instead when POC_TUI_REQUIRE_DOCKER=1.

#[path = "common/docker_support.rs"]
mod docker_support;

use std::process::Command;

use poc_tui::config::load_from_texts;
use poc_tui::config::EMBEDDED_DEFAULT;
use poc_tui::identity::credentials::{discover, fill_from_containers, from_config, DockerEnv};
use poc_tui::identity::worker::{spawn, IdentityEvent};
use poc_tui::identity::System;

const IMAGE: &str = "poctui-test-identity-env:latest";
const SERVER: &str = "poctui-test-identity-ak-server";
const WORKER: &str = "poctui-test-identity-ak-worker";
const TOKEN: &str = "bootstrap-token-from-container-81";

fn docker(args: &[&str]) -> Result<String, String> {
    let out = Command::new("docker")
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Removes what the test made, also when it fails half-way.
struct Cleanup;

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = docker(&["rm", "-f", SERVER, WORKER]);
        let _ = docker(&["rmi", "-f", IMAGE]);
    }
}

fn engine_available() -> bool {
    docker(&["version", "--format", "{{.Server.Version}}"]).is_ok()
        || docker_support::require_or_skip("identity_docker", "no Docker engine is reachable")
}

#[tokio::test]
async fn bootstrap_token_comes_from_the_worker_container() {
    if !engine_available() {
        return;
    }
    let _cleanup = Cleanup;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy("/bin/busybox", dir.path().join("busybox")).expect("copy busybox");
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM scratch\nCOPY busybox /bin/busybox\nCMD [\"/bin/busybox\", \"true\"]\n",
    )
    .expect("Dockerfile");
    let context = dir.path().to_string_lossy().into_owned();
    docker(&["build", "-q", "-t", IMAGE, &context]).expect("image builds");
    docker(&["create", "--name", SERVER, IMAGE]).expect("server container");
    let env = format!("AUTHENTIK_BOOTSTRAP_TOKEN={TOKEN}");
    docker(&["create", "--name", WORKER, "-e", &env, IMAGE]).expect("worker container");

    // Credentials at a closed port, so the console's worker below answers at once.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let overlay = format!(
        "[services.authentik]\ncontainer = \"{SERVER}\"\n[services.authentik-worker]\ncontainer = \"{WORKER}\"\n\
         [credentials.authentik]\nurl = \"http://127.0.0.1:{closed}\"\n\
         [credentials.gitea]\nurl = \"http://127.0.0.1:{closed}\"\n\
         [credentials.coder]\nurl = \"http://127.0.0.1:{closed}\"\n"
    );
    let config = load_from_texts(EMBEDDED_DEFAULT, Some(("t", &overlay))).expect("loads");
    let mut creds = from_config(&config, |_| None);
    assert!(creds.authentik.auth.is_none());
    let engine = DockerEnv::connect(None).await.expect("engine");
    fill_from_containers(&mut creds, &config, &engine).await;
    assert_eq!(
        creds.authentik.auth.as_ref().map(|t| t.expose().to_owned()),
        Some(TOKEN.to_owned())
    );
    assert_eq!(
        creds.authentik.source,
        format!("container {WORKER} ($AUTHENTIK_BOOTSTRAP_TOKEN)")
    );
    assert!(
        !format!("{creds:?}").contains(TOKEN),
        "Debug masks the token"
    );
    // The token set in the environment wins over any engine, so the rest proves nothing then.
    if std::env::var_os("AUTHENTIK_TOKEN").is_some()
        && !docker_support::require_or_skip(
            "bootstrap_token_comes_from_the_worker_container (--docker-host half)",
            "AUTHENTIK_TOKEN is set in the environment",
        )
    {
        return;
    }

    // --docker-host names the engine the token is read on, for the headless commands and for
    // the console's worker alike.
    let elsewhere = "unix:///nonexistent/poctui-test-identity.sock";
    let creds = discover(&config, Some(elsewhere)).await;
    assert!(creds.authentik.auth.is_none(), "read from the wrong engine");
    let hint = creds.authentik.hint.unwrap_or_default();
    assert!(
        hint.contains("/nonexistent/poctui-test-identity.sock"),
        "{hint}"
    );
    let (source, hint) = worker_authentik_credential(&config, Some(elsewhere)).await;
    assert_eq!(
        source, "none",
        "the console read another engine than --docker-host"
    );
    assert!(
        hint.contains("/nonexistent/poctui-test-identity.sock"),
        "{hint}"
    );
    let (source, _) = worker_authentik_credential(&config, None).await;
    assert!(source.contains(WORKER), "{source}");
}

/// Where the Users tab's worker found its Authentik credential, and its hint.
async fn worker_authentik_credential(
    config: &poc_tui::config::Config,
    docker_host: Option<&str>,
) -> (String, String) {
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let cancel = tokio_util::sync::CancellationToken::new();
    let _stop = cancel.clone().drop_guard();
    let _commands = spawn(
        std::sync::Arc::new(config.clone()),
        true,
        docker_host.map(str::to_owned),
        tx,
        cancel.clone(),
    );
    loop {
        let event = tokio::time::timeout(std::time::Duration::from_secs(20), rx.recv())
            .await
            .expect("the worker answers")
            .expect("the worker runs");
        if let IdentityEvent::Loaded {
            origins,
            authentik_hint,
            ..
        } = event
        {
            let source = origins
                .into_iter()
                .find(|(system, _, _)| *system == System::Authentik)
                .map(|(_, _, source)| source)
                .unwrap_or_default();
            return (source, authentik_hint.unwrap_or_default());
        }
    }
}
