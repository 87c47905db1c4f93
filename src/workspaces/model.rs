//! Coder's workspace list as its API answers it (`GET /api/v2/workspaces`), parsed tolerantly:
//! every field a release may leave out has a default.

use serde::{Deserialize, Serialize};

/// One workspace with its latest build.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Workspace {
    pub id: String,
    pub name: String,
    pub owner_id: String,
    pub owner_name: String,
    pub template_name: String,
    pub template_active_version_id: String,
    /// Built from an older template version than the active one.
    pub outdated: bool,
    pub latest_build: Build,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Build {
    pub id: String,
    /// `start`, `stop` or `delete`.
    pub transition: String,
    /// `pending`, `starting`, `running`, `stopping`, `stopped`, `failed`, `canceling`,
    /// `canceled`, `deleting`, `deleted`.
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
    pub template_version_id: String,
    pub job: Job,
    pub resources: Vec<Resource>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Job {
    pub status: String,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Resource {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub agents: Vec<Agent>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Agent {
    pub id: String,
    pub name: String,
    /// `connecting`, `connected`, `disconnected` or `timeout`.
    pub status: String,
    /// `created`, `starting`, `start_timeout`, `start_error`, `ready`, `shutting_down`,
    /// `shutdown_timeout`, `shutdown_error`, `off`.
    pub lifecycle_state: String,
    pub last_connected_at: Option<String>,
    pub health: AgentHealth,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentHealth {
    pub healthy: bool,
    pub reason: Option<String>,
}

impl Workspace {
    /// `owner/name`, as Coder's CLI names a workspace.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner_name, self.name)
    }

    /// Every agent of the latest build, across its resources.
    pub fn agents(&self) -> impl Iterator<Item = &Agent> {
        self.latest_build
            .resources
            .iter()
            .flat_map(|r| r.agents.iter())
    }

    /// The latest build is a `stop` (so no container is expected).
    pub fn is_stopped(&self) -> bool {
        self.latest_build.transition == "stop"
    }

    /// The latest build is a `start` that Coder reports as running.
    pub fn is_started(&self) -> bool {
        self.latest_build.transition == "start" && self.latest_build.status == "running"
    }

    /// When the latest build was last updated (or created), as Coder wrote it.
    pub fn built_at(&self) -> Option<&str> {
        [&self.latest_build.updated_at, &self.latest_build.created_at]
            .into_iter()
            .find(|t| !t.is_empty())
            .map(String::as_str)
    }
}

/// One page of the list.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct WorkspacesPage {
    pub workspaces: Vec<Workspace>,
    pub count: Option<u64>,
}
