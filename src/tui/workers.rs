//! The background workers the console starts, and the bounded channels between them and
//! the loop: news comes in on a receiver, requests go out on a sender.

use std::sync::Arc;

use color_eyre::eyre::{Result, WrapErr};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::compose::{ComposeEvent, ComposeRequest, ComposeWorkerOptions, DockerCli, ToolSearch};
use crate::config::Config;
use crate::diagnose::worker::{DiagnoseEvent, DiagnoseRequest};
use crate::docker::{DockerEvent, DockerRequest, WorkerOptions};
use crate::health::{self, HealthReport, ProbeRequest};
use crate::identity::worker::{IdentityEvent, IdentityRequest};
use crate::logs::worker::{LogNews, LogRequest, LogWorkerOptions};
use crate::timeline::worker::{RecorderOptions, RecorderRequest, TimelineEvent};
use crate::workspaces::worker::{WorkspacesEvent, WorkspacesRequest};

/// How many probe results may wait for the loop before the prober waits in turn.
pub(super) const HEALTH_QUEUE: usize = 64;
/// Identity news is small and rare: create progress, a reloaded matrix.
const IDENTITY_QUEUE: usize = 32;
/// Container news: events touch one container each, stats arrive a few per second at most.
pub(super) const DOCKER_QUEUE: usize = 256;
/// Compose news: drift reports and the output lines of running actions.
pub(super) const COMPOSE_QUEUE: usize = 256;
/// Log news: batches of up to 512 lines each, and the follow's statuses.
const LOG_QUEUE: usize = 64;
/// Diagnosis news: a start and a result per pass.
const DIAGNOSE_QUEUE: usize = 4;
/// Workspace news: a start and a result per read of Coder.
const WORKSPACES_QUEUE: usize = 4;
/// The recorder's news: the history at start, then each write.
const TIMELINE_QUEUE: usize = 16;
/// How far back the console's Timeline tab reads the engine's history on start.
const RECORDER_WINDOW: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// What the command line says about how the console runs.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub read_only: bool,
    /// `--docker-host`; `None` resolves the engine like the Docker CLI does.
    pub docker_host: Option<String>,
    /// Start the compose worker (drift and service actions). The console turns it on;
    /// off, compose actions say they are unavailable.
    pub compose: bool,
    /// Where log exports, the log view's toggles, the timeline file and support bundles
    /// are kept; `None` refuses exports and bundles and keeps the timeline in memory.
    pub data_dir: Option<std::path::PathBuf>,
    /// `--config`, for the support bundle's record of how poc-tui was started.
    pub config_file: Option<std::path::PathBuf>,
}

/// The background tasks and the channels that connect them to the loop.
pub struct Workers {
    pub docker_news: mpsc::Receiver<DockerEvent>,
    pub docker_requests: mpsc::Sender<DockerRequest>,
    pub health_news: mpsc::Receiver<HealthReport>,
    pub probe_requests: mpsc::Sender<ProbeRequest>,
    pub identity_news: mpsc::Receiver<IdentityEvent>,
    pub identity_requests: mpsc::Sender<IdentityRequest>,
    pub compose_news: mpsc::Receiver<ComposeEvent>,
    pub compose_requests: mpsc::Sender<ComposeRequest>,
    pub log_news: mpsc::Receiver<LogNews>,
    pub log_requests: mpsc::Sender<LogRequest>,
    pub diagnose_news: mpsc::Receiver<DiagnoseEvent>,
    pub diagnose_requests: mpsc::Sender<DiagnoseRequest>,
    pub workspaces_news: mpsc::Receiver<WorkspacesEvent>,
    pub workspaces_requests: mpsc::Sender<WorkspacesRequest>,
    /// Ends when the workspace worker has ended its Coder session.
    pub workspaces_task: Option<tokio::task::JoinHandle<()>>,
    /// Ends when the diagnosis worker has stopped and cleaned up after a cut-short pass.
    pub diagnose_task: Option<tokio::task::JoinHandle<()>>,
    /// Ends when the Users worker has ended its Coder session.
    pub identity_task: Option<tokio::task::JoinHandle<()>>,
    /// Ends when the compose worker's running actions have ended (bounded; never SIGKILL).
    pub compose_task: Option<tokio::task::JoinHandle<()>>,
    pub timeline_news: mpsc::Receiver<TimelineEvent>,
    pub recorder: mpsc::Sender<RecorderRequest>,
    /// Support bundles written on request (one at a time), by path or why not.
    pub bundle_news: mpsc::Receiver<Result<String, String>>,
    pub bundles: BundleWriter,
}

