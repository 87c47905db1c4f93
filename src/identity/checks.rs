//! The per-system comparisons behind the matrix: each account's cells against the policy,
//! and the findings (with fixes) the differences raise.

use super::api::System;
use super::authentik::AuthentikUser;
use super::coder::CoderUser;
use super::findings::{coder_login_type_sql, Finding, FindingKind, Fix};
use super::gitea::{GiteaEdit, GiteaUser};
use super::matrix::{
    role_gitea_edit, yes_no, AuthentikCells, Cell, CoderCells, GiteaCells, Lists, MatrixRow,
    Policy, Verdict,
};
use crate::config::{CoderAccounts, IdentitySettings};

pub(super) struct Ctx<'a> {
    pub(super) settings: &'a IdentitySettings,
    pub(super) lists: &'a Lists<'a>,
    pub(super) source_id: Option<i64>,
    pub(super) findings: Vec<Finding>,
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

    pub(super) fn row(
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
