//! Bundle steps that store the headless commands' `--json` answers, made by the same code
//! paths: `ps`, `check`, `drift`, `users`, `doctor` and `timeline`.

use std::time::SystemTime;

use super::collect::Engine;
use super::collector::Collector;
use super::redact::SecretKind;
use crate::cli::{DoctorArgs, GlobalArgs, ProjectArgs, TimelineArgs};
use crate::config::Config;
use crate::headless;
use crate::identity::{coder::CoderAuth, gitea::GiteaAuth, Credentials};
use crate::paths::Paths;

/// Parses a command's JSON text into a file, or notes why it could not.
fn json_text(c: &mut Collector, path: &str, what: &str, text: &str) {
    match serde_json::from_str(text) {
        Ok(v) => c.json(path, what, v),
        Err(e) => c.note(format!("{path}: not JSON: {e}")),
    }
}

pub(super) fn ps(c: &mut Collector, config: &Config, engine: Option<&Engine>, now: SystemTime) {
    let Some(engine) = engine else {
        c.note("reports/ps.json: not made (no engine)");
        return;
    };
    let report = crate::docker::build_report(
        engine.info.clone(),
        &config.service_matchers(),
        &engine.containers,
        now,
    );
    c.json_of("reports/ps.json", "`poc-tui ps --json`", &report);
}

pub(super) async fn check(
    c: &mut Collector,
    config: &Config,
    docker_host: Option<&str>,
    policy: crate::config::Policy,
) {
    match headless::check::run(config, &config.probe_targets(), docker_host, policy).await {
        Ok(out) => c.json_of("reports/check.json", "`poc-tui check --json`", &out),
        Err(e) => c.note(format!("reports/check.json: not made: {e}")),
    }
}

pub(super) async fn drift(c: &mut Collector, config: &Config, docker_host: Option<&str>) {
    let project = ProjectArgs::default();
    match headless::compose::drift_report(config, docker_host, &project).await {
        Ok(report) => {
            for e in &report.errors {
                c.note(format!("drift: project {}: {}", e.project, e.error));
            }
            c.json_of("reports/drift.json", "`poc-tui drift --json`", &report);
        }
        Err(e) => c.note(format!("reports/drift.json: not made: {e}")),
    }
}

/// The credentials poc-tui uses, learnt as secrets: from the config they are config
/// credentials, found on the stack they are discovered ones.
fn learn_credentials(c: &mut Collector, creds: &Credentials) {
    let kind = |source: &str| {
        if source.contains("container") {
            SecretKind::DiscoveredCredential
        } else {
            SecretKind::ConfigSecret
        }
    };
    if let Some(token) = &creds.authentik.auth {
        let name = if creds.authentik.source.contains("container") {
            crate::identity::credentials::BOOTSTRAP_TOKEN_VAR
        } else {
            "authentik-token"
        };
        c.redactor
            .learn(name, kind(&creds.authentik.source), token.expose());
    }
    let gitea_kind = kind(&creds.gitea.source);
    match &creds.gitea.auth {
        Some(GiteaAuth::Basic { password, .. }) => {
            c.redactor
                .learn("gitea-password", gitea_kind, password.expose());
        }
        Some(GiteaAuth::Token(t)) => c.redactor.learn("gitea-token", gitea_kind, t.expose()),
        None => {}
    }
    let coder_kind = kind(&creds.coder.source);
    match &creds.coder.auth {
        Some(CoderAuth::Login { password, .. }) => {
            c.redactor
                .learn("coder-password", coder_kind, password.expose());
        }
        Some(CoderAuth::Token(t)) => c.redactor.learn("coder-token", coder_kind, t.expose()),
        None => {}
    }
}

/// The identity systems as the bundle reads them: one login serves the workspace list (which
/// workspace containers are this POC's) and the users step.
pub(super) struct Identity {
    creds: Credentials,
    clients: crate::identity::Clients,
    ticket: crate::identity::clients::Ticket,
    /// Coder's workspace list; None when Coder cannot be read.
    pub known: Option<crate::workspaces::Known>,
}

pub(super) async fn identity(
    config: &Config,
    global: &GlobalArgs,
    policy: crate::config::Policy,
    sessions: &crate::identity::Sessions,
) -> Identity {
    let creds = crate::identity::credentials::discover(config, global.docker_host.as_deref()).await;
    let timeout = std::time::Duration::from_millis(config.identity.timeout_ms.max(100));
    let (clients, ticket) = sessions
        .connect(&creds, timeout, policy.is_read_only())
        .await;
    let known = match &clients.coder {
        Ok(coder) => crate::workspaces::client::read(coder).await.ok(),
        Err(_) => None,
    };
    Identity {
        creds,
        clients,
        ticket,
        known,
    }
}

pub(super) async fn users(
    c: &mut Collector,
    config: &Config,
    identity: Identity,
    sessions: &crate::identity::Sessions,
) {
    learn_credentials(c, &identity.creds);
    let snapshot = crate::identity::snapshot(&identity.clients).await;
    // The Coder session logged in for ends with this step (or, when the build is dropped,
    // with the caller's `sessions.close`).
    sessions
        .end(identity.ticket, std::time::Duration::from_secs(2))
        .await;
    let matrix = crate::identity::compute(config, &config.identity, &snapshot);
    for s in matrix.systems.iter().filter(|s| !s.reachable) {
        let why = s.reason.as_deref().unwrap_or("unreachable");
        c.note(format!("users: {:?} not read: {why}", s.system));
    }
    let text = headless::users::matrix_json(&matrix, &identity.creds);
    json_text(c, "reports/users.json", "`poc-tui users --json`", &text);
}

pub(super) async fn doctor(
    c: &mut Collector,
    config: &Config,
    docker_host: Option<&str>,
    policy: crate::config::Policy,
    sessions: &crate::identity::Sessions,
) {
    let args = DoctorArgs {
        json: true,
        only: Vec::new(),
    };
    let mut options = headless::doctor::options(config, &args, docker_host, policy);
    options.sessions = sessions.clone();
    let diagnosis = crate::diagnose::diagnose(config, &options).await;
    let text = headless::doctor::json(&diagnosis);
    json_text(c, "reports/doctor.json", "`poc-tui doctor --json`", &text);
}

pub(super) async fn timeline(
    c: &mut Collector,
    config: &Config,
    paths: &Paths,
    docker_host: Option<&str>,
) {
    let args = TimelineArgs {
        since: None,
        services: Vec::new(),
        json: true,
        no_fold: false,
    };
    let out = headless::timeline::collect(config, paths, docker_host, &args).await;
    if let Some(problem) = &out.file_problem {
        c.note(format!("timeline: file: {problem}"));
    }
    c.json_of("timeline.json", "`poc-tui timeline --json`", &out);
}
