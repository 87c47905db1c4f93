//! What poc-tui remembers of the people it created, kept in a private file of the data
//! directory: their role, so they are checked against it (not shown as unmanaged), and the
//! Authentik accounts created without a password, which stay a finding until one is set.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::api::System;
use super::clients::{Clients, Snapshot};
use super::create::{CreateReport, NewUser, StepKind, StepStatus};
use super::findings::{FindingKind, Fix, PolicyFinding};
use super::matrix::{compute, Matrix};
use crate::config::{Config, UserConfig};

/// An Authentik account poc-tui created without a password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwaitingPassword {
    pub pk: i64,
    /// Authentik's `password_change_date` when the account was made; a later value means a
    /// password was set since (in Authentik's admin, say). Absent on servers that omit it.
    #[serde(default)]
    pub password_change_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remembered {
    pub role: String,
    pub email: String,
    #[serde(default)]
    pub awaiting_password: Option<AwaitingPassword>,
    /// The day poc-tui created them (`YYYY-MM-DD`, UTC); absent in older files.
    #[serde(default)]
    pub created: Option<String>,
}

impl Remembered {
    /// Where the expectation comes from, in words.
    pub fn source(&self) -> String {
        match &self.created {
            Some(day) => format!("created by poc-tui on {day}"),
            None => "created by poc-tui (day not recorded)".to_owned(),
        }
    }
}

