//! What every check reads: the config, the engine and stack, Coder's settings, the clients.

use std::time::{Duration, SystemTime};

use serde_json::Value;

use super::coder_config::CoderSettings;
use super::gather::{Container, Engine, Stack};
use super::inside::{self, InsideFetch, InsideProbeSettings};
use super::probe_pool::ProbePool;
use crate::config::Config;
use crate::docker::EngineDown;
use crate::identity::Clients;

/// The inputs of one diagnosis run.
pub struct Ctx<'a> {
    pub config: &'a Config,
    pub engine: Result<&'a Engine, &'a EngineDown>,
    pub stack: Stack<'a>,
    pub http: reqwest::Client,
    pub probe: &'a InsideProbeSettings,
    /// poc-tui's probe containers of this pass (None without an engine).
    pub pool: Option<&'a ProbePool>,
    /// `--read-only`: [`Ctx::fetch_inside`] runs nothing in any container.
    pub policy: crate::config::Policy,
    /// Coder's settings from its container's environment (empty without a container).
    pub coder_env: CoderSettings,
    /// From `/api/v2/deployment/config`, or why it could not be read.
    pub coder_api: Result<CoderSettings, String>,
    pub clients: Option<&'a Clients>,
    /// Why the identity clients were not built, when they were not.
    pub clients_error: Option<String>,
    /// Where the pass says what it is doing (waiting out a starting container's grace).
    pub progress: super::progress::Progress,
}

/// What the pass says while it waits for a starting container before checking again.
pub const STARTING_PHASE: &str =
    "a container is starting: waiting out its grace before checking it again";

/// A value with where it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced {
    pub value: String,
    pub source: String,
}

