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

/// Every service key of the embedded default config, in its order.
pub fn default_service_keys() -> Vec<String> {
    poc_tui::config::load_from_texts(poc_tui::config::EMBEDDED_DEFAULT, None)
        .expect("the embedded config loads")
        .services
        .keys()
        .cloned()
        .collect()
}

/// Writes a config that replaces every probe of the default POC with the given ones (a
/// closed loopback port for the others), so tests never touch real ports 7080, 3000 … nor
/// the containers of a POC that runs on the same engine.
pub fn write_config(dir: &Path, probes: &[(&str, String)]) -> PathBuf {
    let mut text = String::from("[probes]\ninterval_secs = 60\ntimeout_ms = 1500\n\n");
    for key in default_service_keys() {
        let key = key.as_str();
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
