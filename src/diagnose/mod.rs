//! Networking and SSO diagnosis: checks of the manual's failure modes, each yielding findings
//! with the evidence observed and a concrete fix. No UI code lives here.

pub mod agent_url;
pub mod causes;
pub mod coder_config;
pub mod coder_health;
pub mod config_drift;
pub mod context;
pub mod finding;
pub mod gather;
pub mod inside;
pub mod issuers;
pub mod logs;
pub mod networking;
mod probe_image;
pub mod probe_owner;
pub mod probe_pool;
mod progress;
pub mod redirect;
pub mod sso;
pub mod sso_login;
pub mod state;
pub mod urls;
pub mod worker;

use std::time::{Duration, SystemTime};

use serde::Serialize;

pub use finding::{Area, Counts, Finding, Report, Severity};
pub use inside::InsideProbeSettings;
pub use sso::ClientView;
pub use urls::{Reach, UrlCell, UrlRow};

use crate::config::Config;
use crate::identity::credentials::discover;
use coder_config::CoderSettings;
use context::Ctx;
use gather::Stack;
pub use progress::Progress;

/// What a run looks at, and how long it may wait.
#[derive(Debug, Clone)]
pub struct Options {
    pub docker_host: Option<String>,
    /// Empty means every area.
    pub areas: Vec<Area>,
    pub probe: InsideProbeSettings,
    /// Bound of each HTTP request and of connecting to the engine.
    pub timeout: Duration,
    /// Where the pass says what it is doing.
    pub progress: Progress,
    /// `--read-only`: no probe image, no probe container, no exec; those checks are skipped.
    pub policy: crate::config::Policy,
    /// The Coder session a pass logs in for is held here, so a caller that drops the pass
    /// (Ctrl-C, SIGTERM, a cancelled console) still ends it with `sessions.close`.
    pub sessions: crate::identity::Sessions,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            docker_host: None,
            areas: Vec::new(),
            probe: InsideProbeSettings::default(),
            timeout: Duration::from_secs(5),
            progress: Progress::default(),
            sessions: crate::identity::Sessions::default(),
            policy: crate::config::Policy::default(),
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

/// What the root-cause rules need from this pass.
fn facts(ctx: &Ctx<'_>) -> causes::Facts {
    causes::Facts {
        host_alias: ctx.config.stack.host_alias.clone(),
        expected_access_url: ctx.config.network.coder_access_url.clone(),
        workspaces: ctx
            .stack
            .workspaces
            .iter()
            .map(|w| w.name().to_owned())
            .collect(),
        containers: ctx
            .stack
            .distinct()
            .into_iter()
            .map(|(c, keys)| {
                (
                    c.name().to_owned(),
                    keys.into_iter().map(str::to_owned).collect(),
                )
            })
            .collect(),
        provider_service: ctx.config.sso.provider_service.clone(),
        clients: ctx
            .config
            .sso
            .clients
            .iter()
            .map(|(name, c)| (name.clone(), c.service.clone()))
            .collect(),
    }
}

/// Every check of the chosen areas, in order: service state first (the other checks name it
/// as their cause), then networking, then SSO.
async fn run_checks(ctx: &Ctx<'_>, options: &Options) -> (Report, Vec<UrlRow>, Vec<ClientView>) {
    let progress = &options.progress;
    let mut report = Report::default();
    let mut urls = Vec::new();
    let mut views = Vec::new();
    // Service state comes first: the other checks name it as their cause. With `--only sso`
    // the states that cause an SSO finding are kept (see `link`), the others dropped.
    report.findings.extend(state::run(ctx, Area::Networking));
    if options.wants(Area::Networking) {
        progress.set("networking checks (from the host and inside the containers)");
        report.findings.extend(networking::run(ctx).await);
        progress.set("comparing containers with the compose files");
        report
            .findings
            .extend(config_drift::run(ctx, options.docker_host.clone()).await);
        progress.set("reading recent container logs");
        report
            .findings
            .extend(logs::run(ctx, Area::Networking).await);
        report.findings.extend(agent_url::run(ctx));
        progress.set("reading Coder's health report");
        report.findings.extend(coder_health::run(ctx).await);
        progress.set("probing the URL contexts");
        urls = urls::table(ctx).await;
    } else {
        // The roots other areas' findings may name, kept below only when they do.
        report.findings.extend(networking::roots(ctx).await);
    }
    if options.wants(Area::Sso) {
        progress.set("SSO checks");
        let (found, v) = sso::run(ctx).await;
        report.findings.extend(found);
        views = v;
    }
    (report, urls, views)
}

/// Links consequences to their causes, then keeps the chosen areas' findings and the causes
/// (of any area) they name.
fn link(report: &mut Report, ctx: &Ctx<'_>, options: &Options) {
    report.unique_ids();
    causes::link(&mut report.findings, &facts(ctx));
    let wanted_or_cause = |f: &Finding, all: &[Finding]| {
        options.wants(f.area)
            || all
                .iter()
                .any(|c| c.caused_by.as_deref() == Some(f.id.as_str()))
    };
    let all = report.findings.clone();
    report.findings.retain(|f| wanted_or_cause(f, &all));
    report.sort();
}

/// Runs the checks of the chosen areas once.
pub async fn diagnose(config: &Config, options: &Options) -> Diagnosis {
    let progress = &options.progress;
    progress.set("connecting to the Docker engine");
    let engine = gather::engine(options.docker_host.as_deref(), options.timeout).await;
    let containers = engine.as_ref().map_or(&[][..], |e| e.containers.as_slice());
    let mut stack = Stack::new(config, containers);
    let coder_env = stack
        .container("coder")
        .map(|c| CoderSettings::from_env(|k| c.env(k).map(str::to_owned)))
        .unwrap_or_default();

    progress.set("connecting to Coder, Gitea and Authentik");
    let creds = discover(config, options.docker_host.as_deref()).await;
    // One Coder session for the whole pass, held where a cancelling caller can end it.
    let (clients, session) = options
        .sessions
        .connect(&creds, options.timeout, true)
        .await;
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
    // Only the workspaces this Coder knows are this POC's: another Coder's (or a test
    // stack's) labelled containers on the same engine are never diagnosed as ours. When
    // Coder cannot be read, every labelled container stays, judged by its labels.
    if let Ok(coder) = &clients.coder {
        if let Ok(known) = crate::workspaces::client::read(coder).await {
            let (ours, left_out): (Vec<_>, Vec<_>) = std::mem::take(&mut stack.workspaces)
                .into_iter()
                .partition(|w| {
                    w.info
                        .workspace
                        .as_ref()
                        .is_some_and(|labels| known.find(labels).is_some())
                });
            stack.workspaces = ours;
            if !left_out.is_empty() {
                let names: Vec<&str> = left_out.iter().map(|w| w.name()).collect();
                tracing::info!(
                    ?names,
                    "workspace containers not of this Coder left out of the diagnosis"
                );
            }
        }
    }
    let (http, http_error) = match context::http_client(options.timeout) {
        Ok(c) => (c, None),
        Err(e) => (reqwest::Client::new(), Some(e.to_string())),
    };
    // Probes left by a run that was killed go first; this pass's own go at its end.
    let pool = match &engine {
        // Read-only: nothing is built, started, removed or exec'd on the engine.
        Ok(_) if options.policy.is_read_only() => None,
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
        policy: options.policy,
        coder_env,
        coder_api,
        clients: Some(&clients),
        clients_error: http_error,
        progress: options.progress.clone(),
    };
    let (mut report, urls, views) = run_checks(&ctx, options).await;
    if let Some(pool) = &pool {
        progress.set("removing the probe containers");
        pool.shutdown().await;
    }
    // The Coder session this pass logged in for ends with it.
    options.sessions.end(session, Duration::from_secs(2)).await;
    link(&mut report, &ctx, options);
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
