//! `poc-tui up`, `poc-tui restart`, `poc-tui drift`: compose actions and drift
//! without the console. Data on stdout, the tool's own output and talk on stderr.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::mpsc;

use super::{exit, print_stdout};
use crate::cli::{DriftArgs, GlobalArgs, ProjectArgs};
use crate::compose::lock::{ProjectLock, DEFAULT_LOCK_WAIT};
use crate::compose::names::check_service_shape;
use crate::compose::{
    check_project, choose_project, containers::compose_containers, detect, discover,
    known_services, run_action, ActionEvent, ActionKind, ActionRecord, ActionRequest, ComposeError,
    ComposeTool, DockerCli, Outcome, ProjectHint, ServiceDrift, ToolSearch,
};
use crate::compose::{ActionControl, ActionLimits};
use crate::config::Config;
use crate::docker::ContainerInfo;

/// How long reading the engine or `compose config` may take.
const QUERY_TIMEOUT: Duration = Duration::from_secs(30);

fn hint(config: &Config, args: &ProjectArgs) -> ProjectHint {
    ProjectHint {
        name: args.project.clone(),
        files: args.compose_files.clone(),
        directory: args.project_directory.clone(),
        configured: Some(config.stack.compose_project.clone()).filter(|p| !p.is_empty()),
        pinned: crate::compose::ComposeProject::pinned_in(config),
    }
}

fn search(global: &GlobalArgs) -> ToolSearch {
    ToolSearch {
        docker_host: global.docker_host.clone(),
        ..ToolSearch::default()
    }
}

/// A service named by its config key (`authentik`) means its compose service.
fn compose_name(config: &Config, name: &str) -> String {
    config
        .services
        .get(name)
        .and_then(|s| s.compose_service.clone())
        .unwrap_or_else(|| name.to_string())
}

/// `up` and `restart`; refused under a read-only `policy` unless `dry_run`.
#[allow(clippy::too_many_arguments)] // the command's arguments, each used once
pub async fn run_actions(
    config: &Config,
    global: &GlobalArgs,
    kind: ActionKind,
    names: &[String],
    project_args: &ProjectArgs,
    dry_run: bool,
    policy: crate::config::Policy,
    paths: &crate::paths::Paths,
) -> u8 {
    if let (Err(why), false) = (policy.allow(kind.verb()), dry_run) {
        crate::safe_eprintln!(
            "poc-tui: {why}; drop --read-only, or use --dry-run to see the commands"
        );
        return exit::USAGE;
    }
    // Shape first: a hostile name is refused before any process is spawned.
    let names: Vec<String> = names.iter().map(|n| compose_name(config, n)).collect();
    for name in &names {
        if let Err(e) = check_service_shape(name) {
            crate::safe_eprintln!("poc-tui: {e}");
            return exit::USAGE;
        }
    }
    match prepare(config, global, project_args, &names).await {
        Err(e) => {
            crate::safe_eprintln!("poc-tui: {e}");
            exit::USAGE
        }
        Ok(prepared) => {
            let run = Run {
                config,
                global,
                paths,
            };
            execute(&prepared, kind, &names, dry_run, &run).await
        }
    }
}

struct Prepared {
    tool: ComposeTool,
    project: crate::compose::ComposeProject,
    known: Vec<String>,
    containers: Vec<ContainerInfo>,
}

async fn prepare(
    config: &Config,
    global: &GlobalArgs,
    project_args: &ProjectArgs,
    names: &[String],
) -> Result<Prepared, ComposeError> {
    let tool = detect(&search(global)).await?;
    let containers = compose_containers(global.docker_host.as_deref(), QUERY_TIMEOUT).await?;
    let discovered = discover(&containers);
    let project = choose_project(&hint(config, project_args), &discovered, names)?;
    let known = known_services(&tool, &project, QUERY_TIMEOUT).await?;
    Ok(Prepared {
        tool,
        project,
        known,
        containers,
    })
}

fn container_of<'a>(
    containers: &'a [ContainerInfo],
    project: &str,
    service: &str,
) -> Option<&'a ContainerInfo> {
    containers.iter().find(|c| {
        c.compose
            .as_ref()
            .is_some_and(|l| l.project == project && l.service == service)
    })
}

/// Where an action runs and is recorded.
struct Run<'a> {
    config: &'a Config,
    global: &'a GlobalArgs,
    paths: &'a crate::paths::Paths,
}

