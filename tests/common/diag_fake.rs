//! Contract fakes for the SSO checks: Authentik (health, applications, OAuth2 providers in
//! either redirect form, discovery documents, users) and Coder (login, users, deployment config).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::missing_panics_doc,
    clippy::needless_pass_by_value
)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{json, Value};

use crate::fake_http::{serve, Request, Response};

pub const TOKEN: &str = "diag-ak-token-41c2";
pub const CODER_EMAIL: &str = "admin@example.com";
pub const CODER_PASSWORD: &str = "diag-coder-pass";
pub const SESSION: &str = "diag-session-77aa";
pub const ACCESS: &str = "http://host.docker.internal:7080";
/// A Docker host where no engine answers: the fakes stand in for services that have no
/// container, so what the engine would say about them is unknown rather than "not deployed".
pub const NO_ENGINE: &str = "unix:///nonexistent/poc-tui-test-no-engine.sock";

#[derive(Debug, Default)]
pub struct World {
    pub applications: Vec<Value>,
    pub providers: Vec<Value>,
    /// slug → the issuer its discovery document states (default: the URL it was fetched under).
    pub issuers: HashMap<String, String>,
    pub ak_users: Vec<Value>,
    pub coder_users: Vec<Value>,
    /// What `GET /api/v2/workspaces` lists.
    pub coder_workspaces: Vec<Value>,
    pub deployment: Value,
    /// What `GET /api/v2/debug/health` answers.
    pub health: Value,
    pub ak_base: String,
}

impl World {
    pub fn provider(&mut self, slug: &str, redirect_uris: Value) {
        let pk = i64::try_from(self.providers.len()).unwrap() + 1;
        let flow = |n: u8| format!("7d1e0f2a-0000-4000-8000-0000000000{n:02}");
        // The fields of a provider as Authentik's schema (authentik-client) has them.
        let base = json!({
            "pk": pk, "name": format!("{slug}-provider"), "authentication_flow": null,
            "authorization_flow": flow(1), "invalidation_flow": flow(2), "property_mappings": [],
            "component": "ak-provider-oauth2-form", "assigned_application_slug": slug,
            "assigned_application_name": slug, "assigned_backchannel_application_slug": "",
            "assigned_backchannel_application_name": "", "verbose_name": "OAuth2/OpenID Provider",
            "verbose_name_plural": "OAuth2/OpenID Providers",
            "meta_model_name": "authentik_providers_oauth2.oauth2provider",
        });
        let mut full = base.clone();
        for (k, v) in json!({
            "client_id": format!("{slug}-id"), "client_type": "confidential",
            "redirect_uris": redirect_uris, "signing_key": "3f1c0000-0000-4000-8000-000000000001",
            "sub_mode": "hashed_user_id", "issuer_mode": "per_provider",
            "include_claims_in_id_token": true,
        })
        .as_object()
        .unwrap()
        {
            full[k] = v.clone();
        }
        self.providers.push(full);
        let n = self.applications.len() + 1;
        self.applications.push(json!({
            "pk": format!("a9c00000-0000-4000-8000-{n:012}"),
            "pbm_uuid": format!("b8d00000-0000-4000-8000-{n:012}"),
            "name": slug, "slug": slug, "provider": pk, "provider_obj": base,
            "backchannel_providers": [], "backchannel_providers_obj": [], "launch_url": null,
            "meta_icon_url": null, "meta_icon_themed_urls": null, "meta_launch_url": "",
            "meta_description": "", "meta_publisher": "", "policy_engine_mode": "any",
            "open_in_new_tab": false, "group": "",
        }));
    }

    pub fn ak_user(&mut self, username: &str) {
        let pk = i64::try_from(self.ak_users.len()).unwrap() + 100;
        self.ak_users.push(json!({
            "pk": pk, "username": username, "name": username, "email": format!("{username}@example.com"),
            "is_active": true, "is_superuser": false, "groups": [], "groups_obj": [],
            "uid": format!("uid-{username}"), "type": "internal", "path": "users", "attributes": {},
            "avatar": "", "roles": [], "roles_obj": [], "date_joined": "2024-01-01T00:00:00Z",
            "password_change_date": "2024-01-01T00:00:00Z", "last_updated": "2024-01-01T00:00:00Z",
            "uuid": format!("0b5e4a3c-0000-4000-8000-{pk:012}"), "last_login": null,
        }));
    }

