//! Findings from logs: the known issues (the shipped table and the user's) seen in each
//! running container's recent log. One bounded tail per container and pass; no stream stays
//! open.

use std::time::Duration;

use bollard::query_parameters::LogsOptions;
use futures::StreamExt;

use super::context::Ctx;
use super::finding::{Area, Finding, Severity};
use super::gather::Container;
use crate::docker::ContainerState;
use crate::logs::{sanitize, KnownIssues, SanitizeOptions};

pub const CHECK: &str = "log-known-issue";
/// How many recent lines of each container are read.
pub const TAIL_LINES: usize = 1000;
/// How long one container's tail may take.
const READ_LIMIT: Duration = Duration::from_secs(5);
/// Issues another check reports with more context already (no duplicates).
const COVERED: [&str; 1] = ["devcontainer-detection-docker-ps"];

/// One issue in one container's tail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub issue: String,
    pub count: usize,
    /// The engine's timestamps of the first and last matching line ("" when absent).
    pub first: String,
    pub last: String,
    /// The first matching line, sanitised and shortened.
    pub example: String,
}

/// Splits the engine's `timestamps=true` prefix off a line.
fn split_stamp(line: &str) -> (&str, &str) {
    match line.split_once(' ') {
        Some((stamp, rest)) if stamp.len() >= 20 && stamp.as_bytes()[4] == b'-' => (stamp, rest),
        _ => ("", line),
    }
}

/// Matches every line of `text` (one tail) against the table, for a container of `service`.
pub fn scan(text: &str, table: &KnownIssues, service: Option<&str>) -> Vec<Seen> {
    let opts = SanitizeOptions {
        max_bytes: 4096,
        ..SanitizeOptions::default()
    };
    let mut out: Vec<Seen> = Vec::new();
    for raw in text.lines() {
        let (stamp, rest) = split_stamp(raw);
        let line = sanitize(rest.as_bytes(), &opts).text;
        let Some(issue) = table.match_index(&line, service).and_then(|i| table.get(i)) else {
            continue;
        };
        if COVERED.contains(&issue.id.as_str()) {
            continue;
        }
        match out.iter_mut().find(|s| s.issue == issue.id) {
            Some(seen) => {
                seen.count += 1;
                stamp.clone_into(&mut seen.last);
            }
            None => out.push(Seen {
                issue: issue.id.clone(),
                count: 1,
                first: stamp.to_owned(),
                last: stamp.to_owned(),
                example: crate::redact::mask_url_passwords(line.trim())
                    .chars()
                    .take(200)
                    .collect(),
            }),
        }
    }
    out
}

/// The finding of one issue seen in one container.
pub fn finding(area: Area, container: &str, seen: &Seen, table: &KnownIssues) -> Finding {
    let issue = table.iter().find(|i| i.id == seen.issue);
    let title = issue.map_or(seen.issue.as_str(), |i| i.title.as_str());
    let when = if seen.first.is_empty() {
        String::new()
    } else {
        format!("; first seen {}, last seen {}", seen.first, seen.last)
    };
    Finding::new(area, CHECK, Severity::Warn, container)
        .summary(format!(
            "{title} (seen {} time{} in the recent log)",
            seen.count,
            if seen.count == 1 { "" } else { "s" }
        ))
        .evidence(format!(
            "issue {}; {} matching line{} in the last {TAIL_LINES}{when}; example: {}",
            seen.issue,
            seen.count,
            if seen.count == 1 { "" } else { "s" },
            seen.example
        ))
        .fix(issue.map_or_else(String::new, |i| i.fix.trim().to_owned()))
        .reference(issue.and_then(|i| i.reference.clone()).unwrap_or_default())
}

/// Reads each running stack container's and each workspace's tail once and reports what
/// matched, and for workspaces the devcontainer-detection check on the same tail.
pub async fn run(ctx: &Ctx<'_>, area: Area) -> Vec<Finding> {
    let Some(engine) = ctx.engine() else {
        let reason = ctx
            .engine
            .err()
            .map_or_else(String::new, |d| d.reason.clone());
        return vec![
            Finding::new(area, DEVCONTAINERS, Severity::Skipped, "workspaces")
                .summary("not checked: the Docker engine cannot be reached")
                .evidence(reason),
        ];
    };
    let table = KnownIssues::with_user(ctx.config.logs.known_issues.clone())
        .or_else(|_| KnownIssues::embedded())
        .unwrap_or_else(|_| KnownIssues::empty());
    let mut targets: Vec<(&Container, Option<String>, bool)> = ctx
        .stack
        .distinct()
        .into_iter()
        .filter(|(c, _)| c.info.state == ContainerState::Running)
        .map(|(c, keys)| (c, keys.first().map(|k| (*k).to_owned()), false))
        .collect();
    targets.extend(ctx.stack.workspaces.iter().map(|w| (*w, None, true)));
    let docker = &engine.docker;
    let table = &table;
    let reads = targets
        .into_iter()
        .map(|(c, service, workspace)| async move {
            let text = tail(docker, &c.info.id).await;
            let mut found = Vec::new();
            if workspace {
                found.push(devcontainer_finding(area, c, &text));
            }
            if c.info.state == ContainerState::Running {
                found.extend(
                    scan(&text, table, service.as_deref())
                        .iter()
                        .map(|seen| finding(area, c.name(), seen, table)),
                );
            }
            found
        });
    futures::future::join_all(reads)
        .await
        .into_iter()
        .flatten()
        .collect()
}

