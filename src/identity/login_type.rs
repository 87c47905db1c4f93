//! Moving a Coder user from `password` to `oidc` login when deleting and recreating them
//! cannot work (Coder refuses to delete a user who owns workspaces): the reference's SQL
//! update, run with `docker exec … psql` in the Coder database container as an argument list
//! (no shell), then verified by reading the user back. The user's own `convert-login` is the
//! other way.

use std::future::Future;
use std::time::Duration;

use super::api::{ApiError, System};
use super::clients::Clients;
use crate::compose::command::{capture, failure_text, Argv};
use crate::config::Config;

/// The self-service way, for the dialog and the text report.
pub const CONVERT_LOGIN: &str = "or the user converts their own login: signed in to Coder \
     with their password, Account → Security → switch to OpenID Connect (Coder's \
     convert-login; it needs their own session and password)";

/// How long the `docker exec … psql` may take.
const SQL_TIMEOUT: Duration = Duration::from_secs(30);

/// The config's service that is Coder's database.
pub const CODER_DB_SERVICE: &str = "coder-db";

/// Where the SQL runs: the database container and the engine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SqlRoute {
    pub container: String,
    /// `--docker-host`, passed to `docker -H`.
    pub docker_host: Option<String>,
    /// Why no single Coder database container was found on the engine (the SQL is then
    /// not offered).
    pub problem: Option<String>,
}

impl SqlRoute {
    /// The container the config names for its `coder-db` service (its container name, else
    /// its compose service), without asking the engine.
    pub fn of(config: &Config, docker_host: Option<&str>) -> Self {
        let container = config
            .services
            .get(CODER_DB_SERVICE)
            .and_then(|s| s.container.clone().or_else(|| s.compose_service.clone()))
            .unwrap_or_else(|| CODER_DB_SERVICE.to_owned());
        SqlRoute {
            container,
            docker_host: docker_host.map(str::to_owned),
            problem: None,
        }
    }

    /// The running container of the config's `coder-db` service on the engine, matched as
    /// the Services tab matches (container name first, then compose project and service).
    /// Not exactly one running match: the route carries the problem and offers no SQL.
    pub async fn find(config: &Config, docker_host: Option<&str>) -> Self {
        let mut route = Self::of(config, docker_host);
        let timeout = Duration::from_millis(config.identity.timeout_ms.clamp(500, 30_000));
        let containers = match crate::docker::connect_and_read(docker_host, timeout).await {
            Ok((_, _, containers)) => containers,
            Err(e) => {
                route.problem = Some(format!("the Docker engine cannot be read: {e}"));
                return route;
            }
        };
        match pick_container(config, &containers) {
            Ok(name) => route.container = name,
            Err(problem) => route.problem = Some(problem),
        }
        route
    }

    /// The command, program first, that sets `login_type` to `oidc` for the one live user
    /// with this id; an error saying why when there is no route or the id is not a plain
    /// UUID-like value (hex digits and `-`).
    pub fn command(&self, user_id: &str) -> Result<Vec<String>, String> {
        if let Some(problem) = &self.problem {
            return Err(format!("no Coder database container: {problem}"));
        }
        let safe = !user_id.is_empty()
            && user_id.len() <= 64
            && user_id.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        if !safe {
            return Err("the user id cannot be put into SQL safely".to_owned());
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
            "UPDATE users SET login_type='oidc' WHERE id='{user_id}' AND deleted = false AND login_type='password';"
        ));
        Ok(argv)
    }
}

