//! Which engine to talk to, resolved the way the Docker CLI does it.
//!
//! Order: the `--docker-host` flag, `DOCKER_HOST` (with TLS when `DOCKER_TLS_VERIFY`
//! is set), the current Docker context (`DOCKER_CONTEXT` or `currentContext` in the
//! CLI's `config.json`), `/var/run/docker.sock`, then the Podman sockets.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::EngineDown;

/// Client certificate files for a TLS connection to a tcp engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The engine address chosen, and why it was chosen (shown to the user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineTarget {
    /// `unix:///path`, `tcp://host:port` or `https://host:port`.
    pub uri: String,
    /// A short phrase such as "from `DOCKER_HOST`" or "docker context \"remote\"".
    pub how_chosen: String,
    /// Present when the connection must use TLS.
    pub tls: Option<TlsFiles>,
}

/// The parts of the process environment that choose the engine.
/// Kept as plain data so resolution can be tested without touching the real environment.
#[derive(Debug, Clone, Default)]
pub struct EngineEnv {
    pub docker_host: Option<String>,
    pub docker_tls_verify: Option<String>,
    pub docker_cert_path: Option<PathBuf>,
    pub docker_context: Option<String>,
    /// `$DOCKER_CONFIG`, the CLI's configuration directory.
    pub docker_config: Option<PathBuf>,
    pub home: Option<PathBuf>,
    pub xdg_runtime_dir: Option<PathBuf>,
    /// Normally `/var/run/docker.sock`.
    pub default_socket: PathBuf,
    /// Normally `/run/podman/podman.sock` (rootful Podman).
    pub podman_system_socket: PathBuf,
}

impl EngineEnv {
    /// Reads the real process environment.
    pub fn from_process() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Self {
            docker_host: var("DOCKER_HOST"),
            docker_tls_verify: var("DOCKER_TLS_VERIFY"),
            docker_cert_path: var("DOCKER_CERT_PATH").map(PathBuf::from),
            docker_context: var("DOCKER_CONTEXT"),
            docker_config: var("DOCKER_CONFIG").map(PathBuf::from),
            home: var("HOME").map(PathBuf::from),
            xdg_runtime_dir: var("XDG_RUNTIME_DIR").map(PathBuf::from),
            default_socket: PathBuf::from("/var/run/docker.sock"),
            podman_system_socket: PathBuf::from("/run/podman/podman.sock"),
        }
    }

    /// The Docker CLI's configuration directory (`$DOCKER_CONFIG` or `~/.docker`).
    fn config_dir(&self) -> Option<PathBuf> {
        self.docker_config
            .clone()
            .or_else(|| self.home.as_ref().map(|h| h.join(".docker")))
    }

    fn tls_verify(&self) -> bool {
        self.docker_tls_verify
            .as_deref()
            .is_some_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
    }
}

/// Chooses the engine. `flag` is the value of `--docker-host`, if given.
pub fn resolve_target(flag: Option<&str>, env: &EngineEnv) -> Result<EngineTarget, EngineDown> {
    if let Some(host) = flag.filter(|h| !h.is_empty()) {
        return from_host(host, "from --docker-host", env);
    }
    if let Some(host) = env.docker_host.as_deref() {
        return from_host(host, "from DOCKER_HOST", env);
    }
    if let Some(target) = from_context(env)? {
        return Ok(target);
    }
    if env.default_socket.exists() {
        return Ok(unix_target(&env.default_socket, "default socket"));
    }
    let podman_user = env
        .xdg_runtime_dir
        .as_ref()
        .map(|dir| dir.join("podman").join("podman.sock"));
    for socket in podman_user
        .iter()
        .chain(std::iter::once(&env.podman_system_socket))
    {
        if socket.exists() {
            return Ok(unix_target(
                socket,
                "Podman socket (no Docker socket found)",
            ));
        }
    }
    // Nothing found: aim at the default so the error names the usual path.
    Ok(unix_target(&env.default_socket, "default socket"))
}

fn unix_target(path: &Path, how: &str) -> EngineTarget {
    EngineTarget {
        uri: format!("unix://{}", path.display()),
        how_chosen: how.to_string(),
        tls: None,
    }
}

