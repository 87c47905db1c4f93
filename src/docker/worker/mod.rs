//! The background task that keeps container state live.
//!
//! Event-driven: one list + inspect on connect, then the engine's `/events`
//! stream says which container changed and only that one is inspected again.
//! A slow safety resync (one list call) catches anything missed. Statistics are
//! one-shot samples on a slow cadence (see `schedule`). When the engine goes
//! away the worker says so, retries with exponential backoff, and on return
//! sends a fresh snapshot.

mod schedule;
mod session;

use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::connect::{connect, EngineDown, EngineInfo};
use super::model::ContainerInfo;
use super::stats::ContainerStats;
use super::target::{resolve_target, EngineEnv};
use session::{Session, SessionEnd};

/// What the worker tells the app.
#[derive(Debug, Clone)]
pub enum DockerEvent {
    Connected(EngineInfo),
    Disconnected(EngineDown),
    /// Every container, replacing what the app knew.
    Snapshot(Vec<ContainerInfo>),
    /// One container was created or changed.
    Upsert(Box<ContainerInfo>),
    Removed {
        id: String,
    },
    Stats {
        id: String,
        stats: ContainerStats,
    },
}

/// What the app asks of the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DockerCommand {
    /// The selected container (by id) gets fresher statistics; None for no selection.
    Focus(Option<String>),
    /// Read everything again now (also retries a lost engine at once).
    Resync,
}

/// How the worker connects and how often it samples.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// The `--docker-host` flag value.
    pub docker_host: Option<String>,
    /// Where `DOCKER_HOST`, contexts and sockets are looked up.
    pub env: EngineEnv,
    /// Per request (until the answer starts).
    pub request_timeout: Duration,
    /// Each running container is sampled this often.
    pub stats_interval: Duration,
    /// The focused container is sampled this often.
    pub focus_stats_interval: Duration,
    /// A new container's second sample (its first CPU %) comes this soon.
    pub stats_warmup: Duration,
    /// With many containers, background samples are at least this far apart on
    /// average (the interval per container stretches to count × spacing).
    pub stats_min_spacing: Duration,
    /// At most this many samples run at once.
    pub stats_in_flight: usize,
    /// A cheap list call this often catches anything the events missed.
    pub resync_interval: Duration,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self {
            docker_host: None,
            env: EngineEnv::from_process(),
            request_timeout: Duration::from_secs(10),
            stats_interval: Duration::from_secs(30),
            focus_stats_interval: Duration::from_secs(2),
            stats_warmup: Duration::from_secs(3),
            stats_min_spacing: Duration::from_millis(500),
            stats_in_flight: 16,
            resync_interval: Duration::from_secs(60),
            backoff_min: Duration::from_millis(500),
            backoff_max: Duration::from_secs(10),
        }
    }
}

/// Starts the worker on the current tokio runtime. It stops when `cancel` fires or
/// the receiver of `tx` is dropped. Returns the sender for commands.
pub fn spawn(
    opts: WorkerOptions,
    tx: mpsc::Sender<DockerEvent>,
    cancel: CancellationToken,
) -> mpsc::Sender<DockerCommand> {
    let (cmd_tx, cmd_rx) = mpsc::channel(32);
    tokio::spawn(run(opts, tx, cmd_rx, cancel));
    cmd_tx
}

/// A session shorter than this counts as a failed attempt for the backoff.
const SHORT_SESSION: Duration = Duration::from_secs(5);

/// Commands the worker remembers across reconnects.
#[derive(Debug, Default)]
pub(crate) struct Remembered {
    pub focus: Option<String>,
    pub commands_open: bool,
}

async fn run(
    opts: WorkerOptions,
    tx: mpsc::Sender<DockerEvent>,
    mut cmd_rx: mpsc::Receiver<DockerCommand>,
    cancel: CancellationToken,
) {
    let mut remembered = Remembered {
        focus: None,
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
    cmd_rx: &mut mpsc::Receiver<DockerCommand>,
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
                Some(DockerCommand::Focus(id)) => remembered.focus = id,
                Some(DockerCommand::Resync) => return true,
                None => remembered.commands_open = false,
            },
        }
    }
}
