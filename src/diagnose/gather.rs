//! Reading what the checks look at: the engine, its containers (with their extra hosts),
//! and which configured service or workspace each container is.

use std::time::Duration;

use bollard::query_parameters::InspectContainerOptions;
use bollard::Docker;
use futures::{stream, StreamExt};
use indexmap::IndexMap;

use crate::config::Config;
use crate::docker::model::ContainerInfo;
use crate::docker::{
    classify, connect, resolve_target, EngineDown, EngineEnv, EngineInfo, ServiceMatcher,
};

/// A container as the checks see it.
#[derive(Debug, Clone)]
pub struct Container {
    pub info: ContainerInfo,
    /// `HostConfig.ExtraHosts`, e.g. `host.docker.internal:host-gateway`.
    pub extra_hosts: Vec<String>,
    /// `State.OOMKilled`.
    pub oom_killed: bool,
    /// The output of the last health check, trimmed (empty without a health check).
    pub last_health: String,
}

impl Container {
    pub fn name(&self) -> &str {
        &self.info.name
    }

    pub fn env(&self, key: &str) -> Option<&str> {
        self.info
            .env
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn on_network(&self, network: &str) -> bool {
        self.info.networks.iter().any(|n| n.name == network)
    }

    pub fn network_names(&self) -> String {
        let names: Vec<&str> = self.info.networks.iter().map(|n| n.name.as_str()).collect();
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    }

    /// The extra-hosts entry for `host`, if any (`host:ip` or `host:host-gateway`).
    pub fn extra_host(&self, host: &str) -> Option<&str> {
        self.extra_hosts.iter().map(String::as_str).find(|e| {
            e.split_once(':')
                .is_some_and(|(name, _)| name.eq_ignore_ascii_case(host))
        })
    }
}

/// The engine and everything on it.
pub struct Engine {
    pub docker: Docker,
    pub info: EngineInfo,
    /// `docker info`'s OperatingSystem, e.g. "Docker Desktop" or "Debian GNU/Linux 12".
    pub operating_system: String,
    pub os_type: String,
    pub containers: Vec<Container>,
}

impl Engine {
    /// Docker Desktop resolves `host.docker.internal` by itself; a plain Linux engine does not.
    pub fn provides_host_alias(&self) -> bool {
        self.operating_system.contains("Docker Desktop")
    }

    pub fn is_linux(&self) -> bool {
        self.os_type.eq_ignore_ascii_case("linux") || self.info.os.starts_with("linux")
    }
}

/// Connects and reads every container with its host config.
pub async fn engine(docker_host: Option<&str>, timeout: Duration) -> Result<Engine, EngineDown> {
    let target = resolve_target(docker_host, &EngineEnv::from_process())?;
    let (docker, info) = connect(&target, timeout).await?;
    let down = |e: &bollard::errors::Error| crate::docker::connect::explain(&target, e, timeout);
    let system = docker.info().await.map_err(|e| down(&e))?;
    let listed = docker
        .list_containers(Some(bollard::query_parameters::ListContainersOptions {
            all: true,
            ..Default::default()
        }))
        .await
        .map_err(|e| down(&e))?;
    let ids: Vec<String> = listed.into_iter().filter_map(|s| s.id).collect();
    let docker_ref = &docker;
    let mut containers: Vec<Container> = stream::iter(ids)
        .map(|id| async move {
            let inspect = docker_ref
                .inspect_container(&id, None::<InspectContainerOptions>)
                .await
                .ok()?;
            let extra_hosts = inspect
                .host_config
                .as_ref()
                .and_then(|h| h.extra_hosts.clone())
                .unwrap_or_default();
            let state = inspect.state.as_ref();
            let oom_killed = state.and_then(|s| s.oom_killed).unwrap_or(false);
            let last_health = state
                .and_then(|s| s.health.as_ref())
                .and_then(|h| h.log.as_ref())
                .and_then(|log| log.last())
                .and_then(|r| r.output.as_deref())
                .map(|o| o.trim().chars().take(300).collect())
                .unwrap_or_default();
            let info = ContainerInfo::from_inspect(inspect)?;
            Some(Container {
                info,
                extra_hosts,
                oom_killed,
                last_health,
            })
        })
        .buffer_unordered(8)
        .filter_map(|c| async move { c })
        .collect()
        .await;
    containers.sort_by(|a, b| a.info.name.cmp(&b.info.name));
    Ok(Engine {
        docker,
        info,
        operating_system: system.operating_system.unwrap_or_default(),
        os_type: system.os_type.unwrap_or_default(),
        containers,
    })
}

/// How each configured service finds its containers (see `Config::service_matchers`).
pub fn matchers(config: &Config) -> Vec<ServiceMatcher> {
    config.service_matchers()
}

/// The stack's containers by service key (several keys may share one container), and the
/// workspace containers.
#[derive(Debug, Default)]
pub struct Stack<'a> {
    pub services: IndexMap<String, Vec<&'a Container>>,
    pub workspaces: Vec<&'a Container>,
}

impl<'a> Stack<'a> {
    pub fn new(config: &Config, containers: &'a [Container]) -> Self {
        let infos: Vec<ContainerInfo> = containers.iter().map(|c| c.info.clone()).collect();
        let by_id = |id: &String| containers.iter().find(|c| &c.info.id == id);
        let mut services = IndexMap::new();
        for (key, service) in &config.services {
            // Services sharing a container (MinIO's console and API) each get it.
            let single = classify(
                &matchers(config)
                    .into_iter()
                    .filter(|m| &m.key == key)
                    .collect::<Vec<_>>(),
                &infos,
            );
            let mut found: Vec<&Container> = single
                .services
                .iter()
                .flat_map(|s| s.container_ids.iter())
                .filter_map(by_id)
                .collect();
            if found.is_empty() {
                if let Some(name) = &service.container {
                    found.extend(containers.iter().filter(|c| &c.info.name == name));
                }
            }
            services.insert(key.clone(), found);
        }
        let all = classify(&matchers(config), &infos);
        let workspaces = all.workspaces.iter().filter_map(by_id).collect();
        Stack {
            services,
            workspaces,
        }
    }

    /// The first (running, if any) container of a service.
    pub fn container(&self, key: &str) -> Option<&'a Container> {
        let list = self.services.get(key)?;
        list.iter()
            .find(|c| c.info.state == crate::docker::ContainerState::Running)
            .or_else(|| list.first())
            .copied()
    }

    /// Every distinct container of the stack, with the service keys it serves.
    pub fn distinct(&self) -> Vec<(&'a Container, Vec<&str>)> {
        let mut out: Vec<(&Container, Vec<&str>)> = Vec::new();
        for (key, list) in &self.services {
            for c in list {
                match out.iter_mut().find(|(seen, _)| seen.info.id == c.info.id) {
                    Some((_, keys)) => keys.push(key),
                    None => out.push((c, vec![key.as_str()])),
                }
            }
        }
        out
    }
}
