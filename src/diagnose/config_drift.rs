//! Restart vs `up -d`: services whose running container no longer matches the compose files.
//! The same comparison as the Services tab's drift badge (`crate::compose::drift`).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::context::Ctx;
use super::finding::{sections as s, Area, Finding, Severity};
use crate::compose::{check_project, detect, discover, ToolSearch};
use crate::docker::ContainerInfo;

const CHECK: &str = "config-drift";
/// `config` and `config --hash` of one project; compose v1 takes a second or two.
const COMPOSE_TIMEOUT: Duration = Duration::from_secs(20);

fn finding(severity: Severity, subject: impl Into<String>) -> Finding {
    Finding::new(Area::Networking, CHECK, severity, subject).reference(s::RESTART_VS_UP)
}

/// One finding per drifted service; one ok finding when every stack service matches; a
/// skipped finding (with the reason) when the comparison cannot run.
pub async fn run(ctx: &Ctx<'_>, docker_host: Option<String>) -> Vec<Finding> {
    let engine = match ctx.engine {
        Ok(engine) => engine,
        Err(down) => {
            return vec![finding(Severity::Skipped, "compose configuration")
                .summary("not checked: the Docker engine cannot be reached")
                .evidence(down.reason.clone())
                .fix(down.fix.clone())]
        }
    };
    // Only the compose projects the POC's own containers belong to.
    let projects: BTreeSet<String> = ctx
        .stack
        .services
        .values()
        .flatten()
        .filter_map(|c| {
            c.info
                .compose
                .as_ref()
                .map(|l| l.project.to_ascii_lowercase())
        })
        .collect();
    if projects.is_empty() {
        return vec![finding(Severity::Skipped, "compose configuration")
            .summary("not checked: no container of the stack carries compose labels")
            .evidence(
                "no com.docker.compose.project label on the configured services' containers",
            )];
    }
    let tool = match detect(&ToolSearch {
        docker_host,
        ..ToolSearch::default()
    })
    .await
    {
        Ok(tool) => tool,
        Err(err) => {
            return vec![finding(Severity::Skipped, "compose configuration")
                .summary("not checked: no compose tool to ask what the configuration is now")
                .evidence(err.to_string())
                .fix("Install the docker compose plugin or docker-compose.")]
        }
    };
    let infos: Vec<ContainerInfo> = engine.containers.iter().map(|c| c.info.clone()).collect();
    let discovered = discover(&infos)
        .with_pinned(crate::compose::ComposeProject::pinned_in(ctx.config).as_ref());
    let by_id: BTreeMap<String, ContainerInfo> =
        infos.into_iter().map(|c| (c.id.clone(), c)).collect();

    let mut out = Vec::new();
    let mut checked = 0;
    for (name, project) in &discovered.projects {
        if !projects.contains(&name.to_ascii_lowercase()) {
            continue;
        }
        match check_project(&tool, project, &by_id, COMPOSE_TIMEOUT).await {
            Ok(services) => {
                checked += services.len();
                out.extend(services.into_iter().filter(|d| d.drifted).map(|d| {
                    let changes: Vec<String> =
                        d.changes.iter().map(crate::compose::DriftChange::describe).collect();
                    finding(Severity::Warn, d.service.clone())
                        .summary(format!(
                            "{} runs an older configuration: a restart will NOT apply the change",
                            d.container_name
                        ))
                        .evidence(if changes.is_empty() {
                            "the compose config hash differs from the container's".to_owned()
                        } else {
                            changes.join("; ")
                        })
                        .fix(format!(
                            "docker compose -p {name} up -d {} (or press u on its row in the Services tab)",
                            d.service
                        ))
                }));
            }
            Err(err) => out.push(
                finding(Severity::Skipped, format!("project {name}"))
                    .summary("not checked: compose could not read the project's configuration")
                    .evidence(err.to_string()),
            ),
        }
    }
    if out.is_empty() && checked > 0 {
        out.push(
            finding(Severity::Ok, "compose configuration")
                .summary(format!(
                    "{checked} service container(s) match the compose files ({})",
                    tool.describe()
                ))
                .evidence("config --hash equals every container's com.docker.compose.config-hash"),
        );
    }
    out
}
