//! Contract-faithful fakes of Authentik, Gitea and Coder, built from the documented request
//! and response shapes: their auth checks, error answers and pagination.
#![allow(dead_code)]

use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{json, Value};

use super::fake_http::{serve, Handler, Request, Response};

pub const AK_TOKEN: &str = "ak-token-7f3e9c";
pub const GITEA_USER: &str = "gitea";
pub const GITEA_PASSWORD: &str = "gitea-pass-4b1d";
pub const CODER_EMAIL: &str = "admin@example.com";
pub const CODER_PASSWORD: &str = "coder-pass-9a8b";
pub const CODER_SESSION: &str = "coder-session-5c6d";

/// A request as the fake saw it (secrets included: tests assert on it, nothing prints it).
#[derive(Debug, Clone)]
pub struct Seen {
    pub system: &'static str,
    pub method: String,
    pub path: String,
    pub body: Value,
}

/// One planned failure: the next request matching method and path fragment gets `status`.
#[derive(Debug, Clone)]
pub struct Failure {
    pub system: &'static str,
    pub method: &'static str,
    pub path_contains: &'static str,
    pub status: u16,
}

/// One planned slow answer: the next request matching method and path fragment is answered
/// only after `hold`.
#[derive(Debug, Clone)]
pub struct Delay {
    pub system: &'static str,
    pub method: &'static str,
    pub path_contains: &'static str,
    pub hold: std::time::Duration,
}

#[derive(Debug, Default)]
pub struct World {
    pub authentik: Vec<Value>,
    pub ak_groups: Vec<Value>,
    pub gitea: Vec<Value>,
    pub coder: Vec<Value>,
    /// (owner username, workspace name)
    pub workspaces: Vec<(String, String)>,
    pub ak_passwords: Vec<(i64, String)>,
    /// Largest page any fake hands out, so lists span several pages.
    pub page_size: usize,
    pub seen: Vec<Seen>,
    pub failures: Vec<Failure>,
    pub delays: Vec<Delay>,
    /// Coder sessions handed out by a login and not yet ended by a logout.
    pub coder_sessions: Vec<String>,
    pub coder_logins: usize,
    pub coder_logouts: usize,
    next_id: i64,
}

impl World {
    fn id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn add_authentik(&mut self, username: &str, email: &str, active: bool) {
        let pk = self.id();
        self.authentik.push(json!({
            "pk": pk, "username": username, "name": username, "email": email,
            "is_active": active, "is_superuser": false, "groups": [], "groups_obj": [],
            "uid": format!("uid-{username}"), "type": "internal", "path": "users",
            "attributes": {}, "avatar": "", "last_login": null, "roles": [], "roles_obj": [],
            "date_joined": "2024-01-01T00:00:00Z", "password_change_date": "2024-01-01T00:00:00Z",
            "last_updated": "2024-01-01T00:00:00Z",
            "uuid": format!("0b5e4a3c-0000-4000-8000-{pk:012}"),
        }));
    }

    pub fn add_group(&mut self, name: &str, superuser: bool) {
        let n = self.id();
        self.ak_groups.push(json!({
            "pk": format!("6f1d2c3b-0000-4000-8000-{n:012}"), "num_pk": n, "name": name,
            "is_superuser": superuser, "parents": [], "parents_obj": [], "users": [],
            "users_obj": [], "attributes": {}, "roles": [], "roles_obj": [],
            "inherited_roles_obj": [], "children": [], "children_obj": [],
        }));
    }

    /// Puts an Authentik user in a group (both sides, as Authentik lists them).
    pub fn join_group(&mut self, username: &str, group: &str) {
        let Some(g) = self.ak_groups.iter_mut().find(|g| g["name"] == group) else {
            return;
        };
        let (uuid, superuser) = (g["pk"].clone(), g["is_superuser"].clone());
        let Some(u) = self
            .authentik
            .iter_mut()
            .find(|u| u["username"] == username)
        else {
            return;
        };
        let pk = u["pk"].clone();
        if let Some(list) = u["groups"].as_array_mut() {
            list.push(uuid);
        }
        if let Some(list) = u["groups_obj"].as_array_mut() {
            list.push(json!({"name": group, "is_superuser": superuser}));
        }
        if let Some(g) = self.ak_groups.iter_mut().find(|g| g["name"] == group) {
            if let Some(users) = g["users"].as_array_mut() {
                users.push(pk);
            }
        }
    }

