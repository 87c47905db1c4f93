//! Building the three clients from credentials, and reading every system at once.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;

use super::api::{api_client, ApiError, Endpoint, System};
use super::authentik::{AuthentikClient, AuthentikUser};
use super::coder::{CoderClient, CoderUser};
use super::credentials::{Credential, Credentials};
use super::gitea::{GiteaClient, GiteaUser};

/// The clients, each either ready or the reason it is not.
#[derive(Debug, Clone)]
pub struct Clients {
    pub authentik: Result<AuthentikClient, ApiError>,
    pub gitea: Result<GiteaClient, ApiError>,
    pub coder: Result<CoderClient, ApiError>,
}

fn endpoint<A>(
    cred: &Credential<A>,
    client: &reqwest::Client,
    read_only: bool,
) -> Result<(Endpoint, A), ApiError>
where
    A: Clone,
{
    let no_creds = |hint: &str| ApiError::NoCredentials {
        system: cred.system,
        hint: hint.to_owned(),
    };
    let url = cred
        .url
        .as_deref()
        .ok_or_else(|| no_creds("no URL configured"))?;
    let auth = cred
        .auth
        .clone()
        .ok_or_else(|| no_creds(cred.hint.as_deref().unwrap_or("none configured")))?;
    Ok((Endpoint::new(cred.system, url, client.clone()), auth)).map(|(mut e, a)| {
        e.read_only = read_only;
        (e, a)
    })
}

/// Builds the clients; Coder logs in here when it has no token.
pub async fn connect(creds: &Credentials, timeout: Duration, read_only: bool) -> Clients {
    reconnect(creds, timeout, read_only, None).await
}

/// Like [`connect`], but keeps `keep_coder`'s session when given one, so a refresh does not
/// log in to Coder again.
pub async fn reconnect(
    creds: &Credentials,
    timeout: Duration,
    read_only: bool,
    keep_coder: Option<CoderClient>,
) -> Clients {
    let client = match api_client(timeout) {
        Ok(c) => c,
        Err(e) => {
            let fail = |system| ApiError::Refused {
                system,
                message: format!("cannot build the HTTP client: {e}"),
            };
            return Clients {
                authentik: Err(fail(System::Authentik)),
                gitea: Err(fail(System::Gitea)),
                coder: Err(fail(System::Coder)),
            };
        }
    };
    let authentik =
        endpoint(&creds.authentik, &client, read_only).map(|(e, t)| AuthentikClient::new(e, t));
    let gitea = endpoint(&creds.gitea, &client, read_only).map(|(e, a)| GiteaClient::new(e, a));
    let coder = match (keep_coder, endpoint(&creds.coder, &client, read_only)) {
        (Some(kept), _) => Ok(kept),
        (None, Ok((e, a))) => CoderClient::connect(e, a).await,
        (None, Err(e)) => Err(e),
    };
    Clients {
        authentik,
        gitea,
        coder,
    }
}

impl Clients {
    /// Ends the Coder session poc-tui logged in for, waiting at most `within`. Call it once,
    /// when nothing uses these clients any more.
    pub async fn close(&self, within: Duration) {
        if let Ok(coder) = &self.coder {
            end_session(coder, within).await;
        }
    }
}

/// Logs out a session poc-tui logged in for (a configured token is left alone), waiting at
/// most `within`.
async fn end_session(coder: &CoderClient, within: Duration) {
    if !coder.logged_in() {
        return;
    }
    match tokio::time::timeout(within, coder.logout()).await {
        Ok(Ok(())) => tracing::debug!("Coder session ended"),
        Ok(Err(e)) => tracing::warn!(reason = %e.short(), "cannot end the Coder session"),
        Err(_) => tracing::warn!("ending the Coder session timed out"),
    }
}

/// The Coder sessions a run logged in for, held where the run's caller can still end them
/// when the run itself is dropped (Ctrl-C, SIGTERM, a cancelled pass). Clones share one
/// register.
#[derive(Clone, Default)]
pub struct Sessions {
    inner: Arc<Mutex<Held>>,
}