/// The agent's devcontainer detection failing (`docker ps` in a workspace without Docker).
pub const DEVCONTAINERS: &str = "devcontainer-detection";

fn devcontainer_finding(area: Area, ws: &Container, tail: &str) -> Finding {
    let lines: Vec<&str> = tail
        .lines()
        .map(|l| split_stamp(l).1)
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            l.contains("docker ps: exit status 1") || l.contains("start_error")
        })
        .map(str::trim)
        .take(3)
        .collect();
    let env = ws
        .env("CODER_AGENT_DEVCONTAINERS_ENABLE")
        .unwrap_or("unset");
    if lines.is_empty() {
        return Finding::new(area, DEVCONTAINERS, Severity::Ok, ws.name())
            .summary("no devcontainer START_ERROR in the workspace's recent log")
            .evidence(format!(
                "last {TAIL_LINES} log lines checked; CODER_AGENT_DEVCONTAINERS_ENABLE={env}"
            ));
    }
    let opts = SanitizeOptions::default();
    let shown: Vec<String> = lines
        .iter()
        .map(|l| sanitize(l.as_bytes(), &opts).text)
        .collect();
    Finding::new(area, DEVCONTAINERS, Severity::Fail, ws.name())
        .summary("the agent's devcontainer detection runs `docker ps` and fails (START_ERROR)")
        .evidence(format!("log: {}; CODER_AGENT_DEVCONTAINERS_ENABLE={env}", shown.join(" | ")))
        .fix("In the template's coder_agent add `env = { CODER_AGENT_DEVCONTAINERS_ENABLE = \"false\" }`, push the template, then recreate the workspace (or press b on its row in the Services tab).")
        .reference(super::finding::sections::DEVCONTAINERS)
}

async fn tail(docker: &bollard::Docker, id: &str) -> String {
    let mut logs = docker.logs(
        id,
        Some(LogsOptions {
            stdout: true,
            stderr: true,
            timestamps: true,
            tail: TAIL_LINES.to_string(),
            ..LogsOptions::default()
        }),
    );
    let mut text = String::new();
    let read = async {
        while let Some(Ok(chunk)) = logs.next().await {
            text.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
            if text.len() > 4 << 20 {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(READ_LIMIT, read).await;
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tail_yields_one_seen_per_issue_with_count_times_and_a_safe_example() {
        let table = KnownIssues::embedded().expect("table");
        let text = "2026-01-02T03:04:05.000000001Z startup: output pipes not closed\n\
                    2026-01-02T03:04:06.000000001Z all fine\n\
                    2026-01-02T03:04:07.000000001Z \u{1b}[2Jagain: output pipes were not closed\n\
                    2026-01-02T03:04:08.000000001Z run docker ps: exit status 1\n";
        let seen = scan(text, &table, None);
        assert_eq!(seen.len(), 1, "{seen:?}");
        let s = &seen[0];
        assert_eq!(s.issue, "output-pipes-not-closed");
        assert_eq!(s.count, 2);
        assert_eq!(s.first, "2026-01-02T03:04:05.000000001Z");
        assert_eq!(s.last, "2026-01-02T03:04:07.000000001Z");
        let f = finding(Area::Networking, "ws1", s, &table);
        assert_eq!(f.severity, Severity::Warn);
        assert!(
            f.evidence.contains("first seen 2026-01-02T03:04:05"),
            "{f:?}"
        );
        assert!(f.fix.contains("code-server.log"), "{f:?}");
        let again = scan(
            "2026-01-02T03:04:07.000000001Z \u{1b}[2Joutput pipes not closed\n",
            &table,
            None,
        );
        assert!(!again[0].example.contains('\u{1b}'), "{again:?}");
    }
}
