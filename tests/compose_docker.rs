//! `poc-tui drift|up|restart` against the real engine and the real compose tool,
//! on a copy of the stand-in stack with its own project name, names and ports.
#![allow(clippy::unwrap_used)]

#[path = "common/copied_stack.rs"]
mod copied_stack;
#[path = "common/docker_support.rs"]
mod docker_support;

use std::process::Command as Process;
use std::time::Duration;

use copied_stack::{compose_available, CopiedStack};
use docker_support::{engine_or_skip, run};
use poc_tui::compose::containers::compose_containers;
use poc_tui::compose::{
    spawn, ActionEvent, ActionKind, ActionRequest, ComposeEvent, ComposeProject, ComposeRequest,
    ComposeWorkerOptions, DriftReport, Outcome,
};
use poc_tui::docker::ContainerInfo;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

fn inspect(container: &str, format: &str) -> String {
    run("docker", &["inspect", "--format", format, container])
        .trim()
        .to_string()
}

fn env_of(container: &str, key: &str) -> Option<String> {
    let out = inspect(container, "{{json .Config.Env}}");
    let list: Vec<String> = serde_json::from_str(&out).unwrap();
    list.iter()
        .find_map(|e| e.strip_prefix(&format!("{key}=")).map(str::to_string))
}

fn drifted_services(json: &Value) -> Vec<String> {
    json["services"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["drifted"] == Value::Bool(true))
        .map(|s| s["service"].as_str().unwrap().to_string())
        .collect()
}

