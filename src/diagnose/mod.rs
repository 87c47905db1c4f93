//! Networking and SSO diagnosis: checks of the manual's failure modes, each yielding findings
//! with the evidence observed and a concrete fix. No UI code lives here.

pub mod coder_config;
pub mod config_drift;
pub mod context;
pub mod finding;
pub mod gather;
pub mod inside;
pub mod networking;
mod probe_image;
pub mod probe_owner;
pub mod probe_pool;
pub mod redirect;
pub mod sso;
pub mod urls;
pub mod worker;

use std::time::{Duration, SystemTime};

use serde::Serialize;

pub use finding::{Area, Counts, Finding, Report, Severity};
pub use inside::ProbeSettings;
pub use sso::ClientView;
pub use urls::{Reach, UrlCell, UrlRow};

use crate::config::Config;
use crate::identity::credentials::discover;
use coder_config::CoderSettings;
use context::Ctx;
use gather::Stack;

/// What a run looks at, and how long it may wait.
#[derive(Debug, Clone)]
pub struct Options {
    pub docker_host: Option<String>,
    /// Empty means every area.
    pub areas: Vec<Area>,
    pub probe: ProbeSettings,
    /// Bound of each HTTP request and of connecting to the engine.
    pub timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            docker_host: None,
            areas: Vec::new(),
            probe: ProbeSettings::default(),
            timeout: Duration::from_secs(5),
        }
    }
}

impl Options {
    fn wants(&self, area: Area) -> bool {
        self.areas.is_empty() || self.areas.contains(&area)
    }
}

/// Everything one run found, for `doctor` and the tabs.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    pub report: Report,
    /// The Networking tab's URL-context table (empty when networking was not run).
    pub urls: Vec<UrlRow>,
    /// The SSO tab's per-client view (empty when SSO was not run).
    pub clients: Vec<ClientView>,
    /// "Docker Engine 27.3 (linux/amd64)" or why there is none.
    pub engine: String,
    /// Seconds since the Unix epoch.
    pub finished_at: u64,
}

/// Runs the checks of the chosen areas once.
pub async fn diagnose(config: &Config, options: &Options) -> Diagnosis {
    let engine = gather::engine(options.docker_host.as_deref(), options.timeout).await;
    let containers = engine.as_ref().map_or(&[][..], |e| e.containers.as_slice());
    let stack = Stack::new(config, containers);
    let coder_env = stack
        .container("coder")
        .map(|c| CoderSettings::from_env(|k| c.env(k).map(str::to_owned)))
        .unwrap_or_default();

    let creds = discover(config, options.docker_host.as_deref()).await;
    let clients = crate::identity::connect(&creds, options.timeout, true).await;
    let coder_api = match &clients.coder {
        Ok(c) => c
            .get_json::<serde_json::Value>(
                "/api/v2/deployment/config",
                "read the deployment config",
            )
            .await
            .map(|v| CoderSettings::from_deployment(&v))
            .map_err(|e| e.short()),
        Err(e) => Err(e.short()),
    };
    let (http, http_error) = match context::http_client(options.timeout) {
        Ok(c) => (c, None),
        Err(e) => (reqwest::Client::new(), Some(e.to_string())),
    };
    // Probes left by a run that was killed go first; this pass's own go at its end.
    let pool = match &engine {
        Ok(e) => {
            probe_owner::remove_stale(&e.docker).await;
            Some(probe_pool::ProbePool::new(
                e.docker.clone(),
                options.probe.clone(),
            ))
        }
        Err(_) => None,
    };
    let ctx = Ctx {
        config,
        engine: engine.as_ref(),
        stack,
        http,
        probe: &options.probe,
        pool: pool.as_ref(),
        coder_env,
        coder_api,
        clients: Some(&clients),
        clients_error: http_error,
    };
    let mut report = Report::default();
    let mut urls = Vec::new();
    let mut views = Vec::new();
    if options.wants(Area::Networking) {
        report.findings.extend(networking::run(&ctx).await);
        report
            .findings
            .extend(config_drift::run(&ctx, options.docker_host.clone()).await);
        urls = urls::table(&ctx).await;
    }
    if options.wants(Area::Sso) {
        let (found, v) = sso::run(&ctx).await;
        report.findings.extend(found);
        views = v;
    }
    if let Some(pool) = &pool {
        pool.shutdown().await;
    }
    // The Coder session this pass logged in for ends with it.
    clients.close(Duration::from_secs(2)).await;
    report.sort();
    let engine_text = match &engine {
        Ok(e) => format!(
            "{} {} ({}; {})",
            e.info.name, e.info.version, e.info.os, e.operating_system
        ),
        Err(down) => format!("unreachable: {}", down.reason),
    };
    Diagnosis {
        report,
        urls,
        clients: views,
        engine: engine_text,
        finished_at: SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    }
}