#[derive(Default)]
struct Held {
    next: u64,
    open: Vec<(u64, CoderClient)>,
    /// Logins still running: a login dropped half-way would open a session nobody ends, so
    /// each runs in its own task, to its end, and lands here.
    logging_in: Vec<tokio::task::JoinHandle<()>>,
}

/// Which session [`Sessions::connect`] opened, to end it with [`Sessions::end`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let held = self.lock();
        f.debug_struct("Sessions")
            .field("open", &held.open.len())
            .field("logging_in", &held.logging_in.len())
            .finish()
    }
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, Held> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Sessions held (logged in and not yet ended).
    pub fn open(&self) -> usize {
        self.lock().open.len()
    }

    /// Like [`connect`], with the Coder session it logs in for held here until [`Self::end`]
    /// or [`Self::close`]. The login finishes even when the caller is dropped.
    pub async fn connect(
        &self,
        creds: &Credentials,
        timeout: Duration,
        read_only: bool,
    ) -> (Clients, Ticket) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let this = self.clone();
        let creds = creds.clone();
        let task = tokio::spawn(async move {
            let clients = connect(&creds, timeout, read_only).await;
            let ticket = this.hold(&clients);
            let _ = tx.send((clients, ticket));
        });
        {
            let mut held = self.lock();
            held.logging_in.retain(|t| !t.is_finished());
            held.logging_in.push(task);
        }
        match rx.await {
            Ok(done) => done,
            // The login task panicked: nothing was held.
            Err(_) => (
                Clients {
                    authentik: Err(refused(System::Authentik)),
                    gitea: Err(refused(System::Gitea)),
                    coder: Err(refused(System::Coder)),
                },
                Ticket(0),
            ),
        }
    }

    fn hold(&self, clients: &Clients) -> Ticket {
        let mut held = self.lock();
        held.next += 1;
        let ticket = Ticket(held.next);
        if let Ok(coder) = &clients.coder {
            if coder.logged_in() {
                held.open.push((ticket.0, coder.clone()));
            }
        }
        ticket
    }

    /// Ends the session `ticket` names, waiting at most `within`.
    pub async fn end(&self, ticket: Ticket, within: Duration) {
        let coder = {
            let mut held = self.lock();
            let at = held.open.iter().position(|(t, _)| *t == ticket.0);
            at.map(|i| held.open.remove(i).1)
        };
        if let Some(coder) = coder {
            end_session(&coder, within).await;
        }
    }

    /// Ends every session held, after letting logins still running finish; all within
    /// `within`.
    pub async fn close(&self, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        let logging_in = std::mem::take(&mut self.lock().logging_in);
        for task in logging_in {
            if tokio::time::timeout_at(deadline, task).await.is_err() {
                tracing::warn!("a Coder login did not finish in time to be ended");
            }
        }
        let open = std::mem::take(&mut self.lock().open);
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        futures::future::join_all(open.iter().map(|(_, c)| end_session(c, left))).await;
    }
}

fn refused(system: System) -> ApiError {
    ApiError::Refused {
        system,
        message: "the login task stopped".into(),
    }
}

/// What each system holds, or why it could not be read.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Snapshot {
    pub authentik: Option<Result<Vec<AuthentikUser>, String>>,
    pub gitea: Option<Result<Vec<GiteaUser>, String>>,
    pub coder: Option<Result<Vec<CoderUser>, String>>,
}

impl Snapshot {
    /// The reason a system could not be read, if it could not.
    pub fn unreachable(&self, system: System) -> Option<&str> {
        let r = match system {
            System::Authentik => self.authentik.as_ref().and_then(|r| r.as_ref().err()),
            System::Gitea => self.gitea.as_ref().and_then(|r| r.as_ref().err()),
            System::Coder => self.coder.as_ref().and_then(|r| r.as_ref().err()),
        };
        r.map(String::as_str)
    }
}

