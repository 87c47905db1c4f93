//! `poc-tui logs NAME`: sanitised log lines of a service, a workspace or a container, for
//! pipes. NAME is resolved like the Services tab does: configured service keys first, then
//! `owner/workspace`, then container names.

use std::sync::Arc;
use std::time::Duration;

use super::exit;
use crate::cli::LogsArgs;
use crate::config::Config;
use crate::docker::{classify, connect, fetch_all, resolve_target, ContainerInfo, EngineEnv};
use crate::logs::{run_logs_command, KnownIssues, LogsCommandOptions, Query, QueryMode};

/// How long `logs` waits for the engine before giving up with a reason.
const ENGINE_TIMEOUT: Duration = Duration::from_secs(10);

/// What NAME turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub container_id: String,
    pub container_name: String,
    pub service: Option<String>,
}

/// Why NAME does not name a container.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("no service, workspace or container is called {name:?}{}", did_you_mean(.closest))]
    Unknown { name: String, closest: Vec<String> },
    #[error("service {0:?} has no container on the engine (is it started?)")]
    NoContainer(String),
}

fn did_you_mean(closest: &[String]) -> String {
    if closest.is_empty() {
        String::new()
    } else {
        format!("; closest: {}", closest.join(", "))
    }
}

/// Finds the container NAME stands for among `containers`.
pub fn resolve(
    config: &Config,
    containers: &[ContainerInfo],
    name: &str,
) -> Result<Resolved, ResolveError> {
    let found = |c: &ContainerInfo, service: Option<String>| Resolved {
        container_id: c.id.clone(),
        container_name: c.name.clone(),
        service,
    };
    let classified = classify(&config.service_matchers(), containers);
    if config.services.contains_key(name) {
        let id = classified
            .services
            .iter()
            .find(|s| s.key == name)
            .and_then(|s| s.container_ids.first());
        return match id.and_then(|id| containers.iter().find(|c| &c.id == id)) {
            Some(c) => Ok(found(c, Some(name.to_owned()))),
            None => Err(ResolveError::NoContainer(name.to_owned())),
        };
    }
    let workspace_label = |c: &ContainerInfo| {
        c.workspace
            .as_ref()
            .map(|w| format!("{}/{}", w.owner, w.workspace_name))
    };
    if let Some(c) = containers
        .iter()
        .find(|c| workspace_label(c).is_some_and(|l| l.eq_ignore_ascii_case(name)))
    {
        return Ok(found(c, None));
    }
    if let Some(c) = containers
        .iter()
        .find(|c| c.name == name.trim_start_matches('/'))
    {
        let service = classified.service_of(&c.id).map(str::to_owned);
        return Ok(found(c, service));
    }
    let mut known: Vec<String> = config.services.keys().cloned().collect();
    known.extend(containers.iter().filter_map(workspace_label));
    known.extend(containers.iter().map(|c| c.name.clone()));
    let closest = crate::suggest::closest(name, known.iter().map(String::as_str))
        .into_iter()
        .map(str::to_owned)
        .collect();
    Err(ResolveError::Unknown {
        name: name.to_owned(),
        closest,
    })
}

/// Prints the lines; exit 0 when the log was read, 1 when the engine failed, 2 for a bad
/// NAME or `--grep`.
pub async fn run(config: &Config, args: &LogsArgs, docker_host: Option<String>) -> u8 {
    let grep = match args
        .grep
        .as_deref()
        .map(|g| Query::new(g, QueryMode::Regex))
    {
        None => None,
        Some(Ok(query)) => Some(query),
        Some(Err(e)) => {
            crate::safe_eprintln!("poc-tui: --grep: {e}");
            return exit::USAGE;
        }
    };
    let hints = if args.hints {
        match KnownIssues::with_user(config.logs.known_issues.clone()) {
            Ok(h) => Some(Arc::new(h)),
            Err(e) => {
                crate::safe_eprintln!("poc-tui: [logs] known_issues: {e}");
                return exit::USAGE;
            }
        }
    } else {
        None
    };
    let engine = async {
        let target = resolve_target(docker_host.as_deref(), &EngineEnv::from_process())?;
        let (docker, _) = connect(&target, ENGINE_TIMEOUT).await?;
        let containers = fetch_all(&docker)
            .await
            .map_err(|e| crate::docker::connect::explain(&target, &e, ENGINE_TIMEOUT))?;
        Ok::<_, crate::docker::EngineDown>((docker, containers))
    };
    let (docker, containers) = match tokio::time::timeout(ENGINE_TIMEOUT, engine).await {
        Ok(Ok(found)) => found,
        Ok(Err(down)) => {
            crate::safe_eprintln!("poc-tui: Docker engine unreachable: {}", down.reason);
            crate::safe_eprintln!("poc-tui: fix: {}", down.fix);
            return exit::FOUND_PROBLEMS;
        }
        Err(_) => {
            crate::safe_eprintln!(
                "poc-tui: the Docker engine did not answer within {}s",
                ENGINE_TIMEOUT.as_secs()
            );
            crate::safe_eprintln!("poc-tui: fix: the daemon may be hung or overloaded: check `systemctl status docker`.");
            return exit::FOUND_PROBLEMS;
        }
    };
    let resolved = match resolve(config, &containers, &args.name) {
        Ok(r) => r,
        Err(e @ ResolveError::Unknown { .. }) => {
            crate::safe_eprintln!("poc-tui: {e}");
            return exit::USAGE;
        }
        Err(e @ ResolveError::NoContainer(_)) => {
            crate::safe_eprintln!("poc-tui: {e}");
            return exit::FOUND_PROBLEMS;
        }
    };
    let opts = LogsCommandOptions {
        follow: args.follow,
        tail: args.tail,
        since: args.since,
        grep,
        hints,
        service: resolved.service.clone(),
        timestamps: args.timestamps,
        ..LogsCommandOptions::default()
    };
    match run_logs_command(&docker, &resolved.container_id, &opts, std::io::stdout()).await {
        Ok(_) => exit::OK,
        Err(e) => {
            crate::safe_eprintln!("poc-tui: {e}");
            exit::FOUND_PROBLEMS
        }
    }
}
