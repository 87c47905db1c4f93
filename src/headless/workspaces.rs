//! `poc-tui workspaces`: Coder's workspace list joined to the engine's workspace containers,
//! with every agent's state. Exit 1 when a started workspace's agent is not connected and
//! ready, or Coder cannot be read; 0 otherwise.

use std::sync::Arc;
use std::time::Duration;

use super::exit;
use crate::cli::WorkspacesArgs;
use crate::config::{Config, Policy};
use crate::docker::{classify, connect_and_read, ContainerInfo};
use crate::workspaces::report::{build, render_text};
use crate::workspaces::worker::Reader;

/// How long the engine may take to answer before the list goes on without it.
const ENGINE_TIMEOUT: Duration = Duration::from_secs(10);

/// Reads Coder and the engine at once, prints the joined list, returns the exit code.
pub async fn run(
    config: Arc<Config>,
    args: &WorkspacesArgs,
    docker_host: Option<&str>,
    policy: Policy,
) -> u8 {
    let mut reader = Reader::new(Arc::clone(&config), policy.is_read_only());
    let (view, engine) = tokio::join!(reader.read(), connect_and_read(docker_host, ENGINE_TIMEOUT));
    reader.close().await;
    let containers: Result<Vec<ContainerInfo>, String> = engine
        .map(|(_, _, all)| {
            let classified = classify(&config.service_matchers(), &all);
            all.into_iter()
                .filter(|c| classified.workspaces.contains(&c.id))
                .collect()
        })
        .map_err(|down| down.reason);
    let refs: Result<Vec<&ContainerInfo>, String> = containers
        .as_ref()
        .map(|list| list.iter().collect())
        .map_err(Clone::clone);
    let report = build(&view, refs.as_deref().map_err(Clone::clone));
    if args.json {
        super::print_stdout(&(serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"));
    } else {
        super::print_text(&render_text(&report));
    }
    if report.ok {
        exit::OK
    } else {
        exit::FOUND_PROBLEMS
    }
}
