//! Moving a Coder user from `password` to `oidc` login when deleting and recreating them
//! cannot work (Coder refuses to delete a user who owns workspaces): the reference's SQL
//! update, run with `docker exec … psql` in the Coder database container as an argument list
//! (no shell), then verified by reading the user back. The user's own `convert-login` is the
//! other way.

use std::future::Future;
use std::time::Duration;

use super::api::{ApiError, System};
use super::clients::Clients;
use crate::compose::command::{capture, Argv};
use crate::config::Config;

/// The self-service way, for the dialog and the text report.
pub const CONVERT_LOGIN: &str = "or the user converts their own login: signed in to Coder \
     with their password, Account → Security → switch to OpenID Connect (Coder's \
     convert-login; it needs their own session and password)";

/// How long the `docker exec … psql` may take.
const SQL_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the SQL runs: the database container and the engine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SqlRoute {
    pub container: String,
    /// `--docker-host`, passed to `docker -H`.
    pub docker_host: Option<String>,
}

impl SqlRoute {
    /// The container of the config's `postgres` service (the reference's Coder database).
    pub fn of(config: &Config, docker_host: Option<&str>) -> Self {
        let container = config
            .services
            .get("postgres")
            .and_then(|s| s.container.clone().or_else(|| s.compose_service.clone()))
            .unwrap_or_else(|| "postgres".to_owned());
        SqlRoute {
            container,
            docker_host: docker_host.map(str::to_owned),
        }
    }

    /// The command, program first, or `None` when the email holds characters that are not
    /// put into SQL text (only letters, digits and `@ . _ - +` are).
    pub fn command(&self, email: &str) -> Option<Vec<String>> {
        let safe = !email.is_empty()
            && email
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '@' | '.' | '_' | '-' | '+'));
        if !safe {
            return None;
        }
        let mut argv = vec!["docker".to_owned()];
        if let Some(host) = &self.docker_host {
            argv.extend(["-H".to_owned(), host.clone()]);
        }
        argv.extend(
            [
                "exec",
                &self.container,
                "psql",
                "-U",
                "coder",
                "-d",
                "coder",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
            ]
            .map(str::to_owned),
        );
        argv.push(format!(
            "UPDATE users SET login_type='oidc' WHERE email='{email}' AND login_type='password';"
        ));
        Some(argv)
    }
}

/// The command as it can be copied into a shell (quoted for reading; never run through one).
pub fn shown(argv: &[String]) -> String {
    match argv.split_first() {
        Some((program, args)) => Argv::new(program.clone(), args.iter().cloned()).display(),
        None => String::new(),
    }
}

/// Runs `argv` (no shell) and returns its output; a non-zero exit is an error with its
/// stderr.
pub async fn run_command(argv: Vec<String>) -> Result<String, String> {
    let Some((program, args)) = argv.split_first() else {
        return Err("empty command".to_owned());
    };
    let cmd = Argv::new(program.clone(), args.iter().cloned());
    let out = capture(&cmd, SQL_TIMEOUT)
        .await
        .map_err(|e| e.to_string())?;
    if out.success {
        Ok(out.stdout)
    } else {
        Err(format!(
            "{} ({})",
            out.stderr.trim().lines().last().unwrap_or("no output"),
            out.status
        ))
    }
}

/// Runs the update with `run`, then reads the user back: done only when Coder reports
/// `login_type` `oidc`.
pub async fn apply_sql<F, Fut>(
    username: &str,
    argv: &[String],
    clients: &Clients,
    run: F,
) -> Result<String, ApiError>
where
    F: FnOnce(Vec<String>) -> Fut,
    Fut: Future<Output = Result<String, String>>,
{
    let refused = |message: String| ApiError::Refused {
        system: System::Coder,
        message,
    };
    let coder = clients.coder.clone()?;
    coder.guard("change a login type")?;
    tracing::info!(command = %shown(argv), "changing a Coder login type in its database");
    let output = run(argv.to_vec())
        .await
        .map_err(|e| refused(format!("{} failed: {e}", shown(argv))))?;
    let rows = output.trim();
    let user = coder
        .find_user(username)
        .await?
        .ok_or_else(|| refused(format!("{username} is no longer in Coder")))?;
    if user.login_type == "oidc" {
        Ok(format!(
            "{username} now signs in with oidc (Coder reports login_type oidc; psql: {rows})"
        ))
    } else {
        Err(refused(format!(
            "ran the update (psql: {}), but Coder still reports login_type {} for {username}",
            if rows.is_empty() { "no output" } else { rows },
            user.login_type
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_is_an_argument_list_with_the_email_inside_the_sql_only() {
        let route = SqlRoute {
            container: "postgres".into(),
            docker_host: Some("unix:///run/docker.sock".into()),
        };
        let argv = route.command("ann@example.com").expect("safe email");
        assert_eq!(
            argv[..5],
            [
                "docker",
                "-H",
                "unix:///run/docker.sock",
                "exec",
                "postgres"
            ]
        );
        assert_eq!(
            argv.last().map(String::as_str),
            Some("UPDATE users SET login_type='oidc' WHERE email='ann@example.com' AND login_type='password';")
        );
        for bad in [
            "x'; DROP TABLE users; --@e.com",
            "a b@example.com",
            "",
            "a\"b@c.d",
        ] {
            assert_eq!(route.command(bad), None, "{bad}");
        }
        let text = shown(&argv);
        assert!(
            text.starts_with("docker -H unix:///run/docker.sock exec postgres psql"),
            "{text}"
        );
    }
}