    pub fn coder_user(&mut self, username: &str, login_type: &str, owner: bool) {
        let roles = if owner {
            json!([{"name": "owner", "display_name": "Owner"}])
        } else {
            json!([])
        };
        self.coder_users.push(json!({
            "id": format!("id-{username}"), "username": username, "email": format!("{username}@example.com"),
            "name": username, "status": "active", "login_type": login_type, "roles": roles,
            "organization_ids": [],
        }));
    }
}

#[derive(Clone)]
pub struct Fakes {
    pub world: Arc<Mutex<World>>,
    pub authentik: String,
    pub coder: String,
}

fn authentik(w: &World, req: &Request) -> Response {
    let path = req.path.as_str();
    if req.method == "GET" && (path == "/-/health/ready/" || path == "/-/health/live/") {
        return Response::empty(200);
    }
    if let Some(rest) = path.strip_prefix("/application/o/") {
        if let Some(slug) = rest.strip_suffix("/.well-known/openid-configuration") {
            if !w.applications.iter().any(|a| a["slug"] == slug) {
                return Response::json(404, &json!({"detail": "Not found."}));
            }
            let base = format!("{}/application/o/{slug}/", w.ak_base);
            let issuer = w.issuers.get(slug).cloned().unwrap_or_else(|| base.clone());
            return Response::json(
                200,
                &json!({
                    "issuer": issuer,
                    "authorization_endpoint": format!("{}/application/o/authorize/", w.ak_base),
                    "token_endpoint": format!("{}/application/o/token/", w.ak_base),
                    "jwks_uri": format!("{base}jwks/"),
                    "response_types_supported": ["code"],
                    "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                }),
            );
        }
    }
    if req.header("authorization") != Some(&format!("Bearer {TOKEN}")) {
        return Response::json(
            403,
            &json!({"detail": "Authentication credentials were not provided."}),
        );
    }
    let page = |results: &[Value]| {
        json!({"pagination": {"next": 0, "previous": 0, "count": results.len(), "current": 1,
               "total_pages": 1, "start_index": 1, "end_index": results.len()},
               "results": results, "autocomplete": {}})
    };
    match (req.method.as_str(), path) {
        ("GET", "/api/v3/core/applications/") => Response::json(200, &page(&w.applications)),
        ("GET", "/api/v3/providers/oauth2/") => Response::json(200, &page(&w.providers)),
        ("GET", "/api/v3/core/users/") => Response::json(200, &page(&w.ak_users)),
        _ => Response::json(404, &json!({"detail": "Not found."})),
    }
}

fn coder(w: &World, req: &Request) -> Response {
    if req.method == "POST" && req.path == "/api/v2/users/login" {
        let body = req.json();
        if body["email"] == CODER_EMAIL && body["password"] == CODER_PASSWORD {
            return Response::json(201, &json!({"session_token": SESSION}));
        }
        return Response::json(401, &json!({"message": "Incorrect email or password."}));
    }
    if req.header("coder-session-token") != Some(SESSION) {
        return Response::json(
            401,
            &json!({"message": "You must be logged in to use this endpoint."}),
        );
    }
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/api/v2/users") => {
            let offset: usize = req
                .query
                .get("offset")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let users: Vec<Value> = w.coder_users.iter().skip(offset).cloned().collect();
            Response::json(200, &json!({"users": users, "count": w.coder_users.len()}))
        }
        ("GET", "/api/v2/deployment/config") => Response::json(200, &w.deployment),
        ("GET", "/api/v2/debug/health") => Response::json(200, &w.health),
        ("GET", "/api/v2/workspaces") => {
            let offset: usize = req
                .query
                .get("offset")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let page: Vec<Value> = w.coder_workspaces.iter().skip(offset).cloned().collect();
            Response::json(
                200,
                &json!({"workspaces": page, "count": w.coder_workspaces.len()}),
            )
        }
        _ => Response::json(404, &json!({"message": "Route not found."})),
    }
}

/// Coder's health report with every section ok (the shape of `codersdk/healthsdk`).
pub fn healthy_report() -> Value {
    let ok = json!({"severity": "ok", "healthy": true, "warnings": [], "dismissed": false});
    json!({
        "time": "2026-01-01T00:00:00Z", "healthy": true, "severity": "ok",
        "coder_version": "v2.15.0+diag",
        "access_url": {"severity": "ok", "healthy": true, "warnings": [], "dismissed": false,
            "access_url": ACCESS, "reachable": true, "status_code": 200, "healthz_response": "OK"},
        "database": {"severity": "ok", "healthy": true, "warnings": [], "dismissed": false,
            "reachable": true, "latency_ms": 2, "threshold_ms": 15},
        "derp": ok, "websocket": ok, "workspace_proxy": ok, "provisioner_daemons": ok,
    })
}

