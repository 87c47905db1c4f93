//! Coder's users API: a session (login or token), the paginated user list, create, delete.
//!
//! Coder has no admin endpoint to change a user's login type; the only server-side route is
//! delete and recreate, which is why this client can delete.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::api::{ApiError, Endpoint, Pages, System};
use super::secret::Sensitive;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CoderUser {
    pub id: String,
    pub username: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: Option<String>,
    /// `active`, `dormant` or `suspended`.
    #[serde(default)]
    pub status: String,
    /// `password`, `oidc`, `github` or `none`.
    #[serde(default)]
    pub login_type: String,
    #[serde(default)]
    pub roles: Vec<CoderRole>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CoderRole {
    pub name: String,
}

impl CoderUser {
    pub fn role_names(&self) -> Vec<String> {
        self.roles.iter().map(|r| r.name.clone()).collect()
    }

    pub fn is_owner(&self) -> bool {
        self.roles.iter().any(|r| r.name == "owner")
    }
}

#[derive(Deserialize)]
struct UsersPage {
    #[serde(default)]
    count: Option<u64>,
    #[serde(default)]
    users: Vec<CoderUser>,
}

#[derive(Deserialize)]
struct Session {
    session_token: String,
}

#[derive(Deserialize)]
struct WorkspacesPage {
    #[serde(default)]
    workspaces: Vec<Workspace>,
}

#[derive(Deserialize)]
struct Workspace {
    name: String,
}

/// How poc-tui gets a Coder session.
#[derive(Debug, Clone)]
pub enum CoderAuth {
    Token(Sensitive),
    Login { email: String, password: Sensitive },
}

const PAGE_SIZE: u64 = 100;

#[derive(Debug, Clone)]
pub struct CoderClient {
    endpoint: Endpoint,
    session: Sensitive,
    /// True when poc-tui made this session by logging in, so it is also the one to end it.
    logged_in: bool,
}

impl CoderClient {
    /// Uses the token, or logs in with email and password (`POST /api/v2/users/login`).
    pub async fn connect(mut endpoint: Endpoint, auth: CoderAuth) -> Result<Self, ApiError> {
        let logged_in = matches!(auth, CoderAuth::Login { .. });
        let session = match auth {
            CoderAuth::Token(t) => t,
            CoderAuth::Login { email, password } => {
                endpoint.secrets.push(password.clone());
                let request = endpoint
                    .client
                    .post(endpoint.url("/api/v2/users/login"))
                    .json(&json!({ "email": email, "password": password.expose() }));
                let s: Session = endpoint.json(request, "log in").await?;
                Sensitive::new(s.session_token)
            }
        };
        endpoint.secrets.push(session.clone());
        Ok(CoderClient {
            endpoint,
            session,
            logged_in,
        })
    }

    /// True when this session came from a password login (and so ends with [`Self::logout`]).
    pub fn logged_in(&self) -> bool {
        self.logged_in
    }

    /// Ends a session this client created (`POST /api/v2/users/logout`); a configured token
    /// is left alone. Not a change to the system's data, so allowed under `--read-only`.
    pub async fn logout(&self) -> Result<(), ApiError> {
        if !self.logged_in {
            return Ok(());
        }
        let request = self.with_session(
            self.endpoint
                .client
                .post(self.endpoint.url("/api/v2/users/logout")),
        );
        self.endpoint.send(request, "log out").await.map(|_| ())
    }

    /// Refuses a change in read-only mode (for changes made outside this API, too).
    pub fn guard(&self, what: &str) -> Result<(), ApiError> {
        self.endpoint.guard(what)
    }

    fn with_session(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request.header("Coder-Session-Token", self.session.expose())
    }

    /// A read-only GET with this session, decoded as JSON (the diagnosis reads the
    /// deployment config and workspaces through it).
    pub async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        what: &str,
    ) -> Result<T, ApiError> {
        let request = self.with_session(self.endpoint.client.get(self.endpoint.url(path)));
        self.endpoint.json(request, what).await
    }

    /// Every user, by `limit`/`offset`, until `count` is reached or a page comes back short.
    /// Coder's own deployment health report (`GET /api/v2/debug/health`, owners only).
    pub async fn debug_health(&self) -> Result<serde_json::Value, ApiError> {
        self.get_json("/api/v2/debug/health", "read the deployment health report")
            .await
    }

    pub async fn list_users(&self) -> Result<Vec<CoderUser>, ApiError> {
        let mut pages = Pages::new(System::Coder, "list users");
        let mut users = Vec::new();
        loop {
            // The server may hand out fewer than asked: continue from what arrived.
            let offset = users.len() as u64;
            let request = self.with_session(
                self.endpoint
                    .client
                    .get(self.endpoint.url("/api/v2/users"))
                    .query(&[("limit", PAGE_SIZE), ("offset", offset)]),
            );
            let batch: UsersPage = pages
                .next(self.endpoint.json(request, "list users"))
                .await?;
            let got = batch.users.len() as u64;
            users.extend(batch.users);
            let done = match batch.count {
                Some(total) => users.len() as u64 >= total || got == 0,
                None => got < PAGE_SIZE,
            };
            if done {
                return Ok(users);
            }
        }
    }

    /// The user by username; `None` when Coder answers 404 (or 400 for an unknown name).
    pub async fn find_user(&self, username: &str) -> Result<Option<CoderUser>, ApiError> {
        let request = self.with_session(
            self.endpoint
                .client
                .get(self.endpoint.url(&format!("/api/v2/users/{username}"))),
        );
        match self.endpoint.json(request, "get user").await {
            Ok(u) => Ok(Some(u)),
            Err(e) if matches!(e.status(), Some(404 | 400)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates an account that signs in through SSO: `login_type` `oidc`, no password.
    pub async fn create_oidc_user(
        &self,
        username: &str,
        email: &str,
        name: &str,
    ) -> Result<CoderUser, ApiError> {
        self.endpoint.guard("create user")?;
        let request = self.with_session(
            self.endpoint
                .client
                .post(self.endpoint.url("/api/v2/users"))
                .json(&json!({
                    "username": username,
                    "email": email,
                    "name": name,
                    "login_type": "oidc",
                })),
        );
        self.endpoint.json(request, "create user").await
    }

    pub async fn delete_user(&self, id: &str) -> Result<(), ApiError> {
        self.endpoint.guard("delete user")?;
        let request = self.with_session(
            self.endpoint
                .client
                .delete(self.endpoint.url(&format!("/api/v2/users/{id}"))),
        );
        self.endpoint.send(request, "delete user").await.map(|_| ())
    }

    /// A POST with this session and a JSON body (a workspace build), decoded as JSON;
    /// refused under `--read-only` before anything is sent.
    pub async fn post_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &serde_json::Value,
        what: &str,
    ) -> Result<T, ApiError> {
        self.endpoint.guard(what)?;
        let request = self.with_session(
            self.endpoint
                .client
                .post(self.endpoint.url(path))
                .json(body),
        );
        self.endpoint.json(request, what).await
    }

    /// Names of the workspaces `username` owns, for the confirmation before a delete.
    pub async fn workspaces_of(&self, username: &str) -> Result<Vec<String>, ApiError> {
        let request = self.with_session(
            self.endpoint
                .client
                .get(self.endpoint.url("/api/v2/workspaces"))
                .query(&[("q", format!("owner:{username}"))]),
        );
        let page: WorkspacesPage = self.endpoint.json(request, "list workspaces").await?;
        Ok(page.workspaces.into_iter().map(|w| w.name).collect())
    }
}
