//! The issuer checks of the SSO clients: the issuer a client is really configured with,
//! fetched byte for byte from the host and from inside the client's container. An issuer the
//! service's own configuration does not reveal is never judged on a guess.

use super::context::{discovery_url, issuer_in, Ctx, Sourced};
use super::finding::{sections as s, Area, Finding, Severity};
use super::state::Blocked;
use crate::config::SsoClientConfig;

fn finding(check: &str, severity: Severity, subject: impl Into<String>) -> Finding {
    Finding::new(Area::Sso, check, severity, subject)
}

/// A non-empty environment value of a service's container, with where it was read.
pub(super) fn env_of(ctx: &Ctx<'_>, service: &str, key: &str) -> Option<(String, String)> {
    let c = ctx.stack.container(service)?;
    c.env(key).filter(|v| !v.trim().is_empty()).map(|v| {
        (
            v.to_owned(),
            format!("{key} in the environment of {}", c.name()),
        )
    })
}

/// The issuer URL the client is configured with: read from the service (Coder's setting,
/// MinIO's config URL), else set in `[sso.clients.<name>] issuer`; None when neither says.
pub fn configured_issuer(ctx: &Ctx<'_>, name: &str, client: &SsoClientConfig) -> Option<Sourced> {
    if name == "coder" || client.service == "coder" {
        if let Some((v, src)) = ctx.coder_setting(|s| s.oidc_issuer_url.clone()) {
            return Some(Sourced {
                value: v,
                source: format!("CODER_OIDC_ISSUER_URL ({src})"),
            });
        }
    }
    if let Some((v, src)) = env_of(ctx, &client.service, "MINIO_IDENTITY_OPENID_CONFIG_URL") {
        if let Some(issuer) = v.strip_suffix(".well-known/openid-configuration") {
            return Some(Sourced {
                value: issuer.to_owned(),
                source: src,
            });
        }
    }
    client
        .issuer
        .as_ref()
        .filter(|v| !v.trim().is_empty())
        .map(|v| Sourced {
            value: v.clone(),
            source: format!("the config's [sso.clients.{name}] issuer"),
        })
}

/// Both issuer findings of a client skipped for one reason.
fn both_skipped(
    name: &str,
    summary: &str,
    evidence: &str,
    fix: &str,
    cause: Option<&str>,
) -> Vec<Finding> {
    ["host", "inside"]
        .into_iter()
        .map(|place| {
            let check = if place == "host" {
                "issuer-from-host"
            } else {
                "issuer-from-container"
            };
            let f = finding(check, Severity::Skipped, format!("{name} ({place})"))
                .summary(summary)
                .evidence(evidence)
                .fix(fix)
                .reference(s::OIDC);
            match cause {
                Some(id) => f.caused_by(id),
                None => f,
            }
        })
        .collect()
}

/// The issuer checks of one client. `idp` says why the identity provider cannot answer,
/// `service` why the client's own service cannot; each skips what it blocks and names it.
pub async fn checks(
    ctx: &Ctx<'_>,
    name: &str,
    client: &SsoClientConfig,
    idp: Option<&Blocked>,
    service: Option<&Blocked>,
) -> Vec<Finding> {
    let Some(issuer) = configured_issuer(ctx, name, client) else {
        return both_skipped(
            name,
            "issuer not visible from outside; set it in [sso]",
            &format!(
                "{} does not reveal the issuer it is configured with (a guess from [sso] issuer_base + slug would be {}; it is not judged)",
                client.service,
                ctx.config.sso.issuer_for(&client.slug)
            ),
            &format!("Set [sso.clients.{name}] issuer to the issuer URL {} is configured with, byte for byte.", client.service),
            None,
        );
    };
    if let Some(b) = idp {
        return both_skipped(
            name,
            "discovery not fetched: the identity provider cannot answer",
            &b.reason,
            "Start or repair the identity provider first (see its finding).",
            Some(&b.id),
        );
    }
    let url = discovery_url(&issuer.value);
    let from_host = ctx.fetch_host(&url).await;
    let mut out = vec![judge(
        name,
        "host",
        &issuer,
        &url,
        from_host.and_then(|(status, body)| {
            if (200..300).contains(&status) {
                issuer_in(&body)
            } else {
                Err(format!("HTTP {status}"))
            }
        }),
    )];
    if let Some(b) = service {
        out.push(
            finding(
                "issuer-from-container",
                Severity::Skipped,
                format!("{name} (inside)"),
            )
            .summary("discovery not fetched from inside the client's container")
            .evidence(b.reason.clone())
            .caused_by(b.id.clone()),
        );
        return out;
    }
    let container = ctx
        .stack
        .container(&client.service)
        .filter(|c| c.info.state == crate::docker::ContainerState::Running);
    let refused = ctx.inside_refused();
    match (container, ctx.engine()) {
        (Some(c), Some(_)) if refused.is_none() => {
            let got = ctx.fetch_inside(c, &url).await;
            let result = if got.ok {
                issuer_in(&got.output)
            } else {
                let why = got.answer().unwrap_or_else(|| got.first_line().to_owned());
                Err(format!("{}: {why}", got.via))
            };
            out.push(judge(
                name,
                &format!("inside {}", c.name()),
                &issuer,
                &url,
                result,
            ));
        }
        _ => out.push(
            finding(
                "issuer-from-container",
                Severity::Skipped,
                format!("{name} (inside)"),
            )
            .summary("discovery not fetched from inside the client's container")
            .evidence(match (ctx.engine, refused) {
                (Err(down), _) => format!("no Docker engine: {}", down.reason),
                (Ok(_), Some(why)) => why,
                (Ok(_), None) => format!("no running container for service {}", client.service),
            }),
        ),
    }
    out
}

fn judge(
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
