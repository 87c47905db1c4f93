//! The interactive console: terminal lifecycle and the one event loop.
//!
//! One task owns the state. It waits on the terminal's event stream, the workers' bounded
//! channels and the exit signals, applies each event with `update`, and draws only when
//! something changed. Nothing ticks: an idle console sleeps until a probe result arrives.

use std::io::stdout;
use std::sync::Arc;
use std::time::SystemTime;

use color_eyre::eyre::{Result, WrapErr};
use crossterm::event::{DisableMouseCapture, EnableMouseCapture, EventStream};
use crossterm::execute;
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::app::{update, Command, Event, State};
use crate::config::Config;
use crate::health::{self, HealthReport, ProbeCommand};
use crate::identity::worker::IdentityEvent;

/// How many probe results may wait for the loop before the prober waits in turn.
const HEALTH_QUEUE: usize = 64;
/// Identity news is small and rare: create progress, a reloaded matrix.
const IDENTITY_QUEUE: usize = 32;

/// Opens the console and runs it until the user quits or a signal arrives.
pub async fn run(config: Arc<Config>, read_only: bool) -> Result<()> {
    let mut terminal = ratatui::init();
    install_mouse_restoring_hook();
    // Mouse capture is best effort: a terminal without it still works with keys.
    let _ = execute!(stdout(), EnableMouseCapture);
    let result = event_loop(&mut terminal, config, read_only).await;
    let _ = execute!(stdout(), DisableMouseCapture);
    ratatui::restore();
    result
}

/// `ratatui::init` restores the screen on panic; mouse capture must be turned off too.
fn install_mouse_restoring_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(stdout(), DisableMouseCapture);
        previous(info);
    }));
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    config: Arc<Config>,
    read_only: bool,
) -> Result<()> {
    let cancel = CancellationToken::new();
    let _stop_workers = cancel.clone().drop_guard();

    let (health_tx, mut health_rx) = mpsc::channel::<HealthReport>(HEALTH_QUEUE);
    let client = health::http_client().wrap_err("cannot build the HTTP client for probes")?;
    let probe_commands = health::spawn_scheduler(
        client,
        config.probe_targets(),
        config.probe_settings(),
        config.probe_interval(),
        health_tx,
        cancel.child_token(),
    );

    let (identity_tx, mut identity_rx) = mpsc::channel::<IdentityEvent>(IDENTITY_QUEUE);
    let identity_commands = crate::identity::worker::spawn(
        config.clone(),
        read_only,
        identity_tx,
        cancel.child_token(),
    );

    let mut sigterm = signal(SignalKind::terminate()).wrap_err("cannot watch SIGTERM")?;
    let mut sighup = signal(SignalKind::hangup()).wrap_err("cannot watch SIGHUP")?;
    let mut terminal_events = EventStream::new();

    let mut state = State::new(config, read_only);
    if let Ok(size) = terminal.size() {
        state.set_initial_size(size.width, size.height);
    }

    loop {
        if state.dirty {
            terminal.draw(|frame| crate::ui::render(frame, &state, SystemTime::now()))?;
            state.dirty = false;
        }
        let event = tokio::select! {
            maybe = terminal_events.next() => match maybe {
                Some(Ok(ev)) => Event::Terminal(ev),
                Some(Err(err)) => return Err(err).wrap_err("terminal input failed"),
                None => Event::Shutdown,
            },
            Some(report) = health_rx.recv() => Event::Health(report),
            Some(news) = identity_rx.recv() => Event::Identity(news),
            _ = sigterm.recv() => Event::Shutdown,
            _ = sighup.recv() => Event::Shutdown,
        };
        let mut commands = update(&mut state, event);
        // Coalesce: fold in whatever else is already queued before drawing again.
        while let Ok(report) = health_rx.try_recv() {
            commands.extend(update(&mut state, Event::Health(report)));
        }
        for command in commands {
            match command {
                Command::Quit => return Ok(()),
                Command::ProbeNow(service) => {
                    // A full queue means a probe round is already pending: dropping is fine.
                    let _ = probe_commands.try_send(ProbeCommand::ProbeNow(service));
                }
                Command::Identity(work) => {
                    if identity_commands.try_send(*work).is_err() {
                        state.status = Some("the Users worker is busy; try again".into());
                        state.dirty = true;
                    }
                }
            }
        }
        if state.quit {
            return Ok(());
        }
    }
}
