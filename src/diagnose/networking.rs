//! The manual's "Docker Networking" checks: the host alias, the access URL, networks,
//! extra hosts, path vs subdomain apps, drift (devcontainer detection reads the log tail in `logs`).

use super::context::{host_of, is_loopback_host, Ctx};
use super::finding::{sections as s, Area, Finding, Severity};
use super::gather::Container;

const AREA: Area = Area::Networking;

fn finding(check: &str, severity: Severity, subject: impl Into<String>) -> Finding {
    Finding::new(AREA, check, severity, subject)
}

fn engine_skipped(ctx: &Ctx<'_>, check: &str, subject: &str) -> Option<Finding> {
    let down = ctx.engine.err()?;
    Some(
        finding(check, Severity::Skipped, subject)
            .summary("not checked: the Docker engine cannot be reached")
            .evidence(down.reason.clone())
            .fix(down.fix.clone()),
    )
}

/// Runs every networking check.
pub async fn run(ctx: &Ctx<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Err(down) = ctx.engine {
        out.push(
            finding("engine", Severity::Fail, "Docker engine")
                .summary("the Docker engine cannot be reached; container checks are skipped")
                .evidence(down.reason.clone())
                .fix(down.fix.clone())
                .reference(s::TROUBLESHOOTING),
        );
    }
    out.extend(host_alias(ctx).await);
    out.extend(access_url_not_localhost(ctx));
    out.extend(access_url_from_host(ctx).await);
    out.extend(network_membership(ctx));
    out.extend(host_gateway(ctx));
    out.extend(from_workspaces(ctx).await);
    out.extend(path_apps(ctx));
    out
}

/// The root causes other areas' findings may name: the hosts entry and the access URL.
pub async fn roots(ctx: &Ctx<'_>) -> Vec<Finding> {
    let mut out = host_alias(ctx).await;
    out.extend(access_url_not_localhost(ctx));
    out
}

/// The alias must resolve on the host when any browser-facing URL uses it.
async fn host_alias(ctx: &Ctx<'_>) -> Vec<Finding> {
    let alias = ctx.config.stack.host_alias.clone();
    let users: Vec<String> = ctx
        .config
        .services
        .values()
        .filter_map(|svc| svc.browser_url.clone())
        .chain([ctx.access_url().value])
        .filter(|u| host_of(u).as_deref() == Some(alias.to_ascii_lowercase().as_str()))
        .collect();
    let looked = tokio::net::lookup_host((alias.as_str(), 80)).await;
    let check = "host-alias-resolves";
    match looked {
        Ok(mut addrs) => {
            let addr = addrs
                .next()
                .map_or_else(String::new, |a| a.ip().to_string());
            vec![finding(check, Severity::Ok, &alias)
                .summary(format!("{alias} resolves on the host"))
                .evidence(format!("{alias} → {addr}"))
                .reference(s::HOSTS)]
        }
        Err(e) if users.is_empty() => vec![finding(check, Severity::Ok, &alias)
            .summary(format!(
                "{alias} does not resolve on the host, and no configured URL uses it"
            ))
            .evidence(format!("lookup of {alias} failed: {e}"))
            .reference(s::HOSTS)],
        Err(e) => vec![finding(check, Severity::Fail, &alias)
            .summary(format!(
                "{alias} does not resolve on the host; the browser cannot follow the OIDC callback"
            ))
            .evidence(format!(
                "lookup of {alias} failed: {e}; used by {}",
                users.join(", ")
            ))
            .fix(format!(
                "Add the hosts entry: echo \"127.0.0.1 {alias}\" | sudo tee -a /etc/hosts"
            ))
            .reference(s::HOSTS)],
    }
}

