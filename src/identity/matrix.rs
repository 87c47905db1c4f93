//! The identity matrix: one row per person, each system's cells compared with the policy,
//! and the findings that follow from the differences.

use std::collections::HashMap;

use serde::Serialize;

use super::api::System;
use super::authentik::AuthentikUser;
use super::clients::Snapshot;
use super::coder::CoderUser;
use super::findings::{coder_login_type_sql, Finding, FindingKind, Fix};
use super::gitea::{GiteaEdit, GiteaUser};
use super::settings::{CoderAccounts, IdentitySettings};
use crate::config::{Config, RoleConfig};

/// How one cell compares with the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    Ok,
    Different {
        expected: String,
    },
    Missing,
    /// Not there yet, and that is expected (Coder creates it at first SSO login).
    Pending,
    /// The system was not read: its reason is in the exists cell.
    Unreachable,
    /// No policy applies (not expected in this system, or not a managed user).
    Info,
    /// The system does not report this value.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    pub value: String,
    #[serde(flatten)]
    pub verdict: Verdict,
}

impl Cell {
    fn new(value: impl Into<String>, verdict: Verdict) -> Self {
        Cell {
            value: value.into(),
            verdict,
        }
    }
    fn info(value: impl Into<String>) -> Self {
        Cell::new(value, Verdict::Info)
    }
    fn blank() -> Self {
        Cell::info("—")
    }
    /// `actual` against `expected` (when a policy applies).
    fn compare(actual: &str, expected: Option<&str>) -> Self {
        match expected {
            None => Cell::info(actual),
            Some(e) if e == actual => Cell::new(actual, Verdict::Ok),
            Some(e) => Cell::new(
                actual,
                Verdict::Different {
                    expected: e.to_owned(),
                },
            ),
        }
    }
    fn flag(actual: bool, expected: Option<bool>) -> Self {
        Cell::compare(yes_no(actual), expected.map(yes_no))
    }
}

