//! The identity matrix: one row per person, each system's cells compared with the policy,
//! and the findings that follow from the differences. Accounts are matched to people here;
//! the comparisons themselves are the tables in `checks`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::api::System;
use super::authentik::AuthentikUser;
use super::cells::MatrixRow;
use super::checks::{Ctx, Lists};
use super::clients::Snapshot;
use super::coder::CoderUser;
use super::findings::PolicyFinding;
use super::gitea::GiteaUser;
use super::policy::{gitea_source, Policy};
use crate::config::{Config, IdentitySettings};

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
    pub findings: Vec<PolicyFinding>,
    /// Gitea's auth source for Authentik, configured or learned from external accounts.
    pub gitea_source_id: Option<i64>,
}

impl Matrix {
    pub fn all_reachable(&self) -> bool {
        self.systems.iter().all(|s| s.reachable)
    }

    pub fn findings_for(&self, username: &str) -> impl Iterator<Item = &PolicyFinding> {
        let u = username.to_owned();
        self.findings.iter().filter(move |f| f.username == u)
    }
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
    // The role's people with an Authentik account: they say which groups the role has.
    let mut members: BTreeMap<String, Vec<(String, &AuthentikUser)>> = BTreeMap::new();
    for (username, user) in &config.users {
        let p = Policy::of(config, user);
        let ak = ak_pool.take(username, Some(&user.email));
        let sso = config
            .roles
            .get(&user.role)
            .is_some_and(|r| r.authentik.required);
        if let Some(account) = ak.filter(|_| sso) {
            members
                .entry(user.role.clone())
                .or_default()
                .push((username.clone(), account));
        }
        let gt = gitea_pool.take(username, Some(&user.email));
        let cd = coder_pool.take(username, Some(&user.email));
        rows.push(ctx.row(username, Some(&user.email), p.as_ref(), (ak, gt, cd)));
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
        rows.push(ctx.row(&name, email.as_deref(), None, (ak, gt, cd)));
    }

    let systems = vec![
        status(
            System::Authentik,
            l.authentik.as_ref().map(|_| ak_all.len()),
        ),
        status(System::Gitea, l.gitea.as_ref().map(|v| v.len())),
        status(System::Coder, l.coder.as_ref().map(|v| v.len())),
    ];
    let route = super::login_type::SqlRoute::of(config, None);
    let mut findings = ctx.findings;
    findings.extend(super::groups::findings(&members, &mut rows));
    for f in &mut findings {
        if let super::findings::Fix::RecreateCoderOidc { user_id, sql, .. } = &mut f.fix {
            *sql = super::findings::coder_login_type_sql(&route, user_id);
        }
    }
    Matrix {
        systems,
        rows,
        findings,
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
