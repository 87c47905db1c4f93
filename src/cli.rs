//! Command-line interface: global flags and the headless subcommands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use clap_complete::Shell;

#[derive(Debug, Parser)]
#[command(
    name = "poc-tui",
    about = "Terminal operations console for the Coder WebIDE proof-of-concept stack",
    long_about = "Terminal operations console for the Coder WebIDE proof-of-concept stack.\n\n\
                  Run without a command to open the interactive console."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Config file to merge over the embedded POC description
    #[arg(long, short = 'c', global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Docker engine to use (like DOCKER_HOST: unix:///path or tcp://host:port)
    #[arg(long, global = true, value_name = "URI")]
    pub docker_host: Option<String>,

    /// Disable every action that changes something
    #[arg(long, global = true)]
    pub read_only: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Probe every service once and print one line per service (exit 1 if any is unhealthy)
    Check(CheckArgs),
    /// Print the effective configuration, secrets masked
    Config(ConfigArgs),
    /// Services with their containers, other project containers and Coder workspaces
    Ps(crate::headless::ps::PsArgs),
    /// Log lines of a service, a workspace (owner/workspace) or a container, sanitised for pipes
    Logs(crate::headless::logs::LogsArgs),
    /// Users across Authentik, Gitea and Coder compared with the policy (exit 1 on findings)
    Users(crate::headless::users::UsersArgs),
    /// Diagnose networking and SSO: findings with evidence and fixes (exit 1 if any fails)
    Doctor(crate::headless::doctor::DoctorArgs),
    /// Apply compose configuration changes: `up -d SERVICE…` (recreates only what changed)
    Up(crate::headless::compose::UpArgs),
    /// Restart compose services (keeps the container and its old environment)
    Restart(crate::headless::compose::RestartArgs),
    /// Compose services whose running container differs from the configuration (exit 1 if any)
    Drift(crate::headless::compose::DriftArgs),
    /// What happened to the stack, newest first: engine events, actions, findings
    Timeline(crate::headless::timeline::TimelineArgs),
    /// Write a support bundle: one .tar.gz of reports, inspects, logs and the timeline, secrets removed
    Bundle(crate::headless::bundle::BundleArgs),
    /// Print a shell completion script
    Completions {
        /// The shell to generate completions for
        shell: Shell,
    },
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Print machine-readable JSON instead of text
    #[arg(long)]
    pub json: bool,

    /// Only check these services (repeatable; by key, e.g. `gitea`, or display name)
    #[arg(long = "service", short = 's', value_name = "NAME")]
    pub services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Print only the paths poc-tui reads and writes
    #[arg(long)]
    pub paths: bool,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
