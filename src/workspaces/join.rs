//! Coder's view joined to Docker's: each labelled container to its workspace by the
//! `coder.workspace_id` label (by owner and name only when the container has no id label),
//! the workspaces without a container, and the labelled containers Coder does not know:
//! orphans of this Coder (their owner is one of its users) or containers of another Coder.
//! Pure: no I/O.

use std::collections::BTreeSet;

use serde::Serialize;

use super::model::Workspace;
use crate::docker::model::CoderWorkspace;

/// What poc-tui knows of Coder's side.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CoderView {
    /// Not read yet.
    #[default]
    NotRead,
    /// Could not be read: the reason ("Coder not reachable: …", "no Coder credentials: …").
    Unavailable(String),
    Known(Known),
}

/// Coder's workspaces and who its users are (to tell an orphan from another Coder's container).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Known {
    pub workspaces: Vec<Workspace>,
    pub user_ids: BTreeSet<String>,
    pub usernames: BTreeSet<String>,
}

/// One labelled container, as the join sees it.
#[derive(Debug, Clone, Copy)]
pub struct Labelled<'a> {
    pub container_id: &'a str,
    pub labels: &'a CoderWorkspace,
}

/// Where a labelled container stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Place {
    /// A workspace of this Coder (index into [`Known::workspaces`]).
    Joined { workspace: usize },
    /// Labelled with an owner this Coder has, but a workspace it does not know.
    Orphan,
    /// Labelled by another Coder (its owner is not a user of this one).
    Foreign,
    /// Coder's side is unknown: listed by its labels, no verdict.
    Unjudged { why: String },
}

impl Known {
    /// The workspace a container belongs to, if this Coder has it.
    pub fn find(&self, labels: &CoderWorkspace) -> Option<usize> {
        match labels.workspace_id.as_deref() {
            Some(id) => self.workspaces.iter().position(|w| w.id == id),
            None => self.workspaces.iter().position(|w| {
                w.owner_name.eq_ignore_ascii_case(&labels.owner)
                    && w.name.eq_ignore_ascii_case(&labels.workspace_name)
            }),
        }
    }

    /// True when the container's owner is one of this Coder's users.
    fn owns(&self, labels: &CoderWorkspace) -> bool {
        match labels.owner_id.as_deref() {
            Some(id) => self.user_ids.contains(id),
            None => self
                .usernames
                .iter()
                .any(|u| u.eq_ignore_ascii_case(&labels.owner)),
        }
    }
}

impl CoderView {
    /// Where one labelled container stands.
    pub fn place(&self, labels: &CoderWorkspace) -> Place {
        match self {
            CoderView::NotRead => Place::Unjudged {
                why: "Coder not read yet".to_owned(),
            },
            CoderView::Unavailable(why) => Place::Unjudged { why: why.clone() },
            CoderView::Known(known) => match known.find(labels) {
                Some(workspace) => Place::Joined { workspace },
                None if known.owns(labels) => Place::Orphan,
                None => Place::Foreign,
            },
        }
    }

    /// The workspaces of this Coder that no container carries (stopped, or started on
    /// another engine), as indexes into [`Known::workspaces`].
    pub fn without_container(&self, containers: &[Labelled<'_>]) -> Vec<usize> {
        let CoderView::Known(known) = self else {
            return Vec::new();
        };
        let taken: BTreeSet<usize> = containers
            .iter()
            .filter_map(|c| known.find(c.labels))
            .collect();
        (0..known.workspaces.len())
            .filter(|i| !taken.contains(i))
            .collect()
    }

    pub fn known(&self) -> Option<&Known> {
        match self {
            CoderView::Known(k) => Some(k),
            _ => None,
        }
    }
}

/// How to remove an orphan by hand (poc-tui removes nothing by itself).
pub fn orphan_fix(container_name: &str) -> String {
    format!(
        "Coder does not know this workspace: check no data in it is needed, then \
         `docker rm -f {container_name}` (its home volume stays until `docker volume rm`)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws(id: &str, owner: &str, name: &str) -> Workspace {
        Workspace {
            id: id.into(),
            owner_name: owner.into(),
            name: name.into(),
            ..Workspace::default()
        }
    }

    fn labels(id: Option<&str>, owner_id: Option<&str>, owner: &str, name: &str) -> CoderWorkspace {
        CoderWorkspace {
            owner: owner.into(),
            owner_id: owner_id.map(Into::into),
            workspace_id: id.map(Into::into),
            workspace_name: name.into(),
        }
    }

    fn view() -> CoderView {
        CoderView::Known(Known {
            workspaces: vec![ws("w-1", "alice", "dev"), ws("w-2", "bob", "Api")],
            user_ids: ["u-alice".to_owned(), "u-bob".to_owned()].into(),
            usernames: ["alice".to_owned(), "bob".to_owned()].into(),
        })
    }

    #[test]
    fn joins_by_id_then_by_owner_and_name() {
        let v = view();
        let by_id = labels(Some("w-2"), Some("u-bob"), "someone", "renamed");
        assert_eq!(v.place(&by_id), Place::Joined { workspace: 1 });
        let by_name = labels(None, None, "alice", "dev");
        assert_eq!(v.place(&by_name), Place::Joined { workspace: 0 });
        let lower = labels(None, None, "bob", "api");
        assert_eq!(v.place(&lower), Place::Joined { workspace: 1 });
    }

    #[test]
    fn an_unknown_id_is_an_orphan_of_ours_or_another_coders() {
        let v = view();
        // Same owner and name as a workspace, but another id: a leftover, not that workspace.
        let stale = labels(Some("w-old"), Some("u-alice"), "alice", "dev");
        assert_eq!(v.place(&stale), Place::Orphan);
        let foreign = labels(Some("w-9"), Some("u-zed"), "zed", "dev");
        assert_eq!(v.place(&foreign), Place::Foreign);
        let by_name = labels(None, None, "carol", "x");
        assert_eq!(v.place(&by_name), Place::Foreign);
    }

    #[test]
    fn without_coder_nothing_is_judged() {
        let v = CoderView::Unavailable("Coder not reachable: connection refused".into());
        let l = labels(Some("w-1"), None, "alice", "dev");
        assert!(matches!(v.place(&l), Place::Unjudged { why } if why.contains("not reachable")));
        assert!(v.without_container(&[]).is_empty());
    }

    #[test]
    fn workspaces_without_a_container_are_found() {
        let v = view();
        let l = labels(Some("w-1"), None, "alice", "dev");
        let c = [Labelled {
            container_id: "c1",
            labels: &l,
        }];
        assert_eq!(v.without_container(&c), vec![1]);
    }
}
