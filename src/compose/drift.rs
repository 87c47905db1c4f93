//! Configuration drift: the hash compose would give a service now against the
//! `com.docker.compose.config-hash` label of its running container, and what
//! changed (environment, image, ports), secrets masked.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::command::capture_ok;
use super::error::ComposeError;
use super::project::DiscoveredProject;
use super::spec::{parse_config, parse_hashes, PortSpec, ServiceSpec};
use super::tool::ComposeTool;
use crate::docker::format::mask_env;
use crate::docker::model::PortMapping;
use crate::docker::ContainerInfo;

/// One difference between the running container and what compose would create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DriftChange {
    /// Values are masked when the key looks secret; None means unset.
    Env {
        key: String,
        running: Option<String>,
        wanted: Option<String>,
    },
    Image {
        running: String,
        wanted: String,
    },
    Ports {
        running: Vec<String>,
        wanted: Vec<String>,
    },
    /// The service is no longer in the compose files.
    Removed,
    /// The hash differs but none of the compared settings do (command, volumes,
    /// labels, networks, a rebuilt image…).
    Other,
}

impl DriftChange {
    /// One line for a detail pane or the text report.
    pub fn describe(&self) -> String {
        let or_unset = |v: &Option<String>| shown_value(v.as_deref());
        match self {
            Self::Env {
                key,
                running,
                wanted,
            } => format!("env {key}: {} -> {}", or_unset(running), or_unset(wanted)),
            Self::Image { running, wanted } => format!("image: {running} -> {wanted}"),
            Self::Ports { running, wanted } => {
                let list = |l: &[String]| {
                    if l.is_empty() {
                        "(none)".to_string()
                    } else {
                        l.join(", ")
                    }
                };
                format!("ports: {} -> {}", list(running), list(wanted))
            }
            Self::Removed => "service is no longer in the compose files".to_string(),
            Self::Other => {
                "other settings changed (command, volumes, labels, networks or a rebuilt image)"
                    .to_string()
            }
        }
    }
}

/// A value as a line shows it: an unset one as `(unset)`, an empty one as `(empty)`, so
/// neither reads as nothing.
pub fn shown_value(v: Option<&str>) -> String {
    match v {
        None => "(unset)".to_string(),
        Some("") => "(empty)".to_string(),
        Some(v) => v.to_string(),
    }
}

/// The drift state of one service's container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceDrift {
    pub project: String,
    pub service: String,
    pub container_id: String,
    pub container_name: String,
    pub running_hash: Option<String>,
    pub current_hash: Option<String>,
    pub drifted: bool,
    pub changes: Vec<DriftChange>,
}

/// Compares one container with what compose would create for its service now.
/// `spec` None: the service is gone from the compose files.
pub fn compare(
    project: &str,
    service: &str,
    container: &ContainerInfo,
    spec: Option<&ServiceSpec>,
    current_hash: Option<&str>,
) -> ServiceDrift {
    let running_hash = container
        .compose
        .as_ref()
        .and_then(|c| c.config_hash.clone());
    let mut changes = Vec::new();
    let drifted = match spec {
        None => {
            changes.push(DriftChange::Removed);
            true
        }
        Some(spec) => {
            changes.extend(env_changes(&spec.environment, &container.env));
            if let Some(wanted) = &spec.image {
                if !same_image(wanted, &container.image) {
                    changes.push(DriftChange::Image {
                        running: container.image.clone(),
                        wanted: wanted.clone(),
                    });
                }
            }
            if let Some(change) = port_change(&spec.ports, &container.ports) {
                changes.push(change);
            }
            let hash_differs = matches!((current_hash, running_hash.as_deref()),
                (Some(now), Some(then)) if now != then);
            if hash_differs && changes.is_empty() {
                changes.push(DriftChange::Other);
            }
            // The hash is compose's own verdict; without one, the compared settings decide.
            match (current_hash, running_hash.as_deref()) {
                (Some(_), Some(_)) => hash_differs,
                _ => !changes.is_empty(),
            }
        }
    };
    if !drifted {
        changes.clear();
    }
    ServiceDrift {
        project: project.to_string(),
        service: service.to_string(),
        container_id: container.id.clone(),
        container_name: container.name.clone(),
        running_hash,
        current_hash: current_hash.map(str::to_string),
        drifted,
        changes,
    }
}

