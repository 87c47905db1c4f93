//! Findings: where a system differs from the policy, and the fix for each.

use serde::{Deserialize, Serialize};

use super::api::System;
use super::gitea::GiteaEdit;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    MissingInAuthentik,
    MissingInGitea,
    MissingInCoder,
    GiteaFlags,
    GiteaLocalDuplicate,
    CoderPasswordLogin,
    CoderRole,
    CoderSuspended,
    AuthentikInactive,
    /// An account poc-tui created in Authentik without a password.
    AuthentikNoPassword,
    /// Not in an Authentik group most of the role's other people are in.
    AuthentikMissingGroup,
}

/// What would set a finding right.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Fix {
    /// Create the Authentik account (a password is set when one is given).
    CreateAuthentik {
        username: String,
        name: String,
        email: String,
    },
    /// Set the password of an Authentik account (needs one given: `--password-env`, or typed
    /// in the console).
    SetAuthentikPassword { username: String },
    /// Add the Authentik account to a group of its role.
    AddAuthentikGroup { username: String, group: String },
    /// Create the Gitea account, then apply the role's flags.
    CreateGitea {
        username: String,
        name: String,
        email: String,
        restricted: bool,
        flags: GiteaEdit,
        source: Option<(i64, String)>,
    },
    /// Create the Coder account with `login_type` `oidc`.
    CreateCoder {
        username: String,
        name: String,
        email: String,
    },
    /// PATCH the Gitea account (its current `login_name` and `source_id` are echoed).
    EditGitea { username: String, edit: GiteaEdit },
    /// Delete the Coder account and create it again as `oidc`: destructive, asks first.
    RecreateCoderOidc {
        user_id: String,
        username: String,
        name: String,
        email: String,
        /// The statement the manual uses, for an admin who prefers to run it deliberately.
        sql: String,
    },
    /// Set `login_type` to `oidc` in Coder's database (`command`: `docker exec … psql`, an
    /// argument list), then read the user back: for users who own workspaces, whom Coder
    /// will not delete. Asks first.
    CoderLoginTypeSql {
        username: String,
        email: String,
        command: Vec<String>,
    },
    /// Nothing poc-tui can do through the APIs; the steps to take by hand.
    Manual { steps: String },
}

impl Fix {
    /// Deletes something: needs an explicit confirmation.
    pub fn is_destructive(&self) -> bool {
        matches!(
            self,
            Fix::RecreateCoderOidc { .. } | Fix::CoderLoginTypeSql { .. }
        )
    }

    /// Something poc-tui can do (not a manual instruction).
    pub fn is_applicable(&self) -> bool {
        !matches!(self, Fix::Manual { .. })
    }

    /// Is this the fix to confirm for `asked`? The same fix, or what the preparation turned a
    /// delete-and-recreate into (the SQL route, or steps by hand) for the same user.
    pub fn answers(&self, asked: &Fix) -> bool {
        if self == asked {
            return true;
        }
        let Fix::RecreateCoderOidc { username, .. } = asked else {
            return false;
        };
        match self {
            Fix::CoderLoginTypeSql { username: u, .. } => u == username,
            Fix::Manual { steps } => steps.starts_with(&format!("{username} ")),
            _ => false,
        }
    }

    /// One line saying what the fix does.
    pub fn describe(&self) -> String {
        match self {
            Fix::CreateAuthentik { username, .. } => {
                format!("create {username} in Authentik (POST /api/v3/core/users/)")
            }
            Fix::SetAuthentikPassword { username } => format!(
                "set a password for {username} in Authentik: f in the Users tab asks for it; \
                 `poc-tui users fix --user {username} --password-env VAR`; or in Authentik's \
                 admin (Directory → Users → {username} → Set password)"
            ),
            Fix::AddAuthentikGroup { username, group } => format!(
                "add {username} to the Authentik group {group} \
                 (POST /api/v3/core/groups/…/add_user/)"
            ),
            Fix::CreateGitea {
                username, source, ..
            } => match source {
                Some((id, _)) => format!(
                    "create {username} in Gitea, external (source {id}), with the role's flags"
                ),
                None => format!("create {username} in Gitea (local account) with the role's flags"),
            },
            Fix::CreateCoder { username, .. } => {
                format!("create {username} in Coder with login_type oidc")
            }
            Fix::EditGitea { username, edit } => {
                let mut parts = Vec::new();
                if let Some(v) = edit.admin {
                    parts.push(format!("admin={v}"));
                }
                if let Some(v) = edit.restricted {
                    parts.push(format!("restricted={v}"));
                }
                if let Some(v) = edit.allow_create_organization {
                    parts.push(format!("allow_create_organization={v}"));
                }
                if let Some(v) = edit.max_repo_creation {
                    parts.push(format!("max_repo_creation={v}"));
                }
                if let Some((id, login)) = &edit.link_to_source {
                    parts.push(format!("source_id={id} login_name={login}"));
                }
                format!("PATCH Gitea user {username}: {}", parts.join(", "))
            }
            Fix::RecreateCoderOidc { username, sql, .. } => format!(
                "delete {username} in Coder and create again as oidc, only while they own no \
                 workspaces (`users fix --recreate-coder {username}`); or change it in Coder's \
                 database (`users fix --coder-sql {username}` runs: {sql}); {}",
                super::login_type::CONVERT_LOGIN
            ),
            Fix::CoderLoginTypeSql {
                username, command, ..
            } => format!(
                "set {username}'s login type to oidc in Coder's database: {}",
                super::login_type::shown(command)
            ),
            Fix::Manual { steps } => format!("by hand: {steps}"),
        }
    }
}

/// A difference between a system and the policy, with its fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyFinding {
    pub username: String,
    pub system: System,
    pub kind: FindingKind,
    pub message: String,
    pub fix: Fix,
}

/// The command poc-tui runs to flip a Coder login type in the database (`users fix
/// --coder-sql`): `docker exec` in the config's `coder-db` container, updating the one live
/// user with this id; or why it cannot be offered.
pub fn coder_login_type_sql(route: &super::login_type::SqlRoute, user_id: &str) -> String {
    match route.command(user_id) {
        Ok(argv) => super::login_type::shown(&argv),
        Err(why) => format!("not offered: {why}"),
    }
}
