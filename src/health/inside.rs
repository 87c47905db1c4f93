//! Probes of services the host cannot reach: the service's own client run inside its own
//! container (`pg_isready`, `redis-cli ping`), or the engine's view of the container (state
//! and Docker health check) for a service with nothing to connect to. A container that is
//! not running is named for what happened to it ("killed (exit 137) 18:42 UTC"), and a
//! service with no container is skipped, never counted as up or down.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bollard::Docker;
use tokio::sync::Mutex;

use super::spec::ProbeSpec;
use super::text::{printable_line, DETAIL_MAX_CHARS};
use super::{Health, ProbeOutcome};
use crate::config::{Config, Policy};
use crate::docker::{
    classify, connect, inspect_one, list_rows, resolve_target, runtime_fault, ContainerInfo,
    ContainerState, DockerHealth, EngineEnv, Inspected, RuntimeFault, ServiceMatcher,
};

/// How long connecting to the engine may take before a probe says it is unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How a service's container stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    Stopped {
        container: String,
        fault: RuntimeFault,
    },
    Running {
        container: String,
        /// How long since it (re)started.
        up: Duration,
    },
}

/// Runs the probes that need the engine. One per run; cheap to share behind an `Arc`.
pub struct InsideProber {
    docker_host: Option<String>,
    policy: Policy,
    matchers: HashMap<String, ServiceMatcher>,
    docker: Mutex<Option<Docker>>,
}

