//! Gitea's admin API: users (page/limit + `X-Total-Count`), create, and an edit that always
//! echoes the user's current `login_name` and `source_id` so an OAuth link is never cut.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::api::{ApiError, Endpoint, Pages, System};
use super::secret::Sensitive;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct GiteaUser {
    pub id: i64,
    pub login: String,
    #[serde(default)]
    pub login_name: String,
    /// 0 for a local account; the auth source's id for an external (OAuth) one.
    #[serde(default)]
    pub source_id: i64,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub is_admin: bool,
    #[serde(default)]
    pub restricted: bool,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub prohibit_login: bool,
    /// Not part of Gitea's user JSON today; read when a version reports it.
    #[serde(default)]
    pub allow_create_organization: Option<bool>,
}

fn yes() -> bool {
    true
}

impl GiteaUser {
    pub fn is_external(&self) -> bool {
        self.source_id != 0
    }
}

/// The fields an edit may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiteaEdit {
    pub admin: Option<bool>,
    pub restricted: Option<bool>,
    pub allow_create_organization: Option<bool>,
    /// -1 means the global default, 0 forbids creating repositories.
    pub max_repo_creation: Option<i64>,
    /// Move the account to an auth source: (source_id, login_name).
    pub link_to_source: Option<(i64, String)>,
}

impl GiteaEdit {
    pub fn is_empty(&self) -> bool {
        *self == GiteaEdit::default()
    }
}

/// The PATCH body for `edit` applied to `current`: `source_id`, `login_name` and `email` are
/// always present, taken from the current account unless the edit moves it to a source.
pub fn edit_body(current: &GiteaUser, edit: &GiteaEdit) -> Value {
    let (source_id, login_name) = edit
        .link_to_source
        .clone()
        .unwrap_or_else(|| (current.source_id, current.login_name.clone()));
    let mut body = Map::new();
    body.insert("source_id".into(), json!(source_id));
    body.insert("login_name".into(), json!(login_name));
    body.insert("email".into(), json!(current.email));
    let mut put = |key: &str, v: Option<Value>| {
        if let Some(v) = v {
            body.insert(key.into(), v);
        }
    };
    put("admin", edit.admin.map(Value::Bool));
    put("restricted", edit.restricted.map(Value::Bool));
    put(
        "allow_create_organization",
        edit.allow_create_organization.map(Value::Bool),
    );
    put(
        "max_repo_creation",
        edit.max_repo_creation.map(|n| json!(n)),
    );
    Value::Object(body)
}

/// A new account. With a source, Gitea makes it external and ignores the password.
#[derive(Debug, Clone)]
pub struct NewGiteaUser {
    pub username: String,
    pub email: String,
    pub full_name: String,
    pub password: Sensitive,
    pub restricted: bool,
    pub source: Option<(i64, String)>,
}

#[derive(Debug, Clone)]
pub enum GiteaAuth {
    Basic {
        username: String,
        password: Sensitive,
    },
    Token(Sensitive),
}

const PAGE_SIZE: usize = 50;

#[derive(Debug, Clone)]
pub struct GiteaClient {
    endpoint: Endpoint,
    auth: GiteaAuth,
}

impl GiteaClient {
    pub fn new(mut endpoint: Endpoint, auth: GiteaAuth) -> Self {
        match &auth {
            GiteaAuth::Basic { password, .. } => endpoint.secrets.push(password.clone()),
            GiteaAuth::Token(t) => endpoint.secrets.push(t.clone()),
        }
        GiteaClient { endpoint, auth }
    }

    fn authed(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.auth {
            GiteaAuth::Basic { username, password } => {
                request.basic_auth(username, Some(password.expose()))
            }
            GiteaAuth::Token(t) => request.header("Authorization", format!("token {}", t.expose())),
        }
    }

