//! Which compose project a service belongs to, and the flags that address it.
//!
//! Given by flags (`-p`, `--compose-file`) or pinned by the config (`[stack]
//! compose_project` with `compose_files`); otherwise found from the labels compose
//! writes on every container it creates. Labels are only believed when every
//! container of the project agrees on them: anyone who can start a container can
//! also label it, and the files decide what `up -d` runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::names::{check_project_shape, check_service_shape, NameError};
use crate::docker::model::ComposeLabels;
use crate::docker::ContainerInfo;

/// A compose project and where its files are.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ComposeProject {
    pub name: String,
    /// Where `.env` is read from and relative paths resolve.
    pub working_dir: Option<PathBuf>,
    /// `-f` files, in order; empty lets compose find `docker-compose.yml` itself.
    pub config_files: Vec<PathBuf>,
}

impl ComposeProject {
    /// A project known only by name (compose then needs its files in the current directory).
    pub fn named(name: &str) -> Result<Self, NameError> {
        check_project_shape(name)?;
        Ok(Self {
            name: name.to_string(),
            working_dir: None,
            config_files: Vec::new(),
        })
    }

    /// From flags: `-p NAME`, `--compose-file FILE…`, `--project-directory DIR`.
    /// Without a name, compose's own default (the directory name) applies; the
    /// name is then required so the project can be matched to containers.
    pub fn from_flags(
        name: &str,
        files: &[PathBuf],
        directory: Option<&Path>,
    ) -> Result<Self, NameError> {
        let mut project = Self::named(name)?;
        project.config_files = files.to_vec();
        project.working_dir = directory
            .map(Path::to_path_buf)
            .or_else(|| {
                files
                    .first()
                    .and_then(|f| f.parent().map(Path::to_path_buf))
            })
            .filter(|d| !d.as_os_str().is_empty());
        Ok(project)
    }

    /// The project as the config pins it (`[stack] compose_project` with `compose_files`,
    /// relative files under `compose_directory`); None when the files are not configured.
    pub fn pinned_in(config: &crate::config::Config) -> Option<Self> {
        let stack = &config.stack;
        if stack.compose_project.is_empty() || stack.compose_files.is_empty() {
            return None;
        }
        let directory =
            Some(PathBuf::from(&stack.compose_directory)).filter(|d| !d.as_os_str().is_empty());
        let files: Vec<PathBuf> = stack
            .compose_files
            .iter()
            .map(|f| match &directory {
                Some(dir) if Path::new(f).is_relative() => dir.join(f),
                _ => PathBuf::from(f),
            })
            .collect();
        Self::from_flags(&stack.compose_project, &files, directory.as_deref()).ok()
    }

    /// From the labels compose wrote on a container.
    pub fn from_labels(labels: &ComposeLabels) -> Result<Self, NameError> {
        check_project_shape(&labels.project)?;
        let working_dir = labels.working_dir.as_ref().map(PathBuf::from);
        let config_files = labels
            .config_files
            .iter()
            .map(|file| {
                let path = PathBuf::from(file);
                match (&working_dir, path.is_relative()) {
                    (Some(dir), true) => dir.join(path),
                    _ => path,
                }
            })
            .collect();
        Ok(Self {
            name: labels.project.clone(),
            working_dir,
            config_files,
        })
    }

    /// The global compose flags that address this project.
    pub fn args(&self) -> Vec<String> {
        let mut args = vec!["-p".to_string(), self.name.clone()];
        for file in &self.config_files {
            args.push("-f".to_string());
            args.push(file.to_string_lossy().into_owned());
        }
        if let Some(dir) = &self.working_dir {
            args.push("--project-directory".to_string());
            args.push(dir.to_string_lossy().into_owned());
        }
        args
    }

    /// Files whose change can change the configuration: the compose files and `.env`.
    pub fn watched_files(&self) -> Vec<PathBuf> {
        let mut files = self.config_files.clone();
        if let Some(dir) = &self.working_dir {
            files.push(dir.join(".env"));
        }
        files
    }
}

