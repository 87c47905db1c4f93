//! Coder's own health report (`GET /api/v2/debug/health`, an owner's session): each section
//! that is not `ok` becomes a finding citing the report as evidence. A section whose problem
//! one of our own findings already names is folded under that finding (see `causes`).

use serde_json::Value;

use super::context::Ctx;
use super::finding::{sections as s, Area, Finding, Severity};

pub const CHECK: &str = "coder-health";

/// The report's sections, with what to do when one fails.
const SECTIONS: [(&str, &str); 6] = [
    ("access_url", "Coder cannot reach itself at its access URL: set CODER_ACCESS_URL to a URL that answers from inside the Coder container (e.g. http://host.docker.internal:7080 with host-gateway), then `docker compose up -d coder`."),
    ("database", "Check Coder's PostgreSQL: `docker compose ps coder-db`, `docker compose logs --tail 100 coder-db`; CODER_PG_CONNECTION_URL must point at it."),
    ("derp", "The DERP relay fails: check that Coder's built-in DERP server is enabled (CODER_DERP_SERVER_ENABLE) and that its access URL answers over HTTP(S) from the workspaces."),
    ("websocket", "WebSockets to Coder fail: a proxy in front of Coder must pass `Upgrade` requests; browse Coder directly at its access URL to confirm."),
    ("workspace_proxy", "A workspace proxy is unhealthy: check it in Coder → Deployment → Workspace proxies."),
    ("provisioner_daemons", "No healthy provisioner: keep CODER_PROVISIONER_DAEMONS above 0 (the built-in ones), or start an external provisioner, then `docker compose up -d coder`."),
];

/// "EACS03: …; EDB02: …" from `warnings`, in either shape (objects, or plain strings).
fn warnings(section: &Value) -> String {
    section
        .get("warnings")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|w| match w {
                    Value::String(text) => Some(text.clone()),
                    Value::Object(_) => {
                        let code = w.get("code").and_then(Value::as_str).unwrap_or("");
                        let message = w.get("message").and_then(Value::as_str).unwrap_or("");
                        Some(format!("{code}: {message}"))
                    }
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default()
}

/// The section's verdict: its `severity`, else `healthy` (older releases).
fn severity_of(section: &Value) -> Severity {
    match section.get("severity").and_then(Value::as_str) {
        Some("error") => Severity::Fail,
        Some("warning") => Severity::Warn,
        Some(_) => Severity::Ok,
        None => match section.get("healthy").and_then(Value::as_bool) {
            Some(false) => Severity::Fail,
            _ => Severity::Ok,
        },
    }
}

/// The findings of one report: one per section that is not ok (dismissed ones are left out),
/// or one ok finding when every section is.
pub fn judge(report: &Value) -> Vec<Finding> {
    let version = report
        .get("coder_version")
        .and_then(Value::as_str)
        .unwrap_or("?");
    let mut out = Vec::new();
    let mut ok = Vec::new();
    for (key, fix) in SECTIONS {
        let Some(section) = report.get(key) else {
            continue;
        };
        if section.get("dismissed").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let severity = severity_of(section);
        if severity == Severity::Ok {
            ok.push(key);
            continue;
        }
        let mut seen = vec![format!(
            "Coder {version}'s health report (GET /api/v2/debug/health): {key} is {}",
            if severity == Severity::Fail {
                "error"
            } else {
                "warning"
            }
        )];
        if let Some(e) = section
            .get("error")
            .and_then(Value::as_str)
            .filter(|e| !e.is_empty())
        {
            seen.push(format!("error: {e}"));
        }
        let w = warnings(section);
        if !w.is_empty() {
            seen.push(format!("warnings: {w}"));
        }
        if key == "access_url" {
            if let Some(code) = section.get("status_code").and_then(Value::as_i64) {
                seen.push(format!("status code {code}"));
            }
        }
        out.push(
            Finding::new(Area::Networking, CHECK, severity, format!("Coder {key}"))
                .summary(format!(
                    "Coder's own health check reports its {key} section unhealthy"
                ))
                .evidence(crate::redact::mask_url_passwords(&seen.join("; ")))
                .fix(fix)
                .reference(s::ACCESS_URL),
        );
    }
    if out.is_empty() && !ok.is_empty() {
        out.push(
            Finding::new(Area::Networking, CHECK, Severity::Ok, "Coder")
                .summary("Coder's own health report is ok")
                .evidence(format!("Coder {version}; sections ok: {}", ok.join(", "))),
        );
    }
    out
}

/// Reads the report when Coder is reachable with credentials; nothing otherwise (the
/// credentials' own findings say why).
pub async fn run(ctx: &Ctx<'_>) -> Vec<Finding> {
    let Some(Ok(coder)) = ctx.clients.map(|c| &c.coder) else {
        return Vec::new();
    };
    match coder.debug_health().await {
        Ok(report) => judge(&report),
        Err(e) => vec![Finding::new(Area::Networking, CHECK, Severity::Skipped, "Coder")
            .summary("Coder's own health report was not read")
            .evidence(e.short())
            .fix("It needs an owner's session ([credentials.coder]) and Coder 2.x with /api/v2/debug/health.")],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn failing_sections_become_findings_citing_the_report() {
        let report = json!({
            "coder_version": "v2.15.0",
            "severity": "error",
            "access_url": {"severity": "error", "healthy": false, "error": "get healthz: connection refused",
                "warnings": [{"code": "EACS03", "message": "access URL not reachable"}], "status_code": 0},
            "database": {"severity": "ok", "healthy": true, "warnings": []},
            "derp": {"severity": "warning", "warnings": ["old style warning"]},
            "websocket": {"severity": "error", "dismissed": true},
            "provisioner_daemons": {"healthy": true}
        });
        let found = judge(&report);
        assert_eq!(found.len(), 2, "{found:#?}");
        let access = &found[0];
        assert_eq!(access.subject, "Coder access_url");
        assert_eq!(access.severity, Severity::Fail);
        assert!(
            access.evidence.contains("/api/v2/debug/health"),
            "{access:?}"
        );
        assert!(
            access.evidence.contains("EACS03: access URL not reachable"),
            "{access:?}"
        );
        assert_eq!(found[1].severity, Severity::Warn);
        assert!(found[1].evidence.contains("old style warning"));
        let healthy =
            judge(&json!({"access_url": {"severity": "ok"}, "database": {"healthy": true}}));
        assert_eq!(healthy.len(), 1);
        assert_eq!(healthy[0].severity, Severity::Ok);
    }
}
