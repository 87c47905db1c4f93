//! What compose would run now: the parts of `compose config` output drift compares,
//! and the `config --hash` lines. Both v1 (YAML, ports as strings) and v2 (YAML,
//! ports as mappings) shapes are read.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_yaml::Value;

/// One published or exposed port as compose describes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PortSpec {
    /// Empty means every address.
    pub host_ip: String,
    /// None: not published, or published on a port the engine picks.
    pub host_port: Option<u16>,
    pub container_port: u16,
    pub protocol: String,
    /// False for a port compose only exposes (no host side).
    pub published: bool,
}

impl std::fmt::Display for PortSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.published {
            return write!(f, "{}/{}", self.container_port, self.protocol);
        }
        let ip = if self.host_ip.is_empty() {
            "0.0.0.0"
        } else {
            &self.host_ip
        };
        let host = self.host_port.map(|p| p.to_string()).unwrap_or_default();
        write!(f, "{ip}:{host}->{}/{}", self.container_port, self.protocol)
    }
}

/// The settings of one service after interpolation. `Debug` shows the environment's keys
/// only: after interpolation its values are the `.env` file's passwords.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct ServiceSpec {
    pub image: Option<String>,
    /// Value None: the variable is named but has no value.
    pub environment: BTreeMap<String, Option<String>>,
    pub ports: Vec<PortSpec>,
}

impl std::fmt::Debug for ServiceSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<&String> = self.environment.keys().collect();
        f.debug_struct("ServiceSpec")
            .field("image", &self.image)
            .field("environment (values hidden)", &keys)
            .field("ports", &self.ports)
            .finish()
    }
}

/// Reads `compose config` output into service name → settings.
pub fn parse_config(text: &str) -> Result<BTreeMap<String, ServiceSpec>, String> {
    let doc: Value = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
    let services = match doc.get("services") {
        Some(Value::Mapping(map)) => map,
        Some(Value::Null) | None => return Ok(BTreeMap::new()),
        Some(_) => return Err("`services` is not a mapping".to_string()),
    };
    let mut out = BTreeMap::new();
    for (name, body) in services {
        let Some(name) = scalar(name) else {
            return Err("a service name is not text".to_string());
        };
        out.insert(name, service_spec(body));
    }
    Ok(out)
}

fn service_spec(body: &Value) -> ServiceSpec {
    let image = body.get("image").and_then(scalar);
    let environment = match body.get("environment") {
        Some(Value::Mapping(map)) => map
            .iter()
            .filter_map(|(k, v)| Some((scalar(k)?, scalar(v))))
            .collect(),
        Some(Value::Sequence(list)) => list
            .iter()
            .filter_map(scalar)
            .map(|entry| match entry.split_once('=') {
                Some((k, v)) => (k.to_string(), Some(v.to_string())),
                None => (entry, None),
            })
            .collect(),
        _ => BTreeMap::new(),
    };
    let mut ports: Vec<PortSpec> = match body.get("ports") {
        Some(Value::Sequence(list)) => list.iter().filter_map(port_spec).collect(),
        _ => Vec::new(),
    };
    ports.sort();
    ports.dedup();
    ServiceSpec {
        image,
        environment,
        ports,
    }
}

/// Text of a YAML scalar (numbers and booleans as written); None for null and collections.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn port_spec(value: &Value) -> Option<PortSpec> {
    match value {
        Value::Mapping(_) => {
            let target: u16 = scalar(value.get("target")?)?.parse().ok()?;
            let published = value.get("published").and_then(scalar);
            let host_port = published.as_deref().and_then(|p| p.parse().ok());
            Some(PortSpec {
                host_ip: value.get("host_ip").and_then(scalar).unwrap_or_default(),
                host_port,
                container_port: target,
                protocol: value
                    .get("protocol")
                    .and_then(scalar)
                    .unwrap_or_else(|| "tcp".to_string()),
                published: published.is_some_and(|p| !p.is_empty()),
            })
        }
        other => parse_port_text(&scalar(other)?),
    }
}