fn env_changes(
    wanted: &BTreeMap<String, Option<String>>,
    running: &[(String, String)],
) -> Vec<DriftChange> {
    let running: BTreeMap<&str, &str> = running
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    wanted
        .iter()
        .filter_map(|(key, value)| {
            let now = running.get(key.as_str()).copied();
            if now == value.as_deref() {
                return None;
            }
            Some(DriftChange::Env {
                key: key.clone(),
                running: now.map(|v| mask_env(key, v, false)),
                wanted: value.as_deref().map(|v| mask_env(key, v, false)),
            })
        })
        .collect()
}

/// `gitea/gitea` and `gitea/gitea:latest` (and `docker.io/library/x`) are the same image.
fn same_image(a: &str, b: &str) -> bool {
    fn normal(name: &str) -> String {
        let name = name.strip_prefix("docker.io/").unwrap_or(name);
        let name = name.strip_prefix("library/").unwrap_or(name);
        let last = name.rsplit('/').next().unwrap_or(name);
        if last.contains(':') || last.contains('@') {
            name.to_string()
        } else {
            format!("{name}:latest")
        }
    }
    normal(a) == normal(b)
}

fn port_change(wanted: &[PortSpec], running: &[PortMapping]) -> Option<DriftChange> {
    let published: Vec<&PortSpec> = wanted.iter().filter(|p| p.published).collect();
    let ip_of = |ip: &str| {
        if ip.is_empty() {
            "0.0.0.0".to_string()
        } else {
            ip.to_string()
        }
    };
    let matches = |w: &PortSpec, r: &PortMapping| {
        w.container_port == r.container_port
            && w.protocol == r.protocol
            && w.host_port.is_none_or(|p| p == r.host_port)
            && (w.host_ip.is_empty() || ip_of(&w.host_ip) == ip_of(&r.host_ip))
    };
    // The engine lists an all-address binding twice (0.0.0.0 and ::); compare IPv4 only then.
    let running: Vec<&PortMapping> = running
        .iter()
        .filter(|r| {
            !(r.host_ip == "::"
                && running.iter().any(|o| {
                    o.host_ip == "0.0.0.0"
                        && o.host_port == r.host_port
                        && o.container_port == r.container_port
                }))
        })
        .collect();
    let missing = published
        .iter()
        .any(|w| !running.iter().any(|r| matches(w, r)));
    let extra = running
        .iter()
        .any(|r| !published.iter().any(|w| matches(w, r)));
    (missing || extra).then(|| DriftChange::Ports {
        running: running.iter().map(ToString::to_string).collect(),
        wanted: published.iter().map(ToString::to_string).collect(),
    })
}