impl std::fmt::Debug for InsideProber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InsideProber")
            .field("docker_host", &self.docker_host)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl InsideProber {
    /// Finds each service's container the way the Services tab does (container name, then
    /// compose project and service), on the engine `docker_host` names (or the default one).
    pub fn new(config: &Config, docker_host: Option<String>, policy: Policy) -> Self {
        let matchers = config
            .service_matchers()
            .into_iter()
            .map(|m| (m.key.clone(), m))
            .collect();
        InsideProber {
            docker_host,
            policy,
            matchers,
            docker: Mutex::new(None),
        }
    }

    /// Probes `service` with an `exec` or `container` spec; other kinds are not for here.
    pub async fn probe(&self, service: &str, spec: &ProbeSpec, timeout: Duration) -> ProbeOutcome {
        let docker = match self.engine().await {
            Ok(docker) => docker,
            Err(why) => return ProbeOutcome::new(Health::Unknown, why),
        };
        let started = tokio::time::Instant::now();
        let container = match self.locate(&docker, service).await {
            Ok(Some(c)) => c,
            Ok(None) => {
                return ProbeOutcome::new(Health::Skipped, "not deployed: no container");
            }
            Err(why) => {
                // The engine went away: connect afresh next time.
                *self.docker.lock().await = None;
                return ProbeOutcome::new(Health::Unknown, why);
            }
        };
        if let Some(fault) =
            runtime_fault(&container, now_secs()).filter(RuntimeFault::stops_service)
        {
            return ProbeOutcome::new(Health::Down, fault.words)
                .with_detail(Some(format!("container {}", container.name)));
        }
        match spec {
            ProbeSpec::Exec {
                command,
                expect_output,
                ..
            } => {
                if let Err(why) = self.policy.allow("exec probes") {
                    return ProbeOutcome::new(Health::Skipped, "read-only: not exec'd into it")
                        .with_detail(Some(why));
                }
                let ran =
                    crate::docker::exec::run(&docker, &container.id, command.clone(), timeout)
                        .await;
                let outcome = judge_exec(command, expect_output.as_deref(), &container.name, ran);
                match outcome.health {
                    Health::Up | Health::Degraded | Health::Down => {
                        outcome.with_latency(started.elapsed())
                    }
                    _ => outcome,
                }
            }
            // The engine answered for it: how long that took is the probe's latency.
            ProbeSpec::Container { .. } => {
                judge_container(&container).with_latency(started.elapsed())
            }
            _ => ProbeOutcome::new(
                Health::Unknown,
                "invalid probe: this kind does not run in a container",
            ),
        }
    }

    /// How the service's container stands, for naming a failed host-side probe: stopped (and
    /// how), just started, or running for a while. None when there is no container or the
    /// engine cannot be read.
    pub async fn condition(&self, service: &str) -> Option<Condition> {
        let docker = self.engine().await.ok()?;
        let container = self.locate(&docker, service).await.ok()??;
        let now = now_secs();
        if let Some(fault) = runtime_fault(&container, now).filter(RuntimeFault::stops_service) {
            return Some(Condition::Stopped {
                container: container.name,
                fault,
            });
        }
        let started = container
            .started_at
            .as_deref()
            .and_then(|t| humantime::parse_rfc3339_weak(t).ok())
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_secs());
        Some(match started {
            Some(at) => Condition::Running {
                container: container.name,
                up: Duration::from_secs(now.saturating_sub(at)),
            },
            None => Condition::Running {
                container: container.name,
                up: Duration::MAX,
            },
        })
    }

    async fn engine(&self) -> Result<Docker, String> {
        let mut held = self.docker.lock().await;
        if let Some(docker) = held.as_ref() {
            return Ok(docker.clone());
        }
        let target = resolve_target(self.docker_host.as_deref(), &EngineEnv::from_process())
            .map_err(|e| format!("Docker engine: {}", e.reason))?;
        let (docker, _) = connect(&target, CONNECT_TIMEOUT)
            .await
            .map_err(|e| format!("Docker engine: {}", e.reason))?;
        *held = Some(docker.clone());
        Ok(docker)
    }

    /// The service's container, read afresh (a running one first when there are several).
    async fn locate(
        &self,
        docker: &Docker,
        service: &str,
    ) -> Result<Option<ContainerInfo>, String> {
        let Some(matcher) = self.matchers.get(service) else {
            return Ok(None);
        };
        let rows = list_rows(docker)
            .await
            .map_err(|e| format!("Docker engine: {e}"))?;
        let classified = classify(std::slice::from_ref(matcher), &rows);
        let ids = classified
            .services
            .first()
            .map(|s| s.container_ids.clone())
            .unwrap_or_default();
        let running = ids.iter().find(|id| {
            rows.iter()
                .any(|r| &r.id == *id && r.state == ContainerState::Running)
        });
        let Some(id) = running.or(ids.first()) else {
            return Ok(None);
        };
        match inspect_one(docker, id).await {
            Ok(Inspected::Found(info)) => Ok(Some(*info)),
            Ok(Inspected::Gone) => Ok(None),
            Ok(Inspected::Unreadable(why)) => Err(format!("cannot read container {id}: {why}")),
            Err(e) => Err(format!("Docker engine: {e}")),
        }
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Up, degraded or down from what the service's own client said inside its container.
fn judge_exec(
    command: &[String],
    expect_output: Option<&str>,
    container: &str,
    ran: Result<crate::docker::exec::ExecRun, String>,
) -> ProbeOutcome {
    let program = command.first().map_or("", String::as_str);
    let ran = match ran {
        Ok(ran) => ran,
        Err(engine) if engine.contains("executable file not found") => {
            return missing(program, container, &engine);
        }
        Err(engine) => {
            return ProbeOutcome::new(Health::Unknown, format!("exec in {container} failed"))
                .with_detail(Some(printable_line(&engine, DETAIL_MAX_CHARS)));
        }
    };
    let said = printable_line(ran.first_line(), DETAIL_MAX_CHARS);
    if ran.program_missing() {
        return missing(program, container, &said);
    }
    let detail = Some(format!("{} in {container}", command.join(" ")));
    let code = ran.exit.unwrap_or(-1);
    let is_pg_isready = program.rsplit('/').next() == Some("pg_isready");
    let (health, reason) = match code {
        0 => match expect_output {
            Some(want) if !ran.stdout.contains(want) => (
                Health::Degraded,
                format!("internal: answered without {want:?}: {said}"),
            ),
            _ => (
                Health::Up,
                format!("internal: {}", nonempty(&said, "exit 0")),
            ),
        },
        // pg_isready's own codes: 1 rejecting (starting or shutting down), 2 no answer.
        1 if is_pg_isready => (
            Health::Degraded,
            format!("internal: {}", nonempty(&said, "rejecting connections")),
        ),
        _ => (
            Health::Down,
            format!("internal: {} (exit {code})", nonempty(&said, "no answer")),
        ),
    };
    ProbeOutcome::new(health, reason).with_detail(detail)
}

fn missing(program: &str, container: &str, why: &str) -> ProbeOutcome {
    ProbeOutcome::new(
        Health::Unknown,
        format!("{program} is not in container {container}"),
    )
    .with_detail(Some(format!(
        "{}; set a probe that fits its image in [services.<key>] probe",
        printable_line(why, DETAIL_MAX_CHARS)
    )))
}

fn nonempty<'a>(text: &'a str, otherwise: &'a str) -> &'a str {
    if text.is_empty() {
        otherwise
    } else {
        text
    }
}

/// Up when the container runs (and its Docker health check, if any, passes).
fn judge_container(c: &ContainerInfo) -> ProbeOutcome {
    let detail = Some(format!("container {}", c.name));
    match c.health {
        DockerHealth::Healthy => {
            ProbeOutcome::new(Health::Up, "running, Docker health check passes")
        }
        DockerHealth::Starting => {
            ProbeOutcome::new(Health::Degraded, "starting: health check not passed yet")
        }
        DockerHealth::Unhealthy => {
            ProbeOutcome::new(Health::Down, "unhealthy: Docker health check fails")
        }
        DockerHealth::None => ProbeOutcome::new(Health::Up, "running (no health check)"),
    }
    .with_detail(detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::exec::ExecRun;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[allow(clippy::unnecessary_wraps)] // shaped like what exec returns
    fn ran(exit: i64, stdout: &str) -> Result<ExecRun, String> {
        Ok(ExecRun {
            exit: Some(exit),
            stdout: stdout.to_owned(),
            stderr: String::new(),
        })
    }

    #[test]
    fn pg_isready_codes_mean_up_starting_and_down() {
        let cmd = argv(&["pg_isready"]);
        let up = judge_exec(
            &cmd,
            None,
            "db",
            ran(0, "/var/run/postgresql:5432 - accepting connections\n"),
        );
        assert_eq!(up.health, Health::Up);
        assert_eq!(
            up.reason,
            "internal: /var/run/postgresql:5432 - accepting connections"
        );
        let starting = judge_exec(&cmd, None, "db", ran(1, "rejecting connections"));
        assert_eq!(starting.health, Health::Degraded);
        let down = judge_exec(&cmd, None, "db", ran(2, "no response"));
        assert_eq!(down.health, Health::Down);
        assert_eq!(down.reason, "internal: no response (exit 2)");
    }

    #[test]
    fn expected_output_and_a_missing_program_are_told_apart() {
        let cmd = argv(&["redis-cli", "ping"]);
        assert_eq!(
            judge_exec(&cmd, Some("PONG"), "r", ran(0, "PONG\n")).health,
            Health::Up
        );
        let odd = judge_exec(&cmd, Some("PONG"), "r", ran(0, "NOAUTH\n"));
        assert_eq!(odd.health, Health::Degraded);
        let gone = judge_exec(&cmd, None, "r", ran(127, "sh: redis-cli: not found"));
        assert_eq!(gone.health, Health::Unknown);
        assert_eq!(gone.reason, "redis-cli is not in container r");
        let refused = judge_exec(
            &cmd,
            None,
            "r",
            Err("OCI runtime exec failed: exec failed: executable file not found in $PATH".into()),
        );
        assert_eq!(refused.reason, "redis-cli is not in container r");
    }

    #[test]
    fn escape_sequences_in_what_a_container_prints_are_not_passed_on() {
        let cmd = argv(&["pg_isready"]);
        let out = judge_exec(&cmd, None, "db", ran(0, "\u{1b}[2Jok"));
        assert!(!out.reason.contains('\u{1b}'), "{}", out.reason);
    }
}
