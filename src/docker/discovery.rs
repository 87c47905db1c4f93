//! Sorting containers into configured services, the rest of their compose
//! project(s), Coder workspaces, and everything else. Pure: no I/O.

use std::collections::BTreeSet;

use serde::Serialize;

use super::model::ContainerInfo;
use crate::config::Config;

/// How one configured service finds its container(s). Built from the config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceMatcher {
    pub key: String,
    pub compose_project: Option<String>,
    pub compose_service: Option<String>,
    pub container_name: Option<String>,
}

impl Config {
    /// How each configured service finds its containers (compose labels, container name).
    pub fn service_matchers(&self) -> Vec<ServiceMatcher> {
        let project = Some(self.stack.compose_project.clone()).filter(|p| !p.is_empty());
        self.services
            .iter()
            .map(|(key, s)| ServiceMatcher {
                key: key.clone(),
                compose_project: project.clone(),
                compose_service: s.compose_service.clone(),
                container_name: s.container.clone(),
            })
            .collect()
    }
}

/// The containers of one configured service (ids, sorted by container name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceContainers {
    pub key: String,
    pub container_ids: Vec<String>,
}

/// The result of [`classify`]: every container id lands in one group (in the services group
/// a container may serve more than one service).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Classified {
    /// One entry per matcher, in the matchers' order (empty ids when nothing matched).
    pub services: Vec<ServiceContainers>,
    /// Containers of the same compose project(s) that no matcher names.
    pub unconfigured: Vec<String>,
    /// Coder workspace containers.
    pub workspaces: Vec<String>,
    /// Everything else on the engine.
    pub other: Vec<String>,
}

impl Classified {
    /// The (first) service key a container belongs to, if any.
    pub fn service_of(&self, container_id: &str) -> Option<&str> {
        self.services
            .iter()
            .find(|s| s.container_ids.iter().any(|id| id == container_id))
            .map(|s| s.key.as_str())
    }
}

fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// A `docker-compose run` container: a one-off helper, not the service itself.
fn is_one_off(container: &ContainerInfo) -> bool {
    container
        .labels
        .get("com.docker.compose.oneoff")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

fn matches_by_name(matcher: &ServiceMatcher, container: &ContainerInfo) -> bool {
    matcher
        .container_name
        .as_deref()
        .is_some_and(|name| name == container.name)
}

/// `ours`: the projects a matcher without a project of its own accepts (empty: any).
fn matches_by_compose(
    matcher: &ServiceMatcher,
    container: &ContainerInfo,
    ours: &BTreeSet<String>,
) -> bool {
    let (Some(service), Some(compose)) = (matcher.compose_service.as_deref(), &container.compose)
    else {
        return false;
    };
    if is_one_off(container) || compose.service != service {
        return false;
    }
    match matcher.compose_project.as_deref() {
        Some(project) => same_name(project, &compose.project),
        None => ours.is_empty() || ours.contains(&compose.project.to_ascii_lowercase()),
    }
}

/// With no compose project configured, the stack's project is the one of the containers
/// found by their configured names: another project on the same engine with the same
/// service names (`gitea`, `coder`) is then not taken for this POC. Empty when no container
/// is found by name (any project's service then matches, as before).
pub fn projects_of_named(
    matchers: &[ServiceMatcher],
    containers: &[&ContainerInfo],
) -> BTreeSet<String> {
    if matchers.iter().any(|m| m.compose_project.is_some()) {
        return BTreeSet::new();
    }
    containers
        .iter()
        .filter(|c| matchers.iter().any(|m| matches_by_name(m, c)))
        .filter_map(|c| c.compose.as_ref())
        .map(|c| c.project.to_ascii_lowercase())
        .collect()
}

/// Classifies containers. A container matched by name goes to the service(s) naming it even
/// if another matcher would match its compose labels; otherwise every matcher whose compose
/// labels match gets it. Containers that no service takes are grouped as below.
pub fn classify(matchers: &[ServiceMatcher], containers: &[ContainerInfo]) -> Classified {
    let mut sorted: Vec<&ContainerInfo> = containers.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));

    let mut services: Vec<ServiceContainers> = matchers
        .iter()
        .map(|m| ServiceContainers {
            key: m.key.clone(),
            container_ids: Vec::new(),
        })
        .collect();
    let mut projects: BTreeSet<String> = matchers
        .iter()
        .filter_map(|m| m.compose_project.as_deref())
        .map(str::to_ascii_lowercase)
        .collect();
    let ours = projects_of_named(matchers, &sorted);
    let mut unmatched = Vec::new();
    for container in sorted {
        // Matched by name beats matched by labels; every matcher of the winning kind gets
        // the container, because one container can serve two services (MinIO's console
        // and API are one `minio` container).
        let mut chosen: Vec<usize> = (0..matchers.len())
            .filter(|&i| matches_by_name(&matchers[i], container))
            .collect();
        if chosen.is_empty() {
            chosen = (0..matchers.len())
                .filter(|&i| matches_by_compose(&matchers[i], container, &ours))
                .collect();
        }
        if chosen.is_empty() {
            unmatched.push(container);
            continue;
        }
        for index in chosen {
            services[index].container_ids.push(container.id.clone());
        }
        if let Some(compose) = &container.compose {
            projects.insert(compose.project.to_ascii_lowercase());
        }
    }

    let mut result = Classified {
        services,
        ..Classified::default()
    };
    for container in unmatched {
        let in_project = container
            .compose
            .as_ref()
            .is_some_and(|c| projects.contains(&c.project.to_ascii_lowercase()));
        if container.workspace.is_some() {
            result.workspaces.push(container.id.clone());
        } else if in_project {
            result.unconfigured.push(container.id.clone());
        } else {
            result.other.push(container.id.clone());
        }
    }
    result
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::docker::model::{coder_workspace, ComposeLabels, ContainerState, DockerHealth};

    fn container(
        name: &str,
        compose: Option<(&str, &str)>,
        labels: &[(&str, &str)],
    ) -> ContainerInfo {
        let mut all_labels: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        if let Some((project, service)) = compose {
            all_labels.insert("com.docker.compose.project".into(), project.into());
            all_labels.insert("com.docker.compose.service".into(), service.into());
        }
        ContainerInfo {
            id: format!("id-{name}"),
            name: name.to_string(),
            image: "busybox".into(),
            state: ContainerState::Running,
            health: DockerHealth::None,
            created: String::new(),
            started_at: None,
            finished_at: None,
            exit_code: None,
            oom_killed: false,
            restart_count: 0,
            ports: vec![],
            networks: vec![],
            mounts: vec![],
            env: vec![],
            compose: compose.map(|(project, service)| ComposeLabels {
                project: project.into(),
                service: service.into(),
                working_dir: None,
                config_files: vec![],
                config_hash: None,
            }),
            workspace: coder_workspace(&all_labels, name),
            labels: all_labels,
        }
    }

    fn matcher(
        key: &str,
        project: Option<&str>,
        service: Option<&str>,
        name: Option<&str>,
    ) -> ServiceMatcher {
        ServiceMatcher {
            key: key.into(),
            compose_project: project.map(Into::into),
            compose_service: service.map(Into::into),
            container_name: name.map(Into::into),
        }
    }

    #[test]
    fn sorts_containers_into_the_four_groups() {
        let containers = vec![
            container("poc_gitea_1", Some(("poc", "gitea")), &[]),
            container("coder-server", Some(("poc", "coder")), &[]),
            container("poc_coder-db_1", Some(("poc", "coder-db")), &[]),
            container("custom-mailpit", None, &[]),
            container("poc_platform-admin_1", Some(("poc", "platform-admin")), &[]),
            container(
                "coder-alice-dev",
                None,
                &[
                    ("coder.owner", "alice"),
                    ("coder.workspace_name", "dev"),
                    ("coder.workspace_id", "w1"),
                ],
            ),
            container("coder-bob-api", None, &[]),
            container("other_web_1", Some(("other", "web")), &[]),
            container("random", None, &[]),
        ];
        let matchers = vec![
            matcher("coder", Some("poc"), Some("coder"), None),
            matcher("gitea", None, Some("gitea"), None),
            matcher("coder-db", Some("POC"), Some("coder-db"), None),
            matcher("mailpit", None, None, Some("custom-mailpit")),
            matcher("minio", Some("poc"), Some("minio"), None),
        ];
        let result = classify(&matchers, &containers);
        let ids = |key: &str| {
            result
                .services
                .iter()
                .find(|s| s.key == key)
                .unwrap()
                .container_ids
                .clone()
        };
        assert_eq!(ids("coder"), ["id-coder-server"]);
        assert_eq!(ids("gitea"), ["id-poc_gitea_1"]);
        assert_eq!(
            ids("coder-db"),
            ["id-poc_coder-db_1"],
            "project names compare case-insensitively"
        );
        assert_eq!(ids("mailpit"), ["id-custom-mailpit"]);
        assert!(
            ids("minio").is_empty(),
            "a configured service with no container stays listed"
        );
        assert_eq!(result.services.len(), 5);
        assert_eq!(result.unconfigured, ["id-poc_platform-admin_1"]);
        assert_eq!(
            result.workspaces,
            ["id-coder-alice-dev", "id-coder-bob-api"]
        );
        assert_eq!(result.other, ["id-other_web_1", "id-random"]);
        assert_eq!(result.service_of("id-poc_gitea_1"), Some("gitea"));
        assert_eq!(result.service_of("id-random"), None);
    }

    #[test]
    fn name_match_beats_compose_match_and_projects_are_respected() {
        let containers = vec![
            container("poc_gitea_1", Some(("poc", "gitea")), &[]),
            container("staging_gitea_1", Some(("staging", "gitea")), &[]),
        ];
        let matchers = vec![
            matcher("gitea", Some("poc"), Some("gitea"), None),
            matcher("gitea-staging", None, None, Some("staging_gitea_1")),
        ];
        let result = classify(&matchers, &containers);
        assert_eq!(result.services[0].container_ids, ["id-poc_gitea_1"]);
        assert_eq!(result.services[1].container_ids, ["id-staging_gitea_1"]);
        // The staging project is known through the name match, but holds nothing else.
        assert!(result.unconfigured.is_empty() && result.other.is_empty());
    }

    #[test]
    fn without_a_configured_project_another_project_with_the_same_services_is_not_ours() {
        // The default config: container names and compose services, no project.
        let matchers = vec![
            matcher("coder", None, Some("coder"), Some("coder-server")),
            matcher("gitea", None, Some("gitea"), Some("gitea")),
        ];
        let containers = vec![
            container("coder-server", Some(("coder-poc", "coder")), &[]),
            container("gitea", Some(("coder-poc", "gitea")), &[]),
            container("other_gitea_1", Some(("other", "gitea")), &[]),
            container("other_coder_1", Some(("other", "coder")), &[]),
        ];
        let result = classify(&matchers, &containers);
        assert_eq!(result.services[0].container_ids, ["id-coder-server"]);
        assert_eq!(result.services[1].container_ids, ["id-gitea"]);
        assert_eq!(result.other, ["id-other_coder_1", "id-other_gitea_1"]);
        // With no container found by name, compose services of any project still match.
        let renamed = vec![container("poc_gitea_1", Some(("poc", "gitea")), &[])];
        let result = classify(&matchers, &renamed);
        assert_eq!(result.services[1].container_ids, ["id-poc_gitea_1"]);
    }

    #[test]
    fn replicas_and_one_offs() {
        let mut one_off = container("poc_gitea_run_1", Some(("poc", "gitea")), &[]);
        one_off
            .labels
            .insert("com.docker.compose.oneoff".into(), "True".into());
        let containers = vec![
            container("poc_gitea_2", Some(("poc", "gitea")), &[]),
            container("poc_gitea_1", Some(("poc", "gitea")), &[]),
            one_off,
        ];
        let result = classify(
            &[matcher("gitea", Some("poc"), Some("gitea"), None)],
            &containers,
        );
        assert_eq!(
            result.services[0].container_ids,
            ["id-poc_gitea_1", "id-poc_gitea_2"]
        );
        assert_eq!(result.unconfigured, ["id-poc_gitea_run_1"]);
    }

    #[test]
    fn no_matchers_and_no_containers() {
        let result = classify(&[], &[]);
        assert_eq!(result, Classified::default());
        let result = classify(&[], &[container("x", Some(("p", "s")), &[])]);
        assert_eq!(
            result.other,
            ["id-x"],
            "no configured project: a compose container is other"
        );
    }

    #[test]
    fn one_container_can_serve_two_services() {
        let minio = container("minio", Some(("poc", "minio")), &[]);
        let matchers = [
            ServiceMatcher {
                key: "minio-console".into(),
                compose_service: Some("minio".into()),
                ..ServiceMatcher::default()
            },
            ServiceMatcher {
                key: "minio-api".into(),
                container_name: Some("minio".into()),
                ..ServiceMatcher::default()
            },
            ServiceMatcher {
                key: "minio-again".into(),
                container_name: Some("minio".into()),
                ..ServiceMatcher::default()
            },
        ];
        let classified = classify(&matchers, std::slice::from_ref(&minio));
        // Name matches win: both services naming the container get it, the label match not.
        assert!(classified.services[0].container_ids.is_empty());
        assert_eq!(classified.services[1].container_ids, vec![minio.id.clone()]);
        assert_eq!(classified.services[2].container_ids, vec![minio.id.clone()]);
        assert!(classified.unconfigured.is_empty() && classified.other.is_empty());
    }
}
