//! Building the three clients from credentials, and reading every system at once.

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
            if coder.logged_in() {
                match tokio::time::timeout(within, coder.logout()).await {
                    Ok(Ok(())) => tracing::debug!("Coder session ended"),
                    Ok(Err(e)) => {
                        tracing::warn!(reason = %e.short(), "cannot end the Coder session");
                    }
                    Err(_) => tracing::warn!("ending the Coder session timed out"),
                }
            }
        }
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
    tracing::info!("a session expired while reading users: logging in again once");
    let fresh = reconnect().await;
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
