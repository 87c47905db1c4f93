//! Which containers belong to the stack, and what the timeline calls each of them.
//!
//! The same classification as the Services tab: configured services, the rest of their
//! compose project, and Coder workspaces. A container already removed is judged by the
//! name and labels its events carry.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::docker::{classify, ContainerInfo, ServiceMatcher};

/// How the timeline names one stack container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Service key, `owner/workspace`, or the container name.
    pub subject: String,
    pub service: Option<String>,
    pub container: String,
}

/// The stack's containers as they are now, and the rule for ones seen only in events.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    matchers: Vec<ServiceMatcher>,
    projects: BTreeSet<String>,
    members: HashMap<String, Member>,
}

impl Scope {
    pub fn new(matchers: Vec<ServiceMatcher>, containers: &[ContainerInfo]) -> Self {
        let classified = classify(&matchers, containers);
        let mut projects: BTreeSet<String> = matchers
            .iter()
            .filter_map(|m| m.compose_project.as_deref())
            .map(str::to_ascii_lowercase)
            .collect();
        let mut scope = Scope {
            matchers,
            projects: BTreeSet::new(),
            members: HashMap::new(),
        };
        for c in containers {
            let service = classified.service_of(&c.id).map(str::to_owned);
            let member = if classified.workspaces.contains(&c.id) {
                Some(workspace_member(c))
            } else if service.is_some() || classified.unconfigured.contains(&c.id) {
                if let Some(compose) = &c.compose {
                    projects.insert(compose.project.to_ascii_lowercase());
                }
                Some(Member {
                    subject: service.clone().unwrap_or_else(|| c.name.clone()),
                    service,
                    container: c.name.clone(),
                })
            } else {
                None
            };
            if let Some(member) = member {
                scope.members.insert(c.id.clone(), member);
            }
        }
        scope.projects = projects;
        scope
    }

    /// The member by container id, when it is one of the stack's current containers.
    pub fn get(&self, id: &str) -> Option<&Member> {
        self.members.get(id)
    }

    /// Current members, by container id.
    pub fn members(&self) -> impl Iterator<Item = (&String, &Member)> {
        self.members.iter()
    }

    /// A container known only from an event's attributes (its name and labels).
    pub fn judge(&self, id: &str, attributes: &HashMap<String, String>) -> Option<Member> {
        if let Some(m) = self.get(id) {
            return Some(m.clone());
        }
        let name = attributes.get("name")?;
        let labels: BTreeMap<String, String> = attributes
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "name" | "image" | "exitCode" | "signal"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let inspect = serde_json::json!({
            "Id": id,
            "Name": name,
            "Config": { "Labels": labels },
        });
        let info = serde_json::from_value(inspect)
            .ok()
            .and_then(ContainerInfo::from_inspect)?;
        let classified = classify(&self.matchers, std::slice::from_ref(&info));
        if let Some(service) = classified.service_of(id) {
            return Some(Member {
                subject: service.to_owned(),
                service: Some(service.to_owned()),
                container: info.name,
            });
        }
        if info.workspace.is_some() {
            return Some(workspace_member(&info));
        }
        let in_project = info
            .compose
            .as_ref()
            .is_some_and(|c| self.projects.contains(&c.project.to_ascii_lowercase()));
        in_project.then(|| Member {
            subject: info.name.clone(),
            service: None,
            container: info.name,
        })
    }
}

fn workspace_member(c: &ContainerInfo) -> Member {
    let subject = c.workspace.as_ref().map_or_else(
        || c.name.clone(),
        |w| format!("{}/{}", w.owner, w.workspace_name),
    );
    Member {
        subject,
        service: None,
        container: c.name.clone(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn container(id: &str, name: &str, labels: &serde_json::Value) -> ContainerInfo {
        let inspect = serde_json::json!({"Id": id, "Name": name, "Config": {"Labels": labels}});
        ContainerInfo::from_inspect(serde_json::from_value(inspect).unwrap()).unwrap()
    }

    fn matchers() -> Vec<ServiceMatcher> {
        vec![ServiceMatcher {
            key: "gitea".into(),
            compose_project: None,
            compose_service: Some("gitea".into()),
            container_name: None,
        }]
    }

    fn compose(service: &str) -> serde_json::Value {
        serde_json::json!({"com.docker.compose.project": "poc", "com.docker.compose.service": service})
    }

    #[test]
    fn current_containers_are_named_by_service_workspace_or_name() {
        let containers = [
            container("g1", "/poc-gitea-1", &compose("gitea")),
            container("m1", "/poc-mailer-1", &compose("mailer")),
            container(
                "w1",
                "/coder-alice-dev",
                &serde_json::json!({"coder.owner": "alice", "coder.workspace_name": "dev"}),
            ),
            container("x1", "/unrelated", &serde_json::json!({})),
        ];
        let scope = Scope::new(matchers(), &containers);
        assert_eq!(scope.get("g1").unwrap().subject, "gitea");
        assert_eq!(scope.get("g1").unwrap().service.as_deref(), Some("gitea"));
        assert_eq!(scope.get("m1").unwrap().subject, "poc-mailer-1");
        assert_eq!(scope.get("w1").unwrap().subject, "alice/dev");
        assert!(scope.get("x1").is_none());
    }

    #[test]
    fn removed_containers_are_judged_by_their_event_attributes() {
        let scope = Scope::new(
            matchers(),
            &[container("g1", "/poc-gitea-1", &compose("gitea"))],
        );
        let attrs = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        let old_gitea = attrs(&[
            ("name", "poc-gitea-1"),
            ("com.docker.compose.project", "poc"),
            ("com.docker.compose.service", "gitea"),
            ("exitCode", "0"),
        ]);
        assert_eq!(scope.judge("old", &old_gitea).unwrap().subject, "gitea");
        let sibling = attrs(&[
            ("name", "poc-worker-1"),
            ("com.docker.compose.project", "poc"),
            ("com.docker.compose.service", "worker"),
        ]);
        assert_eq!(
            scope.judge("old2", &sibling).unwrap().subject,
            "poc-worker-1"
        );
        let stranger = attrs(&[("name", "someone-else"), ("image", "busybox")]);
        assert!(scope.judge("old3", &stranger).is_none());
    }
}
