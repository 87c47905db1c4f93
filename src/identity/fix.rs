//! Applying a finding's fix through the systems' APIs.

use super::api::{ApiError, System};
use super::clients::Clients;
use super::create::{find_gitea, set_authentik_password};
use super::findings::Fix;
use super::gitea::GiteaEdit;
use super::gitea::NewGiteaUser;
use super::login_type::{apply_sql, run_command, shown, SqlRoute};
use super::memory::Memory;
use super::secret::Sensitive;

fn ready<T: Clone>(r: &Result<T, ApiError>) -> Result<T, ApiError> {
    r.clone()
}

/// The fix to confirm and the text that says what it does. A delete-and-recreate for a Coder
/// user who owns workspaces cannot work (Coder refuses the delete), so it becomes the SQL
/// route (shown in full) instead, with the user's own convert-login as the other way.
pub async fn prepare(
    fix: &Fix,
    clients: &Clients,
    route: &SqlRoute,
) -> Result<(Fix, String), ApiError> {
    let Fix::RecreateCoderOidc {
        user_id,
        username,
        email,
        ..
    } = fix
    else {
        return Ok((fix.clone(), fix.describe()));
    };
    let coder = ready(&clients.coder)?;
    let workspaces = coder.workspaces_of(username).await?;
    if workspaces.is_empty() {
        return Ok((
            fix.clone(),
            format!(
                "Delete Coder user {username} <{email}> and create them again with login_type \
                 oidc? They own no workspaces. Their tokens and settings are lost."
            ),
        ));
    }
    let owns = format!(
        "{username} owns {} workspace(s): {}. Coder refuses to delete a user with workspaces.",
        workspaces.len(),
        workspaces.join(", ")
    );
    let command = match route.command(user_id) {
        Ok(command) => command,
        Err(why) => {
            return Ok((
                Fix::Manual {
                    steps: format!("{owns} {}", super::login_type::CONVERT_LOGIN),
                },
                format!(
                    "{owns} The login type cannot be changed in the database: {why}; {}",
                    super::login_type::CONVERT_LOGIN
                ),
            ));
        }
    };
    let text = format!(
        "{owns} Change the login type in Coder's database instead? poc-tui runs, without a \
         shell:\n\n  {}\n\nthen reads the user back to check. The user keeps their \
         workspaces and settings. {}.",
        shown(&command),
        super::login_type::CONVERT_LOGIN
    );
    Ok((
        Fix::CoderLoginTypeSql {
            username: username.clone(),
            email: email.clone(),
            command,
        },
        text,
    ))
}

/// The Authentik account, with a password when one is given (else remembered as an open
/// finding until it has one).
async fn create_authentik(
    clients: &Clients,
    username: &str,
    name: &str,
    email: &str,
    password: Option<&Sensitive>,
    memory: &mut Memory,
) -> Result<String, ApiError> {
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

/// The Gitea account with the given password (a generated one when none is), then the role's
/// flags.
async fn create_gitea(
    clients: &Clients,
    mut user: NewGiteaUser,
    flags: &GiteaEdit,
    password: Option<&Sensitive>,
) -> Result<String, ApiError> {
    let gitea = ready(&clients.gitea)?;
    user.password = match password {
        Some(p) => p.clone(),
        None => Sensitive::generate().map_err(|e| ApiError::Refused {
            system: System::Gitea,
            message: format!("cannot make a password: {e}"),
        })?,
    };
    let created = gitea.create_user(&user).await?;
    gitea.edit_user(&created, flags).await?;
    Ok(format!(
        "created {} in Gitea with the role's flags",
        user.username
    ))
}

/// Deletes the Coder account and creates it again with `login_type` oidc; refused while it
/// owns workspaces (Coder will not delete those).
async fn recreate_coder_oidc(
    clients: &Clients,
    user_id: &str,
    username: &str,
    name: &str,
    email: &str,
) -> Result<String, ApiError> {
    let coder = ready(&clients.coder)?;
    let workspaces = coder.workspaces_of(username).await?;
    if !workspaces.is_empty() {
        return Err(ApiError::Refused {
            system: System::Coder,
            message: format!(
                "{username} owns workspaces ({}), so Coder will not delete them: \
                 change the login type in Coder's database instead \
                 (`users fix --coder-sql {username}`), {}",
                workspaces.join(", "),
                super::login_type::CONVERT_LOGIN
            ),
        });
    }
    coder.delete_user(user_id).await?;
    coder.create_oidc_user(username, email, name).await?;
    Ok(format!(
        "recreated {username} in Coder with login_type oidc"
    ))
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
        } => create_authentik(clients, username, name, email, password, memory).await,
        Fix::SetAuthentikPassword { username } => {
            let Some(p) = password else {
                return Err(ApiError::Refused {
                    system: System::Authentik,
                    message: format!(
                        "no password given for {username}: f in the Users tab asks for one, or \
                         `poc-tui users fix --user {username} --password-env VAR`"
                    ),
                });
            };
            let ak = ready(&clients.authentik)?;
            set_authentik_password(&ak, username, p).await?;
            memory.password_set(username);
            Ok(format!("set the password of {username} in Authentik"))
        }
        Fix::AddAuthentikGroup { username, group } => {
            let ak = ready(&clients.authentik)?;
            let Some(user) = ak.find_user(username).await? else {
                return Err(ApiError::Refused {
                    system: System::Authentik,
                    message: format!("{username} is not in Authentik"),
                });
            };
            if user.group_names().contains(group) {
                return Ok(format!(
                    "{username} is already in the Authentik group {group}"
                ));
            }
            ak.add_to_group(user.pk, group).await?;
            Ok(format!("added {username} to the Authentik group {group}"))
        }
        Fix::CreateGitea {
            username,
            name,
            email,
            restricted,
            flags,
            source,
        } => {
            let user = NewGiteaUser {
                username: username.clone(),
                email: email.clone(),
                full_name: name.clone(),
                // Set below: a given password, or a generated one.
                password: Sensitive::new(String::new()),
                restricted: *restricted,
                source: source.clone(),
            };
            create_gitea(clients, user, flags, password).await
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
        } => recreate_coder_oidc(clients, user_id, username, name, email).await,
        Fix::CoderLoginTypeSql {
            username, command, ..
        } => apply_sql(username, command, clients, run_command).await,
        Fix::Manual { steps } => Err(ApiError::Refused {
            system: System::Coder,
            message: format!("no automatic fix: {steps}"),
        }),
    }
}