/// The config's key for a compose service (`authentik-server` → `authentik`), if any.
async fn execute(
    prepared: &Prepared,
    kind: ActionKind,
    names: &[String],
    dry_run: bool,
    run: &Run<'_>,
) -> u8 {
    let global = run.global;
    let docker = DockerCli {
        host: global.docker_host.clone(),
        ..DockerCli::default()
    };
    let mut requests = Vec::new();
    for name in names {
        let before = container_of(&prepared.containers, &prepared.project.name, name);
        match ActionRequest::service(
            kind,
            prepared.project.clone(),
            name,
            prepared.known.iter().map(String::as_str),
            before.map(|c| c.id.clone()),
        ) {
            Ok(r) => requests.push(r),
            Err(e) => {
                crate::safe_eprintln!("poc-tui: {e} in project {}", prepared.project.name);
                return exit::USAGE;
            }
        }
    }
    if kind == ActionKind::Restart {
        warn_restart_keeps_drift(prepared, names).await;
    }
    let signals = if dry_run { None } else { Some(watch_signals()) };
    let control = signals
        .as_ref()
        .map_or_else(ActionControl::default, |w| ActionControl {
            limits: ActionLimits::from_config(run.config),
            cancel: w.cancel.clone(),
            shutdown: w.shutdown.clone(),
        });
    // One action per project at a time, with the console and any other poc-tui.
    let _lock = match (&run.paths.data_dir, dry_run) {
        (Some(dir), false) => {
            let what = format!("poc-tui {} {}", kind.verb(), names.join(" "));
            match ProjectLock::acquire(dir, &prepared.project.name, &what, DEFAULT_LOCK_WAIT).await
            {
                Ok(lock) => Some(lock),
                Err(reason) => {
                    crate::safe_eprintln!("poc-tui: {reason}");
                    return exit::FOUND_PROBLEMS;
                }
            }
        }
        _ => None,
    };
    let mut failed = false;
    for (id, request) in (1u64..).zip(&requests) {
        if control.cancel.is_cancelled() || control.shutdown.is_cancelled() {
            break;
        }
        let command = match request.command(Some(&prepared.tool), &docker) {
            Ok(c) => c,
            Err(e) => {
                crate::safe_eprintln!("poc-tui: {e}");
                return exit::USAGE;
            }
        };
        if dry_run {
            super::print_text(&format!("{}\n", command.display()));
            continue;
        }
        crate::safe_eprintln!("$ {}", command.display());
        let lookup = request.lookup_command(Some(&prepared.tool), &docker);
        let mut record = run_streaming(id, request, &command, lookup.as_ref(), &control).await;
        crate::compose::StateCheck::new(docker.host.clone())
            .confirm(request, &mut record)
            .await;
        failed |= record.outcome == Outcome::Failed;
        let service = match &request.target {
            crate::compose::ActionTarget::Service { service, .. } => service.as_str(),
            crate::compose::ActionTarget::Container { name } => name.as_str(),
        };
        super::print_text(&format!("{service}: {}\n", record.summary()));
        let key = run.config.service_of_compose(service);
        let entry = crate::timeline::record::action_entry(
            &record,
            key.unwrap_or(service),
            key,
            &crate::timeline::record::who(),
        );
        crate::timeline::record::save_or_warn(run.paths, &[entry]);
    }
    if let Some(code) = signals.and_then(|w| w.exit_code()) {
        return code;
    }
    if failed {
        exit::FOUND_PROBLEMS
    } else {
        exit::OK
    }
}

/// What the signals poc-tui received ask of a running action.
struct SignalWatch {
    /// Ctrl-C: stop the action now (SIGTERM, then SIGKILL after the grace period).
    cancel: tokio_util::sync::CancellationToken,
    /// SIGTERM or SIGHUP: let it finish within a bound, then SIGTERM; never SIGKILL.
    shutdown: tokio_util::sync::CancellationToken,
    code: std::sync::Arc<std::sync::atomic::AtomicU8>,
    task: tokio::task::JoinHandle<()>,
}

impl SignalWatch {
    fn exit_code(&self) -> Option<u8> {
        let code = self.code.load(std::sync::atomic::Ordering::Relaxed);
        (code != 0).then_some(code)
    }
}

