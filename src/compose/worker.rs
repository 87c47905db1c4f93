//! The background task behind the console's compose features: detects the tool,
//! keeps drift current, and runs actions (one per service at a time) without
//! ever blocking the event loop.
//!
//! Drift is checked again only when it can have changed: a compose container
//! appeared, went or got a new config hash, a compose file or `.env` changed on
//! disk (a cheap mtime poll), or an action finished. A check whose answer equals
//! the last one sends nothing, so an idle console is not redrawn.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use serde::Serialize;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::action::{ActionRequest, DockerCli};
use super::control::{ActionControl, ActionLimits};
use super::drift::{check_project, ServiceDrift};
use super::lock::{ProjectLock, DEFAULT_LOCK_WAIT};
use super::project::discover;
use super::resolve::settle_request;
use super::runner::{run_action, ActionEvent, BusySet};
use super::tool::{detect, ComposeTool, ToolSearch};
use super::verify::StateCheck;
use crate::docker::ContainerInfo;

/// How the worker finds the tools and how often it looks at the files.
#[derive(Debug, Clone)]
pub struct ComposeWorkerOptions {
    pub search: ToolSearch,
    pub docker: DockerCli,
    /// Bound on one `compose config` call.
    pub query_timeout: Duration,
    /// How often compose files and `.env` are looked at (modification time only).
    pub watch_interval: Duration,
    /// The config's project with its files (`[stack] compose_files`): labels are not used
    /// for it.
    pub pinned: Option<super::ComposeProject>,
    /// Deadline and stopping of each action.
    pub limits: ActionLimits,
    /// The data directory, where the per-project lock files are (None: no lock).
    pub lock_dir: Option<PathBuf>,
    /// How long an action waits for another process's action on the same project.
    pub lock_wait: Duration,
    /// `--read-only`: every action is refused.
    pub policy: crate::config::Policy,
}

impl Default for ComposeWorkerOptions {
    fn default() -> Self {
        Self {
            search: ToolSearch::default(),
            docker: DockerCli::default(),
            query_timeout: Duration::from_secs(30),
            watch_interval: Duration::from_secs(3),
            pinned: None,
            limits: ActionLimits::default(),
            lock_dir: None,
            lock_wait: DEFAULT_LOCK_WAIT,
            policy: crate::config::Policy::default(),
        }
    }
}

/// What the app asks of the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComposeRequest {
    /// The containers the Docker worker reported (send after each snapshot or change).
    Containers(Vec<ContainerInfo>),
    /// Check drift again now.
    Recheck,
    Run(Box<ActionRequest>),
    /// Stop the running action with this key (SIGTERM, then SIGKILL after the grace period).
    Cancel(String),
}

/// The drift of every compose service on the engine.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct DriftReport {
    pub services: Vec<ServiceDrift>,
    /// Projects whose configuration could not be read: (project, why).
    pub errors: Vec<(String, String)>,
}

impl DriftReport {
    /// The drift of one container, if it is a compose container that was checked.
    pub fn for_container(&self, id: &str) -> Option<&ServiceDrift> {
        self.services.iter().find(|s| s.container_id == id)
    }
}

/// What the worker tells the app.
#[derive(Debug, Clone)]
pub enum ComposeEvent {
    /// The tool found, or why there is none (actions on services are then impossible).
    Tool(Result<ComposeTool, String>),
    Drift(DriftReport),
    Action(ActionEvent),
    /// An action was not started.
    Refused {
        key: String,
        reason: String,
    },
}

/// Starts the worker on the current runtime; it stops when `cancel` fires or the
/// receiver of `tx` is dropped.
pub fn spawn(
    opts: ComposeWorkerOptions,
    tx: mpsc::Sender<ComposeEvent>,
    cancel: CancellationToken,
) -> mpsc::Sender<ComposeRequest> {
    spawn_with_task(opts, tx, cancel).0
}

/// Like [`spawn`], also returning the task. After `cancel` it ends once every running
/// action has ended: each gets the shutdown treatment (a bounded wait, then SIGTERM, never
/// SIGKILL) and its result is sent as usual. Await it before the runtime goes away.
pub fn spawn_with_task(
    opts: ComposeWorkerOptions,
    tx: mpsc::Sender<ComposeEvent>,
    cancel: CancellationToken,
) -> (mpsc::Sender<ComposeRequest>, tokio::task::JoinHandle<()>) {
    let (cmd_tx, cmd_rx) = mpsc::channel(32);
    let task = tokio::spawn(async move {
        let shutdown = CancellationToken::new();
        let mut actions = tokio::task::JoinSet::new();
        run(opts, tx, cmd_rx, cancel, &shutdown, &mut actions).await;
        shutdown.cancel();
        while actions.join_next().await.is_some() {}
    });
    (cmd_tx, task)
}

