//! Opening a bollard client to the chosen engine, negotiating the API version,
//! and turning connection failures into a reason plus a concrete fix.

use std::error::Error as _;
use std::io;
use std::time::Duration;

use bollard::{ClientVersion, Docker};
use serde::Serialize;

use super::target::EngineTarget;
use super::unreachable::EngineDown;

/// The newest API version this client speaks (bollard's models).
const NEWEST_API: ClientVersion = ClientVersion {
    major_version: 1,
    minor_version: 53,
};

/// Every engine still in use answers `/version` at this API level; used only to
/// learn the engine's own maximum, because an engine rejects newer paths outright.
const PROBE_API: ClientVersion = ClientVersion {
    major_version: 1,
    minor_version: 24,
};

/// What the header of the Services tab shows about the engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EngineInfo {
    /// "Docker Engine" or "Podman".
    pub name: String,
    pub version: String,
    /// The API version in use after negotiation, e.g. "1.41".
    pub api_version: String,
    pub os: String,
    pub how_chosen: String,
    /// The address connected to, e.g. `unix:///var/run/docker.sock`.
    pub host: String,
}

/// Connects, negotiates the API version and reads the engine's identity.
pub async fn connect(
    target: &EngineTarget,
    timeout: Duration,
) -> Result<(Docker, EngineInfo), EngineDown> {
    let probe = client_for(target, timeout, &PROBE_API)?;
    let version = probe
        .version()
        .await
        .map_err(|e| explain(target, &e, timeout))?;
    let server_api = version
        .api_version
        .as_deref()
        .and_then(parse_api_version)
        .ok_or_else(|| EngineDown {
            reason: format!("the engine at {} did not report an API version", target.uri),
            fix: "Check that the address points at a Docker or Podman engine.".to_string(),
        })?;
    let api = if (server_api.major_version, server_api.minor_version)
        < (NEWEST_API.major_version, NEWEST_API.minor_version)
    {
        server_api
    } else {
        NEWEST_API
    };
    let docker = client_for(target, timeout, &api)?;
    let is_podman = version
        .components
        .iter()
        .flatten()
        .any(|c| c.name.to_ascii_lowercase().contains("podman"))
        || version
            .platform
            .as_ref()
            .is_some_and(|p| p.name.to_ascii_lowercase().contains("podman"));
    let info = EngineInfo {
        name: if is_podman { "Podman" } else { "Docker Engine" }.to_string(),
        version: version.version.unwrap_or_default(),
        api_version: format!("{}.{}", api.major_version, api.minor_version),
        os: [version.os, version.arch]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("/"),
        how_chosen: target.how_chosen.clone(),
        host: target.uri.clone(),
    };
    Ok((docker, info))
}

fn parse_api_version(text: &str) -> Option<ClientVersion> {
    let (major, minor) = text.trim().split_once('.')?;
    Some(ClientVersion {
        major_version: major.parse().ok()?,
        minor_version: minor.parse().ok()?,
    })
}

fn client_for(
    target: &EngineTarget,
    timeout: Duration,
    api: &ClientVersion,
) -> Result<Docker, EngineDown> {
    let secs = timeout.as_secs().max(1);
    let built = if let Some(path) = target.uri.strip_prefix("unix://") {
        Docker::connect_with_unix(path, secs, api)
    } else if let Some(tls) = &target.tls {
        for file in [&tls.ca, &tls.cert, &tls.key] {
            if !file.exists() {
                return Err(EngineDown {
                    reason: format!("TLS file {} is missing", file.display()),
                    fix:
                        "Point DOCKER_CERT_PATH at the directory with ca.pem, cert.pem and key.pem \
                          (or unset DOCKER_TLS_VERIFY for a plain tcp engine)."
                            .to_string(),
                });
            }
        }
        Docker::connect_with_ssl(&target.uri, &tls.key, &tls.cert, &tls.ca, secs, api)
    } else {
        Docker::connect_with_http(&target.uri, secs, api)
    };
    built.map_err(|e| explain(target, &e, timeout))
}

