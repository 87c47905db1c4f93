//! A contract fake of Coder's workspace endpoints, in the documented shapes: the password
//! login, `GET /api/v2/users` and `GET /api/v2/workspaces` paginated by `limit`/`offset`
//! with `count`, 401 without a session; `POST /api/v2/workspaces/{id}/builds` and
//! `GET /api/v2/workspacebuilds/{id}`, each build `pending`, then in progress, then done
//! (`stopped` or `running`) over the reads that follow it.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use super::fake_http::{serve, Request, Response};

pub const EMAIL: &str = "owner@example.com";
pub const PASSWORD: &str = "ws-owner-pass-3e1";
pub const SESSION: &str = "ws-session-8f2a";

#[derive(Debug, Default)]
pub struct Coder {
    pub workspaces: Vec<Value>,
    pub users: Vec<Value>,
    /// Largest page handed out, so lists span pages.
    pub page_size: usize,
    pub logins: usize,
    pub logouts: usize,
    /// Logout requests, also those of a session the fake no longer holds.
    pub logout_attempts: usize,
    pub list_calls: usize,
    /// Sessions handed out and not ended.
    pub sessions: Vec<String>,
    /// Every build asked for, in order: (workspace id, request body).
    pub builds_posted: Vec<(String, Value)>,
    /// Builds by id: (transition, status, reads so far).
    pub builds: Vec<(String, String, String, usize)>,
    /// Reads of a build, in order: (build id, status answered).
    pub build_reads: Vec<(String, String)>,
    /// The next build of this transition fails with this job error.
    pub fail_next: Option<(String, String)>,
}

impl Coder {
    pub fn add_user(&mut self, username: &str) {
        self.users.push(json!({
            "id": format!("u-{username}"), "username": username,
            "email": format!("{username}@example.com"), "status": "active",
            "login_type": "password", "roles": [],
        }));
    }

    /// A started workspace with one agent in the given status and lifecycle.
    pub fn add_workspace(&mut self, id: &str, owner: &str, name: &str, agent: (&str, &str)) {
        let (status, lifecycle) = agent;
        let connected = status == "connected";
        self.workspaces.push(json!({
            "id": id, "name": name, "owner_id": format!("u-{owner}"), "owner_name": owner,
            "template_name": "docker", "template_active_version_id": "tv-2",
            "outdated": false,
            "latest_build": {
                "id": format!("b-{id}"), "build_number": 3, "transition": "start",
                "status": "running", "created_at": "2026-12-01T10:00:00.123456Z",
                "updated_at": "2026-12-01T10:01:00.654321Z", "template_version_id": "tv-2",
                "job": {"status": "succeeded", "error": null},
                "resources": [{"id": format!("r-{id}"), "type": "docker_container",
                    "name": "workspace", "agents": [{
                        "id": format!("a-{id}"), "name": "main", "status": status,
                        "lifecycle_state": lifecycle,
                        "last_connected_at": if connected { json!("2026-12-01T10:02:00Z") } else { Value::Null },
                        "health": {"healthy": connected,
                                   "reason": if connected { Value::Null } else { json!("agent is not connected") }},
                        "version": "v2.16.0"
                    }]}]
            }
        }));
    }

    /// A workspace whose latest build is a stop (no agent, no container).
    pub fn add_stopped(&mut self, id: &str, owner: &str, name: &str) {
        self.workspaces.push(json!({
            "id": id, "name": name, "owner_id": format!("u-{owner}"), "owner_name": owner,
            "template_name": "docker", "template_active_version_id": "tv-2", "outdated": true,
            "latest_build": {
                "id": format!("b-{id}"), "transition": "stop", "status": "stopped",
                "created_at": "2026-12-01T09:00:00Z", "updated_at": "2026-12-01T09:00:30Z",
                "template_version_id": "tv-1", "job": {"status": "succeeded"}, "resources": []
            }
        }));
    }
}

pub struct FakeCoder {
    pub url: String,
    pub state: Arc<Mutex<Coder>>,
}

impl FakeCoder {
    pub fn start(page_size: usize) -> Self {
        let state = Arc::new(Mutex::new(Coder {
            page_size,
            ..Coder::default()
        }));
        let shared = Arc::clone(&state);
        let url = serve(Arc::new(move |req: Request| {
            let mut c = shared.lock().expect("fake state");
            handle(&mut c, &req)
        }));
        FakeCoder { url, state }
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut Coder) -> R) -> R {
        f(&mut self.state.lock().expect("fake state"))
    }

    /// The `[credentials.coder]` table pointing at this fake.
    pub fn credentials_toml(&self) -> String {
        format!(
            "[credentials.coder]\nurl = \"{}\"\nemail = \"{EMAIL}\"\npassword = \"{PASSWORD}\"\n",
            self.url
        )
    }
}

