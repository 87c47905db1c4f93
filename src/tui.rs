//! The interactive console: terminal lifecycle and the one event loop.
//!
//! One task owns the state. It waits on the terminal's event stream, the workers' bounded
//! channels and the exit signals, applies each event with `update`, and draws only when
//! something changed. Nothing ticks: an idle console sleeps until a probe result arrives.

use std::io::stdout;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use color_eyre::eyre::{Result, WrapErr};
use crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event as TermEvent, EventStream};
use crossterm::execute;
use futures::{Stream, StreamExt};
use ratatui::backend::Backend;
use ratatui::Terminal;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::app::{update, Command, Event, State};
use crate::compose::{ComposeCommand, ComposeEvent, ComposeWorkerOptions, DockerCli, ToolSearch};
use crate::config::Config;
use crate::diagnose::worker::{DiagnoseCommand, DiagnoseEvent};
use crate::docker::{DockerCommand, DockerEvent, WorkerOptions};
use crate::health::{self, HealthReport, ProbeCommand};
use crate::identity::worker::{IdentityCommand, IdentityEvent};

/// How many probe results may wait for the loop before the prober waits in turn.
const HEALTH_QUEUE: usize = 64;
/// Identity news is small and rare: create progress, a reloaded matrix.
const IDENTITY_QUEUE: usize = 32;
/// Container news: events touch one container each, stats arrive a few per second at most.
const DOCKER_QUEUE: usize = 256;
/// Compose news: drift reports and the output lines of running actions.
const COMPOSE_QUEUE: usize = 256;
/// How often the spinner of a running action moves (no tick at all when none runs).
const SPINNER_INTERVAL: std::time::Duration = std::time::Duration::from_millis(120);
/// Log batches folded into one draw at most, so keys stay answered during a flood.
const LOG_BATCHES_PER_DRAW: usize = 8;
/// Diagnosis news: a start and a result per pass.
const DIAGNOSE_QUEUE: usize = 4;

/// Opens the console and runs it until the user quits or a signal arrives.
pub async fn run(config: Arc<Config>, options: RunOptions) -> Result<()> {
    let mut sigterm = signal(SignalKind::terminate()).wrap_err("cannot watch SIGTERM")?;
    let mut sighup = signal(SignalKind::hangup()).wrap_err("cannot watch SIGHUP")?;
    let signals = Box::pin(futures::stream::once(async move {
        tokio::select! {
            _ = sigterm.recv() => {},
            _ = sighup.recv() => {},
        }
    }));

    let mut terminal = ratatui::init();
    install_mouse_restoring_hook();
    // Mouse capture is best effort: a terminal without it still works with keys.
    let _ = execute!(stdout(), EnableMouseCapture);

    let cancel = CancellationToken::new();
    let mut diagnose_task = None;
    let result = match Workers::spawn(&config, &options, &cancel) {
        Ok(mut workers) => {
            diagnose_task = workers.diagnose_task.take();
            let mut state = State::new(config, options.read_only);
            let (settings, warning) = workers.logs.load_settings();
            state.logs.settings = settings;
            if warning.is_some() {
                state.status = warning;
            }
            if let Ok(size) = terminal.size() {
                state.set_initial_size(size.width, size.height);
            }
            state.actions.docker.host.clone_from(&options.docker_host);
            let stats = LoopStats::default();
            let result = run_with_shell(&mut terminal, signals, state, workers, &stats).await;
            tracing::info!(
                draws = stats.draws.load(Ordering::Relaxed),
                events = stats.events.load(Ordering::Relaxed),
                "console closed"
            );
            result
        }
        Err(err) => Err(err),
    };
    cancel.cancel();

    let _ = execute!(stdout(), DisableMouseCapture);
    ratatui::restore();
    // A diagnosis cut short removes its probe containers; the worker bounds the wait.
    if let Some(task) = diagnose_task {
        let _ = task.await;
    }
    result
}