    /// Every user, page by page, until `X-Total-Count` is reached or a page comes back short.
    pub async fn list_users(&self) -> Result<Vec<GiteaUser>, ApiError> {
        let mut pages = Pages::new(System::Gitea, "list users");
        let mut users: Vec<GiteaUser> = Vec::new();
        let mut page: usize = 0;
        loop {
            page += 1;
            let request = self.authed(
                self.endpoint
                    .client
                    .get(self.endpoint.url("/api/v1/admin/users"))
                    .query(&[("page", page), ("limit", PAGE_SIZE)]),
            );
            let (batch, headers): (Vec<GiteaUser>, _) = pages
                .next(async {
                    let response = self.endpoint.send(request, "list users").await?;
                    self.endpoint.decode(response, "list users").await
                })
                .await?;
            let total = headers
                .get("x-total-count")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<usize>().ok());
            let short = batch.len() < PAGE_SIZE;
            let empty = batch.is_empty();
            users.extend(batch);
            let done = match total {
                Some(t) => users.len() >= t || empty,
                None => short,
            };
            if done {
                return Ok(users);
            }
        }
    }

    pub async fn find_user(&self, username: &str) -> Result<Option<GiteaUser>, ApiError> {
        Ok(self
            .list_users()
            .await?
            .into_iter()
            .find(|u| u.login.eq_ignore_ascii_case(username)))
    }

    pub async fn create_user(&self, new: &NewGiteaUser) -> Result<GiteaUser, ApiError> {
        self.endpoint.guard("create user")?;
        let mut body = json!({
            "username": new.username,
            "email": new.email,
            "full_name": new.full_name,
            "password": new.password.expose(),
            "must_change_password": false,
            "send_notify": false,
            "restricted": new.restricted,
        });
        if let (Some((source_id, login_name)), Some(map)) = (&new.source, body.as_object_mut()) {
            map.insert("source_id".into(), json!(source_id));
            map.insert("login_name".into(), json!(login_name));
        }
        let mut endpoint = self.endpoint.clone();
        endpoint.secrets.push(new.password.clone());
        let request = self.authed(
            endpoint
                .client
                .post(endpoint.url("/api/v1/admin/users"))
                .json(&body),
        );
        endpoint.json(request, "create user").await
    }

    /// PATCHes `current` with `edit`; the body always carries `login_name` and `source_id`.
    pub async fn edit_user(
        &self,
        current: &GiteaUser,
        edit: &GiteaEdit,
    ) -> Result<GiteaUser, ApiError> {
        self.endpoint.guard("edit user")?;
        let body = edit_body(current, edit);
        let request = self.authed(
            self.endpoint
                .client
                .patch(
                    self.endpoint
                        .url(&format!("/api/v1/admin/users/{}", current.login)),
                )
                .json(&body),
        );
        self.endpoint.json(request, "edit user").await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn external() -> GiteaUser {
        GiteaUser {
            id: 7,
            login: "contractor1".into(),
            login_name: "abc123".into(),
            source_id: 2,
            email: "c1@example.com".into(),
            full_name: String::new(),
            is_admin: false,
            restricted: false,
            active: true,
            prohibit_login: false,
            allow_create_organization: None,
        }
    }

    #[test]
    fn edit_body_echoes_the_current_link() {
        let body = edit_body(
            &external(),
            &GiteaEdit {
                restricted: Some(true),
                ..GiteaEdit::default()
            },
        );
        assert_eq!(body["source_id"], 2);
        assert_eq!(body["login_name"], "abc123");
        assert_eq!(body["restricted"], true);
        assert!(body.get("admin").is_none());
    }

    #[test]
    fn edit_body_moves_to_a_source_when_asked() {
        let mut local = external();
        local.source_id = 0;
        local.login_name = String::new();
        let body = edit_body(
            &local,
            &GiteaEdit {
                link_to_source: Some((3, "uidxyz".into())),
                ..GiteaEdit::default()
            },
        );
        assert_eq!(body["source_id"], 3);
        assert_eq!(body["login_name"], "uidxyz");
    }
}