fn error(status: u16, message: &str) -> Response {
    Response::json(status, &json!({"message": message, "detail": ""}))
}

fn page(all: &[Value], req: &Request, max: usize) -> (Vec<Value>, usize) {
    let offset: usize = req
        .query
        .get("offset")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let limit: usize = req
        .query
        .get("limit")
        .and_then(|v| v.parse().ok())
        .unwrap_or(max);
    let size = limit.min(max.max(1));
    (
        all.iter().skip(offset).take(size).cloned().collect(),
        all.len(),
    )
}

fn handle(c: &mut Coder, req: &Request) -> Response {
    if (req.method.as_str(), req.path.as_str()) == ("POST", "/api/v2/users/login") {
        let body = req.json();
        if body["email"] != EMAIL || body["password"] != PASSWORD {
            return error(401, "Incorrect email or password.");
        }
        c.logins += 1;
        let token = format!("{SESSION}-{}", c.logins);
        c.sessions.push(token.clone());
        return Response::json(201, &json!({"session_token": token}));
    }
    let session = req
        .header("coder-session-token")
        .unwrap_or_default()
        .to_owned();
    if req.method == "POST" && req.path == "/api/v2/users/logout" {
        c.logout_attempts += 1;
    }
    if !c.sessions.contains(&session) {
        return error(401, "You must be logged in to access this resource.");
    }
    match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/api/v2/users/logout") => {
            c.sessions.retain(|s| *s != session);
            c.logouts += 1;
            Response::json(200, &json!({"message": "Logged out."}))
        }
        ("POST", path) if path.starts_with("/api/v2/workspaces/") && path.ends_with("/builds") => {
            let id = path
                .trim_start_matches("/api/v2/workspaces/")
                .trim_end_matches("/builds")
                .to_owned();
            if !c.workspaces.iter().any(|w| w["id"] == id.as_str()) {
                return error(
                    404,
                    "Resource not found or you do not have access to this resource",
                );
            }
            let body = req.json();
            let transition = body["transition"].as_str().unwrap_or_default().to_owned();
            if !["start", "stop", "delete"].contains(&transition.as_str()) {
                return error(400, "Invalid transition.");
            }
            c.builds_posted.push((id.clone(), body));
            let build_id = format!("bld-{}", c.builds_posted.len());
            c.builds
                .push((build_id.clone(), transition.clone(), "pending".into(), 0));
            Response::json(201, &build_json(&build_id, &transition, "pending", None))
        }
        ("GET", path) if path.starts_with("/api/v2/workspacebuilds/") => {
            let id = path
                .trim_start_matches("/api/v2/workspacebuilds/")
                .to_owned();
            let fail = c.fail_next.clone();
            let Some(build) = c.builds.iter_mut().find(|b| b.0 == id) else {
                return error(
                    404,
                    "Resource not found or you do not have access to this resource",
                );
            };
            build.3 += 1;
            let failing = fail.as_ref().filter(|(t, _)| *t == build.1);
            build.2 = match (build.1.as_str(), build.3, failing) {
                (_, 1, _) => if build.1 == "stop" {
                    "stopping"
                } else {
                    "starting"
                }
                .into(),
                (_, _, Some(_)) => "failed".into(),
                ("stop", _, None) => "stopped".into(),
                _ => "running".into(),
            };
            let (transition, status) = (build.1.clone(), build.2.clone());
            c.build_reads.push((id.clone(), status.clone()));
            let error_text = failing
                .map(|(_, e)| e.clone())
                .filter(|_| status == "failed");
            Response::json(
                200,
                &build_json(&id, &transition, &status, error_text.as_deref()),
            )
        }
        ("GET", "/api/v2/users") => {
            let (users, count) = page(&c.users, req, c.page_size);
            Response::json(200, &json!({"users": users, "count": count}))
        }
        ("GET", "/api/v2/workspaces") => {
            c.list_calls += 1;
            let (workspaces, count) = page(&c.workspaces, req, c.page_size);
            Response::json(200, &json!({"workspaces": workspaces, "count": count}))
        }
        _ => error(404, "Route not found."),
    }
}

/// A workspace build in Coder's shape.
fn build_json(id: &str, transition: &str, status: &str, error: Option<&str>) -> Value {
    json!({
        "id": id, "build_number": 4, "transition": transition, "status": status,
        "created_at": "2026-12-01T11:00:00Z", "updated_at": "2026-12-01T11:00:01Z",
        "template_version_id": "tv-2",
        "job": {"status": if status == "failed" { "failed" } else { "running" }, "error": error},
        "resources": []
    })
}