impl<'a> Ctx<'a> {
    pub fn engine(&self) -> Option<&'a Engine> {
        self.engine.ok()
    }

    pub fn coder_container(&self) -> Option<&'a Container> {
        self.stack.container("coder")
    }

    fn coder_name(&self) -> String {
        self.coder_container()
            .map_or_else(|| "coder".to_owned(), |c| c.name().to_owned())
    }

    /// `CODER_ACCESS_URL` as the running stack has it: container env, then the deployment
    /// config, then (only as the expectation) the config file.
    pub fn access_url(&self) -> Sourced {
        if let Some(v) = &self.coder_env.access_url {
            return Sourced {
                value: v.clone(),
                source: format!(
                    "CODER_ACCESS_URL in the environment of {}",
                    self.coder_name()
                ),
            };
        }
        if let Ok(CoderSettings {
            access_url: Some(v),
            ..
        }) = &self.coder_api
        {
            return Sourced {
                value: v.clone(),
                source: "Coder's deployment config (access_url)".to_owned(),
            };
        }
        Sourced {
            value: self.config.network.coder_access_url.clone(),
            source: "the config's [network] coder_access_url (not read from a running Coder)"
                .to_owned(),
        }
    }

    /// True when the access URL came from the running stack rather than the config.
    pub fn access_url_is_live(&self) -> bool {
        self.coder_env.access_url.is_some()
            || matches!(
                &self.coder_api,
                Ok(CoderSettings {
                    access_url: Some(_),
                    ..
                })
            )
    }

    /// A Coder setting from the environment, else from the deployment config.
    pub fn coder_setting<T: Clone>(
        &self,
        pick: impl Fn(&CoderSettings) -> Option<T>,
    ) -> Option<(T, String)> {
        if let Some(v) = pick(&self.coder_env) {
            return Some((v, format!("environment of {}", self.coder_name())));
        }
        self.coder_api
            .as_ref()
            .ok()
            .and_then(pick)
            .map(|v| (v, "Coder's deployment config".to_owned()))
    }

    /// `[diagnose] starting_grace_secs`.
    pub fn grace(&self) -> Duration {
        Duration::from_secs(self.config.diagnose.starting_grace_secs)
    }

    /// The youngest running container of `involved` that started less than the grace ago:
    /// "starting: NAME started 4s ago", and how long until it is as old as the grace.
    pub fn starting(&self, involved: &[&Container]) -> Option<(String, Duration)> {
        let grace = self.grace();
        let now = SystemTime::now();
        involved
            .iter()
            .filter_map(|c| Some((c, c.info.uptime(now)?)))
            .filter(|(_, age)| *age < grace)
            .min_by_key(|(_, age)| *age)
            .map(|(c, age)| {
                (
                    format!("starting: {} started {}s ago", c.name(), age.as_secs()),
                    grace.saturating_sub(age),
                )
            })
    }

    /// Waits `wait` (at most the grace) for a starting container, saying so.
    async fn wait_for_start(&self, wait: Duration) {
        let before = self.progress.get();
        self.progress.set(STARTING_PHASE);
        tokio::time::sleep(wait.min(self.grace())).await;
        self.progress.set(before);
    }

    /// The containers a URL is served by: a container or compose service of that name, the
    /// services whose configured URLs have its host and port, Coder for its access URL.
    pub fn containers_for_url(&self, url: &str) -> Vec<&'a Container> {
        let Ok(parsed) = reqwest::Url::parse(url) else {
            return Vec::new();
        };
        let Some(host) = parsed.host_str().map(str::to_ascii_lowercase) else {
            return Vec::new();
        };
        let origin = |u: &reqwest::Url| {
            (
                u.host_str().map(str::to_ascii_lowercase),
                u.port_or_known_default(),
            )
        };
        let same_origin =
            |other: &str| reqwest::Url::parse(other).is_ok_and(|o| origin(&o) == origin(&parsed));
        let mut out: Vec<&'a Container> = Vec::new();
        if let Some(engine) = self.engine() {
            out.extend(
                engine
                    .containers
                    .iter()
                    .filter(|c| c.name().eq_ignore_ascii_case(&host)),
            );
        }
        for (c, _) in self.stack.distinct() {
            if c.info
                .compose
                .as_ref()
                .is_some_and(|cp| cp.service.eq_ignore_ascii_case(&host))
            {
                out.push(c);
            }
        }
        for (key, svc) in &self.config.services {
            let urls = [&svc.host_url, &svc.internal_url, &svc.browser_url];
            if urls.into_iter().flatten().any(|u| same_origin(u)) {
                out.extend(self.stack.container(key));
            }
        }
        if same_origin(&self.access_url().value) {
            out.extend(self.coder_container());
        }
        out
    }

    /// Fetches from the host; the body (capped) or the reason it failed. A failure while a
    /// container serving the URL is starting is checked again once its grace has passed.
    pub async fn fetch_host(&self, url: &str) -> Result<(u16, String), String> {
        let got = self.fetch_host_once(url).await;
        if got.is_ok() {
            return got;
        }
        let Some((note, wait)) = self.starting(&self.containers_for_url(url)) else {
            return got;
        };
        self.wait_for_start(wait).await;
        self.fetch_host_once(url).await.map_err(|e| {
            format!(
                "{e} ({note}; checked again after the {}s grace)",
                self.grace().as_secs()
            )
        })
    }

    async fn fetch_host_once(&self, url: &str) -> Result<(u16, String), String> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| describe_error(&e))?;
        let status = response.status().as_u16();
        let mut body = String::new();
        let mut response = response;
        while let Ok(Some(chunk)) = response.chunk().await {
            body.push_str(&String::from_utf8_lossy(&chunk));
            if body.len() > 256 * 1024 {
                break;
            }
        }
        Ok((status, body))
    }

    /// Why checks from inside containers cannot run in this pass (`--read-only`), if so.
    /// Each such check is then SKIPPED with this text.
    pub fn inside_refused(&self) -> Option<String> {
        self.policy
            .allow("probe containers and execs")
            .err()
            .map(|_| "read-only: no probe container, no exec".to_owned())
    }

    /// GETs `url` as `container` would: from a workspace's networks through poc-tui's own
    /// probe container (a workspace's programs are its user's), from a service container
    /// with its own `wget`/`curl`.
    ///
    /// A fetch the server did not answer while `container` or a container serving the URL is
    /// starting is done again once the youngest of them is as old as the grace; `via` then
    /// says so.
    pub async fn fetch_inside(&self, container: &'a Container, url: &str) -> InsideFetch {
        if let Some(why) = self.inside_refused() {
            return InsideFetch::failed(format!("in {}", container.name()), why);
        }
        let got = self.fetch_inside_once(container, url).await;
        if got.reached() {
            return got;
        }
        let mut involved = vec![container];
        involved.extend(self.containers_for_url(url));
        let Some((note, wait)) = self.starting(&involved) else {
            return got;
        };
        self.wait_for_start(wait).await;
        let mut again = self.fetch_inside_once(container, url).await;
        again.via = format!(
            "{}; {note}, checked again after the {}s grace",
            again.via,
            self.grace().as_secs()
        );
        again
    }

    async fn fetch_inside_once(&self, container: &Container, url: &str) -> InsideFetch {
        let is_workspace = self
            .stack
            .workspaces
            .iter()
            .any(|w| w.info.id == container.info.id);
        match (self.engine(), self.pool) {
            (Some(engine), Some(pool)) => {
                // A service's own wget or curl speaks HTTP only; other protocols go through
                // the probe container's script.
                if !is_workspace && url.starts_with("http") {
                    let own =
                        inside::fetch_with_own_tools(&engine.docker, container, url, self.probe);
                    if let Some(got) = own.await {
                        return got;
                    }
                }
                pool.fetch(container, url).await
            }
            _ => InsideFetch {
                ok: false,
                via: format!("in {}", container.name()),
                output: "no Docker engine".to_owned(),
            },
        }
    }
}