/// The name of the one running container of the `coder-db` service among `containers`.
fn pick_container(
    config: &Config,
    containers: &[crate::docker::ContainerInfo],
) -> Result<String, String> {
    let matchers: Vec<_> = config
        .service_matchers()
        .into_iter()
        .filter(|m| m.key == CODER_DB_SERVICE)
        .collect();
    if matchers.is_empty() {
        return Err(format!("the config has no `{CODER_DB_SERVICE}` service"));
    }
    let classified = crate::docker::classify(&matchers, containers);
    let running: Vec<&str> = classified
        .services
        .iter()
        .flat_map(|s| &s.container_ids)
        .filter_map(|id| containers.iter().find(|c| &c.id == id))
        .filter(|c| c.state == crate::docker::ContainerState::Running)
        .map(|c| c.name.as_str())
        .collect();
    match running.as_slice() {
        [one] => Ok((*one).to_owned()),
        [] => Err(format!(
            "no running container of the `{CODER_DB_SERVICE}` service"
        )),
        many => Err(format!(
            "{} running containers of the `{CODER_DB_SERVICE}` service ({})",
            many.len(),
            many.join(", ")
        )),
    }
}

/// The row count psql printed for an UPDATE (`UPDATE 1`).
pub fn updated_rows(output: &str) -> Option<u64> {
    output
        .lines()
        .filter_map(|l| l.trim().strip_prefix("UPDATE "))
        .filter_map(|n| n.trim().parse().ok())
        .next_back()
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
        return Ok(out.stdout);
    }
    // The engine's or the program's own words, e.g. the runtime's "executable file not
    // found" that `docker exec` prints on stdout with exit 126.
    let why = failure_text(&out.stderr, &out.stdout, 3).replace('\n', "; ");
    Err(if why.is_empty() {
        format!("no output ({})", out.status)
    } else {
        format!("{why} ({})", out.status)
    })
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
    let rows = match updated_rows(&output) {
        Some(1) => "UPDATE 1".to_owned(),
        Some(n) => {
            return Err(refused(format!(
                "the update changed {n} rows, not 1: {username} was not changed as asked \
                 (a live user with that id and a password login was expected)"
            )))
        }
        None => {
            return Err(refused(format!(
                "psql printed no row count ({}); not counted as done",
                if output.trim().is_empty() {
                    "no output"
                } else {
                    output.trim()
                }
            )))
        }
    };
    let user = coder
        .find_user(username)
        .await?
        .ok_or_else(|| refused(format!("{username} is no longer in Coder")))?;
    if user.login_type == "oidc" {
        Ok(format!(
            "{username} now signs in with oidc (psql: {rows}; Coder reports login_type oidc)"
        ))
    } else {
        Err(refused(format!(
            "ran the update (psql: {rows}), but Coder still reports login_type {} for {username}",
            user.login_type
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_is_an_argument_list_with_the_id_inside_the_sql_only() {
        let route = SqlRoute {
            container: "coder-postgres-1".into(),
            docker_host: Some("unix:///run/docker.sock".into()),
            problem: None,
        };
        let id = "5f1e2d3c-0000-4000-8000-00000000abcd";
        let argv = route.command(id).expect("safe id");
        assert_eq!(
            argv[..5],
            [
                "docker",
                "-H",
                "unix:///run/docker.sock",
                "exec",
                "coder-postgres-1"
            ]
        );
        assert_eq!(
            argv.last().map(String::as_str),
            Some(
                "UPDATE users SET login_type='oidc' WHERE id='5f1e2d3c-0000-4000-8000-00000000abcd' \
                 AND deleted = false AND login_type='password';"
            )
        );
        for bad in [
            "x'; DROP TABLE users; --",
            "ann@example.com",
            "",
            "1 OR 1=1",
        ] {
            assert!(route.command(bad).is_err(), "{bad}");
        }
        let text = shown(&argv);
        assert!(
            text.starts_with("docker -H unix:///run/docker.sock exec coder-postgres-1 psql"),
            "{text}"
        );
        let lost = SqlRoute {
            problem: Some("no running container".into()),
            ..route
        };
        assert!(lost.command(id).is_err());
    }

    #[test]
    fn the_row_count_is_read_from_psql() {
        assert_eq!(updated_rows("UPDATE 1\n"), Some(1));
        assert_eq!(updated_rows("NOTICE: x\nUPDATE 0"), Some(0));
        assert_eq!(updated_rows("UPDATE 3"), Some(3));
        assert_eq!(updated_rows(""), None);
        assert_eq!(updated_rows("UPDATE many"), None);
    }
}
