//! The Users tab's worker: owns the clients, reads the systems, runs creates and fixes, and
//! reports back over a bounded channel. The console's loop never waits on it.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::api::ApiError;
use super::api::System;
use super::clients::{
    coder_session_ended, connect, reconnect, session_expired, snapshot_renewing_sessions, Clients,
};
use super::create::{run as run_create, CreateContext, CreateReport, NewUser};
use super::credentials::{discover, from_config, Credentials};
use super::findings::Fix;
use super::fix::{apply, prepare};
use super::login_type::SqlRoute;
use super::matrix::Matrix;
use super::memory::{compute_remembered, memory_file, Memory};
use super::secret::Sensitive;
use crate::config::Config;

/// What the console asks of the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityRequest {
    Refresh,
    /// Create (or resume, when a report is given) a person.
    Create {
        user: NewUser,
        password: Option<Sensitive>,
        resume: Option<CreateReport>,
    },
    /// Work out what a destructive fix would remove, for the confirmation.
    PrepareFix(Fix),
    ApplyFix(Fix),
    /// A fix that sets a password (typed or generated in the console's prompt).
    ApplyFixWithPassword {
        fix: Fix,
        password: Sensitive,
    },
    /// Drop a person from what poc-tui remembers (`identity/people.json`); the systems are
    /// not touched.
    Forget(String),
}

/// What the worker tells the console.
#[derive(Debug, Clone)]
pub enum IdentityEvent {
    Loading,
    Loaded {
        matrix: Box<Matrix>,
        /// (system, url, where its credential came from)
        origins: Vec<(System, String, String)>,
        /// How to get an Authentik token, when there is none.
        authentik_hint: Option<String>,
    },
    CreateProgress(CreateReport),
    CreateFinished(CreateReport),
    ConfirmReady {
        fix: Fix,
        text: String,
    },
    FixDone(Result<String, String>),
}

struct Worker {
    config: std::sync::Arc<Config>,
    read_only: bool,
    /// `--docker-host`: where the Authentik containers' bootstrap token is read.
    docker_host: Option<String>,
    events: mpsc::Sender<IdentityEvent>,
    creds: Option<Credentials>,
    clients: Option<Clients>,
    /// What poc-tui remembers of the people it created (roles, accounts without a password).
    memory_file: Option<std::path::PathBuf>,
}

/// How long ending the Coder session may hold up the exit.
const LOGOUT_WITHIN: Duration = Duration::from_secs(2);

impl Worker {
    /// The clients, built once and kept. With `fresh`, systems that failed are built again;
    /// a working Coder session is kept (one login per run, not one per refresh).
    async fn clients(&mut self, fresh: bool) -> Clients {
        if self.creds.is_none() {
            self.creds = Some(discover(&self.config, self.docker_host.as_deref()).await);
        }
        let stale = self.clients.as_ref().is_none_or(|c| {
            fresh && (c.authentik.is_err() || c.gitea.is_err() || c.coder.is_err())
        });
        if stale {
            if let Some(creds) = &self.creds {
                let keep = self.clients.take().and_then(|c| c.coder.ok());
                self.clients = Some(reconnect(creds, self.timeout(), self.read_only, keep).await);
            }
        }
        match &self.clients {
            Some(c) => c.clone(),
            None => {
                connect(
                    &from_config(&self.config, |_| None),
                    Duration::from_secs(1),
                    true,
                )
                .await
            }
        }
    }

    fn timeout(&self) -> Duration {
        Duration::from_millis(self.config.identity.timeout_ms.max(100))
    }

    async fn refresh(&mut self) {
        let _ = self.events.send(IdentityEvent::Loading).await;
        let clients = self.clients(true).await;
        let (_, snap) = snapshot_renewing_sessions(clients, async |coder_ended| {
            self.relogin(coder_ended).await
        })
        .await;
        let mut memory = self.memory();
        if memory.settle(&snap) {
            self.save(&memory);
        }
        let matrix = compute_remembered(&self.config, &memory, &snap);
        let (origins, authentik_hint) = self
            .creds
            .as_ref()
            .map(|c| (c.origins(), c.authentik.hint.clone()))
            .unwrap_or_default();
        let _ = self
            .events
            .send(IdentityEvent::Loaded {
                matrix: Box::new(matrix),
                origins,
                authentik_hint,
            })
            .await;
    }

    /// Ends what the worker opened: the Coder session it logged in for.
    async fn close(&mut self) {
        if let Some(clients) = self.clients.take() {
            clients.close(LOGOUT_WITHIN).await;
        }
    }

    fn memory(&self) -> Memory {
        Memory::load(self.memory_file.as_deref())
    }

    fn save(&self, memory: &Memory) {
        if let Err(e) = memory.save(self.memory_file.as_deref()) {
            tracing::warn!(error = %e, "cannot save the identity memory");
        }
    }

    /// Credentials read again and the clients built anew: after a service was recreated its
    /// sessions (and perhaps its bootstrap token) no longer hold. Coder is logged in to again
    /// only when `coder_ended` (Coder answered 401); otherwise its session is kept.
    async fn relogin(&mut self, coder_ended: bool) -> Clients {
        self.creds = None;
        let keep = match self.clients.take() {
            // The old Coder session is ended first (when the server still knows it, it would
            // otherwise stay open), then poc-tui logs in anew.
            Some(old) if coder_ended => {
                old.close(LOGOUT_WITHIN).await;
                None
            }
            Some(old) => old.coder.ok(),
            None => None,
        };
        let creds = discover(&self.config, self.docker_host.as_deref()).await;
        let clients = reconnect(&creds, self.timeout(), self.read_only, keep).await;
        self.creds = Some(creds);
        self.clients = Some(clients.clone());
        clients
    }

