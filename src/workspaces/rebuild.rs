//! Rebuilding a workspace through Coder: a `stop` build, then, once it has ended, a `start`
//! build on the template's active version when the workspace is outdated. Each build is
//! followed by reading it with a bounded backoff (never a tight loop).

use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;

use super::model::{Build, Workspace};
use crate::identity::api::ApiError;
use crate::identity::coder::CoderClient;

/// What a rebuild will do, decided from the workspace as last read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub workspace_id: String,
    /// `owner/name`.
    pub name: String,
    /// False when the latest build is already a finished `stop`.
    pub stop_first: bool,
    /// The template's active version, set when the workspace is outdated.
    pub template_version_id: Option<String>,
}

impl Plan {
    pub fn for_workspace(ws: &Workspace) -> Plan {
        Plan {
            workspace_id: ws.id.clone(),
            name: ws.full_name(),
            stop_first: !(ws.is_stopped() && ws.latest_build.status == "stopped"),
            template_version_id: (ws.outdated && !ws.template_active_version_id.is_empty())
                .then(|| ws.template_active_version_id.clone()),
        }
    }

    /// One sentence naming what will happen.
    pub fn describe(&self) -> String {
        let version = match &self.template_version_id {
            Some(v) => format!("on the template's active version {v} (it is outdated)"),
            None => "on its current template version".to_owned(),
        };
        if self.stop_first {
            format!(
                "stop {}, then start it again {version}: a new build through Coder",
                self.name
            )
        } else {
            format!("start {} {version}: a new build through Coder", self.name)
        }
    }

    /// The body of the `start` build.
    pub fn start_body(&self) -> serde_json::Value {
        match &self.template_version_id {
            Some(v) => json!({"transition": "start", "template_version_id": v}),
            None => json!({"transition": "start"}),
        }
    }
}

/// How a build is followed: the first wait, doubled up to `max`, given up after `limit`.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
    pub limit: Duration,
}

/// The console's pace: 0.5 s, 1 s, 2 s, 4 s, 5 s …, at most 15 minutes per build.
pub const POLL: Backoff = Backoff {
    first: Duration::from_millis(500),
    max: Duration::from_secs(5),
    limit: Duration::from_secs(15 * 60),
};

/// Starts a build of `transition` and follows it until it reaches `done`.
async fn one_build(
    client: &CoderClient,
    plan: &Plan,
    body: serde_json::Value,
    done: &str,
    poll: Backoff,
    progress: &mut (dyn FnMut(String) + Send),
) -> Result<Build, String> {
    let transition = body["transition"].as_str().unwrap_or("start").to_owned();
    let path = format!("/api/v2/workspaces/{}/builds", plan.workspace_id);
    let mut build: Build = client
        .post_json(&path, &body, &format!("{transition} workspace"))
        .await
        .map_err(|e| format!("{}: {transition} refused: {}", plan.name, e.short()))?;
    let started = Instant::now();
    let mut delay = poll.first;
    let mut last = String::new();
    loop {
        if build.status != last {
            progress(format!(
                "{}: {transition} build {}",
                plan.name, build.status
            ));
            last.clone_from(&build.status);
        }
        match build.status.as_str() {
            s if s == done => return Ok(build),
            "failed" | "canceled" | "deleted" => {
                let why = build
                    .job
                    .error
                    .as_deref()
                    .filter(|e| !e.is_empty())
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default();
                return Err(format!(
                    "{}: {transition} build {}{why}",
                    plan.name, build.status
                ));
            }
            _ => {}
        }
        if started.elapsed() >= poll.limit {
            return Err(format!(
                "{}: {transition} build still {} after {}s; see Coder's build log",
                plan.name,
                build.status,
                poll.limit.as_secs()
            ));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(poll.max);
        let id = build.id.clone();
        build = client
            .get_json(&format!("/api/v2/workspacebuilds/{id}"), "read the build")
            .await
            .map_err(|e: ApiError| {
                format!("{}: cannot follow the build: {}", plan.name, e.short())
            })?;
    }
}

/// Runs the plan: stop (unless already stopped), then start; `progress` hears every status.
pub async fn run(
    client: &CoderClient,
    plan: &Plan,
    poll: Backoff,
    progress: &mut (dyn FnMut(String) + Send),
) -> Result<String, String> {
    client
        .guard("rebuild a workspace")
        .map_err(|e| format!("{}: {}", plan.name, e.short()))?;
    if plan.stop_first {
        one_build(
            client,
            plan,
            json!({"transition": "stop"}),
            "stopped",
            poll,
            progress,
        )
        .await?;
    }
    one_build(client, plan, plan.start_body(), "running", poll, progress).await?;
    Ok(format!("{} rebuilt: start build running", plan.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outdated_workspace_starts_on_the_active_version() {
        let mut ws = Workspace {
            id: "w-1".into(),
            owner_name: "alice".into(),
            name: "dev".into(),
            template_active_version_id: "tv-2".into(),
            outdated: true,
            ..Workspace::default()
        };
        ws.latest_build.transition = "start".into();
        ws.latest_build.status = "running".into();
        let plan = Plan::for_workspace(&ws);
        assert!(plan.stop_first);
        assert_eq!(
            plan.start_body(),
            json!({"transition": "start", "template_version_id": "tv-2"})
        );
        assert!(
            plan.describe().contains("stop alice/dev"),
            "{}",
            plan.describe()
        );
        ws.outdated = false;
        ws.latest_build.transition = "stop".into();
        ws.latest_build.status = "stopped".into();
        let plan = Plan::for_workspace(&ws);
        assert!(!plan.stop_first);
        assert_eq!(plan.start_body(), json!({"transition": "start"}));
    }
}
