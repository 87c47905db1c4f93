//! `poc-tui workspaces [--json]` through the real binary against the contract fake of Coder:
//! the JSON shape, the agents' states, the exit code, and Coder or the engine out of reach.

mod common;
#[path = "common/docker_support.rs"]
mod docker_support;
#[path = "common/fake_coder_workspaces.rs"]
mod fake_coder_workspaces;
#[path = "common/fake_http.rs"]
mod fake_http;

use std::collections::HashMap;
use std::path::Path;

use assert_cmd::Command;
use fake_coder_workspaces::FakeCoder;
use serde_json::Value;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the binary with `credentials` merged into an isolated config; the engine is a
/// closed port unless `real_engine` (then it is found as the Docker CLI finds it).
fn workspaces(dir: &Path, credentials: &str, real_engine: bool, args: &[&str]) -> Run {
    let config = dir.join("workspaces.toml");
    common::write_isolated(
        &config,
        &common::neutralised(&format!("[identity]\ntimeout_ms = 3000\n{credentials}")),
    );
    let closed = format!("tcp://127.0.0.1:{}", common::closed_port());
    let mut cmd = Command::cargo_bin("poc-tui").expect("binary");
    if !real_engine {
        cmd.arg("--docker-host").arg(&closed);
    }
    let out = cmd
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("POC_TUI_DATA", dir.join("data"))
        .env_remove("POC_TUI_CONFIG")
        .env_remove("POC_CODER_PASSWORD")
        .arg("--config")
        .arg(&config)
        .arg("workspaces")
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn fake_with(agents: &[(&str, &str, (&str, &str))]) -> FakeCoder {
    let fake = FakeCoder::start(2);
    fake.with(|c| {
        for u in ["alice", "bob", "carol"] {
            c.add_user(u);
        }
        for (id, owner, agent) in agents {
            c.add_workspace(id, owner, &format!("ws-{id}"), *agent);
        }
        c.add_stopped("w-stop", "alice", "old");
    });
    fake
}

#[test]
fn json_lists_every_workspace_with_its_agents_and_exits_1_on_an_unready_agent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = fake_with(&[
        ("w-1", "alice", ("connected", "ready")),
        ("w-2", "bob", ("timeout", "created")),
        ("w-3", "carol", ("connected", "start_error")),
    ]);
    let run = workspaces(dir.path(), &fake.credentials_toml(), false, &["--json"]);
    assert_eq!(
        run.code, 1,
        "stderr: {}\nstdout: {}",
        run.stderr, run.stdout
    );
    let v: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(v["workspaces_version"], 1);
    assert_eq!(v["ok"], false);
    assert_eq!(v["coder"]["read"], true);
    assert_eq!(v["engine"]["read"], false, "the engine is a closed port");
    let list = v["workspaces"].as_array().expect("workspaces[]");
    let by_id = |id: &str| {
        list.iter()
            .find(|w| w["id"] == id)
            .unwrap_or_else(|| panic!("{id} in {list:?}"))
    };
    assert_eq!(list.len(), 4, "every page read");
    let up = by_id("w-1");
    assert_eq!(
        (&up["health"], &up["problem"], &up["agents"][0]["status"]),
        (
            &Value::from("up"),
            &Value::from(false),
            &Value::from("connected")
        )
    );
    let timeout = by_id("w-2");
    assert_eq!(timeout["health"], "down");
    assert_eq!(timeout["problem"], true);
    assert_eq!(
        timeout["agents"][0]["coder_reason"],
        "agent is not connected"
    );
    let start_error = by_id("w-3");
    assert_eq!(start_error["health"], "degraded");
    assert_eq!(start_error["agents"][0]["lifecycle_state"], "start_error");
    let stopped = by_id("w-stop");
    assert_eq!(
        (
            &stopped["transition"],
            &stopped["started"],
            &stopped["problem"]
        ),
        (
            &Value::from("stop"),
            &Value::from(false),
            &Value::from(false)
        )
    );
    assert_eq!(stopped["outdated"], true);
    assert!(stopped["container"].is_null());
    assert_eq!(fake.with(|c| c.sessions.len()), 0, "the session is ended");
}

#[test]
fn all_agents_connected_and_ready_exit_0_and_the_text_names_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = fake_with(&[("w-1", "alice", ("connected", "ready"))]);
    let run = workspaces(dir.path(), &fake.credentials_toml(), false, &[]);
    assert_eq!(
        run.code, 0,
        "stderr: {}\nstdout: {}",
        run.stderr, run.stdout
    );
    assert!(run.stdout.contains("alice/ws-w-1"), "{}", run.stdout);
    assert!(run.stdout.contains("connected/ready"), "{}", run.stdout);
    assert!(run.stdout.contains("- (stopped)"), "{}", run.stdout);
    assert!(run.stdout.contains("Docker engine:"), "{}", run.stdout);
}

