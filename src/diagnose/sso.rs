//! The SSO checks: Authentik ready, a provider per OIDC client with a redirect URI that
//! accepts the callback the service really sends, issuers byte for byte from the host and
//! from inside the client's container, the `oauth_state` cookie trap, and users who will fail.

use serde::Deserialize;
use serde_json::Value;

use super::context::{host_of, is_loopback_host, Ctx, Sourced};
use super::finding::{sections as s, Area, Finding, Severity};
use super::issuers::{self, env_of};
use super::redirect::{self, MatchOutcome, RedirectForm, RedirectUri};
use super::sso_login;
use super::state::{self, Blocked};
use crate::config::{join_url, SsoClientConfig};
use crate::identity::api::ApiError;
use crate::identity::System;

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

/// Runs every SSO check; also returns the per-client view for the tab. When the identity
/// provider is down (or not deployed, or does not answer), the checks that need it are
/// skipped and name that finding as their cause, instead of failing one by one.
pub async fn run(ctx: &Ctx<'_>) -> (Vec<Finding>, Vec<ClientView>) {
    let idp_state = state::blocked(ctx, &ctx.config.sso.provider_service);
    let ready = match &idp_state {
        Some(b) => skipped_by(b, "authentik-ready", "Authentik"),
        None => authentik_ready(ctx).await,
    };
    let idp = idp_state.or_else(|| {
        (ready.severity == Severity::Fail).then(|| Blocked {
            id: ready.id.clone(),
            reason: ready.summary.clone(),
        })
    });
    let mut out = vec![ready];
    let listing = match &idp {
        Some(b) => Err(skipped_by(b, "authentik-providers", "Authentik API")),
        None => providers(ctx).await,
    };
    let mut views = Vec::new();
    if let Err(why) = &listing {
        out.push(why.clone());
    }
    let fixed = fixed_access_url(ctx);
    for (name, client) in &ctx.config.sso.clients {
        let callback = expected_callback(ctx, name, client);
        let issuer = issuers::configured_issuer(ctx, name, client);
        let mut view = ClientView {
            client: name.clone(),
            slug: client.slug.clone(),
            provider: None,
            redirect_form: None,
            redirect_uris: Vec::new(),
            expected_callback: callback.value.clone(),
            configured_issuer: issuer.map_or_else(
                || format!("not visible from outside (set [sso.clients.{name}] issuer)"),
                |i| i.value,
            ),
        };
        let service = state::blocked(ctx, &client.service);
        if let Some(b) = service
            .as_ref()
            .filter(|b| b.id.starts_with(state::DEPLOYED))
        {
            out.extend(not_deployed(name, b));
            views.push(view);
            continue;
        }
        if let Ok((apps, provs)) = &listing {
            let after = fixed
                .as_ref()
                .filter(|_| is_coder(name, client))
                .map(|(root, url)| (root.as_str(), join_url(url, &client.callback_path)));
            out.extend(provider_checks(
                name, client, &callback, after, apps, provs, &mut view,
            ));
        }
        out.extend(issuers::checks(ctx, name, client, idp.as_ref(), service.as_ref()).await);
        views.push(view);
    }
    out.extend(sso_login::oauth_state(ctx, fixed.as_ref()));
    out.extend(sso_login::users(ctx, idp.as_ref()).await);
    (out, views)
}

fn is_coder(name: &str, client: &SsoClientConfig) -> bool {
    name == "coder" || client.service == "coder"
}

/// A check skipped because what it needs is blocked, naming the blocking finding.
fn skipped_by(b: &Blocked, check: &str, subject: &str) -> Finding {
    finding(check, Severity::Skipped, subject)
        .summary(format!("not checked: {}", b.reason))
        .evidence(b.reason.clone())
        .fix("Start or repair it first (see its finding).")
        .caused_by(b.id.clone())
}

/// The checks of a client whose service has no container: skipped, with that reason.
fn not_deployed(name: &str, b: &Blocked) -> Vec<Finding> {
    ["oidc-provider", "redirect-uri"]
        .into_iter()
        .map(|check| skipped_by(b, check, name))
        .chain(["host", "inside"].into_iter().map(|place| {
            let check = if place == "host" {
                "issuer-from-host"
            } else {
                "issuer-from-container"
            };
            skipped_by(b, check, &format!("{name} ({place})"))
        }))
        .collect()
}

/// When the running access URL is on localhost (and the config expects another): the root
/// finding's id and the access URL the fix sets, so other fixes are written against it.
fn fixed_access_url(ctx: &Ctx<'_>) -> Option<(String, String)> {
    let now = ctx.access_url().value;
    let expected = &ctx.config.network.coder_access_url;
    let loopback = |u: &str| host_of(u).is_some_and(|h| is_loopback_host(&h));
    (loopback(&now) && !loopback(expected)).then(|| {
        (
            "access-url-not-localhost:CODER_ACCESS_URL".to_owned(),
            expected.clone(),
        )
    })
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
                api_fix(e, crate::identity::AUTHENTIK_TOKEN_HOWTO),
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
            api_fix(&e, "Check the Authentik token's permissions (it must be able to read applications and providers)."),
        )),
    }
}

