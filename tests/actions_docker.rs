//! Actions keep their promise on the real engine: `s` on a paused container unpauses it and
//! says so, `z` pauses, and an action whose command exits 0 but leaves the container in
//! another state is reported failed, in the history and the timeline alike. The keys go
//! through the console's `update`, the requests through the compose worker the console runs.
#![allow(clippy::unwrap_used)]

#[path = "common/copied_stack.rs"]
mod copied_stack;
#[path = "common/docker_support.rs"]
mod docker_support;

use std::sync::Arc;
use std::time::Duration;

use copied_stack::{compose_available, CopiedStack};
use docker_support::{build_image, engine_or_skip, run, run_quietly, ContainerGuard};
use poc_tui::app::actions::ActionDialog;
use poc_tui::app::services::visible_rows;
use poc_tui::app::vocab::{KeyCode, KeyModifiers, KeyPress};
use poc_tui::app::{update, Effect, Event, State};
use poc_tui::compose::{
    spawn, ActionEvent, ActionKind, ActionRecord, ActionRequest, ComposeEvent, ComposeRequest,
    ComposeWorkerOptions, Outcome,
};
use poc_tui::config::{load_from_texts, EMBEDDED_DEFAULT};
use poc_tui::docker::model::CoderWorkspace;
use poc_tui::docker::{ContainerInfo, DockerEvent, EngineInfo};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

fn name(tag: &str) -> String {
    format!("poctui-test-act-{tag}-{}", std::process::id())
}

/// A busybox container of this test (removed when the guard drops): `docker run -d` with
/// `entrypoint` when `start`, else only created.
fn container(tag: &str, start: bool, entrypoint: &str, args: &[&str]) -> ContainerGuard {
    let name = name(tag);
    run_quietly("docker", &["rm", "-f", &name]);
    let guard = ContainerGuard(name.clone());
    let mut argv = vec![if start { "run" } else { "create" }];
    if start {
        argv.push("-d");
    }
    argv.extend([
        "--name",
        &name,
        "--entrypoint",
        entrypoint,
        "poctui-test-busybox",
    ]);
    argv.extend(args);
    run("docker", &argv);
    guard
}

fn state_of(name: &str) -> String {
    run(
        "docker",
        &[
            "inspect",
            "--format",
            "{{.State.Status}} running={{.State.Running}} paused={{.State.Paused}}",
            name,
        ],
    )
    .trim()
    .to_owned()
}

/// The engine's view of `name`, shown as a workspace row (a plain container: the docker CLI
/// acts on it).
async fn info(name: &str) -> ContainerInfo {
    let (_, _, all) = poc_tui::docker::connect_and_read(None, Duration::from_secs(10))
        .await
        .unwrap();
    let mut c = all.into_iter().find(|c| c.name == name).unwrap();
    c.workspace = Some(CoderWorkspace {
        owner: "tester".into(),
        owner_id: None,
        workspace_id: None,
        workspace_name: name.into(),
    });
    c
}

/// A console whose engine holds `containers`, with the row of `containers[0]` selected.
fn console(containers: Vec<ContainerInfo>) -> State {
    let id = containers[0].id.clone();
    let config = load_from_texts(EMBEDDED_DEFAULT, None).unwrap();
    let mut state = State::new(Arc::new(config), false);
    state.set_initial_size(140, 40);
    update(
        &mut state,
        Event::Docker(DockerEvent::Connected(EngineInfo {
            name: "Docker Engine".into(),
            version: "test".into(),
            api_version: "1.41".into(),
            os: "linux".into(),
            how_chosen: "default socket".into(),
            host: "unix:///var/run/docker.sock".into(),
        })),
    );
    update(&mut state, Event::Docker(DockerEvent::Snapshot(containers)));
    let mut found = find_row(&mut state, &id);
    if !found {
        // The "Other containers" group starts collapsed.
        press(&mut state, KeyCode::Char('a'));
        found = find_row(&mut state, &id);
    }
    assert!(found, "the container has a row");
    state
}

/// Selects the row whose container is `id`; false when there is none.
fn find_row(state: &mut State, id: &str) -> bool {
    for at in 0..visible_rows(state).len() {
        state.select_index(poc_tui::app::Tab::Services, at);
        if state.selected_container().is_some_and(|c| c.id == id) {
            return true;
        }
    }
    false
}

fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, Event::Key(KeyPress::new(code, KeyModifiers::NONE)))
}

fn request(effects: Vec<Effect>) -> ActionRequest {
    effects
        .into_iter()
        .find_map(|e| match e {
            Effect::Compose(work) => match *work {
                ComposeRequest::Run(request) => Some(*request),
                _ => None,
            },
            _ => None,
        })
        .expect("the key asked the compose worker to run an action")
}

/// Runs `request` through the compose worker and returns its record; the console is told.
/// `containers` are the compose containers the worker is told about, as the console does.
async fn run_through_worker(
    state: &mut State,
    request: ActionRequest,
    containers: Vec<ContainerInfo>,
) -> ActionRecord {
    let (tx, mut rx) = mpsc::channel(64);
    let cancel = CancellationToken::new();
    let requests = spawn(ComposeWorkerOptions::default(), tx, cancel.clone());
    requests
        .send(ComposeRequest::Containers(containers))
        .await
        .unwrap();
    requests
        .send(ComposeRequest::Run(Box::new(request)))
        .await
        .unwrap();
    let record = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            match rx.recv().await.expect("the worker stopped") {
                ComposeEvent::Action(ActionEvent::Finished(record)) => return *record,
                ComposeEvent::Refused { reason, .. } => panic!("refused: {reason}"),
                other => {
                    update(state, Event::Compose(other));
                }
            }
        }
    })
    .await
    .expect("the action ended within 60 s");
    cancel.cancel();
    update(
        state,
        Event::Compose(ComposeEvent::Action(ActionEvent::Finished(Box::new(
            record.clone(),
        )))),
    );
    record
}

