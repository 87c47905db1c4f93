//! "Reached" is not "fixed": a workspace's agent URL is baked in when the workspace is built,
//! so a workspace built before the access URL was fixed keeps failing on the old URL even
//! though the new one answers from inside it.

use super::context::{host_of, is_loopback_host, Ctx};
use super::finding::{sections as s, Area, Finding, Severity};

pub const CHECK: &str = "workspace-agent-url";

fn same(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// One finding per workspace container that states its agent URL (`CODER_AGENT_URL`).
pub fn run(ctx: &Ctx<'_>) -> Vec<Finding> {
    let access = ctx.access_url();
    let rebuild = "Rebuild the workspace so its agent gets the current access URL: in Coder stop and start it (a new build), or `coder restart <workspace>`; recreate it if the template bakes the URL in (or press b on its row in the Services tab).";
    let mut out = Vec::new();
    for ws in &ctx.stack.workspaces {
        let Some(agent) = ws.env("CODER_AGENT_URL").filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        let evidence = format!(
            "CODER_AGENT_URL={agent} in the environment of {}; access URL {} ({})",
            ws.name(),
            access.value,
            access.source
        );
        let f = Finding::new(Area::Networking, CHECK, Severity::Ok, ws.name())
            .evidence(evidence)
            .reference(s::AGENT);
        let loopback = host_of(agent).is_some_and(|h| is_loopback_host(&h));
        out.push(if loopback {
            Finding {
                severity: Severity::Fail,
                summary: format!("the workspace was built with the agent URL {agent}: on localhost the agent cannot connect"),
                fix: format!("After CODER_ACCESS_URL is fixed: {rebuild}"),
                ..f
            }
        } else if ctx.access_url_is_live() && !same(agent, &access.value) {
            Finding {
                severity: Severity::Fail,
                summary: format!("the workspace was built with an old access URL ({agent}); Coder now runs at {}", access.value),
                fix: rebuild.to_owned(),
                ..f
            }
        } else {
            Finding {
                summary: "the agent uses Coder's current access URL".to_owned(),
                ..f
            }
        });
    }
    out
}
