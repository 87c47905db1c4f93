//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use poc_tui::config::{load_from_texts, Config, EMBEDDED_DEFAULT};

/// A loopback port with nothing listening on it (bound, then released).
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    port
}

/// Writes a config that replaces every probe of the default POC with the given ones (a
/// closed port for the rest) and points every other host URL at a closed port, so tests
/// never touch real ports 7080, 3000 …
pub fn write_config(dir: &Path, probes: &[(&str, String)]) -> PathBuf {
    let mut text = String::from("[probes]\ninterval_secs = 60\ntimeout_ms = 1500\n\n");
    for (key, probe) in probes {
        let _ = write!(text, "[services.{key}]\nprobe = {probe}\n\n");
    }
    let path = dir.join("config.toml");
    write_isolated(&path, &neutralised(&text));
    path
}

/// As [`write_config`], and no service finds a container on the engine: every container
/// name and the compose project are ones nobody uses. For tests that run the real binary
/// against the real engine, where a probe also looks at its service's container (another
/// test's `gitea` must not name this test's failures).
pub fn write_config_alone(dir: &Path, probes: &[(&str, String)]) -> PathBuf {
    let path = write_config(dir, probes);
    let text = std::fs::read_to_string(&path).expect("read config");
    let mut table: toml::Table = toml::from_str(&text).expect("config parses");
    let tag = std::process::id();
    if let Some(toml::Value::Table(services)) = table.get_mut("services") {
        for (key, service) in services.iter_mut() {
            if let toml::Value::Table(service) = service {
                service.insert(
                    "container".into(),
                    format!("poctui-test-absent-{tag}-{key}").into(),
                );
            }
        }
    }
    let mut stack = match table.remove("stack") {
        Some(toml::Value::Table(stack)) => stack,
        _ => toml::Table::new(),
    };
    stack.insert(
        "compose_project".into(),
        format!("poctui-test-absent-{tag}").into(),
    );
    table.insert("stack".into(), toml::Value::Table(stack));
    write_isolated(&path, &toml::to_string(&table).expect("serialise"));
    path
}

/// The host ports a POC publishes by default. A test opens its own ports (picked by the
/// system), so a config that still points at one of these reads someone else's server.
pub const POC_PORTS: [u16; 8] = [7080, 3000, 9000, 9001, 9002, 8090, 8025, 5432];

/// Names under which the host reaches a server published on its own interfaces.
const HOST_NAMES: [&str; 5] = [
    "localhost",
    "127.0.0.1",
    "::1",
    "0.0.0.0",
    "host.docker.internal",
];

fn is_default_poc_target(host: &str, port: u16) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    HOST_NAMES.iter().any(|h| h.eq_ignore_ascii_case(host)) && POC_PORTS.contains(&port)
}

/// Host and port of `scheme://[user@]host[:port]/…`; the port defaults by scheme.
fn host_and_port(url: &str) -> Option<(&str, u16)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let (host, port) = if authority.starts_with('[') {
        let (h, after) = authority.split_once(']')?;
        (&authority[..=h.len()], after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(p) => p.parse().ok()?,
        None => match scheme {
            "https" => 443,
            "postgres" | "postgresql" => 5432,
            _ => 80,
        },
    };
    Some((host, port))
}

/// The keys of `config` that the tool would reach on this host at a default POC port:
/// host and browser URLs, host probes and credentials URLs, each as `key = value`.
pub fn default_poc_targets(config: &Config) -> Vec<String> {
    let mut found = Vec::new();
    let check_url = |found: &mut Vec<String>, key: String, url: &str| {
        if host_and_port(url).is_some_and(|(h, p)| is_default_poc_target(h, p)) {
            found.push(format!("{key} = {url}"));
        }
    };
    for (name, service) in &config.services {
        for (field, url) in [
            ("host_url", &service.host_url),
            ("browser_url", &service.browser_url),
        ] {
            if let Some(url) = url {
                check_url(&mut found, format!("services.{name}.{field}"), url);
            }
        }
        let Some(probe) = &service.probe else {
            continue;
        };
        // Judged by shape: a probe with a url or a host and port reaches the host; other kinds
        // (run inside a container) name no host port and pass.
        let shape = serde_json::to_value(probe).unwrap_or_default();
        if let Some(url) = shape.get("url").and_then(serde_json::Value::as_str) {
            check_url(&mut found, format!("services.{name}.probe.url"), url);
        }
        let host = shape.get("host").and_then(serde_json::Value::as_str);
        let port = shape.get("port").and_then(serde_json::Value::as_u64);
        if let (Some(host), Some(port)) = (host, port) {
            if u16::try_from(port).is_ok_and(|p| is_default_poc_target(host, p)) {
                found.push(format!("services.{name}.probe = {host}:{port}"));
            }
        }
    }
    let credentials = &config.credentials;
    for (system, creds) in [
        ("coder", &credentials.coder),
        ("gitea", &credentials.gitea),
        ("authentik", &credentials.authentik),
        ("minio", &credentials.minio),
    ] {
        if let Some(creds) = creds {
            check_url(&mut found, format!("credentials.{system}.url"), &creds.url);
        }
    }
    found
}