/// One running (or stopped) container of a compose service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceContainer {
    pub id: String,
    pub name: String,
    pub config_hash: Option<String>,
}

/// The compose projects seen on the engine, with their services' containers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Discovered {
    pub projects: BTreeMap<String, DiscoveredProject>,
    /// Containers with compose labels poc-tui will not put on a command line.
    pub rejected: Vec<(String, NameError)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveredProject {
    pub project: ComposeProject,
    /// Service name → its containers (more than one when scaled).
    pub services: BTreeMap<String, Vec<ServiceContainer>>,
    /// Set when the project's containers disagree on its files or directory: then the
    /// files are unknown, and nothing is run with them.
    pub files_conflict: Option<String>,
}

impl DiscoveredProject {
    /// The project, unless its containers disagree on where its files are.
    pub fn trusted(&self) -> Result<&ComposeProject, String> {
        match &self.files_conflict {
            Some(why) => Err(why.clone()),
            None => Ok(&self.project),
        }
    }
}

impl Discovered {
    /// The config's pinned project (name and files) replaces what labels said about it.
    #[must_use]
    pub fn with_pinned(mut self, pinned: Option<&ComposeProject>) -> Self {
        if let Some(pinned) = pinned {
            if let Some(found) = self.projects.get_mut(&pinned.name) {
                found.project = pinned.clone();
                found.files_conflict = None;
            }
        }
        self
    }
}

/// Where a container says its project's files are.
fn files_of(project: &ComposeProject) -> (&Option<PathBuf>, &Vec<PathBuf>) {
    (&project.working_dir, &project.config_files)
}

/// Groups compose containers by project and service, from their labels. A project's
/// files are those every one of its containers names; when they differ, the project
/// is kept with a conflict that says which containers disagree. Containers whose
/// labels carry a name that could not be used safely are set aside with the reason.
pub fn discover(containers: &[ContainerInfo]) -> Discovered {
    let mut found = Discovered::default();
    for info in containers {
        let Some(labels) = &info.compose else {
            continue;
        };
        let project = match ComposeProject::from_labels(labels) {
            Ok(p) => p,
            Err(e) => {
                found.rejected.push((info.name.clone(), e));
                continue;
            }
        };
        if let Err(e) = check_service_shape(&labels.service) {
            found.rejected.push((info.name.clone(), e));
            continue;
        }
        let entry = found
            .projects
            .entry(project.name.clone())
            .or_insert_with(|| DiscoveredProject {
                project: project.clone(),
                services: BTreeMap::new(),
                files_conflict: None,
            });
        if entry.files_conflict.is_none() && files_of(&entry.project) != files_of(&project) {
            let first = entry
                .services
                .values()
                .flatten()
                .next()
                .map_or("another container", |c| c.name.as_str());
            entry.files_conflict = Some(conflict_text(&entry.project, first, &project, &info.name));
        }
        let containers = entry.services.entry(labels.service.clone()).or_default();
        containers.push(ServiceContainer {
            id: info.id.clone(),
            name: info.name.clone(),
            config_hash: labels.config_hash.clone(),
        });
        containers.sort_by(|a, b| a.name.cmp(&b.name));
    }
    found
}

