//! Root causes: links each consequence to the finding that causes it, so reports show the
//! cause with its consequences folded under it and only the root's fix.
//!
//! The chains (first match wins, in this order):
//! - a service that is down, paused, killed, looping, unhealthy or not deployed → every
//!   check that needs it;
//! - the access URL on localhost → the agent cannot connect, Coder's redirect URI,
//!   `oauth_state`, workspaces built with the old URL, the agent's own log lines;
//! - a container off the stack network → names that do not resolve from it or to it, its
//!   missing host-gateway;
//! - the host alias missing from the hosts file → everything fetched from the host by it.

use std::fmt::Write as _;

use super::finding::Finding;
use super::state::{DEPLOYED, STATE};

/// What the rules need to know about the stack besides the findings.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub host_alias: String,
    /// The access URL the config expects.
    pub expected_access_url: String,
    /// Names of the workspace containers.
    pub workspaces: Vec<String>,
    /// Each stack container with the service keys it serves.
    pub containers: Vec<(String, Vec<String>)>,
    /// The identity provider's service key.
    pub provider_service: String,
    /// Each OIDC client with its service key.
    pub clients: Vec<(String, String)>,
}

impl Facts {
    /// The service keys a stack container serves; none for a container not of the stack.
    fn service_keys(&self, container: &str) -> Vec<String> {
        self.containers
            .iter()
            .find(|(c, _)| c == container)
            .map(|(_, k)| k.clone())
            .unwrap_or_default()
    }
}

/// Links consequences to their roots; a consequence's fix becomes a pointer to the root's
/// (rules that know a fix that does not contradict the root keep it).
pub fn link(findings: &mut [Finding], facts: &Facts) {
    service_roots(findings, facts);
    access_url_root(findings);
    stale_agent_roots(findings);
    off_network_roots(findings, facts);
    hosts_entry_root(findings, facts);
    flatten(findings);
}

/// Points every consequence at its ultimate root, so a cause's cause is what is shown.
fn flatten(findings: &mut [Finding]) {
    for i in 0..findings.len() {
        let mut cause = findings[i].caused_by.clone();
        for _ in 0..findings.len() {
            let next = cause
                .as_deref()
                .and_then(|c| findings.iter().find(|f| f.id == c))
                .and_then(|f| f.caused_by.clone());
            match next {
                Some(n) if Some(&n) != cause.as_ref() && n != findings[i].id => cause = Some(n),
                _ => break,
            }
        }
        findings[i].caused_by = cause;
    }
}

/// A workspace built with an old or localhost agent URL is not fine just because the access
/// URL answers from inside it: that pass is folded under the stale agent URL and says so.
fn stale_agent_roots(findings: &mut [Finding]) {
    let localhost_log = |f: &Finding| {
        f.check == super::logs::CHECK
            && f.caused_by.is_none()
            && LOCALHOST_LOG_ISSUES.iter().any(|i| f.evidence.contains(i))
    };
    let mut stale: Vec<(String, String)> = findings
        .iter()
        .filter(|f| f.check == super::agent_url::CHECK && f.is_problem())
        .map(|f| (f.id.clone(), f.subject.clone()))
        .collect();
    // Without CODER_AGENT_URL to read, the agent's own log saying it dials localhost tells
    // the same (when the access URL itself is no longer the cause).
    let by_log: Vec<(String, String)> = findings
        .iter()
        .filter(|f| localhost_log(f) && !stale.iter().any(|(_, ws)| *ws == f.subject))
        .map(|f| (f.id.clone(), f.subject.clone()))
        .collect();
    stale.extend(by_log);
    for (id, ws) in stale {
        for f in findings.iter_mut() {
            let agent_log = f.check == super::logs::CHECK
                && LOCALHOST_LOG_ISSUES.iter().any(|i| f.evidence.contains(i));
            if agent_log && f.subject == ws && f.caused_by.is_none() && f.id != id {
                f.caused_by = Some(id.clone());
            }
            if f.check == "access-url-from-workspace" && f.subject == ws && f.caused_by.is_none() {
                if f.severity == super::Severity::Ok {
                    "the access URL answers from inside the workspace, but its agent was built with another URL: not fixed until it is rebuilt".clone_into(&mut f.summary);
                }
                f.caused_by = Some(id.clone());
            }
        }
    }
}

/// How a consequence's fix is rewritten.
enum Fix {
    /// "Fixed by fixing the cause."
    Root,
    /// The consequence's own fix does not contradict the root's: kept.
    Keep,
}

/// Links every unlinked finding that `is_consequence` accepts to `root` (the root itself and
/// findings that pass are left alone).
fn attach(
    findings: &mut [Finding],
    root: usize,
    fix: &Fix,
    is_consequence: impl Fn(&Finding) -> bool,
) -> usize {
    let (root_id, root_summary) = (findings[root].id.clone(), findings[root].summary.clone());
    let mut n = 0;
    for (i, f) in findings.iter_mut().enumerate() {
        if i == root || f.caused_by.is_some() || f.severity == super::Severity::Ok {
            continue;
        }
        if !is_consequence(f) {
            continue;
        }
        f.caused_by = Some(root_id.clone());
        if matches!(fix, Fix::Root) || f.fix.is_empty() {
            f.fix =
                format!("Fix the cause first ({root_id}: {root_summary}); this follows from it.");
        }
        n += 1;
    }
    n
}