/// The fix that matches an API error: a system that does not answer (or fails) is started
/// or repaired; only a refused token is about the token.
pub(super) fn api_fix(e: &ApiError, token_fix: &str) -> String {
    let system = match e {
        ApiError::Unreachable { system, .. }
        | ApiError::Status { system, .. }
        | ApiError::Decode { system, .. }
        | ApiError::NoCredentials { system, .. }
        | ApiError::Refused { system, .. } => *system,
    };
    let start = match system {
        System::Authentik => "`docker compose up -d authentik-server authentik-worker`",
        System::Coder => "`docker compose up -d coder`",
        System::Gitea => "`docker compose up -d gitea`",
    };
    match e {
        ApiError::Unreachable { .. } => {
            format!("{system} does not answer: start or repair it ({start}), then check again.")
        }
        ApiError::Status { status, .. } if *status >= 500 => format!(
            "{system} answers with server errors: repair it (its log and its database), or restart it ({start})."
        ),
        _ => token_fix.to_owned(),
    }
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

/// `after`: when the access URL is the root cause, its id and the callback Coder will send
/// once it is fixed; fixes are then written for that callback, never for the localhost one.
fn provider_checks(
    name: &str,
    client: &SsoClientConfig,
    callback: &Sourced,
    after: Option<(&str, String)>,
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
                after.as_ref().map_or(callback.value.as_str(), |(_, cb)| cb.as_str()), client.slug
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
    let judged = match after {
        Some((root, fixed)) => redirect_after_fix(
            name,
            &provider.name,
            &entries,
            callback,
            root,
            &fixed,
            form_text,
            &registered,
        ),
        None => redirect_now(
            name,
            &provider.name,
            &entries,
            callback,
            form_text,
            &registered,
        ),
    };
    out.push(judged);
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

fn redirect_now(
    name: &str,
    provider: &str,
    entries: &[RedirectUri],
    callback: &Sourced,
    form_text: &str,
    registered: &str,
) -> Finding {
    match redirect::match_callback(entries, &callback.value) {
        MatchOutcome::Matched(entry) => finding("redirect-uri", Severity::Ok, name)
            .summary(format!("the callback is accepted by `{entry}`"))
            .evidence(format!("callback {} (from {}); registered ({form_text}): {registered}", callback.value, callback.source)),
        MatchOutcome::EmptyAutoRegisters => finding("redirect-uri", Severity::Warn, name)
            .summary("no redirect URI registered: Authentik will register the first one it sees")
            .evidence(format!("callback {} (from {}); registered: none", callback.value, callback.source))
            .fix(format!("In Authentik → Providers → {provider} set the redirect URI (strict) {}.", callback.value))
            .reference(s::SSO_REDIRECT),
        MatchOutcome::NoMatch(notes) => finding("redirect-uri", Severity::Fail, name)
            .summary("no registered redirect URI accepts the callback the service sends: login ends in a redirect error")
            .evidence(format!(
                "callback {} (from {}); registered ({form_text}): {registered}; {}",
                callback.value,
                callback.source,
                notes.join("; ")
            ))
            .fix(format!("In Authentik → Providers → {provider} add the redirect URI (strict) {}.", callback.value))
            .reference(s::SSO_REDIRECT),
    }
}

/// Coder's redirect URI while its access URL is on localhost: judged now, and against the
/// callback it sends once the access URL is fixed; the fix is for the latter only.
#[allow(clippy::too_many_arguments)]
fn redirect_after_fix(
    name: &str,
    provider: &str,
    entries: &[RedirectUri],
    callback: &Sourced,
    root: &str,
    fixed: &str,
    form_text: &str,
    registered: &str,
) -> Finding {
    let now = redirect::match_callback(entries, &callback.value);
    let later = redirect::match_callback(entries, fixed);
    let evidence = format!(
        "callback now {} (from {}, on localhost); after the access-URL fix {fixed}; registered ({form_text}): {registered}",
        callback.value, callback.source
    );
    let base = |severity| {
        finding("redirect-uri", severity, name)
            .evidence(evidence.clone())
            .reference(s::SSO_REDIRECT)
            .caused_by(root)
    };
    match (now, later) {
        (MatchOutcome::Matched(_), MatchOutcome::Matched(entry)) => finding("redirect-uri", Severity::Ok, name)
            .summary(format!("the callback is accepted by `{entry}`, also after the access-URL fix"))
            .evidence(evidence),
        (_, MatchOutcome::Matched(entry)) => base(Severity::Fail)
            .summary("the callback Coder sends now comes from its localhost access URL, and no entry accepts it")
            .fix(format!("Nothing to change in Authentik: once CODER_ACCESS_URL is fixed, Coder sends {fixed}, which `{entry}` accepts.")),
        (MatchOutcome::Matched(entry), _) => base(Severity::Warn)
            .summary(format!("`{entry}` accepts the localhost callback only; the fixed access URL's callback will be refused"))
            .fix(format!("After fixing CODER_ACCESS_URL, replace it in Authentik → Providers → {provider} with the redirect URI (strict) {fixed}.")),
        (now, _) => base(if matches!(now, MatchOutcome::NoMatch(_)) { Severity::Fail } else { Severity::Warn })
            .summary("no registered redirect URI accepts Coder's callback, now or after the access-URL fix")
            .fix(format!("After fixing CODER_ACCESS_URL, add in Authentik → Providers → {provider} the redirect URI (strict) {fixed}.")),
    }
}

fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<&str> = items.collect();
    if v.is_empty() {
        "none".to_owned()
    } else {
        v.join(", ")
    }
}
