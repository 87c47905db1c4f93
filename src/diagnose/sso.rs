//! The SSO checks: Authentik ready, a provider per OIDC client with a redirect URI that
//! accepts the callback the service really sends, issuers byte for byte from the host and
//! from inside the client's container, the `oauth_state` cookie trap, and users who will fail.

use serde::Deserialize;
use serde_json::Value;

use super::context::{authority_of, discovery_url, issuer_in, Ctx, Sourced};
use super::finding::{sections as s, Area, Finding, Severity};
use super::redirect::{self, MatchOutcome, RedirectForm, RedirectUri};
use crate::config::{join_url, SsoClientConfig};
use crate::identity::{compute, snapshot, FindingKind, System};

const AREA: Area = Area::Sso;

fn finding(check: &str, severity: Severity, subject: impl Into<String>) -> Finding {
    Finding::new(AREA, check, severity, subject)
}

/// An OAuth2 provider as the checks read it; unknown fields are ignored.
#[derive(Debug, Clone, Deserialize)]
pub struct Provider {
    pub pk: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub redirect_uris: Value,
    #[serde(default)]
    pub signing_key: Option<Value>,
    #[serde(default)]
    pub assigned_application_slug: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Application {
    pub slug: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub provider: Option<i64>,
}

#[derive(Deserialize)]
struct Page<T> {
    #[serde(default = "Vec::new")]
    results: Vec<T>,
}

/// What the SSO tab lists per client.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ClientView {
    pub client: String,
    pub slug: String,
    pub provider: Option<String>,
    pub redirect_form: Option<RedirectForm>,
    pub redirect_uris: Vec<RedirectUri>,
    pub expected_callback: String,
    pub configured_issuer: String,
}

/// Runs every SSO check; also returns the per-client view for the tab.
pub async fn run(ctx: &Ctx<'_>) -> (Vec<Finding>, Vec<ClientView>) {
    let mut out = vec![authentik_ready(ctx).await];
    let listing = providers(ctx).await;
    let mut views = Vec::new();
    if let Err(why) = &listing {
        out.push(why.clone());
    }
    for (name, client) in &ctx.config.sso.clients {
        let callback = expected_callback(ctx, name, client);
        let issuer = configured_issuer(ctx, name, client);
        let mut view = ClientView {
            client: name.clone(),
            slug: client.slug.clone(),
            provider: None,
            redirect_form: None,
            redirect_uris: Vec::new(),
            expected_callback: callback.value.clone(),
            configured_issuer: issuer.value.clone(),
        };
        if let Ok((apps, provs)) = &listing {
            out.extend(provider_checks(
                name, client, &callback, apps, provs, &mut view,
            ));
        }
        out.extend(issuer_checks(ctx, name, client, &issuer).await);
        views.push(view);
    }
    out.extend(oauth_state(ctx));
    out.extend(users(ctx).await);
    (out, views)
}

async fn authentik_ready(ctx: &Ctx<'_>) -> Finding {
    let check = "authentik-ready";
    let svc = ctx.config.services.get(&ctx.config.sso.provider_service);
    let base = svc.and_then(|s| s.host_url.clone()).or_else(|| {
        ctx.config
            .credentials
            .authentik
            .as_ref()
            .map(|c| c.url.clone())
    });
    let Some(base) = base else {
        return finding(check, Severity::Skipped, "Authentik")
            .summary("no host URL for the identity provider in the config")
            .fix(format!(
                "Set [services.{}] host_url.",
                ctx.config.sso.provider_service
            ));
    };
    let url = join_url(&base, "/-/health/ready/");
    match ctx.fetch_host(&url).await {
        Ok((status, _)) if (200..300).contains(&status) => finding(check, Severity::Ok, "Authentik")
            .summary("Authentik is ready")
            .evidence(format!("GET {url} → HTTP {status}")),
        Ok((status, body)) => finding(check, Severity::Fail, "Authentik")
            .summary("Authentik is not ready: SSO logins fail")
            .evidence(format!("GET {url} → HTTP {status}: {}", body.chars().take(100).collect::<String>()))
            .fix("Check authentik-server, authentik-worker, its database and redis (`docker compose ps`, `docker compose logs authentik-server`)."),
        Err(e) => finding(check, Severity::Fail, "Authentik")
            .summary("Authentik cannot be reached: SSO logins fail")
            .evidence(format!("GET {url}: {e}"))
            .fix("Start it: `docker compose up -d authentik-server authentik-worker`."),
    }
}

