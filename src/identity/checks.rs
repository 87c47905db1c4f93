//! The per-system comparisons behind the matrix, as tables: for each system the cells of an
//! account against the policy, and the checks whose findings (with fixes) the differences
//! raise. A row is one person; the checks run in table order, so findings keep their order.

use super::api::System;
use super::authentik::AuthentikUser;
use super::cells::{yes_no, AuthentikCells, Cell, CellVerdict, CoderCells, GiteaCells, MatrixRow};
use super::coder::CoderUser;
use super::findings::{FindingKind, Fix, PolicyFinding};
use super::gitea::{GiteaEdit, GiteaUser};
use super::policy::{role_gitea_edit, Policy};
use crate::config::{CoderAccounts, CoderPolicy, GiteaPolicy, IdentitySettings};

/// Each system's accounts, or why they could not be read.
pub(super) struct Lists<'a> {
    pub(super) authentik: Result<&'a [AuthentikUser], String>,
    pub(super) gitea: Result<&'a [GiteaUser], String>,
    pub(super) coder: Result<&'a [CoderUser], String>,
}

/// One person as the checks see them: who, what the config wants, and what the other
/// systems know that this one needs (the Authentik account links the Gitea one).
pub(super) struct Person<'a> {
    username: &'a str,
    /// The display name: Authentik's, else Gitea's, else Coder's, else the username.
    name: String,
    email: &'a str,
    policy: Option<&'a Policy<'a>>,
    authentik: Option<&'a AuthentikUser>,
    source_id: Option<i64>,
    settings: &'a IdentitySettings,
}

impl Person<'_> {
    fn finding(
        &self,
        system: System,
        kind: FindingKind,
        message: String,
        fix: Fix,
    ) -> PolicyFinding {
        PolicyFinding {
            username: self.username.to_owned(),
            system,
            kind,
            message,
            fix,
        }
    }

    /// The configured user, whatever systems they belong in.
    fn managed(&self) -> bool {
        self.policy.is_some()
    }

    /// The role's Gitea flags, when the person belongs in Gitea.
    fn gitea_policy(&self) -> Option<&GiteaPolicy> {
        self.policy.filter(|p| p.gitea).map(|p| &p.role.gitea)
    }

    /// The role's Coder account, when the person belongs in Coder.
    fn coder_policy(&self) -> Option<&CoderPolicy> {
        self.policy.filter(|p| p.coder).map(|p| &p.role.coder)
    }

    /// Signs in to Gitea through Authentik, and has an Authentik account to link to.
    fn signs_in_through_authentik(&self) -> bool {
        self.policy.is_some_and(Policy::uses_sso) && self.authentik.is_some()
    }

    /// The Gitea login name of an SSO account: Authentik's user id, else the username.
    fn sso_login_name(&self) -> String {
        self.authentik
            .and_then(|u| u.uid.clone())
            .unwrap_or_else(|| self.username.to_owned())
    }

    fn exists_cell(&self) -> Cell {
        Cell::compare("yes", self.managed().then_some("yes"))
    }
}

