//! Coder's settings as the checks need them: from the running container's environment, and
//! from `GET /api/v2/deployment/config` when an owner session is available.

use serde::Serialize;
use serde_json::Value;

/// The few settings the networking and SSO checks compare.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CoderSettings {
    pub access_url: Option<String>,
    pub wildcard_access_url: Option<String>,
    pub disable_path_apps: Option<bool>,
    pub redirect_to_access_url: Option<bool>,
    pub oidc_issuer_url: Option<String>,
}

/// Reads a URL that is either a plain string (current Coder) or Go's `url.URL` object
/// (`{Scheme, Host, Path, …}`, older releases).
fn url_value(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Object(map) => {
            let get = |k: &str| {
                map.get(k)
                    .or_else(|| map.get(&k.to_ascii_lowercase()))
                    .and_then(Value::as_str)
                    .unwrap_or("")
            };
            let host = get("Host");
            if host.is_empty() {
                return None;
            }
            let scheme = Some(get("Scheme"))
                .filter(|s| !s.is_empty())
                .unwrap_or("http");
            Some(format!("{scheme}://{host}{}", get("Path")))
        }
        _ => None,
    }
}

fn bool_value(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => parse_bool(s),
        _ => None,
    }
}

/// Go's `strconv.ParseBool` spellings.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim() {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

impl CoderSettings {
    /// From `/api/v2/deployment/config` (`{config: {...}, options: [...]}`), tolerantly.
    pub fn from_deployment(answer: &Value) -> Self {
        let config = answer.get("config").unwrap_or(answer);
        let oidc = config.get("oidc").unwrap_or(&Value::Null);
        CoderSettings {
            access_url: config.get("access_url").and_then(url_value),
            wildcard_access_url: config.get("wildcard_access_url").and_then(url_value),
            disable_path_apps: config.get("disable_path_apps").and_then(bool_value),
            redirect_to_access_url: config.get("redirect_to_access_url").and_then(bool_value),
            oidc_issuer_url: oidc.get("issuer_url").and_then(url_value),
        }
    }

    /// From the container's environment (`CODER_*` variables).
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        CoderSettings {
            access_url: non_empty("CODER_ACCESS_URL"),
            wildcard_access_url: non_empty("CODER_WILDCARD_ACCESS_URL"),
            disable_path_apps: non_empty("CODER_DISABLE_PATH_APPS").and_then(|v| parse_bool(&v)),
            redirect_to_access_url: non_empty("CODER_REDIRECT_TO_ACCESS_URL")
                .and_then(|v| parse_bool(&v)),
            oidc_issuer_url: non_empty("CODER_OIDC_ISSUER_URL"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deployment_config_in_both_url_shapes() {
        let new = CoderSettings::from_deployment(&json!({"config": {
            "access_url": "http://host.docker.internal:7080",
            "wildcard_access_url": "",
            "disable_path_apps": true,
            "oidc": {"issuer_url": "http://localhost:9000/application/o/coder/"}
        }}));
        assert_eq!(
            new.access_url.as_deref(),
            Some("http://host.docker.internal:7080")
        );
        assert_eq!(new.wildcard_access_url, None);
        assert_eq!(new.disable_path_apps, Some(true));
        assert_eq!(
            new.oidc_issuer_url.as_deref(),
            Some("http://localhost:9000/application/o/coder/")
        );
        let old = CoderSettings::from_deployment(&json!({"config": {
            "access_url": {"Scheme": "http", "Host": "localhost:7080", "Path": ""},
            "wildcard_access_url": {"Scheme": "", "Host": "", "Path": ""},
            "oidc": {"issuer_url": {"Scheme": "http", "Host": "authentik:9000", "Path": "/application/o/coder"}}
        }}));
        assert_eq!(old.access_url.as_deref(), Some("http://localhost:7080"));
        assert_eq!(old.wildcard_access_url, None);
        assert_eq!(
            old.oidc_issuer_url.as_deref(),
            Some("http://authentik:9000/application/o/coder")
        );
    }

    #[test]
    fn env_settings() {
        let s = CoderSettings::from_env(|k| match k {
            "CODER_ACCESS_URL" => Some("http://localhost:7080".into()),
            "CODER_DISABLE_PATH_APPS" => Some("true".into()),
            "CODER_WILDCARD_ACCESS_URL" => Some("  ".into()),
            _ => None,
        });
        assert_eq!(s.access_url.as_deref(), Some("http://localhost:7080"));
        assert_eq!(s.disable_path_apps, Some(true));
        assert_eq!(s.wildcard_access_url, None);
    }
}
