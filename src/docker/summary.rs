//! A container as the list endpoint (`GET /containers/json`) shows it.
//!
//! The list answer already carries what a row needs: name, state, image, labels (so compose
//! service and Coder workspace), ports, networks and mounts. The console draws its first frame
//! from it; the inspect answer (environment, start time, exit code, restart count) fills in
//! later.

use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

use bollard::models::{
    ContainerSummary, ContainerSummaryHealthStatusEnum as Health, ContainerSummaryStateEnum,
    PortSummary,
};

use super::model::{
    coder_workspace, compose_labels, mount_info, network_attachments, ContainerInfo,
    ContainerState, DockerHealth, PortMapping,
};

impl ContainerInfo {
    /// Builds the model from one entry of the list answer. None without an id. Fields only
    /// inspect knows stay empty: `env`, `started_at`, `finished_at`, `restart_count`.
    pub fn from_summary(summary: ContainerSummary) -> Option<Self> {
        let id = summary.id.filter(|id| !id.is_empty())?;
        let name = summary
            .names
            .unwrap_or_default()
            .into_iter()
            .map(|n| n.trim_start_matches('/').to_string())
            // Legacy links add "other/alias" names; the container's own has no slash.
            .find(|n| !n.contains('/'))
            .unwrap_or_default();
        let labels: BTreeMap<String, String> =
            summary.labels.unwrap_or_default().into_iter().collect();
        let status = summary.status.unwrap_or_default();
        let health = match summary.health.and_then(|h| h.status) {
            Some(s) => health_of(s),
            None => health_from_status(&status),
        };
        let networks = network_attachments(summary.network_settings.and_then(|n| n.networks));
        let mut ports: Vec<PortMapping> = summary
            .ports
            .unwrap_or_default()
            .into_iter()
            .filter_map(port_mapping)
            .collect();
        ports.sort();
        ports.dedup();
        let state = summary
            .state
            .map_or(ContainerState::Unknown, state_of_summary);
        let created = summary
            .created
            .and_then(|secs| u64::try_from(secs).ok())
            .map(|secs| {
                humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(secs))
                    .to_string()
            })
            .unwrap_or_default();
        Some(Self {
            id,
            image: summary.image.unwrap_or_default(),
            state,
            health,
            created,
            started_at: None,
            finished_at: None,
            exit_code: exit_code_from_status(&status),
            oom_killed: false,
            restart_count: 0,
            ports,
            networks,
            mounts: summary
                .mounts
                .unwrap_or_default()
                .into_iter()
                .map(mount_info)
                .collect(),
            env: Vec::new(),
            compose: compose_labels(&labels),
            workspace: coder_workspace(&labels, &name),
            labels,
            name,
        })
    }
}

/// Only published ports: the list also names exposed ports without a host side.
fn port_mapping(port: PortSummary) -> Option<PortMapping> {
    Some(PortMapping {
        host_ip: port.ip.unwrap_or_default(),
        host_port: port.public_port.filter(|p| *p != 0)?,
        container_port: port.private_port,
        protocol: port
            .typ
            .map_or_else(|| "tcp".to_string(), |t| t.to_string())
            .replace(' ', ""),
    })
}

fn health_of(status: Health) -> DockerHealth {
    match status {
        Health::STARTING => DockerHealth::Starting,
        Health::HEALTHY => DockerHealth::Healthy,
        Health::UNHEALTHY => DockerHealth::Unhealthy,
        Health::NONE | Health::EMPTY => DockerHealth::None,
    }
}

pub(crate) fn state_of_summary(state: ContainerSummaryStateEnum) -> ContainerState {
    match state {
        ContainerSummaryStateEnum::CREATED => ContainerState::Created,
        ContainerSummaryStateEnum::RUNNING => ContainerState::Running,
        ContainerSummaryStateEnum::PAUSED => ContainerState::Paused,
        ContainerSummaryStateEnum::RESTARTING => ContainerState::Restarting,
        ContainerSummaryStateEnum::EXITED | ContainerSummaryStateEnum::STOPPING => {
            ContainerState::Exited
        }
        ContainerSummaryStateEnum::DEAD => ContainerState::Dead,
        ContainerSummaryStateEnum::REMOVING => ContainerState::Removing,
        ContainerSummaryStateEnum::EMPTY => ContainerState::Unknown,
    }
}