/// Which compose containers exist and with which hash: drift can only change with it.
type Fingerprint = BTreeSet<(String, Option<String>)>;

fn fingerprint(containers: &[ContainerInfo]) -> Fingerprint {
    containers
        .iter()
        .filter_map(|c| {
            let labels = c.compose.as_ref()?;
            Some((c.id.clone(), labels.config_hash.clone()))
        })
        .collect()
}

fn modified(path: &PathBuf) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

struct State {
    opts: ComposeWorkerOptions,
    tool: Option<ComposeTool>,
    containers: Vec<ContainerInfo>,
    fingerprint: Fingerprint,
    watched: BTreeMap<PathBuf, Option<SystemTime>>,
    last_report: Option<DriftReport>,
    busy: BusySet,
    /// The cancel request of each running action, by key.
    running: BTreeMap<String, CancellationToken>,
    next_id: u64,
}

async fn run(
    opts: ComposeWorkerOptions,
    tx: mpsc::Sender<ComposeEvent>,
    mut commands: mpsc::Receiver<ComposeRequest>,
    cancel: CancellationToken,
    shutdown: &CancellationToken,
    actions: &mut tokio::task::JoinSet<()>,
) {
    let tool = detect(&opts.search).await;
    if tx
        .send(ComposeEvent::Tool(tool.clone().map_err(|e| e.to_string())))
        .await
        .is_err()
    {
        return;
    }
    let mut state = State {
        tool: tool.ok(),
        opts,
        containers: Vec::new(),
        fingerprint: Fingerprint::new(),
        watched: BTreeMap::new(),
        last_report: None,
        busy: BusySet::default(),
        running: BTreeMap::new(),
        next_id: 1,
    };
    let (done_tx, mut done_rx) = mpsc::channel::<String>(16);
    let mut watch = tokio::time::interval(state.opts.watch_interval);
    watch.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let recheck = tokio::select! {
            () = cancel.cancelled() => return,
            command = commands.recv() => match command {
                None => return,
                Some(ComposeRequest::Containers(list)) => {
                    let print = fingerprint(&list);
                    state.containers = list;
                    if print == state.fingerprint && state.last_report.is_some() {
                        false
                    } else {
                        state.fingerprint = print;
                        true
                    }
                }
                Some(ComposeRequest::Recheck) => true,
                Some(ComposeRequest::Run(request)) => {
                    let spawn = Spawn { tx: &tx, done: &done_tx, shutdown, actions };
                    start_action(&mut state, *request, spawn).await;
                    false
                }
                Some(ComposeRequest::Cancel(key)) => {
                    if let Some(token) = state.running.get(&key) {
                        token.cancel();
                    }
                    false
                }
            },
            Some(key) = done_rx.recv() => {
                state.busy.release(&key);
                state.running.remove(&key);
                true
            }
            _ = watch.tick() => files_changed(&mut state),
        };
        if recheck && state.tool.is_some() && !check_drift(&mut state, &tx).await {
            return;
        }
    }
}

/// True when a watched file's modification time moved since the last look.
fn files_changed(state: &mut State) -> bool {
    let mut changed = false;
    for (path, seen) in &mut state.watched {
        let now = modified(path);
        if now != *seen {
            *seen = now;
            changed = true;
        }
    }
    changed
}

/// Checks every project; sends the report when it differs. False when the app is gone.
async fn check_drift(state: &mut State, tx: &mpsc::Sender<ComposeEvent>) -> bool {
    let Some(tool) = &state.tool else {
        return true;
    };
    let discovered = discover(&state.containers).with_pinned(state.opts.pinned.as_ref());
    let by_id: BTreeMap<String, ContainerInfo> = state
        .containers
        .iter()
        .filter(|c| c.compose.is_some())
        .map(|c| (c.id.clone(), c.clone()))
        .collect();
    let mut report = DriftReport::default();
    let mut watched = BTreeMap::new();
    for (name, project) in &discovered.projects {
        for file in project.project.watched_files() {
            let seen = state
                .watched
                .get(&file)
                .copied()
                .unwrap_or_else(|| modified(&file));
            watched.insert(file, seen);
        }
        match check_project(tool, project, &by_id, state.opts.query_timeout).await {
            Ok(list) => report.services.extend(list),
            Err(e) => report.errors.push((name.clone(), e.to_string())),
        }
    }
    state.watched = watched;
    if state.last_report.as_ref() == Some(&report) {
        return true;
    }
    state.last_report = Some(report.clone());
    tx.send(ComposeEvent::Drift(report)).await.is_ok()
}