/// "connection refused", "DNS: …", "timed out", or the innermost cause; a URL's password in
/// the text is masked.
pub fn describe_error(err: &reqwest::Error) -> String {
    crate::redact::mask_url_passwords(&error_reason(err))
}

fn error_reason(err: &reqwest::Error) -> String {
    use std::error::Error as _;
    if err.is_timeout() {
        return "timed out".to_owned();
    }
    let mut innermost = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return "connection refused".to_owned();
            }
        }
        innermost = s.to_string();
        source = s.source();
    }
    let lower = innermost.to_ascii_lowercase();
    if lower.contains("dns") || lower.contains("failed to lookup") || lower.contains("not known") {
        format!("name does not resolve ({innermost})")
    } else {
        innermost
    }
}

/// The HTTP client of the diagnosis: no proxy, TLS verified, bounded.
pub fn http_client(timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .use_rustls_tls()
        .no_proxy()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::limited(3))
        .pool_max_idle_per_host(0)
        .user_agent(concat!("poc-tui/", env!("CARGO_PKG_VERSION"), " (doctor)"))
        .build()
}

/// The host of a URL, lowercased; None when it does not parse.
pub fn host_of(url: &str) -> Option<String> {
    reqwest::Url::parse(url)
        .ok()?
        .host_str()
        .map(|h| h.trim_matches(['[', ']']).to_ascii_lowercase())
}

/// `host:port` of a URL (port defaulted by scheme).
pub fn authority_of(url: &str) -> Option<String> {
    let u = reqwest::Url::parse(url).ok()?;
    Some(format!(
        "{}:{}",
        u.host_str()?.to_ascii_lowercase(),
        u.port_or_known_default()?
    ))
}

/// `localhost`, `127.0.0.0/8`, `::1`, `0.0.0.0`: the container itself when used inside one.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_matches(['[', ']']);
    host.eq_ignore_ascii_case("localhost")
        || host.to_ascii_lowercase().ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified())
}

/// `<issuer>.well-known/openid-configuration`, with one slash between.
pub fn discovery_url(issuer: &str) -> String {
    if issuer.ends_with('/') {
        format!("{issuer}.well-known/openid-configuration")
    } else {
        format!("{issuer}/.well-known/openid-configuration")
    }
}

/// The `issuer` field of a discovery document.
pub fn issuer_in(body: &str) -> Result<String, String> {
    let doc: Value = serde_json::from_str(body).map_err(|e| {
        let start: String = body.chars().take(80).collect();
        format!("not a discovery document ({e}); body starts: {start:?}")
    })?;
    doc.get("issuer")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| "the discovery document has no \"issuer\"".to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for h in [
            "localhost",
            "LOCALHOST",
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "[::1]",
            "0.0.0.0",
            "app.localhost",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "host.docker.internal",
            "coder-server",
            "192.168.1.5",
            "localhost.example.com",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }

    #[test]
    fn discovery_urls_keep_the_issuer_as_written() {
        assert_eq!(
            discovery_url("http://a:9000/application/o/coder/"),
            "http://a:9000/application/o/coder/.well-known/openid-configuration"
        );
        assert_eq!(
            discovery_url("http://a:9000/application/o/coder"),
            "http://a:9000/application/o/coder/.well-known/openid-configuration"
        );
    }

    #[test]
    fn urls_parts() {
        assert_eq!(
            host_of("http://Host.Docker.Internal:7080/x").as_deref(),
            Some("host.docker.internal")
        );
        assert_eq!(
            authority_of("https://example.com/").as_deref(),
            Some("example.com:443")
        );
        assert_eq!(host_of("not a url"), None);
        assert!(issuer_in("{\"issuer\": \"x\"}").is_ok());
        assert!(issuer_in("<html>")
            .unwrap_err()
            .contains("not a discovery document"));
    }
}
