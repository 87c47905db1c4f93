//! Coder's view of the workspaces as the Services tab keeps it, and what it says about one
//! workspace container: joined (with the agents' verdict), an orphan, another Coder's, or
//! unjudged because Coder could not be read.

use std::collections::BTreeMap;
use std::time::SystemTime;

use crate::docker::ContainerInfo;
use crate::health::Health;
use crate::workspaces::rebuild::Plan;
use crate::workspaces::worker::WorkspacesEvent;
use crate::workspaces::{verdict, CoderView, Place, Verdict, Workspace};

#[derive(Debug, Clone, Default)]
pub struct WorkspacesPanel {
    pub view: CoderView,
    /// When Coder was last read.
    pub read_at: Option<SystemTime>,
    /// A read is under way.
    pub reading: bool,
    /// A rebuild waiting for its confirmation.
    pub confirm: Option<Plan>,
    /// Rebuilds under way: workspace id → the latest news.
    pub building: BTreeMap<String, String>,
}

impl WorkspacesPanel {
    /// News from the workspace worker; returns a message for the status bar.
    pub fn apply(&mut self, event: WorkspacesEvent) -> Option<String> {
        match event {
            WorkspacesEvent::Reading => self.reading = true,
            WorkspacesEvent::Loaded { view, read_at } => {
                self.reading = false;
                self.view = *view;
                self.read_at = Some(read_at);
            }
            WorkspacesEvent::Building { workspace_id, text } => {
                self.building.insert(workspace_id, text.clone());
                return Some(format!("rebuild: {text}"));
            }
            WorkspacesEvent::Rebuilt {
                workspace_id,
                outcome,
            } => {
                self.building.remove(&workspace_id);
                return Some(match outcome {
                    Ok(done) => done,
                    Err(why) => format!("rebuild failed: {why}"),
                });
            }
        }
        None
    }
}

/// What one workspace container is, as far as Coder says.
pub struct WorkspaceStatus<'a> {
    pub place: Place,
    pub workspace: Option<&'a Workspace>,
    pub verdict: Verdict,
}

impl WorkspacesPanel {
    /// A workspace Coder knows, by id.
    pub fn workspace(&self, id: &str) -> Option<&Workspace> {
        self.view.known()?.workspaces.iter().find(|w| w.id == id)
    }

    /// The join and the badge of a container with Coder's labels.
    pub fn status_of(&self, container: &ContainerInfo) -> Option<WorkspaceStatus<'_>> {
        let labels = container.workspace.as_ref()?;
        let place = self.view.place(labels);
        let (workspace, verdict) = match &place {
            Place::Joined { workspace } => {
                let ws = self.view.known().and_then(|k| k.workspaces.get(*workspace));
                (ws, ws.map_or_else(unknown_verdict, verdict::workspace))
            }
            Place::Orphan => (
                None,
                Verdict {
                    health: Health::Degraded,
                    reason: "orphan: Coder has no workspace with this id".to_owned(),
                },
            ),
            Place::Foreign => (
                None,
                Verdict {
                    health: Health::Skipped,
                    reason: "not of this Coder (its owner is not a user here)".to_owned(),
                },
            ),
            Place::Unjudged { why } => (
                None,
                Verdict {
                    health: Health::Unknown,
                    reason: why.clone(),
                },
            ),
        };
        Some(WorkspaceStatus {
            place,
            workspace,
            verdict,
        })
    }
}

fn unknown_verdict() -> Verdict {
    Verdict {
        health: Health::Unknown,
        reason: "Coder's workspace list changed".to_owned(),
    }
}