fn access_url_not_localhost(ctx: &Ctx<'_>) -> Vec<Finding> {
    let check = "access-url-not-localhost";
    let url = ctx.access_url();
    let expected = &ctx.config.network.coder_access_url;
    let mut out = Vec::new();
    match host_of(&url.value) {
        None => out.push(
            finding(check, Severity::Fail, "CODER_ACCESS_URL")
                .summary("CODER_ACCESS_URL is not a valid URL")
                .evidence(format!("{:?} ({})", url.value, url.source))
                .fix(format!("Set CODER_ACCESS_URL: \"{expected}\" in docker-compose.yml, then `docker compose up -d coder`."))
                .reference(s::ACCESS_URL),
        ),
        Some(host) if is_loopback_host(&host) => out.push(
            finding(check, Severity::Fail, "CODER_ACCESS_URL")
                .summary("CODER_ACCESS_URL points at localhost: inside a workspace that is the workspace itself, so the agent cannot download or connect")
                .evidence(format!("{} ({})", url.value, url.source))
                .fix(format!(
                    "Set CODER_ACCESS_URL: \"{expected}\" in docker-compose.yml, run `docker compose up -d coder`, then delete and recreate the workspaces (or press b on each workspace's row in the Services tab)."
                ))
                .reference(s::LOCALHOST),
        ),
        Some(_) => out.push(
            finding(check, Severity::Ok, "CODER_ACCESS_URL")
                .summary("CODER_ACCESS_URL is not a loopback address")
                .evidence(format!("{} ({})", url.value, url.source))
                .reference(s::ACCESS_URL),
        ),
    }
    if ctx.access_url_is_live() && url.value.trim_end_matches('/') != expected.trim_end_matches('/')
    {
        out.push(
            finding("access-url-matches-config", Severity::Warn, "CODER_ACCESS_URL")
                .summary("the running Coder uses another access URL than the config expects")
                .evidence(format!("running: {} ({}); config: {expected}", url.value, url.source))
                .fix("Make them agree: fix CODER_ACCESS_URL in docker-compose.yml and `docker compose up -d coder`, or set [network] coder_access_url in poc-tui's config.")
                .reference(s::ACCESS_URL),
        );
    }
    if let (Some(env), Ok(api)) = (&ctx.coder_env.access_url, &ctx.coder_api) {
        if let Some(live) = &api.access_url {
            if live.trim_end_matches('/') != env.trim_end_matches('/') {
                out.push(
                    finding("access-url-drift", Severity::Warn, "CODER_ACCESS_URL")
                        .summary("the container's environment and Coder's deployment config disagree")
                        .evidence(format!("environment: {env}; deployment config: {live}"))
                        .fix("Recreate Coder so it runs with its environment: `docker compose up -d coder` (a restart keeps the old values).")
                        .reference(s::RESTART_VS_UP),
                );
            }
        }
    }
    out
}

fn buildinfo_url(access: &str) -> String {
    crate::config::join_url(access, "/api/v2/buildinfo")
}

async fn access_url_from_host(ctx: &Ctx<'_>) -> Vec<Finding> {
    let check = "access-url-from-host";
    let url = ctx.access_url();
    let target = buildinfo_url(&url.value);
    match ctx.fetch_host(&target).await {
        Ok((status, body)) if (200..300).contains(&status) && body.contains("version") => {
            vec![finding(check, Severity::Ok, &url.value)
                .summary("Coder answers at its access URL from the host")
                .evidence(format!("GET {target} → HTTP {status}"))
                .reference(s::ACCESS_URL)]
        }
        Ok((status, body)) => vec![finding(check, Severity::Fail, &url.value)
            .summary("the access URL answers from the host, but not as Coder")
            .evidence(format!("GET {target} → HTTP {status}: {}", body.chars().take(120).collect::<String>()))
            .fix("Check that the access URL's port is Coder's published port (7080 in the POC).")
            .reference(s::ACCESS_URL)],
        Err(e) => vec![finding(check, Severity::Fail, &url.value)
            .summary("Coder cannot be reached at its access URL from the host")
            .evidence(format!("GET {target}: {e}"))
            .fix(format!(
                "Check that Coder runs and publishes the port (`docker compose ps coder`), and that {} resolves on the host (/etc/hosts).",
                host_of(&url.value).unwrap_or_default()
            ))
            .reference(s::AGENT)],
    }
}

