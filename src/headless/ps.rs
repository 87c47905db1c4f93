//! `poc-tui ps`: every configured service with its container(s), the project's other
//! containers and the Coder workspaces, from the same discovery the Services tab uses.

use std::time::Duration;

use super::exit;
use crate::cli::PsArgs;
use crate::config::Config;
use crate::docker::{ps_report, render_ps_text, WorkerOptions};

/// How long `ps` waits for the engine before giving up with a reason.
const ENGINE_TIMEOUT: Duration = Duration::from_secs(10);

/// Prints the report; exit 0 when every configured service has a running, not unhealthy
/// container, 1 otherwise or when the engine cannot be reached.
pub async fn run(config: &Config, args: &PsArgs, docker_host: Option<String>) -> u8 {
    let options = WorkerOptions {
        docker_host,
        ..WorkerOptions::default()
    };
    match ps_report(&options, &config.service_matchers(), ENGINE_TIMEOUT).await {
        Ok(report) => {
            if args.json {
                super::print_stdout(
                    &(serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"),
                );
            } else {
                super::print_text(&render_ps_text(&report));
            }
            if report.all_services_up() {
                exit::OK
            } else {
                exit::FOUND_PROBLEMS
            }
        }
        Err(down) => {
            crate::safe_eprintln!("poc-tui: Docker engine unreachable: {}", down.reason);
            crate::safe_eprintln!("poc-tui: fix: {}", down.fix);
            exit::FOUND_PROBLEMS
        }
    }
}
