//! `poc-tui ps`: the merged service/container view, as stable JSON or a plain table.
//! Built by the same discovery code the Services tab uses.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::connect::{connect, EngineInfo};
use super::discovery::{classify, ServiceMatcher};
use super::fetch::fetch_all;
use super::format::format_uptime;
use super::model::{ContainerInfo, ContainerState, DockerHealth, PortMapping};
use super::target::resolve_target;
use super::worker::WorkerOptions;
use super::EngineDown;

/// Bumped when a field changes meaning or disappears (additions keep it).
pub const PS_REPORT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PsReport {
    pub report_version: u32,
    pub engine: EngineInfo,
    /// One row per configured service, in configuration order.
    pub services: Vec<PsService>,
    /// Containers of the same compose project(s) that no service names.
    pub unconfigured: Vec<PsContainer>,
    pub workspaces: Vec<PsWorkspace>,
    /// Other containers on the engine, counted only.
    pub other_containers: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PsService {
    pub key: String,
    /// Empty when the service has no container.
    pub containers: Vec<PsContainer>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PsWorkspace {
    pub owner: String,
    pub workspace_name: String,
    pub workspace_id: Option<String>,
    pub owner_id: Option<String>,
    pub container: PsContainer,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PsContainer {
    pub id: String,
    pub name: String,
    pub image: String,
    pub state: ContainerState,
    pub health: DockerHealth,
    pub started_at: Option<String>,
    pub uptime_seconds: Option<u64>,
    pub restart_count: u64,
    pub exit_code: Option<i64>,
    pub ports: Vec<PortMapping>,
    pub compose_project: Option<String>,
    pub compose_service: Option<String>,
}

impl PsContainer {
    fn from_info(info: &ContainerInfo, now: SystemTime) -> Self {
        Self {
            id: info.short_id().to_string(),
            name: info.name.clone(),
            image: info.image.clone(),
            state: info.state,
            health: info.health,
            started_at: info.started_at.clone(),
            uptime_seconds: info.uptime(now).map(|d| d.as_secs()),
            restart_count: info.restart_count,
            exit_code: info
                .exit_code
                .filter(|_| info.state == ContainerState::Exited),
            ports: info.ports.clone(),
            compose_project: info.compose.as_ref().map(|c| c.project.clone()),
            compose_service: info.compose.as_ref().map(|c| c.service.clone()),
        }
    }
}

impl PsReport {
    /// True when every configured service has a running container that is not unhealthy.
    pub fn all_services_up(&self) -> bool {
        self.services.iter().all(|service| {
            !service.containers.is_empty()
                && service.containers.iter().all(|c| {
                    c.state == ContainerState::Running && c.health != DockerHealth::Unhealthy
                })
        })
    }
}

/// Builds the report from containers already read (pure).
pub fn build_report(
    engine: EngineInfo,
    matchers: &[ServiceMatcher],
    containers: &[ContainerInfo],
    now: SystemTime,
) -> PsReport {
    let classified = classify(matchers, containers);
    let by_id: HashMap<&str, &ContainerInfo> =
        containers.iter().map(|c| (c.id.as_str(), c)).collect();
    let rows = |ids: &[String]| -> Vec<PsContainer> {
        ids.iter()
            .filter_map(|id| by_id.get(id.as_str()))
            .map(|info| PsContainer::from_info(info, now))
            .collect()
    };
    let mut workspaces: Vec<PsWorkspace> = classified
        .workspaces
        .iter()
        .filter_map(|id| by_id.get(id.as_str()))
        .filter_map(|info| {
            let ws = info.workspace.as_ref()?;
            Some(PsWorkspace {
                owner: ws.owner.clone(),
                workspace_name: ws.workspace_name.clone(),
                workspace_id: ws.workspace_id.clone(),
                owner_id: ws.owner_id.clone(),
                container: PsContainer::from_info(info, now),
            })
        })
        .collect();
    workspaces.sort_by(|a, b| {
        (a.owner.as_str(), a.workspace_name.as_str())
            .cmp(&(b.owner.as_str(), b.workspace_name.as_str()))
    });
    PsReport {
        report_version: PS_REPORT_VERSION,
        engine,
        services: classified
            .services
            .iter()
            .map(|s| PsService {
                key: s.key.clone(),
                containers: rows(&s.container_ids),
            })
            .collect(),
        unconfigured: rows(&classified.unconfigured),
        workspaces,
        other_containers: classified.other.len(),
    }
}

/// Connects, reads every container once and builds the report; `timeout` bounds it all.
pub async fn ps_report(
    opts: &WorkerOptions,
    matchers: &[ServiceMatcher],
    timeout: Duration,
) -> Result<PsReport, EngineDown> {
    let work = async {
        let target = resolve_target(opts.docker_host.as_deref(), &opts.env)?;
        let (docker, engine) = connect(&target, timeout).await?;
        let containers = fetch_all(&docker)
            .await
            .map_err(|e| super::connect::explain(&target, &e, timeout))?;
        Ok(build_report(
            engine,
            matchers,
            &containers,
            SystemTime::now(),
        ))
    };
    tokio::time::timeout(timeout, work)
        .await
        .unwrap_or_else(|_| Err(EngineDown::timed_out(timeout)))
}

fn health_text(health: DockerHealth) -> &'static str {
    match health {
        DockerHealth::None => "-",
        other => other.as_str(),
    }
}

fn uptime_text(container: &PsContainer) -> String {
    match (container.uptime_seconds, container.exit_code) {
        (Some(secs), _) => format_uptime(Duration::from_secs(secs)),
        (None, Some(code)) => format!("exit {code}"),
        (None, None) => "-".to_string(),
    }
}

fn ports_text(container: &PsContainer) -> String {
    container
        .ports
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Renders rows as left-aligned columns separated by two spaces.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let mut out = String::new();
    let header_row: Vec<String> = header.iter().map(|h| (*h).to_string()).collect();
    for row in std::iter::once(&header_row).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<width$}  ", width = widths[i]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn container_cells(c: &PsContainer) -> Vec<String> {
    vec![
        c.name.clone(),
        c.state.as_str().to_string(),
        health_text(c.health).to_string(),
        uptime_text(c),
        c.restart_count.to_string(),
        ports_text(c),
    ]
}

/// The plain table `poc-tui ps` prints.
pub fn render_ps_text(report: &PsReport) -> String {
    let e = &report.engine;
    let mut out = format!(
        "{} {} (API {}) at {} ({})\n\n",
        e.name, e.version, e.api_version, e.host, e.how_chosen
    );
    let mut rows = Vec::new();
    for service in &report.services {
        if service.containers.is_empty() {
            rows.push(vec![
                service.key.clone(),
                "(no container)".to_string(),
                "missing".to_string(),
            ]);
        }
        for c in &service.containers {
            let mut row = vec![service.key.clone()];
            row.extend(container_cells(c));
            rows.push(row);
        }
    }
    out.push_str(&table(
        &[
            "SERVICE",
            "CONTAINER",
            "STATE",
            "HEALTH",
            "UPTIME",
            "RESTARTS",
            "PORTS",
        ],
        &rows,
    ));
    if !report.unconfigured.is_empty() {
        out.push_str("\nNot in the configuration (same compose project):\n");
        let rows: Vec<Vec<String>> = report.unconfigured.iter().map(container_cells).collect();
        out.push_str(&table(
            &[
                "CONTAINER",
                "STATE",
                "HEALTH",
                "UPTIME",
                "RESTARTS",
                "PORTS",
            ],
            &rows,
        ));
    }
    if !report.workspaces.is_empty() {
        out.push_str("\nCoder workspaces:\n");
        let rows: Vec<Vec<String>> = report
            .workspaces
            .iter()
            .map(|w| {
                vec![
                    w.owner.clone(),
                    w.workspace_name.clone(),
                    w.container.name.clone(),
                    w.container.state.as_str().to_string(),
                    uptime_text(&w.container),
                ]
            })
            .collect();
        out.push_str(&table(
            &["OWNER", "WORKSPACE", "CONTAINER", "STATE", "UPTIME"],
            &rows,
        ));
    }
    if report.other_containers > 0 {
        let _ = writeln!(
            out,
            "\n{} other container(s) on this engine.",
            report.other_containers
        );
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use bollard::models::ContainerInspectResponse;

    fn info(
        name: &str,
        state: &str,
        labels: &serde_json::Value,
        health: Option<&str>,
    ) -> ContainerInfo {
        let mut inspect = serde_json::json!({
            "Id": format!("{name:0>64}"),
            "Name": format!("/{name}"),
            "State": {"Status": state, "StartedAt": "2026-11-29T08:00:00Z", "ExitCode": 3},
            "Config": {"Image": "img", "Labels": labels.clone()},
            "NetworkSettings": {"Ports": {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]}}
        });
        if let Some(h) = health {
            inspect["State"]["Health"] = serde_json::json!({"Status": h});
        }
        let inspect: ContainerInspectResponse = serde_json::from_value(inspect).unwrap();
        ContainerInfo::from_inspect(inspect).unwrap()
    }

    fn engine() -> EngineInfo {
        EngineInfo {
            name: "Docker Engine".into(),
            version: "20.10.24".into(),
            api_version: "1.41".into(),
            os: "linux/amd64".into(),
            how_chosen: "default socket".into(),
            host: "unix:///var/run/docker.sock".into(),
        }
    }

    fn sample_report() -> PsReport {
        let compose = |s: &str| serde_json::json!({"com.docker.compose.project": "poc", "com.docker.compose.service": s});
        let containers = vec![
            info("poc-gitea", "running", &compose("gitea"), Some("healthy")),
            info("poc-coder", "exited", &compose("coder"), None),
            info("poc-admin", "running", &compose("platform-admin"), None),
            info(
                "coder-alice-dev",
                "running",
                &serde_json::json!({"coder.owner": "alice", "coder.workspace_name": "dev", "coder.workspace_id": "w1"}),
                None,
            ),
            info("stray", "running", &serde_json::json!({}), None),
        ];
        let matcher = |key: &str| ServiceMatcher {
            key: key.into(),
            compose_project: Some("poc".into()),
            compose_service: Some(key.into()),
            container_name: None,
        };
        let now = humantime::parse_rfc3339("2026-11-29T08:05:00Z").unwrap();
        build_report(
            engine(),
            &[matcher("coder"), matcher("gitea"), matcher("minio")],
            &containers,
            now,
        )
    }

    #[test]
    fn report_groups_and_fields() {
        let report = sample_report();
        assert_eq!(report.services.len(), 3);
        assert_eq!(report.services[0].key, "coder");
        let coder = &report.services[0].containers[0];
        assert_eq!(coder.state, ContainerState::Exited);
        assert_eq!(coder.exit_code, Some(3));
        assert_eq!(coder.uptime_seconds, None);
        let gitea = &report.services[1].containers[0];
        assert_eq!(gitea.uptime_seconds, Some(300));
        assert_eq!(gitea.health, DockerHealth::Healthy);
        assert_eq!(gitea.id.len(), 12);
        assert!(report.services[2].containers.is_empty());
        assert_eq!(report.unconfigured[0].name, "poc-admin");
        assert_eq!(report.workspaces[0].owner, "alice");
        assert_eq!(report.workspaces[0].workspace_id.as_deref(), Some("w1"));
        assert_eq!(report.other_containers, 1);
        assert!(!report.all_services_up());
    }

    #[test]
    fn json_field_names_are_stable() {
        let json = serde_json::to_value(sample_report()).unwrap();
        assert_eq!(json["report_version"], 1);
        assert_eq!(json["engine"]["api_version"], "1.41");
        let gitea = &json["services"][1]["containers"][0];
        assert_eq!(gitea["state"], "running");
        assert_eq!(gitea["health"], "healthy");
        assert_eq!(gitea["compose_service"], "gitea");
        assert_eq!(gitea["ports"][0]["host_port"], 8080);
        assert_eq!(gitea["ports"][0]["container_port"], 80);
        assert_eq!(json["workspaces"][0]["workspace_name"], "dev");
        assert!(
            json["services"][1]["containers"][0].get("env").is_none(),
            "env never leaves"
        );
    }

    #[test]
    fn text_table() {
        let text = render_ps_text(&sample_report());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "Docker Engine 20.10.24 (API 1.41) at unix:///var/run/docker.sock (default socket)"
        );
        let cells = |prefix: &str| -> Vec<&str> {
            lines
                .iter()
                .find(|l| l.starts_with(prefix))
                .unwrap_or_else(|| panic!("no line {prefix}: {text}"))
                .split_whitespace()
                .collect()
        };
        assert_eq!(
            cells("SERVICE"),
            [
                "SERVICE",
                "CONTAINER",
                "STATE",
                "HEALTH",
                "UPTIME",
                "RESTARTS",
                "PORTS"
            ]
        );
        assert_eq!(
            cells("coder "),
            [
                "coder",
                "poc-coder",
                "exited",
                "-",
                "exit",
                "3",
                "0",
                "127.0.0.1:8080->80/tcp"
            ]
        );
        assert_eq!(
            cells("gitea "),
            [
                "gitea",
                "poc-gitea",
                "running",
                "healthy",
                "5m",
                "0",
                "127.0.0.1:8080->80/tcp"
            ]
        );
        assert_eq!(cells("minio "), ["minio", "(no", "container)", "missing"]);
        assert_eq!(
            cells("alice "),
            ["alice", "dev", "coder-alice-dev", "running", "5m"]
        );
        // Columns line up: every service row puts the state at the same offset.
        let state_at = |prefix: &str| {
            lines
                .iter()
                .find(|l| l.starts_with(prefix))
                .unwrap()
                .find("running")
                .or_else(|| {
                    lines
                        .iter()
                        .find(|l| l.starts_with(prefix))
                        .unwrap()
                        .find("exited")
                })
        };
        assert_eq!(state_at("coder "), state_at("gitea "));
        assert!(text.contains("1 other container(s)"), "{text}");
    }
}
