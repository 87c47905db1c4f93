//! The identity matrix: one row per person, each system's cells compared with the policy,
//! and the findings that follow from the differences.

use std::collections::HashMap;

use serde::Serialize;

use super::api::System;
use super::authentik::AuthentikUser;
use super::checks::Ctx;
use super::clients::Snapshot;
use super::coder::CoderUser;
use super::findings::Finding;
use super::gitea::{GiteaEdit, GiteaUser};
use crate::config::{Config, IdentitySettings, RoleConfig};

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
    pub(super) fn new(value: impl Into<String>, verdict: Verdict) -> Self {
        Cell {
            value: value.into(),
            verdict,
        }
    }
    pub(super) fn info(value: impl Into<String>) -> Self {
        Cell::new(value, Verdict::Info)
    }
    pub(super) fn blank() -> Self {
        Cell::info("—")
    }
    /// `actual` against `expected` (when a policy applies).
    pub(super) fn compare(actual: &str, expected: Option<&str>) -> Self {
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
    pub(super) fn flag(actual: bool, expected: Option<bool>) -> Self {
        Cell::compare(yes_no(actual), expected.map(yes_no))
    }
}

pub(super) fn yes_no(v: bool) -> &'static str {
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
pub(super) struct Policy<'a> {
    pub(super) role_name: &'a str,
    pub(super) role: &'a RoleConfig,
    pub(super) authentik: bool,
    pub(super) gitea: bool,
    pub(super) coder: bool,
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

pub(super) struct Lists<'a> {
    pub(super) authentik: Result<&'a [AuthentikUser], String>,
    pub(super) gitea: Result<&'a [GiteaUser], String>,
    pub(super) coder: Result<&'a [CoderUser], String>,
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
