//! A container that cannot serve, named for what happened to it: killed, OOM-killed, exited,
//! paused, restarting in a crash loop, unhealthy, never started. The Services rows, `check`
//! and the diagnosis all use these words, so a fault reads the same everywhere.

use super::model::{ContainerInfo, ContainerState, DockerHealth};

/// Restarts of a container that is running again from which it counts as a crash loop,
/// when it has been up for less than [`LOOP_WINDOW_SECS`].
pub const LOOP_RESTARTS: u64 = 3;
const LOOP_WINDOW_SECS: u64 = 60;

/// What keeps a container from serving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeFault {
    pub kind: FaultKind,
    /// "killed (exit 137) 18:42 UTC", "paused", "crash loop: restarted 12 times".
    pub words: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    OomKilled,
    Killed,
    Exited,
    Paused,
    CrashLoop,
    Unhealthy,
    NeverStarted,
    Gone,
}

impl RuntimeFault {
    /// True when the container's process is not there to answer at all (everything but an
    /// unhealthy container that still runs).
    pub fn stops_service(&self) -> bool {
        self.kind != FaultKind::Unhealthy
    }
}

/// The fault of `c`, or None when it runs (and is neither unhealthy nor looping).
/// `now_secs` is the current time in seconds since the epoch, for "just restarted".
pub fn runtime_fault(c: &ContainerInfo, now_secs: u64) -> Option<RuntimeFault> {
    let at = c
        .finished_at
        .as_deref()
        .and_then(clock_time)
        .map(|t| format!(" {t}"))
        .unwrap_or_default();
    let code = c.exit_code.unwrap_or(0);
    let (kind, words) = match c.state {
        ContainerState::Running if c.health == DockerHealth::Unhealthy => (
            FaultKind::Unhealthy,
            "unhealthy (its Docker health check fails)".to_owned(),
        ),
        ContainerState::Running
            if c.restart_count >= LOOP_RESTARTS
                && started_secs(c)
                    .is_some_and(|s| now_secs.saturating_sub(s) < LOOP_WINDOW_SECS) =>
        {
            (FaultKind::CrashLoop, crash_loop(c.restart_count))
        }
        ContainerState::Running => return None,
        ContainerState::Paused => (FaultKind::Paused, "paused".to_owned()),
        ContainerState::Restarting => (FaultKind::CrashLoop, crash_loop(c.restart_count)),
        _ if c.oom_killed => (
            FaultKind::OomKilled,
            format!("OOM-killed (exit {code}){at}"),
        ),
        ContainerState::Exited | ContainerState::Dead if code == 137 => {
            (FaultKind::Killed, format!("killed (exit 137){at}"))
        }
        ContainerState::Exited | ContainerState::Dead => {
            (FaultKind::Exited, format!("exited ({code}){at}"))
        }
        ContainerState::Created => (FaultKind::NeverStarted, "created, never started".to_owned()),
        ContainerState::Removing | ContainerState::Unknown => {
            (FaultKind::Gone, c.state.as_str().to_owned())
        }
    };
    Some(RuntimeFault { kind, words })
}

fn crash_loop(restarts: u64) -> String {
    format!("crash loop: restarted {restarts} times")
}

fn started_secs(c: &ContainerInfo) -> Option<u64> {
    let t = humantime::parse_rfc3339_weak(c.started_at.as_deref()?).ok()?;
    t.duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs())
}

/// "18:42 UTC" from the engine's RFC 3339 time.
fn clock_time(rfc3339: &str) -> Option<String> {
    let t = humantime::parse_rfc3339_weak(rfc3339).ok()?;
    let printed = humantime::format_rfc3339_seconds(t).to_string();
    printed.get(11..16).map(|hm| format!("{hm} UTC"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(state: ContainerState, code: Option<i64>) -> ContainerInfo {
        let value = serde_json::json!({
            "Id": "abc", "Name": "/authentik-server", "Created": "2026-12-01T10:00:00Z",
            "Config": {"Image": "busybox", "Labels": {}},
            "State": {"Status": state.as_str(), "ExitCode": code.unwrap_or(0),
                      "StartedAt": "2026-12-01T18:00:00Z", "FinishedAt": "2026-12-01T18:42:10.5Z"},
        });
        let inspect = serde_json::from_value(value).expect("inspect parses");
        ContainerInfo::from_inspect(inspect).expect("has an id")
    }

    #[test]
    fn dead_containers_say_how_they_died_and_when() {
        let killed = runtime_fault(&info(ContainerState::Exited, Some(137)), 0).expect("fault");
        assert_eq!(killed.kind, FaultKind::Killed);
        assert_eq!(killed.words, "killed (exit 137) 18:42 UTC");
        let exited = runtime_fault(&info(ContainerState::Exited, Some(1)), 0).expect("fault");
        assert_eq!(exited.words, "exited (1) 18:42 UTC");
        let mut oom = info(ContainerState::Exited, Some(137));
        oom.oom_killed = true;
        assert_eq!(
            runtime_fault(&oom, 0).expect("fault").words,
            "OOM-killed (exit 137) 18:42 UTC"
        );
    }

    #[test]
    fn paused_looping_and_unhealthy_are_named() {
        let paused = runtime_fault(&info(ContainerState::Paused, None), 0).expect("fault");
        assert_eq!(paused.words, "paused");
        let mut looping = info(ContainerState::Restarting, Some(1));
        looping.restart_count = 12;
        assert_eq!(
            runtime_fault(&looping, 0).expect("fault").words,
            "crash loop: restarted 12 times"
        );
        let mut sick = info(ContainerState::Running, None);
        sick.health = DockerHealth::Unhealthy;
        let fault = runtime_fault(&sick, 0).expect("fault");
        assert!(!fault.stops_service());
    }

    #[test]
    fn a_running_container_has_no_fault_unless_it_just_restarted_again_and_again() {
        let mut c = info(ContainerState::Running, None);
        assert_eq!(runtime_fault(&c, 0), None);
        c.restart_count = 5;
        let started = started_secs(&c).expect("started");
        assert_eq!(
            runtime_fault(&c, started + 10).map(|f| f.kind),
            Some(FaultKind::CrashLoop)
        );
        assert_eq!(runtime_fault(&c, started + 600), None);
    }
}
