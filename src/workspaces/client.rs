//! Reading Coder's workspaces and users with a session of the identity clients.

use std::collections::BTreeSet;

use super::join::Known;
use super::model::{Workspace, WorkspacesPage};
use crate::identity::api::{ApiError, Pages, System};
use crate::identity::coder::CoderClient;

const PAGE_SIZE: usize = 100;

/// Every workspace, by `limit`/`offset`, until `count` is reached or a page comes back short.
pub async fn list_workspaces(client: &CoderClient) -> Result<Vec<Workspace>, ApiError> {
    let mut pages = Pages::new(System::Coder, "list workspaces");
    let mut all: Vec<Workspace> = Vec::new();
    loop {
        let path = format!("/api/v2/workspaces?limit={PAGE_SIZE}&offset={}", all.len());
        let page: WorkspacesPage = pages
            .next(client.get_json(&path, "list workspaces"))
            .await?;
        let got = page.workspaces.len();
        all.extend(page.workspaces);
        let done = match page.count {
            Some(total) => all.len() as u64 >= total || got == 0,
            None => got < PAGE_SIZE,
        };
        if done {
            return Ok(all);
        }
    }
}

/// The workspaces and the users' ids and names.
pub async fn read(client: &CoderClient) -> Result<Known, ApiError> {
    let (workspaces, users) = tokio::join!(list_workspaces(client), client.list_users());
    let workspaces = workspaces?;
    let users = users?;
    Ok(Known {
        user_ids: users.iter().map(|u| u.id.clone()).collect::<BTreeSet<_>>(),
        usernames: users.iter().map(|u| u.username.clone()).collect(),
        workspaces,
    })
}

/// What a row says when Coder could not be read.
pub fn unavailable(e: &ApiError) -> String {
    match e {
        ApiError::NoCredentials { hint, .. } => format!("no Coder credentials: {hint}"),
        ApiError::Unreachable { reason, .. } => format!("Coder not reachable: {reason}"),
        other => format!("Coder not readable: {}", other.short()),
    }
}