/// Writes support bundles for the console, each on its own task.
#[derive(Debug, Clone)]
pub struct BundleWriter {
    config: Arc<Config>,
    data_dir: Option<std::path::PathBuf>,
    global: crate::cli::GlobalArgs,
    done: mpsc::Sender<Result<String, String>>,
}

impl BundleWriter {
    fn new(
        config: &Arc<Config>,
        options: &RunOptions,
        done: mpsc::Sender<Result<String, String>>,
    ) -> Self {
        BundleWriter {
            config: Arc::clone(config),
            data_dir: options.data_dir.clone(),
            global: crate::cli::GlobalArgs {
                config: options.config_file.clone(),
                docker_host: options.docker_host.clone(),
                read_only: options.read_only,
            },
            done,
        }
    }

    /// Starts writing a bundle into the data directory; the outcome arrives on `bundle_news`.
    pub fn start(&self) -> bool {
        let Some(dir) = self.data_dir.clone() else {
            let _ = self.done.try_send(Err(
                "no data directory to write it to (set POC_TUI_DATA)".into()
            ));
            return false;
        };
        let writer = self.clone();
        tokio::spawn(async move {
            let outcome = writer.write(dir).await;
            let _ = writer.done.send(outcome).await;
        });
        true
    }

    async fn write(&self, dir: std::path::PathBuf) -> Result<String, String> {
        let now = std::time::SystemTime::now();
        let output = dir.join(crate::bundle::archive::default_name(now));
        let paths = crate::paths::Paths {
            config_file: crate::paths::Paths::discover().config_file,
            data_dir: Some(dir),
        };
        let options = crate::bundle::BundleOptions {
            output,
            lines: crate::bundle::DEFAULT_LINES,
            sessions: crate::identity::Sessions::default(),
        };
        let policy = crate::config::Policy::new(self.global.read_only);
        let built = crate::bundle::build(
            &self.config,
            &paths,
            &self.global,
            policy,
            &options,
            |line| {
                tracing::info!(%line, "bundle");
            },
        )
        .await;
        options
            .sessions
            .close(std::time::Duration::from_secs(5))
            .await;
        built
            .map(|summary| {
                format!(
                    "{} ({} files, {} secrets redacted)",
                    summary.output.display(),
                    summary.files,
                    summary.redactions
                )
            })
            .map_err(|e| e.to_string())
    }
}