/// Today in UTC, as `YYYY-MM-DD`.
fn today() -> String {
    let stamp = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    stamp.get(..10).unwrap_or(&stamp).to_owned()
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Memory {
    #[serde(default)]
    pub people: BTreeMap<String, Remembered>,
}

/// Where the memory lives: `<data dir>/identity/people.json`.
pub fn memory_file(data_dir: Option<&Path>) -> Option<PathBuf> {
    data_dir.map(|d| d.join("identity").join("people.json"))
}

impl Memory {
    /// The remembered people; nothing when there is no file or it cannot be read.
    pub fn load(file: Option<&Path>) -> Memory {
        let Some(file) = file else {
            return Memory::default();
        };
        match std::fs::read_to_string(file) {
            Ok(text) => serde_json::from_str(&text).unwrap_or_else(|e| {
                tracing::warn!(file = %file.display(), error = %e, "unreadable identity memory");
                Memory::default()
            }),
            Err(_) => Memory::default(),
        }
    }

    /// Writes the file privately (never through a link planted in its place).
    pub fn save(&self, file: Option<&Path>) -> std::io::Result<()> {
        let Some(file) = file else {
            return Ok(());
        };
        if let Some(dir) = file.parent() {
            crate::private_fs::ensure_private_dir(dir)?;
        }
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        crate::private_fs::replace_private(file, text.as_bytes())
    }

    /// Remembers the role `user` was created with.
    pub fn remember(&mut self, user: &NewUser) {
        let entry = self
            .people
            .entry(user.username.clone())
            .or_insert_with(|| Remembered {
                role: user.role.clone(),
                email: user.email.clone(),
                awaiting_password: None,
                created: Some(today()),
            });
        entry.role.clone_from(&user.role);
        entry.email.clone_from(&user.email);
    }

    /// Notes an Authentik account made without a password.
    pub fn awaiting_password(
        &mut self,
        username: &str,
        email: &str,
        role: Option<&str>,
        waiting: AwaitingPassword,
    ) {
        let entry = self
            .people
            .entry(username.to_owned())
            .or_insert_with(|| Remembered {
                role: role.unwrap_or_default().to_owned(),
                email: email.to_owned(),
                awaiting_password: None,
                created: Some(today()),
            });
        entry.awaiting_password = Some(waiting);
    }

    /// Forgets `username` entirely; true when they were remembered.
    pub fn forget(&mut self, username: &str) -> bool {
        self.people.remove(username).is_some()
    }

    /// A password was set for `username`.
    pub fn password_set(&mut self, username: &str) {
        if let Some(p) = self.people.get_mut(username) {
            p.awaiting_password = None;
        }
        self.people
            .retain(|_, p| !p.role.is_empty() || p.awaiting_password.is_some());
    }

    /// After a create: remember the role, and the Authentik account if it got no password.
    pub async fn note_create(&mut self, report: &CreateReport, clients: &Clients) {
        let created_any = report
            .steps
            .iter()
            .any(|s| matches!(s.status, StepStatus::Done { changed: true, .. }));
        if created_any {
            self.remember(&report.user);
        }
        let created_ak = matches!(
            report.status(StepKind::AuthentikAccount),
            Some(StepStatus::Done { changed: true, .. })
        );
        let no_password = matches!(
            report.status(StepKind::AuthentikPassword),
            Some(StepStatus::Skipped { .. })
        );
        if created_ak && no_password {
            self.note_no_password(&report.user.username, &report.user.email, clients)
                .await;
        }
    }

    /// Reads the account back for its pk and password date, and remembers it as waiting.
    pub async fn note_no_password(&mut self, username: &str, email: &str, clients: &Clients) {
        let found = match &clients.authentik {
            Ok(ak) => ak.find_user(username).await.ok().flatten(),
            Err(_) => None,
        };
        let waiting = AwaitingPassword {
            pk: found.as_ref().map_or(0, |u| u.pk),
            password_change_date: found.and_then(|u| u.password_change_date),
        };
        self.awaiting_password(username, email, None, waiting);
    }

    /// Forgets waiting accounts that are gone or whose password was set elsewhere. True when
    /// anything changed (so the file is worth saving).
    pub fn settle(&mut self, snapshot: &Snapshot) -> bool {
        let Some(Ok(users)) = &snapshot.authentik else {
            return false;
        };
        let mut changed = false;
        for (name, person) in &mut self.people {
            let Some(waiting) = &person.awaiting_password else {
                continue;
            };
            let account = users.iter().find(|u| u.username == *name);
            let set_elsewhere = account.is_some_and(|u| {
                u.password_change_date.is_some()
                    && waiting.password_change_date.is_some()
                    && u.password_change_date != waiting.password_change_date
            });
            if account.is_none() || set_elsewhere {
                person.awaiting_password = None;
                changed = true;
            }
        }
        let before = self.people.len();
        self.people
            .retain(|_, p| !p.role.is_empty() || p.awaiting_password.is_some());
        changed || self.people.len() != before
    }

    /// The config with the remembered people added (those it does not name itself, with a
    /// role it knows).
    pub fn with_people(&self, config: &Config) -> Config {
        let mut merged = config.clone();
        for (name, p) in &self.people {
            if p.role.is_empty()
                || merged.users.contains_key(name)
                || !merged.roles.contains_key(&p.role)
            {
                continue;
            }
            merged.users.insert(
                name.clone(),
                UserConfig {
                    role: p.role.clone(),
                    email: p.email.clone(),
                    systems: Vec::new(),
                },
            );
        }
        merged
    }

    /// One finding per Authentik account still waiting for its password.
    pub fn findings(&self, snapshot: &Snapshot) -> Vec<PolicyFinding> {
        let Some(Ok(users)) = &snapshot.authentik else {
            return Vec::new();
        };
        self.people
            .iter()
            .filter(|(name, p)| {
                p.awaiting_password.is_some() && users.iter().any(|u| u.username == **name)
            })
            .map(|(name, _)| PolicyFinding {
                username: name.clone(),
                system: System::Authentik,
                kind: FindingKind::AuthentikNoPassword,
                message: format!(
                    "{name} has no password in Authentik: they cannot sign in through SSO yet"
                ),
                fix: Fix::SetAuthentikPassword {
                    username: name.clone(),
                },
            })
            .collect()
    }
}

/// The matrix of the config plus the remembered people, with their open password findings.
pub fn compute_remembered(config: &Config, memory: &Memory, snapshot: &Snapshot) -> Matrix {
    let merged = memory.with_people(config);
    let mut matrix = compute(&merged, &merged.identity, snapshot);
    matrix.findings.extend(memory.findings(snapshot));
    for row in &mut matrix.rows {
        if config.users.contains_key(&row.username) {
            continue;
        }
        row.remembered = memory.people.get(&row.username).map(Remembered::source);
    }
    matrix
}
