//! The interactive console: terminal lifecycle and the one event loop.
//!
//! One task owns the state. It waits on the terminal's input, the workers' bounded channels
//! and the exit signals; applies each event with `update`; performs the effects `update`
//! returns (a refused one comes back as an event); and draws only when something changed.
//! Nothing ticks: an idle console sleeps until a probe result arrives.

mod clipboard;
mod faults;
pub mod host;
pub mod input;
mod workers;

use std::io::stdout;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use color_eyre::eyre::{Result, WrapErr};
use crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event as TermEvent};
use crossterm::execute;
use futures::{Stream, StreamExt};
use ratatui::backend::Backend;
use ratatui::Terminal;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio_util::sync::CancellationToken;

pub use host::{Host, RealHost, RefusingHost};
pub use input::{translate, TermInput};
pub use workers::{RunOptions, Workers};
use workers::{COMPOSE_QUEUE, DOCKER_QUEUE, HEALTH_QUEUE};

use crate::app::vocab::{Refusal, Worker};
use crate::app::{update, Effect, Event, State};
use crate::config::Config;
use crate::diagnose::worker::DiagnoseRequest;
use crate::docker::DockerRequest;
use crate::health::ProbeRequest;

/// How often the spinner of a running action moves (no tick at all when none runs).
const SPINNER_INTERVAL: std::time::Duration = std::time::Duration::from_millis(120);
/// Log batches folded into one draw at most, so keys stay answered during a flood.
const LOG_BATCHES_PER_DRAW: usize = 8;

/// Opens the console and runs it until the user quits or a signal arrives.
pub async fn run(config: Arc<Config>, options: RunOptions) -> Result<()> {
    // Every signal that ends a terminal program by default ends the console cleanly
    // instead: the loop stops, the workers wind down, the terminal is restored.
    let mut sigterm = signal(SignalKind::terminate()).wrap_err("cannot watch SIGTERM")?;
    let mut sighup = signal(SignalKind::hangup()).wrap_err("cannot watch SIGHUP")?;
    let mut sigint = signal(SignalKind::interrupt()).wrap_err("cannot watch SIGINT")?;
    let mut sigquit = signal(SignalKind::quit()).wrap_err("cannot watch SIGQUIT")?;
    let signals = Box::pin(futures::stream::once(async move {
        tokio::select! {
            _ = sigterm.recv() => {},
            _ = sighup.recv() => {},
            _ = sigint.recv() => {},
            _ = sigquit.recv() => {},
        }
    }));

    let mut terminal = ratatui::init();
    install_mouse_restoring_hook();
    faults::install_worker_panic_hook();
    // Mouse capture is best effort: a terminal without it still works with keys.
    let _ = execute!(stdout(), EnableMouseCapture);

    let cancel = CancellationToken::new();
    let mut exit_tasks = Vec::new();
    let result = match Workers::spawn(&config, &options, &cancel) {
        Ok(mut workers) => {
            exit_tasks.extend(workers.diagnose_task.take());
            exit_tasks.extend(workers.identity_task.take());
            exit_tasks.extend(workers.compose_task.take());
            exit_tasks.extend(workers.workspaces_task.take());
            let mut state = State::new(config, options.read_only);
            state.timeline.who = who_and_where();
            let (settings, warning) =
                crate::logs::worker::load_settings(options.data_dir.as_deref());
            state.logs.settings = settings;
            state.list.show_other = settings.show_other_containers;
            if warning.is_some() {
                state.status = warning;
            }
            if let Ok(size) = terminal.size() {
                state.set_initial_size(size.width, size.height);
            }
            state.actions.docker.host.clone_from(&options.docker_host);
            let stats = LoopStats::default();
            let result = run_loop(
                &mut terminal,
                TermInput::default(),
                signals,
                state,
                workers,
                &mut RealHost,
                &stats,
            )
            .await;
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
    // A diagnosis cut short removes its probe containers, the Users worker ends its Coder
    // session, a running compose action gets a bounded wait and then SIGTERM (never SIGKILL);
    // each worker bounds its own wait.
    wait_for_workers(exit_tasks).await;
    result
}

/// The person and the machine the console's timeline entries name ("dana on poc-host").
fn who_and_where() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty());
    let who = crate::timeline::record::who();
    match host {
        Some(host) => format!("{who} on {host} (console)"),
        None => format!("{who} (console)"),
    }
}

/// Waits for the workers' clean-up after the terminal is restored, saying so when it takes
/// more than a moment (a compose action may still be finishing).
async fn wait_for_workers(tasks: Vec<tokio::task::JoinHandle<()>>) {
    let all = futures::future::join_all(tasks);
    tokio::pin!(all);
    if tokio::time::timeout(std::time::Duration::from_millis(300), &mut all)
        .await
        .is_err()
    {
        eprintln!(
            "poc-tui: waiting for a running action to finish (then it gets SIGTERM, never SIGKILL)…"
        );
        all.await;
    }
}