fn volume_file_exists(container: &str) -> bool {
    Process::new("docker")
        .args(["exec", container, "cat", "/var/lib/postgresql/data/keep-me"])
        .output()
        .is_ok_and(|o| {
            o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == "precious"
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_change_drift_restart_keeps_it_up_applies_it_volumes_survive() {
    if !engine_or_skip("compose_docker").await || !compose_available() {
        return;
    }
    let stack = CopiedStack::up("cli", &["gitea", "mailpit", "devdb"]);
    let gitea = stack.container("gitea");
    let mailpit = stack.container("mailpit");
    let devdb = stack.container("devdb");

    // Fresh stack: nothing drifted.
    let (code, json) = stack.drift();
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["services"].as_array().unwrap().len(), 3, "{json}");
    assert!(drifted_services(&json).is_empty(), "{json}");

    // Edit .env: exactly gitea drifts, with the changed keys; the secret stays masked.
    stack.write_env("bonjour", "second-secret-value");
    let (code, stdout, _) = stack.run_tool(&["drift", "--json"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        !stdout.contains("secret-value"),
        "a secret leaked: {stdout}"
    );
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(drifted_services(&json), ["gitea"], "{json}");
    let gitea_drift = json["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"] == "gitea")
        .unwrap();
    assert_eq!(
        gitea_drift["changes"],
        serde_json::json!([
            {"kind": "env", "key": "GITEA_GREETING", "running": "hello", "wanted": "bonjour"},
            {"kind": "env", "key": "GITEA__database__PASSWD", "running": "********", "wanted": "********"}
        ])
    );
    let (_, text, _) = stack.run_tool(&["drift"]);
    assert!(
        text.contains("env GITEA_GREETING: hello -> bonjour"),
        "{text}"
    );

    // Something precious in the named volume.
    run(
        "docker",
        &[
            "exec",
            &devdb,
            "sh",
            "-c",
            "echo precious > /var/lib/postgresql/data/keep-me",
        ],
    );

    // restart: same container, old environment, drift still there, and a warning.
    let gitea_before = inspect(&gitea, "{{.Id}}");
    let (code, stdout, stderr) = stack.run_tool(&["restart", "gitea"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stderr.contains("restart will NOT apply"), "{stderr}");
    assert_eq!(inspect(&gitea, "{{.Id}}"), gitea_before);
    assert_eq!(env_of(&gitea, "GITEA_GREETING").as_deref(), Some("hello"));
    assert_eq!(drifted_services(&stack.drift().1), ["gitea"]);

    // A dry run prints the command and changes nothing.
    let (code, stdout, _) = stack.run_tool(&["up", "--dry-run", "gitea"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("up -d gitea"), "{stdout}");
    assert_eq!(inspect(&gitea, "{{.Id}}"), gitea_before);

    // up -d: gitea replaced with the new value, mailpit (unchanged) kept.
    let mailpit_before = inspect(&mailpit, "{{.Id}}");
    let (code, stdout, stderr) = stack.run_tool(&["up", "gitea", "mailpit"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let gitea_after = inspect(&gitea, "{{.Id}}");
    assert_ne!(gitea_after, gitea_before);
    assert_eq!(env_of(&gitea, "GITEA_GREETING").as_deref(), Some("bonjour"));
    assert_eq!(inspect(&mailpit, "{{.Id}}"), mailpit_before);
    assert!(
        stdout.contains(&format!(
            "gitea: recreated: container {}",
            &gitea_before[..12]
        )),
        "{stdout}"
    );
    assert!(stdout.contains("mailpit: nothing changed"), "{stdout}");
    let (code, json) = stack.drift();
    assert_eq!(code, 0, "{json}");
    assert!(drifted_services(&json).is_empty(), "{json}");

    // The volume survives a forced recreate and a restart.
    let devdb_before = inspect(&devdb, "{{.Id}}");
    let (code, stdout, stderr) = stack.run_tool(&["up", "--force-recreate", "devdb"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_ne!(inspect(&devdb, "{{.Id}}"), devdb_before, "not recreated");
    assert!(volume_file_exists(&devdb), "file lost on recreate");
    let (code, _, _) = stack.run_tool(&["restart", "devdb"]);
    assert_eq!(code, 0);
    assert!(volume_file_exists(&devdb), "file lost on restart");
    let volumes = run(
        "docker",
        &[
            "volume",
            "ls",
            "-q",
            "--filter",
            &format!("name={}", stack.volume),
        ],
    );
    assert_eq!(volumes.trim(), stack.volume);

    // A service compose does not know is refused with a suggestion.
    let (code, _, stderr) = stack.run_tool(&["up", "gittea"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("did you mean gitea"), "{stderr}");
}

type Events = mpsc::Receiver<ComposeEvent>;
type Requests = mpsc::Sender<ComposeRequest>;

async fn next(rx: &mut Events) -> ComposeEvent {
    tokio::time::timeout(Duration::from_secs(60), rx.recv())
        .await
        .expect("no event within 60s")
        .expect("worker stopped")
}

async fn next_drift(rx: &mut Events, what: &str) -> DriftReport {
    match next(rx).await {
        ComposeEvent::Drift(r) => r,
        other => panic!("expected drift {what}, got {other:?}"),
    }
}

/// The compose containers of this copy of the stack, read from the engine.
async fn containers_of(stack: &CopiedStack) -> Vec<ContainerInfo> {
    compose_containers(None, Duration::from_secs(20))
        .await
        .unwrap()
        .into_iter()
        .filter(|c| {
            c.compose
                .as_ref()
                .is_some_and(|l| l.project == stack.project)
        })
        .collect()
}

/// The console's worker: drift appears when `.env` changes on disk (no command
/// needed), an apply streams output and records the new container, and a second
/// action on the same service while one runs is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_notices_env_edits_and_runs_one_action_per_service() {
    if !engine_or_skip("compose_worker").await || !compose_available() {
        return;
    }
    let stack = CopiedStack::up("wrk", &["gitea", "mailpit"]);
    let containers = containers_of(&stack).await;
    assert_eq!(containers.len(), 2);

    let (tx, mut rx) = mpsc::channel(256);
    let cancel = CancellationToken::new();
    let _stop = cancel.clone().drop_guard();
    let opts = ComposeWorkerOptions {
        watch_interval: Duration::from_millis(300),
        ..ComposeWorkerOptions::default()
    };
    let commands = spawn(opts, tx, cancel.clone());
    commands
        .send(ComposeRequest::Containers(containers.clone()))
        .await
        .unwrap();

    match next(&mut rx).await {
        ComposeEvent::Tool(Ok(tool)) => assert!(!tool.version.is_empty()),
        other => panic!("expected the tool first, got {other:?}"),
    }
    let report = next_drift(&mut rx, "first").await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.services.len(), 2);
    assert!(report.services.iter().all(|s| !s.drifted), "{report:?}");

    // Editing .env is noticed by the file watch alone. (mtime granularity: wait a tick.)
    tokio::time::sleep(Duration::from_millis(1100)).await;
    stack.write_env("bonjour", "first-secret-value");
    let report = next_drift(&mut rx, "after the .env edit").await;
    let drifted: Vec<&str> = report
        .services
        .iter()
        .filter(|s| s.drifted)
        .map(|s| s.service.as_str())
        .collect();
    assert_eq!(drifted, ["gitea"]);

    let gitea = containers
        .iter()
        .find(|c| c.compose.as_ref().unwrap().service == "gitea")
        .unwrap();
    apply_while_a_second_action_is_refused(&mut rx, &commands, &stack, gitea).await;
    drift_clears_with_the_new_containers(&mut rx, &commands, &stack).await;
}

/// Apply gitea; a second request for it while it runs is refused.
async fn apply_while_a_second_action_is_refused(
    rx: &mut Events,
    commands: &Requests,
    stack: &CopiedStack,
    gitea: &ContainerInfo,
) {
    let project = ComposeProject::from_labels(gitea.compose.as_ref().unwrap()).unwrap();
    let request = |kind| {
        ActionRequest::service(
            kind,
            project.clone(),
            "gitea",
            ["gitea", "mailpit"],
            Some(gitea.id.clone()),
        )
        .unwrap()
    };
    commands
        .send(ComposeRequest::Run(Box::new(request(ActionKind::Apply))))
        .await
        .unwrap();
    commands
        .send(ComposeRequest::Run(Box::new(request(ActionKind::Restart))))
        .await
        .unwrap();
    let mut started = None;
    let mut output = Vec::new();
    let mut refused = None;
    let record = loop {
        match next(rx).await {
            ComposeEvent::Action(ActionEvent::Started { command, .. }) => started = Some(command),
            ComposeEvent::Action(ActionEvent::Output { lines, .. }) => output.extend(lines),
            ComposeEvent::Action(ActionEvent::Finished(record)) => break record,
            ComposeEvent::Refused { reason, .. } => refused = Some(reason),
            ComposeEvent::Drift(_) | ComposeEvent::Tool(_) => {}
        }
    };
    let started = started.expect("no Started event");
    assert!(started.ends_with("up -d gitea"), "{started}");
    assert!(
        refused
            .as_deref()
            .is_some_and(|r| r.contains("already running")),
        "{refused:?}"
    );
    assert_eq!(record.outcome, Outcome::Recreated, "{record:?}");
    assert_eq!(record.exit_code, Some(0));
    let new_id = record.new_container.clone().unwrap();
    assert_ne!(new_id, gitea.id);
    assert_eq!(inspect(&stack.container("gitea"), "{{.Id}}"), new_id);
    assert!(
        output.iter().any(|l| l.contains("gitea")),
        "compose output was not streamed: {output:?}"
    );
    assert_eq!(record.output_tail, output);
}

/// With the new containers, the drift is gone.
async fn drift_clears_with_the_new_containers(
    rx: &mut Events,
    commands: &Requests,
    stack: &CopiedStack,
) {
    let fresh = containers_of(stack).await;
    commands
        .send(ComposeRequest::Containers(fresh))
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "drift did not clear"
        );
        if let ComposeEvent::Drift(r) = next(rx).await {
            if r.services.len() == 2 && r.services.iter().all(|s| !s.drifted) {
                break;
            }
        }
    }
}

/// A container anyone could start, claiming the copied stack's project and naming other
/// compose files: neither `poc-tui up` nor the console's worker runs those files, and a
/// project pinned in the config uses its own files whatever the labels say.
#[allow(clippy::too_many_lines)] // one scenario, read top to bottom
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_container_claiming_the_project_cannot_choose_its_files() {
    if !engine_or_skip("compose_forged_labels").await || !compose_available() {
        return;
    }
    let stack = CopiedStack::up("forge", &["mailpit"]);
    // The planted files would start a marker container: its existence would prove a run.
    let evil = tempfile::tempdir().unwrap();
    let marker = format!("{}-evil-marker", stack.project);
    let evil_file = evil.path().join("docker-compose.yml");
    std::fs::write(
        &evil_file,
        format!(
            "version: \"3\"\nservices:\n  gitea:\n    image: {}\n    container_name: {marker}\n  mailpit:\n    image: {}\n    container_name: {marker}-2\n",
            stack.image, stack.image
        ),
    )
    .unwrap();
    let planted = format!("{}-planted", stack.project);
    let _guards = [
        docker_support::ContainerGuard(planted.clone()),
        docker_support::ContainerGuard(marker.clone()),
        docker_support::ContainerGuard(format!("{marker}-2")),
    ];
    run(
        "docker",
        &[
            "create",
            "--name",
            &planted,
            "--label",
            &format!("com.docker.compose.project={}", stack.project),
            "--label",
            "com.docker.compose.service=gitea",
            "--label",
            &format!(
                "com.docker.compose.project.config_files={}",
                evil_file.display()
            ),
            "--label",
            &format!(
                "com.docker.compose.project.working_dir={}",
                evil.path().display()
            ),
            &stack.image,
        ],
    );
    let marker_exists = || {
        run(
            "docker",
            &[
                "ps",
                "-a",
                "--filter",
                &format!("name={marker}"),
                "--format",
                "{{.Names}}",
            ],
        )
        .contains(&marker)
    };

    // Headless: the project's containers disagree on its files, so nothing runs.
    let (code, _, stderr) = stack.run_tool(&["up", "gitea"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("disagree") && stderr.contains(&planted),
        "{stderr}"
    );

    // The console's worker, asked for `u` on the planted container's row.
    let containers = containers_of(&stack).await;
    let planted_info = containers
        .iter()
        .find(|c| c.name == planted)
        .unwrap()
        .clone();
    let forged = ComposeProject::from_labels(planted_info.compose.as_ref().unwrap()).unwrap();
    assert_eq!(forged.config_files, std::slice::from_ref(&evil_file));
    let ask = |opts: ComposeWorkerOptions, service: &'static str| {
        let containers = containers.clone();
        let forged = forged.clone();
        let id = planted_info.id.clone();
        async move {
            let (tx, mut rx) = mpsc::channel(256);
            let cancel = CancellationToken::new();
            let _stop = cancel.clone().drop_guard();
            let commands = spawn(opts, tx, cancel.clone());
            commands
                .send(ComposeRequest::Containers(containers))
                .await
                .unwrap();
            let request =
                ActionRequest::service(ActionKind::Apply, forged, service, [service], Some(id))
                    .unwrap();
            commands
                .send(ComposeRequest::Run(Box::new(request)))
                .await
                .unwrap();
            loop {
                match next(&mut rx).await {
                    ComposeEvent::Refused { reason, .. } => break Err(reason),
                    ComposeEvent::Action(ActionEvent::Finished(record)) => {
                        break Ok(record.command.clone())
                    }
                    _ => {}
                }
            }
        }
    };
    let refused = ask(ComposeWorkerOptions::default(), "gitea").await;
    let reason = refused.expect_err("the forged files were run");
    assert!(reason.contains("disagree"), "{reason}");
    assert!(!marker_exists(), "the planted compose file was run");

    // Pinned in the config, the project's own files are used, whatever the labels say.
    let pinned = ComposeProject {
        name: stack.project.clone(),
        config_files: vec![stack.file()],
        working_dir: Some(stack.dir.path().to_path_buf()),
    };
    let evil_dir = evil.path().display().to_string();
    let opts = ComposeWorkerOptions {
        pinned: Some(pinned),
        ..ComposeWorkerOptions::default()
    };
    let command = ask(opts, "mailpit").await.expect("the pinned project runs");
    assert!(
        command.contains(&stack.file().display().to_string()) && !command.contains(&evil_dir),
        "{command}"
    );
    assert!(!marker_exists(), "the planted compose file was run");

    let config = stack.dir.path().join("pinned.toml");
    std::fs::write(
        &config,
        format!(
            "[stack]\ncompose_project = \"{}\"\ncompose_files = [\"{}\"]\n",
            stack.project,
            stack.file().display()
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let (code, stdout, stderr) =
        stack.run_tool(&["--config", &config, "up", "mailpit", "--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains(&stack.file().display().to_string()) && !stdout.contains(&evil_dir),
        "{stdout}"
    );
}

/// A fake `docker` whose compose plugin knows one service, `gitea`, and whose `up -d`
/// writes its pid and waits for a signal, writing which one ended it.
fn slow_fake_docker(dir: &std::path::Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let mark = dir.join("up.mark");
    let script = format!(
        "#!/bin/sh\n\
         case \"$*\" in\n\
         'compose version') echo 'Docker Compose version v2.29.0' ;;\n\
         *'config --services') echo gitea ;;\n\
         *' up -d '*) echo $$ > '{m}.pid'; trap 'echo TERM >> {m}; exit 143' TERM; \
            echo recreating; while true; do sleep 0.1; done ;;\n\
         *) exit 0 ;;\n\
         esac\n",
        m = mark.display()
    );
    let path = bin.join("docker");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(dir.join("compose.yml"), "services: {}\n").unwrap();
    std::fs::write(
        dir.join("lock.toml"),
        format!(
            "[stack]\ncompose_project = \"poctuilocktest\"\ncompose_files = [\"{}\"]\n",
            dir.join("compose.yml").display()
        ),
    )
    .unwrap();
    bin
}

fn slow_up(dir: &std::path::Path, bin: &std::path::Path) -> Process {
    let mut cmd = Process::new(env!("CARGO_BIN_EXE_poc-tui"));
    cmd.env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("POC_TUI_DATA", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env_remove("POC_TUI_CONFIG")
        .arg("--config")
        .arg(dir.join("lock.toml"))
        .args(["up", "gitea"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    cmd
}

fn wait_for(path: &std::path::Path, within: Duration) -> String {
    let start = std::time::Instant::now();
    while start.elapsed() < within {
        if let Ok(text) = std::fs::read_to_string(path) {
            if !text.trim().is_empty() {
                return text;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{} never appeared", path.display());
}

/// Two processes: `poc-tui up gitea` holds the project lock while its (hung) `up -d` runs;
/// a second `poc-tui up gitea` is refused naming the first; Ctrl-C on the first sends its
/// child SIGTERM, the history records it, and the lock is free again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_up_on_the_same_project_is_refused_and_ctrl_c_stops_the_first() {
    if !engine_or_skip("a_second_up_on_the_same_project_is_refused").await {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bin = slow_fake_docker(dir.path());
    let mut first = slow_up(dir.path(), &bin).spawn().unwrap();
    let child_pid = wait_for(&dir.path().join("up.mark.pid"), Duration::from_secs(20));

    let second = slow_up(dir.path(), &bin).output().unwrap();
    let err = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{err}");
    assert!(err.contains("another poc-tui"), "{err}");
    assert!(err.contains(&format!("pid {}", first.id())), "{err}");
    assert!(err.contains("compose project poctuilocktest"), "{err}");

    // Ctrl-C reaches poc-tui only (the child has its own process group) and is passed on.
    run("kill", &["-INT", &first.id().to_string()]);
    let status = first.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("up.mark"))
            .unwrap()
            .trim(),
        "TERM",
        "the child ended by SIGTERM"
    );
    let still = Process::new("kill")
        .args(["-0", child_pid.trim()])
        .status()
        .unwrap();
    assert!(!still.success(), "the child is gone");
    let mut first_out = String::new();
    std::io::Read::read_to_string(&mut first.stdout.take().unwrap(), &mut first_out).unwrap();
    assert!(
        first_out.contains("gitea: failed: cancelled (SIGTERM)"),
        "{first_out}"
    );
    let timeline = std::fs::read_to_string(dir.path().join("data").join("timeline.jsonl")).unwrap();
    assert!(timeline.contains("cancelled (SIGTERM)"), "{timeline}");

    // The lock went with the first process: the next run gets it (and is stopped again).
    std::fs::remove_file(dir.path().join("up.mark.pid")).unwrap();
    let mut third = slow_up(dir.path(), &bin).spawn().unwrap();
    wait_for(&dir.path().join("up.mark.pid"), Duration::from_secs(20));
    run("kill", &["-INT", &third.id().to_string()]);
    assert_eq!(third.wait().unwrap().code(), Some(130));
}