/// Maps a bollard error to what happened and what to do, looking through the
/// error's causes for the underlying I/O error.
pub(crate) fn explain(
    target: &EngineTarget,
    err: &bollard::errors::Error,
    timeout: Duration,
) -> EngineDown {
    use bollard::errors::Error as B;
    let uri = &target.uri;
    let socket = uri.strip_prefix("unix://");
    match err {
        B::SocketNotFoundError(path) => {
            return EngineDown {
                reason: format!("no engine socket at {path}"),
                fix: format!(
                    "Is the Docker daemon running (`sudo systemctl start docker`)? \
                     Or point --docker-host / DOCKER_HOST at the right socket (chosen: {}).",
                    target.how_chosen
                ),
            }
        }
        B::RequestTimeoutError => {
            return EngineDown {
                reason: format!("the engine at {uri} did not answer within {}s", timeout.as_secs()),
                fix: "The daemon may be hung or overloaded: check `systemctl status docker` and its logs."
                    .to_string(),
            }
        }
        B::CertPathError { path } | B::CertParseError { path } => {
            return EngineDown {
                reason: format!("TLS certificate {} cannot be used", path.display()),
                fix: "Check DOCKER_CERT_PATH: it needs ca.pem, cert.pem and key.pem in PEM form."
                    .to_string(),
            }
        }
        B::DockerResponseServerError {
            status_code,
            message,
        } => {
            return EngineDown {
                reason: format!("the engine at {uri} answered HTTP {status_code}: {message}"),
                fix: "Check that the address points at a Docker or Podman engine API.".to_string(),
            }
        }
        _ => {}
    }
    let text = chain_text(err);
    if let Some(kind) = io_kind(err) {
        match kind {
            io::ErrorKind::PermissionDenied => {
                return EngineDown {
                    reason: format!("permission denied on {}", socket.unwrap_or(uri)),
                    fix: "Add yourself to the docker group: `sudo usermod -aG docker $USER`, \
                          then log out and back in (or run `newgrp docker`)."
                        .to_string(),
                }
            }
            io::ErrorKind::ConnectionRefused => {
                return EngineDown {
                    reason: format!("connection refused by {uri}"),
                    fix: if socket.is_some() {
                        "The socket file exists but no daemon listens on it: \
                         start it (`sudo systemctl start docker`)."
                            .to_string()
                    } else {
                        "Nothing listens there: check the host and port, and that the daemon \
                         is configured to listen on tcp."
                            .to_string()
                    },
                }
            }
            io::ErrorKind::NotFound => {
                return EngineDown {
                    reason: format!("no engine socket at {}", socket.unwrap_or(uri)),
                    fix: "Is the Docker daemon running (`sudo systemctl start docker`)?"
                        .to_string(),
                }
            }
            _ => {}
        }
    }
    let lower = text.to_ascii_lowercase();
    if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
        return EngineDown {
            reason: format!("TLS failed with {uri}: {text}"),
            fix: "Check that DOCKER_CERT_PATH holds the CA and client certificate issued for this \
                  engine, and that the host name matches its certificate."
                .to_string(),
        };
    }
    EngineDown {
        reason: format!("cannot reach the engine at {uri}: {text}"),
        fix: format!(
            "Check that the daemon runs and the address is right (chosen: {}).",
            target.how_chosen
        ),
    }
}

fn chain_text(err: &bollard::errors::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

fn io_kind(err: &bollard::errors::Error) -> Option<io::ErrorKind> {
    if let bollard::errors::Error::IOError { err } = err {
        return Some(err.kind());
    }
    let mut source = err.source();
    while let Some(cause) = source {
        if let Some(io_err) = cause.downcast_ref::<io::Error>() {
            return Some(io_err.kind());
        }
        source = cause.source();
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn unix_target(path: &str) -> EngineTarget {
        EngineTarget {
            uri: format!("unix://{path}"),
            how_chosen: "test".into(),
            tls: None,
        }
    }

    #[test]
    fn api_versions_parse() {
        let v = parse_api_version("1.41").unwrap();
        assert_eq!((v.major_version, v.minor_version), (1, 41));
        assert!(parse_api_version("one.two").is_none());
        assert!(parse_api_version("").is_none());
    }

    #[tokio::test]
    async fn missing_socket_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nothing.sock");
        let err = connect(
            &unix_target(&path.display().to_string()),
            Duration::from_secs(2),
        )
        .await
        .unwrap_err();
        assert!(err.reason.contains("nothing.sock"), "{err:?}");
        assert!(err.fix.contains("systemctl start docker"), "{err:?}");
    }

    #[tokio::test]
    async fn dead_socket_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dead.sock");
        // Bind and drop: the socket file stays, nobody listens.
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        let err = connect(
            &unix_target(&path.display().to_string()),
            Duration::from_secs(2),
        )
        .await
        .unwrap_err();
        assert!(err.reason.contains("refused"), "{err:?}");
        assert!(err.fix.contains("no daemon listens"), "{err:?}");
    }

    #[tokio::test]
    async fn missing_tls_files_are_named() {
        let target = EngineTarget {
            uri: "https://127.0.0.1:1".into(),
            how_chosen: "test".into(),
            tls: Some(super::super::target::TlsFiles {
                ca: "/nonexistent/ca.pem".into(),
                cert: "/nonexistent/cert.pem".into(),
                key: "/nonexistent/key.pem".into(),
            }),
        };
        let err = connect(&target, Duration::from_secs(2)).await.unwrap_err();
        assert!(err.reason.contains("/nonexistent/ca.pem"), "{err:?}");
        assert!(err.fix.contains("DOCKER_CERT_PATH"), "{err:?}");
    }

    #[test]
    fn permission_denied_suggests_the_docker_group() {
        let err = bollard::errors::Error::IOError {
            err: io::Error::from(io::ErrorKind::PermissionDenied),
        };
        let down = explain(
            &unix_target("/var/run/docker.sock"),
            &err,
            Duration::from_secs(5),
        );
        assert!(down.reason.contains("/var/run/docker.sock"), "{down:?}");
        assert!(down.fix.contains("usermod -aG docker"), "{down:?}");
    }
}