fn problems_of(findings: &[Finding], check: &str) -> Vec<usize> {
    findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.check == check && f.is_problem() && f.caused_by.is_none())
        .map(|(i, _)| i)
        .collect()
}

/// `inside <container>` or `<container> → key` subjects, and the plain container name.
fn about_container(f: &Finding, name: &str) -> bool {
    f.subject == name
        || f.subject.starts_with(&format!("{name} →"))
        || f.subject.ends_with(&format!("(inside {name})"))
}

fn service_roots(findings: &mut [Finding], facts: &Facts) {
    let mut roots: Vec<(usize, Vec<String>, String)> = Vec::new();
    for i in problems_of(findings, STATE) {
        let name = findings[i].subject.clone();
        let keys = facts.service_keys(&name);
        roots.push((i, keys, name));
    }
    for i in problems_of(findings, DEPLOYED) {
        let key = findings[i].subject.clone();
        roots.push((i, vec![key], String::new()));
    }
    for (root, keys, name) in roots {
        let provider = keys.contains(&facts.provider_service);
        let coder = keys.iter().any(|k| k == "coder");
        let clients: Vec<&str> = facts
            .clients
            .iter()
            .filter(|(_, svc)| keys.contains(svc))
            .map(|(c, _)| c.as_str())
            .collect();
        attach(findings, root, &Fix::Root, |f| {
            (!name.is_empty() && about_container(f, &name))
                || keys
                    .iter()
                    .any(|k| f.check == "container-dns" && f.subject.ends_with(&format!("→ {k}")))
                || (provider && is_identity_check(&f.check))
                || (keys.iter().any(|k| k == "coder-db")
                    && f.check == super::coder_health::CHECK
                    && f.subject == "Coder database")
                || (coder
                    && ["access-url-from-host", "access-url-from-workspace"]
                        .contains(&f.check.as_str()))
                || clients.iter().any(|c| {
                    f.check.starts_with("issuer-")
                        && f.subject.starts_with(&format!("{c} ("))
                        && f.check == "issuer-from-container"
                })
        });
    }
}

/// The checks that need the identity provider to answer.
fn is_identity_check(check: &str) -> bool {
    [
        "authentik-ready",
        "authentik-providers",
        "oidc-provider",
        "redirect-uri",
        "signing-key",
        "issuer-from-host",
        "issuer-from-container",
    ]
    .contains(&check)
}

/// Known log issues that say the agent used a localhost access URL.
const LOCALHOST_LOG_ISSUES: [&str; 2] = ["agent-access-url-localhost", "agent-download-failed"];

fn access_url_root(findings: &mut [Finding]) {
    let Some(&root) = problems_of(findings, "access-url-not-localhost").first() else {
        return;
    };
    attach(findings, root, &Fix::Root, |f| {
        f.check == "access-url-from-workspace"
            || f.check == "access-url-matches-config"
            || (f.check == super::coder_health::CHECK && f.subject == "Coder access_url")
            || (f.check == super::logs::CHECK
                && LOCALHOST_LOG_ISSUES
                    .iter()
                    .any(|id| f.evidence.contains(id)))
    });
    // Their own fixes are written against the expected access URL (see `sso`): kept.
    attach(findings, root, &Fix::Keep, |f| {
        (f.check == "redirect-uri" && f.subject == "coder")
            || f.check == "oauth-state-cookie"
            || f.check == "workspace-agent-url"
    });
}

fn off_network_roots(findings: &mut [Finding], facts: &Facts) {
    for root in problems_of(findings, "on-stack-network") {
        let name = findings[root].subject.clone();
        let keys = facts.service_keys(&name);
        let is_workspace = facts.workspaces.contains(&name);
        let gateway = attach(findings, root, &Fix::Root, |f| {
            is_workspace && f.check == "host-gateway" && f.subject == name
        });
        attach(findings, root, &Fix::Root, |f| {
            (is_workspace
                && (about_container(f, &name)
                    && [
                        "container-dns",
                        "access-url-from-workspace",
                        "issuer-from-container",
                    ]
                    .contains(&f.check.as_str())
                    || (f.check == super::logs::CHECK && f.subject == name)))
                || keys
                    .iter()
                    .any(|k| f.check == "container-dns" && f.subject.ends_with(&format!("→ {k}")))
        });
        if gateway > 0 {
            let alias = &facts.host_alias;
            let _ = write!(
                findings[root].fix,
                " The template must also give it `host {{ host = \"{alias}\" ip = \"host-gateway\" }}`; push it and recreate the workspace (or press b on its row in the Services tab)."
            );
        }
    }
}