/// API 1.41 lists health only inside the status text, e.g. "Up 2 minutes (healthy)".
pub(crate) fn health_from_status(status: &str) -> DockerHealth {
    if status.contains("(healthy)") {
        DockerHealth::Healthy
    } else if status.contains("(unhealthy)") {
        DockerHealth::Unhealthy
    } else if status.contains("(health: starting)") {
        DockerHealth::Starting
    } else {
        DockerHealth::None
    }
}

/// "Exited (137) 5 minutes ago" carries the exit code.
fn exit_code_from_status(status: &str) -> Option<i64> {
    let rest = status.strip_prefix("Exited (")?;
    rest.split_once(')')?.0.parse().ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// One entry of a `GET /containers/json?all=1` answer from Docker 20.10 (API 1.41).
    fn summary_json() -> serde_json::Value {
        serde_json::json!({
            "Id": "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b",
            "Names": ["/poc-gitea"],
            "Image": "gitea/gitea:1.22",
            "ImageID": "sha256:0123",
            "Command": "/usr/bin/entrypoint",
            "Created": 1_796_112_000,
            "Ports": [
                {"IP": "0.0.0.0", "PrivatePort": 3000, "PublicPort": 3000, "Type": "tcp"},
                {"IP": "::", "PrivatePort": 3000, "PublicPort": 3000, "Type": "tcp"},
                {"PrivatePort": 22, "Type": "tcp"}
            ],
            "Labels": {
                "com.docker.compose.project": "coder-poc",
                "com.docker.compose.service": "gitea"
            },
            "State": "running",
            "Status": "Up 2 hours (healthy)",
            "HostConfig": {"NetworkMode": "coder-network"},
            "NetworkSettings": {"Networks": {
                "coder-network": {"IPAddress": "172.20.0.5", "Aliases": null}
            }},
            "Mounts": [{"Type": "volume", "Name": "poc_gitea-data",
                        "Source": "/var/lib/docker/volumes/poc_gitea-data/_data",
                        "Destination": "/data", "Driver": "local", "Mode": "z",
                        "RW": true, "Propagation": ""}]
        })
    }

    fn parse(value: serde_json::Value) -> ContainerInfo {
        let summary: ContainerSummary = serde_json::from_value(value).unwrap();
        ContainerInfo::from_summary(summary).unwrap()
    }

    #[test]
    fn a_row_comes_from_the_list_entry_alone() {
        let info = parse(summary_json());
        assert_eq!(info.name, "poc-gitea");
        assert_eq!(info.image, "gitea/gitea:1.22");
        assert_eq!(info.state, ContainerState::Running);
        assert_eq!(info.health, DockerHealth::Healthy);
        assert_eq!(info.created, "2026-12-01T08:00:00Z");
        assert_eq!(
            info.ports
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["0.0.0.0:3000->3000/tcp", ":::3000->3000/tcp"]
        );
        assert_eq!(info.networks[0].name, "coder-network");
        assert_eq!(info.networks[0].ip, "172.20.0.5");
        assert_eq!(info.mounts[0].source, "poc_gitea-data");
        let compose = info.compose.unwrap();
        assert_eq!(
            (compose.project.as_str(), compose.service.as_str()),
            ("coder-poc", "gitea")
        );
        assert!(info.env.is_empty() && info.started_at.is_none());
        assert_eq!(info.exit_code, None);
    }

    #[test]
    fn workspace_labels_exit_codes_and_link_names() {
        let info = parse(serde_json::json!({
            "Id": "abc",
            "Names": ["/web/db", "/coder-alice-dev"],
            "Labels": {"coder.owner": "alice", "coder.workspace_name": "dev"},
            "State": "exited",
            "Status": "Exited (137) 5 minutes ago"
        }));
        assert_eq!(info.name, "coder-alice-dev");
        assert_eq!(info.state, ContainerState::Exited);
        assert_eq!(info.exit_code, Some(137));
        assert_eq!(info.workspace.unwrap().owner, "alice");
        let empty: ContainerSummary = serde_json::from_value(serde_json::json!({})).unwrap();
        assert!(ContainerInfo::from_summary(empty).is_none());
    }

    #[test]
    fn health_in_list_status_text() {
        assert_eq!(
            health_from_status("Up 3 seconds (health: starting)"),
            DockerHealth::Starting
        );
        assert_eq!(
            health_from_status("Up 1 hour (unhealthy)"),
            DockerHealth::Unhealthy
        );
        assert_eq!(
            health_from_status("Exited (0) 5 minutes ago"),
            DockerHealth::None
        );
    }
}
