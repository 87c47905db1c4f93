//! Choosing the project a command works on, and the services compose knows in it.

use std::path::PathBuf;
use std::time::Duration;

use super::action::{ActionRequest, ActionTarget};
use super::command::capture_ok;
use super::error::ComposeError;
use super::names::check_service_shape;
use super::project::{ComposeProject, Discovered, DiscoveredProject};
use super::tool::ComposeTool;

/// What the user said about the project (flags, then the config).
#[derive(Debug, Clone, Default)]
pub struct ProjectHint {
    /// `-p`.
    pub name: Option<String>,
    /// `--compose-file`, repeatable.
    pub files: Vec<PathBuf>,
    /// `--project-directory`.
    pub directory: Option<PathBuf>,
    /// The config's `stack.compose_project` (empty: not set).
    pub configured: Option<String>,
    /// The config's project with its files (`compose_files`), when they are set.
    pub pinned: Option<ComposeProject>,
}

/// Picks the project: flags first, then the config, then the one running project
/// that has every named service. A project named without files takes its files
/// from the config when pinned there, else from the labels its containers agree on.
pub fn choose_project(
    hint: &ProjectHint,
    discovered: &Discovered,
    services: &[String],
) -> Result<ComposeProject, ComposeError> {
    let name = hint
        .name
        .clone()
        .or_else(|| hint.configured.clone().filter(|n| !n.is_empty()));
    if let Some(name) = name {
        if !hint.files.is_empty() || hint.directory.is_some() {
            return Ok(ComposeProject::from_flags(
                &name,
                &hint.files,
                hint.directory.as_deref(),
            )?);
        }
        if let Some(pinned) = hint.pinned.as_ref().filter(|p| p.name == name) {
            return Ok(pinned.clone());
        }
        return match discovered.projects.get(&name) {
            Some(found) => found.trusted().cloned().map_err(ComposeError::NoProject),
            None => Err(ComposeError::NoProject(format!(
                "no container of compose project {name:?} is on the engine, so its files are unknown: pass --compose-file (and --project-directory if .env lives elsewhere)"
            ))),
        };
    }
    if !hint.files.is_empty() {
        return Err(ComposeError::NoProject(
            "--compose-file needs a project name: pass -p NAME (or set stack.compose_project in the config)"
                .to_string(),
        ));
    }
    let candidates: Vec<&DiscoveredProject> = discovered
        .projects
        .values()
        .filter(|p| services.iter().all(|s| p.services.contains_key(s)))
        .collect();
    match candidates.as_slice() {
        [one] => one.trusted().cloned().map_err(ComposeError::NoProject),
        [] => Err(ComposeError::NoProject(format!(
            "no compose project on the engine has {}: pass -p NAME and --compose-file FILE",
            if services.is_empty() {
                "any container".to_string()
            } else {
                services.join(", ")
            }
        ))),
        many => Err(ComposeError::NoProject(format!(
            "several compose projects match ({}): pass -p NAME",
            many.iter()
                .map(|p| p.project.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The request as it will run. For a compose service the project comes from `discovered`
/// (pinned by the config, or the files all its containers agree on), never from the one
/// container the request was made from, and the service must be one `config --services`
/// lists in those files. A container that only claims a project cannot choose the files.
pub async fn settle_request(
    request: ActionRequest,
    discovered: &Discovered,
    tool: Option<&ComposeTool>,
    timeout: Duration,
) -> Result<ActionRequest, ComposeError> {
    let ActionTarget::Service { project, service } = &request.target else {
        return Ok(request);
    };
    let trusted = match discovered.projects.get(&project.name) {
        Some(found) => found.trusted().cloned().map_err(ComposeError::NoProject)?,
        None => {
            return Err(ComposeError::NoProject(format!(
                "no container of compose project {:?} is on the engine any more",
                project.name
            )))
        }
    };
    let tool = tool.ok_or_else(|| ComposeError::NoTool {
        detail: "not detected".to_string(),
    })?;
    let known = known_services(tool, &trusted, timeout).await?;
    ActionRequest::service(
        request.kind,
        trusted,
        service,
        known.iter().map(String::as_str),
        request.container_id.clone(),
    )
}

/// `config --services`: the services compose knows in the project (names with an
/// odd shape are dropped, so nothing unchecked comes back).
pub async fn known_services(
    tool: &ComposeTool,
    project: &ComposeProject,
    timeout: Duration,
) -> Result<Vec<String>, ComposeError> {
    let cmd = tool.command(project, &["config", "--services"]);
    let text = capture_ok(&cmd, timeout).await?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|s| check_service_shape(s).is_ok())
        .map(str::to_string)
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::path::Path;

    fn discovered(projects: &[(&str, &[&str])]) -> Discovered {
        let mut d = Discovered::default();
        for (name, services) in projects {
            let mut project = ComposeProject::named(name).unwrap();
            project.working_dir = Some(PathBuf::from(format!("/srv/{name}")));
            d.projects.insert(
                (*name).to_string(),
                DiscoveredProject {
                    project,
                    services: services
                        .iter()
                        .map(|s| ((*s).to_string(), Vec::new()))
                        .collect::<BTreeMap<_, _>>(),
                    files_conflict: None,
                },
            );
        }
        d
    }

    #[test]
    fn flags_then_config_then_the_only_match() {
        let d = discovered(&[("poc", &["gitea", "coder"]), ("other", &["db"])]);
        let svc = |s: &[&str]| s.iter().map(|x| (*x).to_string()).collect::<Vec<_>>();

        let by_flag = ProjectHint {
            name: Some("other".into()),
            ..ProjectHint::default()
        };
        let p = choose_project(&by_flag, &d, &svc(&["gitea"])).unwrap();
        assert_eq!(p.working_dir.as_deref(), Some(Path::new("/srv/other")));

        let by_config = ProjectHint {
            configured: Some("poc".into()),
            ..ProjectHint::default()
        };
        assert_eq!(choose_project(&by_config, &d, &[]).unwrap().name, "poc");

        let by_service = ProjectHint::default();
        assert_eq!(
            choose_project(&by_service, &d, &svc(&["db"])).unwrap().name,
            "other"
        );
        let err = choose_project(&by_service, &d, &svc(&["nope"])).unwrap_err();
        assert!(err
            .to_string()
            .contains("no compose project on the engine has nope"));
        let err = choose_project(&by_service, &d, &[]).unwrap_err();
        assert!(
            err.to_string().contains("several compose projects"),
            "{err}"
        );

        let files = ProjectHint {
            files: vec![PathBuf::from("/x/compose.yml")],
            ..ProjectHint::default()
        };
        assert!(choose_project(&files, &d, &[]).is_err());
        let files = ProjectHint {
            name: Some("fresh".into()),
            files: vec![PathBuf::from("/x/compose.yml")],
            ..ProjectHint::default()
        };
        let p = choose_project(&files, &d, &[]).unwrap();
        assert_eq!(p.working_dir.as_deref(), Some(Path::new("/x")));
        let unknown = ProjectHint {
            name: Some("ghost".into()),
            ..ProjectHint::default()
        };
        assert!(choose_project(&unknown, &d, &[]).is_err());
    }

    #[test]
    fn pinned_files_win_and_disagreeing_labels_are_refused() {
        let mut d = discovered(&[("poc", &["gitea"])]);
        if let Some(p) = d.projects.get_mut("poc") {
            p.files_conflict = Some("the containers disagree".into());
        }
        let by_config = ProjectHint {
            configured: Some("poc".into()),
            ..ProjectHint::default()
        };
        let err = choose_project(&by_config, &d, &[]).unwrap_err();
        assert!(err.to_string().contains("disagree"), "{err}");
        let by_service = ProjectHint::default();
        let err = choose_project(&by_service, &d, &["gitea".to_string()]).unwrap_err();
        assert!(err.to_string().contains("disagree"), "{err}");

        let pinned = ComposeProject::from_flags(
            "poc",
            &[PathBuf::from("/etc/poc/compose.yml")],
            Some(Path::new("/etc/poc")),
        )
        .unwrap();
        let hint = ProjectHint {
            pinned: Some(pinned.clone()),
            ..by_config
        };
        assert_eq!(choose_project(&hint, &d, &[]).unwrap(), pinned);
    }
}