fn hosts_entry_root(findings: &mut [Finding], facts: &Facts) {
    let Some(&root) = problems_of(findings, "host-alias-resolves").first() else {
        return;
    };
    let alias = facts.host_alias.to_ascii_lowercase();
    attach(findings, root, &Fix::Root, |f| {
        let evidence = f.evidence.to_ascii_lowercase();
        (f.check.ends_with("-from-host") || f.check == "authentik-ready")
            && evidence.contains(&alias)
            && (evidence.contains("resolve") || evidence.contains("lookup"))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::{Area, Severity};

    fn f(check: &str, severity: Severity, subject: &str) -> Finding {
        Finding::new(Area::Networking, check, severity, subject).fix("own fix")
    }

    #[test]
    fn the_access_url_is_the_root_of_its_consequences() {
        let mut list = vec![
            f(
                "access-url-not-localhost",
                Severity::Fail,
                "CODER_ACCESS_URL",
            ),
            f("access-url-from-workspace", Severity::Fail, "ws1"),
            f("redirect-uri", Severity::Fail, "coder").fix("after the access URL, add X"),
            f("redirect-uri", Severity::Fail, "gitea"),
            f("oauth-state-cookie", Severity::Ok, "Coder browser URL"),
        ];
        link(&mut list, &Facts::default());
        let root = Some("access-url-not-localhost:CODER_ACCESS_URL".to_owned());
        assert_eq!(list[1].caused_by, root);
        assert!(list[1].fix.contains("Fix the cause first"), "{:?}", list[1]);
        assert_eq!(list[2].caused_by, root);
        assert_eq!(list[2].fix, "after the access URL, add X");
        assert_eq!(list[3].caused_by, None, "gitea's redirect URI is its own");
        assert_eq!(list[4].caused_by, None, "a pass is nobody's consequence");
        assert_eq!(list[0].caused_by, None);
    }

    #[test]
    fn a_workspace_whose_agent_log_dials_localhost_is_not_fine() {
        let mut list = vec![
            f("access-url-not-localhost", Severity::Ok, "CODER_ACCESS_URL"),
            f("access-url-from-workspace", Severity::Ok, "ws1").summary("reaches Coder"),
            f(super::super::logs::CHECK, Severity::Warn, "ws1")
                .evidence("issue agent-access-url-localhost; 3 matching lines"),
        ];
        link(&mut list, &Facts::default());
        assert_eq!(list[1].caused_by.as_deref(), Some("log-known-issue:ws1"));
        assert!(
            list[1].summary.contains("not fixed until it is rebuilt"),
            "{:?}",
            list[1]
        );
        assert_eq!(list[2].caused_by, None);
    }

    #[test]
    fn a_workspace_off_the_network_folds_its_name_failures_and_host_gateway() {
        let mut list = vec![
            f("on-stack-network", Severity::Fail, "ws1"),
            f("container-dns", Severity::Fail, "ws1 → coder"),
            f("container-dns", Severity::Fail, "ws2 → coder"),
            f("host-gateway", Severity::Warn, "ws1"),
        ];
        let facts = Facts {
            host_alias: "host.docker.internal".into(),
            workspaces: vec!["ws1".into(), "ws2".into()],
            ..Facts::default()
        };
        link(&mut list, &facts);
        assert_eq!(list[1].caused_by.as_deref(), Some("on-stack-network:ws1"));
        assert_eq!(list[2].caused_by, None);
        assert_eq!(list[3].caused_by.as_deref(), Some("on-stack-network:ws1"));
        assert!(list[0].fix.contains("host-gateway"), "{}", list[0].fix);
    }

    #[test]
    fn a_stopped_identity_provider_is_the_root_of_the_sso_checks() {
        let mut list = vec![
            f(STATE, Severity::Fail, "authentik-server"),
            f("issuer-from-host", Severity::Fail, "coder (host)"),
            f("authentik-ready", Severity::Fail, "Authentik"),
            f("access-url-from-host", Severity::Fail, "http://x:7080"),
        ];
        let facts = Facts {
            containers: vec![("authentik-server".into(), vec!["authentik".into()])],
            provider_service: "authentik".into(),
            ..Facts::default()
        };
        link(&mut list, &facts);
        let root = Some(format!("{STATE}:authentik-server"));
        assert_eq!(list[1].caused_by, root);
        assert_eq!(list[2].caused_by, root);
        assert_eq!(list[3].caused_by, None);
    }

    #[test]
    fn a_missing_hosts_entry_folds_what_the_host_cannot_resolve() {
        let mut list =
            vec![
            f("host-alias-resolves", Severity::Fail, "host.docker.internal"),
            f("issuer-from-host", Severity::Fail, "coder (host)").evidence(
                "GET http://host.docker.internal:9000/x: name does not resolve (failed to lookup)",
            ),
            f("issuer-from-host", Severity::Fail, "gitea (host)").evidence("HTTP 404"),
        ];
        let facts = Facts {
            host_alias: "host.docker.internal".into(),
            ..Facts::default()
        };
        link(&mut list, &facts);
        assert_eq!(
            list[1].caused_by.as_deref(),
            Some("host-alias-resolves:host.docker.internal")
        );
        assert_eq!(list[2].caused_by, None);
    }
}
