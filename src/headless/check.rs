//! `poc-tui check`: the manual's quick health check, with JSON and exit codes.

use std::fmt::Write as _;
use std::time::SystemTime;

use serde::Serialize;

use super::exit;
use crate::config::{Config, Policy};
use crate::health::{self, Health, HealthReport};
use crate::suggest::closest;

/// One service's result as printed by `check --json`. Field names are a stable interface.
#[derive(Debug, Serialize)]
pub struct CheckEntry {
    pub service: String,
    pub display: String,
    pub target: String,
    pub health: Health,
    pub reason: String,
    pub latency_ms: Option<u64>,
    pub detail: Option<String>,
    /// Seconds since the Unix epoch.
    pub checked_at: u64,
}

#[derive(Debug, Serialize)]
pub struct CheckOutput {
    /// True when every service that was checked is up; a skipped one (read-only, not
    /// deployed) counts neither way.
    pub healthy: bool,
    pub services: Vec<CheckEntry>,
}

/// Picks the services to check; unknown names are a usage error with suggestions.
pub fn select_targets(
    config: &Config,
    wanted: &[String],
) -> Result<Vec<(String, crate::health::spec::ProbeSpec)>, String> {
    let all = config.probe_targets();
    if wanted.is_empty() {
        return Ok(all);
    }
    let mut picked = Vec::new();
    for name in wanted {
        let key = config
            .services
            .iter()
            .find(|(k, s)| k.eq_ignore_ascii_case(name) || s.display.eq_ignore_ascii_case(name))
            .map(|(k, _)| k.clone());
        let Some(key) = key else {
            let hints = closest(name, config.services.keys().map(String::as_str));
            let hint = if hints.is_empty() {
                format!(
                    "known services: {}",
                    config
                        .services
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else {
                format!("did you mean: {}?", hints.join(", "))
            };
            return Err(format!("unknown service {name:?}; {hint}"));
        };
        match all.iter().find(|(k, _)| *k == key) {
            Some(t) => {
                if !picked.iter().any(|(k, _)| *k == key) {
                    picked.push(t.clone());
                }
            }
            None => return Err(format!("service {key:?} has no probe configured")),
        }
    }
    Ok(picked)
}

/// Runs the probes (the same code the console uses) and builds the output. Internal services
/// are probed inside their containers on the engine `docker_host` names, unless `policy` is
/// read-only (then they are skipped).
pub async fn run(
    config: &Config,
    targets: &[(String, crate::health::spec::ProbeSpec)],
    docker_host: Option<&str>,
    policy: Policy,
) -> Result<CheckOutput, String> {
    let client = health::http_client().map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let prober = health::Prober::new(client, config.probe_settings()).with_inside(
        health::InsideProber::new(config, docker_host.map(str::to_owned), policy),
    );
    let reports = prober.check_all(targets).await;
    let services: Vec<CheckEntry> = reports
        .into_iter()
        .map(|r| entry(config, targets, r))
        .collect();
    Ok(CheckOutput {
        healthy: services
            .iter()
            .all(|e| matches!(e.health, Health::Up | Health::Skipped)),
        services,
    })
}

fn entry(
    config: &Config,
    targets: &[(String, crate::health::spec::ProbeSpec)],
    r: HealthReport,
) -> CheckEntry {
    let display = config
        .services
        .get(&r.service)
        .map_or_else(|| r.service.clone(), |s| s.display.clone());
    let target = targets
        .iter()
        .find(|(k, _)| *k == r.service)
        .map(|(_, s)| s.target())
        .unwrap_or_default();
    CheckEntry {
        service: r.service,
        display,
        target,
        health: r.outcome.health,
        reason: r.outcome.reason,
        latency_ms: r
            .outcome
            .latency
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        detail: r.outcome.detail,
        checked_at: r
            .checked_at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    }
}

/// The text form: one ✓/✗ line per service, like the manual's script, with the reason.
pub fn render_text(output: &CheckOutput) -> String {
    let mut out = String::from("=== POC Services Health Check ===\n");
    let width = output
        .services
        .iter()
        .map(|e| e.display.chars().count())
        .max()
        .unwrap_or(0);
    for e in &output.services {
        let mark = match e.health {
            Health::Up => "✓",
            Health::Degraded => "!",
            Health::Down | Health::Unknown => "✗",
            Health::Skipped => "–",
        };
        let latency = e
            .latency_ms
            .map(|ms| format!(" ({ms} ms)"))
            .unwrap_or_default();
        let state = if e.health == Health::Up {
            String::new()
        } else {
            format!(" - {}", e.health.to_string().to_uppercase())
        };
        let _ = writeln!(
            out,
            "{mark} {:<width$}{state}  {}{latency}  {}",
            e.display, e.reason, e.target
        );
    }
    let up = output
        .services
        .iter()
        .filter(|e| e.health == Health::Up)
        .count();
    let skipped = output
        .services
        .iter()
        .filter(|e| e.health == Health::Skipped)
        .count();
    let checked = output.services.len() - skipped;
    if skipped == 0 {
        let _ = writeln!(out, "=== {up}/{checked} healthy ===");
    } else {
        let _ = writeln!(out, "=== {up}/{checked} healthy, {skipped} skipped ===");
    }
    out
}

pub fn exit_code(output: &CheckOutput) -> u8 {
    if output.healthy {
        exit::OK
    } else {
        exit::FOUND_PROBLEMS
    }
}