/// The real loop: a shell request suspends the console, runs the child on the real
/// terminal, then restores the console and redraws everything.
async fn run_with_shell<S>(
    terminal: &mut ratatui::DefaultTerminal,
    mut signals: S,
    mut state: State,
    mut workers: Workers,
    stats: &LoopStats,
) -> Result<()>
where
    S: Stream<Item = ()> + Unpin,
{
    let mut input = EventStream::new();
    loop {
        match drive(
            terminal,
            &mut input,
            &mut signals,
            &mut state,
            &mut workers,
            stats,
        )
        .await?
        {
            LoopEnd::Quit => return Ok(()),
            LoopEnd::Shell(cmd) => {
                // The input reader must not compete with the child for keystrokes.
                drop(input);
                let outcome = run_on_real_terminal(terminal, &cmd);
                input = EventStream::new();
                state.status = Some(match outcome {
                    Ok(status) => format!("shell closed ({status}): {}", cmd.display()),
                    Err(err) => format!("could not run {}: {err}", cmd.display()),
                });
                state.dirty = true;
            }
        }
    }
}

/// Leaves the alternate screen, runs `cmd` with the terminal's stdin/stdout, and comes back.
fn run_on_real_terminal(
    terminal: &mut ratatui::DefaultTerminal,
    cmd: &crate::compose::CommandLine,
) -> std::io::Result<std::process::ExitStatus> {
    let _ = execute!(stdout(), DisableMouseCapture);
    ratatui::restore();
    println!("poc-tui: {} (exit the shell to return)", cmd.display());
    let status = std::process::Command::new(&cmd.program)
        .args(&cmd.args)
        .envs(cmd.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .status();
    *terminal = ratatui::init();
    let _ = execute!(stdout(), EnableMouseCapture);
    // Everything on screen is stale: draw every cell again.
    let _ = terminal.clear();
    status
}

/// `ratatui::init` restores the screen on panic; mouse capture must be turned off too.
fn install_mouse_restoring_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(stdout(), DisableMouseCapture);
        previous(info);
    }));
}

/// What the command line says about how the console runs.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub read_only: bool,
    /// `--docker-host`; `None` resolves the engine like the Docker CLI does.
    pub docker_host: Option<String>,
    /// Start the compose worker (drift and service actions). The console turns it on;
    /// off, compose actions say they are unavailable.
    pub compose: bool,
}

/// The background tasks and the channels that connect them to the loop.
pub struct Workers {
    pub docker_news: mpsc::Receiver<DockerEvent>,
    pub docker_commands: mpsc::Sender<DockerCommand>,
    pub health_reports: mpsc::Receiver<HealthReport>,
    pub probe_commands: mpsc::Sender<ProbeCommand>,
    pub identity_news: mpsc::Receiver<IdentityEvent>,
    pub identity_commands: mpsc::Sender<IdentityCommand>,
    pub compose_news: mpsc::Receiver<ComposeEvent>,
    pub compose_commands: mpsc::Sender<ComposeCommand>,
    /// The log view's follow, export and clipboard.
    pub logs: crate::app::logs_worker::LogsWorker,
    pub diagnose_news: mpsc::Receiver<DiagnoseEvent>,
    pub diagnose_commands: mpsc::Sender<DiagnoseCommand>,
    /// Ends when the diagnosis worker has stopped and cleaned up after a cut-short pass.
    pub diagnose_task: Option<tokio::task::JoinHandle<()>>,
}

