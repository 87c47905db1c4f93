//! Service state, the first root cause: a configured service with no container, and every
//! stack or workspace container that is down, paused, killed, restarting in a loop or
//! unhealthy. Other checks name these findings as their cause instead of failing one by one.

use super::context::Ctx;
use super::finding::{Area, Finding, Severity};
use super::gather::Container;
use crate::docker::{runtime_fault, ContainerState, DockerHealth, FaultKind};

/// The check of a container's state.
pub const STATE: &str = "service-state";
/// The check that a configured service has a container at all.
pub const DEPLOYED: &str = "service-deployed";

/// Why a service cannot answer, as its dependants cite it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// The id of the root finding.
    pub id: String,
    /// "Authentik is paused", "Platform Admin is not deployed".
    pub reason: String,
}

/// What the engine says about the service `key`: None when it runs (or nothing is known).
pub fn blocked(ctx: &Ctx<'_>, key: &str) -> Option<Blocked> {
    ctx.engine()?;
    let display = ctx
        .config
        .services
        .get(key)
        .map_or(key, |s| s.display.as_str());
    let list = ctx.stack.services.get(key)?;
    if list.is_empty() {
        return Some(Blocked {
            id: format!("{DEPLOYED}:{key}"),
            reason: format!("{display} is not deployed (expected by the config, no container)"),
        });
    }
    let container = ctx.stack.container(key)?;
    let (_, word, _) = judge(container)?;
    Some(Blocked {
        id: format!("{STATE}:{}", container.name()),
        reason: format!("{display} ({}) is {word}", container.name()),
    })
}

/// The severity, the word for the state ("paused", "killed (exit 137) 18:42 UTC") and the
/// fix, for a container that is not up; None when it runs (and is not unhealthy or looping).
/// The words are the ones the Services rows and `check` use.
fn judge(c: &Container) -> Option<(Severity, String, String)> {
    let name = c.name();
    let up = match c.info.compose.as_ref() {
        Some(cp) => format!("`docker compose up -d {}`", cp.service),
        None => format!("`docker start {name}`"),
    };
    let logs = match c.info.compose.as_ref() {
        Some(cp) => format!("`docker compose logs --tail 100 {}`", cp.service),
        None => format!("`docker logs --tail 100 {name}`"),
    };
    let mut info = c.info.clone();
    info.oom_killed |= c.oom_killed;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let fault = runtime_fault(&info, now)?;
    let fail = Severity::Fail;
    let (severity, fix) = match fault.kind {
        FaultKind::Unhealthy => (
            fail,
            format!("Read why its health check fails ({logs}), repair it, then {up}."),
        ),
        // Running again between restarts: it may settle, so a warning.
        FaultKind::CrashLoop if c.info.state == ContainerState::Running => (
            Severity::Warn,
            format!("Read why it keeps stopping: {logs}."),
        ),
        FaultKind::CrashLoop => (
            fail,
            format!("Read why it keeps stopping ({logs}), repair it, then {up}."),
        ),
        FaultKind::Paused => (fail, format!("Unpause it: `docker unpause {name}`.")),
        FaultKind::OomKilled => (
            fail,
            format!(
                "Give it more memory (compose `mem_limit`, or Docker Desktop's memory), then {up}."
            ),
        ),
        FaultKind::Killed => (
            fail,
            format!("Start it again: {up}; if it keeps being killed, check the host's memory."),
        ),
        FaultKind::Exited => (
            fail,
            format!("Start it: {up}; if it stops again, read {logs}."),
        ),
        FaultKind::NeverStarted => (fail, format!("Start it: {up}.")),
        FaultKind::Gone => (fail, format!("Recreate it: {up}.")),
    };
    Some((severity, fault.words, fix))
}

/// The container facts a state finding shows.
fn facts(c: &Container) -> String {
    let mut parts = vec![format!("state {}", c.info.state.as_str())];
    if let Some(code) = c
        .info
        .exit_code
        .filter(|_| c.info.state != ContainerState::Running)
    {
        parts.push(format!("exit code {code}"));
    }
    parts.push(format!("OOMKilled {}", c.oom_killed));
    parts.push(format!("restarts {}", c.info.restart_count));
    if c.info.health != DockerHealth::None {
        parts.push(format!("health {}", c.info.health.as_str()));
    }
    if let Some(at) = &c.info.finished_at {
        if c.info.state != ContainerState::Running {
            parts.push(format!("stopped at {at}"));
        }
    }
    if !c.last_health.is_empty() {
        parts.push(format!("last health output: {}", c.last_health));
    }
    parts.join("; ")
}

