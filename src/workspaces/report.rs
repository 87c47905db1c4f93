//! `poc-tui workspaces`: Coder's workspaces joined to the engine's containers, with every
//! agent's state, as stable JSON or a plain table. Pure: built from what was already read.

use std::fmt::Write as _;

use serde::Serialize;

use super::join::{CoderView, Place};
use super::model::{Agent, Workspace};
use super::verdict;
use crate::docker::{ContainerInfo, ContainerState};
use crate::health::Health;

/// Bumped when a field changes meaning or disappears (additions keep it).
pub const WORKSPACES_REPORT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkspacesReport {
    pub workspaces_version: u32,
    /// No started workspace has an agent that is not connected and ready, and Coder was read.
    pub ok: bool,
    pub coder: Source,
    pub engine: Source,
    /// Coder's workspaces, each with its container when the engine has one.
    pub workspaces: Vec<WorkspaceOut>,
    /// Labelled containers whose workspace id Coder does not know, owned by one of its users.
    pub orphans: Vec<ContainerOut>,
    /// Labelled containers of another Coder (their owner is not a user here).
    pub foreign: Vec<ContainerOut>,
    /// Labelled containers listed by their labels only, because Coder could not be read.
    pub unjudged: Vec<ContainerOut>,
}

/// Whether one side could be read, and why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    pub read: bool,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkspaceOut {
    pub id: String,
    pub owner: String,
    pub name: String,
    pub template: String,
    pub outdated: bool,
    /// `start`, `stop` or `delete`.
    pub transition: String,
    pub build_status: String,
    pub built_at: Option<String>,
    pub health: Health,
    pub reason: String,
    /// The latest build is a `start`: its agents are judged.
    pub started: bool,
    /// Started, and some agent is not connected and ready (or the build failed).
    pub problem: bool,
    pub agents: Vec<AgentOut>,
    pub container: Option<ContainerOut>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentOut {
    pub name: String,
    pub status: String,
    pub lifecycle_state: String,
    pub last_connected_at: Option<String>,
    pub healthy: bool,
    /// Coder's own health reason ("agent is not connected").
    pub coder_reason: Option<String>,
    pub health: Health,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContainerOut {
    pub id: String,
    pub name: String,
    pub state: ContainerState,
    pub owner: String,
    pub workspace_name: String,
    pub workspace_id: Option<String>,
    /// What to do about it (orphans), or why nothing is judged (unjudged).
    pub note: Option<String>,
}

fn container_out(c: &ContainerInfo, note: Option<String>) -> ContainerOut {
    let labels = c.workspace.as_ref();
    ContainerOut {
        id: c.short_id().to_owned(),
        name: c.name.clone(),
        state: c.state,
        owner: labels.map(|l| l.owner.clone()).unwrap_or_default(),
        workspace_name: labels.map(|l| l.workspace_name.clone()).unwrap_or_default(),
        workspace_id: labels.and_then(|l| l.workspace_id.clone()),
        note,
    }
}

fn agent_out(a: &Agent) -> AgentOut {
    let v = verdict::agent(a);
    AgentOut {
        name: a.name.clone(),
        status: a.status.clone(),
        lifecycle_state: a.lifecycle_state.clone(),
        last_connected_at: a.last_connected_at.clone(),
        healthy: a.health.healthy,
        coder_reason: a.health.reason.clone().filter(|r| !r.is_empty()),
        health: v.health,
        reason: v.reason,
    }
}

/// A started workspace whose build failed or whose agents are not all connected and ready.
pub fn has_agent_problem(ws: &Workspace) -> bool {
    if ws.latest_build.transition != "start" {
        return false;
    }
    if matches!(ws.latest_build.status.as_str(), "failed" | "canceled") {
        return true;
    }
    ws.agents()
        .any(|a| a.status != "connected" || a.lifecycle_state != "ready")
}

/// Joins `view` to the workspace containers (`containers` already chosen as workspaces;
/// `engine` is `Err(reason)` when the engine could not be read).
pub fn build(view: &CoderView, engine: Result<&[&ContainerInfo], String>) -> WorkspacesReport {
    let (containers, engine_source): (&[&ContainerInfo], Source) = match engine {
        Ok(list) => (
            list,
            Source {
                read: true,
                reason: None,
            },
        ),
        Err(reason) => (
            &[],
            Source {
                read: false,
                reason: Some(reason),
            },
        ),
    };
    let mut orphans = Vec::new();
    let mut foreign = Vec::new();
    let mut unjudged = Vec::new();
    let mut joined: Vec<(usize, &ContainerInfo)> = Vec::new();
    for c in containers {
        let Some(labels) = c.workspace.as_ref() else {
            continue;
        };
        match view.place(labels) {
            Place::Joined { workspace } => joined.push((workspace, c)),
            Place::Orphan => orphans.push(container_out(c, Some(super::join::orphan_fix(&c.name)))),
            Place::Foreign => foreign.push(container_out(c, None)),
            Place::Unjudged { why } => unjudged.push(container_out(c, Some(why))),
        }
    }
    let coder = match view {
        CoderView::Known(_) => Source {
            read: true,
            reason: None,
        },
        CoderView::Unavailable(why) => Source {
            read: false,
            reason: Some(why.clone()),
        },
        CoderView::NotRead => Source {
            read: false,
            reason: Some("Coder not read".to_owned()),
        },
    };
    let mut workspaces: Vec<WorkspaceOut> = view
        .known()
        .map(|k| k.workspaces.as_slice())
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, ws)| {
            let v = verdict::workspace(ws);
            let container = joined
                .iter()
                .find(|(w, _)| *w == i)
                .map(|(_, c)| container_out(c, None));
            WorkspaceOut {
                id: ws.id.clone(),
                owner: ws.owner_name.clone(),
                name: ws.name.clone(),
                template: ws.template_name.clone(),
                outdated: ws.outdated,
                transition: ws.latest_build.transition.clone(),
                build_status: ws.latest_build.status.clone(),
                built_at: ws.built_at().map(str::to_owned),
                health: v.health,
                reason: v.reason,
                started: ws.latest_build.transition == "start",
                problem: has_agent_problem(ws),
                agents: ws.agents().map(agent_out).collect(),
                container,
            }
        })
        .collect();
    workspaces.sort_by(|a, b| (&a.owner, &a.name).cmp(&(&b.owner, &b.name)));
    for list in [&mut orphans, &mut foreign, &mut unjudged] {
        list.sort_by(|a, b| a.name.cmp(&b.name));
    }
    WorkspacesReport {
        workspaces_version: WORKSPACES_REPORT_VERSION,
        ok: coder.read && !workspaces.iter().any(|w| w.problem),
        coder,
        engine: engine_source,
        workspaces,
        orphans,
        foreign,
        unjudged,
    }
}

