//! Workspace rows and their detail: Coder's view joined to the container (template, latest
//! build, agents and the badge), or why Coder's view is missing.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use ratatui::text::{Line, Span};

use super::columns::{ProbeData, RowData};
use crate::app::services::workspaces::WorkspaceStatus;
use crate::app::State;
use crate::docker::ContainerInfo;
use crate::ui::{format, theme};
use crate::workspaces::{CoderView, Place, Workspace};

/// Workspace rows have no probe history.
static NO_HISTORY: VecDeque<Option<Duration>> = VecDeque::new();

/// When Coder wrote a time (RFC 3339), if it parses.
pub fn parse_time(text: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339_weak(text.trim_end_matches('Z'))
        .ok()
        .or_else(|| humantime::parse_rfc3339(text).ok())
}

/// "connected/ready" for the one agent, "main connected/ready, gpu timeout/created" for more.
pub fn agents_short(ws: &Workspace) -> String {
    let one = ws.agents().count() == 1;
    let agents: Vec<String> = ws
        .agents()
        .map(|a| {
            let state = format!("{}/{}", or_dash(&a.status), or_dash(&a.lifecycle_state));
            if one {
                state
            } else {
                format!("{} {state}", a.name)
            }
        })
        .collect();
    if agents.is_empty() {
        "no agent".to_owned()
    } else {
        agents.join(", ")
    }
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() {
        "—"
    } else {
        s
    }
}

/// The row of a container with Coder's labels.
pub fn row_data<'a>(
    state: &'a State,
    container: Option<&'a ContainerInfo>,
    id: &str,
) -> RowData<'a> {
    let engine = &state.engine;
    let status = container.and_then(|c| state.workspaces.status_of(c));
    let labels = container.and_then(|c| c.workspace.as_ref());
    let name = match (&status, labels) {
        (
            Some(WorkspaceStatus {
                workspace: Some(ws),
                ..
            }),
            _,
        ) => ws.full_name(),
        (_, Some(w)) => format!("{}/{}", w.owner, w.workspace_name),
        _ => container.map(|c| c.name.clone()).unwrap_or_default(),
    };
    let (purpose, reason, health, built) = match &status {
        Some(s) => match s.workspace {
            Some(ws) => (
                template(ws),
                format!(
                    "{} · {} {} · {}",
                    agents_short(ws),
                    ws.latest_build.transition,
                    ws.latest_build.status,
                    template(ws)
                ),
                s.verdict.health,
                ws.built_at().and_then(parse_time),
            ),
            None => (
                container.map(|c| c.name.clone()).unwrap_or_default(),
                s.verdict.reason.clone(),
                s.verdict.health,
                None,
            ),
        },
        None => (
            container.map(|c| c.name.clone()).unwrap_or_default(),
            String::new(),
            crate::health::Health::Unknown,
            None,
        ),
    };
    RowData {
        name,
        purpose,
        port: String::new(),
        probe: status.as_ref().map(|_| ProbeData {
            health,
            reason: "",
            latency: None,
            history: &NO_HISTORY,
            checked_at: built,
        }),
        reason,
        container,
        stats: engine.stats.get(id),
        no_container: "gone",
        dimmed: status
            .as_ref()
            .is_some_and(|s| matches!(s.place, Place::Foreign)),
    }
}

/// The row of a workspace Coder has but no container carries: stopped (dimmed), or started
/// with its container elsewhere.
pub fn coder_only_row<'a>(state: &'a State, id: &str) -> RowData<'a> {
    let Some(ws) = state.workspaces.workspace(id) else {
        return RowData {
            name: id.to_owned(),
            purpose: String::new(),
            port: String::new(),
            probe: None,
            reason: "no longer in Coder's list".to_owned(),
            container: None,
            stats: None,
            no_container: "none",
            dimmed: true,
        };
    };
    let verdict = crate::workspaces::verdict::workspace(ws);
    let stopped = ws.is_stopped();
    let reason = if stopped {
        format!("stopped · {}", template(ws))
    } else {
        format!(
            "{} · {} {} · no container on this engine · {}",
            agents_short(ws),
            ws.latest_build.transition,
            ws.latest_build.status,
            template(ws)
        )
    };
    RowData {
        name: ws.full_name(),
        purpose: template(ws),
        port: String::new(),
        probe: Some(ProbeData {
            health: verdict.health,
            reason: "",
            latency: None,
            history: &NO_HISTORY,
            checked_at: ws.built_at().and_then(parse_time),
        }),
        reason,
        container: None,
        stats: None,
        no_container: if stopped { "stopped" } else { "none" },
        dimmed: stopped,
    }
}