/// Turns a `DOCKER_HOST`-style address into a target, adding TLS files when asked for.
fn from_host(host: &str, how: &str, env: &EngineEnv) -> Result<EngineTarget, EngineDown> {
    let host = host.trim();
    if host.starts_with("unix://") {
        return Ok(EngineTarget {
            uri: host.to_string(),
            how_chosen: how.to_string(),
            tls: None,
        });
    }
    if host.starts_with('/') {
        return Ok(unix_target(Path::new(host), how));
    }
    if let Some(rest) = host
        .strip_prefix("tcp://")
        .or_else(|| host.strip_prefix("https://"))
        .or_else(|| host.strip_prefix("http://"))
    {
        let wants_tls = env.tls_verify() || host.starts_with("https://");
        if !wants_tls {
            return Ok(EngineTarget {
                uri: format!("tcp://{rest}"),
                how_chosen: how.to_string(),
                tls: None,
            });
        }
        let dir = env
            .docker_cert_path
            .clone()
            .or_else(|| env.config_dir())
            .ok_or_else(|| EngineDown {
                reason: format!(
                    "TLS is requested for {host} but no certificate directory is known"
                ),
                fix: "Set DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem."
                    .to_string(),
            })?;
        return Ok(EngineTarget {
            uri: format!("https://{rest}"),
            how_chosen: format!("{how}, TLS"),
            tls: Some(tls_files_in(&dir)),
        });
    }
    if host.starts_with("ssh://") || host.starts_with("npipe://") {
        return Err(EngineDown {
            reason: format!("engine address {host} uses a transport poc-tui does not support"),
            fix: "Use a unix socket or tcp:// address (for ssh, forward the socket: \
                  `ssh -NL /tmp/docker.sock:/var/run/docker.sock HOST` and use unix:///tmp/docker.sock)."
                .to_string(),
        });
    }
    Err(EngineDown {
        reason: format!("engine address {host:?} is not understood"),
        fix: "Use unix:///path/to/docker.sock or tcp://host:port.".to_string(),
    })
}

fn tls_files_in(dir: &Path) -> TlsFiles {
    TlsFiles {
        ca: dir.join("ca.pem"),
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    }
}

/// The current context, as the Docker CLI stores it, or None for the default context.
fn from_context(env: &EngineEnv) -> Result<Option<EngineTarget>, EngineDown> {
    let Some(config_dir) = env.config_dir() else {
        return Ok(None);
    };
    let (name, source) = match env.docker_context.clone() {
        Some(name) => (name, "DOCKER_CONTEXT"),
        None => match current_context_in(&config_dir.join("config.json")) {
            Some(name) => (name, "config.json"),
            None => return Ok(None),
        },
    };
    if name == "default" {
        return Ok(None);
    }
    let digest = hex_sha256(&name);
    let meta_path = config_dir
        .join("contexts")
        .join("meta")
        .join(&digest)
        .join("meta.json");
    let unreadable = |why: String| EngineDown {
        reason: format!("docker context {name:?} (from {source}) cannot be used: {why}"),
        fix: "Run `docker context ls` and `docker context use default` (or the right context)."
            .to_string(),
    };
    let text = std::fs::read_to_string(&meta_path)
        .map_err(|e| unreadable(format!("{}: {e}", meta_path.display())))?;
    let meta: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| unreadable(format!("{}: {e}", meta_path.display())))?;
    let endpoint = &meta["Endpoints"]["docker"];
    let host = endpoint["Host"]
        .as_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| unreadable("it has no docker endpoint".to_string()))?;
    let how = format!("docker context {name:?}");
    let mut target = from_host(host, &how, &EngineEnv::default())?;
    let tls_dir = config_dir
        .join("contexts")
        .join("tls")
        .join(&digest)
        .join("docker");
    let skip_verify = endpoint["SkipTLSVerify"].as_bool().unwrap_or(false);
    if target.uri.starts_with("tcp://") && skip_verify {
        // The CLI would speak TLS without checking the engine's certificate; plain tcp would
        // be worse. Neither is done silently.
        return Err(EngineDown {
            reason: format!(
                "docker context {name:?} (from {source}) sets SkipTLSVerify for {host}: poc-tui \
                 does not talk to an engine whose certificate is not verified"
            ),
            fix: format!(
                "Give the context the engine's CA (`docker context update {name} --docker \
                 \"host={host},ca=…,cert=…,key=…\"`), or point --docker-host / DOCKER_HOST with \
                 DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH at it."
            ),
        });
    }
    if target.uri.starts_with("tcp://") && tls_dir.is_dir() {
        target.uri = target.uri.replacen("tcp://", "https://", 1);
        target.how_chosen = format!("{how}, TLS");
        target.tls = Some(tls_files_in(&tls_dir));
    }
    Ok(Some(target))
}

