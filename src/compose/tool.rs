//! Which compose tool is installed: the `docker compose` plugin (v2) or the
//! standalone `docker-compose` (v1), and its version.

use std::time::Duration;

use serde::Serialize;

use super::command::{capture, Argv};
use super::error::ComposeError;
use super::project::ComposeProject;

/// How compose is invoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolKind {
    /// `docker compose …`
    Plugin,
    /// `docker-compose …`
    Standalone,
}

/// A compose tool that answered `version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComposeTool {
    pub kind: ToolKind,
    pub version: String,
    /// The program run (`docker` for the plugin).
    pub program: String,
    /// Arguments before the compose arguments (`compose` for the plugin).
    #[serde(skip)]
    pub prefix: Vec<String>,
    /// Extra environment for every invocation (`DOCKER_HOST`).
    #[serde(skip)]
    pub env: Vec<(String, String)>,
}

/// Where to look for the tools (tests point these at fakes).
#[derive(Debug, Clone)]
pub struct ToolSearch {
    pub docker: String,
    pub docker_compose: String,
    /// Passed to compose as `DOCKER_HOST` (the `--docker-host` flag).
    pub docker_host: Option<String>,
    pub timeout: Duration,
}

impl Default for ToolSearch {
    fn default() -> Self {
        Self {
            docker: "docker".to_string(),
            docker_compose: "docker-compose".to_string(),
            docker_host: None,
            timeout: Duration::from_secs(10),
        }
    }
}

impl ComposeTool {
    /// `docker compose 2.20.2` or `docker-compose 1.29.2`.
    pub fn describe(&self) -> String {
        let name = match self.kind {
            ToolKind::Plugin => "docker compose",
            ToolKind::Standalone => "docker-compose",
        };
        format!("{name} {}", self.version)
    }

    /// A compose command for `project`: the tool, the project flags, then `args`.
    pub fn command(&self, project: &ComposeProject, args: &[&str]) -> Argv {
        let mut all = self.prefix.clone();
        all.extend(project.args());
        all.extend(args.iter().map(|a| (*a).to_string()));
        let mut cmd = Argv::new(self.program.clone(), all);
        cmd.env.clone_from(&self.env);
        cmd
    }
}

/// Tries the v2 plugin first, then v1. Says clearly when neither answers.
pub async fn detect(search: &ToolSearch) -> Result<ComposeTool, ComposeError> {
    let env: Vec<(String, String)> = search
        .docker_host
        .iter()
        .map(|h| ("DOCKER_HOST".to_string(), h.clone()))
        .collect();
    let candidates = [
        (ToolKind::Plugin, search.docker.clone(), vec!["compose"]),
        (ToolKind::Standalone, search.docker_compose.clone(), vec![]),
    ];
    let mut tried = Vec::new();
    for (kind, program, prefix) in candidates {
        let prefix: Vec<String> = prefix.into_iter().map(String::from).collect();
        let mut args = prefix.clone();
        args.push("version".to_string());
        let cmd = Argv::new(program.clone(), args);
        match capture(&cmd, search.timeout).await {
            Ok(out) if out.success => {
                if let Some(version) = parse_version(&out.stdout) {
                    return Ok(ComposeTool {
                        kind,
                        version,
                        program,
                        prefix,
                        env,
                    });
                }
                tried.push(format!("`{}` printed no version", cmd.display()));
            }
            Ok(out) => tried.push(format!("`{}` exited with {}", cmd.display(), out.status)),
            Err(e) => tried.push(e.to_string()),
        }
    }
    Err(ComposeError::NoTool {
        detail: tried.join("; "),
    })
}

/// The version number from `docker compose version` ("Docker Compose version
/// v2.20.2") or `docker-compose version` ("docker-compose version 1.29.2, build …").
pub fn parse_version(text: &str) -> Option<String> {
    let first = text.lines().find(|l| !l.trim().is_empty())?;
    let after = first
        .to_ascii_lowercase()
        .find("version")
        .map_or(first, |at| &first[at + "version".len()..]);
    let word = after
        .split(|c: char| c.is_whitespace() || c == ',')
        .find(|w| !w.is_empty())?;
    let word = word.strip_prefix('v').unwrap_or(word);
    word.starts_with(|c: char| c.is_ascii_digit())
        .then(|| word.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn versions_of_both_tools() {
        assert_eq!(
            parse_version("Docker Compose version v2.20.2\n").as_deref(),
            Some("2.20.2")
        );
        assert_eq!(
            parse_version(
                "docker-compose version 1.29.2, build unknown\ndocker-py version: 5.0.3\n"
            )
            .as_deref(),
            Some("1.29.2")
        );
        assert_eq!(parse_version("2.27.0\n").as_deref(), Some("2.27.0"));
        assert_eq!(
            parse_version("docker: 'compose' is not a docker command."),
            None
        );
        assert_eq!(parse_version(""), None);
    }

    fn fake(dir: &std::path::Path, name: &str, script: &str) -> String {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path.to_string_lossy().into_owned()
    }

    #[tokio::test]
    async fn plugin_first_then_standalone_then_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let plugin = fake(
            dir.path(),
            "docker",
            r#"[ "$1 $2" = "compose version" ] && echo "Docker Compose version v2.29.1" && exit 0; exit 1"#,
        );
        let no_plugin = fake(dir.path(), "docker-old", "echo unknown command >&2; exit 1");
        let v1 = fake(
            dir.path(),
            "docker-compose",
            r#"echo "docker-compose version 1.29.2, build unknown""#,
        );
        let search = |docker: &str, compose: &str| ToolSearch {
            docker: docker.to_string(),
            docker_compose: compose.to_string(),
            docker_host: Some("unix:///tmp/x.sock".into()),
            timeout: Duration::from_secs(5),
        };

        let tool = detect(&search(&plugin, &v1)).await.unwrap();
        assert_eq!(tool.kind, ToolKind::Plugin);
        assert_eq!(tool.describe(), "docker compose 2.29.1");
        let project = ComposeProject::named("poc").unwrap();
        let cmd = tool.command(&project, &["ps"]);
        assert_eq!(cmd.args, ["compose", "-p", "poc", "ps"]);
        assert_eq!(
            cmd.env,
            [("DOCKER_HOST".to_string(), "unix:///tmp/x.sock".to_string())]
        );

        let tool = detect(&search(&no_plugin, &v1)).await.unwrap();
        assert_eq!(tool.kind, ToolKind::Standalone);
        assert_eq!(tool.describe(), "docker-compose 1.29.2");
        assert_eq!(tool.command(&project, &["ps"]).args, ["-p", "poc", "ps"]);

        let err = detect(&search(&no_plugin, "/nonexistent/docker-compose"))
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("no compose tool found"), "{text}");
        assert!(text.contains("docker-compose"), "{text}");
    }
}