/// A check of one account: the finding it raises, if any.
type Check<U> = fn(&Person<'_>, &U) -> Option<PolicyFinding>;

/// One system's rules: who belongs there, what a missing account means, the cells of an
/// account, and the checks run on it.
trait Rules {
    type User: 'static;
    type Cells;
    /// The checks, in the order their findings are listed.
    const CHECKS: &'static [Check<Self::User>];
    fn expected(policy: &Policy<'_>) -> bool;
    fn unreachable(expected: bool, reason: &str) -> Self::Cells;
    /// The exists cell of a missing account, and the finding it raises.
    fn missing(person: &Person<'_>, expected: bool) -> (Cell, Option<PolicyFinding>);
    fn absent(expected: bool, exists: Cell) -> Self::Cells;
    fn present(person: &Person<'_>, expected: bool, user: &Self::User) -> Self::Cells;
}

/// The matrix being built: the lists it reads and the findings so far.
pub(super) struct Ctx<'a> {
    pub(super) settings: &'a IdentitySettings,
    pub(super) lists: &'a Lists<'a>,
    pub(super) source_id: Option<i64>,
    pub(super) findings: Vec<PolicyFinding>,
}

impl Ctx<'_> {
    pub(super) fn row(
        &mut self,
        username: &str,
        email: Option<&str>,
        policy: Option<&Policy<'_>>,
        accounts: (
            Option<&AuthentikUser>,
            Option<&GiteaUser>,
            Option<&CoderUser>,
        ),
    ) -> MatrixRow {
        let (ak, gt, cd) = accounts;
        let name = ak
            .and_then(|u| u.name.clone())
            .or_else(|| gt.map(|u| u.full_name.clone()))
            .or_else(|| cd.and_then(|u| u.name.clone()))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| username.to_owned());
        let person = Person {
            username,
            name,
            email: email.unwrap_or_default(),
            policy,
            authentik: ak,
            source_id: self.source_id,
            settings: self.settings,
        };
        let lists = self.lists;
        MatrixRow {
            username: username.to_owned(),
            email: email.map(str::to_owned),
            role: policy.map(|p| p.role_name.to_owned()),
            authentik: self.cells::<AuthentikRules>(&lists.authentik, &person, ak),
            gitea: self.cells::<GiteaRules>(&lists.gitea, &person, gt),
            coder: self.cells::<CoderRules>(&lists.coder, &person, cd),
            remembered: None,
        }
    }

    fn cells<R: Rules>(
        &mut self,
        list: &Result<&[R::User], String>,
        person: &Person<'_>,
        account: Option<&R::User>,
    ) -> R::Cells {
        let expected = person.policy.is_some_and(R::expected);
        if let Err(reason) = list {
            return R::unreachable(expected, reason);
        }
        let Some(user) = account else {
            let (exists, finding) = R::missing(person, expected);
            self.findings.extend(finding);
            return R::absent(expected, exists);
        };
        let found = R::CHECKS.iter().filter_map(|check| check(person, user));
        self.findings.extend(found);
        R::present(person, expected, user)
    }
}

/// The exists cell of an account the policy wants but no system has.
fn missing_cell(expected: bool) -> Cell {
    if expected {
        Cell::new("missing", CellVerdict::Missing)
    } else {
        Cell::blank()
    }
}

struct AuthentikRules;

impl Rules for AuthentikRules {
    type User = AuthentikUser;
    type Cells = AuthentikCells;
    const CHECKS: &'static [Check<AuthentikUser>] = &[authentik_inactive];

    fn expected(policy: &Policy<'_>) -> bool {
        policy.authentik
    }

    fn unreachable(expected: bool, reason: &str) -> AuthentikCells {
        AuthentikCells::unreachable(expected, reason)
    }

    fn missing(person: &Person<'_>, expected: bool) -> (Cell, Option<PolicyFinding>) {
        let finding = expected.then(|| {
            person.finding(
                System::Authentik,
                FindingKind::MissingInAuthentik,
                format!(
                    "{} is missing in Authentik, so SSO login fails everywhere",
                    person.username
                ),
                Fix::CreateAuthentik {
                    username: person.username.to_owned(),
                    name: person.name.clone(),
                    email: person.email.to_owned(),
                },
            )
        });
        (missing_cell(expected), finding)
    }

    fn absent(expected: bool, exists: Cell) -> AuthentikCells {
        AuthentikCells::absent(expected, exists)
    }

    fn present(person: &Person<'_>, expected: bool, u: &AuthentikUser) -> AuthentikCells {
        let groups = u.group_names();
        AuthentikCells {
            expected,
            exists: person.exists_cell(),
            active: Cell::flag(u.is_active, person.managed().then_some(true)),
            groups: Cell::info(if groups.is_empty() {
                "—".to_owned()
            } else {
                groups.join(",")
            }),
        }
    }
}

fn authentik_inactive(person: &Person<'_>, u: &AuthentikUser) -> Option<PolicyFinding> {
    (person.managed() && !u.is_active).then(|| {
        person.finding(
            System::Authentik,
            FindingKind::AuthentikInactive,
            format!(
                "{} is deactivated in Authentik and cannot sign in",
                person.username
            ),
            Fix::Manual {
                steps: "Authentik admin → Directory → Users → the user → Activate".into(),
            },
        )
    })
}

/// The Gitea flags a role sets, as (label, the account's value, the role's value). An
/// account value of `None` means this Gitea version does not report it.
type GiteaFlag = (
    &'static str,
    fn(&GiteaUser) -> Option<bool>,
    fn(&GiteaPolicy) -> bool,
);

const GITEA_FLAGS: [GiteaFlag; 3] = [
    ("admin", |u| Some(u.is_admin), |g| g.admin),
    ("restricted", |u| Some(u.restricted), |g| g.restricted),
    (
        "can create org",
        |u| u.allow_create_organization,
        |g| g.can_create_org,
    ),
];

/// The cell of one flag: compared with the role, or `?` when Gitea does not say.
fn gitea_flag_cell(flag: &GiteaFlag, person: &Person<'_>, u: &GiteaUser) -> Cell {
    let (_, actual, wanted) = flag;
    match actual(u) {
        Some(v) => Cell::flag(v, person.gitea_policy().map(wanted)),
        None => Cell::new("?", CellVerdict::Unknown),
    }
}

struct GiteaRules;

impl Rules for GiteaRules {
    type User = GiteaUser;
    type Cells = GiteaCells;
    const CHECKS: &'static [Check<GiteaUser>] = &[gitea_flags, gitea_local_duplicate];

    fn expected(policy: &Policy<'_>) -> bool {
        policy.gitea
    }

    fn unreachable(expected: bool, reason: &str) -> GiteaCells {
        GiteaCells::unreachable(expected, reason)
    }

    fn missing(person: &Person<'_>, expected: bool) -> (Cell, Option<PolicyFinding>) {
        let finding = person.policy.filter(|_| expected).map(|p| {
            let source = if p.uses_sso() {
                person.source_id.map(|id| (id, person.sso_login_name()))
            } else {
                None
            };
            person.finding(
                System::Gitea,
                FindingKind::MissingInGitea,
                format!("{} has no Gitea account", person.username),
                Fix::CreateGitea {
                    username: person.username.to_owned(),
                    name: person.name.clone(),
                    email: person.email.to_owned(),
                    restricted: p.role.gitea.restricted,
                    flags: role_gitea_edit(p.role),
                    source,
                },
            )
        });
        (missing_cell(expected), finding)
    }

    fn absent(expected: bool, exists: Cell) -> GiteaCells {
        GiteaCells::absent(expected, exists)
    }

    fn present(person: &Person<'_>, expected: bool, u: &GiteaUser) -> GiteaCells {
        let [admin, restricted, can_create_org] =
            GITEA_FLAGS.map(|flag| gitea_flag_cell(&flag, person, u));
        GiteaCells {
            expected,
            exists: person.exists_cell(),
            admin,
            restricted,
            can_create_org,
            account: gitea_account_cell(person, u),
        }
    }
}

/// Local or external account, judged against SSO when the person signs in through it.
fn gitea_account_cell(person: &Person<'_>, u: &GiteaUser) -> Cell {
    let kind = if u.is_external() {
        format!("external({})", u.source_id)
    } else {
        "local".to_owned()
    };
    match (u.is_external(), person.signs_in_through_authentik()) {
        (false, true) => match person.source_id {
            Some(id) => Cell::new(
                kind,
                CellVerdict::Different {
                    expected: format!("external({id})"),
                },
            ),
            None => Cell::info(kind),
        },
        (true, true) => Cell::new(kind, CellVerdict::Ok),
        _ => Cell::info(kind),
    }
}

fn gitea_flags(person: &Person<'_>, u: &GiteaUser) -> Option<PolicyFinding> {
    let p = person.policy?;
    let g = person.gitea_policy()?;
    let what: Vec<String> = GITEA_FLAGS
        .iter()
        .filter_map(|(label, actual, wanted)| {
            let v = actual(u).filter(|v| *v != wanted(g))?;
            Some(format!(
                "{label} {} (role: {})",
                yes_no(v),
                yes_no(wanted(g))
            ))
        })
        .collect();
    if what.is_empty() {
        return None;
    }
    let note = if u.is_external() {
        "; if the auth source maps group claims, Gitea recomputes these at the next login"
    } else {
        ""
    };
    Some(person.finding(
        System::Gitea,
        FindingKind::GiteaFlags,
        format!(
            "Gitea flags of {} differ from role {}: {}{note}",
            person.username,
            p.role_name,
            what.join(", ")
        ),
        Fix::EditGitea {
            username: u.login.clone(),
            edit: role_gitea_edit(p.role),
        },
    ))
}

fn gitea_local_duplicate(person: &Person<'_>, u: &GiteaUser) -> Option<PolicyFinding> {
    let id = person.source_id?;
    if u.is_external() || !person.signs_in_through_authentik() {
        return None;
    }
    Some(person.finding(
        System::Gitea,
        FindingKind::GiteaLocalDuplicate,
        format!(
            "{} has a local Gitea account (source_id 0) beside the SSO identity; \
             SSO login may create a second account",
            person.username
        ),
        Fix::EditGitea {
            username: u.login.clone(),
            edit: GiteaEdit {
                link_to_source: Some((id, person.sso_login_name())),
                ..GiteaEdit::default()
            },
        },
    ))
}

struct CoderRules;

impl Rules for CoderRules {
    type User = CoderUser;
    type Cells = CoderCells;
    const CHECKS: &'static [Check<CoderUser>] =
        &[coder_password_login, coder_role, coder_suspended];

    fn expected(policy: &Policy<'_>) -> bool {
        policy.coder
    }

    fn unreachable(expected: bool, reason: &str) -> CoderCells {
        CoderCells::unreachable(expected, reason)
    }

    fn missing(person: &Person<'_>, _expected: bool) -> (Cell, Option<PolicyFinding>) {
        let Some(c) = person.coder_policy() else {
            return (Cell::blank(), None);
        };
        let oidc = c.login_type == "oidc";
        if oidc && person.settings.coder_accounts == CoderAccounts::FirstLogin {
            return (Cell::new("at 1st login", CellVerdict::Pending), None);
        }
        let fix = if oidc {
            Fix::CreateCoder {
                username: person.username.to_owned(),
                name: person.name.clone(),
                email: person.email.to_owned(),
            }
        } else {
            Fix::Manual {
                steps: "create the account in Coder (Users → Create user, login type password)"
                    .into(),
            }
        };
        let finding = person.finding(
            System::Coder,
            FindingKind::MissingInCoder,
            format!("{} has no Coder account", person.username),
            fix,
        );
        (Cell::new("missing", CellVerdict::Missing), Some(finding))
    }

    fn absent(expected: bool, exists: Cell) -> CoderCells {
        CoderCells::absent(expected, exists)
    }

    fn present(person: &Person<'_>, expected: bool, u: &CoderUser) -> CoderCells {
        let pol = person.coder_policy();
        CoderCells {
            expected,
            exists: person.exists_cell(),
            login_type: Cell::compare(&u.login_type, pol.map(|c| c.login_type.as_str())),
            roles: coder_roles_cell(pol, u),
            status: coder_status_cell(pol, u),
        }
    }
}

fn coder_roles_cell(pol: Option<&CoderPolicy>, u: &CoderUser) -> Cell {
    let roles = if u.roles.is_empty() {
        "member".to_owned()
    } else {
        u.role_names().join(",")
    };
    match pol {
        None => Cell::info(roles),
        Some(c) if (c.role == "owner") == u.is_owner() => Cell::new(roles, CellVerdict::Ok),
        Some(c) => Cell::new(
            roles,
            CellVerdict::Different {
                expected: c.role.clone(),
            },
        ),
    }
}

fn coder_status_cell(pol: Option<&CoderPolicy>, u: &CoderUser) -> Cell {
    match pol {
        Some(_) if u.status == "suspended" => Cell::new(
            u.status.clone(),
            CellVerdict::Different {
                expected: "active".into(),
            },
        ),
        Some(_) => Cell::new(u.status.clone(), CellVerdict::Ok),
        None => Cell::info(u.status.clone()),
    }
}

fn coder_password_login(person: &Person<'_>, u: &CoderUser) -> Option<PolicyFinding> {
    let c = person.coder_policy()?;
    if c.login_type != "oidc" || u.login_type != "password" {
        return None;
    }
    Some(person.finding(
        System::Coder,
        FindingKind::CoderPasswordLogin,
        format!(
            "{} has login_type password in Coder and cannot sign in through SSO \
             (Coder has no admin API to change it)",
            person.username
        ),
        Fix::RecreateCoderOidc {
            user_id: u.id.clone(),
            username: u.username.clone(),
            name: u.name.clone().unwrap_or_else(|| person.name.clone()),
            email: u.email.clone(),
            // Filled in from the config's Coder database by `compute`.
            sql: String::new(),
        },
    ))
}

fn coder_role(person: &Person<'_>, u: &CoderUser) -> Option<PolicyFinding> {
    let c = person.coder_policy()?;
    if (c.role == "owner") == u.is_owner() {
        return None;
    }
    Some(person.finding(
        System::Coder,
        FindingKind::CoderRole,
        format!(
            "{}'s Coder role differs from the policy ({})",
            person.username, c.role
        ),
        Fix::Manual {
            steps: format!(
                "Coder → Users → {} → roles (PUT /api/v2/users/{}/roles)",
                u.username, u.username
            ),
        },
    ))
}

fn coder_suspended(person: &Person<'_>, u: &CoderUser) -> Option<PolicyFinding> {
    person.coder_policy()?;
    (u.status == "suspended").then(|| {
        person.finding(
            System::Coder,
            FindingKind::CoderSuspended,
            format!("{} is suspended in Coder", person.username),
            Fix::Manual {
                steps: format!("Coder → Users → {} → Activate", u.username),
            },
        )
    })
}