/// One finding per configured service without a container, and one per stack container
/// (and per workspace that is not cleanly stopped) with its state.
pub fn run(ctx: &Ctx<'_>, area: Area) -> Vec<Finding> {
    if ctx.engine().is_none() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (key, svc) in &ctx.config.services {
        if ctx.stack.services.get(key).is_some_and(|l| !l.is_empty()) {
            continue;
        }
        let looked = match (&svc.container, &svc.compose_service) {
            (Some(c), Some(s)) => format!("no container named {c} nor of compose service {s}"),
            (Some(c), None) => format!("no container named {c}"),
            (None, Some(s)) => format!("no container of compose service {s}"),
            (None, None) => "no container name or compose service configured".to_owned(),
        };
        let deploy = svc.compose_service.as_deref().unwrap_or(key.as_str());
        out.push(
            Finding::new(area, DEPLOYED, Severity::Warn, key.as_str())
                .summary(format!("{} is expected by the config, no container", svc.display))
                .evidence(match ctx.config.stack.compose_project.as_str() {
                    "" => format!("{looked} on the engine"),
                    project => format!("{looked} in compose project {project}"),
                })
                .fix(format!(
                    "Deploy it (`docker compose up -d {deploy}`), or point [services.{key}] container at the container that serves it."
                )),
        );
    }
    for (c, keys) in ctx.stack.distinct() {
        let names: Vec<&str> = keys
            .iter()
            .map(|k| {
                ctx.config
                    .services
                    .get(*k)
                    .map_or(*k, |s| s.display.as_str())
            })
            .collect();
        out.push(state_finding(c, &names.join(", "), area));
    }
    for ws in &ctx.stack.workspaces {
        let clean_stop = ws.info.state == ContainerState::Exited
            && ws.info.exit_code == Some(0)
            && !ws.oom_killed;
        if !clean_stop {
            out.push(state_finding(ws, "workspace", area));
        }
    }
    out
}

fn state_finding(c: &Container, role: &str, area: Area) -> Finding {
    let base = Finding::new(area, STATE, Severity::Ok, c.name()).evidence(facts(c));
    match judge(c) {
        None => Finding {
            summary: format!("{role}: running"),
            ..base
        },
        Some((severity, word, fix)) => Finding {
            severity,
            summary: format!("{role} is {word}: everything that depends on it fails"),
            fix,
            ..base
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::model::ContainerInfo;

    fn container(state: ContainerState, exit: Option<i64>, oom: bool) -> Container {
        let mut info = ContainerInfo::from_inspect(bollard::models::ContainerInspectResponse {
            id: Some("abc".into()),
            name: Some("/authentik-server".into()),
            ..Default::default()
        })
        .expect("container");
        info.state = state;
        info.exit_code = exit;
        Container {
            info,
            extra_hosts: Vec::new(),
            oom_killed: oom,
            last_health: String::new(),
        }
    }

    #[test]
    fn each_state_has_its_word_and_fix() {
        let word = |c: &Container| judge(c).map(|(_, w, _)| w);
        assert_eq!(
            word(&container(ContainerState::Running, Some(0), false)),
            None
        );
        assert_eq!(
            word(&container(ContainerState::Paused, Some(0), false)).as_deref(),
            Some("paused")
        );
        assert_eq!(
            word(&container(ContainerState::Exited, Some(137), false)).as_deref(),
            Some("killed (exit 137)")
        );
        assert_eq!(
            word(&container(ContainerState::Exited, Some(137), true)).as_deref(),
            Some("OOM-killed (exit 137)")
        );
        assert_eq!(
            word(&container(ContainerState::Exited, Some(1), false)).as_deref(),
            Some("exited (1)")
        );
        let (_, _, fix) = judge(&container(ContainerState::Paused, None, false)).expect("paused");
        assert!(fix.contains("docker unpause authentik-server"), "{fix}");
        let mut sick = container(ContainerState::Running, Some(0), false);
        sick.info.health = DockerHealth::Unhealthy;
        sick.last_health = "connection refused".into();
        assert_eq!(
            word(&sick).as_deref(),
            Some("unhealthy (its Docker health check fails)")
        );
        assert!(facts(&sick).contains("last health output: connection refused"));
        let f = state_finding(
            &container(ContainerState::Exited, Some(137), true),
            "Authentik",
            Area::Networking,
        );
        assert_eq!(f.severity, Severity::Fail);
        assert!(f.evidence.contains("exit code 137") && f.evidence.contains("OOMKilled true"));
    }
}