fn network_membership(ctx: &Ctx<'_>) -> Vec<Finding> {
    let check = "on-stack-network";
    let network = &ctx.config.stack.network;
    if let Some(f) = engine_skipped(ctx, check, network) {
        return vec![f];
    }
    let mut out = Vec::new();
    let mut containers: Vec<(&Container, String)> = ctx
        .stack
        .distinct()
        .into_iter()
        .map(|(c, keys)| (c, keys.join(", ")))
        .collect();
    containers.extend(
        ctx.stack
            .workspaces
            .iter()
            .map(|c| (*c, "workspace".to_owned())),
    );
    if containers.is_empty() {
        out.push(
            finding(check, Severity::Skipped, network)
                .summary("no stack container found on the engine; nothing to check")
                .evidence(format!("{} containers on the engine, none matches a configured service", ctx.engine().map_or(0, |e| e.containers.len())))
                .fix("Start the stack (`docker compose up -d`), or set [stack] compose_project / the services' container names in poc-tui's config."),
        );
    }
    for (c, role) in containers {
        if c.on_network(network) {
            out.push(
                finding(check, Severity::Ok, c.name())
                    .summary(format!("on {network}"))
                    .evidence(format!("{role}; networks: {}", c.network_names())),
            );
        } else {
            let compose_hint = c.info.compose.as_ref().map_or_else(
                || "for a workspace: set the template's docker_container `networks_advanced { name = \"...\" }`".to_owned(),
                |cp| format!("in docker-compose.yml give service {} `networks: [{network}]`", cp.service),
            );
            out.push(
                finding(check, Severity::Fail, c.name())
                    .summary(format!(
                        "not on {network}: other containers cannot reach it by name, nor it them"
                    ))
                    .evidence(format!("{role}; networks: {}", c.network_names()))
                    .fix(format!(
                        "`docker network connect {network} {}` now; to keep it, {compose_hint}.",
                        c.name()
                    ))
                    .reference(s::CONTAINER_TO_CONTAINER),
            );
        }
    }
    out
}

fn host_gateway(ctx: &Ctx<'_>) -> Vec<Finding> {
    let check = "host-gateway";
    let alias = &ctx.config.stack.host_alias;
    if let Some(f) = engine_skipped(ctx, check, alias) {
        return vec![f];
    }
    let Some(engine) = ctx.engine() else {
        return Vec::new();
    };
    if engine.provides_host_alias() {
        return vec![finding(check, Severity::Ok, alias)
            .summary(format!(
                "{} resolves {alias} by itself",
                engine.operating_system
            ))
            .evidence(format!("engine: {}", engine.operating_system))
            .reference(s::LINUX_HOST)];
    }
    if !engine.is_linux() {
        return vec![finding(check, Severity::Skipped, alias)
            .summary("not a Linux engine; extra hosts are not checked")
            .evidence(format!(
                "engine OS: {} {}",
                engine.os_type, engine.operating_system
            ))];
    }
    let access = ctx.access_url().value;
    let needed_for_access =
        host_of(&access).as_deref() == Some(alias.to_ascii_lowercase().as_str());
    let mut out = Vec::new();
    for wanted in &ctx.config.network.needs_host_gateway {
        let containers: Vec<&Container> = if wanted == "workspaces" {
            ctx.stack.workspaces.clone()
        } else {
            ctx.stack.services.get(wanted).cloned().unwrap_or_default()
        };
        for c in containers {
            let subject = c.name().to_owned();
            if let Some(entry) = c.extra_host(alias) {
                out.push(
                    finding(check, Severity::Ok, subject)
                        .summary(format!("has the extra host for {alias}"))
                        .evidence(format!("ExtraHosts: {entry}")),
                );
            } else {
                {
                    let severity = if needed_for_access {
                        Severity::Fail
                    } else {
                        Severity::Warn
                    };
                    let fix = if wanted == "workspaces" {
                        format!("In the template's docker_container add `host {{ host = \"{alias}\" ip = \"host-gateway\" }}`, push the template and recreate the workspace (or press b on its row in the Services tab).")
                    } else {
                        format!(
                            "In docker-compose.yml add to service {}: `extra_hosts: [\"{alias}:host-gateway\"]`, then `docker compose up -d {}`.",
                            c.info.compose.as_ref().map_or(wanted.as_str(), |cp| cp.service.as_str()),
                            c.info.compose.as_ref().map_or(wanted.as_str(), |cp| cp.service.as_str()),
                        )
                    };
                    out.push(
                        finding(check, severity, subject)
                            .summary(format!("Linux engine without Docker Desktop, and no {alias}:host-gateway: the name does not resolve inside"))
                            .evidence(format!(
                                "engine: {}; ExtraHosts: {}; access URL {access}",
                                engine.operating_system,
                                if c.extra_hosts.is_empty() { "none".to_owned() } else { c.extra_hosts.join(", ") }
                            ))
                            .fix(fix)
                            .reference(s::LINUX_HOST),
                    );
                }
            }
        }
    }
    out
}

