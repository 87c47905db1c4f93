//! The workspace worker: reads Coder's workspace list with one Coder session per run, when
//! asked (the Services tab opened, Ctrl-R, a workspace container's Docker event) and on the
//! `[coder] workspaces_interval_secs` schedule. Asks that come faster than [`MIN_GAP`] are
//! folded into one read.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::client::{read, unavailable};
use super::join::CoderView;
use super::rebuild::{self, Plan, POLL};
use crate::config::Config;
use crate::identity::clients::session_expired;
use crate::identity::coder::CoderClient;
use crate::identity::credentials::from_config;
use crate::identity::ApiError;

/// The shortest time between two reads of Coder, however many asks arrive.
pub const MIN_GAP: Duration = Duration::from_secs(2);
/// How long ending the Coder session may hold up the exit.
const LOGOUT_WITHIN: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkspacesRequest {
    Refresh,
    /// Stop then start this workspace through Coder (see [`super::rebuild`]).
    Rebuild(Box<Plan>),
}

#[derive(Debug, Clone)]
pub enum WorkspacesEvent {
    /// A read has started.
    Reading,
    /// Coder's view as read at `read_at`.
    Loaded {
        view: Box<CoderView>,
        read_at: SystemTime,
    },
    /// A rebuild moved on: the build's status, in words.
    Building { workspace_id: String, text: String },
    /// A rebuild ended: what happened, or why it stopped.
    Rebuilt {
        workspace_id: String,
        outcome: Result<String, String>,
    },
}

/// Reads Coder through a kept session.
pub struct Reader {
    config: Arc<Config>,
    read_only: bool,
    client: Option<CoderClient>,
}

impl Reader {
    pub fn new(config: Arc<Config>, read_only: bool) -> Self {
        Reader {
            config,
            read_only,
            client: None,
        }
    }

    fn timeout(&self) -> Duration {
        Duration::from_millis(self.config.identity.timeout_ms.max(100))
    }

    /// The kept session, logging in when there is none.
    pub async fn connect(&mut self) -> Result<CoderClient, ApiError> {
        if let Some(c) = &self.client {
            return Ok(c.clone());
        }
        let creds = from_config(&self.config, |v| std::env::var(v).ok());
        let clients = crate::identity::connect(&creds, self.timeout(), self.read_only).await;
        let client = clients.coder?;
        self.client = Some(client.clone());
        Ok(client)
    }

    /// Coder's view now; an expired session is replaced once.
    pub async fn read(&mut self) -> CoderView {
        for attempt in 0..2 {
            let client = match self.connect().await {
                Ok(c) => c,
                Err(e) => return CoderView::Unavailable(unavailable(&e)),
            };
            match read(&client).await {
                Ok(known) => return CoderView::Known(known),
                Err(e) if attempt == 0 && session_expired(&e) => {
                    tracing::info!("the Coder session expired: logging in again once");
                    // The old session is ended first (bounded), so a re-login never leaves
                    // one open behind it.
                    self.close().await;
                }
                Err(e) => return CoderView::Unavailable(unavailable(&e)),
            }
        }
        CoderView::Unavailable("Coder refused the session".to_owned())
    }

    /// Ends the session this reader logged in for.
    pub async fn close(&mut self) {
        if let Some(client) = self.client.take() {
            if client.logged_in() {
                match tokio::time::timeout(LOGOUT_WITHIN, client.logout()).await {
                    Ok(Ok(())) => tracing::debug!("Coder session of the workspace list ended"),
                    Ok(Err(e)) => {
                        tracing::warn!(reason = %e.short(), "cannot end the Coder session");
                    }
                    Err(_) => tracing::warn!("ending the Coder session timed out"),
                }
            }
        }
    }
}

/// Starts the worker; it reads once right away. The task ends after `cancel`, once its
/// Coder session is ended (bounded).
pub fn spawn_with_task(
    config: Arc<Config>,
    read_only: bool,
    events: mpsc::Sender<WorkspacesEvent>,
    cancel: CancellationToken,
) -> (mpsc::Sender<WorkspacesRequest>, tokio::task::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::channel::<WorkspacesRequest>(4);
    let every = Duration::from_secs(config.coder.workspaces_interval_secs);
    let mut reader = Reader::new(config, read_only);
    let task = tokio::spawn(async move {
        tokio::select! {
            () = cancel.cancelled() => {}
            () = run(&mut reader, &mut rx, &events, every, &cancel) => {}
        }
        reader.close().await;
    });
    (tx, task)
}

async fn run(
    reader: &mut Reader,
    rx: &mut mpsc::Receiver<WorkspacesRequest>,
    events: &mpsc::Sender<WorkspacesEvent>,
    every: Duration,
    cancel: &CancellationToken,
) {
    let scheduled = |from: Instant| (!every.is_zero()).then(|| from + every);
    // The first read is due at once.
    let mut due: Option<Instant> = Some(Instant::now());
    let mut last: Option<Instant> = None;
    loop {
        let wake = due.unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400));
        tokio::select! {
            request = rx.recv() => {
                let Some(first) = request else {
                    return;
                };
                let mut asks = vec![first];
                while let Ok(more) = rx.try_recv() {
                    asks.push(more);
                }
                for ask in asks {
                    if let WorkspacesRequest::Rebuild(plan) = ask {
                        start_rebuild(reader, *plan, events, cancel).await;
                    }
                }
                let earliest = last.map_or_else(Instant::now, |l| l + MIN_GAP);
                due = Some(due.map_or(earliest, |d| d.min(earliest)));
            }
            () = tokio::time::sleep_until(wake), if due.is_some() => {
                let _ = events.send(WorkspacesEvent::Reading).await;
                let view = reader.read().await;
                let now = Instant::now();
                last = Some(now);
                due = scheduled(now);
                let loaded = WorkspacesEvent::Loaded {
                    view: Box::new(view),
                    read_at: SystemTime::now(),
                };
                if events.send(loaded).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Runs a rebuild in a task of its own (the list keeps being read meanwhile); its news go to
/// `events`, and the list is read again when it ends. Ends with `cancel`.
async fn start_rebuild(
    reader: &mut Reader,
    plan: Plan,
    events: &mpsc::Sender<WorkspacesEvent>,
    cancel: &CancellationToken,
) {
    let workspace_id = plan.workspace_id.clone();
    let client = match reader.connect().await {
        Ok(c) => c,
        Err(e) => {
            let outcome = Err(format!("{}: {}", plan.name, unavailable(&e)));
            let _ = events
                .send(WorkspacesEvent::Rebuilt {
                    workspace_id,
                    outcome,
                })
                .await;
            return;
        }
    };
    let events = events.clone();
    let cancel = cancel.clone();
    tokio::spawn(async move {
        let news = events.clone();
        let id = workspace_id.clone();
        let mut progress = move |text: String| {
            let _ = news.try_send(WorkspacesEvent::Building {
                workspace_id: id.clone(),
                text,
            });
        };
        let outcome = tokio::select! {
            () = cancel.cancelled() => return,
            outcome = rebuild::run(&client, &plan, POLL, &mut progress) => outcome,
        };
        let _ = events
            .send(WorkspacesEvent::Rebuilt {
                workspace_id,
                outcome,
            })
            .await;
    });
}
