//! Command-line interface: the global flags and every subcommand with its arguments. The
//! headless commands that run them (`headless/`) import these types, never the other way.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser};
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
    pub command: Option<Subcommand>,
}

#[derive(Debug, Clone, Args)]
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

/// The headless subcommands; without one, the console opens.
#[derive(Debug, clap::Subcommand)]
pub enum Subcommand {
    /// Probe every service once and print one line per service (exit 1 if any is unhealthy)
    Check(CheckArgs),
    /// Print the effective configuration, secrets masked
    Config(ConfigArgs),
    /// Services with their containers, other project containers and Coder workspaces
    Ps(PsArgs),
    /// Coder's workspaces joined to their containers, with agent states (exit 1 if an agent of a
    /// started workspace is not connected and ready)
    Workspaces(WorkspacesArgs),
    /// Log lines of a service, a workspace (owner/workspace) or a container, sanitised for pipes
    Logs(LogsArgs),
    /// Users across Authentik, Gitea and Coder compared with the policy (exit 1 on findings)
    Users(UsersArgs),
    /// Diagnose networking and SSO: findings with evidence and fixes (exit 1 if any fails)
    Doctor(DoctorArgs),
    /// Apply compose configuration changes: `up -d SERVICE…` (recreates only what changed)
    Up(UpArgs),
    /// Restart compose services (keeps the container and its old environment)
    Restart(RestartArgs),
    /// Compose services whose running container differs from the configuration (exit 1 if any)
    Drift(DriftArgs),
    /// What happened to the stack, newest first: engine events, actions, findings
    Timeline(TimelineArgs),
    /// Write a support bundle: one .tar.gz of reports, inspects, logs and the timeline, secrets removed
    Bundle(BundleArgs),
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

#[derive(Debug, Args)]
pub struct PsArgs {
    /// Print machine-readable JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct WorkspacesArgs {
    /// Print machine-readable JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// A service key (`coder`), a workspace as `owner/workspace`, or a container name
    pub name: String,

    /// Keep printing new lines as they are written
    #[arg(long, short = 'f')]
    pub follow: bool,

    /// Only the last N lines (all by default)
    #[arg(long, value_name = "N")]
    pub tail: Option<usize>,

    /// Only lines newer than this (e.g. 10m, 1h, 30s)
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub since: Option<Duration>,

    /// Only lines matching this regex (smart case: case-insensitive unless it has capitals)
    #[arg(long, value_name = "RE")]
    pub grep: Option<String>,

    /// Print a hint (diagnosis and fix) the first time a known issue shows up
    #[arg(long)]
    pub hints: bool,

    /// Prefix lines with the engine's timestamp
    #[arg(long, short = 't')]
    pub timestamps: bool,
}

#[derive(Debug, Args)]
pub struct UsersArgs {
    /// Print machine-readable JSON instead of text
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub action: Option<UsersAction>,
}

#[derive(Debug, clap::Subcommand)]
pub enum UsersAction {
    /// Create a person in Authentik, Gitea and Coder (re-running resumes or skips what exists)
    Create(CreateArgs),
    /// Apply the fixes for the findings (exit 1 when findings remain)
    Fix(FixArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[arg(long)]
    pub username: String,
    #[arg(long)]
    pub email: String,
    /// Display name
    #[arg(long)]
    pub name: String,
    /// The person's role; it sets their Gitea flags and Coder login (see --help)
    #[arg(long, value_parser = creatable_roles())]
    pub role: String,
    /// Read the initial password from this environment variable
    #[arg(long, value_name = "VAR", conflicts_with = "generate_password")]
    pub password_env: Option<String>,
    /// Make a random initial password and print it once
    #[arg(long)]
    pub generate_password: bool,
}

/// The roles `users create` accepts, each with what it grants (the embedded POC's roles).
fn creatable_roles() -> clap::builder::PossibleValuesParser {
    use clap::builder::PossibleValue;
    clap::builder::PossibleValuesParser::new([
        PossibleValue::new("contractor").help(
            "restricted in Gitea (sees only repositories granted to them), Coder member via SSO",
        ),
        PossibleValue::new("app-manager")
            .help("may create Gitea organisations and repositories, Coder member via SSO"),
        PossibleValue::new("read-only")
            .help("restricted in Gitea, no repositories of their own, Coder member via SSO"),
    ])
}

#[derive(Debug, Args)]
pub struct FixArgs {
    /// Print what would be done, change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Password for accounts the fixes create, from this environment variable
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    /// Only this person's findings are fixed (and reported)
    #[arg(long, value_name = "USERNAME")]
    pub user: Option<String>,
    /// Also delete and recreate this Coder user as oidc (repeatable; destructive; Coder
    /// refuses while they own workspaces)
    #[arg(long, value_name = "USERNAME")]
    pub recreate_coder: Vec<String>,
    /// Set this Coder user's login type to oidc in Coder's database (`docker exec … psql`,
    /// then read back); keeps their workspaces (repeatable)
    #[arg(long, value_name = "USERNAME")]
    pub coder_sql: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print machine-readable JSON instead of text
    #[arg(long)]
    pub json: bool,