/// From each workspace: the access URL, and the other containers by name.
async fn from_workspaces(ctx: &Ctx<'_>) -> Vec<Finding> {
    let check = "access-url-from-workspace";
    if let Some(f) = engine_skipped(ctx, check, "workspaces") {
        return vec![f];
    }
    let running: Vec<&Container> = ctx
        .stack
        .workspaces
        .iter()
        .copied()
        .filter(|c| c.info.state == crate::docker::ContainerState::Running)
        .collect();
    if running.is_empty() {
        return vec![finding(check, Severity::Skipped, "workspaces")
            .summary(
                "no running workspace container: reachability from inside a workspace not checked",
            )
            .evidence(format!(
                "{} workspace containers, none running",
                ctx.stack.workspaces.len()
            ))
            .fix("Start a workspace in Coder, then refresh.")];
    }
    if let Some(why) = ctx.inside_refused() {
        return vec![finding(check, Severity::Skipped, "workspaces")
            .summary("reachability from inside a workspace not checked (read-only)")
            .evidence(why)];
    }
    let access = ctx.access_url().value;
    let target = buildinfo_url(&access);
    let peers = peer_urls(ctx);
    let mut out = Vec::new();
    for ws in running {
        let got = ctx.fetch_inside(ws, &target).await;
        out.push(if got.ok {
            finding(check, Severity::Ok, ws.name())
                .summary("the workspace reaches Coder at the access URL")
                .evidence(format!("GET {target} ({}) answered", got.via))
        } else if let Some(answer) = got.answer() {
            finding(check, Severity::Warn, ws.name())
                .summary("the workspace reaches the access URL, but what answers there is not Coder's API")
                .evidence(format!("GET {target} ({}): {answer}", got.via))
                .fix("Check that the access URL's port is Coder's (7080 in the POC) and that nothing else answers there.")
                .reference(s::ACCESS_URL)
        } else {
            let (why, fix) = if got.is_dns_failure() {
                (
                    format!("{} does not resolve inside the workspace", host_of(&access).unwrap_or_default()),
                    format!("Give the workspace container `{}:host-gateway` (template `host` block) or use an access URL that resolves inside containers.", ctx.config.stack.host_alias),
                )
            } else {
                (
                    "the workspace cannot reach Coder at the access URL; the agent will not connect".to_owned(),
                    format!("Use an access URL reachable from containers, e.g. CODER_ACCESS_URL: \"{}\", then `docker compose up -d coder` and recreate the workspace (or press b on its row in the Services tab).", ctx.config.network.coder_access_url),
                )
            };
            finding(check, Severity::Fail, ws.name())
                .summary(why)
                .evidence(format!("GET {target} ({}): {}", got.via, got.first_line()))
                .fix(fix)
                .reference(s::AGENT)
        });
        for (key, url) in &peers {
            let got = ctx.fetch_inside(ws, url).await;
            let subject = format!("{} → {key}", ws.name());
            out.push(if got.reached() {
                let answer = got.answer().unwrap_or_else(|| "answered".to_owned());
                finding("container-dns", Severity::Ok, subject)
                    .summary(format!("{key} is reachable by name from the workspace"))
                    .evidence(format!("GET {url} ({}): {answer}", got.via))
            } else {
                let what = if got.is_dns_failure() { "does not resolve" } else { "is not reachable" };
                finding("container-dns", Severity::Fail, subject)
                    .summary(format!("{} {what} from the workspace", host_of(url).unwrap_or_default()))
                    .evidence(format!("GET {url} ({}): {}", got.via, got.first_line()))
                    .fix(format!("Put both containers on {} (`docker network connect {} {}`), and use the container name and internal port, not localhost.", ctx.config.stack.network, ctx.config.stack.network, ws.name()))
                    .reference(s::CONTAINER_TO_CONTAINER)
            });
        }
    }
    out
}