async fn providers(ctx: &Ctx<'_>) -> Result<(Vec<Application>, Vec<Provider>), Finding> {
    let check = "authentik-providers";
    let skipped = |why: String, fix: String| {
        finding(check, Severity::Skipped, "Authentik API")
            .summary("providers and redirect URIs not checked: the Authentik API cannot be read")
            .evidence(why)
            .fix(fix)
            .reference(s::SSO_REDIRECT)
    };
    let client = match ctx.clients.map(|c| &c.authentik) {
        Some(Ok(c)) => c,
        Some(Err(e)) => {
            return Err(skipped(
                e.short(),
                crate::identity::AUTHENTIK_TOKEN_HOWTO.to_owned(),
            ))
        }
        None => {
            return Err(skipped(
                ctx.clients_error
                    .clone()
                    .unwrap_or_else(|| "no clients".into()),
                crate::identity::AUTHENTIK_TOKEN_HOWTO.to_owned(),
            ))
        }
    };
    let apps = client
        .get_json::<Page<Application>>(
            "/api/v3/core/applications/?page_size=500",
            "list applications",
        )
        .await;
    let provs = client
        .get_json::<Page<Provider>>(
            "/api/v3/providers/oauth2/?page_size=500",
            "list OAuth2 providers",
        )
        .await;
    match (apps, provs) {
        (Ok(a), Ok(p)) => Ok((a.results, p.results)),
        (Err(e), _) | (_, Err(e)) => Err(skipped(
            e.short(),
            "Check the Authentik token's permissions (it must be able to read applications and providers).".to_owned(),
        )),
    }
}

fn env_of(ctx: &Ctx<'_>, service: &str, key: &str) -> Option<(String, String)> {
    let c = ctx.stack.container(service)?;
    c.env(key).filter(|v| !v.trim().is_empty()).map(|v| {
        (
            v.to_owned(),
            format!("{key} in the environment of {}", c.name()),
        )
    })
}

/// The redirect URI the service will really send.
fn expected_callback(ctx: &Ctx<'_>, name: &str, client: &SsoClientConfig) -> Sourced {
    let kind = if name == "coder" || client.service == "coder" {
        "coder"
    } else if name == "gitea" || client.service == "gitea" {
        "gitea"
    } else if name == "minio" || client.service.starts_with("minio") {
        "minio"
    } else {
        ""
    };
    let live = match kind {
        "coder" => {
            let url = ctx.access_url();
            Some((join_url(&url.value, &client.callback_path), url.source))
        }
        "gitea" => env_of(ctx, &client.service, "GITEA__server__ROOT_URL")
            .map(|(root, src)| (join_url(&root, &client.callback_path), src)),
        "minio" => env_of(ctx, &client.service, "MINIO_BROWSER_REDIRECT_URL")
            .map(|(v, src)| (join_url(&v, &client.callback_path), src)),
        _ => None,
    };
    match live {
        Some((value, source)) => Sourced { value, source },
        None => Sourced {
            value: client.callback_url(),
            source: format!("the config's [sso.clients.{name}] base_url + callback_path"),
        },
    }
}