/// The effective config of a test (the embedded default with `text` merged over it).
/// Panics, naming the keys, when any of them would reach a default POC port on this host:
/// the test would judge a server it did not start.
pub fn isolated_config(text: &str) -> Config {
    let config = load_from_texts(EMBEDDED_DEFAULT, Some(("test config", text)))
        .unwrap_or_else(|e| panic!("test config: {e}\n{text}"));
    let leaks = default_poc_targets(&config);
    assert!(
        leaks.is_empty(),
        "the test config reaches default POC ports it did not open; point these at the \
         test's own servers or at common::closed_port():\n  {}",
        leaks.join("\n  ")
    );
    config
}

/// Writes `text` to `path` after checking it with [`isolated_config`].
pub fn write_isolated(path: &Path, text: &str) {
    isolated_config(text);
    std::fs::write(path, text).expect("write config");
}

/// A URL nothing listens on, fixed so that screens showing it stay the same from run to run.
pub const CLOSED_URL: &str = "http://127.0.0.1:1";

/// `text` with every host-facing URL, host probe and credentials URL of the embedded default
/// that `text` leaves alone pointed at a closed port. The new probes of the in-container
/// services get a closed TCP probe too, so no probe looks at another stack's containers.
pub fn neutralised(text: &str) -> String {
    let mut table: toml::Table =
        toml::from_str(text).unwrap_or_else(|e| panic!("test config: {e}\n{text}"));
    let default: toml::Table = toml::from_str(EMBEDDED_DEFAULT).expect("embedded default");
    let closed_probe = || {
        let mut probe = toml::Table::new();
        probe.insert("kind".into(), "tcp".into());
        probe.insert("host".into(), "127.0.0.1".into());
        probe.insert("port".into(), i64::from(closed_port()).into());
        toml::Value::Table(probe)
    };
    let sub = |t: &mut toml::Table, key: &str| -> toml::Table {
        match t.remove(key) {
            Some(toml::Value::Table(inner)) => inner,
            _ => toml::Table::new(),
        }
    };
    let mut services = sub(&mut table, "services");
    for (key, default_service) in default["services"].as_table().expect("services") {
        let mut service = sub(&mut services, key);
        for field in ["host_url", "browser_url"] {
            if default_service.get(field).is_some() && !service.contains_key(field) {
                service.insert(field.into(), CLOSED_URL.into());
            }
        }
        let in_container = [
            "coder-db",
            "authentik-db",
            "authentik-redis",
            "authentik-worker",
            "platform-admin",
        ];
        if (default_service.get("probe").is_some() || in_container.contains(&key.as_str()))
            && !service.contains_key("probe")
        {
            service.insert("probe".into(), closed_probe());
        }
        services.insert(key.clone(), toml::Value::Table(service));
    }
    table.insert("services".into(), toml::Value::Table(services));
    let mut credentials = sub(&mut table, "credentials");
    for system in default["credentials"]
        .as_table()
        .expect("credentials")
        .keys()
    {
        let mut creds = sub(&mut credentials, system);
        creds.entry("url").or_insert_with(|| CLOSED_URL.into());
        credentials.insert(system.clone(), toml::Value::Table(creds));
    }
    table.insert("credentials".into(), toml::Value::Table(credentials));
    toml::to_string(&table).expect("serialise test config")
}
