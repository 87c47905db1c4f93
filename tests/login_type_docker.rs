//! `users fix --coder-sql` against the real engine: the Coder database container is found from
//! the config's `coder-db` service (here not named `postgres`), the update goes by user id to
//! live rows only, and a count other than 1 is refused. The container's `psql` is a stand-in:
//! it checks the argument list it is given and hands the SQL to the fake Coder, whose users
//! are the `users` table, and prints the row count it got back.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/diag_docker.rs"]
mod diag_docker;
#[path = "common/docker_support.rs"]
mod docker_support;
#[path = "common/fake_http.rs"]
mod fake_http;
#[path = "common/fake_identity.rs"]
mod fake_identity;

use std::path::Path;
use std::process::Command;

use diag_docker::{build_images, Situation, FULL_IMAGE};
use docker_support::{engine_or_skip, run};
use fake_identity::*;
use serde_json::Value;

/// A `psql` that accepts only `-U coder -d coder -v ON_ERROR_STOP=1 -c SQL`, records its
/// arguments in `/argv`, and prints `UPDATE n` as the fake Coder's table answers.
fn fake_psql(coder_port: u16) -> String {
    format!(
        "#!/bin/sh\n\
         printf '%s\\n' \"$@\" > /argv\n\
         [ \"$#\" = 8 ] && [ \"$1 $2 $3 $4 $5 $6 $7\" = '-U coder -d coder -v ON_ERROR_STOP=1 -c' ] \
         || {{ echo 'psql: unexpected arguments' >&2; exit 2; }}\n\
         answer=$(wget -q -O - --post-data \"$8\" http://127.0.0.1:{coder_port}/__fake/sql) \
         || {{ echo 'ERROR:  statement refused' >&2; exit 1; }}\n\
         n=$(echo \"$answer\" | sed -n 's/.*\"updated\":\\([0-9]*\\).*/\\1/p')\n\
         echo \"UPDATE $n\"\n"
    )
}

/// A running stand-in database container named `name` (host network, to reach the fake).
fn database(s: &mut Situation, dir: &Path, name: &str, coder_port: u16) {
    use std::os::unix::fs::PermissionsExt;
    let script = dir.join("psql");
    std::fs::write(&script, fake_psql(coder_port)).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    docker_support::run_quietly("docker", &["rm", "-f", name]);
    run(
        "docker",
        &[
            "create",
            "--name",
            name,
            "--network",
            "host",
            FULL_IMAGE,
            "sleep",
            "600",
        ],
    );
    s.containers.push(name.to_owned());
    run(
        "docker",
        &["cp", script.to_str().unwrap(), &format!("{name}:/bin/psql")],
    );
    run("docker", &["start", name]);
}

fn stack_with_owner() -> FakeStack {
    let stack = FakeStack::start(10);
    {
        let mut w = stack.world();
        w.add_coder("admin", CODER_EMAIL, "password", true);
        // A deleted row with the same email: an update by email would change it too.
        w.add_coder(
            "contractor1-old",
            "contractor1@example.com",
            "password",
            false,
        );
        if let Some(u) = w.coder.last_mut() {
            u["deleted"] = Value::Bool(true);
        }
        w.add_coder("contractor1", "contractor1@example.com", "password", false);
        w.workspaces.push(("contractor1".into(), "webapp".into()));
    }
    stack
}

fn login_type(stack: &FakeStack, username: &str) -> Value {
    stack.world().coder_user(username).unwrap()["login_type"].clone()
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn fix(dir: &Path, stack: &FakeStack, tag: &str, db: &str) -> Out {
    let config = dir.join("config.toml");
    let text = format!(
        "{}\n[stack]\ncompose_project = \"poctui-test-safe-{tag}-project\"\n\n\
         [services.coder-db]\ncontainer = \"{db}\"\ncompose_service = \"poctui-test-safe-absent\"\n",
        stack.config_toml()
    );
    common::write_isolated(&config, &common::neutralised(&text));
    let out = Command::new(env!("CARGO_BIN_EXE_poc-tui"))
        .env("XDG_CONFIG_HOME", dir.join("xdg"))
        .env("POC_TUI_DATA", dir.join("data"))
        .env_remove("POC_TUI_CONFIG")
        .env_remove("AUTHENTIK_TOKEN")
        .arg("--config")
        .arg(&config)
        .args(["users", "fix", "--coder-sql", "contractor1"])
        .output()
        .unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn port_of(url: &str) -> u16 {
    url.rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .parse()
        .unwrap()
}

#[tokio::test]
async fn the_sql_fix_updates_one_live_row_in_the_configured_database_container() {
    if !engine_or_skip("the_sql_fix_updates_one_live_row_in_the_configured_database_container")
        .await
    {
        return;
    }
    build_images();
    let tag = format!("sql{}", std::process::id());
    let db = format!("poctui-test-safe-{tag}-coder-database");
    let stack = stack_with_owner();
    let dir = tempfile::tempdir().unwrap();
    let mut s = Situation::default();
    database(&mut s, dir.path(), &db, port_of(&stack.coder_url));

    // (`users fix` also applies the fixes of the fake's other people; only this one is judged.)
    let out = fix(dir.path(), &stack, &tag, &db);
    assert!(out.code <= 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains(&format!("running: docker exec {db} psql")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("✓ contractor1 now signs in with oidc (psql: UPDATE 1;"),
        "{}",
        out.stdout
    );
    assert_eq!(login_type(&stack, "contractor1"), "oidc");
    assert_eq!(
        login_type(&stack, "contractor1-old"),
        "password",
        "the deleted row was changed"
    );
    let id = stack.world().coder_user("contractor1").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let argv = run("docker", &["exec", &db, "cat", "/argv"]);
    assert_eq!(
        argv.lines().collect::<Vec<_>>(),
        [
            "-U",
            "coder",
            "-d",
            "coder",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            &format!(
                "UPDATE users SET login_type='oidc' WHERE id='{id}' AND deleted = false AND login_type='password';"
            ),
        ],
        "one argument each, no shell in between"
    );
    assert!(!stack.world().seen.iter().any(|r| r.method == "DELETE"));
}

#[tokio::test]
async fn the_sql_fix_refuses_when_no_row_was_updated() {
    if !engine_or_skip("the_sql_fix_refuses_when_no_row_was_updated").await {
        return;
    }
    build_images();
    let tag = format!("sql0{}", std::process::id());
    let db = format!("poctui-test-safe-{tag}-coder-database");
    let stack = stack_with_owner();
    // Coder still lists them, but their row is deleted: the update by id matches nothing.
    {
        let mut w = stack.world();
        let u = w
            .coder
            .iter_mut()
            .find(|u| u["username"] == "contractor1")
            .unwrap();
        u["deleted"] = Value::Bool(true);
    }
    let dir = tempfile::tempdir().unwrap();
    let mut s = Situation::default();
    database(&mut s, dir.path(), &db, port_of(&stack.coder_url));

    let out = fix(dir.path(), &stack, &tag, &db);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("changed 0 rows, not 1"),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    assert!(
        !out.stdout.contains("now signs in with oidc"),
        "{}",
        out.stdout
    );
    assert_eq!(login_type(&stack, "contractor1"), "password");
    assert_eq!(login_type(&stack, "contractor1-old"), "password");
}