impl Workers {
    /// Starts every worker; they stop when `cancel` fires.
    pub fn spawn(
        config: &Arc<Config>,
        options: &RunOptions,
        cancel: &CancellationToken,
    ) -> Result<Workers> {
        let read_only = options.read_only;
        let (docker_tx, docker_news) = mpsc::channel::<DockerEvent>(DOCKER_QUEUE);
        let docker_commands = crate::docker::spawn(
            WorkerOptions {
                docker_host: options.docker_host.clone(),
                ..WorkerOptions::default()
            },
            docker_tx,
            cancel.child_token(),
        );
        let (health_tx, health_reports) = mpsc::channel::<HealthReport>(HEALTH_QUEUE);
        let client = health::http_client().wrap_err("cannot build the HTTP client for probes")?;
        let probe_commands = health::spawn_scheduler(
            client,
            config.probe_targets(),
            config.probe_settings(),
            config.probe_interval(),
            health_tx,
            cancel.child_token(),
        );
        let (identity_tx, identity_news) = mpsc::channel::<IdentityEvent>(IDENTITY_QUEUE);
        let identity_commands = crate::identity::worker::spawn(
            Arc::clone(config),
            read_only,
            options.docker_host.clone(),
            identity_tx,
            cancel.child_token(),
        );
        let (compose_tx, compose_news) = mpsc::channel::<ComposeEvent>(COMPOSE_QUEUE);
        let compose_commands = if options.compose {
            spawn_compose(config, options, compose_tx, cancel)
        } else {
            // A closed channel: commands fail at once and say why.
            mpsc::channel(1).0
        };
        let logs = crate::app::logs_worker::LogsWorker::new(
            options.docker_host.clone(),
            crate::paths::Paths::discover().data_dir,
            cancel.child_token(),
        );
        let (diagnose_tx, diagnose_news) = mpsc::channel::<DiagnoseEvent>(DIAGNOSE_QUEUE);
        let (diagnose_commands, diagnose_task) = crate::diagnose::worker::spawn(
            Arc::clone(config),
            crate::diagnose::worker::WorkerSettings::from_config(
                config,
                options.docker_host.clone(),
            ),
            diagnose_tx,
            cancel.child_token(),
        );
        Ok(Workers {
            docker_news,
            docker_commands,
            health_reports,
            probe_commands,
            identity_news,
            identity_commands,
            compose_news,
            compose_commands,
            logs,
            diagnose_news,
            diagnose_commands,
            diagnose_task: Some(diagnose_task),
        })
    }
}

fn spawn_compose(
    config: &Config,
    options: &RunOptions,
    tx: mpsc::Sender<ComposeEvent>,
    cancel: &CancellationToken,
) -> mpsc::Sender<ComposeCommand> {
    crate::compose::spawn(
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
            ..ComposeWorkerOptions::default()
        },
        tx,
        cancel.child_token(),
    )
}

/// What the loop did, readable while it runs: the idle-cost tests and the log use it.
#[derive(Debug, Default)]
pub struct LoopStats {
    pub draws: AtomicU64,
    pub events: AtomicU64,
}

/// Why `drive` returned.
#[derive(Debug)]
pub enum LoopEnd {
    Quit,
    /// Run this on the real terminal, then call `drive` again.
    Shell(crate::compose::CommandLine),
}

/// The event loop, generic over the backend and the input stream so tests can drive it.
/// A shell request cannot be honoured here (no real terminal): it is refused with a message.
pub async fn run_loop<B, I, S>(
    terminal: &mut Terminal<B>,
    mut input: I,
    mut signals: S,
    mut state: State,
    mut workers: Workers,
    stats: &LoopStats,
) -> Result<()>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    I: Stream<Item = std::io::Result<TermEvent>> + Unpin,
    S: Stream<Item = ()> + Unpin,
{
    loop {
        match drive(
            terminal,
            &mut input,
            &mut signals,
            &mut state,
            &mut workers,
            stats,
        )
        .await?
        {
            LoopEnd::Quit => return Ok(()),
            LoopEnd::Shell(cmd) => {
                state.status = Some(format!("no terminal to run {}", cmd.display()));
                state.dirty = true;
            }
        }
    }
}

