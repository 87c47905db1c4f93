//! Engine loss and return, through a unix-socket proxy the test cuts and restores.
#![allow(clippy::unwrap_used)]

#[path = "common/docker_support.rs"]
mod docker_support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use docker_support::{build_image, engine_or_skip, run, run_quietly, wait_for, ContainerGuard};
use poc_tui::docker::{
    spawn, ContainerState, DockerEvent, DockerRequest, EngineEnv, WorkerOptions,
};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

const ENGINE_SOCKET: &str = "/var/run/docker.sock";

/// Forwards connections on `path` to the engine's socket until cut.
struct Proxy {
    path: PathBuf,
    tasks: JoinSet<()>,
}

impl Proxy {
    fn start(path: &Path) -> Self {
        let mut proxy = Proxy {
            path: path.to_path_buf(),
            tasks: JoinSet::new(),
        };
        proxy.restore();
        proxy
    }

    /// Listens again (the engine "comes back").
    fn restore(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        let listener = UnixListener::bind(&self.path).unwrap();
        self.tasks.spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((mut client, _)) = listener.accept().await {
                connections.spawn(async move {
                    if let Ok(mut engine) = UnixStream::connect(ENGINE_SOCKET).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut engine).await;
                    }
                });
            }
            // Dropping `connections` aborts every forwarded connection.
        });
    }

    /// Closes the listener and every connection, and removes the socket file:
    /// what a stopped daemon looks like.
    fn cut(&mut self) {
        self.tasks.abort_all();
        let _ = std::fs::remove_file(&self.path);
    }
}

type Events = mpsc::Receiver<DockerEvent>;

/// The state of container `id` in the next snapshot.
async fn next_snapshot_state(rx: &mut Events, id: &str, what: &str) -> Option<ContainerState> {
    let (state, _) = wait_for(rx, Duration::from_secs(10), what, |e| match e {
        DockerEvent::Snapshot(list) => Some(list.iter().find(|c| c.id == id).map(|c| c.state)),
        _ => None,
    })
    .await;
    state
}

/// A running container of this test's own: the guard that removes it, its name and id.
fn start_container() -> (ContainerGuard, String, String) {
    let name = format!("poctui-test-reconnect-{}", std::process::id());
    run_quietly("docker", &["rm", "-f", &name]);
    let guard = ContainerGuard(name.clone());
    let id = run(
        "docker",
        &["run", "-d", "--name", &name, "poctui-test-busybox", "8082"],
    )
    .trim()
    .to_string();
    (guard, name, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_loss_and_return() {
    if !engine_or_skip("engine_loss_and_return").await {
        return;
    }
    build_image();
    let (_container, name, id) = start_container();

    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("engine.sock");
    let mut proxy = Proxy::start(&socket);

    let options = WorkerOptions {
        docker_host: Some(format!("unix://{}", socket.display())),
        env: EngineEnv::default(),
        request_timeout: Duration::from_secs(5),
        backoff_min: Duration::from_millis(100),
        backoff_max: Duration::from_millis(400),
        ..WorkerOptions::default()
    };
    let (tx, mut rx) = mpsc::channel(1024);
    let cancel = CancellationToken::new();
    let commands = spawn(options, tx, cancel.clone());
    let _stop_worker = cancel.clone().drop_guard();

    let (info, _) = wait_for(&mut rx, Duration::from_secs(10), "Connected", |e| match e {
        DockerEvent::Connected(info) => Some(info.clone()),
        _ => None,
    })
    .await;
    assert_eq!(info.how_chosen, "from --docker-host");
    let state = next_snapshot_state(&mut rx, &id, "first Snapshot").await;
    assert_eq!(state, Some(ContainerState::Running));

    proxy.cut();
    engine_away(&mut rx, &commands, &name, &id).await;
    proxy.restore();
    engine_back(&mut rx, &name, &id).await;
    proxy.cut();
}

/// The engine goes away: one Disconnected with a reason and a fix, no matter how many
/// retries, while commands keep arriving and the container stops behind its back.
async fn engine_away(
    rx: &mut Events,
    commands: &mpsc::Sender<DockerRequest>,
    name: &str,
    id: &str,
) {
    let (down, took) = wait_for(rx, Duration::from_secs(10), "Disconnected", |e| match e {
        DockerEvent::Disconnected(down) => Some(down.clone()),
        _ => None,
    })
    .await;
    eprintln!("Disconnected after {took:?}: {down}");
    assert!(down.reason.contains("engine.sock"), "{down:?}");
    assert!(!down.fix.is_empty());
    // Commands while disconnected must not break anything.
    commands
        .send(DockerRequest::Focus(Some(id.to_owned())))
        .await
        .unwrap();

    // While it is away the container stops (through the real socket).
    run("docker", &["stop", "-t", "1", name]);
    // Several retries happen meanwhile; none may repeat the same Disconnected.
    tokio::time::sleep(Duration::from_secs(1)).await;
    while let Ok(event) = rx.try_recv() {
        assert!(
            !matches!(event, DockerEvent::Connected(_) | DockerEvent::Snapshot(_)),
            "no connection while the proxy is cut: {event:?}"
        );
        assert!(
            !matches!(event, DockerEvent::Disconnected(_)),
            "the same reason is reported once: {event:?}"
        );
    }
}

/// The engine returns: Connected, then a Snapshot with the new state, and the events are
/// subscribed again.
async fn engine_back(rx: &mut Events, name: &str, id: &str) {
    let ((), took) = wait_for(rx, Duration::from_secs(10), "Connected again", |e| {
        matches!(e, DockerEvent::Connected(_)).then_some(())
    })
    .await;
    eprintln!("reconnected after {took:?}");
    let state = next_snapshot_state(rx, id, "Snapshot after return").await;
    assert_eq!(state, Some(ContainerState::Exited));

    run("docker", &["start", name]);
    wait_for(
        rx,
        Duration::from_secs(5),
        "Upsert after resubscribe",
        |e| match e {
            DockerEvent::Upsert(c) if c.id == id && c.state == ContainerState::Running => Some(()),
            _ => None,
        },
    )
    .await;
}
