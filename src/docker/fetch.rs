//! Reading container state from the engine: the full list, and one container.

use std::collections::HashMap;

use bollard::query_parameters::{InspectContainerOptions, ListContainersOptions};
use bollard::Docker;
use futures::{stream, StreamExt};

use super::model::{ContainerInfo, ContainerState, DockerHealth};

/// How many inspects run at once when reading every container.
const INSPECT_CONCURRENCY: usize = 16;

/// What happened to one inspect.
#[derive(Debug)]
pub(crate) enum Inspected {
    Found(Box<ContainerInfo>),
    /// The container no longer exists.
    Gone,
    /// The answer could not be read (an odd container); skip it.
    Unreadable(String),
}

/// Inspects one container. Errors are the engine being unreachable.
pub(crate) async fn inspect_one(
    docker: &Docker,
    id: &str,
) -> Result<Inspected, bollard::errors::Error> {
    use bollard::errors::Error as B;
    match docker
        .inspect_container(id, None::<InspectContainerOptions>)
        .await
    {
        Ok(answer) => Ok(ContainerInfo::from_inspect(answer).map_or_else(
            || Inspected::Unreadable("inspect answer without an id".to_string()),
            |info| Inspected::Found(Box::new(info)),
        )),
        Err(B::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(Inspected::Gone),
        Err(e @ (B::JsonDataError { .. } | B::JsonSerdeError { .. })) => {
            Ok(Inspected::Unreadable(e.to_string()))
        }
        Err(B::DockerResponseServerError {
            status_code,
            message,
        }) if status_code < 500 => Ok(Inspected::Unreadable(format!(
            "HTTP {status_code}: {message}"
        ))),
        Err(e) => Err(e),
    }
}

/// A container as the list endpoint shows it: enough to notice a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Listed {
    pub state: ContainerState,
    pub health: DockerHealth,
}

/// Every container (running or not) as the list shows it, sorted by name: enough for the
/// rows of the first frame.
pub(crate) async fn list_rows(
    docker: &Docker,
) -> Result<Vec<ContainerInfo>, bollard::errors::Error> {
    let options = ListContainersOptions {
        all: true,
        ..ListContainersOptions::default()
    };
    let list = docker.list_containers(Some(options)).await?;
    let mut rows: Vec<ContainerInfo> = list
        .into_iter()
        .filter_map(ContainerInfo::from_summary)
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(rows)
}

/// Every container (running or not) by id, from one list call.
pub(crate) async fn list_all(
    docker: &Docker,
) -> Result<HashMap<String, Listed>, bollard::errors::Error> {
    Ok(list_rows(docker)
        .await?
        .into_iter()
        .map(|row| {
            let listed = Listed {
                state: row.state,
                health: row.health,
            };
            (row.id, listed)
        })
        .collect())
}

/// Lists and inspects every container, a few at a time.
pub(crate) async fn fetch_all(
    docker: &Docker,
) -> Result<Vec<ContainerInfo>, bollard::errors::Error> {
    let ids: Vec<String> = list_all(docker).await?.into_keys().collect();
    fetch_these(docker, ids).await
}

/// Chooses the engine like the Docker CLI, connects, and reads every container.
pub async fn connect_and_read(
    docker_host: Option<&str>,
    timeout: std::time::Duration,
) -> Result<(Docker, super::EngineInfo, Vec<ContainerInfo>), super::EngineDown> {
    let target = super::resolve_target(docker_host, &super::EngineEnv::from_process())?;
    let (docker, info) = super::connect(&target, timeout).await?;
    let containers = fetch_all(&docker)
        .await
        .map_err(|e| super::connect::explain(&target, &e, timeout))?;
    Ok((docker, info, containers))
}

/// Inspects the given containers, a few at a time; vanished ones are left out.
pub(crate) async fn fetch_these(
    docker: &Docker,
    ids: Vec<String>,
) -> Result<Vec<ContainerInfo>, bollard::errors::Error> {
    let results: Vec<_> = stream::iter(ids)
        .map(|id| async move { (inspect_one(docker, &id).await, id) })
        .buffer_unordered(INSPECT_CONCURRENCY)
        .collect()
        .await;
    let mut containers = Vec::with_capacity(results.len());
    for (result, id) in results {
        match result? {
            Inspected::Found(info) => containers.push(*info),
            Inspected::Gone => {}
            Inspected::Unreadable(why) => {
                tracing::warn!(container = %id, %why, "skipping container");
            }
        }
    }
    containers.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(containers)
}