/// Where a started action reports and lives.
struct Spawn<'a> {
    tx: &'a mpsc::Sender<ComposeEvent>,
    done: &'a mpsc::Sender<String>,
    shutdown: &'a CancellationToken,
    actions: &'a mut tokio::task::JoinSet<()>,
}

async fn start_action(state: &mut State, request: ActionRequest, spawn: Spawn<'_>) {
    let Spawn {
        tx,
        done,
        shutdown,
        actions,
    } = spawn;
    let key = request.key();
    let refusal = if let Err(e) = state.opts.policy.allow("compose actions") {
        Some(e)
    } else if state.busy.is_busy(&key) {
        Some(format!(
            "an action on {} is already running",
            request.subject()
        ))
    } else {
        None
    };
    if let Some(reason) = refusal {
        let _ = tx.send(ComposeEvent::Refused { reason, key }).await;
        return;
    }
    state.busy.try_claim(&key);
    let control = ActionControl {
        limits: state.opts.limits,
        cancel: CancellationToken::new(),
        shutdown: shutdown.clone(),
    };
    state.running.insert(key.clone(), control.cancel.clone());
    let discovered = discover(&state.containers).with_pinned(state.opts.pinned.as_ref());
    let job = Job {
        tool: state.tool.clone(),
        docker: state.opts.docker.clone(),
        timeout: state.opts.query_timeout,
        lock_dir: state.opts.lock_dir.clone(),
        lock_wait: state.opts.lock_wait,
        id: state.next_id,
        control,
    };
    state.next_id += 1;
    let tx = tx.clone();
    let done = done.clone();
    actions.spawn(async move {
        job.run(request, &discovered, &tx).await;
        let _ = done.send(key).await;
    });
}

/// One action, settled and run off the worker's loop.
struct Job {
    tool: Option<ComposeTool>,
    docker: DockerCli,
    timeout: Duration,
    lock_dir: Option<PathBuf>,
    lock_wait: Duration,
    id: u64,
    control: ActionControl,
}

impl Job {
    async fn run(
        self,
        request: ActionRequest,
        discovered: &super::Discovered,
        tx: &mpsc::Sender<ComposeEvent>,
    ) {
        let key = request.key();
        let refuse = |reason: String| ComposeEvent::Refused {
            key: key.clone(),
            reason,
        };
        // The project's files and the service are settled here, off the worker's loop.
        let settled = settle_request(request, discovered, self.tool.as_ref(), self.timeout)
            .await
            .and_then(|r| r.command(self.tool.as_ref(), &self.docker).map(|c| (r, c)));
        let (request, command) = match settled {
            Ok(ready) => ready,
            Err(e) => {
                let _ = tx.send(refuse(e.to_string())).await;
                return;
            }
        };
        let _lock = match (&self.lock_dir, request.project_name()) {
            (Some(dir), Some(project)) => {
                match ProjectLock::acquire(dir, project, &command.display(), self.lock_wait).await {
                    Ok(lock) => Some(lock),
                    Err(reason) => {
                        let _ = tx.send(refuse(reason)).await;
                        return;
                    }
                }
            }
            _ => None,
        };
        let lookup = request.lookup_command(self.tool.as_ref(), &self.docker);
        let (events_tx, mut events_rx) = mpsc::channel(64);
        let forward_tx = tx.clone();
        let forward = tokio::spawn(async move {
            while let Some(event) = events_rx.recv().await {
                if forward_tx.send(ComposeEvent::Action(event)).await.is_err() {
                    break;
                }
            }
        });
        let mut record = run_action(
            self.id,
            &request,
            &command,
            lookup.as_ref(),
            &events_tx,
            &self.control,
        )
        .await;
        StateCheck::new(self.docker.host.clone())
            .confirm(&request, &mut record)
            .await;
        drop(events_tx);
        let _ = forward.await;
        let _ = tx
            .send(ComposeEvent::Action(ActionEvent::Finished(Box::new(
                record,
            ))))
            .await;
    }
}