impl Workers {
    /// Starts every worker; they stop when `cancel` fires.
    pub fn spawn(
        config: &Arc<Config>,
        options: &RunOptions,
        cancel: &CancellationToken,
    ) -> Result<Workers> {
        let read_only = options.read_only;
        let policy = crate::config::Policy::new(read_only);
        let (docker_tx, docker_news) = mpsc::channel::<DockerEvent>(DOCKER_QUEUE);
        let docker_requests = crate::docker::spawn(
            WorkerOptions {
                docker_host: options.docker_host.clone(),
                ..WorkerOptions::default()
            },
            docker_tx,
            cancel.child_token(),
        );
        let (health_tx, health_news) = mpsc::channel::<HealthReport>(HEALTH_QUEUE);
        let client = health::http_client().wrap_err("cannot build the HTTP client for probes")?;
        let prober = health::Prober::new(client, config.probe_settings()).with_inside(
            health::InsideProber::new(config, options.docker_host.clone(), policy),
        );
        let probe_requests = health::spawn_scheduler_with(
            prober,
            config.probe_targets(),
            config.probe_interval(),
            health_tx,
            cancel.child_token(),
        );
        let (identity_tx, identity_news) = mpsc::channel::<IdentityEvent>(IDENTITY_QUEUE);
        let (identity_requests, identity_task) = crate::identity::worker::spawn_with_task(
            Arc::clone(config),
            read_only,
            options.docker_host.clone(),
            identity_tx,
            cancel.child_token(),
        );
        let (compose_tx, compose_news) = mpsc::channel::<ComposeEvent>(COMPOSE_QUEUE);
        let (compose_requests, compose_task) = if options.compose {
            let (requests, task) = spawn_compose(config, options, compose_tx, cancel);
            (requests, Some(task))
        } else {
            // A closed channel: commands fail at once and say why.
            (mpsc::channel(1).0, None)
        };
        let (log_tx, log_news) = mpsc::channel::<LogNews>(LOG_QUEUE);
        let log_requests = crate::logs::worker::spawn(
            LogWorkerOptions {
                docker_host: options.docker_host.clone(),
                data_dir: options.data_dir.clone(),
            },
            log_tx,
            cancel.child_token(),
        );
        let (diagnose_tx, diagnose_news) = mpsc::channel::<DiagnoseEvent>(DIAGNOSE_QUEUE);
        let (diagnose_requests, diagnose_task) = crate::diagnose::worker::spawn(
            Arc::clone(config),
            crate::diagnose::worker::WorkerSettings::from_config(
                config,
                options.docker_host.clone(),
                policy,
            ),
            diagnose_tx,
            cancel.child_token(),
        );
        let (workspaces_tx, workspaces_news) = mpsc::channel::<WorkspacesEvent>(WORKSPACES_QUEUE);
        let (workspaces_requests, workspaces_task) = crate::workspaces::worker::spawn_with_task(
            Arc::clone(config),
            read_only,
            workspaces_tx,
            cancel.child_token(),
        );
        let (timeline_tx, timeline_news) = mpsc::channel::<TimelineEvent>(TIMELINE_QUEUE);
        let recorder = spawn_recorder(config, options, timeline_tx, cancel);
        let (bundle_done, bundle_news) = mpsc::channel(2);
        let bundles = BundleWriter::new(config, options, bundle_done);
        Ok(Workers {
            timeline_news,
            recorder,
            bundle_news,
            bundles,
            workspaces_news,
            workspaces_requests,
            workspaces_task: Some(workspaces_task),
            docker_news,
            docker_requests,
            health_news,
            probe_requests,
            identity_news,
            identity_requests,
            compose_news,
            compose_requests,
            log_news,
            log_requests,
            diagnose_news,
            diagnose_requests,
            diagnose_task: Some(diagnose_task),
            identity_task: Some(identity_task),
            compose_task,
        })
    }
}

/// The timeline recorder: the file in the data directory (memory only without one), the
/// engine's last day, then its live events.
fn spawn_recorder(
    config: &Arc<Config>,
    options: &RunOptions,
    tx: mpsc::Sender<TimelineEvent>,
    cancel: &CancellationToken,
) -> mpsc::Sender<RecorderRequest> {
    crate::timeline::worker::spawn(
        RecorderOptions {
            config: Arc::clone(config),
            store: options
                .data_dir
                .as_ref()
                .map(|d| crate::timeline::Store::new(d, crate::timeline::Bounds::default())),
            docker_host: options.docker_host.clone(),
            window: RECORDER_WINDOW,
            follow_engine: true,
        },
        tx,
        cancel.child_token(),
    )
}

fn spawn_compose(
    config: &Config,
    options: &RunOptions,
    tx: mpsc::Sender<ComposeEvent>,
    cancel: &CancellationToken,
) -> (mpsc::Sender<ComposeRequest>, tokio::task::JoinHandle<()>) {
    crate::compose::worker::spawn_with_task(
        ComposeWorkerOptions {
            search: ToolSearch {
                docker_host: options.docker_host.clone(),
                ..ToolSearch::default()
            },
            docker: DockerCli {
                host: options.docker_host.clone(),
                ..DockerCli::default()
            },
            pinned: crate::compose::ComposeProject::pinned_in(config),
            limits: crate::compose::ActionLimits::from_config(config),
            lock_dir: options.data_dir.clone(),
            policy: crate::config::Policy::new(options.read_only),
            ..ComposeWorkerOptions::default()
        },
        tx,
        cancel.child_token(),
    )
}