#[test]
fn coder_out_of_reach_exits_1_with_the_reason_and_a_bad_flag_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let closed = format!(
        "[credentials.coder]\nurl = \"http://127.0.0.1:{}\"\nemail = \"a@b.c\"\npassword = \"x\"\n",
        common::closed_port()
    );
    let run = workspaces(dir.path(), &closed, false, &["--json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(v["coder"]["read"], false);
    let reason = v["coder"]["reason"].as_str().unwrap_or_default();
    assert!(reason.starts_with("Coder not reachable"), "{reason}");

    let run = workspaces(dir.path(), &closed, false, &["--no-such-flag"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

/// A container of the test's own, with Coder's labels (owner id `u-<owner>` as the fake's).
fn labelled(
    name: &str,
    owner: &str,
    workspace: &str,
    id: Option<&str>,
) -> docker_support::ContainerGuard {
    let mut labels = HashMap::from([
        ("coder.owner".to_owned(), owner.to_owned()),
        ("coder.workspace_name".to_owned(), workspace.to_owned()),
    ]);
    if let Some(id) = id {
        labels.insert("coder.workspace_id".to_owned(), id.to_owned());
        labels.insert("coder.owner_id".to_owned(), format!("u-{owner}"));
    }
    docker_support::labelled_container(name, &labels)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_labelled_containers_join_coders_workspaces() {
    if !docker_support::engine_or_skip("real_labelled_containers_join_coders_workspaces").await {
        return;
    }
    docker_support::build_image();
    let tag = std::process::id();
    let (joined_id, orphan_id) = (format!("w-{tag}-dev"), format!("w-{tag}-gone"));
    let fake = FakeCoder::start(2);
    fake.with(|c| {
        for u in ["alice", "bob"] {
            c.add_user(u);
        }
        c.add_workspace(&joined_id, "alice", "dev", ("connected", "ready"));
        c.add_workspace(
            &format!("w-{tag}-api"),
            "bob",
            &format!("api{tag}"),
            ("timeout", "created"),
        );
        c.add_stopped(&format!("w-{tag}-old"), "alice", "old");
    });
    let prefix = format!("poctui-test-ws2-{tag}");
    let _by_id = labelled(
        &format!("{prefix}-alice-dev"),
        "alice",
        "dev",
        Some(&joined_id),
    );
    // No id label: joined by owner and name.
    let _by_name = labelled(
        &format!("{prefix}-bob-api"),
        "bob",
        &format!("api{tag}"),
        None,
    );
    let _orphan = labelled(
        &format!("{prefix}-alice-gone"),
        "alice",
        "gone",
        Some(&orphan_id),
    );
    let _foreign = labelled(
        &format!("{prefix}-zed-dev"),
        "zed",
        "dev",
        Some(&format!("w-{tag}-zed")),
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let run = workspaces(dir.path(), &fake.credentials_toml(), true, &["--json"]);
    assert_eq!(run.code, 1, "bob's agent timed out\nstderr: {}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(v["engine"]["read"], true, "{}", v["engine"]);
    let list = v["workspaces"].as_array().expect("workspaces[]");
    let container_of = |id: &str| {
        list.iter().find(|w| w["id"] == id).map_or_else(
            || panic!("{id} in {list:?}"),
            |w| w["container"]["name"].clone(),
        )
    };
    assert_eq!(
        container_of(&joined_id),
        format!("{prefix}-alice-dev").as_str()
    );
    assert_eq!(
        container_of(&format!("w-{tag}-api")),
        format!("{prefix}-bob-api").as_str()
    );
    assert!(
        container_of(&format!("w-{tag}-old")).is_null(),
        "stopped: no container"
    );
    let names = |key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|c| c["name"].as_str())
            .filter(|n| n.starts_with(&prefix))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(names("orphans"), [format!("{prefix}-alice-gone")]);
    let orphan = &v["orphans"].as_array().expect("orphans")[0];
    assert!(
        orphan["note"]
            .as_str()
            .unwrap_or_default()
            .contains("docker rm -f"),
        "{orphan}"
    );
    assert_eq!(names("foreign"), [format!("{prefix}-zed-dev")]);
    assert!(names("unjudged").is_empty());
}