fn timeline_text(record: &ActionRecord) -> String {
    poc_tui::timeline::record::action_entry(record, &record.subject, None, "tester").text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s_on_a_paused_container_unpauses_it_and_z_pauses_it() {
    if !engine_or_skip("s_on_a_paused_container_unpauses_it_and_z_pauses_it").await {
        return;
    }
    build_image();
    let c = container("pause", true, "sleep", &["600"]);
    run("docker", &["pause", &c.0]);
    assert_eq!(state_of(&c.0), "paused running=true paused=true");

    // `s` on the paused row asks for unpause, run by the worker: running, a success.
    let mut state = console(vec![info(&c.0).await]);
    let asked = request(press(&mut state, KeyCode::Char('s')));
    assert_eq!(asked.kind, ActionKind::Unpause);
    let record = run_through_worker(&mut state, asked, Vec::new()).await;
    assert_eq!(state_of(&c.0), "running running=true paused=false");
    assert_eq!(record.outcome, Outcome::Done, "{}", record.summary());
    assert_eq!(record.exit_code, Some(0));
    assert!(
        record.summary().starts_with("unpause done"),
        "{}",
        record.summary()
    );
    let status = state.status.clone().unwrap_or_default();
    assert!(status.contains("unpause done"), "{status}");
    assert!(
        !timeline_text(&record).contains("failed"),
        "{}",
        timeline_text(&record)
    );

    // `z` on the running row asks first, then pauses.
    let mut state = console(vec![info(&c.0).await]);
    let first = press(&mut state, KeyCode::Char('z'));
    assert!(
        !first.iter().any(|e| matches!(e, Effect::Compose(_))),
        "asks first: {first:?}"
    );
    assert!(
        matches!(state.actions.dialog, Some(ActionDialog::Confirm { .. })),
        "{:?}",
        state.actions.dialog
    );
    let asked = request(press(&mut state, KeyCode::Enter));
    assert_eq!(asked.kind, ActionKind::Pause);
    let record = run_through_worker(&mut state, asked, Vec::new()).await;
    assert_eq!(state_of(&c.0), "paused running=true paused=true");
    assert_eq!(record.outcome, Outcome::Done, "{}", record.summary());

    // What `s` did before: this engine refuses `docker start` on a paused container, and
    // the failure quotes it.
    let refused = ActionRequest::container(ActionKind::Start, &c.0, [c.0.as_str()], None).unwrap();
    let record = run_through_worker(&mut state, refused, Vec::new()).await;
    assert_eq!(record.outcome, Outcome::Failed);
    assert_ne!(record.exit_code, Some(0));
    assert!(
        record.summary().to_lowercase().contains("paused"),
        "{}",
        record.summary()
    );
    assert_eq!(state_of(&c.0), "paused running=true paused=true");
}

/// The stand-in stack's mailpit, paused: `s` unpauses it through compose; and compose's
/// `start` on a paused service, which exits 0 and changes nothing, is reported failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_compose_service_s_unpauses_and_a_start_that_changes_nothing_fails() {
    if !engine_or_skip("a_paused_compose_service").await || !compose_available() {
        return;
    }
    let stack = CopiedStack::up("act", &["mailpit"]);
    let mailpit = stack.container("mailpit");
    run("docker", &["pause", &mailpit]);
    let ours = |all: Vec<ContainerInfo>| -> Vec<ContainerInfo> {
        all.into_iter()
            .filter(|c| {
                c.compose
                    .as_ref()
                    .is_some_and(|l| l.project == stack.project)
            })
            .collect()
    };
    let (_, _, all) = poc_tui::docker::connect_and_read(None, Duration::from_secs(10))
        .await
        .unwrap();
    let containers = ours(all);
    assert_eq!(containers.len(), 1, "{containers:?}");

    let mut state = console(containers.clone());
    let asked = request(press(&mut state, KeyCode::Char('s')));
    assert_eq!(asked.kind, ActionKind::Unpause);
    let record = run_through_worker(&mut state, asked, containers.clone()).await;
    assert_eq!(state_of(&mailpit), "running running=true paused=false");
    assert_eq!(record.outcome, Outcome::Done, "{}", record.summary());
    assert!(
        record.command.contains(" unpause mailpit"),
        "{}",
        record.command
    );

    // The false success of the past: compose `start` on a paused service exits 0.
    run("docker", &["pause", &mailpit]);
    let project =
        poc_tui::compose::ComposeProject::from_labels(containers[0].compose.as_ref().unwrap())
            .unwrap();
    let start = ActionRequest::service(
        ActionKind::Start,
        project,
        "mailpit",
        ["mailpit"],
        Some(containers[0].id.clone()),
    )
    .unwrap();
    let record = run_through_worker(&mut state, start, containers).await;
    assert_eq!(record.exit_code, Some(0), "{}", record.summary());
    assert_eq!(record.outcome, Outcome::Failed);
    assert_eq!(
        record.summary(),
        "failed: start exited 0 but mailpit is still paused"
    );
    assert!(timeline_text(&record).contains("failed: start exited 0 but mailpit is still paused"));
    let shown = state.actions.history.iter().next().unwrap();
    assert_eq!(shown.outcome, Outcome::Failed);
    let status = state.status.clone().unwrap_or_default();
    assert!(status.contains("still paused"), "{status}");
    assert_eq!(state_of(&mailpit), "paused running=true paused=true");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_that_does_not_leave_it_running_is_reported_failed() {
    if !engine_or_skip("a_start_that_does_not_leave_it_running_is_reported_failed").await {
        return;
    }
    build_image();
    // Exits at once with 3 whenever it is started.
    let c = container("dies", false, "sh", &["-c", "exit 3"]);
    let mut state = console(vec![info(&c.0).await]);
    let asked = request(press(&mut state, KeyCode::Char('s')));
    assert_eq!(asked.kind, ActionKind::Start);
    let record = run_through_worker(&mut state, asked, Vec::new()).await;
    assert_eq!(record.exit_code, Some(0), "docker start itself succeeded");
    assert_eq!(record.outcome, Outcome::Failed);
    assert_eq!(
        record.summary(),
        format!("failed: start exited 0 but {} is exited (exit code 3)", c.0)
    );
    let status = state.status.clone().unwrap_or_default();
    assert!(status.contains("exit code 3"), "{status}");
    let text = timeline_text(&record);
    assert!(
        text.contains("failed") && text.contains("exit code 3"),
        "{text}"
    );

    // A command that fails quotes the engine: starting a container that is gone.
    run("docker", &["rm", "-f", &c.0]);
    let gone = ActionRequest::container(ActionKind::Start, &c.0, [c.0.as_str()], None).unwrap();
    let record = run_through_worker(&mut state, gone, Vec::new()).await;
    assert_eq!(record.outcome, Outcome::Failed);
    assert!(
        record.summary().contains("No such container"),
        "{}",
        record.summary()
    );
}