impl Fakes {
    /// A consistent, healthy world: every client has a provider accepting its callback.
    pub fn healthy() -> Self {
        let world = Arc::new(Mutex::new(World::default()));
        let w1 = world.clone();
        let authentik_url = serve(Arc::new(move |req| authentik(&w1.lock().unwrap(), &req)));
        let w2 = world.clone();
        let coder_url = serve(Arc::new(move |req| coder(&w2.lock().unwrap(), &req)));
        {
            let mut w = world.lock().unwrap();
            w.ak_base.clone_from(&authentik_url);
            w.provider("coder", json!([{"matching_mode": "strict", "url": format!("{ACCESS}/api/v2/users/oidc/callback")}]));
            // A regex entry, as many set-ups register Gitea.
            w.provider("gitea", json!([{"matching_mode": "regex", "url": "http://localhost:3000/user/oauth2/[^/]+/callback"}]));
            // The older newline-separated string form.
            w.provider("minio", json!("http://localhost:9001/oauth_callback\nhttp://127\\.0\\.0\\.1:9001/oauth_callback"));
            w.provider(
                "platform-admin",
                json!([{"matching_mode": "strict", "url": "http://localhost:8080/auth/callback"}]),
            );
            for u in [
                "akadmin",
                "appmanager",
                "contractor1",
                "contractor2",
                "contractor3",
                "readonly",
            ] {
                w.ak_user(u);
            }
            w.coder_user("admin", "password", true);
            for u in [
                "appmanager",
                "contractor1",
                "contractor2",
                "contractor3",
                "readonly",
            ] {
                w.coder_user(u, "oidc", false);
            }
            w.health = healthy_report();
            w.deployment = json!({"config": {
                "access_url": ACCESS, "wildcard_access_url": "", "disable_path_apps": false,
                "redirect_to_access_url": false,
                "oidc": {"issuer_url": format!("{authentik_url}/application/o/coder/"), "client_id": "coder-id"}
            }, "options": []});
        }
        Fakes {
            world,
            authentik: authentik_url,
            coder: coder_url,
        }
    }

    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap()
    }

    /// A config layer: credentials at the fakes, services matching no container, SSO at the fakes.
    pub fn config_toml(&self, with_token: bool) -> String {
        let mut text = String::from("[stack]\ncompose_project = \"poctui-test-diag-sso-none\"\n\n");
        for key in poc_tui::config::embedded_service_keys() {
            let key = key.as_str();
            let _ = write!(
                text,
                "[services.{key}]\ncontainer = \"poctui-test-diag-sso-absent-{key}\"\n"
            );
            match key {
                "coder" => {
                    let _ = write!(
                        text,
                        "host_url = \"{}\"\nbrowser_url = \"{ACCESS}\"\n",
                        self.coder
                    );
                }
                "authentik" => {
                    let _ = writeln!(text, "host_url = \"{}\"", self.authentik);
                }
                _ => {}
            }
            text.push('\n');
        }
        let _ = write!(
            text,
            "[sso]\nissuer_base = \"{ak}/application/o/\"\n\n\
             [sso.clients.gitea]\nissuer = \"{ak}/application/o/gitea/\"\n\n\
             [sso.clients.minio]\nissuer = \"{ak}/application/o/minio/\"\n\n[network]\ncoder_access_url = \"{ACCESS}\"\n\n\
             [credentials.coder]\nurl = \"{coder}\"\nemail = \"{CODER_EMAIL}\"\npassword = \"{CODER_PASSWORD}\"\n\n\
             [credentials.gitea]\nurl = \"http://127.0.0.1:{closed}\"\nusername = \"gitea\"\npassword = \"x\"\n\n\
             [credentials.authentik]\nurl = \"{ak}\"\n{token}\n",
            ak = self.authentik,
            coder = self.coder,
            closed = crate::common::closed_port(),
            token = if with_token { format!("token = \"{TOKEN}\"") } else { "token = { env = \"POC_TUI_TEST_NO_SUCH_VAR\" }".to_owned() },
        );
        text
    }
}
