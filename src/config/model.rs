//! The typed shape of the configuration: what `assets/poc.toml` and a user file describe.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::secret::Secret;
use crate::health::spec::ProbeSpec;

/// The whole effective configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub stack: StackConfig,
    pub probes: ProbeConfig,
    /// Services keyed by their short name, in display order.
    pub services: IndexMap<String, ServiceConfig>,
    #[serde(default)]
    pub roles: IndexMap<String, RoleConfig>,
    #[serde(default)]
    pub users: IndexMap<String, UserConfig>,
    pub sso: SsoConfig,
    pub network: NetworkConfig,
    #[serde(default)]
    pub credentials: CredentialsConfig,
    /// How the Users tab creates and checks accounts.
    #[serde(default)]
    pub identity: super::IdentitySettings,
    /// The log view and `poc-tui logs`.
    #[serde(default)]
    pub logs: LogsConfig,
    /// How the Networking and SSO tabs re-run their checks.
    #[serde(default)]
    pub diagnose: DiagnoseSettings,
    /// How the Services tab reads Coder's view of the workspaces.
    #[serde(default)]
    pub coder: WorkspacesConfig,
}

/// `[coder]`: how often the workspace list is read from Coder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkspacesConfig {
    /// Seconds between background reads of the workspace list; 0 turns the schedule off
    /// (the list is still read when the Services tab opens, on Ctrl-R and on a workspace
    /// container's Docker event).
    pub workspaces_interval_secs: u64,
}

impl Default for WorkspacesConfig {
    fn default() -> Self {
        WorkspacesConfig {
            workspaces_interval_secs: 30,
        }
    }
}

/// `[logs]`: how much history a log view loads and keeps, and the user's own known issues.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogsConfig {
    /// Lines of history shown at once when a log view opens.
    pub tail: usize,
    /// Lines a log view keeps; older ones are dropped and counted.
    pub max_lines: usize,
    /// Extra log patterns with a diagnosis and fix, added to the built-in ones.
    pub known_issues: Vec<crate::logs::KnownIssueSpec>,
}

impl Default for LogsConfig {
    fn default() -> Self {
        LogsConfig {
            tail: 1000,
            max_lines: 50_000,
            known_issues: Vec::new(),
        }
    }
}

/// The Networking and SSO tabs' schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiagnoseSettings {
    /// Seconds between background passes once a tab has run one; 0 turns the schedule off.
    #[serde(default = "default_diagnose_interval")]
    pub interval_secs: u64,
    /// A check that fails against a container started less than this many seconds ago is
    /// "starting": it is checked again once the container is this old, and fails only then.
    /// 0 turns the grace off.
    #[serde(default = "default_starting_grace")]
    pub starting_grace_secs: u64,
}

fn default_diagnose_interval() -> u64 {
    300
}

fn default_starting_grace() -> u64 {
    30
}

impl Default for DiagnoseSettings {
    fn default() -> Self {
        DiagnoseSettings {
            interval_secs: default_diagnose_interval(),
            starting_grace_secs: default_starting_grace(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StackConfig {
    pub name: String,
    /// Compose project name; empty matches containers by service and container name only.
    #[serde(default)]
    pub compose_project: String,
    /// The compose files of `compose_project`, in `-f` order. When set, the files named by
    /// container labels are never used for it. Relative paths start at `compose_directory`.
    #[serde(default)]
    pub compose_files: Vec<String>,
    /// The project directory (where `.env` is); empty: the first file's directory.
    #[serde(default)]
    pub compose_directory: String,
    pub network: String,
    pub host_alias: String,
    /// Longest a compose action (`u`, `R`, `poc-tui up` …) may run before it is stopped.
    #[serde(default = "default_action_deadline")]
    pub action_deadline_secs: u64,
}

fn default_action_deadline() -> u64 {
    600
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeConfig {
    pub interval_secs: u64,
    pub timeout_ms: u64,
    pub body_limit_bytes: usize,
    pub slow_after_ms: u64,
    /// How many past checks each service keeps for its sparkline.
    pub history: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    pub display: String,
    pub purpose: String,
    #[serde(default)]
    pub compose_service: Option<String>,
    #[serde(default)]
    pub container: Option<String>,
    #[serde(default)]
    pub host_url: Option<String>,
    #[serde(default)]
    pub internal_url: Option<String>,
    #[serde(default)]
    pub browser_url: Option<String>,
    #[serde(default)]
    pub probe: Option<ProbeSpec>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleConfig {
    pub description: String,
    pub gitea: GiteaPolicy,
    pub coder: CoderPolicy,
    pub authentik: AuthentikPolicy,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct GiteaPolicy {
    pub admin: bool,
    pub restricted: bool,
    pub can_create_org: bool,
    pub can_create_repo: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CoderPolicy {
    /// `owner` or `member`.
    pub role: String,
    /// `oidc` or `password`.
    pub login_type: String,
    pub can_create_workspaces: bool,
    pub can_create_templates: bool,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AuthentikPolicy {
    /// Must the user exist in Authentik (to log in through SSO)?
    pub required: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    pub role: String,
    pub email: String,
    /// Systems this user is expected in; empty means every system the role covers.
    #[serde(default)]
    pub systems: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsoConfig {
    /// The service key of the identity provider.
    pub provider_service: String,
    /// Issuer URL prefix; a client's issuer is this plus `<slug>/`.
    pub issuer_base: String,
    #[serde(default)]
    pub clients: IndexMap<String, SsoClientConfig>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsoClientConfig {
    pub service: String,
    pub slug: String,
    pub base_url: String,
    pub callback_path: String,
    /// The issuer URL the service is configured with, when its own configuration does not
    /// reveal it (Gitea keeps it in its database): only then is it judged.
    #[serde(default)]
    pub issuer: Option<String>,
}

impl SsoClientConfig {
    /// The redirect URI the service will send to the identity provider.
    pub fn callback_url(&self) -> String {
        join_url(&self.base_url, &self.callback_path)
    }
}

impl SsoConfig {
    /// The issuer URL a client with `slug` should be configured with.
    pub fn issuer_for(&self, slug: &str) -> String {
        format!("{}{slug}/", ensure_trailing_slash(&self.issuer_base))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// The `CODER_ACCESS_URL` the stack should run with.
    pub coder_access_url: String,
    /// Services (or `workspaces`) that need `host.docker.internal:host-gateway` on Linux.
    #[serde(default)]
    pub needs_host_gateway: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialsConfig {
    #[serde(default)]
    pub coder: Option<SystemCredentials>,
    #[serde(default)]
    pub gitea: Option<SystemCredentials>,
    #[serde(default)]
    pub authentik: Option<SystemCredentials>,
    #[serde(default)]
    pub minio: Option<SystemCredentials>,
}

/// How poc-tui logs in to one system; which fields matter depends on the system.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemCredentials {
    pub url: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub password: Option<Secret>,
    #[serde(default)]
    pub token: Option<Secret>,
}

fn ensure_trailing_slash(s: &str) -> String {
    if s.ends_with('/') {
        s.to_owned()
    } else {
        format!("{s}/")
    }
}

/// Joins a base URL and a path with exactly one slash between them.
pub fn join_url(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}