/// The detail pane's lines for a workspace with no container.
pub fn coder_only_lines(lines: &mut Vec<Line<'static>>, state: &State, id: &str, now: SystemTime) {
    let Some(ws) = state.workspaces.workspace(id) else {
        return;
    };
    let v = crate::workspaces::verdict::workspace(ws);
    lines.push(Line::from(vec![
        Span::styled(format!("{} ", ws.full_name()), theme::title()),
        Span::styled(
            format!("{} {}", theme::health_symbol(v.health), v.health),
            theme::health(v.health),
        ),
        Span::raw(format!(" — {}", v.reason)),
    ]));
    workspace_lines(lines, ws, now);
    lines.push(field(
        "container",
        if ws.is_stopped() {
            "none: the workspace is stopped (start it in Coder)".to_owned()
        } else {
            "none on this engine, though Coder's latest build is a start".to_owned()
        },
    ));
}

fn template(ws: &Workspace) -> String {
    if ws.outdated {
        format!("{} (outdated)", ws.template_name)
    } else {
        ws.template_name.clone()
    }
}

/// What the group header adds: when Coder was read, or why it was not.
pub fn header_suffix(state: &State, now: SystemTime) -> String {
    let panel = &state.workspaces;
    let read = panel
        .read_at
        .map(|t| format!(" · Coder read {} ago", format::age(t, now)))
        .unwrap_or_default();
    let reading = if panel.reading { " · reading…" } else { "" };
    match &panel.view {
        CoderView::NotRead => format!(" · Coder not read yet{reading}"),
        CoderView::Unavailable(_) => format!(" · Docker's view only{read}{reading}"),
        CoderView::Known(_) => format!("{read}{reading}"),
    }
}

fn field(name: &str, value: String) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{name:<11}"), theme::dim()),
        Span::raw(value),
    ])
}

/// The detail pane's lines for a workspace container.
pub fn detail_lines(
    lines: &mut Vec<Line<'static>>,
    state: &State,
    c: &ContainerInfo,
    now: SystemTime,
) {
    let Some(status) = state.workspaces.status_of(c) else {
        return;
    };
    let health = status.verdict.health;
    let title = status
        .workspace
        .map_or_else(|| c.name.clone(), Workspace::full_name);
    lines.push(Line::from(vec![
        Span::styled(format!("{title} "), theme::title()),
        Span::styled(
            format!("{} {health}", theme::health_symbol(health)),
            theme::health(health),
        ),
        Span::raw(format!(" — {}", status.verdict.reason)),
    ]));
    match (&status.place, status.workspace) {
        (Place::Joined { .. }, Some(ws)) => workspace_lines(lines, ws, now),
        (Place::Orphan, _) => {
            lines.push(field("fix", crate::workspaces::join::orphan_fix(&c.name)));
        }
        (Place::Foreign, _) => lines.push(field(
            "note",
            "labelled by another Coder (or a test stack): listed, never diagnosed as ours"
                .to_owned(),
        )),
        (Place::Unjudged { .. }, _) => lines.push(field(
            "note",
            "Docker's view only: no agent verdict without Coder (Ctrl-R reads it again)".to_owned(),
        )),
        (Place::Joined { .. }, None) => {}
    }
}

fn workspace_lines(lines: &mut Vec<Line<'static>>, ws: &Workspace, now: SystemTime) {
    let build = &ws.latest_build;
    let when = ws
        .built_at()
        .and_then(parse_time)
        .map(|t| format!(" · {} ago", format::age(t, now)))
        .unwrap_or_default();
    let error = build
        .job
        .error
        .as_deref()
        .filter(|e| !e.is_empty())
        .map(|e| format!(" · error: {e}"))
        .unwrap_or_default();
    lines.push(field(
        "build",
        format!("{} {}{when}{error}", build.transition, build.status),
    ));
    lines.push(field(
        "template",
        if ws.outdated {
            format!(
                "{}: outdated, built from version {} (active {}); only a new build picks up \
                 the active version (b rebuilds, or Coder's Update)",
                ws.template_name, build.template_version_id, ws.template_active_version_id
            )
        } else {
            format!("{} (active version)", ws.template_name)
        },
    ));
    for agent in ws.agents() {
        let last = agent
            .last_connected_at
            .as_deref()
            .and_then(parse_time)
            .map_or_else(
                || "never connected".to_owned(),
                |t| format!("last connected {} ago", format::age(t, now)),
            );
        let v = crate::workspaces::verdict::agent(agent);
        lines.push(Line::from(vec![
            Span::styled(format!("{:<11}", "agent"), theme::dim()),
            Span::raw(format!(
                "{} {} / {} · {last} · ",
                agent.name, agent.status, agent.lifecycle_state
            )),
            Span::styled(
                format!("{} {}", theme::health_symbol(v.health), v.health),
                theme::health(v.health),
            ),
        ]));
        if v.health != crate::health::Health::Up {
            lines.push(field("why", v.reason));
        }
        if agent.status == "timeout" || agent.status == "connecting" {
            lines.push(field(
                "see",
                "Networking (3): the agent URL and host.docker.internal findings".to_owned(),
            ));
        }
    }
}
