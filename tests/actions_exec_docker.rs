//! A failed `docker exec` keeps the engine's reason: the Users tab's SQL fix run in a
//! container without `psql` says "executable file not found", not "no output".
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/docker_support.rs"]
mod docker_support;
#[path = "common/fake_http.rs"]
mod fake_http;
#[path = "common/fake_identity.rs"]
mod fake_identity;

use std::time::Duration;

use docker_support::{build_image, engine_or_skip, run, ContainerGuard};
use fake_identity::{FakeStack, CODER_EMAIL};
use poc_tui::config::{load_from_texts, EMBEDDED_DEFAULT};
use poc_tui::identity::credentials::from_config;
use poc_tui::identity::login_type::{apply_sql, run_command, SqlRoute};

/// What this engine's runtime says when the program is not in the image.
const NOT_FOUND: &str = "executable file not found";

/// A busybox container that only sleeps (no `psql` in it), removed when dropped.
fn sleeper(tag: &str) -> ContainerGuard {
    build_image();
    let name = format!("poctui-test-actexec-{tag}-{}", std::process::id());
    let guard = ContainerGuard(name.clone());
    docker_support::run_quietly("docker", &["rm", "-f", &name]);
    run(
        "docker",
        &[
            "run",
            "-d",
            "--name",
            &name,
            "--entrypoint",
            "sleep",
            "poctui-test-busybox",
            "600",
        ],
    );
    guard
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sql_fix_in_a_container_without_psql_shows_the_engines_reason() {
    if !engine_or_skip("the_sql_fix_in_a_container_without_psql_shows_the_engines_reason").await {
        return;
    }
    let container = sleeper("sql");
    let stack = FakeStack::start(3);
    {
        let mut w = stack.world();
        w.add_coder("admin", CODER_EMAIL, "password", true);
        w.add_gitea("gitea", "gitea@example.com", false, true, 0);
        w.add_authentik("contractor1", "contractor1@example.com", true);
        w.add_coder("contractor1", "contractor1@example.com", "password", false);
    }
    let config = load_from_texts(EMBEDDED_DEFAULT, Some(("test.toml", &stack.config_toml())))
        .expect("config loads");
    let clients = poc_tui::identity::connect(
        &from_config(&config, |_| None),
        Duration::from_secs(5),
        false,
    )
    .await;
    let route = SqlRoute {
        container: container.0.clone(),
        docker_host: None,
        problem: None,
    };
    let id = stack.world().coder_user("contractor1").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let argv = route.command(&id).unwrap();

    // The function the fix runs, alone: exit 126 with the runtime's words.
    let err = run_command(argv.clone()).await.unwrap_err();
    assert!(err.contains(NOT_FOUND), "{err}");
    assert!(err.contains("psql"), "{err}");
    assert!(err.contains("126"), "{err}");
    assert!(!err.contains("no output"), "{err}");

    // The whole fix: the reason reaches its message, and nothing was changed.
    let err = apply_sql("contractor1", &argv, &clients, run_command)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains(NOT_FOUND), "{err}");
    assert!(err.contains("docker exec"), "{err}");
    assert_eq!(
        stack.world().coder_user("contractor1").unwrap()["login_type"],
        "password"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engines_exec_keeps_the_reason_a_program_is_missing() {
    if !engine_or_skip("the_engines_exec_keeps_the_reason_a_program_is_missing").await {
        return;
    }
    let container = sleeper("api");
    let (docker, _, _) = poc_tui::docker::connect_and_read(None, Duration::from_secs(5))
        .await
        .unwrap();
    let ran = poc_tui::docker::exec::run(
        &docker,
        &container.0,
        vec!["psql".into(), "-c".into(), "select 1".into()],
        Duration::from_secs(20),
    )
    .await;
    // Some engines refuse at start (an error), others run it and report 126/127 with
    // the runtime's words in the output: either way the words are kept.
    let text = match ran {
        Ok(run) => {
            assert!(run.program_missing(), "{run:?}");
            run.error_text()
        }
        Err(e) => e,
    };
    assert!(text.contains(NOT_FOUND), "{text}");
}