/// Internal http URLs of Coder and Gitea whose container runs: what a workspace must reach.
fn peer_urls(ctx: &Ctx<'_>) -> Vec<(String, String)> {
    ["coder", "gitea"]
        .into_iter()
        .filter_map(|key| {
            let svc = ctx.config.services.get(key)?;
            let url = svc.internal_url.clone().filter(|u| u.starts_with("http"))?;
            ctx.stack
                .container(key)
                .filter(|c| c.info.state == crate::docker::ContainerState::Running)?;
            Some((key.to_owned(), url))
        })
        .collect()
}

fn path_apps(ctx: &Ctx<'_>) -> Vec<Finding> {
    let check = "path-apps";
    let disabled = ctx.coder_setting(|s| s.disable_path_apps);
    let wildcard = ctx.coder_setting(|s| s.wildcard_access_url.clone());
    if ctx.coder_container().is_none() && ctx.coder_api.is_err() {
        return vec![finding(check, Severity::Skipped, "Coder apps")
            .summary("not checked: no Coder container and no deployment config to read")
            .evidence(ctx.coder_api.as_ref().err().cloned().unwrap_or_default())
            .fix("Start Coder, or give poc-tui Coder owner credentials ([credentials.coder]).")];
    }
    let evidence = format!(
        "CODER_DISABLE_PATH_APPS={} ; CODER_WILDCARD_ACCESS_URL={}",
        disabled
            .as_ref()
            .map_or("unset (false)".to_owned(), |(v, src)| format!(
                "{v} ({src})"
            )),
        wildcard
            .as_ref()
            .map_or("unset".to_owned(), |(v, src)| format!("{v} ({src})")),
    );
    match (disabled.map(|(v, _)| v), wildcard) {
        (Some(true), None) => vec![finding(check, Severity::Fail, "Coder apps")
            .summary("path apps are disabled and there is no wildcard URL: web IDE apps cannot open")
            .evidence(evidence)
            .fix("Set CODER_DISABLE_PATH_APPS: \"false\" in docker-compose.yml (and `subdomain = false` in the template), then `docker compose up -d coder`; or configure wildcard DNS and CODER_WILDCARD_ACCESS_URL.")
            .reference(s::PATH_APPS)],
        (Some(true), Some(_)) => vec![finding(check, Severity::Ok, "Coder apps")
            .summary("subdomain apps only: templates need `subdomain = true` and working wildcard DNS")
            .evidence(evidence)
            .reference(s::PATH_APPS)],
        _ => vec![finding(check, Severity::Ok, "Coder apps")
            .summary("path-based apps are enabled (templates with `subdomain = false` work)")
            .evidence(evidence)
            .reference(s::PATH_APPS)],
    }
}