fn agents_text(w: &WorkspaceOut) -> String {
    if w.agents.is_empty() {
        return "-".to_owned();
    }
    w.agents
        .iter()
        .map(|a| {
            let state = format!("{}/{}", dash(&a.status), dash(&a.lifecycle_state));
            if w.agents.len() > 1 {
                format!("{}:{state}", a.name)
            } else {
                state
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn dash(s: &str) -> &str {
    if s.is_empty() {
        "-"
    } else {
        s
    }
}

/// The plain text `poc-tui workspaces` prints.
pub fn render_text(r: &WorkspacesReport) -> String {
    let mut out = String::new();
    if let Some(why) = &r.coder.reason {
        let _ = writeln!(out, "Coder: {why}");
    }
    if let Some(why) = &r.engine.reason {
        let _ = writeln!(out, "Docker engine: {why}");
    }
    let mut rows: Vec<Vec<String>> = Vec::new();
    for w in &r.workspaces {
        let template = if w.outdated {
            format!("{} (outdated)", w.template)
        } else {
            w.template.clone()
        };
        let container = w.container.as_ref().map_or_else(
            || {
                if w.transition == "stop" {
                    "- (stopped)".to_owned()
                } else {
                    "- (not on this engine)".to_owned()
                }
            },
            |c| format!("{} {}", c.name, c.state.as_str()),
        );
        rows.push(vec![
            format!("{}/{}", w.owner, w.name),
            w.health.as_str().to_owned(),
            agents_text(w),
            format!("{} {}", dash(&w.transition), dash(&w.build_status)),
            template,
            container,
            w.reason.clone(),
        ]);
    }
    let mut table = Vec::new();
    if !rows.is_empty() {
        table.push(
            [
                "WORKSPACE",
                "HEALTH",
                "AGENTS",
                "BUILD",
                "TEMPLATE",
                "CONTAINER",
                "REASON",
            ]
            .map(str::to_owned)
            .to_vec(),
        );
        table.extend(rows);
    }
    for line in crate::text::align_columns(&table) {
        out.push_str(&line);
        out.push('\n');
    }
    for (title, list) in [
        ("orphan", &r.orphans),
        ("not of this Coder", &r.foreign),
        ("not judged", &r.unjudged),
    ] {
        for c in list {
            let _ = write!(
                out,
                "{title}: {} ({}/{}, {})",
                c.name,
                c.owner,
                c.workspace_name,
                c.state.as_str()
            );
            match &c.note {
                Some(note) => {
                    let _ = writeln!(out, ": {note}");
                }
                None => out.push('\n'),
            }
        }
    }
    let problems = r.workspaces.iter().filter(|w| w.problem).count();
    let started = r.workspaces.iter().filter(|w| w.started).count();
    let _ = writeln!(
        out,
        "=== {} workspace(s), {started} started, {problems} with an agent not connected and ready ===",
        r.workspaces.len()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspaces::model::{AgentHealth, Build, Resource};

    fn ws(id: &str, transition: &str, status: &str, agent: Option<(&str, &str)>) -> Workspace {
        Workspace {
            id: id.into(),
            owner_name: "alice".into(),
            name: id.into(),
            latest_build: Build {
                transition: transition.into(),
                status: status.into(),
                resources: agent
                    .map(|(s, l)| Resource {
                        agents: vec![Agent {
                            name: "main".into(),
                            status: s.into(),
                            lifecycle_state: l.into(),
                            health: AgentHealth {
                                healthy: s == "connected",
                                reason: None,
                            },
                            ..Agent::default()
                        }],
                        ..Resource::default()
                    })
                    .into_iter()
                    .collect(),
                ..Build::default()
            },
            ..Workspace::default()
        }
    }

    #[test]
    fn only_started_workspaces_with_an_unready_agent_are_problems() {
        assert!(!has_agent_problem(&ws(
            "a",
            "start",
            "running",
            Some(("connected", "ready"))
        )));
        assert!(has_agent_problem(&ws(
            "b",
            "start",
            "running",
            Some(("timeout", "created"))
        )));
        assert!(has_agent_problem(&ws(
            "c",
            "start",
            "running",
            Some(("connected", "start_error"))
        )));
        assert!(has_agent_problem(&ws("d", "start", "failed", None)));
        assert!(!has_agent_problem(&ws("e", "stop", "stopped", None)));
    }

    #[test]
    fn coder_unread_is_not_ok_and_says_why() {
        let view = CoderView::Unavailable("Coder not reachable: refused".into());
        let r = build(&view, Err("engine down".into()));
        assert!(!r.ok);
        assert_eq!(
            r.coder.reason.as_deref(),
            Some("Coder not reachable: refused")
        );
        let text = render_text(&r);
        assert!(text.contains("Coder: Coder not reachable"), "{text}");
        assert!(text.contains("Docker engine: engine down"), "{text}");
    }
}
