//! What an agent's status, lifecycle and health mean, in the services' up / degraded / down /
//! unknown language, with the reason in words. Pure.

use serde::Serialize;

use super::model::{Agent, Workspace};
use crate::health::Health;

/// A badge and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub health: Health,
    pub reason: String,
}

impl Verdict {
    fn new(health: Health, reason: impl Into<String>) -> Self {
        Verdict {
            health,
            reason: reason.into(),
        }
    }
}

/// One agent: connected and ready is up; still starting or a failed startup script is
/// degraded; disconnected or timed out is down.
pub fn agent(agent: &Agent) -> Verdict {
    let name = if agent.name.is_empty() {
        "agent".to_owned()
    } else {
        format!("agent {}", agent.name)
    };
    let life = agent.lifecycle_state.as_str();
    let mut verdict = match agent.status.as_str() {
        "connected" => match life {
            "ready" | "" => Verdict::new(Health::Up, format!("{name} connected, ready")),
            "created" | "starting" => Verdict::new(
                Health::Degraded,
                format!("{name} connected, startup script still running ({life})"),
            ),
            "start_error" => Verdict::new(
                Health::Degraded,
                format!("{name} connected, startup script failed (start_error): see its logs"),
            ),
            "start_timeout" => Verdict::new(
                Health::Degraded,
                format!("{name} connected, startup script timed out (start_timeout)"),
            ),
            other => Verdict::new(Health::Degraded, format!("{name} connected, {other}")),
        },
        "connecting" => Verdict::new(
            Health::Degraded,
            format!("{name} connecting (lifecycle {})", or_dash(life)),
        ),
        "timeout" => Verdict::new(
            Health::Down,
            format!("{name} timed out connecting: the container cannot reach Coder's access URL"),
        ),
        "disconnected" => Verdict::new(Health::Down, format!("{name} disconnected")),
        other => Verdict::new(Health::Unknown, format!("{name} status {}", or_dash(other))),
    };
    if !agent.health.healthy && verdict.health == Health::Up {
        verdict.health = Health::Degraded;
    }
    if let Some(reason) = agent.health.reason.as_deref().filter(|r| !r.is_empty()) {
        if !verdict.reason.contains(reason) {
            verdict.reason = format!("{}; Coder: {reason}", verdict.reason);
        }
    }
    verdict
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() {
        "—"
    } else {
        s
    }
}

/// The workspace as a whole: the latest build first (failed, in progress, stopped), then
/// the worst of its agents.
pub fn workspace(ws: &Workspace) -> Verdict {
    let build = &ws.latest_build;
    let transition = build.transition.as_str();
    let status = build.status.as_str();
    match status {
        "failed" => {
            let why = build
                .job
                .error
                .as_deref()
                .filter(|e| !e.is_empty())
                .map(|e| format!(": {e}"))
                .unwrap_or_default();
            return Verdict::new(Health::Down, format!("{transition} build failed{why}"));
        }
        "canceled" => {
            return Verdict::new(Health::Down, format!("{transition} build canceled"));
        }
        "pending" | "starting" | "stopping" | "deleting" | "canceling" => {
            return Verdict::new(Health::Degraded, format!("{transition} build {status}"));
        }
        _ => {}
    }
    match transition {
        "stop" => return Verdict::new(Health::Unknown, "stopped (latest build: stop)"),
        "delete" => return Verdict::new(Health::Unknown, "deleted (latest build: delete)"),
        _ => {}
    }
    let agents: Vec<Verdict> = ws.agents().map(agent).collect();
    agents
        .into_iter()
        .max_by_key(|v| v.health.severity())
        .unwrap_or_else(|| Verdict::new(Health::Unknown, "no agent in the latest build"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspaces::model::{AgentHealth, Build, Resource};

    fn with(status: &str, life: &str, healthy: bool) -> Agent {
        Agent {
            name: "main".into(),
            status: status.into(),
            lifecycle_state: life.into(),
            health: AgentHealth {
                healthy,
                reason: (!healthy).then(|| "agent is not connected".to_owned()),
            },
            ..Agent::default()
        }
    }

    #[test]
    fn connected_timeout_and_start_error_differ() {
        let up = agent(&with("connected", "ready", true));
        let down = agent(&with("timeout", "created", false));
        let degraded = agent(&with("connected", "start_error", true));
        assert_eq!(up.health, Health::Up);
        assert_eq!(down.health, Health::Down);
        assert!(down.reason.contains("agent is not connected"), "{down:?}");
        assert_eq!(degraded.health, Health::Degraded);
        assert!(degraded.reason.contains("start_error"));
    }

    #[test]
    fn an_unhealthy_connected_agent_is_not_up() {
        let mut a = with("connected", "ready", false);
        a.health.reason = Some("agent has lost connection".into());
        let v = agent(&a);
        assert_eq!(v.health, Health::Degraded);
        assert!(v.reason.contains("lost connection"));
    }

    #[test]
    fn the_build_speaks_before_the_agents() {
        let mut ws = Workspace {
            latest_build: Build {
                transition: "start".into(),
                status: "running".into(),
                resources: vec![Resource {
                    agents: vec![
                        with("connected", "ready", true),
                        with("disconnected", "ready", false),
                    ],
                    ..Resource::default()
                }],
                ..Build::default()
            },
            ..Workspace::default()
        };
        assert_eq!(workspace(&ws).health, Health::Down, "the worst agent");
        ws.latest_build.status = "failed".into();
        ws.latest_build.job.error = Some("terraform apply failed".into());
        let v = workspace(&ws);
        assert_eq!(v.health, Health::Down);
        assert!(v.reason.contains("terraform apply failed"));
        ws.latest_build.status = "stopped".into();
        ws.latest_build.transition = "stop".into();
        assert_eq!(workspace(&ws).health, Health::Unknown);
        ws.latest_build.resources.clear();
        ws.latest_build.transition = "start".into();
        ws.latest_build.status = "running".into();
        assert!(workspace(&ws).reason.contains("no agent"));
    }
}
