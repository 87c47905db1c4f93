//! The Authentik groups of a role. The policy names no groups, so the role's people who are
//! already set up say which they are: a group most of them are in is the role's group.

use std::collections::BTreeMap;

use super::api::System;
use super::authentik::AuthentikUser;
use super::cells::{CellVerdict, MatrixRow};
use super::findings::{FindingKind, Fix, PolicyFinding};

/// Groups held by more than half of `peers` (the role's other people with an Authentik
/// account), with how many hold each. A superuser group never counts: poc-tui does not hand
/// out admin rights because others happen to have them.
pub fn role_groups(peers: &[&AuthentikUser]) -> Vec<(String, usize)> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for peer in peers {
        let mut names: Vec<&str> = peer
            .groups_obj
            .iter()
            .flatten()
            .filter(|g| !g.is_superuser)
            .map(|g| g.name.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        for name in names {
            *counts.entry(name.to_owned()).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .filter(|(_, n)| n * 2 > peers.len())
        .collect()
}

/// The role's groups `user` is not in, each with how many of `peers` are.
pub fn missing_groups(user: &AuthentikUser, peers: &[&AuthentikUser]) -> Vec<(String, usize)> {
    let mine = user.group_names();
    role_groups(peers)
        .into_iter()
        .filter(|(g, _)| !mine.contains(g))
        .collect()
}

/// One finding per person and role group they lack; `members` are the role's people with an
/// Authentik account, by role. The groups cell of each such row shows what is expected.
pub fn findings(
    members: &BTreeMap<String, Vec<(String, &AuthentikUser)>>,
    rows: &mut [MatrixRow],
) -> Vec<PolicyFinding> {
    let mut out = Vec::new();
    for (role, people) in members {
        for (username, account) in people {
            let peers: Vec<&AuthentikUser> = people
                .iter()
                .filter(|(other, _)| other != username)
                .map(|(_, a)| *a)
                .collect();
            let missing = missing_groups(account, &peers);
            if missing.is_empty() {
                continue;
            }
            if let Some(row) = rows.iter_mut().find(|r| r.username == *username) {
                let names: Vec<&str> = missing.iter().map(|(g, _)| g.as_str()).collect();
                row.authentik.groups.verdict = CellVerdict::Different {
                    expected: format!("+{}", names.join(",+")),
                };
            }
            for (group, n) in missing {
                out.push(PolicyFinding {
                    username: username.clone(),
                    system: System::Authentik,
                    kind: FindingKind::AuthentikMissingGroup,
                    message: format!(
                        "{username} is not in the Authentik group {group}, which {n} of the {} \
                         other {role} people are in",
                        peers.len()
                    ),
                    fix: Fix::AddAuthentikGroup {
                        username: username.clone(),
                        group,
                    },
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::authentik::GroupRef;

    fn user(name: &str, groups: &[(&str, bool)]) -> AuthentikUser {
        serde_json::from_value(serde_json::json!({"pk": 1, "username": name}))
            .map(|u: AuthentikUser| AuthentikUser {
                groups_obj: Some(
                    groups
                        .iter()
                        .map(|(g, s)| GroupRef {
                            name: (*g).to_owned(),
                            is_superuser: *s,
                        })
                        .collect(),
                ),
                ..u
            })
            .expect("user")
    }

    #[test]
    fn a_group_most_peers_share_is_the_roles_and_superuser_groups_never_are() {
        let a = user("a", &[("contractors", false), ("authentik Admins", true)]);
        let b = user("b", &[("contractors", false), ("authentik Admins", true)]);
        let c = user("c", &[("other", false)]);
        assert_eq!(role_groups(&[&a, &b, &c]), [("contractors".to_owned(), 2)]);
        let new = user("new", &[]);
        assert_eq!(
            missing_groups(&new, &[&a, &b, &c]),
            [("contractors".to_owned(), 2)]
        );
        // Half is not most: one of two peers says nothing about the role.
        assert!(role_groups(&[&a, &c]).is_empty());
        assert!(role_groups(&[]).is_empty());
    }
}
