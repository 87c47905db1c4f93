//! The Authentik bootstrap token read from a container's environment through the real
//! engine. Skips loudly without an engine; fails instead when POC_TUI_REQUIRE_DOCKER=1.

use std::process::Command;

use poc_tui::config::load_from_texts;
use poc_tui::config::EMBEDDED_DEFAULT;
use poc_tui::identity::credentials::{fill_from_containers, from_config, DockerEnv};

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
    let ok = docker(&["version", "--format", "{{.Server.Version}}"]).is_ok();
    if !ok {
        assert!(
            std::env::var("POC_TUI_REQUIRE_DOCKER").as_deref() != Ok("1"),
            "POC_TUI_REQUIRE_DOCKER=1 but no Docker engine is reachable"
        );
        eprintln!(
            "SKIPPED: no Docker engine reachable; set POC_TUI_REQUIRE_DOCKER=1 to fail instead"
        );
    }
    ok
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

    let overlay = format!(
        "[services.authentik]\ncontainer = \"{SERVER}\"\n[services.authentik-worker]\ncontainer = \"{WORKER}\"\n"
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
}
