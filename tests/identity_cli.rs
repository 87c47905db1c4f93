//! `poc-tui users …` through the real binary against the fakes: JSON, text, exit codes,
//! resume after a failure, read-only, and no secret on stdout, stderr or in the log.

mod common;
#[path = "common/fake_http.rs"]
mod fake_http;
#[path = "common/fake_identity.rs"]
mod fake_identity;

use std::path::Path;

use assert_cmd::Command;
use fake_identity::*;
use serde_json::Value;

/// Every configured person as the policy wants them (Gitea accounts external, source 2).
fn healthy_stack() -> FakeStack {
    let s = FakeStack::start(3);
    {
        let mut w = s.world();
        w.add_authentik("akadmin", "akadmin@example.com", true);
        w.add_gitea("gitea", "gitea@example.com", false, true, 0);
        w.add_coder("admin", CODER_EMAIL, "password", true);
        for (name, restricted) in [
            ("appmanager", false),
            ("contractor1", true),
            ("contractor2", true),
            ("contractor3", true),
            ("readonly", true),
        ] {
            let email = format!("{name}@example.com");
            w.add_authentik(name, &email, true);
            w.add_gitea(name, &email, restricted, false, 2);
            w.add_coder(name, &email, "oidc", false);
        }
    }
    s
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn poc_tui(dir: &Path, stack: &FakeStack, args: &[&str]) -> Run {
    let config = dir.join("users.toml");
    std::fs::write(&config, stack.config_toml()).expect("write config");
    let out = Command::cargo_bin("poc-tui")
        .expect("binary")
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("POC_TUI_DATA", dir.join("data"))
        .env("POC_TUI_LOG", "trace")
        .env("NEW_PASSWORD", "Secret-New-Pass-77")
        .env("DOCKER_HOST", "unix:///nonexistent/poctui-test.sock")
        .env_remove("POC_TUI_CONFIG")
        .env_remove("AUTHENTIK_TOKEN")
        .arg("--config")
        .arg(&config)
        .args(args)
        .output()
        .expect("runs");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    let log = std::fs::read_to_string(dir.join("data").join("poc-tui.log")).unwrap_or_default();
    for secret in [
        AK_TOKEN,
        GITEA_PASSWORD,
        CODER_PASSWORD,
        CODER_SESSION,
        "Secret-New-Pass-77",
    ] {
        assert!(
            !run.stdout.contains(secret),
            "secret on stdout: {}",
            run.stdout
        );
        assert!(
            !run.stderr.contains(secret),
            "secret on stderr: {}",
            run.stderr
        );
        assert!(!log.contains(secret), "secret in the log file");
    }
    // Every command ends the Coder session it logged in for.
    let w = stack.world();
    assert!(w.coder_sessions.is_empty(), "a Coder session was left open");
    assert_eq!(w.coder_logins, w.coder_logouts);
    drop(w);
    run
}

#[test]
fn a_healthy_stack_exits_zero_with_stable_json() {
    let stack = healthy_stack();
    let dir = tempfile::tempdir().expect("tempdir");
    let run = poc_tui(dir.path(), &stack, &["users", "--json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(v["ok"], true);
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(0));
    assert_eq!(v["rows"].as_array().map(Vec::len), Some(8));
    let systems = v["systems"].as_array().expect("systems");
    assert_eq!(systems[0]["system"], "authentik");
    assert_eq!(systems[0]["credential"], "config file");
    assert_eq!(
        systems[2]["credential"],
        format!("login {CODER_EMAIL}, password from config file")
    );
    let c1 = v["rows"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["username"] == "contractor1"))
        .expect("contractor1 row");
    assert_eq!(c1["gitea"]["restricted"]["value"], "yes");
    assert_eq!(c1["gitea"]["restricted"]["verdict"], "ok");
}

#[test]
fn findings_exit_one_and_fix_repairs_them() {
    let stack = healthy_stack();
    {
        let mut w = stack.world();
        w.authentik.retain(|u| u["username"] != "contractor2");
        if let Some(u) = w.gitea.iter_mut().find(|u| u["login"] == "readonly") {
            u["restricted"] = Value::Bool(false);
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let run = poc_tui(dir.path(), &stack, &["users"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("contractor2 is missing in Authentik"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("restricted no≠yes"), "{}", run.stdout);

    let changes = stack.world().changes().len();
    let run = poc_tui(dir.path(), &stack, &["users", "fix", "--dry-run"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        stack.world().changes().len(),
        changes,
        "dry run changes nothing"
    );

    let run = poc_tui(dir.path(), &stack, &["--read-only", "users", "fix"]);
    assert_eq!(run.code, 2, "{}", run.stderr);

    let run = poc_tui(
        dir.path(),
        &stack,
        &["users", "fix", "--password-env", "NEW_PASSWORD"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("=== no findings ==="), "{}", run.stdout);
    let w = stack.world();
    assert!(w.authentik_user("contractor2").is_some());
    assert_eq!(w.ak_passwords.len(), 1);
    let patch = w
        .seen
        .iter()
        .find(|s| s.method == "PATCH")
        .expect("patched");
    assert_eq!(patch.body["source_id"], 2);
    assert_eq!(patch.body["login_name"], "uid-readonly");
}

#[test]
fn create_resumes_after_a_failure_and_a_rerun_is_a_no_op() {
    let stack = healthy_stack();
    stack.world().failures.push(Failure {
        system: "gitea",
        method: "PATCH",
        path_contains: "/api/v1/admin/users/",
        status: 500,
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let args = [
        "users",
        "create",
        "--username",
        "dana",
        "--email",
        "dana@example.com",
        "--name",
        "Dana Doe",
        "--role",
        "contractor",
        "--password-env",
        "NEW_PASSWORD",
    ];
    let run = poc_tui(dir.path(), &stack, &args);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("✗ Gitea: role flags"), "{}", run.stdout);
    assert!(run.stdout.contains("… Coder: account"), "{}", run.stdout);
    assert!(
        run.stderr.contains("run the same command again to resume"),
        "{}",
        run.stderr
    );
    let saved = dir.path().join("data/identity/create-dana.json");
    assert!(saved.is_file());

    let run = poc_tui(dir.path(), &stack, &args);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("resuming"), "{}", run.stderr);
    assert!(!saved.exists(), "the report is removed once complete");
    {
        let w = stack.world();
        assert_eq!(
            w.gitea_user("dana").map(|u| u["restricted"].clone()),
            Some(Value::Bool(true))
        );
        assert_eq!(
            w.coder_user("dana").map(|u| u["login_type"].clone()),
            Some("oidc".into())
        );
        assert_eq!(w.ak_passwords.len(), 1);
    }

    let changes = stack.world().changes().len();
    let run = poc_tui(dir.path(), &stack, &args);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("exists"), "{}", run.stdout);
    assert_eq!(
        stack.world().changes().len(),
        changes,
        "re-run changed nothing"
    );
}

#[test]
fn usage_errors_exit_two() {
    let stack = healthy_stack();
    let dir = tempfile::tempdir().expect("tempdir");
    let base = [
        "users",
        "create",
        "--username",
        "eve",
        "--email",
        "eve@example.com",
        "--name",
        "Eve",
    ];
    let mut bad_role = base.to_vec();
    bad_role.extend(["--role", "site-admin"]);
    assert_eq!(poc_tui(dir.path(), &stack, &bad_role).code, 2);
    let mut ok = base.to_vec();
    ok.extend(["--role", "contractor"]);
    let mut read_only = vec!["--read-only"];
    read_only.extend(ok.iter().copied());
    assert_eq!(poc_tui(dir.path(), &stack, &read_only).code, 2);
    let mut bad_email = ok.clone();
    bad_email[4] = "not-an-email";
    let run = poc_tui(dir.path(), &stack, &bad_email);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("email"), "{}", run.stderr);
    assert!(stack.world().changes().is_empty());
}

#[test]
fn a_system_down_still_shows_the_others_and_exits_one() {
    let stack = healthy_stack();
    let dir = tempfile::tempdir().expect("tempdir");
    let port = common::closed_port();
    let config = format!(
        "{}\n",
        stack
            .config_toml()
            .replace(&stack.coder_url, &format!("http://127.0.0.1:{port}"))
    );
    let path = dir.path().join("down.toml");
    std::fs::write(&path, config).expect("write");
    let out = Command::cargo_bin("poc-tui")
        .expect("binary")
        .env("POC_TUI_DATA", dir.path().join("data"))
        .env("DOCKER_HOST", "unix:///nonexistent/poctui-test.sock")
        .env_remove("POC_TUI_CONFIG")
        .args(["--config"])
        .arg(&path)
        .args(["users", "--json"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["systems"][2]["reachable"], false);
    assert!(v["systems"][2]["reason"]
        .as_str()
        .unwrap_or_default()
        .contains("connection refused"));
    assert_eq!(v["systems"][0]["reachable"], true);
    assert_eq!(v["rows"][3]["coder"]["exists"]["verdict"], "unreachable");
    assert_eq!(v["rows"][3]["gitea"]["exists"]["verdict"], "ok");
}

#[test]
fn create_json_reports_steps_and_a_generated_password_once() {
    let stack = healthy_stack();
    let dir = tempfile::tempdir().expect("tempdir");
    let args = [
        "users",
        "create",
        "--json",
        "--username",
        "finn",
        "--email",
        "finn@example.com",
        "--name",
        "Finn",
        "--role",
        "read-only",
        "--generate-password",
    ];
    let run = poc_tui(dir.path(), &stack, &args);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(v["complete"], true);
    assert_eq!(v["report"]["steps"][0]["kind"], "authentik_account");
    assert_eq!(v["report"]["steps"][0]["status"], "done");
    let password = v["initial_password"]
        .as_str()
        .expect("generated password shown");
    let w = stack.world();
    assert_eq!(
        w.ak_passwords.last().map(|(_, p)| p.as_str()),
        Some(password)
    );
}

#[test]
fn text_output_shows_bidi_overrides_and_escapes_in_names_harmlessly() {
    let stack = healthy_stack();
    // A display trick ("Trojan Source"): the override makes the name read backwards, the OSC
    // sequence would retitle the terminal.
    let hostile = "eve\u{202e}nimda\u{200b}\u{1b}]0;owned\u{7}";
    stack
        .world()
        .add_authentik(hostile, "eve@example.com", true);
    let dir = tempfile::tempdir().expect("tempdir");
    let run = poc_tui(dir.path(), &stack, &["users"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("eve<U+202E>nimda<U+200B>\u{241b}]0;owned\u{2407}"),
        "{}",
        run.stdout
    );
    for raw in ['\u{202e}', '\u{200b}', '\u{1b}', '\u{7}'] {
        assert!(!run.stdout.contains(raw), "{raw:?} reached stdout");
        assert!(!run.stderr.contains(raw), "{raw:?} reached stderr");
    }
    // JSON is data: the name is kept exactly, escaped as JSON escapes it.
    let run = poc_tui(dir.path(), &stack, &["users", "--json"]);
    let v: Value = serde_json::from_str(&run.stdout).expect("json");
    let names: Vec<&str> = v["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["username"].as_str())
        .collect();
    assert!(names.contains(&hostile), "{names:?}");
}

#[test]
fn the_users_table_aligns_whatever_the_name_widths() {
    let stack = healthy_stack();
    stack.world().add_authentik(
        "a-person-with-a-remarkably-long-username",
        "long@example.com",
        true,
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let run = poc_tui(dir.path(), &stack, &["users"]);
    let header = run
        .stdout
        .lines()
        .find(|l| l.starts_with("USER"))
        .expect("header");
    let column = |line: &str, word: &str| line.find(word).map(|i| line[..i].chars().count());
    let role_at = column(header, "ROLE").expect("ROLE");
    let coder_at = column(header, "CODER").expect("CODER");
    for name in ["a-person-with-a-remarkably-long-username", "contractor1"] {
        let line = run
            .stdout
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name}: {}", run.stdout));
        let chars: Vec<char> = line.chars().collect();
        assert!(
            chars[role_at - 1] == ' ' && chars[role_at] != ' ',
            "ROLE column of {name}: {}",
            run.stdout
        );
        assert!(
            chars[coder_at - 1] == ' ' && chars[coder_at] != ' ',
            "CODER column of {name}: {}",
            run.stdout
        );
    }
}

#[test]
fn users_create_help_lists_every_valid_role() {
    let out = Command::cargo_bin("poc-tui")
        .expect("binary")
        .args(["users", "create", "--help"])
        .output()
        .expect("runs");
    let help = String::from_utf8_lossy(&out.stdout);
    for role in poc_tui::identity::create::CREATABLE_ROLES {
        assert!(help.contains(&format!("{role}:")), "{role}: {help}");
    }
    assert!(!help.contains("site-admin"), "{help}");
}

#[test]
fn an_account_created_without_a_password_stays_a_finding_until_one_is_set() {
    let stack = healthy_stack();
    stack
        .world()
        .authentik
        .retain(|u| u["username"] != "contractor2");
    let dir = tempfile::tempdir().expect("tempdir");

    // Created, but without a password: not done, and said so.
    let run = poc_tui(dir.path(), &stack, &["users", "fix"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(stack.world().authentik_user("contractor2").is_some());
    assert!(
        run.stdout
            .contains("contractor2 has no password in Authentik"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("--password-env VAR"), "{}", run.stdout);

    // Still open on the next read.
    let run = poc_tui(dir.path(), &stack, &["users", "--json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let v: Value = serde_json::from_str(&run.stdout).expect("json");
    let kinds: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["authentik_no_password"], "{}", run.stdout);

    // Setting one closes it.
    let run = poc_tui(
        dir.path(),
        &stack,
        &["users", "fix", "--password-env", "NEW_PASSWORD"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("=== no findings ==="), "{}", run.stdout);
    assert_eq!(stack.world().ak_passwords.len(), 1);
}

#[test]
fn a_password_set_in_authentik_itself_closes_the_finding() {
    let stack = healthy_stack();
    let dir = tempfile::tempdir().expect("tempdir");
    let create = [
        "users",
        "create",
        "--username",
        "gail",
        "--email",
        "gail@example.com",
        "--name",
        "Gail",
        "--role",
        "contractor",
    ];
    let run = poc_tui(dir.path(), &stack, &create);
    assert_eq!(run.code, 1, "not done without a password: {}", run.stdout);
    assert!(
        run.stderr.contains("gail has no password in Authentik"),
        "{}",
        run.stderr
    );
    assert_eq!(poc_tui(dir.path(), &stack, &["users"]).code, 1);
    // The operator sets it in Authentik's admin: its password date moves on.
    if let Some(u) = stack
        .world()
        .authentik
        .iter_mut()
        .find(|u| u["username"] == "gail")
    {
        u["password_change_date"] = Value::String("2026-03-01T10:00:00.000000Z".into());
    }
    let run = poc_tui(dir.path(), &stack, &["users"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn a_person_created_with_a_role_is_listed_with_it() {
    let stack = healthy_stack();
    let dir = tempfile::tempdir().expect("tempdir");
    let run = poc_tui(
        dir.path(),
        &stack,
        &[
            "users",
            "create",
            "--username",
            "hana",
            "--email",
            "hana@example.com",
            "--name",
            "Hana",
            "--role",
            "contractor",
            "--password-env",
            "NEW_PASSWORD",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    if let Some(u) = stack
        .world()
        .authentik
        .iter_mut()
        .find(|u| u["username"] == "hana")
    {
        u["groups_obj"] = serde_json::json!([{"name": "contractors"}]);
    }
    let run = poc_tui(dir.path(), &stack, &["users", "--json"]);
    assert_eq!(run.code, 0, "managed and as the role wants: {}", run.stdout);
    let v: Value = serde_json::from_str(&run.stdout).expect("json");
    let row = v["rows"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["username"] == "hana"))
        .expect("hana row");
    assert_eq!(row["role"], "contractor", "{row}");
    assert_eq!(row["gitea"]["restricted"]["verdict"], "ok", "{row}");
    assert_eq!(row["authentik"]["groups"]["value"], "contractors", "{row}");
    let run = poc_tui(dir.path(), &stack, &["users"]);
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("hana"))
        .expect("hana line");
    assert!(line.contains("contractor"), "{line}");
}

/// A `docker` that records its arguments, one a line, and hands the SQL of a `psql -c` to the
/// fake Coder, which applies the login-type update to its users.
fn fake_docker(dir: &Path, coder_url: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    let log = dir.join("docker-args.txt");
    let script = format!(
        "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\" >> '{}'; last=\"$a\"; done\n\
         curl -sf -X POST --data-binary \"$last\" '{coder_url}/__fake/sql' >/dev/null || exit 3\n\
         echo 'UPDATE 1'\n",
        log.display()
    );
    let path = bin.join("docker");
    std::fs::write(&path, script).expect("script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    log
}

#[test]
fn users_fix_coder_sql_without_the_database_container_runs_nothing() {
    let stack = healthy_stack();
    {
        let mut w = stack.world();
        if let Some(u) = w.coder.iter_mut().find(|u| u["username"] == "contractor1") {
            u["login_type"] = Value::String("password".into());
        }
        w.workspaces.push(("contractor1".into(), "webapp".into()));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let args_log = fake_docker(dir.path(), &stack.coder_url);
    let path = format!(
        "{}:{}",
        dir.path().join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let config = dir.path().join("users.toml");
    std::fs::write(&config, stack.config_toml()).expect("write config");
    let run = |args: &[&str]| {
        let out = Command::cargo_bin("poc-tui")
            .expect("binary")
            .env("PATH", &path)
            .env("POC_TUI_DATA", dir.path().join("data"))
            .env("DOCKER_HOST", "unix:///nonexistent/poctui-test.sock")
            .env_remove("POC_TUI_CONFIG")
            .arg("--config")
            .arg(&config)
            .args(args)
            .output()
            .expect("runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };

    // Delete and recreate is refused while they own a workspace, with the way that works.
    let (code, stdout) = run(&["users", "fix", "--recreate-coder", "contractor1"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("--coder-sql contractor1"), "{stdout}");
    assert!(stdout.contains("convert-login"), "{stdout}");
    assert!(!args_log.exists(), "nothing ran");

    // The SQL route needs the Coder database container found on the engine: with no engine
    // it is refused, and nothing runs (tests/login_type_docker.rs runs it for real).
    let (code, stdout) = run(&["users", "fix", "--coder-sql", "contractor1"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        !args_log.exists(),
        "docker ran without a database container"
    );
    assert_eq!(
        stack
            .world()
            .coder_user("contractor1")
            .map(|u| u["login_type"].clone()),
        Some(Value::String("password".into()))
    );
    assert!(!stack.world().seen.iter().any(|s| s.method == "DELETE"));
}

#[test]
fn users_fix_user_changes_only_that_person() {
    let stack = healthy_stack();
    {
        let mut w = stack.world();
        w.authentik.retain(|u| u["username"] != "contractor2");
        if let Some(u) = w.gitea.iter_mut().find(|u| u["login"] == "readonly") {
            u["restricted"] = Value::Bool(false);
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");

    // An unknown name is a usage error, and nothing is changed.
    let run = poc_tui(dir.path(), &stack, &["users", "fix", "--user", "nobody"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("--user nobody"), "{}", run.stderr);
    assert!(stack.world().changes().is_empty());

    let run = poc_tui(
        dir.path(),
        &stack,
        &[
            "users",
            "fix",
            "--user",
            "contractor2",
            "--password-env",
            "NEW_PASSWORD",
            "--json",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).expect("json");
    let applied = v["applied"].as_array().expect("applied");
    assert!(!applied.is_empty(), "{}", run.stdout);
    assert!(
        applied.iter().all(|a| a[0] == "contractor2"),
        "{}",
        run.stdout
    );
    assert_eq!(v["remaining"], serde_json::json!([]), "{}", run.stdout);
    let w = stack.world();
    assert!(w.authentik_user("contractor2").is_some());
    assert_eq!(w.ak_passwords.len(), 1);
    // readonly's finding is left for its own run.
    assert!(
        w.seen.iter().all(|s| s.method != "PATCH"),
        "readonly patched"
    );
    assert_eq!(
        w.gitea_user("readonly").expect("readonly")["restricted"],
        false
    );
    drop(w);

    let run = poc_tui(dir.path(), &stack, &["users", "--json"]);
    assert_eq!(run.code, 1);
    let v: Value = serde_json::from_str(&run.stdout).expect("json");
    let left: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["username"].as_str())
        .collect();
    assert_eq!(left, ["readonly"], "{}", run.stdout);
}

#[test]
fn a_created_contractor_joins_the_group_the_other_contractors_are_in() {
    let stack = healthy_stack();
    {
        let mut w = stack.world();
        w.add_group("contractors", false);
        w.add_group("authentik Admins", true);
        for name in ["contractor1", "contractor2"] {
            w.join_group(name, "contractors");
            // A superuser group is never handed out because others are in it.
            w.join_group(name, "authentik Admins");
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");

    // contractor3 lacks the group two of the other contractors are in: flagged, with a fix.
    let run = poc_tui(dir.path(), &stack, &["users", "--json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let v: Value = serde_json::from_str(&run.stdout).expect("json");
    let findings = v["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{}", run.stdout);
    assert_eq!(findings[0]["username"], "contractor3");
    assert_eq!(findings[0]["kind"], "authentik_missing_group");
    assert_eq!(findings[0]["fix"]["action"], "add_authentik_group");
    assert_eq!(findings[0]["fix"]["group"], "contractors");

    let run = poc_tui(
        dir.path(),
        &stack,
        &[
            "users",
            "create",
            "--username",
            "trialuser",
            "--email",
            "trialuser@example.com",
            "--name",
            "Trial User",
            "--role",
            "contractor",
            "--password-env",
            "NEW_PASSWORD",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("added to contractors"),
        "{}",
        run.stdout
    );
    assert_eq!(stack.world().groups_of("trialuser"), ["contractors"]);

    let run = poc_tui(
        dir.path(),
        &stack,
        &["users", "fix", "--user", "contractor3"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(stack.world().groups_of("contractor3"), ["contractors"]);
    let run = poc_tui(dir.path(), &stack, &["users"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}
