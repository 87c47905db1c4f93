//! History from the engine: its event log (`/events` with `since` and `until`, as far back
//! as the daemon still holds) and each stack container's last `State`.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

use bollard::models::ContainerInspectResponse;
use bollard::query_parameters::{EventsOptions, InspectContainerOptions};
use bollard::Docker;
use futures::StreamExt;

use super::engine_events::{entry_from_event, event_filters, exit_text};
use super::entry::{Entry, Kind, Link, Origin};
use super::scope::{Member, Scope};
use crate::docker::{connect_and_read, EngineDown, EngineInfo};

/// What the engine told about the stack's past.
#[derive(Debug, Clone)]
pub struct EngineHistory {
    pub engine: EngineInfo,
    pub entries: Vec<Entry>,
    /// The stack's containers as they are now.
    pub scope: Scope,
}

/// Connects and reads events since `now - window` plus every stack container's state.
/// `timeout` bounds the whole read.
pub async fn read_engine(
    config: &crate::config::Config,
    docker_host: Option<&str>,
    window: Duration,
    timeout: Duration,
) -> Result<EngineHistory, EngineDown> {
    let work = async {
        let (docker, engine, containers) = connect_and_read(docker_host, timeout).await?;
        let scope = Scope::new(config.service_matchers(), &containers);
        let now = SystemTime::now();
        let mut entries = read_events(&docker, &scope, now.checked_sub(window), now).await;
        for (id, member) in scope.members() {
            if let Ok(inspect) = docker
                .inspect_container(id, None::<InspectContainerOptions>)
                .await
            {
                entries.extend(state_entries(id, member, &inspect));
            }
        }
        Ok(EngineHistory {
            engine,
            entries,
            scope,
        })
    };
    tokio::time::timeout(timeout, work)
        .await
        .unwrap_or_else(|_| Err(EngineDown::timed_out(timeout)))
}

pub(super) fn unix_secs(t: SystemTime) -> String {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        .to_string()
}

/// The engine's event history between `since` and `until`. A stream error ends the read
/// with what arrived so far.
async fn read_events(
    docker: &Docker,
    scope: &Scope,
    since: Option<SystemTime>,
    until: SystemTime,
) -> Vec<Entry> {
    let options = EventsOptions {
        since: Some(unix_secs(since.unwrap_or(SystemTime::UNIX_EPOCH))),
        until: Some(unix_secs(until + Duration::from_secs(1))),
        filters: Some(event_filters()),
    };
    let mut stream = docker.events(Some(options));
    let mut entries = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(message) => entries.extend(entry_from_event(&message, scope)),
            Err(e) => {
                tracing::warn!(error = %e, "reading the engine's event history stopped");
                break;
            }
        }
    }
    entries
}

fn parse_time(text: Option<&str>) -> Option<SystemTime> {
    let text = text.filter(|t| !t.is_empty() && !t.starts_with("0001-01-01"))?;
    humantime::parse_rfc3339_weak(text).ok()
}

