//! What poc-tui knows about one container, built from the engine's inspect answer.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use bollard::models::{
    ContainerInspectResponse, ContainerStateStatusEnum, EndpointSettings, HealthStatusEnum,
    MountPoint,
};
use serde::Serialize;

/// The engine's container state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ContainerState {
    Created,
    Running,
    Paused,
    Restarting,
    Exited,
    Dead,
    Removing,
    Unknown,
}

impl ContainerState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Restarting => "restarting",
            Self::Exited => "exited",
            Self::Dead => "dead",
            Self::Removing => "removing",
            Self::Unknown => "unknown",
        }
    }

    /// Running or paused containers have live cgroups, so statistics exist.
    pub fn has_stats(self) -> bool {
        matches!(self, Self::Running | Self::Paused | Self::Restarting)
    }
}

/// The result of the container's own Docker HEALTHCHECK, if it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DockerHealth {
    None,
    Starting,
    Healthy,
    Unhealthy,
}

impl DockerHealth {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Starting => "starting",
            Self::Healthy => "healthy",
            Self::Unhealthy => "unhealthy",
        }
    }
}

/// A published port: `host_ip:host_port -> container_port/protocol`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PortMapping {
    pub host_ip: String,
    pub host_port: u16,
    pub container_port: u16,
    pub protocol: String,
}

impl std::fmt::Display for PortMapping {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ip = if self.host_ip.is_empty() {
            "0.0.0.0"
        } else {
            &self.host_ip
        };
        write!(
            f,
            "{ip}:{}->{}/{}",
            self.host_port, self.container_port, self.protocol
        )
    }
}

/// One network the container is attached to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetworkAttachment {
    pub name: String,
    pub ip: String,
    pub aliases: Vec<String>,
}

/// One mount: a volume (by name), a bind (by host path) or a tmpfs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MountInfo {
    /// "volume", "bind", "tmpfs", …
    pub kind: String,
    /// The volume name for volumes, the host path for binds.
    pub source: String,
    pub destination: String,
    pub read_write: bool,
}

/// What docker-compose wrote into the container's labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComposeLabels {
    pub project: String,
    pub service: String,
    pub working_dir: Option<String>,
    pub config_files: Vec<String>,
    pub config_hash: Option<String>,
}

/// A Coder workspace container, recognised by the docker template's labels or name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoderWorkspace {
    pub owner: String,
    pub owner_id: Option<String>,
    pub workspace_id: Option<String>,
    pub workspace_name: String,
}

/// Everything shown about one container, except the sampled statistics. `Debug` shows the
/// environment's keys only: its values hold the stack's passwords and tokens.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct ContainerInfo {
    pub id: String,
    /// Without the leading slash the engine puts there.
    pub name: String,
    pub image: String,
    pub state: ContainerState,
    pub health: DockerHealth,
    /// RFC 3339 as the engine reports it.
    pub created: String,
    /// RFC 3339; None when the container never started.
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub exit_code: Option<i64>,
    /// The kernel's OOM killer ended its last run (`State.OOMKilled`).
    pub oom_killed: bool,
    pub restart_count: u64,
    pub ports: Vec<PortMapping>,
    pub networks: Vec<NetworkAttachment>,
    pub mounts: Vec<MountInfo>,
    pub labels: BTreeMap<String, String>,
    /// In the container's order; values are raw (mask with `format::mask_env`).
    #[serde(skip)]
    pub env: Vec<(String, String)>,
    pub compose: Option<ComposeLabels>,
    pub workspace: Option<CoderWorkspace>,
}

impl std::fmt::Debug for ContainerInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContainerInfo")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("image", &self.image)
            .field("state", &self.state)
            .field("health", &self.health)
            .field("created", &self.created)
            .field("started_at", &self.started_at)
            .field("finished_at", &self.finished_at)
            .field("exit_code", &self.exit_code)
            .field("oom_killed", &self.oom_killed)
            .field("restart_count", &self.restart_count)
            .field("ports", &self.ports)
            .field("networks", &self.networks)
            .field("mounts", &self.mounts)
            .field("labels", &self.labels)
            .field("env", &crate::redact::KeysOnly(&self.env))
            .field("compose", &self.compose)
            .field("workspace", &self.workspace)
            .finish()
    }
}