    /// Only run these areas (repeatable or comma-separated)
    #[arg(long, value_name = "AREA", value_delimiter = ',', value_parser = ["networking", "sso"])]
    pub only: Vec<String>,
}

/// Which compose project (default: found from the running containers' labels).
#[derive(Debug, Args, Clone, Default)]
pub struct ProjectArgs {
    /// Compose project name
    #[arg(long = "project-name", short = 'p', value_name = "NAME")]
    pub project: Option<String>,
    /// Compose file (repeatable, in order)
    #[arg(long = "compose-file", short = 'f', value_name = "FILE")]
    pub compose_files: Vec<PathBuf>,
    /// Directory `.env` and relative paths are read from (default: the first file's)
    #[arg(long, value_name = "DIR")]
    pub project_directory: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Compose services to apply (`up -d`): recreated only when their configuration changed
    #[arg(required = true, value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Recreate even when nothing changed (`up -d --force-recreate --no-deps`)
    #[arg(long)]
    pub force_recreate: bool,
    /// Print the commands, run nothing
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub project: ProjectArgs,
}

#[derive(Debug, Args)]
pub struct RestartArgs {
    /// Compose services to restart (same container, same environment)
    #[arg(required = true, value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Print the commands, run nothing
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub project: ProjectArgs,
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    /// Print machine-readable JSON instead of text
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub project: ProjectArgs,
}

#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// Only entries newer than this (e.g. 2h, 30m, 7d)
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub since: Option<Duration>,

    /// Only entries about this service, container or workspace (repeatable)
    #[arg(long = "service", short = 's', value_name = "NAME")]
    pub services: Vec<String>,

    /// Print machine-readable JSON instead of text
    #[arg(long)]
    pub json: bool,

    /// Show every entry; do not fold repeats
    #[arg(long)]
    pub no_fold: bool,
}

#[derive(Debug, Args)]
pub struct BundleArgs {
    /// The archive to write (default: poc-tui-bundle-<time>.tar.gz here); never overwritten
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Log lines per container (at most 100000)
    #[arg(long, value_name = "N", default_value_t = crate::bundle::DEFAULT_LINES, value_parser = bundle_lines)]
    pub lines: usize,
}

/// Most log lines `bundle --lines` may ask for per container.
pub const MAX_BUNDLE_LINES: usize = 100_000;

fn bundle_lines(text: &str) -> Result<usize, String> {
    let n: usize = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of lines"))?;
    if n > MAX_BUNDLE_LINES {
        return Err(format!("at most {MAX_BUNDLE_LINES} lines per container"));
    }
    Ok(n)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }

    #[test]
    fn bundle_lines_are_bounded() {
        use clap::Parser;
        let parse = |n: &str| super::Cli::try_parse_from(["poc-tui", "bundle", "--lines", n]);
        assert!(parse("100000").is_ok());
        let too_many = parse("100001").unwrap_err();
        assert_eq!(too_many.exit_code(), 2);
        assert!(
            too_many.to_string().contains("at most 100000"),
            "{too_many}"
        );
        assert!(parse("many").is_err());
    }
}
