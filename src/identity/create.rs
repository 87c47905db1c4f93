//! Creating a person in every system, step by step. Each step first looks at what exists, so
//! running again skips what is done; a failure stops the run and leaves a report whose
//! unfinished steps a later run (a resume) completes.

use serde::{Deserialize, Serialize};

use super::api::{ApiError, System};
use super::authentik::{AuthentikClient, AuthentikUser};
use super::clients::Clients;
use super::gitea::{GiteaClient, NewGiteaUser};
use super::groups::{missing_groups, role_groups};
use super::policy::{gitea_source, role_gitea_edit};
use super::secret::Sensitive;
use crate::config::{CoderAccounts, IdentitySettings};
use crate::config::{Config, RoleConfig};

/// The roles a person can be created with (the manual's checklist).
pub const CREATABLE_ROLES: [&str; 3] = ["contractor", "app-manager", "read-only"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    pub username: String,
    pub email: String,
    pub name: String,
    pub role: String,
}

impl NewUser {
    /// Checks the fields against the config; the message names the field.
    pub fn validate(&self, config: &Config) -> Result<(), String> {
        let u = &self.username;
        if u.is_empty()
            || u.len() > 40
            || !u
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            || u.starts_with(['-', '.'])
        {
            return Err(format!(
                "username {u:?}: use 1-40 letters, digits, '-', '_' or '.'"
            ));
        }
        let e = &self.email;
        let valid_email = e.len() <= 254
            && e.split_once('@').is_some_and(|(l, d)| {
                !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
            })
            && !e.chars().any(|c| c.is_whitespace() || c.is_control());
        if !valid_email {
            return Err(format!("email {e:?} is not an email address"));
        }
        if self.name.trim().is_empty() || self.name.chars().any(char::is_control) {
            return Err("name: give a display name".into());
        }
        if !CREATABLE_ROLES.contains(&self.role.as_str()) || !config.roles.contains_key(&self.role)
        {
            return Err(format!(
                "role {:?}: choose one of {}",
                self.role,
                CREATABLE_ROLES.join(", ")
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    AuthentikAccount,
    AuthentikPassword,
    /// The Authentik groups the role's other people are in.
    AuthentikGroups,
    GiteaAccount,
    GiteaFlags,
    CoderAccount,
}

impl StepKind {
    pub const ALL: [StepKind; 6] = [
        StepKind::AuthentikAccount,
        StepKind::AuthentikPassword,
        StepKind::AuthentikGroups,
        StepKind::GiteaAccount,
        StepKind::GiteaFlags,
        StepKind::CoderAccount,
    ];

    pub fn label(self) -> &'static str {
        match self {
            StepKind::AuthentikAccount => "Authentik: account",
            StepKind::AuthentikPassword => "Authentik: password",
            StepKind::AuthentikGroups => "Authentik: groups",
            StepKind::GiteaAccount => "Gitea: account",
            StepKind::GiteaFlags => "Gitea: role flags",
            StepKind::CoderAccount => "Coder: account (oidc)",
        }
    }

    pub fn system(self) -> System {
        match self {
            StepKind::AuthentikAccount
            | StepKind::AuthentikPassword
            | StepKind::AuthentikGroups => System::Authentik,
            StepKind::GiteaAccount | StepKind::GiteaFlags => System::Gitea,
            StepKind::CoderAccount => System::Coder,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum StepStatus {
    Pending,
    Running,
    /// `changed`: this run created or changed something (false: it was already so).
    Done {
        detail: String,
        changed: bool,
    },
    Skipped {
        reason: String,
    },
    Failed {
        error: String,
    },
}

impl StepStatus {
    pub fn is_finished(&self) -> bool {
        matches!(self, StepStatus::Done { .. } | StepStatus::Skipped { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub kind: StepKind,
    #[serde(flatten)]
    pub status: StepStatus,
}

/// What was done and what was not. Holds no secret, so it can be saved for a resume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateReport {
    pub user: NewUser,
    pub steps: Vec<Step>,
}

impl CreateReport {
    pub fn plan(user: NewUser) -> Self {
        CreateReport {
            user,
            steps: StepKind::ALL
                .iter()
                .map(|k| Step {
                    kind: *k,
                    status: StepStatus::Pending,
                })
                .collect(),
        }
    }

    pub fn is_complete(&self) -> bool {
        self.steps.iter().all(|s| s.status.is_finished())
    }

    pub fn failed(&self) -> Option<&Step> {
        self.steps
            .iter()
            .find(|s| matches!(s.status, StepStatus::Failed { .. }))
    }

    pub fn status(&self, kind: StepKind) -> Option<&StepStatus> {
        self.steps
            .iter()
            .find(|s| s.kind == kind)
            .map(|s| &s.status)
    }

    /// Did this report's run create the account (so its password and flags are ours to set)?
    fn created(&self, kind: StepKind) -> bool {
        matches!(
            self.status(kind),
            Some(StepStatus::Done { changed: true, .. })
        )
    }

    /// Did any step change anything?
    pub fn changed_anything(&self) -> bool {
        self.steps
            .iter()
            .any(|s| matches!(s.status, StepStatus::Done { changed: true, .. }))
    }

    fn set(&mut self, kind: StepKind, status: StepStatus) {
        if let Some(s) = self.steps.iter_mut().find(|s| s.kind == kind) {
            s.status = status;
        }
    }
}

/// Everything a run needs besides the report.
pub struct CreateContext<'a> {
    pub clients: &'a Clients,
    pub config: &'a Config,
    pub settings: &'a IdentitySettings,
    /// The Authentik (and local Gitea) password; `None` sets no Authentik password and gives
    /// a local Gitea account a random one.
    pub password: Option<&'a Sensitive>,
}

/// Runs every unfinished step in order, reporting after each change; stops at the first
/// failure and returns the API error that stopped it. Calling it again with the same report
/// resumes.
pub async fn run(
    report: &mut CreateReport,
    ctx: &CreateContext<'_>,
    mut progress: impl FnMut(&CreateReport),
) -> Option<ApiError> {
    let Some(role) = ctx.config.roles.get(&report.user.role) else {
        if let Some(first) = report.steps.first_mut() {
            first.status = StepStatus::Failed {
                error: format!("unknown role {:?}", report.user.role),
            };
        }
        progress(report);
        return None;
    };
    for kind in StepKind::ALL {
        if report.status(kind).is_some_and(StepStatus::is_finished) {
            continue;
        }
        report.set(kind, StepStatus::Running);
        progress(report);
        let (status, error) = match step(kind, report, role, ctx).await {
            Ok(s) => (s, None),
            Err(e) => (
                StepStatus::Failed {
                    error: e.to_string(),
                },
                Some(e),
            ),
        };
        let failed = matches!(status, StepStatus::Failed { .. });
        tracing::info!(user = %report.user.username, step = kind.label(), ?status, "create user step");
        report.set(kind, status);
        progress(report);
        if failed {
            return error;
        }
    }
    None
}

fn done(detail: impl Into<String>, changed: bool) -> StepStatus {
    StepStatus::Done {
        detail: detail.into(),
        changed,
    }
}

fn skipped(reason: impl Into<String>) -> StepStatus {
    StepStatus::Skipped {
        reason: reason.into(),
    }
}

fn client<T: Clone>(r: &Result<T, ApiError>) -> Result<T, ApiError> {
    r.clone()
}

/// One step of the flow: what it found, did, or why it was skipped.
async fn step(
    kind: StepKind,
    report: &CreateReport,
    role: &RoleConfig,
    ctx: &CreateContext<'_>,
) -> Result<StepStatus, ApiError> {
    match kind {
        StepKind::AuthentikAccount => authentik_account(report, role, ctx).await,
        StepKind::AuthentikPassword => authentik_password(report, role, ctx).await,
        StepKind::AuthentikGroups => authentik_groups(report, role, ctx).await,
        StepKind::GiteaAccount => gitea_account(report, role, ctx).await,
        StepKind::GiteaFlags => gitea_flags(report, role, ctx).await,
        StepKind::CoderAccount => coder_account(report, role, ctx).await,
    }
}

async fn authentik_account(
    report: &CreateReport,
    role: &RoleConfig,
    ctx: &CreateContext<'_>,
) -> Result<StepStatus, ApiError> {
    let u = &report.user;
    if !role.authentik.required {
        return Ok(skipped("the role does not sign in through SSO"));
    }
    let ak = client(&ctx.clients.authentik)?;
    if let Some(existing) = ak.find_user(&u.username).await? {
        return Ok(done(format!("exists (pk {})", existing.pk), false));
    }
    let created = ak.create_user(&u.username, &u.name, &u.email).await?;
    Ok(done(format!("created (pk {})", created.pk), true))
}

async fn authentik_password(
    report: &CreateReport,
    role: &RoleConfig,
    ctx: &CreateContext<'_>,
) -> Result<StepStatus, ApiError> {
    if !role.authentik.required {
        return Ok(skipped("the role does not sign in through SSO"));
    }
    if !report.created(StepKind::AuthentikAccount) {
        return Ok(skipped(
            "the account existed; its password is left as it is",
        ));
    }
    let Some(password) = ctx.password else {
        return Ok(skipped(format!(
            "no password given: they cannot sign in until one is set (f in the Users tab, \
             `poc-tui users fix --user {} --password-env VAR`, or in Authentik)",
            report.user.username
        )));
    };
    let ak = client(&ctx.clients.authentik)?;
    set_authentik_password(&ak, &report.user.username, password).await?;
    Ok(done("set", true))
}

/// Adds the account to the groups most of the role's other configured people are in.
async fn authentik_groups(
    report: &CreateReport,
    role: &RoleConfig,
    ctx: &CreateContext<'_>,
) -> Result<StepStatus, ApiError> {
    let u = &report.user;
    if !role.authentik.required {
        return Ok(skipped("the role does not sign in through SSO"));
    }
    let ak = client(&ctx.clients.authentik)?;
    let all = ak.list_users().await?;
    let Some(me) = all.iter().find(|a| a.username == u.username) else {
        return Err(ApiError::Refused {
            system: System::Authentik,
            message: format!("{} vanished before its groups were set", u.username),
        });
    };
    let peers: Vec<&AuthentikUser> = all
        .iter()
        .filter(|a| {
            a.username != u.username
                && ctx
                    .config
                    .users
                    .iter()
                    .any(|(name, c)| c.role == u.role && name.eq_ignore_ascii_case(&a.username))
        })
        .collect();
    if role_groups(&peers).is_empty() {
        return Ok(skipped(format!(
            "no group that most other {} people are in",
            u.role
        )));
    }
    let missing = missing_groups(me, &peers);
    if missing.is_empty() {
        return Ok(done("already in the role's groups", false));
    }
    for (group, _) in &missing {
        ak.add_to_group(me.pk, group).await?;
    }
    let names: Vec<&str> = missing.iter().map(|(g, _)| g.as_str()).collect();
    Ok(done(format!("added to {}", names.join(", ")), true))
}

async fn gitea_account(
    report: &CreateReport,
    role: &RoleConfig,
    ctx: &CreateContext<'_>,
) -> Result<StepStatus, ApiError> {
    let u = &report.user;
    let gitea = client(&ctx.clients.gitea)?;
    let all = gitea.list_users().await?;
    if let Some(existing) = all
        .iter()
        .find(|g| g.login.eq_ignore_ascii_case(&u.username))
    {
        let kind = if existing.is_external() {
            "external"
        } else {
            "local"
        };
        return Ok(done(format!("exists ({kind})"), false));
    }
    let source = match (role.authentik.required, gitea_source(ctx.settings, &all)) {
        (true, Some(id)) => Some((id, authentik_uid(ctx, &u.username).await)),
        _ => None,
    };
    let password = match ctx.password {
        Some(p) => p.clone(),
        None => Sensitive::generate().map_err(|e| ApiError::Refused {
            system: System::Gitea,
            message: format!("cannot make a password: {e}"),
        })?,
    };
    let new = NewGiteaUser {
        username: u.username.clone(),
        email: u.email.clone(),
        full_name: u.name.clone(),
        password,
        restricted: role.gitea.restricted,
        source: source.clone(),
    };
    let created = gitea.create_user(&new).await?;
    let how = match source {
        Some((id, _)) => format!("external, source {id}"),
        None => "local".to_owned(),
    };
    Ok(done(format!("created (id {}, {how})", created.id), true))
}

async fn gitea_flags(
    report: &CreateReport,
    role: &RoleConfig,
    ctx: &CreateContext<'_>,
) -> Result<StepStatus, ApiError> {
    let gitea = client(&ctx.clients.gitea)?;
    let current = find_gitea(&gitea, &report.user.username).await?;
    let g = role.gitea;
    let differs = current.is_admin != g.admin
        || current.restricted != g.restricted
        || current
            .allow_create_organization
            .is_some_and(|v| v != g.can_create_org);
    if !differs && !report.created(StepKind::GiteaAccount) {
        return Ok(done("already as the role wants", false));
    }
    gitea.edit_user(&current, &role_gitea_edit(role)).await?;
    Ok(done(
        format!(
            "restricted={}, can create org={}, admin={}",
            g.restricted, g.can_create_org, g.admin
        ),
        true,
    ))
}

async fn coder_account(
    report: &CreateReport,
    role: &RoleConfig,
    ctx: &CreateContext<'_>,
) -> Result<StepStatus, ApiError> {
    let u = &report.user;
    if role.coder.login_type != "oidc" {
        return Ok(skipped(
            "the role signs in with a password: create it in Coder",
        ));
    }
    if ctx.settings.coder_accounts == CoderAccounts::FirstLogin {
        return Ok(skipped("Coder creates it at the first SSO login"));
    }
    let coder = client(&ctx.clients.coder)?;
    if let Some(existing) = coder.find_user(&u.username).await? {
        return Ok(done(
            format!("exists (login_type {})", existing.login_type),
            false,
        ));
    }
    let created = coder
        .create_oidc_user(&u.username, &u.email, &u.name)
        .await?;
    Ok(done(
        format!("created (login_type {})", created.login_type),
        true,
    ))
}

/// Sets the password of the Authentik user named `username`.
pub async fn set_authentik_password(
    ak: &AuthentikClient,
    username: &str,
    password: &Sensitive,
) -> Result<(), ApiError> {
    let user = ak
        .find_user(username)
        .await?
        .ok_or_else(|| ApiError::Refused {
            system: System::Authentik,
            message: format!("{username} vanished before its password was set"),
        })?;
    ak.set_password(user.pk, password).await
}

pub async fn find_gitea(
    gitea: &GiteaClient,
    username: &str,
) -> Result<super::gitea::GiteaUser, ApiError> {
    gitea
        .find_user(username)
        .await?
        .ok_or_else(|| ApiError::Refused {
            system: System::Gitea,
            message: format!("{username} not found"),
        })
}

/// The OIDC subject Gitea will see for `username`: Authentik's `uid`, else the username.
async fn authentik_uid(ctx: &CreateContext<'_>, username: &str) -> String {
    if let Ok(ak) = &ctx.clients.authentik {
        if let Ok(Some(u)) = ak.find_user(username).await {
            if let Some(uid) = u.uid.filter(|s| !s.is_empty()) {
                return uid;
            }
        }
    }
    username.to_owned()
}
