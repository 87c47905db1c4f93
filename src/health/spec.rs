//! What a health probe checks, as written in the config.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Longest Postgres user or database name (NAMEDATALEN - 1).
const PG_NAME_MAX: usize = 63;

/// A probe that cannot be run as written.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SpecError {
    #[error("URL {url:?} is not valid: {why}")]
    BadUrl { url: String, why: String },
    #[error("URL {0:?} must start with http:// or https://")]
    UnsupportedScheme(String),
    #[error("host is empty")]
    EmptyHost,
    #[error("port 0 cannot be probed")]
    ZeroPort,
    #[error("status {0} is not an HTTP status (100-599)")]
    BadStatus(u16),
    #[error("timeout_ms must be greater than 0")]
    ZeroTimeout,
    #[error("{what} must be 1-63 bytes without NUL")]
    BadPgName { what: &'static str },
    #[error("command must name a program and have no empty argument or NUL")]
    BadCommand,
}

/// One health probe of a service, from `[services.<name>.probe]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum ProbeSpec {
    /// An HTTP GET that must answer with an expected status (and optionally a body substring).
    Http {
        url: String,
        /// Accepted status codes; empty means any 2xx.
        #[serde(default)]
        expect_status: Vec<u16>,
        /// A substring the (capped) body must contain.
        #[serde(default)]
        expect_body: Option<String>,
        #[serde(default)]
        timeout_ms: Option<u64>,
    },
    /// A Postgres wire-protocol probe like `pg_isready`: no credentials needed.
    Postgres {
        host: String,
        port: u16,
        #[serde(default = "default_pg_user")]
        user: String,
        #[serde(default)]
        database: Option<String>,
        #[serde(default)]
        timeout_ms: Option<u64>,
    },
    /// A bare TCP connect, for services with no better check.
    Tcp {
        host: String,
        port: u16,
        #[serde(default)]
        timeout_ms: Option<u64>,
    },
    /// The service's own client run inside its own container (`pg_isready`, `redis-cli ping`),
    /// for a service the host cannot reach (no published port). Exit 0 is up, with
    /// `expect_output` in what it printed when set. Never run under `--read-only`.
    Exec {
        command: Vec<String>,
        #[serde(default)]
        expect_output: Option<String>,
        #[serde(default)]
        timeout_ms: Option<u64>,
    },
    /// What the engine knows of the service's container: running, its Docker health check,
    /// or how it stopped. For a service with nothing to connect to (a background worker).
    Container {
        #[serde(default)]
        timeout_ms: Option<u64>,
    },
}

fn default_pg_user() -> String {
    "postgres".to_owned()
}

impl ProbeSpec {
    /// The per-probe timeout, or `fallback` when the probe does not set one.
    pub fn timeout(&self, fallback: Duration) -> Duration {
        let ms = match self {
            ProbeSpec::Http { timeout_ms, .. }
            | ProbeSpec::Postgres { timeout_ms, .. }
            | ProbeSpec::Tcp { timeout_ms, .. }
            | ProbeSpec::Exec { timeout_ms, .. }
            | ProbeSpec::Container { timeout_ms } => *timeout_ms,
        };
        ms.map_or(fallback, Duration::from_millis)
    }

    /// Checks that the probe can be run: a parseable http(s) URL, a host and a port, real status
    /// codes, a non-zero timeout, Postgres names that fit the protocol.
    pub fn validate(&self) -> Result<(), SpecError> {
        let timeout_ms = match self {
            ProbeSpec::Http {
                url,
                expect_status,
                timeout_ms,
                ..
            } => {
                let parsed = reqwest::Url::parse(url).map_err(|e| SpecError::BadUrl {
                    url: super::text::redact_url(url),
                    why: e.to_string(),
                })?;
                if !matches!(parsed.scheme(), "http" | "https") {
                    return Err(SpecError::UnsupportedScheme(super::text::redact_url(url)));
                }
                if parsed.host_str().is_none_or(str::is_empty) {
                    return Err(SpecError::EmptyHost);
                }
                if let Some(bad) = expect_status.iter().find(|s| !(100..=599).contains(*s)) {
                    return Err(SpecError::BadStatus(*bad));
                }
                timeout_ms
            }
            ProbeSpec::Postgres {
                host,
                port,
                user,
                database,
                timeout_ms,
            } => {
                check_host_port(host, *port)?;
                check_pg_name(user, "user")?;
                if let Some(database) = database {
                    check_pg_name(database, "database")?;
                }
                timeout_ms
            }
            ProbeSpec::Tcp {
                host,
                port,
                timeout_ms,
            } => {
                check_host_port(host, *port)?;
                timeout_ms
            }
            ProbeSpec::Exec {
                command,
                timeout_ms,
                ..
            } => {
                let bad = |a: &String| a.is_empty() || a.contains('\0');
                if command.first().is_none_or(|p| p.trim().is_empty()) || command.iter().any(bad) {
                    return Err(SpecError::BadCommand);
                }
                timeout_ms
            }
            ProbeSpec::Container { timeout_ms } => timeout_ms,
        };
        if *timeout_ms == Some(0) {
            return Err(SpecError::ZeroTimeout);
        }
        Ok(())
    }

