//! After an action's command exits 0, the container is inspected: the action counts as done
//! only when the container is in the state the action promised (a `docker start` on a paused
//! container exits 0 and leaves it paused).

use std::time::Duration;

use bollard::query_parameters::InspectContainerOptions;

use super::action::{ActionKind, ActionRequest, ActionTarget};
use super::runner::{ActionRecord, Outcome};
use crate::docker::{connect, resolve_target, ContainerInfo, ContainerState, EngineEnv};

/// The state an action leaves its container in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Promise {
    /// Running and not paused.
    Running,
    /// Not running (exited, created, or removed).
    Stopped,
    Paused,
}

impl ActionKind {
    /// What the container must be afterwards for the action to count as done.
    pub fn promise(self) -> Promise {
        match self {
            Self::Apply | Self::ForceRecreate | Self::Restart | Self::Start | Self::Unpause => {
                Promise::Running
            }
            Self::Stop => Promise::Stopped,
            Self::Pause => Promise::Paused,
        }
    }
}

/// What the engine says of the container after the action (None: it no longer exists).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedState {
    pub state: ContainerState,
    pub exit_code: Option<i64>,
    pub oom_killed: bool,
}

impl ObservedState {
    fn of(info: &ContainerInfo) -> Self {
        ObservedState {
            state: info.state,
            exit_code: info.exit_code,
            oom_killed: info.oom_killed,
        }
    }

    fn describe(&self) -> String {
        match self.state {
            ContainerState::Exited if self.oom_killed => "exited (OOM-killed)".to_owned(),
            ContainerState::Exited | ContainerState::Dead => match self.exit_code {
                Some(code) => format!("{} (exit code {code})", self.state.as_str()),
                None => self.state.as_str().to_owned(),
            },
            ContainerState::Created => "created but not started".to_owned(),
            other => other.as_str().to_owned(),
        }
    }
}

/// None when `seen` keeps `promise`; else the state in words ("still paused",
/// "exited (exit code 1)", "gone").
pub fn broken_promise(promise: Promise, seen: Option<&ObservedState>) -> Option<String> {
    let Some(seen) = seen else {
        // A removed container is not running either.
        return (promise != Promise::Stopped).then(|| "gone".to_owned());
    };
    let holds = match promise {
        Promise::Running => seen.state == ContainerState::Running,
        Promise::Stopped => !matches!(
            seen.state,
            ContainerState::Running | ContainerState::Paused | ContainerState::Restarting
        ),
        Promise::Paused => seen.state == ContainerState::Paused,
    };
    if holds {
        return None;
    }
    // "still" when the action was meant to leave exactly this state.
    let still = matches!(
        (promise, seen.state),
        (Promise::Running, ContainerState::Paused)
            | (Promise::Stopped | Promise::Paused, ContainerState::Running)
    );
    Some(format!(
        "{}{}",
        if still { "still " } else { "" },
        seen.describe()
    ))
}

/// Reads a container's state from the engine after an action.
#[derive(Debug, Clone)]
pub struct StateCheck {
    /// `--docker-host` (None: chosen like the Docker CLI).
    pub docker_host: Option<String>,
    pub timeout: Duration,
    /// How long a container promised to run must stay running after the first look: one
    /// that exits at once after `start` was not started.
    pub settle: Duration,
}

impl StateCheck {
    pub fn new(docker_host: Option<String>) -> Self {
        StateCheck {
            docker_host,
            timeout: Duration::from_secs(10),
            settle: Duration::from_secs(1),
        }
    }