    /// The group names an Authentik user is in.
    pub fn groups_of(&self, username: &str) -> Vec<String> {
        self.authentik_user(username)
            .and_then(|u| u["groups_obj"].as_array())
            .map(|l| {
                l.iter()
                    .filter_map(|g| g["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn add_gitea(
        &mut self,
        login: &str,
        email: &str,
        restricted: bool,
        admin: bool,
        source_id: i64,
    ) {
        let id = self.id();
        let login_name = if source_id == 0 {
            String::new()
        } else {
            format!("uid-{login}")
        };
        self.gitea.push(json!({
            "id": id, "login": login, "login_name": login_name, "source_id": source_id,
            "full_name": login, "email": email, "avatar_url": "", "html_url": "",
            "language": "", "is_admin": admin, "last_login": "2024-01-01T00:00:00Z",
            "created": "2024-01-01T00:00:00Z", "restricted": restricted, "active": true,
            "prohibit_login": false, "location": "", "website": "", "description": "",
            "visibility": "public", "followers_count": 0, "following_count": 0,
            "starred_repos_count": 0, "username": login,
        }));
    }

    pub fn add_coder(&mut self, username: &str, email: &str, login_type: &str, owner: bool) {
        let id = format!("00000000-0000-0000-0000-{:012}", self.id());
        let roles = if owner {
            json!([{"name": "owner", "display_name": "Owner"}])
        } else {
            json!([])
        };
        self.coder.push(json!({
            "id": id, "username": username, "email": email, "name": username,
            "created_at": "2024-01-01T00:00:00Z", "last_seen_at": "2024-01-01T00:00:00Z",
            "status": "active", "login_type": login_type, "roles": roles,
            "organization_ids": [], "avatar_url": "", "theme_preference": "",
        }));
    }

    pub fn gitea_user(&self, login: &str) -> Option<&Value> {
        self.gitea.iter().find(|u| u["login"] == login)
    }
    pub fn coder_user(&self, username: &str) -> Option<&Value> {
        self.coder.iter().find(|u| u["username"] == username)
    }
    pub fn authentik_user(&self, username: &str) -> Option<&Value> {
        self.authentik.iter().find(|u| u["username"] == username)
    }

    pub fn changes(&self) -> Vec<&Seen> {
        self.seen
            .iter()
            .filter(|s| {
                s.method != "GET" && !s.path.ends_with("/login") && !s.path.ends_with("/logout")
            })
            .collect()
    }

    fn take_failure(&mut self, system: &str, req: &Request) -> Option<u16> {
        let i = self.failures.iter().position(|f| {
            f.system == system && f.method == req.method && req.path.contains(f.path_contains)
        })?;
        Some(self.failures.remove(i).status)
    }
}

#[derive(Clone)]
pub struct FakeStack {
    pub world: Arc<Mutex<World>>,
    pub authentik_url: String,
    pub gitea_url: String,
    pub coder_url: String,
}

impl FakeStack {
    pub fn start(page_size: usize) -> Self {
        let world = Arc::new(Mutex::new(World {
            page_size,
            ..World::default()
        }));
        let route = |system: &'static str, f: fn(&mut World, &Request) -> Response| -> Handler {
            let world = world.clone();
            Arc::new(move |req: Request| {
                let mut w = world
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                w.seen.push(Seen {
                    system,
                    method: req.method.clone(),
                    path: req.path.clone(),
                    body: req.json(),
                });
                if let Some(status) = w.take_failure(system, &req) {
                    return Response::json(
                        status,
                        &json!({"detail": "injected failure", "message": "injected failure"}),
                    );
                }
                let delay = w
                    .delays
                    .iter()
                    .position(|d| {
                        d.system == system
                            && d.method == req.method
                            && req.path.contains(d.path_contains)
                    })
                    .map(|i| w.delays.remove(i).hold);
                let mut response = f(&mut w, &req);
                response.delay = delay;
                response
            })
        };
        let authentik_url = serve(route("authentik", authentik));
        let gitea_url = serve(route("gitea", gitea));
        let coder_url = serve(route("coder", coder));
        FakeStack {
            world,
            authentik_url,
            gitea_url,
            coder_url,
        }
    }

    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A config layer pointing poc-tui's credentials at the fakes.
    pub fn config_toml(&self) -> String {
        format!(
            "[credentials.authentik]\nurl = \"{}\"\ntoken = \"{AK_TOKEN}\"\n\n\
             [credentials.gitea]\nurl = \"{}\"\nusername = \"{GITEA_USER}\"\npassword = \"{GITEA_PASSWORD}\"\n\n\
             [credentials.coder]\nurl = \"{}\"\nemail = \"{CODER_EMAIL}\"\npassword = \"{CODER_PASSWORD}\"\n",
            self.authentik_url, self.gitea_url, self.coder_url
        )
    }
}

fn page_of(all: &[Value], offset: usize, size: usize) -> Vec<Value> {
    all.iter().skip(offset).take(size).cloned().collect()
}

fn num(req: &Request, key: &str, default: usize) -> usize {
    req.query
        .get(key)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------- Authentik

#[allow(clippy::too_many_lines)] // the fake's routes, one table read top to bottom
fn authentik(w: &mut World, req: &Request) -> Response {
    if req.header("authorization") != Some(&format!("Bearer {AK_TOKEN}")) {
        return Response::json(
            403,
            &json!({"detail": "Authentication credentials were not provided."}),
        );
    }
    let path = req.path.as_str();
    match (req.method.as_str(), path) {
        ("GET", "/api/v3/core/users/") => {
            let filtered: Vec<Value> = w
                .authentik
                .iter()
                .filter(|u| {
                    req.query
                        .get("username")
                        .is_none_or(|n| u["username"] == n.as_str())
                })
                .cloned()
                .collect();
            let size = num(req, "page_size", 20).min(w.page_size).max(1);
            let page = num(req, "page", 1).max(1);
            let results = page_of(&filtered, (page - 1) * size, size);
            let total_pages = filtered.len().div_ceil(size).max(1);
            let next = if page < total_pages { page + 1 } else { 0 };
            Response::json(
                200,
                &json!({
                    "pagination": {"next": next, "previous": page - 1, "count": filtered.len(),
                                   "current": page, "total_pages": total_pages,
                                   "start_index": (page - 1) * size + 1, "end_index": (page - 1) * size + results.len()},
                    "results": results,
                    "autocomplete": {},
                }),
            )
        }
        ("GET", "/api/v3/core/groups/") => {
            let size = num(req, "page_size", 20).min(w.page_size).max(1);
            let page = num(req, "page", 1).max(1);
            let groups: Vec<Value> = w
                .ak_groups
                .iter()
                .filter(|g| {
                    req.query
                        .get("name")
                        .is_none_or(|n| g["name"] == n.as_str())
                })
                .cloned()
                .collect();
            let results = page_of(&groups, (page - 1) * size, size);
            let total_pages = groups.len().div_ceil(size).max(1);
            Response::json(
                200,
                &json!({
                    "pagination": {"next": if page < total_pages { page + 1 } else { 0 },
                                   "previous": page - 1, "count": groups.len(),
                                   "current": page, "total_pages": total_pages,
                                   "start_index": (page - 1) * size + 1,
                                   "end_index": (page - 1) * size + results.len()},
                    "results": results,
                    "autocomplete": {},
                }),
            )
        }
        ("POST", "/api/v3/core/users/") => {
            let body = req.json();
            let Some(username) = body["username"].as_str().filter(|s| !s.is_empty()) else {
                return Response::json(400, &json!({"username": ["This field is required."]}));
            };
            if body.get("name").and_then(Value::as_str).is_none() {
                return Response::json(400, &json!({"name": ["This field is required."]}));
            }
            if body.get("password").is_some() {
                // Not a field of this serializer: Authentik ignores it; the fake refuses so a
                // client that relies on it is caught.
                return Response::json(400, &json!({"password": ["Unknown field."]}));
            }
            if w.authentik_user(username).is_some() {
                return Response::json(400, &json!({"username": ["This field must be unique."]}));
            }
            let email = body["email"].as_str().unwrap_or_default().to_owned();
            w.add_authentik(
                username,
                &email,
                body["is_active"].as_bool().unwrap_or(true),
            );
            let created = w.authentik.last().cloned().unwrap_or(Value::Null);
            Response::json(201, &created)
        }
        ("POST", p) if p.starts_with("/api/v3/core/groups/") && p.ends_with("/add_user/") => {
            let uuid = p
                .trim_start_matches("/api/v3/core/groups/")
                .trim_end_matches("/add_user/");
            let Some(name) = w
                .ak_groups
                .iter()
                .find(|g| g["pk"] == uuid)
                .and_then(|g| g["name"].as_str().map(str::to_owned))
            else {
                return Response::json(
                    404,
                    &json!({"detail": "No Group matches the given query."}),
                );
            };
            let Some(pk) = req.json()["pk"].as_i64() else {
                return Response::json(400, &json!({"pk": ["This field is required."]}));
            };
            let Some(username) = w
                .authentik
                .iter()
                .find(|u| u["pk"] == pk)
                .and_then(|u| u["username"].as_str().map(str::to_owned))
            else {
                return Response::json(
                    400,
                    &json!({"pk": ["Invalid pk - object does not exist."]}),
                );
            };
            w.join_group(&username, &name);
            Response::empty(204)
        }
        ("POST", p) if p.starts_with("/api/v3/core/users/") && p.ends_with("/set_password/") => {
            let pk: i64 = p
                .trim_start_matches("/api/v3/core/users/")
                .trim_end_matches("/set_password/")
                .parse()
                .unwrap_or(-1);
            if !w.authentik.iter().any(|u| u["pk"] == pk) {
                return Response::json(404, &json!({"detail": "No User matches the given query."}));
            }
            let Some(password) = req.json()["password"].as_str().map(str::to_owned) else {
                return Response::json(400, &json!({"password": ["This field is required."]}));
            };
            w.ak_passwords.push((pk, password));
            let stamp = format!("2026-01-02T00:00:{:02}.000000Z", w.ak_passwords.len());
            if let Some(u) = w.authentik.iter_mut().find(|u| u["pk"] == pk) {
                u["password_change_date"] = Value::String(stamp);
            }
            Response::empty(204)
        }
        _ => Response::json(404, &json!({"detail": "Not found."})),
    }
}

// ---------------------------------------------------------------- Gitea

fn gitea(w: &mut World, req: &Request) -> Response {
    use base64_free::basic;
    let Some(auth) = req.header("authorization") else {
        return Response::json(401, &json!({"message": "token is required", "url": ""}));
    };
    if auth != basic(GITEA_USER, GITEA_PASSWORD) {
        return Response::json(
            401,
            &json!({"message": "user's password is invalid [uid: 1, name: gitea]", "url": ""}),
        );
    }
    let path = req.path.as_str();
    match (req.method.as_str(), path) {
        ("GET", "/api/v1/admin/users") => {
            let size = num(req, "limit", 30).min(w.page_size).max(1);
            let page = num(req, "page", 1).max(1);
            let results = page_of(&w.gitea, (page - 1) * size, size);
            Response::json(200, &Value::Array(results))
                .with_header("x-total-count", w.gitea.len().to_string())
        }
        ("POST", "/api/v1/admin/users") => {
            let body = req.json();
            let username = body["username"].as_str().unwrap_or_default().to_owned();
            let email = body["email"].as_str().unwrap_or_default().to_owned();
            let source_id = body["source_id"].as_i64().unwrap_or(0);
            if username.is_empty() || !email.contains('@') {
                return Response::json(
                    422,
                    &json!({"message": "[Username Email]: Required", "url": ""}),
                );
            }
            if source_id == 0 && body["password"].as_str().unwrap_or_default().is_empty() {
                return Response::json(400, &json!({"message": "password is required", "url": ""}));
            }
            if w.gitea.iter().any(|u| {
                u["login"]
                    .as_str()
                    .is_some_and(|l| l.eq_ignore_ascii_case(&username))
            }) {
                return Response::json(
                    422,
                    &json!({"message": format!("user already exists [name: {username}]"), "url": ""}),
                );
            }
            let restricted = body["restricted"].as_bool().unwrap_or(false);
            w.add_gitea(&username, &email, restricted, false, source_id);
            if let Some(u) = w.gitea.last_mut() {
                u["login_name"] = body.get("login_name").cloned().unwrap_or(json!(""));
                u["full_name"] = body["full_name"].clone();
            }
            Response::json(201, w.gitea.last().unwrap_or(&Value::Null))
        }
        ("PATCH", p) if p.starts_with("/api/v1/admin/users/") => {
            let name = p.trim_start_matches("/api/v1/admin/users/");
            let body = req.json();
            let Some(u) = w.gitea.iter_mut().find(|u| u["login"] == name) else {
                return Response::json(404, &json!({"message": "user does not exist", "url": ""}));
            };
            // As the real handler: login_name and source_id are always applied, so a body
            // without them blanks the OAuth link.
            u["login_name"] = body.get("login_name").cloned().unwrap_or(json!(""));
            u["source_id"] = body.get("source_id").cloned().unwrap_or(json!(0));
            for (field, key) in [
                ("admin", "is_admin"),
                ("restricted", "restricted"),
                ("active", "active"),
            ] {
                if let Some(v) = body.get(field).and_then(Value::as_bool) {
                    u[key] = json!(v);
                }
            }
            if let Some(v) = body
                .get("allow_create_organization")
                .and_then(Value::as_bool)
            {
                // Stored but, like Gitea, not part of the user JSON: keep it aside.
                u["_allow_create_organization"] = json!(v);
            }
            if let Some(v) = body.get("max_repo_creation") {
                u["_max_repo_creation"] = v.clone();
            }
            let shown = strip_private(u);
            Response::json(200, &shown)
        }
        _ => Response::json(404, &json!({"message": "not found", "url": ""})),
    }
}

fn strip_private(u: &Value) -> Value {
    let mut v = u.clone();
    if let Some(m) = v.as_object_mut() {
        m.retain(|k, _| !k.starts_with('_'));
    }
    v
}

/// Basic auth header without a base64 crate.
mod base64_free {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    pub fn encode(input: &[u8]) -> String {
        let mut out = String::new();
        for chunk in input.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
    pub fn basic(user: &str, pass: &str) -> String {
        format!("Basic {}", encode(format!("{user}:{pass}").as_bytes()))
    }
}

// ---------------------------------------------------------------- Coder

fn coder(w: &mut World, req: &Request) -> Response {
    let path = req.path.as_str();
    if req.method == "POST" && path == "/api/v2/users/login" {
        return coder_login(w, req);
    }
    if req.method == "POST" && path == "/__fake/sql" {
        return fake_sql(w, req);
    }
    let session = req.header("coder-session-token").unwrap_or_default();
    if !w.coder_sessions.iter().any(|s| s == session) {
        return Response::json(
            401,
            &json!({"message": "You must be logged in to perform this action."}),
        );
    }
    match (req.method.as_str(), path) {
        ("POST", "/api/v2/users/logout") => {
            let session = session.to_owned();
            w.coder_sessions.retain(|s| *s != session);
            w.coder_logouts += 1;
            Response::json(200, &json!({"message": "Successfully logged out."}))
        }
        ("GET", "/api/v2/users") => coder_users(w, req),
        ("POST", "/api/v2/users") => coder_create(w, req),
        ("GET", "/api/v2/workspaces") => coder_workspaces(w, req),
        ("GET", p) if p.starts_with("/api/v2/users/") => {
            coder_user(w, p.trim_start_matches("/api/v2/users/"))
        }
        ("DELETE", p) if p.starts_with("/api/v2/users/") => {
            coder_delete(w, p.trim_start_matches("/api/v2/users/"))
        }
        _ => Response::json(404, &json!({"message": "Route not found."})),
    }
}

/// Not Coder: the fake `docker exec … psql` of a test hands its SQL here, and the one
/// statement the login-type fix runs is applied to the fake's users.
/// The login-type update as Coder's database would run it: by id, live users only (a user
/// marked `"deleted": true` here is a deleted row of the `users` table), password logins
/// only. Any other statement is refused.
fn fake_sql(w: &mut World, req: &Request) -> Response {
    let sql = req.body.trim().to_owned();
    let prefix = "UPDATE users SET login_type='oidc' WHERE id='";
    let suffix = "' AND deleted = false AND login_type='password';";
    let Some(id) = sql
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(suffix))
    else {
        return Response::json(400, &json!({"message": format!("unexpected SQL: {sql}")}));
    };
    let mut n = 0;
    for u in &mut w.coder {
        if u["id"] == id && u["deleted"] != json!(true) && u["login_type"] == "password" {
            u["login_type"] = json!("oidc");
            n += 1;
        }
    }
    Response::json(200, &json!({"updated": n}))
}

fn coder_login(w: &mut World, req: &Request) -> Response {
    let body = req.json();
    let email = body["email"].as_str().unwrap_or_default();
    if let Some(u) = w.coder.iter().find(|u| u["email"] == email) {
        if u["login_type"] != "password" {
            let lt = u["login_type"].as_str().unwrap_or_default().to_owned();
            return Response::json(
                403,
                &json!({"message": format!("Incorrect login type, attempting to use \"password\" but user is of login type \"{lt}\"")}),
            );
        }
    }
    if email != CODER_EMAIL || body["password"] != CODER_PASSWORD {
        return Response::json(401, &json!({"message": "Incorrect email or password."}));
    }
    // Every login is a new session, as on the real server; the fixed prefix lets tests
    // look for a leaked session token.
    w.coder_logins += 1;
    let token = format!("{CODER_SESSION}-{}", w.coder_logins);
    w.coder_sessions.push(token.clone());
    Response::json(201, &json!({"session_token": token}))
}

fn coder_users(w: &World, req: &Request) -> Response {
    let size = num(req, "limit", 0);
    let size = if size == 0 {
        w.page_size
    } else {
        size.min(w.page_size)
    };
    let offset = num(req, "offset", 0);
    Response::json(
        200,
        &json!({"users": page_of(&w.coder, offset, size), "count": w.coder.len()}),
    )
}

fn coder_create(w: &mut World, req: &Request) -> Response {
    let body = req.json();
    let username = body["username"].as_str().unwrap_or_default().to_owned();
    let email = body["email"].as_str().unwrap_or_default().to_owned();
    let login_type = body["login_type"].as_str().unwrap_or("password").to_owned();
    if login_type == "password" && body["password"].as_str().unwrap_or_default().is_empty() {
        return Response::json(
            400,
            &json!({"message": "Validation failed.", "validations": [{"field": "password", "detail": "required"}]}),
        );
    }
    if w.coder
        .iter()
        .any(|u| u["username"] == username.as_str() || u["email"] == email.as_str())
    {
        return Response::json(409, &json!({"message": "User already exists."}));
    }
    w.add_coder(&username, &email, &login_type, false);
    Response::json(201, w.coder.last().unwrap_or(&Value::Null))
}

fn coder_workspaces(w: &World, req: &Request) -> Response {
    // `q=owner:NAME` lists one owner's workspaces; without it, every workspace (as Coder
    // answers an owner).
    let owner = req
        .query
        .get("q")
        .map(|q| q.strip_prefix("owner:").unwrap_or("").to_owned());
    let list: Vec<Value> = w
        .workspaces
        .iter()
        .filter(|(o, _)| owner.as_ref().is_none_or(|want| o == want))
        .map(|(o, n)| json!({"id": "ws", "name": n, "owner_name": o}))
        .collect();
    Response::json(200, &json!({"workspaces": list, "count": list.len()}))
}

fn coder_user(w: &World, key: &str) -> Response {
    match w
        .coder
        .iter()
        .find(|u| u["username"] == key || u["id"] == key)
    {
        Some(u) => Response::json(200, u),
        None => Response::json(
            404,
            &json!({"message": "Resource not found or you do not have access to this resource"}),
        ),
    }
}

fn coder_delete(w: &mut World, key: &str) -> Response {
    let Some(i) = w
        .coder
        .iter()
        .position(|u| u["id"] == key || u["username"] == key)
    else {
        return Response::json(
            404,
            &json!({"message": "Resource not found or you do not have access to this resource"}),
        );
    };
    let name = w.coder[i]["username"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if w.workspaces.iter().any(|(o, _)| *o == name) {
        return Response::json(
            400,
            &json!({"message": "You cannot remove a user with workspaces."}),
        );
    }
    w.coder.remove(i);
    Response::empty(200)
}
