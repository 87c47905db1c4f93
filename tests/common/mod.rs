//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};

/// A loopback port with nothing listening on it (bound, then released).
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    port
}

/// Writes a config that replaces every probe of the default POC with the given ones,
/// so tests never touch real ports 7080, 3000 …
pub fn write_config(dir: &Path, probes: &[(&str, String)]) -> PathBuf {
    let mut text = String::from("[probes]\ninterval_secs = 60\ntimeout_ms = 1500\n\n");
    let defaults = [
        "coder",
        "gitea",
        "authentik",
        "minio-console",
        "minio-api",
        "ai-gateway",
        "mailpit",
        "devdb",
    ];
    for key in defaults {
        let probe = probes.iter().find(|(k, _)| *k == key).map_or_else(
            || {
                format!(
                    "{{ kind = \"tcp\", host = \"127.0.0.1\", port = {} }}",
                    closed_port()
                )
            },
            |(_, p)| p.clone(),
        );
        let _ = write!(text, "[services.{key}]\nprobe = {probe}\n\n");
    }
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("write config");
    path
}
