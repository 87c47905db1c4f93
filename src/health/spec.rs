//! What a health probe checks, as written in the config.

use std::time::Duration;

use serde::{Deserialize, Serialize};

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
    /// A PostgreSQL wire-protocol probe like `pg_isready`: no credentials needed.
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
            | ProbeSpec::Tcp { timeout_ms, .. } => *timeout_ms,
        };
        ms.map_or(fallback, Duration::from_millis)
    }

    /// A short human description of the target, for tables ("GET http://…", "pg localhost:5432").
    pub fn target(&self) -> String {
        match self {
            ProbeSpec::Http { url, .. } => url.clone(),
            ProbeSpec::Postgres { host, port, .. } => format!("postgres://{host}:{port}"),
            ProbeSpec::Tcp { host, port, .. } => format!("tcp://{host}:{port}"),
        }
    }
}
