//! What can go wrong talking to the compose tool.

use thiserror::Error;

use super::names::NameError;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ComposeError {
    #[error("no compose tool found: neither `docker compose` (v2 plugin) nor `docker-compose` (v1) answered ({detail}). Install the Docker Compose plugin or docker-compose")]
    NoTool { detail: String },
    #[error(transparent)]
    Name(#[from] NameError),
    #[error("cannot run {program}: {reason}")]
    Spawn { program: String, reason: String },
    #[error("`{command}` failed ({status}): {stderr}")]
    Failed {
        command: String,
        status: String,
        stderr: String,
    },
    #[error("`{command}` did not finish within {secs}s")]
    Timeout { command: String, secs: u64 },
    #[error("cannot read the output of `{command}`: {detail}")]
    Parse { command: String, detail: String },
    #[error("{0}")]
    NoProject(String),
    #[error("{action} needs a compose service; {container} is not part of a compose project (use restart, stop or start)")]
    NotCompose {
        action: &'static str,
        container: String,
    },
    #[error("the Docker engine: {0}")]
    Engine(String),
}
