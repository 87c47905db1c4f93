//! What the config wants of each person: the systems they belong in, their role's flags, and
//! the Gitea auth source SSO accounts are linked to.

use std::collections::HashMap;

use super::gitea::{GiteaEdit, GiteaUser};
use crate::config::{Config, IdentitySettings, RoleConfig, UserConfig};

/// The expected policy for one configured user.
pub(super) struct Policy<'a> {
    pub(super) role_name: &'a str,
    pub(super) role: &'a RoleConfig,
    pub(super) authentik: bool,
    pub(super) gitea: bool,
    pub(super) coder: bool,
}

impl<'a> Policy<'a> {
    /// The policy of a configured user; `None` when their role is not configured.
    pub(super) fn of(config: &'a Config, user: &'a UserConfig) -> Option<Self> {
        let role = config.roles.get(&user.role)?;
        let in_system = |s: &str| user.systems.is_empty() || user.systems.iter().any(|x| x == s);
        Some(Policy {
            role_name: &user.role,
            role,
            authentik: in_system("authentik")
                && (role.authentik.required || !user.systems.is_empty()),
            gitea: in_system("gitea"),
            coder: in_system("coder"),
        })
    }

    /// The person signs in to Gitea through Authentik.
    pub(super) fn uses_sso(&self) -> bool {
        self.role.authentik.required && self.authentik
    }
}

/// The most common non-zero `source_id` among Gitea accounts, unless configured.
pub(crate) fn gitea_source(settings: &IdentitySettings, gitea: &[GiteaUser]) -> Option<i64> {
    if settings.gitea_source_id.is_some() {
        return settings.gitea_source_id;
    }
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for u in gitea.iter().filter(|u| u.source_id != 0) {
        *counts.entry(u.source_id).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|(id, n)| (*n, -id))
        .map(|(id, _)| id)
}

/// The Gitea edit that makes an account match a role.
pub fn role_gitea_edit(role: &RoleConfig) -> GiteaEdit {
    GiteaEdit {
        admin: Some(role.gitea.admin),
        restricted: Some(role.gitea.restricted),
        allow_create_organization: Some(role.gitea.can_create_org),
        max_repo_creation: Some(if role.gitea.can_create_repo { -1 } else { 0 }),
        link_to_source: None,
    }
}
