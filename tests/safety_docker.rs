//! Safety against the real engine: what reaches the log, which probe containers poc-tui
//! starts and removes, and which compose files a container can make it use.
#![allow(clippy::unwrap_used)]

#[path = "common/docker_support.rs"]
mod docker_support;

use std::path::Path;
use std::process::Command;

use docker_support::{build_image, engine_or_skip, run, ContainerGuard};

/// `poc-tui ps` with a private data directory and the given log variables; returns the log.
fn ps_log(data: &Path, vars: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_poc-tui"));
    cmd.env("POC_TUI_DATA", data)
        .env("XDG_CONFIG_HOME", data.join("config"))
        .env_remove("POC_TUI_CONFIG")
        .env_remove("POC_TUI_LOG")
        .env_remove("POC_TUI_LOG_DEPS")
        .args(["ps", "--json"]);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "ps failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(data.join("poc-tui.log")).unwrap_or_default()
}

#[tokio::test]
async fn the_debug_log_after_ps_holds_no_container_secret() {
    if !engine_or_skip("the_debug_log_after_ps_holds_no_container_secret").await {
        return;
    }
    build_image();
    let secret = format!("poctui-secret-{}-7c1d9e", std::process::id());
    let name = format!("poctui-test-safety-env-{}", std::process::id());
    let _guard = ContainerGuard(name.clone());
    run(
        "docker",
        &[
            "create",
            "--name",
            &name,
            "-e",
            &format!("POCTUI_TEST_DB_PASSWORD={secret}"),
            "poctui-test-busybox",
        ],
    );

    let dir = tempfile::tempdir().unwrap();
    let log = ps_log(&dir.path().join("own"), &[("POC_TUI_LOG", "debug")]);
    // The run did log at debug level, so the absence of the secret means something.
    assert!(
        log.contains("DEBUG") && log.contains("warn,poc_tui=debug"),
        "no debug output: {log}"
    );
    assert!(!log.contains(&secret), "the secret reached the log:\n{log}");
    let mode = |p: &Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    };
    assert_eq!(mode(&dir.path().join("own/poc-tui.log")), 0o600);
    assert_eq!(mode(&dir.path().join("own")), 0o700);

    // The control: libraries at debug level do write inspect answers, which is what the
    // default keeps out. The log then starts by saying so.
    let log = ps_log(
        &dir.path().join("deps"),
        &[("POC_TUI_LOG", "debug"), ("POC_TUI_LOG_DEPS", "debug")],
    );
    assert!(log.contains("this log may hold secrets"), "{log}");
    assert!(
        log.contains(&secret),
        "library debug logs no longer carry bodies; this test cannot see a leak"
    );
}