/// `ratatui::init` restores the screen on panic; mouse capture must be turned off too.
fn install_mouse_restoring_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(stdout(), DisableMouseCapture);
        previous(info);
    }));
}

/// What the loop did, readable while it runs: the idle-cost tests and the log use it.
#[derive(Debug, Default)]
pub struct LoopStats {
    pub draws: AtomicU64,
    pub events: AtomicU64,
}

/// Whether the loop goes on after an effect.
enum Flow {
    Continue,
    Quit,
}

/// The event loop: wait for an event, update, perform the effects, draw if anything changed.
/// Generic over the backend, the input stream and the host, so tests can drive it.
pub async fn run_loop<B, I, S, H>(
    terminal: &mut Terminal<B>,
    mut input: I,
    mut signals: S,
    mut state: State,
    mut workers: Workers,
    host: &mut H,
    stats: &LoopStats,
) -> Result<()>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    I: Stream<Item = std::io::Result<TermEvent>> + Unpin,
    S: Stream<Item = ()> + Unpin,
    H: Host<B, I>,
{
    // A worker's news channel closes while the loop runs only when the worker died.
    let mut alive = Alive::default();
    loop {
        if state.dirty {
            terminal
                .draw(|frame| crate::ui::render(frame, &state, SystemTime::now()))
                .wrap_err("cannot draw")?;
            state.dirty = false;
            stats.draws.fetch_add(1, Ordering::Relaxed);
        }
        let spinning = state.actions.is_running();
        let event = tokio::select! {
            maybe = input.next() => match maybe {
                Some(Ok(ev)) => match translate(&ev) {
                    Some(event) => event,
                    None => continue,
                },
                Some(Err(err)) => return Err(err).wrap_err("terminal input failed"),
                None => Event::Shutdown,
            },
            report = workers.health_news.recv(), if alive.probes => match report {
                Some(report) => Event::Health(report),
                None => alive.stopped(Worker::Probes),
            },
            Some(news) = workers.identity_news.recv() => Event::Identity(news),
            news = workers.docker_news.recv(), if alive.docker => match news {
                Some(news) => Event::Docker(news),
                None => alive.stopped(Worker::Docker),
            },
            Some(news) = workers.compose_news.recv() => Event::Compose(news),
            () = tokio::time::sleep(SPINNER_INTERVAL), if spinning => Event::SpinnerTick,
            news = workers.log_news.recv(), if alive.logs => match news {
                Some(news) => Event::Logs(news),
                None => alive.stopped(Worker::Logs),
            },
            news = workers.diagnose_news.recv(), if alive.diagnose => match news {
                Some(news) => Event::Diagnose(news),
                None => alive.stopped(Worker::Diagnose),
            },
            Some(news) = workers.workspaces_news.recv() => Event::Workspaces(news),
            news = workers.timeline_news.recv(), if alive.timeline => match news {
                Some(news) => Event::Timeline(news),
                None => alive.stopped(Worker::Timeline),
            },
            Some(outcome) = workers.bundle_news.recv() => Event::BundleWritten(outcome),
            Some(()) = signals.next() => Event::Shutdown,
        };
        stats.events.fetch_add(1, Ordering::Relaxed);
        let mut effects = update(&mut state, event);
        // Coalesce: fold in whatever else is already queued before drawing again (a burst
        // of container events or action output becomes one draw), bounded per turn.
        let mut feed = |event| {
            stats.events.fetch_add(1, Ordering::Relaxed);
            effects.extend(update(&mut state, event));
        };
        drain(
            &mut workers.health_news,
            HEALTH_QUEUE,
            Event::Health,
            &mut feed,
        );
        drain(
            &mut workers.docker_news,
            DOCKER_QUEUE,
            Event::Docker,
            &mut feed,
        );
        drain(
            &mut workers.compose_news,
            COMPOSE_QUEUE,
            Event::Compose,
            &mut feed,
        );
        drain(
            &mut workers.log_news,
            LOG_BATCHES_PER_DRAW,
            Event::Logs,
            &mut feed,
        );
        // Perform the effects; what comes back (a refusal, a closed shell) goes through
        // `update` like any other event, and its effects are performed in turn.
        while !effects.is_empty() {
            let mut back = Vec::new();
            for effect in std::mem::take(&mut effects) {
                let (flow, event) = perform(effect, terminal, &mut input, &workers, host);
                if let Flow::Quit = flow {
                    return Ok(());
                }
                back.extend(event);
            }
            for event in back {
                effects.extend(update(&mut state, event));
            }
        }
        if state.quit {
            return Ok(());
        }
    }
}