fn conflict_text(
    seen: &ComposeProject,
    seen_on: &str,
    other: &ComposeProject,
    other_on: &str,
) -> String {
    let describe = |p: &ComposeProject| {
        let files: Vec<String> = p
            .config_files
            .iter()
            .map(|f| f.display().to_string())
            .collect();
        format!(
            "files [{}] in {}",
            files.join(", "),
            p.working_dir
                .as_ref()
                .map_or_else(|| "(no directory)".to_owned(), |d| d.display().to_string())
        )
    };
    format!(
        "the containers of compose project {:?} disagree on its files: {seen_on} says {}, \
         {other_on} says {}; poc-tui runs compose with neither. Set [stack] compose_project = \
         {:?} and compose_files (and compose_directory) in poc-tui's config, or pass -p and \
         --compose-file",
        seen.name,
        describe(seen),
        describe(other),
        seen.name
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn labels(project: &str, service: &str) -> ComposeLabels {
        ComposeLabels {
            project: project.to_string(),
            service: service.to_string(),
            working_dir: Some("/srv/poc".to_string()),
            config_files: vec![
                "/srv/poc/docker-compose.yml".to_string(),
                "override.yml".to_string(),
            ],
            config_hash: Some("h1".to_string()),
        }
    }

    fn container(id: &str, name: &str, compose: Option<ComposeLabels>) -> ContainerInfo {
        let inspect: bollard::models::ContainerInspectResponse =
            serde_json::from_value(serde_json::json!({"Id": id, "Name": format!("/{name}")}))
                .unwrap();
        let mut info = ContainerInfo::from_inspect(inspect).unwrap();
        info.compose = compose;
        info
    }

    #[test]
    fn labels_give_the_flags() {
        let project = ComposeProject::from_labels(&labels("coder-poc", "gitea")).unwrap();
        assert_eq!(
            project.args(),
            [
                "-p",
                "coder-poc",
                "-f",
                "/srv/poc/docker-compose.yml",
                "-f",
                "/srv/poc/override.yml",
                "--project-directory",
                "/srv/poc"
            ]
        );
        assert_eq!(
            project.watched_files().last().unwrap(),
            Path::new("/srv/poc/.env")
        );
    }

    #[test]
    fn flags_default_the_directory_to_the_first_file() {
        let p =
            ComposeProject::from_flags("poc", &[PathBuf::from("/a/b/compose.yml")], None).unwrap();
        assert_eq!(p.working_dir.as_deref(), Some(Path::new("/a/b")));
        let p = ComposeProject::from_flags("poc", &[PathBuf::from("compose.yml")], None).unwrap();
        assert_eq!(p.working_dir, None);
        assert!(ComposeProject::from_flags("poc; rm -rf /", &[], None).is_err());
    }

    #[test]
    fn discover_groups_by_project_and_service_and_rejects_hostile_labels() {
        let found = discover(&[
            container("1", "poc-gitea-1", Some(labels("poc", "gitea"))),
            container("2", "poc-web-2", Some(labels("poc", "web"))),
            container("3", "poc-web-1", Some(labels("poc", "web"))),
            container("4", "other-db-1", Some(labels("other", "db"))),
            container("5", "plain", None),
            container("6", "evil", Some(labels("poc", "x; rm -rf /"))),
            container("7", "evil2", Some(labels("$(id)", "db"))),
        ]);
        assert_eq!(found.projects.len(), 2);
        let poc = &found.projects["poc"];
        assert_eq!(poc.services.keys().collect::<Vec<_>>(), ["gitea", "web"]);
        let web: Vec<&str> = poc.services["web"]
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(web, ["poc-web-1", "poc-web-2"]);
        let rejected: Vec<&str> = found.rejected.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(rejected, ["evil", "evil2"]);
        assert!(poc.files_conflict.is_none(), "{:?}", poc.files_conflict);
    }

    #[test]
    fn a_container_naming_other_files_makes_the_project_untrusted() {
        let mut forged = labels("poc", "gitea");
        forged.config_files = vec!["/tmp/evil/docker-compose.yml".to_string()];
        let found = discover(&[
            container("1", "poc-gitea-1", Some(labels("poc", "gitea"))),
            container("2", "poc-web-1", Some(labels("poc", "web"))),
            container("9", "planted", Some(forged)),
        ]);
        let poc = &found.projects["poc"];
        let why = poc.trusted().unwrap_err();
        assert!(
            why.contains("planted") && why.contains("/tmp/evil"),
            "{why}"
        );
        assert!(why.contains("compose_files"), "{why}");

        // The config's pinned files end the question.
        let pinned = ComposeProject::from_flags(
            "poc",
            &[PathBuf::from("/srv/poc/docker-compose.yml")],
            None,
        )
        .unwrap();
        let found = found.with_pinned(Some(&pinned));
        assert_eq!(found.projects["poc"].trusted().unwrap(), &pinned);
    }
}