impl Drop for SignalWatch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The action's child runs in its own process group, so a terminal's Ctrl-C reaches only
/// poc-tui: these handlers pass it on, in the way each signal asks.
fn watch_signals() -> SignalWatch {
    use std::sync::atomic::{AtomicU8, Ordering};
    use tokio::signal::unix::{signal, SignalKind};
    let cancel = tokio_util::sync::CancellationToken::new();
    let shutdown = tokio_util::sync::CancellationToken::new();
    let code = std::sync::Arc::new(AtomicU8::new(0));
    let (c, s, k) = (cancel.clone(), shutdown.clone(), code.clone());
    let task = tokio::spawn(async move {
        let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return;
        };
        loop {
            let (name, exit_code) = tokio::select! {
                _ = int.recv() => ("SIGINT", 130),
                _ = term.recv() => ("SIGTERM", 143),
                _ = hup.recv() => ("SIGHUP", 129),
            };
            k.store(exit_code, Ordering::Relaxed);
            if name == "SIGINT" {
                crate::safe_eprintln!("poc-tui: {name}: stopping the action (SIGTERM now, SIGKILL after the grace period)");
                c.cancel();
            } else {
                crate::safe_eprintln!(
                    "poc-tui: {name}: letting the action finish (bounded), then SIGTERM"
                );
                s.cancel();
            }
        }
    });
    SignalWatch {
        cancel,
        shutdown,
        code,
        task,
    }
}

/// Runs one action, copying its output to stderr as it arrives.
async fn run_streaming(
    id: u64,
    request: &ActionRequest,
    command: &crate::compose::Argv,
    lookup: Option<&crate::compose::Argv>,
    control: &ActionControl,
) -> ActionRecord {
    let (tx, mut rx) = mpsc::channel(64);
    let printer = tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            if let ActionEvent::Output { lines, .. } = event {
                let mut err = std::io::stderr().lock();
                for line in lines {
                    let _ = writeln!(err, "  {line}");
                }
            }
        }
    });
    let record = run_action(id, request, command, lookup, &tx, control).await;
    drop(tx);
    let _ = printer.await;
    record
}

async fn warn_restart_keeps_drift(prepared: &Prepared, names: &[String]) {
    let drifts = match project_drift(prepared).await {
        Ok(d) => d,
        Err(e) => {
            crate::safe_eprintln!("poc-tui: could not check for configuration changes: {e}");
            return;
        }
    };
    for drift in drifts
        .iter()
        .filter(|d| d.drifted && names.contains(&d.service))
    {
        crate::safe_eprintln!(
            "poc-tui: warning: {} has configuration changes that restart will NOT apply (it keeps the old container and environment); run `poc-tui up {}` instead",
            drift.service, drift.service
        );
    }
}

async fn project_drift(prepared: &Prepared) -> Result<Vec<ServiceDrift>, ComposeError> {
    let discovered = discover(&prepared.containers);
    let Some(found) = discovered.projects.get(&prepared.project.name) else {
        return Ok(Vec::new());
    };
    let by_id: BTreeMap<String, ContainerInfo> = prepared
        .containers
        .iter()
        .map(|c| (c.id.clone(), c.clone()))
        .collect();
    check_project(&prepared.tool, found, &by_id, QUERY_TIMEOUT).await
}

/// `drift --json`: a stable shape.
#[derive(Debug, Serialize)]
pub struct DriftOutput {
    pub tool: ComposeTool,
    pub drifted: bool,
    pub services: Vec<ServiceDrift>,
    pub errors: Vec<ProjectError>,
}

#[derive(Debug, Serialize)]
pub struct ProjectError {
    pub project: String,
    pub error: String,
}