/// Runs the loop until the user quits or asks for a shell.
pub async fn drive<B, I, S>(
    terminal: &mut Terminal<B>,
    input: &mut I,
    signals: &mut S,
    state: &mut State,
    workers: &mut Workers,
    stats: &LoopStats,
) -> Result<LoopEnd>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    I: Stream<Item = std::io::Result<TermEvent>> + Unpin,
    S: Stream<Item = ()> + Unpin,
{
    loop {
        if state.dirty {
            terminal
                .draw(|frame| crate::ui::render(frame, state, SystemTime::now()))
                .wrap_err("cannot draw")?;
            state.dirty = false;
            stats.draws.fetch_add(1, Ordering::Relaxed);
        }
        let spinning = state.actions.is_running();
        let event = tokio::select! {
            maybe = input.next() => match maybe {
                Some(Ok(ev)) => Event::Terminal(ev),
                Some(Err(err)) => return Err(err).wrap_err("terminal input failed"),
                None => Event::Shutdown,
            },
            Some(report) = workers.health_reports.recv() => Event::Health(report),
            Some(news) = workers.identity_news.recv() => Event::Identity(news),
            Some(news) = workers.docker_news.recv() => Event::Docker(news),
            Some(news) = workers.compose_news.recv() => Event::Compose(news),
            () = tokio::time::sleep(SPINNER_INTERVAL), if spinning => Event::SpinnerTick,
            news = workers.logs.recv() => Event::Logs(news),
            Some(news) = workers.diagnose_news.recv() => Event::Diagnose(news),
            Some(()) = signals.next() => Event::Shutdown,
        };
        stats.events.fetch_add(1, Ordering::Relaxed);
        let mut commands = update(state, event);
        // Coalesce: fold in whatever else is already queued before drawing again.
        while let Ok(report) = workers.health_reports.try_recv() {
            stats.events.fetch_add(1, Ordering::Relaxed);
            commands.extend(update(state, Event::Health(report)));
        }
        // A burst of container events (a compose up) becomes one draw, bounded per turn.
        for _ in 0..DOCKER_QUEUE {
            let Ok(news) = workers.docker_news.try_recv() else {
                break;
            };
            stats.events.fetch_add(1, Ordering::Relaxed);
            commands.extend(update(state, Event::Docker(news)));
        }
        // Output lines of a running action: one draw per burst too.
        for _ in 0..COMPOSE_QUEUE {
            let Ok(news) = workers.compose_news.try_recv() else {
                break;
            };
            stats.events.fetch_add(1, Ordering::Relaxed);
            commands.extend(update(state, Event::Compose(news)));
        }
        // Log batches already waiting join this draw (each batch is up to 512 lines).
        for _ in 0..LOG_BATCHES_PER_DRAW {
            let Some(news) = workers.logs.try_recv() else {
                break;
            };
            stats.events.fetch_add(1, Ordering::Relaxed);
            commands.extend(update(state, Event::Logs(news)));
        }
        for command in commands {
            match command {
                Command::Quit => return Ok(LoopEnd::Quit),
                Command::Shell(cmd) => return Ok(LoopEnd::Shell(cmd)),
                Command::Compose(work) => {
                    use tokio::sync::mpsc::error::TrySendError;
                    let why = match workers.compose_commands.try_send(*work) {
                        Ok(()) => None,
                        Err(TrySendError::Full(_)) => Some("the compose worker is busy; try again"),
                        Err(TrySendError::Closed(_)) => {
                            Some("compose actions are not available in this session")
                        }
                    };
                    if let Some(why) = why {
                        state.actions.requested.clear();
                        state.status = Some(why.into());
                        state.dirty = true;
                    }
                }
                Command::ProbeNow(service) => {
                    // A full queue means a probe round is already pending: dropping is fine.
                    let _ = workers
                        .probe_commands
                        .try_send(ProbeCommand::ProbeNow(service));
                }
                Command::DockerFocus(id) => {
                    let _ = workers.docker_commands.try_send(DockerCommand::Focus(id));
                }
                Command::DockerResync => {
                    let _ = workers.docker_commands.try_send(DockerCommand::Resync);
                }
                Command::Logs(work) => workers.logs.execute(state, work),
                Command::Identity(work) => {
                    if workers.identity_commands.try_send(*work).is_err() {
                        state.status = Some("the Users worker is busy; try again".into());
                        state.dirty = true;
                    }
                }
                Command::Diagnose => {
                    // A full queue already holds a request the next pass answers.
                    if let Err(mpsc::error::TrySendError::Closed(_)) =
                        workers.diagnose_commands.try_send(DiagnoseCommand::Run)
                    {
                        crate::app::diagnosis::request_failed(state);
                    }
                }
            }
        }
        if state.quit {
            return Ok(LoopEnd::Quit);
        }
    }
}
