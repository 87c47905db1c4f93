//! The URL-context table: how each service is reached from the host, from inside a container
//! on the stack's network, and from the browser, each cell probed where it can be.

use std::time::Duration;

use serde::Serialize;

use super::context::Ctx;
use super::gather::Container;
use super::inside::{answered, InsideFetch};
use crate::docker::ContainerState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    Reached,
    Failed,
    NotProbed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UrlCell {
    pub url: Option<String>,
    pub reach: Reach,
    /// What was seen: `HTTP 200`, `connection refused`, or why it was not probed.
    pub note: String,
}

impl UrlCell {
    fn none() -> Self {
        UrlCell {
            url: None,
            reach: Reach::NotProbed,
            note: String::new(),
        }
    }
    fn not_probed(url: &str, why: &str) -> Self {
        UrlCell {
            url: Some(url.to_owned()),
            reach: Reach::NotProbed,
            note: why.to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UrlRow {
    pub service: String,
    pub display: String,
    pub host: UrlCell,
    pub inside: UrlCell,
    pub browser: UrlCell,
}

/// The container the "inside" column is probed from: a running workspace on the stack's
/// network, else Coder.
fn vantage<'a>(ctx: &Ctx<'a>) -> Option<&'a Container> {
    let running = |c: &&Container| c.info.state == ContainerState::Running;
    let network = &ctx.config.stack.network;
    ctx.stack
        .workspaces
        .iter()
        .copied()
        .find(|c| running(c) && c.on_network(network))
        .or_else(|| ctx.coder_container().filter(running))
}

async fn from_host(ctx: &Ctx<'_>, url: &str) -> UrlCell {
    let parsed = reqwest::Url::parse(url);
    let cell = |reach, note: String| UrlCell {
        url: Some(url.to_owned()),
        reach,
        note,
    };
    match parsed.as_ref().map(reqwest::Url::scheme) {
        Ok("http" | "https") => match ctx.fetch_host(url).await {
            Ok((status, _)) if (200..300).contains(&status) => {
                cell(Reach::Reached, format!("HTTP {status}"))
            }
            Ok((status, _)) => cell(Reach::Reached, answered(status)),
            Err(e) => cell(Reach::Failed, e),
        },
        Ok(_) => {
            let Ok(u) = parsed else {
                return UrlCell::not_probed(url, "not a URL");
            };
            let (Some(host), Some(port)) = (u.host_str(), u.port()) else {
                return UrlCell::not_probed(url, "no host or port");
            };
            let connect = tokio::net::TcpStream::connect((host.trim_matches(['[', ']']), port));
            match tokio::time::timeout(Duration::from_secs(3), connect).await {
                Ok(Ok(_)) => cell(Reach::Reached, "TCP connect".to_owned()),
                Ok(Err(e)) => cell(Reach::Failed, e.to_string()),
                Err(_) => cell(Reach::Failed, "timed out".to_owned()),
            }
        }
        Err(_) => UrlCell::not_probed(url, "not a URL"),
    }
}

/// `from ws-alice`, `from ws-alice: HTTP 404: reached; …`, or what the failure was; a check
/// made again after a starting container's grace says so.
fn inside_note(from: &Container, got: &InsideFetch) -> String {
    let mut note = format!("from {}", from.name());
    if let Some(answer) = got.answer() {
        note = format!("{note}: {answer}");
    } else if !got.ok {
        note = format!("{note}: {}", got.first_line());
    }
    if let Some((_, starting)) = got.via.split_once("; starting: ") {
        note = format!("{note} (starting: {starting})");
    }
    note
}

/// Probes every cell of every service.
pub async fn table(ctx: &Ctx<'_>) -> Vec<UrlRow> {
    let vantage = vantage(ctx);
    let mut rows = Vec::new();
    for (key, svc) in &ctx.config.services {
        let host = match &svc.host_url {
            Some(u) => from_host(ctx, u).await,
            None => UrlCell::none(),
        };
        let browser = match &svc.browser_url {
            Some(u) if Some(u) == svc.host_url.as_ref() => UrlCell {
                url: Some(u.clone()),
                ..host.clone()
            },
            Some(u) => from_host(ctx, u).await,
            None => UrlCell::none(),
        };
        let inside = match (&svc.internal_url, vantage) {
            (None, _) => UrlCell::none(),
            (Some(u), _) if !inside_probe_speaks(u) => UrlCell::not_probed(u, "not HTTP"),
            (Some(u), None) => UrlCell::not_probed(u, "no running container to probe from"),
            (Some(u), Some(_)) if ctx.inside_refused().is_some() => {
                UrlCell::not_probed(u, "read-only")
            }
            (Some(u), Some(c)) => {
                let got = ctx.fetch_inside(c, u).await;
                UrlCell {
                    url: Some(u.clone()),
                    reach: if got.reached() {
                        Reach::Reached
                    } else {
                        Reach::Failed
                    },
                    note: inside_note(c, &got),
                }
            }
        };
        rows.push(UrlRow {
            service: key.clone(),
            display: svc.display.clone(),
            host,
            inside,
            browser,
        });
    }
    rows
}

/// The schemes a probe from inside the stack can speak: HTTP, and a PostgreSQL or Redis hello.
fn inside_probe_speaks(url: &str) -> bool {
    [
        "http://",
        "https://",
        "postgres://",
        "postgresql://",
        "redis://",
    ]
    .iter()
    .any(|scheme| url.starts_with(scheme))
}