/// `[[ip:]host:]container[/proto]` as v1 prints it; ranges are not compared.
pub fn parse_port_text(text: &str) -> Option<PortSpec> {
    let (body, protocol) = text.rsplit_once('/').unwrap_or((text, "tcp"));
    let parts: Vec<&str> = body.rsplitn(3, ':').collect();
    let container_port: u16 = parts.first()?.parse().ok()?;
    let (host_port, published) = match parts.get(1) {
        None => (None, false),
        Some(&"") => (None, true),
        Some(host) => (Some(host.parse().ok()?), true),
    };
    let host_ip = parts
        .get(2)
        .map(|ip| ip.trim_start_matches('[').trim_end_matches(']').to_string())
        .unwrap_or_default();
    Some(PortSpec {
        host_ip,
        host_port,
        container_port,
        protocol: protocol.to_string(),
        published,
    })
}

/// Reads `config --hash` output: one `service hash` per line.
pub fn parse_hashes(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let service = words.next()?;
            let hash = words.next()?;
            hash.chars()
                .all(|c| c.is_ascii_hexdigit())
                .then(|| (service.to_string(), hash.to_string()))
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const V1: &str = "\
services:
  gitea:
    command:
    - '3000'
    environment:
      GITEA__database__PASSWD: changed
      USER_UID: '1000'
      EMPTY: null
      FLAG: true
    image: poctui-test-busybox
    ports:
    - 127.0.0.1:13000:3000/tcp
    - 8080/tcp
    - 127.0.0.1::9000/udp
  db: {}
volumes:
  data: {}
";

    const V2: &str = r#"
name: poc
services:
  gitea:
    environment:
      A: "1"
    image: gitea/gitea:1.22
    ports:
      - mode: ingress
        host_ip: 127.0.0.1
        target: 3000
        published: "13000"
        protocol: tcp
      - mode: ingress
        target: 22
        protocol: tcp
"#;

    #[test]
    fn v1_config() {
        let specs = parse_config(V1).unwrap();
        let gitea = &specs["gitea"];
        assert_eq!(gitea.image.as_deref(), Some("poctui-test-busybox"));
        assert_eq!(
            gitea.environment["GITEA__database__PASSWD"].as_deref(),
            Some("changed")
        );
        assert_eq!(gitea.environment["USER_UID"].as_deref(), Some("1000"));
        assert_eq!(gitea.environment["EMPTY"], None);
        assert_eq!(gitea.environment["FLAG"].as_deref(), Some("true"));
        let ports: Vec<String> = gitea.ports.iter().map(ToString::to_string).collect();
        assert_eq!(
            ports,
            [
                "8080/tcp",
                "127.0.0.1:->9000/udp",
                "127.0.0.1:13000->3000/tcp"
            ]
        );
        assert_eq!(specs["db"], ServiceSpec::default());
        let shown = format!("{gitea:?}");
        assert!(shown.contains("GITEA__database__PASSWD"), "{shown}");
        assert!(!shown.contains("changed"), "a value in Debug: {shown}");
    }

    #[test]
    fn v2_config() {
        let specs = parse_config(V2).unwrap();
        let gitea = &specs["gitea"];
        assert_eq!(gitea.environment["A"].as_deref(), Some("1"));
        let ports: Vec<String> = gitea.ports.iter().map(ToString::to_string).collect();
        assert_eq!(ports, ["22/tcp", "127.0.0.1:13000->3000/tcp"]);
    }

    #[test]
    fn broken_config_is_an_error_not_a_panic() {
        assert!(parse_config("services: [unclosed").is_err());
        assert!(parse_config("services: 3").is_err());
        assert!(parse_config("").unwrap().is_empty());
        assert_eq!(parse_port_text("8000-8010:8000-8010"), None);
        assert_eq!(parse_port_text("nonsense"), None);
    }

    #[test]
    fn hashes() {
        let h = parse_hashes("gitea 0850b0c1\ndevdb db43\n\nwarning: something else\n");
        assert_eq!(h.len(), 2);
        assert_eq!(h["gitea"], "0850b0c1");
    }
}