impl ContainerInfo {
    /// Builds the model from `GET /containers/{id}/json`. None without an id.
    pub fn from_inspect(inspect: ContainerInspectResponse) -> Option<Self> {
        let id = inspect.id.filter(|id| !id.is_empty())?;
        let name = inspect
            .name
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_string();
        let config = inspect.config.unwrap_or_default();
        let labels: BTreeMap<String, String> =
            config.labels.unwrap_or_default().into_iter().collect();
        let env = config
            .env
            .unwrap_or_default()
            .into_iter()
            .map(|entry| match entry.split_once('=') {
                Some((key, value)) => (key.to_string(), value.to_string()),
                None => (entry, String::new()),
            })
            .collect();
        let state = inspect.state.unwrap_or_default();
        let health = match state.health.and_then(|h| h.status) {
            Some(HealthStatusEnum::STARTING) => DockerHealth::Starting,
            Some(HealthStatusEnum::HEALTHY) => DockerHealth::Healthy,
            Some(HealthStatusEnum::UNHEALTHY) => DockerHealth::Unhealthy,
            _ => DockerHealth::None,
        };
        let network_settings = inspect.network_settings.unwrap_or_default();
        let networks = network_attachments(network_settings.networks);
        let mut ports: Vec<PortMapping> = network_settings
            .ports
            .unwrap_or_default()
            .into_iter()
            .flat_map(|(spec, bindings)| {
                let (port, protocol) = spec.split_once('/').unwrap_or((spec.as_str(), "tcp"));
                let container_port: u16 = port.parse().unwrap_or(0);
                let protocol = protocol.to_string();
                bindings
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(move |b| {
                        Some(PortMapping {
                            host_ip: b.host_ip.unwrap_or_default(),
                            host_port: b.host_port?.parse().ok()?,
                            container_port,
                            protocol: protocol.clone(),
                        })
                    })
            })
            .collect();
        ports.sort();
        ports.dedup();
        let mounts = inspect
            .mounts
            .unwrap_or_default()
            .into_iter()
            .map(mount_info)
            .collect();
        let compose = compose_labels(&labels);
        let workspace = coder_workspace(&labels, &name);
        Some(Self {
            id,
            image: config.image.unwrap_or_default(),
            state: state_of(state.status),
            health,
            created: inspect.created.unwrap_or_default(),
            started_at: state.started_at.filter(|t| !is_zero_time(t)),
            finished_at: state.finished_at.filter(|t| !is_zero_time(t)),
            exit_code: state.exit_code,
            oom_killed: state.oom_killed.unwrap_or(false),
            restart_count: inspect.restart_count.unwrap_or(0).max(0).unsigned_abs(),
            ports,
            networks,
            mounts,
            env,
            compose,
            workspace,
            labels,
            name,
        })
    }

    /// How long it has been running, when running.
    pub fn uptime(&self, now: SystemTime) -> Option<Duration> {
        if self.state != ContainerState::Running {
            return None;
        }
        let started = humantime::parse_rfc3339_weak(self.started_at.as_deref()?).ok()?;
        now.duration_since(started).ok()
    }

    /// The short id the Docker CLI shows.
    pub fn short_id(&self) -> &str {
        self.id.get(..12).unwrap_or(&self.id)
    }
}

fn state_of(status: Option<ContainerStateStatusEnum>) -> ContainerState {
    match status {
        Some(ContainerStateStatusEnum::CREATED) => ContainerState::Created,
        Some(ContainerStateStatusEnum::RUNNING) => ContainerState::Running,
        Some(ContainerStateStatusEnum::PAUSED) => ContainerState::Paused,
        Some(ContainerStateStatusEnum::RESTARTING) => ContainerState::Restarting,
        Some(ContainerStateStatusEnum::EXITED | ContainerStateStatusEnum::STOPPING) => {
            ContainerState::Exited
        }
        Some(ContainerStateStatusEnum::DEAD) => ContainerState::Dead,
        Some(ContainerStateStatusEnum::REMOVING) => ContainerState::Removing,
        Some(ContainerStateStatusEnum::EMPTY) | None => ContainerState::Unknown,
    }
}

/// The engine reports "never" as the zero time of Go.
fn is_zero_time(text: &str) -> bool {
    text.is_empty() || text.starts_with("0001-01-01")
}

/// The container's networks, by name, from the endpoints the list and inspect answers both carry.
pub(crate) fn network_attachments(
    endpoints: Option<std::collections::HashMap<String, EndpointSettings>>,
) -> Vec<NetworkAttachment> {
    let mut networks: Vec<NetworkAttachment> = endpoints
        .unwrap_or_default()
        .into_iter()
        .map(|(name, endpoint)| NetworkAttachment {
            name,
            ip: endpoint.ip_address.unwrap_or_default(),
            aliases: endpoint.aliases.unwrap_or_default(),
        })
        .collect();
    networks.sort_by(|a, b| a.name.cmp(&b.name));
    networks
}

pub(crate) fn mount_info(mount: MountPoint) -> MountInfo {
    let kind = mount.typ.unwrap_or_default();
    let source = if kind == "volume" {
        mount.name.or(mount.source)
    } else {
        mount.source
    };
    MountInfo {
        kind,
        source: source.unwrap_or_default(),
        destination: mount.destination.unwrap_or_default(),
        read_write: mount.rw.unwrap_or(true),
    }
}

