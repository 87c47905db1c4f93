//! `poc-tui doctor`: every networking and SSO check once, findings grouped by severity with
//! their fixes; exit 0 when nothing fails, 1 otherwise.

use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use super::exit;
use crate::cli::DoctorArgs;
use crate::config::Config;
use crate::diagnose::{
    self, Area, ClientView, Counts, Diagnosis, Finding, Options, ProbeSettings, Severity, UrlRow,
};

/// The version of the `doctor --json` shape; raised only when a field changes meaning.
pub const DOCTOR_JSON_VERSION: u32 = 1;

/// `doctor --json`. Field names are a stable interface.
#[derive(Debug, Serialize)]
pub struct DoctorOutput<'a> {
    pub doctor_version: u32,
    /// True when no finding is `fail`.
    pub ok: bool,
    pub engine: &'a str,
    pub counts: Counts,
    /// Worst first: fail, warn, skipped, ok.
    pub findings: &'a [Finding],
    pub urls: &'a [UrlRow],
    pub sso_clients: &'a [ClientView],
    /// Seconds since the Unix epoch.
    pub finished_at: u64,
}

pub fn options(config: &Config, args: &DoctorArgs, docker_host: Option<&str>) -> Options {
    Options {
        docker_host: docker_host.map(str::to_owned),
        areas: args.only.iter().filter_map(|a| Area::parse(a)).collect(),
        probe: ProbeSettings::from_env(),
        timeout: Duration::from_millis(config.probes.timeout_ms.clamp(500, 30_000)),
    }
}

/// Runs `doctor`; records findings that appeared or resolved in the timeline, and returns
/// the text to print and the exit code.
pub async fn run(
    config: &Config,
    args: &DoctorArgs,
    docker_host: Option<&str>,
    paths: &crate::paths::Paths,
) -> (String, u8) {
    let diagnosis = diagnose::diagnose(config, &options(config, args, docker_host)).await;
    crate::timeline::record::record_findings(paths, config, &diagnosis.report.findings);
    let text = if args.json {
        json(&diagnosis)
    } else {
        render_text(&diagnosis)
    };
    (text, exit_code(&diagnosis))
}

pub fn exit_code(d: &Diagnosis) -> u8 {
    if d.report.has_failures() {
        exit::FOUND_PROBLEMS
    } else {
        exit::OK
    }
}

pub fn json(d: &Diagnosis) -> String {
    let out = DoctorOutput {
        doctor_version: DOCTOR_JSON_VERSION,
        ok: !d.report.has_failures(),
        engine: &d.engine,
        counts: d.report.counts(),
        findings: &d.report.findings,
        urls: &d.urls,
        sso_clients: &d.clients,
        finished_at: d.finished_at,
    };
    serde_json::to_string_pretty(&out).unwrap_or_default() + "\n"
}

/// Problems in full (evidence and fix), skipped checks with their reason, passes on one line.
pub fn render_text(d: &Diagnosis) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "engine: {}", d.engine);
    for severity in Severity::ORDER {
        let group: Vec<&Finding> = d
            .report
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n{} ({})",
            severity.as_str().to_uppercase(),
            group.len()
        );
        for f in group {
            let _ = writeln!(
                out,
                "  [{}] {} · {}: {}",
                f.area.as_str(),
                f.check,
                f.subject,
                f.summary
            );
            if severity == Severity::Ok {
                continue;
            }
            if !f.evidence.is_empty() {
                let _ = writeln!(out, "      seen: {}", f.evidence);
            }
            if !f.fix.is_empty() {
                let _ = writeln!(out, "      fix:  {}", f.fix);
            }
            if !f.reference.is_empty() {
                let _ = writeln!(out, "      see:  {}", f.reference);
            }
        }
    }
    let c = d.report.counts();
    let _ = writeln!(
        out,
        "\n{} fail, {} warn, {} skipped, {} ok",
        c.fail, c.warn, c.skipped, c.ok
    );
    out
}
