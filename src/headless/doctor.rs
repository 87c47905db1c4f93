//! `poc-tui doctor`: every networking and SSO check once, findings grouped by severity with
//! their fixes; exit 0 when nothing fails, 1 otherwise.

use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use super::exit;
use crate::cli::DoctorArgs;
use crate::config::Config;
use crate::diagnose::{
    self, Area, ClientView, Counts, Diagnosis, Finding, InsideProbeSettings, Options, Severity,
    UrlRow,
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

/// The pass's options; `policy` is the run's, built once from the command line.
pub fn options(
    config: &Config,
    args: &DoctorArgs,
    docker_host: Option<&str>,
    policy: crate::config::Policy,
) -> Options {
    Options {
        docker_host: docker_host.map(str::to_owned),
        areas: args.only.iter().filter_map(|a| Area::parse(a)).collect(),
        probe: InsideProbeSettings::from_env(),
        timeout: Duration::from_millis(config.probes.timeout_ms.clamp(500, 30_000)),
        progress: diagnose::Progress::default(),
        policy,
        sessions: crate::identity::Sessions::default(),
    }
}

/// Says on stderr what the pass is doing once it has taken a second: then each time the
/// phase changes, and every five seconds while it does not. Never returns.
async fn report_progress(progress: diagnose::Progress) -> std::convert::Infallible {
    let started = tokio::time::Instant::now();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut shown = ("", Duration::ZERO);
    loop {
        let phase = progress.get();
        let elapsed = started.elapsed();
        if phase != shown.0 || elapsed >= shown.1 + Duration::from_secs(5) {
            crate::safe_eprintln!("poc-tui: doctor: {phase}… ({} s)", elapsed.as_secs());
            shown = (phase, elapsed);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// A signal that asks `doctor` or `bundle` to stop, and the exit code it ends with
/// (128 + its number).
pub(super) struct Interrupt {
    pub(super) name: &'static str,
    pub(super) exit_code: u8,
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM; never when the handlers cannot be installed.
pub(super) async fn interrupted() -> Interrupt {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = int.recv() => Interrupt { name: "SIGINT", exit_code: 130 },
        _ = term.recv() => Interrupt { name: "SIGTERM", exit_code: 143 },
    }
}

/// How long an interrupted run may spend ending the Coder session it logged in for.
pub(super) const SESSION_LIMIT: Duration = Duration::from_secs(2);

/// How long an interrupted `doctor` may spend removing its probe containers.
const CLEANUP_LIMIT: Duration = Duration::from_secs(10);

/// Removes the probe containers this process started (a pass dropped mid-way), within
/// [`CLEANUP_LIMIT`]; true when that finished.
pub(super) async fn remove_own_probes(docker_host: Option<&str>, timeout: Duration) -> bool {
    let cleanup = diagnose::worker::remove_own_probes(docker_host, timeout);
    tokio::time::timeout(CLEANUP_LIMIT, cleanup).await.is_ok()
}

/// Runs `doctor`; records findings that appeared or resolved in the timeline, and returns
/// the text to print and the exit code. Ctrl-C or SIGTERM stops the checks, removes the
/// probe containers this run started, and exits 130 or 143.
pub async fn run(
    config: &Config,
    args: &DoctorArgs,
    docker_host: Option<&str>,
    policy: crate::config::Policy,
    paths: &crate::paths::Paths,
) -> (String, u8) {
    let options = options(config, args, docker_host, policy);
    let diagnosis = tokio::select! {
        d = diagnose::diagnose(config, &options) => d,
        never = report_progress(options.progress.clone()) => match never {},
        signal = interrupted() => {
            // The pass was dropped mid-way: whatever it started is this process's, its
            // Coder session too.
            let (cleaned, ()) = tokio::join!(
                remove_own_probes(docker_host, options.timeout),
                options.sessions.close(SESSION_LIMIT),
            );
            crate::safe_eprintln!(
                "poc-tui: doctor stopped by {}; {}",
                signal.name,
                if cleaned {
                    "its probe containers were removed"
                } else {
                    "its probe containers could not all be removed (the next run removes them)"
                }
            );
            return (String::new(), signal.exit_code);
        }
    };
    crate::timeline::record::record_findings(paths, config, &diagnosis.report.findings);
    let text = if args.json {
        json(&diagnosis)
    } else {
        // Evidence quotes what containers and services answered: shown harmlessly.
        super::safe_text(&render_text(&diagnosis))
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
/// A root cause is shown with its consequences indented under it, and only its own fix.
pub fn render_text(d: &Diagnosis) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "engine: {}", d.engine);
    let folded = d.report.folded(None);
    for severity in Severity::ORDER {
        let group: Vec<&Finding> = folded
            .iter()
            .filter(|(f, consequence)| !consequence && f.severity == severity)
            .map(|(f, _)| *f)
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
            write_finding(&mut out, f, severity == Severity::Ok);
            for c in d.report.consequences(&f.id) {
                let _ = writeln!(
                    out,
                    "      ↳ {} [{}] {} · {}: {}",
                    c.severity.as_str(),
                    c.area.as_str(),
                    c.check,
                    c.subject,
                    c.summary
                );
                if !c.evidence.is_empty() {
                    let _ = writeln!(out, "          seen: {}", c.evidence);
                }
            }
        }
    }
    let c = d.report.counts();
    let folded_n = folded
        .iter()
        .filter(|(_, consequence)| *consequence)
        .count();
    let _ = write!(
        out,
        "\n{} fail, {} warn, {} skipped, {} ok",
        c.fail, c.warn, c.skipped, c.ok
    );
    if folded_n > 0 {
        let _ = write!(out, " ({folded_n} folded under their root causes)");
    }
    out.push('\n');
    out
}

fn write_finding(out: &mut String, f: &Finding, brief: bool) {
    let _ = writeln!(
        out,
        "  [{}] {} · {}: {}",
        f.area.as_str(),
        f.check,
        f.subject,
        f.summary
    );
    if brief {
        return;
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