/// The issuer URL the client is configured with.
fn configured_issuer(ctx: &Ctx<'_>, name: &str, client: &SsoClientConfig) -> Sourced {
    if name == "coder" || client.service == "coder" {
        if let Some((v, src)) = ctx.coder_setting(|s| s.oidc_issuer_url.clone()) {
            return Sourced {
                value: v,
                source: format!("CODER_OIDC_ISSUER_URL ({src})"),
            };
        }
    }
    if let Some((v, src)) = env_of(ctx, &client.service, "MINIO_IDENTITY_OPENID_CONFIG_URL") {
        if let Some(issuer) = v.strip_suffix(".well-known/openid-configuration") {
            return Sourced {
                value: issuer.to_owned(),
                source: src,
            };
        }
    }
    Sourced {
        value: ctx.config.sso.issuer_for(&client.slug),
        source: "the config's [sso] issuer_base + slug".to_owned(),
    }
}

fn provider_checks(
    name: &str,
    client: &SsoClientConfig,
    callback: &Sourced,
    apps: &[Application],
    provs: &[Provider],
    view: &mut ClientView,
) -> Vec<Finding> {
    let app = apps.iter().find(|a| a.slug == client.slug);
    let provider = app
        .and_then(|a| a.provider)
        .and_then(|pk| provs.iter().find(|p| p.pk == pk))
        .or_else(|| {
            provs
                .iter()
                .find(|p| p.assigned_application_slug.as_deref() == Some(client.slug.as_str()))
        });
    let Some(provider) = provider else {
        let evidence = format!(
            "applications: {}; OAuth2 providers: {}",
            list(apps.iter().map(|a| a.slug.as_str())),
            list(provs.iter().map(|p| p.name.as_str()))
        );
        let summary = match app {
            Some(_) => format!("application {} has no OAuth2 provider", client.slug),
            None => format!("no Authentik application with slug {}", client.slug),
        };
        return vec![finding("oidc-provider", Severity::Fail, name)
            .summary(summary)
            .evidence(evidence)
            .fix(format!(
                "Authentik admin → Applications → Providers → Create an OAuth2/OpenID provider with redirect URI (strict) {}, then an application with slug {} using it.",
                callback.value, client.slug
            ))
            .reference(s::SSO_REDIRECT)];
    };
    view.provider = Some(provider.name.clone());
    let (form, entries) = redirect::parse(&provider.redirect_uris);
    view.redirect_form = Some(form);
    view.redirect_uris.clone_from(&entries);
    let mut out = vec![finding("oidc-provider", Severity::Ok, name)
        .summary(format!(
            "provider {} serves application {}",
            provider.name, client.slug
        ))
        .evidence(format!("provider pk {}", provider.pk))];
    let registered = if entries.is_empty() {
        "none".to_owned()
    } else {
        entries
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" | ")
    };
    let form_text = match form {
        RedirectForm::List => "list form",
        RedirectForm::NewlineString => "newline string form (regexes)",
        RedirectForm::Missing => "absent",
    };
    out.push(match redirect::match_callback(&entries, &callback.value) {
        MatchOutcome::Matched(entry) => finding("redirect-uri", Severity::Ok, name)
            .summary(format!("the callback is accepted by `{entry}`"))
            .evidence(format!("callback {} (from {}); registered ({form_text}): {registered}", callback.value, callback.source)),
        MatchOutcome::EmptyAutoRegisters => finding("redirect-uri", Severity::Warn, name)
            .summary("no redirect URI registered: Authentik will register the first one it sees")
            .evidence(format!("callback {} (from {}); registered: none", callback.value, callback.source))
            .fix(format!("In Authentik → Providers → {} set the redirect URI (strict) {}.", provider.name, callback.value))
            .reference(s::SSO_REDIRECT),
        MatchOutcome::NoMatch(notes) => finding("redirect-uri", Severity::Fail, name)
            .summary("no registered redirect URI accepts the callback the service sends: login ends in a redirect error")
            .evidence(format!(
                "callback {} (from {}); registered ({form_text}): {registered}; {}",
                callback.value,
                callback.source,
                notes.join("; ")
            ))
            .fix(format!("In Authentik → Providers → {} add the redirect URI (strict) {}.", provider.name, callback.value))
            .reference(s::SSO_REDIRECT),
    });
    if provider.signing_key.as_ref().is_none_or(Value::is_null) {
        out.push(
            finding("signing-key", Severity::Warn, name)
                .summary("the provider has no signing key: ID tokens are HS256 with the client secret, which OIDC clients may reject")
                .evidence(format!("provider {}: signing_key null", provider.name))
                .fix(format!("In Authentik → Providers → {} choose a signing key (e.g. the self-signed certificate).", provider.name))
                .reference(s::OIDC),
        );
    }
    out
}

fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<&str> = items.collect();
    if v.is_empty() {
        "none".to_owned()
    } else {
        v.join(", ")
    }
}

async fn issuer_checks(
    ctx: &Ctx<'_>,
    name: &str,
    client: &SsoClientConfig,
    issuer: &Sourced,
) -> Vec<Finding> {
    let url = discovery_url(&issuer.value);
    let mut out = Vec::new();
    let from_host = ctx.fetch_host(&url).await;
    out.push(judge_issuer(
        name,
        "host",
        issuer,
        &url,
        from_host.and_then(|(status, body)| {
            if (200..300).contains(&status) {
                issuer_in(&body)
            } else {
                Err(format!("HTTP {status}"))
            }
        }),
    ));
    let container = ctx
        .stack
        .container(&client.service)
        .filter(|c| c.info.state == crate::docker::ContainerState::Running);
    match (container, ctx.engine()) {
        (Some(c), Some(_)) => {
            let got = ctx.fetch_inside(c, &url).await;
            let result = if got.ok {
                issuer_in(&got.output)
            } else {
                Err(format!("{}: {}", got.via, got.first_line()))
            };
            out.push(judge_issuer(
                name,
                &format!("inside {}", c.name()),
                issuer,
                &url,
                result,
            ));
        }
        _ => out.push(
            finding("issuer-from-container", Severity::Skipped, name)
                .summary("discovery not fetched from inside the client's container")
                .evidence(match ctx.engine {
                    Err(down) => format!("no Docker engine: {}", down.reason),
                    Ok(_) => format!("no running container for service {}", client.service),
                }),
        ),
    }
    out
}

fn judge_issuer(
    name: &str,
    place: &str,
    issuer: &Sourced,
    url: &str,
    got: Result<String, String>,
) -> Finding {
    let check = if place == "host" {
        "issuer-from-host"
    } else {
        "issuer-from-container"
    };
    let subject = format!("{name} ({place})");
    match got {
        Ok(found) if found == issuer.value => finding(check, Severity::Ok, subject)
            .summary("the discovery document's issuer equals the configured issuer")
            .evidence(format!("GET {url}: issuer {found:?}")),
        Ok(found) => {
            let hint = if found.trim_end_matches('/') == issuer.value.trim_end_matches('/') {
                " (they differ only in the trailing slash)"
            } else {
                ""
            };
            finding(check, Severity::Fail, subject)
                .summary(format!("issuer mismatch{hint}: the client rejects the provider (\"issuer did not match\")"))
                .evidence(format!("configured {:?} (from {}); discovery {url} says {found:?}", issuer.value, issuer.source))
                .fix(format!("Set the client's issuer URL to exactly {found:?} (byte for byte, trailing slash included), then recreate the service with `docker compose up -d`."))
                .reference(s::OIDC)
        }
        Err(e) => finding(check, Severity::Fail, subject)
            .summary(format!("the issuer's discovery document cannot be fetched from the {place}"))
            .evidence(format!("GET {url}: {e} (issuer from {})", issuer.source))
            .fix("Use an issuer URL that resolves both from the host and inside the containers (e.g. through host.docker.internal with the hosts entry and host-gateway), and check the application slug.")
            .reference(s::OIDC),
    }
}

