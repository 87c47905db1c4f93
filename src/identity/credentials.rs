//! Where poc-tui's admin credentials come from: the config or the environment first, then
//! the running stack's own container environment. Every credential says where it came from.

use std::future::Future;

use crate::config::{Config, Secret, SecretSource, SystemCredentials};

use super::api::System;
use super::coder::CoderAuth;
use super::gitea::GiteaAuth;
use super::secret::Sensitive;

/// The variable Authentik's worker reads at its first start to create `akadmin`'s API token.
pub const BOOTSTRAP_TOKEN_VAR: &str = "AUTHENTIK_BOOTSTRAP_TOKEN";

/// What the Users tab says when no Authentik token exists anywhere.
pub const AUTHENTIK_TOKEN_HOWTO: &str = "no Authentik API token. Create one: Authentik admin \
     (http://localhost:9000/if/admin/) → Directory → Tokens and App passwords → Create, \
     intent \"API\", user akadmin; then export AUTHENTIK_TOKEN=<key> (or set \
     [credentials.authentik] token). A stack started with AUTHENTIK_BOOTSTRAP_TOKEN on the \
     Authentik containers is found automatically.";

/// One system's credential: the URL, the auth (when any) and a human label of its origin.
#[derive(Debug, Clone)]
pub struct Credential<A> {
    pub system: System,
    pub url: Option<String>,
    pub auth: Option<A>,
    /// "config file", "environment $AUTHENTIK_TOKEN", "container authentik-worker …".
    pub source: String,
    /// Why there is none, and what to do about it.
    pub hint: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Credentials {
    pub authentik: Credential<Sensitive>,
    pub gitea: Credential<GiteaAuth>,
    pub coder: Credential<CoderAuth>,
}

impl Credentials {
    /// (system, url, source) for displays; never a value.
    pub fn origins(&self) -> Vec<(System, String, String)> {
        let url = |u: &Option<String>| u.clone().unwrap_or_else(|| "(no URL)".into());
        vec![
            (
                System::Authentik,
                url(&self.authentik.url),
                self.authentik.source.clone(),
            ),
            (
                System::Gitea,
                url(&self.gitea.url),
                self.gitea.source.clone(),
            ),
            (
                System::Coder,
                url(&self.coder.url),
                self.coder.source.clone(),
            ),
        ]
    }
}

fn resolve(
    secret: Option<&Secret>,
    lookup: &impl Fn(&str) -> Option<String>,
) -> Option<(Sensitive, String)> {
    let (value, source) = secret?.resolve_with(lookup);
    let value = value.filter(|v| !v.is_empty())?;
    let label = match source {
        SecretSource::ConfigFile => "config file".to_owned(),
        SecretSource::Environment(var) => format!("environment ${var}"),
        SecretSource::DefaultFor(var) => format!("POC default (${var} unset)"),
        SecretSource::Missing(var) => format!("missing ${var}"),
    };
    Some((Sensitive::new(value), label))
}

fn url_for(config: &Config, creds: Option<&SystemCredentials>, service: &str) -> Option<String> {
    creds.map(|c| c.url.clone()).or_else(|| {
        config
            .services
            .get(service)
            .and_then(|s| s.host_url.clone())
    })
}

/// Credentials from the config and the environment (`lookup` reads a variable).
pub fn from_config(config: &Config, lookup: impl Fn(&str) -> Option<String>) -> Credentials {
    let all = &config.credentials;

    let ak = all.authentik.as_ref();
    let authentik = match resolve(ak.and_then(|a| a.token.as_ref()), &lookup) {
        Some((token, source)) => Credential {
            system: System::Authentik,
            url: url_for(config, ak, "authentik"),
            auth: Some(token),
            source,
            hint: None,
        },
        None => Credential {
            system: System::Authentik,
            url: url_for(config, ak, "authentik"),
            auth: None,
            source: "none".into(),
            hint: Some(AUTHENTIK_TOKEN_HOWTO.into()),
        },
    };

    let g = all.gitea.as_ref();
    let gitea_token = resolve(g.and_then(|x| x.token.as_ref()), &lookup);
    let gitea_basic = g.and_then(|x| {
        let user = x.username.clone()?;
        let (password, source) = resolve(x.password.as_ref(), &lookup)?;
        Some((user, password, source))
    });
    let (auth, source) = match (gitea_token, gitea_basic) {
        (Some((t, s)), _) => (Some(GiteaAuth::Token(t)), format!("token from {s}")),
        (None, Some((username, password, s))) => (
            Some(GiteaAuth::Basic {
                username: username.clone(),
                password,
            }),
            format!("{username}, password from {s}"),
        ),
        (None, None) => (None, "none".into()),
    };
    let gitea = Credential {
        system: System::Gitea,
        url: url_for(config, g, "gitea"),
        hint: auth.is_none().then(|| {
            "set [credentials.gitea] username and password (an admin), or a token".to_owned()
        }),
        auth,
        source,
    };

    let k = all.coder.as_ref();
    let coder_token = resolve(k.and_then(|x| x.token.as_ref()), &lookup);
    let coder_login = k.and_then(|x| {
        let email = x.email.clone().or_else(|| x.username.clone())?;
        let (password, source) = resolve(x.password.as_ref(), &lookup)?;
        Some((email, password, source))
    });
    let (auth, source) = match (coder_token, coder_login) {
        (Some((t, s)), _) => (Some(CoderAuth::Token(t)), format!("token from {s}")),
        (None, Some((email, password, s))) => (
            Some(CoderAuth::Login {
                email: email.clone(),
                password,
            }),
            format!("login {email}, password from {s}"),
        ),
        (None, None) => (None, "none".into()),
    };
    let coder = Credential {
        system: System::Coder,
        url: url_for(config, k, "coder"),
        hint: auth.is_none().then(|| {
            "set [credentials.coder] email and password (an owner), or a token".to_owned()
        }),
        auth,
        source,
    };

    Credentials {
        authentik,
        gitea,
        coder,
    }
}

/// Reads a container's environment (`KEY=value` lines). Implemented over the Docker engine,
/// and by tests.
pub trait ContainerEnv {
    fn env_of(&self, container: &str) -> impl Future<Output = Result<Vec<String>, String>> + Send;
}

/// Where no Authentik token is configured, looks for `AUTHENTIK_BOOTSTRAP_TOKEN` on the stack's
/// Authentik containers (server first, then worker).
pub async fn fill_from_containers(
    creds: &mut Credentials,
    config: &Config,
    engine: &impl ContainerEnv,
) {
    if creds.authentik.auth.is_some() {
        return;
    }
    let containers: Vec<String> = ["authentik", "authentik-worker"]
        .iter()
        .filter_map(|k| config.services.get(*k).and_then(|s| s.container.clone()))
        .collect();
    let mut tried = Vec::new();
    for name in containers {
        match engine.env_of(&name).await {
            Ok(env) => {
                let token = env.iter().find_map(|line| {
                    line.strip_prefix(BOOTSTRAP_TOKEN_VAR)
                        .and_then(|rest| rest.strip_prefix('='))
                        .filter(|v| !v.is_empty())
                });
                if let Some(token) = token {
                    creds.authentik.auth = Some(Sensitive::new(token));
                    creds.authentik.source = format!("container {name} (${BOOTSTRAP_TOKEN_VAR})");
                    creds.authentik.hint = None;
                    return;
                }
                tried.push(format!("{name}: no ${BOOTSTRAP_TOKEN_VAR}"));
            }
            Err(e) => tried.push(format!("{name}: {e}")),
        }
    }
    if !tried.is_empty() {
        creds.authentik.hint = Some(format!(
            "{AUTHENTIK_TOKEN_HOWTO} (looked in {})",
            tried.join("; ")
        ));
    }
}

/// The Docker engine as a [`ContainerEnv`].
pub struct DockerEnv {
    docker: bollard::Docker,
}

impl DockerEnv {
    /// Connects to the engine chosen like every other part of poc-tui chooses it:
    /// `--docker-host` (`host`), then `DOCKER_HOST`, the Docker context, the local socket.
    pub async fn connect(host: Option<&str>) -> Result<Self, String> {
        use crate::docker::{connect, resolve_target, EngineEnv};
        let timeout = std::time::Duration::from_secs(3);
        let target = resolve_target(host, &EngineEnv::from_process())
            .map_err(|e| format!("Docker engine: {}", e.reason))?;
        let (docker, _) = tokio::time::timeout(timeout, connect(&target, timeout))
            .await
            .map_err(|_| format!("Docker engine at {}: timed out", target.uri))?
            .map_err(|e| format!("Docker engine: {}", e.reason))?;
        Ok(DockerEnv { docker })
    }
}

/// Credentials from the config and the environment, then, for Authentik when none is set,
/// the bootstrap token of the stack's containers on the engine `docker_host` names (None:
/// the engine chosen the usual way).
pub async fn discover(config: &Config, docker_host: Option<&str>) -> Credentials {
    let mut creds = from_config(config, |v| std::env::var(v).ok());
    if creds.authentik.auth.is_none() {
        match DockerEnv::connect(docker_host).await {
            Ok(engine) => fill_from_containers(&mut creds, config, &engine).await,
            Err(e) => {
                let hint = creds.authentik.hint.take().unwrap_or_default();
                creds.authentik.hint = Some(format!("{hint} ({e})"));
            }
        }
    }
    creds
}

impl ContainerEnv for DockerEnv {
    async fn env_of(&self, container: &str) -> Result<Vec<String>, String> {
        let inspect = tokio::time::timeout(
            std::time::Duration::from_secs(3),
            self.docker.inspect_container(container, None),
        )
        .await
        .map_err(|_| "timed out".to_owned())?
        .map_err(|e| match e {
            bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            } => "no such container".to_owned(),
            other => other.to_string(),
        })?;
        Ok(inspect.config.and_then(|c| c.env).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{load_from_texts, EMBEDDED_DEFAULT};

    struct FakeEngine(Vec<(&'static str, Vec<String>)>);

    impl ContainerEnv for FakeEngine {
        async fn env_of(&self, container: &str) -> Result<Vec<String>, String> {
            self.0
                .iter()
                .find(|(n, _)| *n == container)
                .map(|(_, e)| e.clone())
                .ok_or_else(|| "no such container".to_owned())
        }
    }

    fn config() -> Config {
        load_from_texts(EMBEDDED_DEFAULT, None).expect("default loads")
    }

    #[test]
    fn environment_token_wins_and_says_so() {
        let creds = from_config(&config(), |v| {
            (v == "AUTHENTIK_TOKEN").then(|| "tok-1".into())
        });
        assert_eq!(creds.authentik.source, "environment $AUTHENTIK_TOKEN");
        assert_eq!(
            creds.authentik.auth.as_ref().map(Sensitive::expose),
            Some("tok-1")
        );
        assert!(creds.gitea.source.contains("POC default"));
    }

    #[tokio::test]
    async fn bootstrap_token_is_read_from_the_worker() {
        let mut creds = from_config(&config(), |_| None);
        assert!(creds.authentik.auth.is_none());
        let engine = FakeEngine(vec![
            ("authentik-server", vec!["PATH=/bin".into()]),
            (
                "authentik-worker",
                vec![format!("{BOOTSTRAP_TOKEN_VAR}=boot-xyz")],
            ),
        ]);
        fill_from_containers(&mut creds, &config(), &engine).await;
        assert_eq!(
            creds.authentik.auth.as_ref().map(Sensitive::expose),
            Some("boot-xyz")
        );
        assert!(
            creds.authentik.source.contains("authentik-worker"),
            "{}",
            creds.authentik.source
        );
    }

    #[tokio::test]
    async fn no_token_anywhere_explains_how_to_make_one() {
        let mut creds = from_config(&config(), |_| None);
        fill_from_containers(&mut creds, &config(), &FakeEngine(vec![])).await;
        assert!(creds.authentik.auth.is_none());
        let hint = creds.authentik.hint.unwrap_or_default();
        assert!(hint.contains("Tokens and App passwords"), "{hint}");
        assert!(hint.contains("no such container"), "{hint}");
    }
}