fn yes_no(v: bool) -> &'static str {
    if v {
        "yes"
    } else {
        "no"
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthentikCells {
    pub expected: bool,
    pub exists: Cell,
    pub active: Cell,
    pub groups: Cell,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GiteaCells {
    pub expected: bool,
    pub exists: Cell,
    pub admin: Cell,
    pub restricted: Cell,
    pub can_create_org: Cell,
    pub account: Cell,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoderCells {
    pub expected: bool,
    pub exists: Cell,
    pub login_type: Cell,
    pub roles: Cell,
    pub status: Cell,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatrixRow {
    pub username: String,
    pub email: Option<String>,
    /// The config's role; `None` for accounts found in a system but not in the config.
    pub role: Option<String>,
    pub authentik: AuthentikCells,
    pub gitea: GiteaCells,
    pub coder: CoderCells,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SystemStatus {
    pub system: System,
    pub reachable: bool,
    /// Why not, when not.
    pub reason: Option<String>,
    pub users: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Matrix {
    pub systems: Vec<SystemStatus>,
    pub rows: Vec<MatrixRow>,
    pub findings: Vec<Finding>,
    /// Gitea's auth source for Authentik, configured or learned from external accounts.
    pub gitea_source_id: Option<i64>,
}

impl Matrix {
    pub fn all_reachable(&self) -> bool {
        self.systems.iter().all(|s| s.reachable)
    }

    pub fn findings_for(&self, username: &str) -> impl Iterator<Item = &Finding> {
        let u = username.to_owned();
        self.findings.iter().filter(move |f| f.username == u)
    }
}

/// The expected policy for one configured user.
struct Policy<'a> {
    role_name: &'a str,
    role: &'a RoleConfig,
    authentik: bool,
    gitea: bool,
    coder: bool,
}

fn policy<'a>(config: &'a Config, user: &'a crate::config::UserConfig) -> Option<Policy<'a>> {
    let role = config.roles.get(&user.role)?;
    let in_system = |s: &str| user.systems.is_empty() || user.systems.iter().any(|x| x == s);
    Some(Policy {
        role_name: &user.role,
        role,
        authentik: in_system("authentik") && (role.authentik.required || !user.systems.is_empty()),
        gitea: in_system("gitea"),
        coder: in_system("coder"),
    })
}

/// Finds accounts by username (case-insensitive), then by email; each account is used once.
struct Pool<'a, T> {
    items: &'a [T],
    used: Vec<bool>,
    key: fn(&T) -> (&str, Option<&str>),
}

impl<'a, T> Pool<'a, T> {
    fn new(items: &'a [T], key: fn(&T) -> (&str, Option<&str>)) -> Self {
        Pool {
            items,
            used: vec![false; items.len()],
            key,
        }
    }

    fn take(&mut self, username: &str, email: Option<&str>) -> Option<&'a T> {
        let by_name = self
            .items
            .iter()
            .enumerate()
            .position(|(i, t)| !self.used[i] && (self.key)(t).0.eq_ignore_ascii_case(username));
        let by_email = || {
            let email = email.filter(|e| !e.is_empty())?;
            self.items.iter().enumerate().position(|(i, t)| {
                !self.used[i]
                    && (self.key)(t)
                        .1
                        .is_some_and(|e| e.eq_ignore_ascii_case(email))
            })
        };
        let i = by_name.or_else(by_email)?;
        self.used[i] = true;
        Some(&self.items[i])
    }

    fn leftovers(&self) -> impl Iterator<Item = &'a T> + '_ {
        self.items
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.used[*i])
            .map(|(_, t)| t)
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

struct Lists<'a> {
    authentik: Result<&'a [AuthentikUser], String>,
    gitea: Result<&'a [GiteaUser], String>,
    coder: Result<&'a [CoderUser], String>,
}

fn lists(snapshot: &Snapshot) -> Lists<'_> {
    fn one<T>(o: Option<&Result<Vec<T>, String>>) -> Result<&[T], String> {
        match o {
            None => Err("not read yet".to_owned()),
            Some(Ok(v)) => Ok(v.as_slice()),
            Some(Err(e)) => Err(e.clone()),
        }
    }
    Lists {
        authentik: one(snapshot.authentik.as_ref()),
        gitea: one(snapshot.gitea.as_ref()),
        coder: one(snapshot.coder.as_ref()),
    }
}

/// Computes the matrix and its findings.
pub fn compute(config: &Config, settings: &IdentitySettings, snapshot: &Snapshot) -> Matrix {
    let l = lists(snapshot);
    let ak_all: Vec<AuthentikUser> = l
        .authentik
        .as_ref()
        .map(|v| {
            v.iter()
                .filter(|u| !u.is_internal_service())
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let gitea_all = l.gitea.as_ref().map_or(&[][..], |v| *v);
    let coder_all = l.coder.as_ref().map_or(&[][..], |v| *v);
    let source_id = gitea_source(settings, gitea_all);

    let mut ak_pool = Pool::new(&ak_all, |u: &AuthentikUser| {
        (&u.username, u.email.as_deref())
    });
    let mut gitea_pool = Pool::new(gitea_all, |u: &GiteaUser| {
        (&u.login, Some(u.email.as_str()))
    });
    let mut coder_pool = Pool::new(coder_all, |u: &CoderUser| {
        (&u.username, Some(u.email.as_str()))
    });

    let mut ctx = Ctx {
        settings,
        lists: &l,
        source_id,
        findings: Vec::new(),
    };
    let mut rows = Vec::new();
    for (username, user) in &config.users {
        let p = policy(config, user);
        let ak = ak_pool.take(username, Some(&user.email));
        let gt = gitea_pool.take(username, Some(&user.email));
        let cd = coder_pool.take(username, Some(&user.email));
        rows.push(ctx.row(username, Some(&user.email), p.as_ref(), ak, gt, cd));
    }

    // Accounts found in a system but not in the config: one row per username.
    let mut extra: Vec<String> = ak_pool
        .leftovers()
        .map(|u| u.username.to_lowercase())
        .chain(gitea_pool.leftovers().map(|u| u.login.to_lowercase()))
        .chain(coder_pool.leftovers().map(|u| u.username.to_lowercase()))
        .collect();
    extra.sort();
    extra.dedup();
    for name in extra {
        let ak = ak_pool.take(&name, None);
        let gt = gitea_pool.take(&name, None);
        let cd = coder_pool.take(&name, None);
        let email = ak
            .and_then(|u| u.email.clone())
            .or_else(|| gt.map(|u| u.email.clone()))
            .or_else(|| cd.map(|u| u.email.clone()))
            .filter(|e| !e.is_empty());
        rows.push(ctx.row(&name, email.as_deref(), None, ak, gt, cd));
    }

    let systems = vec![
        status(
            System::Authentik,
            l.authentik.as_ref().map(|_| ak_all.len()),
        ),
        status(System::Gitea, l.gitea.as_ref().map(|v| v.len())),
        status(System::Coder, l.coder.as_ref().map(|v| v.len())),
    ];
    Matrix {
        systems,
        rows,
        findings: ctx.findings,
        gitea_source_id: source_id,
    }
}

fn status(system: System, r: Result<usize, &String>) -> SystemStatus {
    match r {
        Ok(n) => SystemStatus {
            system,
            reachable: true,
            reason: None,
            users: n,
        },
        Err(e) => SystemStatus {
            system,
            reachable: false,
            reason: Some(e.clone()),
            users: 0,
        },
    }
}

struct Ctx<'a> {
    settings: &'a IdentitySettings,
    lists: &'a Lists<'a>,
    source_id: Option<i64>,
    findings: Vec<Finding>,
}

fn unreachable_cells(reason: &str, n: usize) -> Vec<Cell> {
    let mut cells = vec![Cell::new(
        format!("unreachable: {reason}"),
        Verdict::Unreachable,
    )];
    cells.extend((1..n).map(|_| Cell::new("", Verdict::Unreachable)));
    cells
}

impl Ctx<'_> {
    fn find(
        &mut self,
        username: &str,
        system: System,
        kind: FindingKind,
        message: String,
        fix: Fix,
    ) {
        self.findings.push(Finding {
            username: username.to_owned(),
            system,
            kind,
            message,
            fix,
        });
    }

    fn row(
        &mut self,
        username: &str,
        email: Option<&str>,
        p: Option<&Policy<'_>>,
        ak: Option<&AuthentikUser>,
        gt: Option<&GiteaUser>,
        cd: Option<&CoderUser>,
    ) -> MatrixRow {
        let display_name = ak
            .and_then(|u| u.name.clone())
            .or_else(|| gt.map(|u| u.full_name.clone()))
            .or_else(|| cd.and_then(|u| u.name.clone()))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| username.to_owned());
        let email_s = email.unwrap_or_default().to_owned();
        let authentik = self.authentik_cells(username, &display_name, &email_s, p, ak);
        let gitea = self.gitea_cells(username, &display_name, &email_s, p, gt, ak);
        let coder = self.coder_cells(username, &display_name, &email_s, p, cd);
        MatrixRow {
            username: username.to_owned(),
            email: email.map(str::to_owned),
            role: p.map(|p| p.role_name.to_owned()),
            authentik,
            gitea,
            coder,
        }
    }

    fn authentik_cells(
        &mut self,
        username: &str,
        name: &str,
        email: &str,
        p: Option<&Policy<'_>>,
        ak: Option<&AuthentikUser>,
    ) -> AuthentikCells {
        let expected = p.is_some_and(|p| p.authentik);
        if let Err(reason) = &self.lists.authentik {
            let [exists, active, groups]: [Cell; 3] = unreachable_cells(reason, 3)
                .try_into()
                .unwrap_or_else(|_| [Cell::blank(), Cell::blank(), Cell::blank()]);
            return AuthentikCells {
                expected,
                exists,
                active,
                groups,
            };
        }
        let Some(u) = ak else {
            if expected {
                self.find(
                    username,
                    System::Authentik,
                    FindingKind::MissingInAuthentik,
                    format!("{username} is missing in Authentik, so SSO login fails everywhere"),
                    Fix::CreateAuthentik {
                        username: username.to_owned(),
                        name: name.to_owned(),
                        email: email.to_owned(),
                    },
                );
            }
            let exists = if expected {
                Cell::new("missing", Verdict::Missing)
            } else {
                Cell::blank()
            };
            return AuthentikCells {
                expected,
                exists,
                active: Cell::blank(),
                groups: Cell::blank(),
            };
        };
        let managed = p.is_some();
        if managed && !u.is_active {
            self.find(
                username,
                System::Authentik,
                FindingKind::AuthentikInactive,
                format!("{username} is deactivated in Authentik and cannot sign in"),
                Fix::Manual {
                    steps: "Authentik admin → Directory → Users → the user → Activate".into(),
                },
            );
        }
        let groups = u.group_names();
        AuthentikCells {
            expected,
            exists: Cell::compare("yes", managed.then_some("yes")),
            active: Cell::flag(u.is_active, managed.then_some(true)),
            groups: Cell::info(if groups.is_empty() {
                "—".to_owned()
            } else {
                groups.join(",")
            }),
        }
    }

    fn gitea_cells(
        &mut self,
        username: &str,
        name: &str,
        email: &str,
        p: Option<&Policy<'_>>,
        gt: Option<&GiteaUser>,
        ak: Option<&AuthentikUser>,
    ) -> GiteaCells {
        let expected = p.is_some_and(|p| p.gitea);
        if let Err(reason) = &self.lists.gitea {
            let c = unreachable_cells(reason, 5);
            let mut it = c.into_iter();
            let mut next = || it.next().unwrap_or_else(Cell::blank);
            return GiteaCells {
                expected,
                exists: next(),
                admin: next(),
                restricted: next(),
                can_create_org: next(),
                account: next(),
            };
        }
        let sso = p.is_some_and(|p| p.role.authentik.required && p.authentik);
        let login_name_for = |ak: Option<&AuthentikUser>| {
            ak.and_then(|u| u.uid.clone())
                .unwrap_or_else(|| username.to_owned())
        };
        let Some(u) = gt else {
            if let (true, Some(p)) = (expected, p) {
                let source = if sso {
                    self.source_id.map(|id| (id, login_name_for(ak)))
                } else {
                    None
                };
                self.find(
                    username,
                    System::Gitea,
                    FindingKind::MissingInGitea,
                    format!("{username} has no Gitea account"),
                    Fix::CreateGitea {
                        username: username.to_owned(),
                        name: name.to_owned(),
                        email: email.to_owned(),
                        restricted: p.role.gitea.restricted,
                        flags: role_gitea_edit(p.role),
                        source,
                    },
                );
            }
            let exists = if expected {
                Cell::new("missing", Verdict::Missing)
            } else {
                Cell::blank()
            };
            return GiteaCells {
                expected,
                exists,
                admin: Cell::blank(),
                restricted: Cell::blank(),
                can_create_org: Cell::blank(),
                account: Cell::blank(),
            };
        };
        let pol = p.filter(|p| p.gitea).map(|p| p.role.gitea);
        let admin = Cell::flag(u.is_admin, pol.map(|g| g.admin));
        let restricted = Cell::flag(u.restricted, pol.map(|g| g.restricted));
        let can_create_org = match u.allow_create_organization {
            Some(v) => Cell::flag(v, pol.map(|g| g.can_create_org)),
            None => Cell::new("?", Verdict::Unknown),
        };
        if let (Some(p), Some(g)) = (p, pol) {
            let differs = u.is_admin != g.admin
                || u.restricted != g.restricted
                || u.allow_create_organization
                    .is_some_and(|v| v != g.can_create_org);
            if differs {
                let mut what = Vec::new();
                if u.is_admin != g.admin {
                    what.push(format!(
                        "admin {} (role: {})",
                        yes_no(u.is_admin),
                        yes_no(g.admin)
                    ));
                }
                if u.restricted != g.restricted {
                    what.push(format!(
                        "restricted {} (role: {})",
                        yes_no(u.restricted),
                        yes_no(g.restricted)
                    ));
                }
                if let Some(v) = u
                    .allow_create_organization
                    .filter(|v| *v != g.can_create_org)
                {
                    what.push(format!(
                        "can create org {} (role: {})",
                        yes_no(v),
                        yes_no(g.can_create_org)
                    ));
                }
                let note = if u.is_external() {
                    "; if the auth source maps group claims, Gitea recomputes these at the next login"
                } else {
                    ""
                };
                self.find(
                    username,
                    System::Gitea,
                    FindingKind::GiteaFlags,
                    format!(
                        "Gitea flags of {username} differ from role {}: {}{note}",
                        p.role_name,
                        what.join(", ")
                    ),
                    Fix::EditGitea {
                        username: u.login.clone(),
                        edit: role_gitea_edit(p.role),
                    },
                );
            }
        }
        let kind = if u.is_external() {
            format!("external({})", u.source_id)
        } else {
            "local".to_owned()
        };
        let account = match (u.is_external(), sso && ak.is_some(), self.source_id) {
            (false, true, Some(id)) => {
                self.find(
                    username,
                    System::Gitea,
                    FindingKind::GiteaLocalDuplicate,
                    format!(
                        "{username} has a local Gitea account (source_id 0) beside the SSO identity; \
                         SSO login may create a second account"
                    ),
                    Fix::EditGitea {
                        username: u.login.clone(),
                        edit: GiteaEdit {
                            link_to_source: Some((id, login_name_for(ak))),
                            ..GiteaEdit::default()
                        },
                    },
                );
                Cell::new(
                    kind,
                    Verdict::Different {
                        expected: format!("external({id})"),
                    },
                )
            }
            (true, true, _) => Cell::new(kind, Verdict::Ok),
            _ => Cell::info(kind),
        };
        GiteaCells {
            expected,
            exists: Cell::compare("yes", p.is_some().then_some("yes")),
            admin,
            restricted,
            can_create_org,
            account,
        }
    }

    fn coder_cells(
        &mut self,
        username: &str,
        name: &str,
        email: &str,
        p: Option<&Policy<'_>>,
        cd: Option<&CoderUser>,
    ) -> CoderCells {
        let expected = p.is_some_and(|p| p.coder);
        if let Err(reason) = &self.lists.coder {
            let c = unreachable_cells(reason, 4);
            let mut it = c.into_iter();
            let mut next = || it.next().unwrap_or_else(Cell::blank);
            return CoderCells {
                expected,
                exists: next(),
                login_type: next(),
                roles: next(),
                status: next(),
            };
        }
        let pol = p.filter(|p| p.coder).map(|p| &p.role.coder);
        let Some(u) = cd else {
            let exists = match pol {
                None => Cell::blank(),
                Some(c)
                    if c.login_type == "oidc"
                        && self.settings.coder_accounts == CoderAccounts::FirstLogin =>
                {
                    Cell::new("at 1st login", Verdict::Pending)
                }
                Some(c) => {
                    let fix = if c.login_type == "oidc" {
                        Fix::CreateCoder {
                            username: username.to_owned(),
                            name: name.to_owned(),
                            email: email.to_owned(),
                        }
                    } else {
                        Fix::Manual {
                            steps: "create the account in Coder (Users → Create user, login type password)".into(),
                        }
                    };
                    self.find(
                        username,
                        System::Coder,
                        FindingKind::MissingInCoder,
                        format!("{username} has no Coder account"),
                        fix,
                    );
                    Cell::new("missing", Verdict::Missing)
                }
            };
            return CoderCells {
                expected,
                exists,
                login_type: Cell::blank(),
                roles: Cell::blank(),
                status: Cell::blank(),
            };
        };
        if let Some(c) = pol {
            if c.login_type == "oidc" && u.login_type == "password" {
                self.find(
                    username,
                    System::Coder,
                    FindingKind::CoderPasswordLogin,
                    format!(
                        "{username} has login_type password in Coder and cannot sign in through SSO \
                         (Coder has no admin API to change it)"
                    ),
                    Fix::RecreateCoderOidc {
                        user_id: u.id.clone(),
                        username: u.username.clone(),
                        name: u.name.clone().unwrap_or_else(|| name.to_owned()),
                        email: u.email.clone(),
                        sql: coder_login_type_sql(&u.email),
                    },
                );
            }
            if (c.role == "owner") != u.is_owner() {
                self.find(
                    username,
                    System::Coder,
                    FindingKind::CoderRole,
                    format!(
                        "{username}'s Coder role differs from the policy ({})",
                        c.role
                    ),
                    Fix::Manual {
                        steps: format!(
                            "Coder → Users → {} → roles (PUT /api/v2/users/{}/roles)",
                            u.username, u.username
                        ),
                    },
                );
            }
            if u.status == "suspended" {
                self.find(
                    username,
                    System::Coder,
                    FindingKind::CoderSuspended,
                    format!("{username} is suspended in Coder"),
                    Fix::Manual {
                        steps: format!("Coder → Users → {} → Activate", u.username),
                    },
                );
            }
        }
        let roles = if u.roles.is_empty() {
            "member".to_owned()
        } else {
            u.role_names().join(",")
        };
        let roles_cell = match pol {
            None => Cell::info(roles),
            Some(c) if (c.role == "owner") == u.is_owner() => Cell::new(roles, Verdict::Ok),
            Some(c) => Cell::new(
                roles,
                Verdict::Different {
                    expected: c.role.clone(),
                },
            ),
        };
        let status = match pol {
            Some(_) if u.status == "suspended" => Cell::new(
                u.status.clone(),
                Verdict::Different {
                    expected: "active".into(),
                },
            ),
            Some(_) => Cell::new(u.status.clone(), Verdict::Ok),
            None => Cell::info(u.status.clone()),
        };
        CoderCells {
            expected,
            exists: Cell::compare("yes", p.is_some().then_some("yes")),
            login_type: Cell::compare(&u.login_type, pol.map(|c| c.login_type.as_str())),
            roles: roles_cell,
            status,
        }
    }
}