pub(crate) fn compose_labels(labels: &BTreeMap<String, String>) -> Option<ComposeLabels> {
    let project = labels.get("com.docker.compose.project")?.clone();
    let service = labels
        .get("com.docker.compose.service")
        .cloned()
        .unwrap_or_default();
    let non_empty = |key: &str| labels.get(key).filter(|v| !v.is_empty()).cloned();
    Some(ComposeLabels {
        project,
        service,
        working_dir: non_empty("com.docker.compose.project.working_dir"),
        config_files: labels
            .get("com.docker.compose.project.config_files")
            .map(|files| {
                files
                    .split(',')
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        config_hash: non_empty("com.docker.compose.config-hash"),
    })
}

/// Coder's docker template labels its containers; older templates only name them
/// `coder-<owner>-<workspace>`.
pub fn coder_workspace(labels: &BTreeMap<String, String>, name: &str) -> Option<CoderWorkspace> {
    let label = |key: &str| labels.get(key).filter(|v| !v.is_empty()).cloned();
    if let (Some(owner), Some(workspace_name)) =
        (label("coder.owner"), label("coder.workspace_name"))
    {
        return Some(CoderWorkspace {
            owner,
            owner_id: label("coder.owner_id"),
            workspace_id: label("coder.workspace_id"),
            workspace_name,
        });
    }
    if labels.contains_key("com.docker.compose.project") {
        // A compose service named coder-… is part of a stack, not a workspace.
        return None;
    }
    let rest = name.strip_prefix("coder-")?;
    let (owner, workspace) = rest.split_once('-')?;
    if owner.is_empty() || workspace.is_empty() {
        return None;
    }
    Some(CoderWorkspace {
        owner: owner.to_string(),
        owner_id: label("coder.owner_id"),
        workspace_id: label("coder.workspace_id"),
        workspace_name: workspace.to_string(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The shape of a `docker inspect` answer from Docker 20.10 (API 1.41).
    fn inspect_json() -> serde_json::Value {
        serde_json::json!({
            "Id": "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b",
            "Created": "2026-11-29T08:00:00.123456789Z",
            "Name": "/poc-gitea",
            "RestartCount": 2,
            "State": {
                "Status": "running", "Running": true, "Paused": false, "Restarting": false,
                "OOMKilled": false, "Dead": false, "Pid": 4242, "ExitCode": 0, "Error": "",
                "StartedAt": "2026-11-29T08:00:01.5Z",
                "FinishedAt": "0001-01-01T00:00:00Z",
                "Health": {"Status": "healthy", "FailingStreak": 0, "Log": []}
            },
            "Config": {
                "Image": "gitea/gitea:1.22",
                "Env": ["USER_UID=1000", "GITEA__database__PASSWD=hunter2", "EMPTY"],
                "ExposedPorts": {"3000/tcp": {}, "22/tcp": {}},
                "Labels": {
                    "com.docker.compose.project": "coder-poc",
                    "com.docker.compose.service": "gitea",
                    "com.docker.compose.project.working_dir": "/srv/poc",
                    "com.docker.compose.project.config_files": "/srv/poc/docker-compose.yml,/srv/poc/override.yml",
                    "com.docker.compose.config-hash": "abc123"
                }
            },
            "NetworkSettings": {
                "Ports": {
                    "3000/tcp": [{"HostIp": "0.0.0.0", "HostPort": "3000"}, {"HostIp": "::", "HostPort": "3000"}],
                    "22/tcp": null
                },
                "Networks": {
                    "coder-network": {"IPAddress": "172.20.0.5", "Aliases": ["gitea", "4f3c2b1a0e9d"]}
                }
            },
            "Mounts": [
                {"Type": "volume", "Name": "poc_gitea-data", "Source": "/var/lib/docker/volumes/poc_gitea-data/_data",
                 "Destination": "/data", "Driver": "local", "Mode": "z", "RW": true, "Propagation": ""},
                {"Type": "bind", "Source": "/etc/localtime", "Destination": "/etc/localtime", "Mode": "ro", "RW": false, "Propagation": "rprivate"}
            ]
        })
    }

    fn parse(value: serde_json::Value) -> ContainerInfo {
        let inspect: ContainerInspectResponse = serde_json::from_value(value).unwrap();
        ContainerInfo::from_inspect(inspect).unwrap()
    }

    #[test]
    fn inspect_maps_every_field() {
        let info = parse(inspect_json());
        assert_eq!(info.name, "poc-gitea");
        assert_eq!(info.short_id(), "4f3c2b1a0e9d");
        assert_eq!(info.image, "gitea/gitea:1.22");
        assert_eq!(info.state, ContainerState::Running);
        assert_eq!(info.health, DockerHealth::Healthy);
        assert_eq!(info.restart_count, 2);
        assert_eq!(info.started_at.as_deref(), Some("2026-11-29T08:00:01.5Z"));
        assert_eq!(info.finished_at, None);
        assert_eq!(
            info.ports
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["0.0.0.0:3000->3000/tcp", ":::3000->3000/tcp"]
        );
        assert_eq!(info.networks.len(), 1);
        assert_eq!(info.networks[0].ip, "172.20.0.5");
        assert_eq!(info.networks[0].aliases, ["gitea", "4f3c2b1a0e9d"]);
        assert_eq!(info.mounts[0].kind, "volume");
        assert_eq!(info.mounts[0].source, "poc_gitea-data");
        assert!(info.mounts[0].read_write);
        assert_eq!(info.mounts[1].source, "/etc/localtime");
        assert!(!info.mounts[1].read_write);
        assert_eq!(
            info.env,
            [
                ("USER_UID".to_string(), "1000".to_string()),
                ("GITEA__database__PASSWD".to_string(), "hunter2".to_string()),
                ("EMPTY".to_string(), String::new())
            ]
        );
        let compose = info.compose.unwrap();
        assert_eq!(compose.project, "coder-poc");
        assert_eq!(compose.service, "gitea");
        assert_eq!(compose.working_dir.as_deref(), Some("/srv/poc"));
        assert_eq!(compose.config_files.len(), 2);
        assert_eq!(compose.config_hash.as_deref(), Some("abc123"));
        assert!(info.workspace.is_none());
    }

    #[test]
    fn debug_shows_environment_keys_but_no_value() {
        let info = parse(inspect_json());
        let shown = format!("{info:?} {info:#?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("GITEA__database__PASSWD"), "{shown}");
        assert!(shown.contains("poc-gitea"), "{shown}");
    }

    #[test]
    fn uptime_counts_from_start_only_while_running() {
        let mut info = parse(inspect_json());
        let start = humantime::parse_rfc3339_weak("2026-11-29T08:00:01.5Z").unwrap();
        let now = start + Duration::from_secs(3600);
        assert_eq!(info.uptime(now), Some(Duration::from_secs(3600)));
        info.state = ContainerState::Exited;
        assert_eq!(info.uptime(now), None);
    }

    #[test]
    fn an_inspect_without_id_is_rejected_and_a_sparse_one_is_fine() {
        let inspect: ContainerInspectResponse =
            serde_json::from_value(serde_json::json!({})).unwrap();
        assert!(ContainerInfo::from_inspect(inspect).is_none());
        let inspect: ContainerInspectResponse =
            serde_json::from_value(serde_json::json!({"Id": "abc", "State": {"Status": "exited"}}))
                .unwrap();
        let info = ContainerInfo::from_inspect(inspect).unwrap();
        assert_eq!(info.state, ContainerState::Exited);
        assert_eq!(info.health, DockerHealth::None);
        assert_eq!(info.short_id(), "abc");
        assert!(info.ports.is_empty() && info.compose.is_none());
    }

    #[test]
    fn workspaces_from_labels_or_name() {
        let mut labels = BTreeMap::new();
        labels.insert("coder.owner".to_string(), "alice".to_string());
        labels.insert("coder.owner_id".to_string(), "u-1".to_string());
        labels.insert("coder.workspace_id".to_string(), "w-1".to_string());
        labels.insert("coder.workspace_name".to_string(), "dev".to_string());
        let ws = coder_workspace(&labels, "anything").unwrap();
        assert_eq!(
            (ws.owner.as_str(), ws.workspace_name.as_str()),
            ("alice", "dev")
        );
        assert_eq!(ws.workspace_id.as_deref(), Some("w-1"));

        let ws = coder_workspace(&BTreeMap::new(), "coder-bob-api-v2").unwrap();
        assert_eq!(
            (ws.owner.as_str(), ws.workspace_name.as_str()),
            ("bob", "api-v2")
        );
        assert!(ws.workspace_id.is_none());

        assert!(coder_workspace(&BTreeMap::new(), "coder").is_none());
        assert!(coder_workspace(&BTreeMap::new(), "coder-db").is_none());
        let mut compose = BTreeMap::new();
        compose.insert("com.docker.compose.project".to_string(), "poc".to_string());
        assert!(coder_workspace(&compose, "coder-server-1").is_none());
    }

    #[test]
    fn states_map() {
        for (text, state) in [
            ("created", ContainerState::Created),
            ("paused", ContainerState::Paused),
            ("restarting", ContainerState::Restarting),
            ("dead", ContainerState::Dead),
            ("removing", ContainerState::Removing),
        ] {
            let info = parse(serde_json::json!({"Id": "x", "State": {"Status": text}}));
            assert_eq!(info.state, state);
            assert_eq!(info.state.as_str(), text);
        }
    }
}