    async fn look(&self, id: &str) -> Result<Option<ObservedState>, String> {
        let target = resolve_target(self.docker_host.as_deref(), &EngineEnv::from_process())
            .map_err(|e| e.to_string())?;
        let (docker, _) = connect(&target, self.timeout)
            .await
            .map_err(|e| e.to_string())?;
        match docker
            .inspect_container(id, None::<InspectContainerOptions>)
            .await
        {
            Ok(answer) => Ok(ContainerInfo::from_inspect(answer).map(|i| ObservedState::of(&i))),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Turns a record that ended well into a failure when its container is not in the
    /// promised state. Records that already failed or were stopped are left as they are.
    pub async fn confirm(&self, request: &ActionRequest, record: &mut ActionRecord) {
        if record.outcome == Outcome::Failed || record.stopped.is_some() {
            return;
        }
        let promise = record.kind.promise();
        let Some(id) = record
            .new_container
            .clone()
            .or_else(|| record.old_container.clone())
        else {
            if promise != Promise::Stopped {
                fail(request, record, "no container serves it");
            }
            return;
        };
        let mut seen = self.look(&id).await;
        if promise == Promise::Running
            && matches!(&seen, Ok(Some(s)) if s.state == ContainerState::Running)
        {
            tokio::time::sleep(self.settle).await;
            seen = self.look(&id).await;
        }
        match seen {
            Ok(seen) => {
                if let Some(state) = broken_promise(promise, seen.as_ref()) {
                    fail(request, record, &format!("is {state}"));
                }
            }
            Err(e) => fail(request, record, &format!("cannot be checked: {e}")),
        }
    }
}

/// The name people know the target by: the service, or the container.
fn short_name(request: &ActionRequest) -> &str {
    match &request.target {
        ActionTarget::Service { service, .. } => service,
        ActionTarget::Container { name } => name,
    }
}

fn fail(request: &ActionRequest, record: &mut ActionRecord, what: &str) {
    record.outcome = Outcome::Failed;
    let code = record
        .exit_code
        .map_or_else(|| "ended".to_owned(), |c| format!("exited {c}"));
    record.error = Some(format!(
        "{} {code} but {} {what}",
        record.kind.verb(),
        short_name(request)
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(state: ContainerState, exit_code: Option<i64>) -> ObservedState {
        ObservedState {
            state,
            exit_code,
            oom_killed: false,
        }
    }

    #[test]
    fn each_action_promises_a_state() {
        for kind in [
            ActionKind::Apply,
            ActionKind::ForceRecreate,
            ActionKind::Restart,
            ActionKind::Start,
            ActionKind::Unpause,
        ] {
            assert_eq!(kind.promise(), Promise::Running, "{kind:?}");
        }
        assert_eq!(ActionKind::Stop.promise(), Promise::Stopped);
        assert_eq!(ActionKind::Pause.promise(), Promise::Paused);
    }

    #[test]
    fn running_means_running_and_not_paused() {
        use ContainerState::{Exited, Paused, Restarting, Running};
        assert_eq!(
            broken_promise(Promise::Running, Some(&seen(Running, None))),
            None
        );
        assert_eq!(
            broken_promise(Promise::Running, Some(&seen(Paused, None))).as_deref(),
            Some("still paused")
        );
        assert_eq!(
            broken_promise(Promise::Running, Some(&seen(Exited, Some(1)))).as_deref(),
            Some("exited (exit code 1)")
        );
        assert_eq!(
            broken_promise(Promise::Running, Some(&seen(Restarting, None))).as_deref(),
            Some("restarting")
        );
        assert_eq!(
            broken_promise(Promise::Running, None).as_deref(),
            Some("gone")
        );
        let oom = ObservedState {
            oom_killed: true,
            ..seen(Exited, Some(137))
        };
        assert_eq!(
            broken_promise(Promise::Running, Some(&oom)).as_deref(),
            Some("exited (OOM-killed)")
        );
    }

    #[test]
    fn stopped_means_anything_but_alive_and_paused_means_paused() {
        use ContainerState::{Created, Exited, Paused, Running};
        for ok in [seen(Exited, Some(0)), seen(Created, None)] {
            assert_eq!(broken_promise(Promise::Stopped, Some(&ok)), None, "{ok:?}");
        }
        assert_eq!(broken_promise(Promise::Stopped, None), None);
        assert_eq!(
            broken_promise(Promise::Stopped, Some(&seen(Running, None))).as_deref(),
            Some("still running")
        );
        assert_eq!(
            broken_promise(Promise::Stopped, Some(&seen(Paused, None))).as_deref(),
            Some("paused")
        );
        assert_eq!(
            broken_promise(Promise::Paused, Some(&seen(Paused, None))),
            None
        );
        assert_eq!(
            broken_promise(Promise::Paused, Some(&seen(Running, None))).as_deref(),
            Some("still running")
        );
        assert_eq!(
            broken_promise(Promise::Paused, Some(&seen(Exited, Some(2)))).as_deref(),
            Some("exited (exit code 2)")
        );
    }

    #[test]
    fn a_broken_promise_fails_the_record_in_words() {
        let project =
            crate::compose::ComposeProject::named("poc").unwrap_or_else(|e| panic!("{e}"));
        let request = ActionRequest::service(ActionKind::Start, project, "minio", ["minio"], None)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut record = ActionRecord {
            id: 1,
            key: request.key(),
            subject: request.subject(),
            kind: ActionKind::Start,
            command: "docker-compose -p poc start minio".into(),
            started: std::time::SystemTime::now(),
            elapsed_ms: 5,
            exit_code: Some(0),
            outcome: Outcome::Done,
            error: None,
            old_container: Some("abc".into()),
            new_container: Some("abc".into()),
            output_tail: Vec::new(),
            stopped: None,
        };
        fail(&request, &mut record, "is still paused");
        assert_eq!(record.outcome, Outcome::Failed);
        assert_eq!(
            record.summary(),
            "failed: start exited 0 but minio is still paused"
        );
    }
}
