//! Applying a finding's fix through the systems' APIs.

use super::api::{ApiError, System};
use super::clients::Clients;
use super::create::{find_gitea, set_authentik_password};
use super::findings::Fix;
use super::gitea::NewGiteaUser;
use super::memory::Memory;
use super::secret::Sensitive;

fn ready<T: Clone>(r: &Result<T, ApiError>) -> Result<T, ApiError> {
    r.clone()
}

/// What a destructive fix will remove, for the confirmation the operator must give first.
pub async fn confirmation_text(fix: &Fix, clients: &Clients) -> Result<String, ApiError> {
    match fix {
        Fix::RecreateCoderOidc {
            username, email, ..
        } => {
            let coder = ready(&clients.coder)?;
            let workspaces = coder.workspaces_of(username).await?;
            let owns = if workspaces.is_empty() {
                "They own no workspaces.".to_owned()
            } else {
                format!(
                    "They own {} workspace(s): {}. Coder refuses to delete a user with \
                     workspaces; delete those first (their home volumes go with them).",
                    workspaces.len(),
                    workspaces.join(", ")
                )
            };
            Ok(format!(
                "Delete Coder user {username} <{email}> and create them again with login_type \
                 oidc? Their tokens and settings are lost. {owns}"
            ))
        }
        other => Ok(other.describe()),
    }
}

/// Applies `fix`. `password` is used for new Authentik accounts (and new local Gitea ones);
/// `memory` keeps an Authentik account made without one as an open finding.
pub async fn apply(
    fix: &Fix,
    clients: &Clients,
    password: Option<&Sensitive>,
    memory: &mut Memory,
) -> Result<String, ApiError> {
    match fix {
        Fix::CreateAuthentik {
            username,
            name,
            email,
        } => {
            let ak = ready(&clients.authentik)?;
            if ak.find_user(username).await?.is_some() {
                return Ok(format!("{username} already exists in Authentik"));
            }
            ak.create_user(username, name, email).await?;
            if let Some(p) = password {
                set_authentik_password(&ak, username, p).await?;
                memory.password_set(username);
                Ok(format!("created {username} in Authentik with a password"))
            } else {
                memory.note_no_password(username, email, clients).await;
                Ok(format!(
                    "created {username} in Authentik, still without a password: \
                     the finding stays open until one is set"
                ))
            }
        }
        Fix::SetAuthentikPassword { username } => {
            let Some(p) = password else {
                return Err(ApiError::Refused {
                    system: System::Authentik,
                    message: format!(
                        "no password given for {username}: `poc-tui users fix --password-env VAR`"
                    ),
                });
            };
            let ak = ready(&clients.authentik)?;
            set_authentik_password(&ak, username, p).await?;
            memory.password_set(username);
            Ok(format!("set the password of {username} in Authentik"))
        }
        Fix::CreateGitea {
            username,
            name,
            email,
            restricted,
            flags,
            source,
        } => {
            let gitea = ready(&clients.gitea)?;
            let password = match password {
                Some(p) => p.clone(),
                None => Sensitive::generate().map_err(|e| ApiError::Refused {
                    system: System::Gitea,
                    message: format!("cannot make a password: {e}"),
                })?,
            };
            let created = gitea
                .create_user(&NewGiteaUser {
                    username: username.clone(),
                    email: email.clone(),
                    full_name: name.clone(),
                    password,
                    restricted: *restricted,
                    source: source.clone(),
                })
                .await?;
            gitea.edit_user(&created, flags).await?;
            Ok(format!("created {username} in Gitea with the role's flags"))
        }
        Fix::CreateCoder {
            username,
            name,
            email,
        } => {
            let coder = ready(&clients.coder)?;
            if coder.find_user(username).await?.is_some() {
                return Ok(format!("{username} already exists in Coder"));
            }
            coder.create_oidc_user(username, email, name).await?;
            Ok(format!("created {username} in Coder (oidc)"))
        }
        Fix::EditGitea { username, edit } => {
            let gitea = ready(&clients.gitea)?;
            let current = find_gitea(&gitea, username).await?;
            gitea.edit_user(&current, edit).await?;
            Ok(format!("updated {username} in Gitea"))
        }
        Fix::RecreateCoderOidc {
            user_id,
            username,
            name,
            email,
            ..
        } => {
            let coder = ready(&clients.coder)?;
            let workspaces = coder.workspaces_of(username).await?;
            if !workspaces.is_empty() {
                return Err(ApiError::Refused {
                    system: System::Coder,
                    message: format!(
                        "{username} owns workspaces ({}); delete them first, or run the SQL",
                        workspaces.join(", ")
                    ),
                });
            }
            coder.delete_user(user_id).await?;
            coder.create_oidc_user(username, email, name).await?;
            Ok(format!(
                "recreated {username} in Coder with login_type oidc"
            ))
        }
        Fix::Manual { steps } => Err(ApiError::Refused {
            system: System::Coder,
            message: format!("no automatic fix: {steps}"),
        }),
    }
}
