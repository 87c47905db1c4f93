//! Reading the compose containers from the engine once (headless commands; the
//! console gets them from the Docker worker instead).

use std::collections::HashMap;
use std::time::Duration;

use bollard::query_parameters::{InspectContainerOptions, ListContainersOptions};

use super::error::ComposeError;
use crate::docker::{connect, resolve_target, ContainerInfo, EngineEnv};

/// Every container (running or not) that carries compose labels, inspected.
pub async fn compose_containers(
    docker_host: Option<&str>,
    timeout: Duration,
) -> Result<Vec<ContainerInfo>, ComposeError> {
    let env = EngineEnv::from_process();
    let target =
        resolve_target(docker_host, &env).map_err(|e| ComposeError::Engine(e.to_string()))?;
    let (docker, _) = connect(&target, timeout)
        .await
        .map_err(|e| ComposeError::Engine(e.to_string()))?;
    let filters: HashMap<String, Vec<String>> = HashMap::from([(
        "label".to_string(),
        vec!["com.docker.compose.project".to_string()],
    )]);
    let options = ListContainersOptions {
        all: true,
        filters: Some(filters),
        ..ListContainersOptions::default()
    };
    let list = docker
        .list_containers(Some(options))
        .await
        .map_err(|e| ComposeError::Engine(e.to_string()))?;
    let mut out = Vec::new();
    for summary in list {
        let Some(id) = summary.id else { continue };
        match docker
            .inspect_container(&id, None::<InspectContainerOptions>)
            .await
        {
            Ok(answer) => out.extend(ContainerInfo::from_inspect(answer)),
            // Removed between the list and the inspect: not there any more.
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => {}
            Err(e) => return Err(ComposeError::Engine(e.to_string())),
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}
