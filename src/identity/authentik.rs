//! Authentik's core API: users (paginated), create without a password, then `set_password`.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::api::{ApiError, Endpoint, Pages, System};
use super::secret::Sensitive;

/// An Authentik user as listed; unknown fields are ignored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuthentikUser {
    pub pk: i64,
    pub username: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default = "yes")]
    pub is_active: bool,
    #[serde(default)]
    pub is_superuser: bool,
    #[serde(default)]
    pub groups_obj: Option<Vec<GroupRef>>,
    /// The hashed user id, which is the OIDC `sub` under Authentik's default subject mode.
    #[serde(default)]
    pub uid: Option<String>,
    /// `internal`, `external`, `service_account`, `internal_service_account`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// When the password last changed (set at creation too); a later value than at creation
    /// means one was set.
    #[serde(default)]
    pub password_change_date: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct GroupRef {
    pub name: String,
    /// Membership makes a superuser: never granted by poc-tui on its own.
    #[serde(default)]
    pub is_superuser: bool,
}

/// A group as `/api/v3/core/groups/` lists it.
#[derive(Deserialize)]
struct Group {
    pk: String,
    name: String,
}

#[derive(Deserialize)]
struct GroupPage {
    #[serde(default)]
    results: Vec<Group>,
}

impl AuthentikUser {
    pub fn group_names(&self) -> Vec<String> {
        self.groups_obj
            .iter()
            .flatten()
            .map(|g| g.name.clone())
            .collect()
    }

    /// Outpost and other machine accounts Authentik manages itself.
    pub fn is_internal_service(&self) -> bool {
        self.kind.as_deref() == Some("internal_service_account")
    }
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    pagination: Option<Pagination>,
    #[serde(default)]
    results: Vec<AuthentikUser>,
}

#[derive(Deserialize)]
struct Pagination {
    /// A page number (0 when there is none) in Authentik; tolerate a URL or null too.
    #[serde(default)]
    next: Value,
}

const PAGE_SIZE: u32 = 100;

#[derive(Debug, Clone)]
pub struct AuthentikClient {
    endpoint: Endpoint,
    token: Sensitive,
}

impl AuthentikClient {
    pub fn new(mut endpoint: Endpoint, token: Sensitive) -> Self {
        endpoint.secrets.push(token.clone());
        AuthentikClient { endpoint, token }
    }

    fn get(&self, url: &str) -> reqwest::RequestBuilder {
        self.endpoint
            .client
            .get(url)
            .bearer_auth(self.token.expose())
    }

    /// A read-only GET with this token, decoded as JSON (the diagnosis reads providers and
    /// applications through it).
    pub async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        what: &str,
    ) -> Result<T, ApiError> {
        self.endpoint
            .json(self.get(&self.endpoint.url(path)), what)
            .await
    }

    /// Every user, following `pagination.next` until it runs out, within a page cap and a
    /// deadline. A `next` link to another server is refused: the token goes only to the
    /// configured one.
    pub async fn list_users(&self) -> Result<Vec<AuthentikUser>, ApiError> {
        let mut pages = Pages::new(System::Authentik, "list users");
        let mut users = Vec::new();
        let mut url = self
            .endpoint
            .url(&format!("/api/v3/core/users/?page=1&page_size={PAGE_SIZE}"));
        loop {
            let page: Page = pages
                .next(self.endpoint.json(self.get(&url), "list users"))
                .await?;
            users.extend(page.results);
            let next = page.pagination.map_or(Value::Null, |p| p.next);
            url = match next {
                Value::Number(n) if n.as_u64().unwrap_or(0) > 0 => self.endpoint.url(&format!(
                    "/api/v3/core/users/?page={n}&page_size={PAGE_SIZE}"
                )),
                Value::String(s) if s.starts_with("http") => {
                    if !self.endpoint.is_same_origin(&s) {
                        return Err(ApiError::Decode {
                            system: System::Authentik,
                            what: "list users".into(),
                            reason: format!(
                                "the next page is on another server ({}); not followed",
                                crate::redact::mask_url_passwords(&s)
                            ),
                        });
                    }
                    s
                }
                _ => return Ok(users),
            };
        }
    }

    /// The user with exactly this username, if any.
    pub async fn find_user(&self, username: &str) -> Result<Option<AuthentikUser>, ApiError> {
        let request = self
            .get(&self.endpoint.url("/api/v3/core/users/"))
            .query(&[("username", username)]);
        let page: Page = self.endpoint.json(request, "find user").await?;
        Ok(page.results.into_iter().find(|u| u.username == username))
    }

    /// Creates an active user without a password (Authentik's API has no password field here).
    pub async fn create_user(
        &self,
        username: &str,
        name: &str,
        email: &str,
    ) -> Result<AuthentikUser, ApiError> {
        self.endpoint.guard("create user")?;
        let body = json!({
            "username": username,
            "name": name,
            "email": email,
            "is_active": true,
            "path": "users",
        });
        let request = self
            .endpoint
            .client
            .post(self.endpoint.url("/api/v3/core/users/"))
            .bearer_auth(self.token.expose())
            .json(&body);
        self.endpoint.json(request, "create user").await
    }

    /// Adds the user `user_pk` to the group named `group` (`groups/{uuid}/add_user/`).
    pub async fn add_to_group(&self, user_pk: i64, group: &str) -> Result<(), ApiError> {
        self.endpoint.guard("add a user to a group")?;
        let request = self
            .get(&self.endpoint.url("/api/v3/core/groups/"))
            .query(&[("name", group)]);
        let page: GroupPage = self.endpoint.json(request, "find group").await?;
        let Some(found) = page.results.into_iter().find(|g| g.name == group) else {
            return Err(ApiError::Refused {
                system: System::Authentik,
                message: format!("there is no group named {group:?}"),
            });
        };
        let request = self
            .endpoint
            .client
            .post(
                self.endpoint
                    .url(&format!("/api/v3/core/groups/{}/add_user/", found.pk)),
            )
            .bearer_auth(self.token.expose())
            .json(&json!({ "pk": user_pk }));
        self.endpoint
            .send(request, "add to group")
            .await
            .map(|_| ())
    }

    pub async fn set_password(&self, pk: i64, password: &Sensitive) -> Result<(), ApiError> {
        self.endpoint.guard("set a password")?;
        let mut endpoint = self.endpoint.clone();
        endpoint.secrets.push(password.clone());
        let request = endpoint
            .client
            .post(endpoint.url(&format!("/api/v3/core/users/{pk}/set_password/")))
            .bearer_auth(self.token.expose())
            .json(&json!({ "password": password.expose() }));
        endpoint.send(request, "set password").await.map(|_| ())
    }
}