fn current_context_in(config_json: &Path) -> Option<String> {
    let text = std::fs::read_to_string(config_json).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value["currentContext"]
        .as_str()
        .filter(|name| !name.is_empty())
        .map(str::to_string)
}

/// The Docker CLI names a context's directory by the hex SHA-256 of the context name.
fn hex_sha256(text: &str) -> String {
    use std::fmt::Write;
    Sha256::digest(text.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn env_in(dir: &Path) -> EngineEnv {
        EngineEnv {
            home: Some(dir.join("home")),
            default_socket: dir.join("docker.sock"),
            podman_system_socket: dir.join("podman-system.sock"),
            ..EngineEnv::default()
        }
    }

    fn write_context(config_dir: &Path, name: &str, host: &str, with_tls: bool) {
        write_context_with(config_dir, name, host, with_tls, false);
    }

    fn write_context_with(
        config_dir: &Path,
        name: &str,
        host: &str,
        with_tls: bool,
        skip_verify: bool,
    ) {
        let digest = hex_sha256(name);
        let meta_dir = config_dir.join("contexts/meta").join(&digest);
        std::fs::create_dir_all(&meta_dir).unwrap();
        let meta = serde_json::json!({
            "Name": name,
            "Metadata": {},
            "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": skip_verify}}
        });
        std::fs::write(meta_dir.join("meta.json"), meta.to_string()).unwrap();
        if with_tls {
            std::fs::create_dir_all(config_dir.join("contexts/tls").join(&digest).join("docker"))
                .unwrap();
        }
    }

    #[test]
    fn sha256_matches_the_cli_directory_name() {
        // `docker context create remote` stores it under this digest of "remote".
        assert_eq!(
            hex_sha256("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn flag_beats_docker_host() {
        let dir = tempfile::tempdir().unwrap();
        let mut env = env_in(dir.path());
        env.docker_host = Some("tcp://10.0.0.2:2375".into());
        let target = resolve_target(Some("unix:///tmp/x.sock"), &env).unwrap();
        assert_eq!(target.uri, "unix:///tmp/x.sock");
        assert_eq!(target.how_chosen, "from --docker-host");
        let target = resolve_target(None, &env).unwrap();
        assert_eq!(target.uri, "tcp://10.0.0.2:2375");
        assert_eq!(target.how_chosen, "from DOCKER_HOST");
        assert!(target.tls.is_none());
    }

    #[test]
    fn docker_host_with_tls_verify_uses_cert_path() {
        let dir = tempfile::tempdir().unwrap();
        let mut env = env_in(dir.path());
        env.docker_host = Some("tcp://engine.example:2376".into());
        env.docker_tls_verify = Some("1".into());
        env.docker_cert_path = Some(PathBuf::from("/certs"));
        let target = resolve_target(None, &env).unwrap();
        assert_eq!(target.uri, "https://engine.example:2376");
        let tls = target.tls.unwrap();
        assert_eq!(tls.ca, PathBuf::from("/certs/ca.pem"));
        assert_eq!(tls.cert, PathBuf::from("/certs/cert.pem"));
        assert_eq!(tls.key, PathBuf::from("/certs/key.pem"));
        // DOCKER_TLS_VERIFY=0 means off, as in the CLI's common usage.
        env.docker_tls_verify = Some("0".into());
        assert!(resolve_target(None, &env).unwrap().tls.is_none());
    }

    #[test]
    fn current_context_from_config_json() {
        let dir = tempfile::tempdir().unwrap();
        let env = env_in(dir.path());
        let config_dir = dir.path().join("home/.docker");
        std::fs::create_dir_all(&config_dir).unwrap();
        std::fs::write(
            config_dir.join("config.json"),
            r#"{"auths":{},"currentContext":"remote"}"#,
        )
        .unwrap();
        write_context(&config_dir, "remote", "tcp://192.0.2.7:2376", true);
        let target = resolve_target(None, &env).unwrap();
        assert_eq!(target.uri, "https://192.0.2.7:2376");
        assert_eq!(target.how_chosen, "docker context \"remote\", TLS");
        assert!(target
            .tls
            .unwrap()
            .ca
            .ends_with(format!("{}/docker/ca.pem", hex_sha256("remote"))));
    }

    #[test]
    fn docker_context_env_and_docker_config_dir() {
        let dir = tempfile::tempdir().unwrap();
        let mut env = env_in(dir.path());
        let config_dir = dir.path().join("cfg");
        write_context(&config_dir, "lab", "unix:///run/lab.sock", false);
        env.docker_config = Some(config_dir);
        env.docker_context = Some("lab".into());
        let target = resolve_target(None, &env).unwrap();
        assert_eq!(target.uri, "unix:///run/lab.sock");
        assert!(target.how_chosen.contains("lab"));
    }

    #[test]
    fn a_context_that_skips_tls_verification_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut env = env_in(dir.path());
        let config_dir = dir.path().join("cfg");
        for (name, with_tls) in [("insecure", true), ("insecure-no-certs", false)] {
            write_context_with(&config_dir, name, "tcp://192.0.2.9:2376", with_tls, true);
            env.docker_config = Some(config_dir.clone());
            env.docker_context = Some(name.into());
            let err = resolve_target(None, &env).unwrap_err();
            assert!(err.reason.contains("SkipTLSVerify"), "{err:?}");
            assert!(err.reason.contains(name), "{err:?}");
            assert!(err.fix.contains("ca="), "{err:?}");
        }
        // On a unix socket the flag means nothing: the context is used.
        write_context_with(&config_dir, "local", "unix:///run/x.sock", false, true);
        env.docker_context = Some("local".into());
        assert_eq!(
            resolve_target(None, &env).unwrap().uri,
            "unix:///run/x.sock"
        );
    }

    #[test]
    fn missing_context_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut env = env_in(dir.path());
        env.docker_context = Some("gone".into());
        let err = resolve_target(None, &env).unwrap_err();
        assert!(err.reason.contains("\"gone\""), "{err:?}");
        assert!(err.fix.contains("docker context"), "{err:?}");
    }

    #[test]
    fn default_context_falls_through_to_sockets() {
        let dir = tempfile::tempdir().unwrap();
        let mut env = env_in(dir.path());
        env.docker_context = Some("default".into());
        // No socket at all: aim at the default path so the error can name it.
        let target = resolve_target(None, &env).unwrap();
        assert_eq!(
            target.uri,
            format!("unix://{}", dir.path().join("docker.sock").display())
        );
        // A rootless Podman socket is used when Docker's is missing.
        let runtime = dir.path().join("run");
        std::fs::create_dir_all(runtime.join("podman")).unwrap();
        std::fs::write(runtime.join("podman/podman.sock"), "").unwrap();
        env.xdg_runtime_dir = Some(runtime.clone());
        let target = resolve_target(None, &env).unwrap();
        assert_eq!(
            target.uri,
            format!("unix://{}", runtime.join("podman/podman.sock").display())
        );
        assert!(target.how_chosen.contains("Podman"));
        // Docker's socket wins when present.
        std::fs::write(dir.path().join("docker.sock"), "").unwrap();
        let target = resolve_target(None, &env).unwrap();
        assert_eq!(target.how_chosen, "default socket");
    }

    #[test]
    fn unsupported_and_garbage_hosts_are_errors() {
        let env = EngineEnv::default();
        let err = resolve_target(Some("ssh://me@box"), &env).unwrap_err();
        assert!(err.fix.contains("ssh -NL"), "{err:?}");
        let err = resolve_target(Some("bogus"), &env).unwrap_err();
        assert!(err.reason.contains("bogus"), "{err:?}");
    }
}