fn oauth_state(ctx: &Ctx<'_>) -> Vec<Finding> {
    let check = "oauth-state-cookie";
    let Some(browser) = ctx
        .config
        .services
        .get("coder")
        .and_then(|s| s.browser_url.clone())
    else {
        return vec![finding(check, Severity::Skipped, "Coder browser URL")
            .summary("no browser URL for Coder in the config; the cookie host is not compared")];
    };
    let access = ctx.access_url();
    let redirect = ctx
        .coder_setting(|s| s.redirect_to_access_url)
        .map(|(v, _)| v);
    if authority_of(&browser) == authority_of(&access.value) {
        return vec![finding(check, Severity::Ok, "Coder browser URL")
            .summary(
                "people browse Coder at its access URL's host: the oauth_state cookie comes back",
            )
            .evidence(format!(
                "browser {browser}; access URL {} ({})",
                access.value, access.source
            ))
            .reference(s::BROWSER_URLS)];
    }
    let evidence = format!(
        "browser {browser}; access URL {} ({}); CODER_REDIRECT_TO_ACCESS_URL={}",
        access.value,
        access.source,
        redirect.map_or("unset".to_owned(), |v| v.to_string())
    );
    if redirect == Some(true) {
        return vec![finding(check, Severity::Ok, "Coder browser URL")
            .summary("browser and access URL differ, but Coder redirects to its access URL first")
            .evidence(evidence)];
    }
    vec![finding(check, Severity::Fail, "Coder browser URL")
        .summary("browser host differs from the access URL host: login fails with `Cookie \"oauth_state\" must be provided`")
        .evidence(evidence)
        .fix(format!("Browse Coder at {} (same host and port as CODER_ACCESS_URL), or set CODER_REDIRECT_TO_ACCESS_URL: \"true\" and `docker compose up -d coder`.", access.value))
        .reference(s::BROWSER_URLS)]
}

/// People who will fail SSO, from the identity matrix's own findings.
async fn users(ctx: &Ctx<'_>) -> Vec<Finding> {
    let check = "sso-users";
    let Some(clients) = ctx.clients else {
        return vec![finding(check, Severity::Skipped, "users")
            .summary("users not checked: the identity clients are unavailable")
            .evidence(ctx.clients_error.clone().unwrap_or_default())];
    };
    let snap = snapshot(clients).await;
    let matrix = compute(ctx.config, &ctx.config.identity, &snap);
    let mut out = Vec::new();
    for system in [System::Authentik, System::Coder] {
        if let Some(why) = snap.unreachable(system) {
            out.push(
                finding(check, Severity::Skipped, format!("users in {system}"))
                    .summary(format!(
                        "{system} users not read: who will fail SSO is not known"
                    ))
                    .evidence(why.to_owned())
                    .fix(if system == System::Authentik {
                        crate::identity::AUTHENTIK_TOKEN_HOWTO.to_owned()
                    } else {
                        "Set [credentials.coder] (owner email and password, or a token).".to_owned()
                    }),
            );
        }
    }
    for f in &matrix.findings {
        let (summary, reference) = match f.kind {
            FindingKind::MissingInAuthentik => (
                "has no Authentik account: SSO login is impossible",
                s::SSO_LOGIN,
            ),
            FindingKind::CoderPasswordLogin => (
                "has login_type password in Coder: OIDC login fails with \"Incorrect login type\"",
                s::SSO_LOGIN,
            ),
            FindingKind::AuthentikInactive => (
                "is inactive in Authentik: SSO login is refused",
                s::SSO_LOGIN,
            ),
            _ => continue,
        };
        out.push(
            finding(check, Severity::Fail, &f.username)
                .summary(format!("{} {summary}", f.username))
                .evidence(f.message.clone())
                .fix(f.fix.describe())
                .reference(reference),
        );
    }
    if out.is_empty() {
        out.push(
            finding(check, Severity::Ok, "users")
                .summary("every configured SSO user exists in Authentik and logs in to Coder through OIDC")
                .evidence(format!("{} people compared", matrix.rows.len())),
        );
    }
    out
}