/// Entries a container's `State` still tells: its last start, its last exit (code,
/// OOM-killed, restarts so far) and a failing health check.
pub fn state_entries(id: &str, member: &Member, inspect: &ContainerInspectResponse) -> Vec<Entry> {
    let Some(state) = &inspect.state else {
        return Vec::new();
    };
    let restarts = inspect
        .restart_count
        .and_then(|n| u64::try_from(n).ok())
        .unwrap_or(0);
    let make = |time: SystemTime, event: &str, text: String| {
        let mut e = Entry::new(time, Kind::Engine, event, member.subject.clone(), text);
        e.service.clone_from(&member.service);
        e.details.container = Some(member.container.clone());
        e.link = Some(Link::Logs {
            container_id: id.to_owned(),
            at: time,
        });
        e.origin = Origin::State;
        e
    };
    let mut out = Vec::new();
    if let Some(started) = parse_time(state.started_at.as_deref()) {
        out.push(make(started, "start", "started".to_owned()));
    }
    // A container started again keeps its last FinishedAt but resets ExitCode to 0: the code
    // of that exit is then known only from the engine's `die` event, never from the state.
    let running_again = state.running == Some(true)
        || matches!(
            state.status,
            Some(
                bollard::models::ContainerStateStatusEnum::RUNNING
                    | bollard::models::ContainerStateStatusEnum::PAUSED
            )
        );
    if let Some(finished) = parse_time(state.finished_at.as_deref()) {
        let code = state.exit_code.filter(|_| !running_again);
        let oom = state.oom_killed.unwrap_or(false);
        let mut text = code.map_or_else(
            || "exited (its exit code is known only from the engine's die event; the container has started again since)".to_owned(),
            exit_text,
        );
        if oom {
            text.push_str(", OOM-killed");
        }
        if restarts > 0 {
            let _ = write!(text, " ({restarts} restarts so far)");
        }
        let mut e = make(finished, "die", text);
        e.details.exit_code = code;
        e.details.oom_killed = Some(oom);
        e.details.restart_count = Some(restarts);
        out.push(e);
    }
    if let Some(health) = &state.health {
        let unhealthy = matches!(
            health.status,
            Some(bollard::models::HealthStatusEnum::UNHEALTHY)
        );
        let last = health.log.as_ref().and_then(|log| log.last());
        if let (true, Some(last)) = (unhealthy, last) {
            if let Some(at) = parse_time(last.end.as_deref().or(last.start.as_deref())) {
                let output: String = last
                    .output
                    .as_deref()
                    .unwrap_or("")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .chars()
                    .take(160)
                    .collect();
                let streak = health.failing_streak.unwrap_or(0);
                let mut e = make(
                    at,
                    "health_status",
                    format!("health: unhealthy ({streak} failing checks): {output}"),
                );
                e.details.health = Some("unhealthy".to_owned());
                out.push(e);
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn member() -> Member {
        Member {
            subject: "gitea".into(),
            service: Some("gitea".into()),
            container: "poc-gitea".into(),
        }
    }

    #[test]
    fn the_last_state_gives_start_exit_and_failing_health() {
        let inspect: ContainerInspectResponse = serde_json::from_value(serde_json::json!({
            "Id": "c1", "RestartCount": 3,
            "State": {
                "Status": "exited", "ExitCode": 137, "OOMKilled": true,
                "StartedAt": "2026-11-29T08:00:05Z", "FinishedAt": "2026-11-29T08:00:01.25Z",
                "Health": {"Status": "unhealthy", "FailingStreak": 4, "Log": [
                    {"Start": "2026-11-29T08:01:00Z", "End": "2026-11-29T08:01:01Z", "ExitCode": 1,
                     "Output": "wget: can't connect\n  to remote host"}
                ]}
            }
        }))
        .unwrap();
        let entries = state_entries("c1", &member(), &inspect);
        let events: Vec<&str> = entries.iter().map(|e| e.event.as_str()).collect();
        assert_eq!(events, ["start", "die", "health_status"]);
        let die = &entries[1];
        assert_eq!(
            die.text,
            "exited with code 137 (SIGKILL), OOM-killed (3 restarts so far)"
        );
        assert_eq!(die.details.oom_killed, Some(true));
        assert_eq!(die.origin, Origin::State);
        assert!(entries[2]
            .text
            .ends_with("wget: can't connect to remote host"));
    }

    #[test]
    fn a_container_started_again_does_not_claim_exit_code_0() {
        // What the engine shows after `docker kill` and `docker start`: running, ExitCode 0,
        // the kill's FinishedAt.
        let inspect: ContainerInspectResponse = serde_json::from_value(serde_json::json!({
            "Id": "c1", "RestartCount": 0,
            "State": {
                "Status": "running", "Running": true, "ExitCode": 0,
                "StartedAt": "2026-11-29T08:00:05Z", "FinishedAt": "2026-11-29T08:00:01.25Z"
            }
        }))
        .unwrap();
        let entries = state_entries("c1", &member(), &inspect);
        let die = entries.iter().find(|e| e.event == "die").unwrap();
        assert_eq!(die.details.exit_code, None);
        assert!(!die.text.contains("code 0"), "{}", die.text);
        assert!(die.text.contains("known only from the engine's die event"));
    }

    #[test]
    fn a_container_that_never_ran_tells_nothing() {
        let inspect: ContainerInspectResponse = serde_json::from_value(serde_json::json!({
            "Id": "c1",
            "State": {"Status": "created", "StartedAt": "0001-01-01T00:00:00Z", "FinishedAt": "0001-01-01T00:00:00Z"}
        }))
        .unwrap();
        assert!(state_entries("c1", &member(), &inspect).is_empty());
    }
}