    /// A short description of the target for tables (`http://…`, `postgres://localhost:5432`);
    /// a password in a URL is shown as `***`.
    pub fn target(&self) -> String {
        match self {
            ProbeSpec::Http { url, .. } => super::text::redact_url(url),
            ProbeSpec::Postgres { host, port, .. } => format!("postgres://{host}:{port}"),
            ProbeSpec::Tcp { host, port, .. } => format!("tcp://{host}:{port}"),
            ProbeSpec::Exec { command, .. } => format!("exec: {}", command.join(" ")),
            ProbeSpec::Container { .. } => "container state".to_owned(),
        }
    }

    /// True for a probe that looks at the service's container through the engine rather
    /// than connecting from the host.
    pub fn needs_container(&self) -> bool {
        matches!(self, ProbeSpec::Exec { .. } | ProbeSpec::Container { .. })
    }
}

fn check_host_port(host: &str, port: u16) -> Result<(), SpecError> {
    if host.trim().is_empty() {
        return Err(SpecError::EmptyHost);
    }
    if port == 0 {
        return Err(SpecError::ZeroPort);
    }
    Ok(())
}

fn check_pg_name(name: &str, what: &'static str) -> Result<(), SpecError> {
    if name.is_empty() || name.len() > PG_NAME_MAX || name.contains('\0') {
        return Err(SpecError::BadPgName { what });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(url: &str) -> ProbeSpec {
        ProbeSpec::Http {
            url: url.to_owned(),
            expect_status: vec![],
            expect_body: None,
            timeout_ms: None,
        }
    }

    #[test]
    fn toml_shape_round_trips() {
        let spec: ProbeSpec =
            toml::from_str("kind = \"postgres\"\nhost = \"localhost\"\nport = 5432\n")
                .expect("a postgres probe parses");
        assert_eq!(
            spec,
            ProbeSpec::Postgres {
                host: "localhost".into(),
                port: 5432,
                user: "postgres".into(),
                database: None,
                timeout_ms: None
            }
        );
        assert!(spec.validate().is_ok());
    }

    #[test]
    fn validate_rejects_what_cannot_run() {
        assert!(http("http://localhost:7080/api/v2/buildinfo")
            .validate()
            .is_ok());
        assert!(matches!(
            http("not a url").validate(),
            Err(SpecError::BadUrl { .. })
        ));
        assert!(matches!(
            http("ftp://x/").validate(),
            Err(SpecError::UnsupportedScheme(_))
        ));
        let bad_status = ProbeSpec::Http {
            url: "http://x/".into(),
            expect_status: vec![200, 999],
            expect_body: None,
            timeout_ms: None,
        };
        assert_eq!(bad_status.validate(), Err(SpecError::BadStatus(999)));
        let tcp = ProbeSpec::Tcp {
            host: "x".into(),
            port: 0,
            timeout_ms: None,
        };
        assert_eq!(tcp.validate(), Err(SpecError::ZeroPort));
        let pg = ProbeSpec::Postgres {
            host: "x".into(),
            port: 5432,
            user: "a\0b".into(),
            database: None,
            timeout_ms: Some(0),
        };
        assert_eq!(pg.validate(), Err(SpecError::BadPgName { what: "user" }));
        let zero = ProbeSpec::Tcp {
            host: "x".into(),
            port: 1,
            timeout_ms: Some(0),
        };
        assert_eq!(zero.validate(), Err(SpecError::ZeroTimeout));
    }
}