/// Compares every compose service on the engine (or of the chosen project) with its
/// files. An error is why nothing could be compared (no tool, no engine, bad project).
pub async fn drift_report(
    config: &Config,
    docker_host: Option<&str>,
    project_args: &ProjectArgs,
) -> Result<DriftOutput, ComposeError> {
    let search = ToolSearch {
        docker_host: docker_host.map(str::to_owned),
        ..ToolSearch::default()
    };
    let tool = detect(&search).await?;
    let containers = compose_containers(docker_host, QUERY_TIMEOUT).await?;
    let discovered = discover(&containers)
        .with_pinned(crate::compose::ComposeProject::pinned_in(config).as_ref());
    for (name, why) in &discovered.rejected {
        crate::safe_eprintln!("poc-tui: skipping container {name}: {why}");
    }
    let project_hint = hint(config, project_args);
    let chosen = if project_hint.name.is_some()
        || project_hint.configured.is_some()
        || !project_hint.files.is_empty()
    {
        Some(choose_project(&project_hint, &discovered, &[])?.name)
    } else {
        None
    };
    let by_id: BTreeMap<String, ContainerInfo> =
        containers.into_iter().map(|c| (c.id.clone(), c)).collect();
    let mut services = Vec::new();
    let mut errors = Vec::new();
    for (name, project) in &discovered.projects {
        if chosen.as_ref().is_some_and(|c| c != name) {
            continue;
        }
        let mut project = project.clone();
        if !project_args.compose_files.is_empty() {
            project
                .project
                .config_files
                .clone_from(&project_args.compose_files);
        }
        if let Some(dir) = &project_args.project_directory {
            project.project.working_dir = Some(dir.clone());
        }
        match check_project(&tool, &project, &by_id, QUERY_TIMEOUT).await {
            Ok(list) => services.extend(list),
            Err(e) => errors.push(ProjectError {
                project: name.clone(),
                error: e.to_string(),
            }),
        }
    }
    Ok(DriftOutput {
        drifted: services.iter().any(|s| s.drifted),
        tool,
        services,
        errors,
    })
}

/// `drift`: every compose service on the engine (or of the chosen project).
pub async fn run_drift(config: &Config, global: &GlobalArgs, args: &DriftArgs) -> u8 {
    let report = match drift_report(config, global.docker_host.as_deref(), &args.project).await {
        Ok(r) => r,
        Err(e) => {
            crate::safe_eprintln!("poc-tui: {e}");
            return exit::USAGE;
        }
    };
    if args.json {
        print_stdout(&(serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"));
    } else {
        super::print_text(&drift_text(&report.tool, &report.services));
    }
    for e in &report.errors {
        crate::safe_eprintln!("poc-tui: project {}: {}", e.project, e.error);
    }
    if report.drifted || !report.errors.is_empty() {
        exit::FOUND_PROBLEMS
    } else {
        exit::OK
    }
}

/// One line per service, then the changes of the drifted ones indented.
pub fn drift_text(tool: &ComposeTool, services: &[ServiceDrift]) -> String {
    use std::fmt::Write as _;
    let mut out = format!("# {}\n", tool.describe());
    if services.is_empty() {
        out.push_str("no compose containers found\n");
    }
    // Aligned columns first, each drifted service's changes indented under its line.
    let rows: Vec<Vec<String>> = services
        .iter()
        .map(|s| {
            let verdict = if s.drifted {
                "config changed: run `poc-tui up` to apply"
            } else {
                "up to date"
            };
            vec![
                super::safe_text(&format!("{}/{}", s.project, s.service)),
                super::safe_text(&s.container_name),
                verdict.to_owned(),
            ]
        })
        .collect();
    for (s, line) in services.iter().zip(crate::ui::format::align_columns(&rows)) {
        let _ = writeln!(out, "{line}");
        for change in &s.changes {
            let _ = writeln!(out, "    {}", change.describe());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::tool::ToolKind;

    fn service(project: &str, name: &str, container: &str, drifted: bool) -> ServiceDrift {
        ServiceDrift {
            project: project.into(),
            service: name.into(),
            container_id: "id".into(),
            container_name: container.into(),
            running_hash: None,
            current_hash: None,
            drifted,
            changes: Vec::new(),
        }
    }

    #[test]
    fn drift_lines_align_whatever_the_names() {
        let tool = ComposeTool {
            kind: ToolKind::Plugin,
            version: "2.29.0".into(),
            program: "docker".into(),
            prefix: vec!["compose".into()],
            env: Vec::new(),
        };
        let text = drift_text(
            &tool,
            &[
                service("poc", "db", "poc-db-1", false),
                service("a-much-longer-project", "authentik-worker", "x", true),
            ],
        );
        let lines: Vec<&str> = text.lines().skip(1).collect();
        assert_eq!(lines.len(), 2, "{text}");
        let at = |line: &str, what: &str| line.find(what).expect(what);
        assert_eq!(at(lines[0], "poc-db-1"), at(lines[1], "x  "), "{text}");
        assert_eq!(
            at(lines[0], "up to date"),
            at(lines[1], "config changed"),
            "{text}"
        );
    }
}