    async fn create(
        &self,
        clients: &Clients,
        report: &mut CreateReport,
        password: Option<&Sensitive>,
    ) -> Option<ApiError> {
        let ctx = CreateContext {
            clients,
            config: &self.config,
            settings: &self.config.identity,
            password,
        };
        let events = self.events.clone();
        run_create(report, &ctx, |r| {
            // Progress is best effort: a full queue only skips an intermediate frame.
            let _ = events.try_send(IdentityEvent::CreateProgress(r.clone()));
        })
        .await
    }

    /// Applies one fix (retried once on a session that expired), saves what the memory
    /// learnt, reports, and reads the systems again.
    async fn apply_fix(&mut self, fix: &Fix, password: Option<&Sensitive>) {
        let clients = self.clients(false).await;
        let mut memory = self.memory();
        let before = memory.clone();
        let mut result = apply(fix, &clients, password, &mut memory).await;
        if let Some(e) = result.as_ref().err().filter(|e| session_expired(e)) {
            // Nothing was changed by a refused request: the same fix, once more.
            let fresh = self.relogin(coder_session_ended(e)).await;
            result = apply(fix, &fresh, password, &mut memory).await;
        }
        if memory != before {
            self.save(&memory);
        }
        let result = result.map_err(|e| e.to_string());
        let _ = self.events.send(IdentityEvent::FixDone(result)).await;
        self.refresh().await;
    }

    async fn forget(&mut self, username: &str) {
        let mut memory = self.memory();
        let result = if memory.forget(username) {
            match memory.save(self.memory_file.as_deref()) {
                Ok(()) => Ok(format!(
                    "forgot {username}: no longer expected (their accounts are left as they are)"
                )),
                Err(e) => Err(format!("cannot save what poc-tui remembers: {e}")),
            }
        } else {
            Err(format!("{username} is not remembered by poc-tui"))
        };
        let _ = self.events.send(IdentityEvent::FixDone(result)).await;
        self.refresh().await;
    }

    async fn handle(&mut self, command: IdentityRequest) {
        match command {
            IdentityRequest::Refresh => self.refresh().await,
            IdentityRequest::Create {
                user,
                password,
                resume,
            } => {
                let mut clients = self.clients(false).await;
                let mut report = resume.unwrap_or_else(|| CreateReport::plan(user));
                let stop = self.create(&clients, &mut report, password.as_ref()).await;
                if let Some(e) = stop.as_ref().filter(|e| session_expired(e)) {
                    // Resumes where the expired session stopped it.
                    clients = self.relogin(coder_session_ended(e)).await;
                    self.create(&clients, &mut report, password.as_ref()).await;
                }
                let mut memory = self.memory();
                let before = memory.clone();
                memory.note_create(&report, &clients).await;
                if memory != before {
                    self.save(&memory);
                }
                let _ = self
                    .events
                    .send(IdentityEvent::CreateFinished(report))
                    .await;
                self.refresh().await;
            }
            IdentityRequest::PrepareFix(fix) => {
                let clients = self.clients(false).await;
                // The engine is read only for the fix that may become the SQL route.
                let host = self.docker_host.as_deref();
                let route = if matches!(fix, crate::identity::Fix::RecreateCoderOidc { .. }) {
                    SqlRoute::find(&self.config, host).await
                } else {
                    SqlRoute::of(&self.config, host)
                };
                let mut result = prepare(&fix, &clients, &route).await;
                if let Some(e) = result.as_ref().err().filter(|e| session_expired(e)) {
                    let fresh = self.relogin(coder_session_ended(e)).await;
                    result = prepare(&fix, &fresh, &route).await;
                }
                let event = match result {
                    Ok((fix, text)) => IdentityEvent::ConfirmReady { fix, text },
                    Err(e) => IdentityEvent::FixDone(Err(e.to_string())),
                };
                let _ = self.events.send(event).await;
            }
            IdentityRequest::ApplyFix(fix) => self.apply_fix(&fix, None).await,
            IdentityRequest::Forget(username) => self.forget(&username).await,
            IdentityRequest::ApplyFixWithPassword { fix, password } => {
                self.apply_fix(&fix, Some(&password)).await;
            }
        }
    }
}

/// Starts the worker; it reads every system once right away. `docker_host` is
/// `--docker-host`, for the bootstrap token.
pub fn spawn(
    config: std::sync::Arc<Config>,
    read_only: bool,
    docker_host: Option<String>,
    events: mpsc::Sender<IdentityEvent>,
    cancel: CancellationToken,
) -> mpsc::Sender<IdentityRequest> {
    spawn_with_task(config, read_only, docker_host, events, cancel).0
}

/// Like [`spawn`], also returning the task: it ends once the worker has stopped after
/// `cancel` and ended its Coder session (bounded to a couple of seconds). Await it before
/// the runtime goes away.
pub fn spawn_with_task(
    config: std::sync::Arc<Config>,
    read_only: bool,
    docker_host: Option<String>,
    events: mpsc::Sender<IdentityEvent>,
    cancel: CancellationToken,
) -> (mpsc::Sender<IdentityRequest>, tokio::task::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::channel::<IdentityRequest>(8);
    let mut worker = Worker {
        config,
        read_only,
        docker_host,
        events,
        creds: None,
        clients: None,
        memory_file: memory_file(crate::paths::Paths::discover().data_dir.as_deref()),
    };
    let task = tokio::spawn(async move {
        tokio::select! {
            () = cancel.cancelled() => {}
            () = async {
                worker.refresh().await;
                while let Some(command) = rx.recv().await {
                    worker.handle(command).await;
                }
            } => {}
        }
        worker.close().await;
    });
    (tx, task)
}
