//! The `[identity]` table of the config: choices the reference leaves to the operator about
//! how the Users tab creates and checks accounts.

use serde::{Deserialize, Serialize};

/// How accounts in Coder come to exist for people who sign in through SSO.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CoderAccounts {
    /// poc-tui creates them with `login_type = "oidc"`.
    #[default]
    CreateOidc,
    /// Coder creates them at the person's first SSO login; a missing account is expected.
    FirstLogin,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct IdentitySettings {
    #[serde(default)]
    pub coder_accounts: CoderAccounts,
    /// Gitea's auth source id for Authentik. Unset: learned from existing external accounts;
    /// with none, new Gitea accounts are local (with a password), as in the manual.
    #[serde(default)]
    pub gitea_source_id: Option<i64>,
    /// Timeout of every identity API request, in milliseconds.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_timeout_ms() -> u64 {
    8000
}

impl Default for IdentitySettings {
    fn default() -> Self {
        IdentitySettings {
            coder_accounts: CoderAccounts::default(),
            gitea_source_id: None,
            timeout_ms: default_timeout_ms(),
        }
    }
}
