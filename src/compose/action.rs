//! Service actions as argv: apply (`up -d`), force recreate, restart, stop, start, pause,
//! unpause.
//!
//! There is deliberately no action that removes volumes: no `down -v`, no `rm -v`.

use serde::Serialize;

use super::command::Argv;
use super::error::ComposeError;
use super::names::{check_container_shape, check_service_shape, validate_known};
use super::project::ComposeProject;
use super::tool::ComposeTool;

/// What the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// `up -d <svc>`: recreates only when the configuration changed.
    Apply,
    /// `up -d --force-recreate --no-deps <svc>`.
    ForceRecreate,
    /// `restart <svc>`: same container, same environment.
    Restart,
    Stop,
    Start,
    /// Freezes the processes (`pause`); the container stays, with its memory.
    Pause,
    Unpause,
}

impl ActionKind {
    pub fn verb(self) -> &'static str {
        match self {
            Self::Apply => "apply (up -d)",
            Self::ForceRecreate => "force recreate",
            Self::Restart => "restart",
            Self::Stop => "stop",
            Self::Start => "start",
            Self::Pause => "pause",
            Self::Unpause => "unpause",
        }
    }

    /// Recreate, stop and pause interrupt a service on purpose: ask first.
    pub fn needs_confirmation(self) -> bool {
        matches!(self, Self::ForceRecreate | Self::Stop | Self::Pause)
    }
}

/// What an action works on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ActionTarget {
    /// A compose service (actions go through the compose tool).
    Service {
        project: ComposeProject,
        service: String,
    },
    /// A container compose did not create (a Coder workspace): the docker CLI.
    Container { name: String },
}

/// How the docker CLI is invoked for container actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerCli {
    pub program: String,
    /// `--docker-host`, passed as `-H`.
    pub host: Option<String>,
}

impl Default for DockerCli {
    fn default() -> Self {
        Self {
            program: "docker".to_string(),
            host: None,
        }
    }
}

impl DockerCli {
    pub fn command(&self, args: &[&str]) -> Argv {
        let mut all = Vec::new();
        if let Some(host) = &self.host {
            all.push("-H".to_string());
            all.push(host.clone());
        }
        all.extend(args.iter().map(|a| (*a).to_string()));
        Argv::new(self.program.clone(), all)
    }
}

/// `docker exec -it <container> sh`, for the console's shell key: run on the real
/// terminal with the console suspended. `container` must be one the engine reported.
pub fn shell_command<'a>(
    docker: &DockerCli,
    container: &str,
    known: impl IntoIterator<Item = &'a str>,
) -> Result<Argv, ComposeError> {
    let name = validate_known("container", container, known)?;
    Ok(docker.command(&["exec", "-it", &name, "sh"]))
}

/// A validated action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionRequest {
    pub kind: ActionKind,
    pub target: ActionTarget,
    /// The container before the action (to tell "recreated" from "kept").
    pub container_id: Option<String>,
}

impl ActionRequest {
    /// The compose project it acts on (None for a plain container).
    pub fn project_name(&self) -> Option<&str> {
        match &self.target {
            ActionTarget::Service { project, .. } => Some(project.name.as_str()),
            ActionTarget::Container { .. } => None,
        }
    }