/// Runs `config` and `config --hash` for a project's running services and compares
/// each container. `containers` are looked up by id from the discovered project.
pub async fn check_project(
    tool: &ComposeTool,
    project: &DiscoveredProject,
    containers: &BTreeMap<String, ContainerInfo>,
    timeout: Duration,
) -> Result<Vec<ServiceDrift>, ComposeError> {
    // Files the project's containers disagree on are nobody's: not even read.
    project.trusted().map_err(ComposeError::NoProject)?;
    let config_cmd = tool.command(&project.project, &["config"]);
    let config_text = capture_ok(&config_cmd, timeout).await?;
    let specs = parse_config(&config_text).map_err(|detail| ComposeError::Parse {
        command: config_cmd.display(),
        detail,
    })?;
    // Only services still in the files can be hashed; names were validated by discovery.
    let hashable: Vec<&str> = project
        .services
        .keys()
        .filter(|s| specs.contains_key(*s))
        .map(String::as_str)
        .collect();
    let hashes = if hashable.is_empty() {
        BTreeMap::new()
    } else {
        let flag = format!("--hash={}", hashable.join(","));
        let hash_cmd = tool.command(&project.project, &["config", &flag]);
        parse_hashes(&capture_ok(&hash_cmd, timeout).await?)
    };
    let mut out = Vec::new();
    for (service, list) in &project.services {
        for entry in list {
            let Some(info) = containers.get(&entry.id) else {
                continue;
            };
            out.push(compare(
                &project.project.name,
                service,
                info,
                specs.get(service),
                hashes.get(service).map(String::as_str),
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::docker::model::ComposeLabels;

    fn container(hash: &str, env: &[(&str, &str)]) -> ContainerInfo {
        let inspect: bollard::models::ContainerInspectResponse =
            serde_json::from_value(serde_json::json!({"Id": "c1", "Name": "/poc-gitea-1"}))
                .unwrap();
        let mut info = ContainerInfo::from_inspect(inspect).unwrap();
        info.image = "gitea/gitea:1.22".to_string();
        info.env = env
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        info.ports = vec![
            PortMapping {
                host_ip: "0.0.0.0".into(),
                host_port: 3000,
                container_port: 3000,
                protocol: "tcp".into(),
            },
            PortMapping {
                host_ip: "::".into(),
                host_port: 3000,
                container_port: 3000,
                protocol: "tcp".into(),
            },
        ];
        info.compose = Some(ComposeLabels {
            project: "poc".into(),
            service: "gitea".into(),
            working_dir: None,
            config_files: vec![],
            config_hash: Some(hash.into()),
        });
        info
    }

    fn spec(env: &[(&str, &str)], image: &str, port: &str) -> ServiceSpec {
        ServiceSpec {
            image: Some(image.to_string()),
            environment: env
                .iter()
                .map(|(k, v)| ((*k).to_string(), Some((*v).to_string())))
                .collect(),
            ports: vec![super::super::spec::parse_port_text(port).unwrap()],
        }
    }

    #[test]
    fn same_hash_is_no_drift_whatever_else() {
        let c = container("aaa", &[("A", "1"), ("PATH", "/bin")]);
        let s = spec(&[("A", "1")], "gitea/gitea:1.22", "3000:3000/tcp");
        let d = compare("poc", "gitea", &c, Some(&s), Some("aaa"));
        assert!(!d.drifted && d.changes.is_empty(), "{d:?}");
    }

    #[test]
    fn changed_env_is_listed_and_secrets_are_masked() {
        let c = container(
            "aaa",
            &[("A", "1"), ("DB_PASSWORD", "old-secret"), ("PATH", "/bin")],
        );
        let s = spec(
            &[("A", "2"), ("DB_PASSWORD", "new-secret"), ("NEW", "x")],
            "gitea/gitea:1.22",
            "3000:3000/tcp",
        );
        let d = compare("poc", "gitea", &c, Some(&s), Some("bbb"));
        assert!(d.drifted);
        let lines: Vec<String> = d.changes.iter().map(DriftChange::describe).collect();
        assert_eq!(
            lines,
            [
                "env A: 1 -> 2",
                "env DB_PASSWORD: ******** -> ********",
                "env NEW: (unset) -> x"
            ]
        );
        let json = serde_json::to_string(&d).unwrap();
        assert!(!json.contains("secret"), "{json}");
    }

    #[test]
    fn image_and_ports() {
        let c = container("aaa", &[]);
        let s = spec(&[], "gitea/gitea:1.23", "127.0.0.1:3001:3000/tcp");
        let d = compare("poc", "gitea", &c, Some(&s), Some("bbb"));
        let lines: Vec<String> = d.changes.iter().map(DriftChange::describe).collect();
        assert_eq!(
            lines,
            [
                "image: gitea/gitea:1.22 -> gitea/gitea:1.23",
                "ports: 0.0.0.0:3000->3000/tcp -> 127.0.0.1:3001->3000/tcp"
            ]
        );
        // Unpinned and pinned `latest` are one image.
        assert!(same_image("busybox", "busybox:latest"));
        assert!(same_image("docker.io/library/busybox", "busybox"));
        assert!(!same_image("busybox:1", "busybox"));
    }

    #[test]
    fn hash_only_difference_says_other_and_removed_service() {
        let c = container("aaa", &[]);
        let s = spec(&[], "gitea/gitea:1.22", "3000:3000");
        let d = compare("poc", "gitea", &c, Some(&s), Some("bbb"));
        assert_eq!(d.changes, [DriftChange::Other]);
        let d = compare("poc", "gitea", &c, None, None);
        assert!(d.drifted);
        assert_eq!(d.changes, [DriftChange::Removed]);
    }

    #[test]
    fn empty_and_unset_values_never_read_as_nothing() {
        let c = container("aaa", &[("EMPTY_NOW", ""), ("GONE", "x")]);
        let mut s = spec(&[("EMPTY_NOW", "set")], "gitea/gitea:1.22", "3000:3000/tcp");
        s.environment.insert("GONE".into(), Some(String::new()));
        s.environment.insert("WANTED_UNSET".into(), None);
        let d = compare("poc", "gitea", &c, Some(&s), Some("bbb"));
        let lines: Vec<String> = d.changes.iter().map(DriftChange::describe).collect();
        assert_eq!(
            lines,
            ["env EMPTY_NOW: (empty) -> set", "env GONE: x -> (empty)"],
            "an env var compose leaves unset is not compared"
        );
        assert_eq!(shown_value(None), "(unset)");
        assert_eq!(shown_value(Some("")), "(empty)");
        assert_eq!(shown_value(Some("v")), "v");
    }
}
