//! The background task that keeps container state live.
//!
//! Event-driven: one list on connect (the rows, sent at once), an inspect per container
//! after it (the details), then the engine's `/events` stream says which container changed
//! and only that one is inspected again.
//! A slow safety resync (one list call) catches anything missed. Statistics are
//! one-shot samples on a slow cadence (see `schedule`). When the engine goes
//! away the worker says so, retries with exponential backoff, and on return
//! sends a fresh snapshot.

mod protocol;
mod schedule;
mod session;

use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::connect::connect;
use super::target::resolve_target;
use super::EngineDown;
pub(crate) use protocol::Remembered;
pub use protocol::{DockerEvent, DockerRequest, WorkerOptions};
use session::{Session, SessionEnd};

/// Starts the worker on the current tokio runtime. It stops when `cancel` fires or
/// the receiver of `tx` is dropped. Returns the sender for commands.
pub fn spawn(
    opts: WorkerOptions,
    tx: mpsc::Sender<DockerEvent>,
    cancel: CancellationToken,
) -> mpsc::Sender<DockerRequest> {
    let (cmd_tx, cmd_rx) = mpsc::channel(32);
    tokio::spawn(run(opts, tx, cmd_rx, cancel));
    cmd_tx
}

/// A session shorter than this counts as a failed attempt for the backoff.
const SHORT_SESSION: Duration = Duration::from_secs(5);

async fn run(
    opts: WorkerOptions,
    tx: mpsc::Sender<DockerEvent>,
    mut cmd_rx: mpsc::Receiver<DockerRequest>,
    cancel: CancellationToken,
) {
    let mut remembered = Remembered {
        focus: None,
        visible: None,
        commands_open: true,
    };
    let mut backoff = opts.backoff_min;
    let mut last_down: Option<EngineDown> = None;
    loop {
        let attempt = async {
            let target = resolve_target(opts.docker_host.as_deref(), &opts.env)?;
            connect(&target, opts.request_timeout).await
        };
        let attempt = tokio::select! {
            () = cancel.cancelled() => return,
            result = attempt => result,
        };
        match attempt {
            Ok((docker, info)) => {
                last_down = None;
                tracing::info!(engine = %info.name, version = %info.version, api = %info.api_version, "connected");
                if tx.send(DockerEvent::Connected(info)).await.is_err() {
                    return;
                }
                let started = tokio::time::Instant::now();
                let session = Session::new(docker, &opts, tx.clone(), cancel.clone());
                match session.run(&mut cmd_rx, &mut remembered).await {
                    SessionEnd::Stop => return,
                    // Reconnect at once: if the engine is really gone, the
                    // failed attempt says why, which beats a stream error.
                    SessionEnd::Lost(why) => tracing::warn!(%why, "engine connection lost"),
                }
                // A session that keeps failing right after connecting must not spin.
                if started.elapsed() < SHORT_SESSION {
                    if !wait_before_retry(backoff, &mut cmd_rx, &mut remembered, &cancel).await {
                        return;
                    }
                    backoff = (backoff * 2).min(opts.backoff_max);
                } else {
                    backoff = opts.backoff_min;
                }
            }
            Err(down) => {
                if last_down.as_ref() != Some(&down) {
                    tracing::warn!(reason = %down.reason, "engine unreachable");
                    if tx
                        .send(DockerEvent::Disconnected(down.clone()))
                        .await
                        .is_err()
                    {
                        return;
                    }
                    last_down = Some(down);
                }
                if !wait_before_retry(backoff, &mut cmd_rx, &mut remembered, &cancel).await {
                    return;
                }
                backoff = (backoff * 2).min(opts.backoff_max);
            }
        }
    }
}

/// Sleeps for the backoff while still taking commands. False means stop.
async fn wait_before_retry(
    backoff: Duration,
    cmd_rx: &mut mpsc::Receiver<DockerRequest>,
    remembered: &mut Remembered,
    cancel: &CancellationToken,
) -> bool {
    let sleep = tokio::time::sleep(backoff);
    tokio::pin!(sleep);
    loop {
        tokio::select! {
            () = cancel.cancelled() => return false,
            () = &mut sleep => return true,
            command = cmd_rx.recv(), if remembered.commands_open => match command {
                Some(DockerRequest::Focus(id)) => remembered.focus = id,
                Some(DockerRequest::Visible(ids)) => remembered.visible = Some(ids),
                Some(DockerRequest::Resync) => return true,
                None => remembered.commands_open = false,
            },
        }
    }
}