    /// An action on a compose service; `service` must be one of `known` (the
    /// services compose or the engine reported).
    pub fn service<'a>(
        kind: ActionKind,
        project: ComposeProject,
        service: &str,
        known: impl IntoIterator<Item = &'a str>,
        container_id: Option<String>,
    ) -> Result<Self, ComposeError> {
        let service = validate_known("service", service, known)?;
        Ok(Self {
            kind,
            target: ActionTarget::Service { project, service },
            container_id,
        })
    }

    /// An action on a plain container; `name` must be one of `known` (from the engine).
    pub fn container<'a>(
        kind: ActionKind,
        name: &str,
        known: impl IntoIterator<Item = &'a str>,
        container_id: Option<String>,
    ) -> Result<Self, ComposeError> {
        let name = validate_known("container", name, known)?;
        if matches!(kind, ActionKind::Apply | ActionKind::ForceRecreate) {
            return Err(ComposeError::NotCompose {
                action: kind.verb(),
                container: name,
            });
        }
        Ok(Self {
            kind,
            target: ActionTarget::Container { name },
            container_id,
        })
    }

    /// One action at a time per service or container: this is the lock's key.
    pub fn key(&self) -> String {
        match &self.target {
            ActionTarget::Service { project, service } => format!("{}/{service}", project.name),
            ActionTarget::Container { name } => format!("container/{name}"),
        }
    }

    /// What the action is about, for people: `gitea (project poc)`.
    pub fn subject(&self) -> String {
        match &self.target {
            ActionTarget::Service { project, service } => {
                format!("{service} (project {})", project.name)
            }
            ActionTarget::Container { name } => format!("container {name}"),
        }
    }

    /// The argv to run. Names are checked again here, so a request built by hand
    /// cannot put anything odd on a command line.
    pub fn command(
        &self,
        tool: Option<&ComposeTool>,
        docker: &DockerCli,
    ) -> Result<Argv, ComposeError> {
        match &self.target {
            ActionTarget::Service { project, service } => {
                check_service_shape(service)?;
                super::names::check_project_shape(&project.name)?;
                let tool = tool.ok_or_else(|| ComposeError::NoTool {
                    detail: "not detected".to_string(),
                })?;
                let args: &[&str] = match self.kind {
                    ActionKind::Apply => &["up", "-d", service],
                    ActionKind::ForceRecreate => {
                        &["up", "-d", "--force-recreate", "--no-deps", service]
                    }
                    ActionKind::Restart => &["restart", service],
                    ActionKind::Stop => &["stop", service],
                    ActionKind::Start => &["start", service],
                    ActionKind::Pause => &["pause", service],
                    ActionKind::Unpause => &["unpause", service],
                };
                Ok(tool.command(project, args))
            }
            ActionTarget::Container { name } => {
                check_container_shape(name)?;
                let verb = match self.kind {
                    ActionKind::Restart => "restart",
                    ActionKind::Stop => "stop",
                    ActionKind::Start => "start",
                    ActionKind::Pause => "pause",
                    ActionKind::Unpause => "unpause",
                    ActionKind::Apply | ActionKind::ForceRecreate => {
                        return Err(ComposeError::NotCompose {
                            action: self.kind.verb(),
                            container: name.clone(),
                        })
                    }
                };
                Ok(docker.command(&[verb, name]))
            }
        }
    }

    /// The argv that says which container serves the target after the action.
    pub fn lookup_command(&self, tool: Option<&ComposeTool>, docker: &DockerCli) -> Option<Argv> {
        match &self.target {
            ActionTarget::Service { project, service } => {
                Some(tool?.command(project, &["ps", "-a", "-q", service]))
            }
            ActionTarget::Container { name } => {
                Some(docker.command(&["container", "inspect", "--format", "{{.Id}}", name]))
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::compose::tool::ToolKind;

    fn v1() -> ComposeTool {
        ComposeTool {
            kind: ToolKind::Standalone,
            version: "1.29.2".into(),
            program: "docker-compose".into(),
            prefix: vec![],
            env: vec![],
        }
    }

    fn project() -> ComposeProject {
        ComposeProject::named("poc").unwrap()
    }

    #[test]
    fn every_service_action_as_argv() {
        let tool = v1();
        let docker = DockerCli::default();
        let expect = [
            (ActionKind::Apply, "docker-compose -p poc up -d gitea"),
            (
                ActionKind::ForceRecreate,
                "docker-compose -p poc up -d --force-recreate --no-deps gitea",
            ),
            (ActionKind::Restart, "docker-compose -p poc restart gitea"),
            (ActionKind::Stop, "docker-compose -p poc stop gitea"),
            (ActionKind::Start, "docker-compose -p poc start gitea"),
            (ActionKind::Pause, "docker-compose -p poc pause gitea"),
            (ActionKind::Unpause, "docker-compose -p poc unpause gitea"),
        ];
        for (kind, text) in expect {
            let req = ActionRequest::service(kind, project(), "gitea", ["gitea"], None).unwrap();
            let cmd = req.command(Some(&tool), &docker).unwrap();
            assert_eq!(cmd.display(), text);
            // Nothing that could remove a volume.
            assert!(!cmd
                .args
                .iter()
                .any(|a| a == "down" || a == "rm" || a == "-v" || a == "--volumes"));
        }
    }

    #[test]
    fn container_actions_use_the_docker_cli() {
        let docker = DockerCli {
            program: "docker".into(),
            host: Some("tcp://10.0.0.1:2375".into()),
        };
        let req = ActionRequest::container(
            ActionKind::Restart,
            "coder-alice-dev",
            ["coder-alice-dev"],
            None,
        )
        .unwrap();
        assert_eq!(
            req.command(None, &docker).unwrap().display(),
            "docker -H tcp://10.0.0.1:2375 restart coder-alice-dev"
        );
        for (kind, verb) in [
            (ActionKind::Pause, "pause"),
            (ActionKind::Unpause, "unpause"),
        ] {
            let req = ActionRequest::container(kind, "coder-alice-dev", ["coder-alice-dev"], None)
                .unwrap();
            assert_eq!(
                req.command(None, &docker).unwrap().display(),
                format!("docker -H tcp://10.0.0.1:2375 {verb} coder-alice-dev")
            );
        }
        let err = ActionRequest::container(
            ActionKind::Apply,
            "coder-alice-dev",
            ["coder-alice-dev"],
            None,
        )
        .unwrap_err();
        assert!(matches!(err, ComposeError::NotCompose { .. }));
    }

    #[test]
    fn hostile_or_unknown_names_never_become_a_request() {
        for name in [
            "gitea; rm -rf /",
            "gitea && reboot",
            "$(id)",
            "--volumes",
            "mailpit",
        ] {
            assert!(
                ActionRequest::service(ActionKind::Apply, project(), name, ["gitea"], None)
                    .is_err(),
                "{name}"
            );
        }
        // A request assembled by hand is still checked when turned into argv.
        let forged = ActionRequest {
            kind: ActionKind::Restart,
            target: ActionTarget::Service {
                project: project(),
                service: "gitea; rm -rf /".into(),
            },
            container_id: None,
        };
        assert!(forged.command(Some(&v1()), &DockerCli::default()).is_err());
    }

    #[test]
    fn shell_is_exec_it_sh_on_a_known_container() {
        let cmd = shell_command(&DockerCli::default(), "poc-gitea-1", ["poc-gitea-1"]).unwrap();
        assert_eq!(cmd.display(), "docker exec -it poc-gitea-1 sh");
        assert!(shell_command(&DockerCli::default(), "x; sh", ["x; sh"]).is_err());
        assert!(shell_command(&DockerCli::default(), "other", ["poc-gitea-1"]).is_err());
    }

    #[test]
    fn keys_and_confirmation() {
        let req =
            ActionRequest::service(ActionKind::Stop, project(), "gitea", ["gitea"], None).unwrap();
        assert_eq!(req.key(), "poc/gitea");
        assert!(req.kind.needs_confirmation());
        assert!(!ActionKind::Apply.needs_confirmation());
        assert!(ActionKind::ForceRecreate.needs_confirmation());
        assert!(ActionKind::Pause.needs_confirmation());
        assert!(!ActionKind::Unpause.needs_confirmation());
    }
}