/// Which workers still feed the loop (a closed channel is reported once, then not polled).
struct Alive {
    probes: bool,
    docker: bool,
    logs: bool,
    diagnose: bool,
    timeline: bool,
}

impl Default for Alive {
    fn default() -> Self {
        Alive {
            probes: true,
            docker: true,
            logs: true,
            diagnose: true,
            timeline: true,
        }
    }
}

impl Alive {
    fn stopped(&mut self, worker: Worker) -> Event {
        match worker {
            Worker::Probes => self.probes = false,
            Worker::Docker => self.docker = false,
            Worker::Logs => self.logs = false,
            Worker::Diagnose => self.diagnose = false,
            Worker::Timeline => self.timeline = false,
            Worker::Compose | Worker::Identity | Worker::Workspaces => {}
        }
        Event::WorkerStopped {
            worker,
            why: faults::last_worker_fault(),
        }
    }
}

/// Feeds up to `max` values already waiting on `rx` into the loop.
fn drain<T>(
    rx: &mut mpsc::Receiver<T>,
    max: usize,
    wrap: fn(T) -> Event,
    feed: &mut impl FnMut(Event),
) {
    for _ in 0..max {
        let Ok(value) = rx.try_recv() else {
            break;
        };
        feed(wrap(value));
    }
}

/// Hands a request to a worker without waiting; a refusal comes back as an event.
fn send<T>(tx: &mpsc::Sender<T>, request: T, worker: Worker) -> Option<Event> {
    match tx.try_send(request) {
        Ok(()) => None,
        Err(TrySendError::Full(_)) => Some(Event::Refused(Refusal {
            worker,
            closed: false,
        })),
        Err(TrySendError::Closed(_)) => Some(Event::Refused(Refusal {
            worker,
            closed: true,
        })),
    }
}

/// Performs one effect. Never changes the state: what happened comes back as an event.
fn perform<B, I, H>(
    effect: Effect,
    terminal: &mut Terminal<B>,
    input: &mut I,
    workers: &Workers,
    host: &mut H,
) -> (Flow, Option<Event>)
where
    B: Backend,
    H: Host<B, I>,
{
    let event = match effect {
        Effect::Quit => return (Flow::Quit, None),
        Effect::Shell(argv) => Some(Event::ShellClosed {
            command: argv.display(),
            outcome: host.run_shell(terminal, input, &argv),
        }),
        Effect::Clipboard(text) => host
            .set_clipboard(terminal, &text)
            .err()
            .map(Event::ClipboardFailed),
        Effect::Compose(request) => send(&workers.compose_requests, *request, Worker::Compose),
        Effect::Identity(request) => send(&workers.identity_requests, *request, Worker::Identity),
        Effect::Logs(request) => send(&workers.log_requests, request, Worker::Logs),
        Effect::ProbeNow(service) => {
            // A full queue means a probe round is already pending: dropping is fine.
            let _ = workers
                .probe_requests
                .try_send(ProbeRequest::ProbeNow(service));
            None
        }
        Effect::DockerFocus(id) => {
            let _ = workers.docker_requests.try_send(DockerRequest::Focus(id));
            None
        }
        Effect::DockerVisible(ids) => {
            let _ = workers
                .docker_requests
                .try_send(DockerRequest::Visible(ids));
            None
        }
        Effect::Record(entries) => send(
            &workers.recorder,
            crate::timeline::worker::RecorderRequest::Append(entries),
            Worker::Timeline,
        ),
        Effect::WriteBundle => {
            workers.bundles.start();
            None
        }
        Effect::DockerResync => {
            let _ = workers.docker_requests.try_send(DockerRequest::Resync);
            None
        }
        // A full queue already holds a read that answers this one too.
        Effect::WorkspacesRefresh => send(
            &workers.workspaces_requests,
            crate::workspaces::worker::WorkspacesRequest::Refresh,
            Worker::Workspaces,
        )
        .filter(|e| matches!(e, Event::Refused(r) if r.closed)),
        Effect::WorkspaceRebuild(plan) => send(
            &workers.workspaces_requests,
            crate::workspaces::worker::WorkspacesRequest::Rebuild(plan),
            Worker::Workspaces,
        ),
        // A full queue already holds a request the next pass answers.
        Effect::Diagnose => send(
            &workers.diagnose_requests,
            DiagnoseRequest::Run,
            Worker::Diagnose,
        )
        .filter(|e| matches!(e, Event::Refused(r) if r.closed)),
    };
    (Flow::Continue, event)
}