/// True when an answer says the session or token no longer holds, as after the service was
/// recreated: a 401 from any system, or Authentik's 403 for a token it does not know. A new
/// login (or a token read again) may cure it.
pub fn session_expired(e: &ApiError) -> bool {
    matches!(
        e,
        ApiError::Status { status: 401, .. }
            | ApiError::Status {
                system: System::Authentik,
                status: 403,
                ..
            }
    )
}

/// True when Coder itself answered that poc-tui's session no longer holds (a 401): the only
/// answer after which poc-tui logs in to Coder again. A 403 from Coder is a refusal, and
/// another system's expired token says nothing about the Coder session.
pub fn coder_session_ended(e: &ApiError) -> bool {
    matches!(
        e,
        ApiError::Status {
            system: System::Coder,
            status: 401,
            ..
        }
    )
}

type Listed<T> = Result<Vec<T>, ApiError>;

/// The three lists as read, errors still typed.
async fn read_all(
    clients: &Clients,
) -> (Listed<AuthentikUser>, Listed<GiteaUser>, Listed<CoderUser>) {
    let ak = async {
        match &clients.authentik {
            Ok(c) => c.list_users().await,
            Err(e) => Err(e.clone()),
        }
    };
    let gt = async {
        match &clients.gitea {
            Ok(c) => c.list_users().await,
            Err(e) => Err(e.clone()),
        }
    };
    let cd = async {
        match &clients.coder {
            Ok(c) => c.list_users().await,
            Err(e) => Err(e.clone()),
        }
    };
    tokio::join!(ak, gt, cd)
}

/// [`snapshot`], but when any system answers that its session expired, builds the clients
/// again with `reconnect` and reads everything once more. Returns the clients last used.
pub async fn snapshot_renewing(
    clients: Clients,
    reconnect: impl AsyncFnOnce() -> Clients,
) -> (Clients, Snapshot) {
    snapshot_renewing_sessions(clients, async |_| reconnect().await).await
}

/// [`snapshot_renewing`], telling `reconnect` whether Coder's own session ended (see
/// [`coder_session_ended`]); when it did not, the Coder session should be kept.
pub async fn snapshot_renewing_sessions(
    clients: Clients,
    reconnect: impl AsyncFnOnce(bool) -> Clients,
) -> (Clients, Snapshot) {
    let lists = read_all(&clients).await;
    let expired = [
        lists.0.as_ref().err(),
        lists.1.as_ref().err(),
        lists.2.as_ref().err(),
    ]
    .into_iter()
    .flatten()
    .any(session_expired);
    if !expired {
        return (clients, into_snapshot(lists));
    }
    let coder_ended = lists.2.as_ref().err().is_some_and(coder_session_ended);
    tracing::info!(
        coder_ended,
        "a session expired while reading users: renewing it once"
    );
    let fresh = reconnect(coder_ended).await;
    let lists = read_all(&fresh).await;
    (fresh, into_snapshot(lists))
}

/// Reads the three user lists concurrently; one system down does not stop the others.
pub async fn snapshot(clients: &Clients) -> Snapshot {
    into_snapshot(read_all(clients).await)
}

fn into_snapshot(lists: (Listed<AuthentikUser>, Listed<GiteaUser>, Listed<CoderUser>)) -> Snapshot {
    let short = |e: ApiError| e.short();
    let authentik = lists.0.map_err(short);
    let gitea = lists.1.map_err(short);
    let coder = lists.2.map_err(short);
    for (system, err) in [
        (System::Authentik, authentik.as_ref().err()),
        (System::Gitea, gitea.as_ref().err()),
        (System::Coder, coder.as_ref().err()),
    ] {
        if let Some(e) = err {
            tracing::warn!(%system, reason = %e, "cannot read users");
        }
    }
    Snapshot {
        authentik: Some(authentik),
        gitea: Some(gitea),
        coder: Some(coder),
    }
}
