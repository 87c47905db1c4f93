//! Secrets in the config: a literal, or a reference to an environment variable.
//!
//! A secret never prints its value through `Debug`, `Display` or `Serialize`; the value is
//! reachable only through [`Secret::expose`].

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};

#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Secret {
    Literal(String),
    Env {
        env: String,
        #[serde(default)]
        default: Option<String>,
    },
}

/// Where a secret's value came from, for "credential source" displays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    ConfigFile,
    Environment(String),
    DefaultFor(String),
    Missing(String),
}

impl fmt::Display for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretSource::ConfigFile => f.write_str("config file"),
            SecretSource::Environment(var) => write!(f, "environment ${var}"),
            SecretSource::DefaultFor(var) => write!(f, "POC default (${var} unset)"),
            SecretSource::Missing(var) => write!(f, "missing: set ${var}"),
        }
    }
}

impl Secret {
    /// The secret's value, if one is available, and where it came from.
    pub fn resolve(&self) -> (Option<String>, SecretSource) {
        self.resolve_with(|name| std::env::var(name).ok())
    }

    /// Like [`Secret::resolve`] with an injectable environment, for tests.
    pub fn resolve_with(
        &self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> (Option<String>, SecretSource) {
        match self {
            Secret::Literal(v) => (Some(v.clone()), SecretSource::ConfigFile),
            Secret::Env { env, default } => match lookup(env) {
                Some(v) if !v.is_empty() => (Some(v), SecretSource::Environment(env.clone())),
                _ => match default {
                    Some(d) => (Some(d.clone()), SecretSource::DefaultFor(env.clone())),
                    None => (None, SecretSource::Missing(env.clone())),
                },
            },
        }
    }

    /// The value, for code that sends it to the service it belongs to.
    pub fn expose(&self) -> Option<String> {
        self.resolve().0
    }

    /// How the secret is shown to people: never its value.
    pub fn masked(&self) -> String {
        match self {
            Secret::Literal(_) => "********".to_owned(),
            Secret::Env { env, default } => {
                if default.is_some() {
                    format!("${env} (or a POC default) ********")
                } else {
                    format!("${env}")
                }
            }
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_secret_prefers_environment_then_default() {
        let s = Secret::Env {
            env: "X_PASS".into(),
            default: Some("dflt".into()),
        };
        let (v, src) = s.resolve_with(|_| Some("fromenv".into()));
        assert_eq!(v.as_deref(), Some("fromenv"));
        assert_eq!(src, SecretSource::Environment("X_PASS".into()));
        let (v, src) = s.resolve_with(|_| None);
        assert_eq!(v.as_deref(), Some("dflt"));
        assert_eq!(src, SecretSource::DefaultFor("X_PASS".into()));
    }

    #[test]
    fn missing_env_secret_says_which_variable() {
        let s = Secret::Env {
            env: "AUTHENTIK_TOKEN".into(),
            default: None,
        };
        let (v, src) = s.resolve_with(|_| None);
        assert!(v.is_none());
        assert_eq!(src.to_string(), "missing: set $AUTHENTIK_TOKEN");
    }

    #[test]
    fn secret_never_prints_its_value() {
        let s = Secret::Literal("hunter2".into());
        assert!(!format!("{s:?}").contains("hunter2"));
        let json = serde_json::to_string(&s).unwrap_or_default();
        assert!(!json.contains("hunter2"));
        assert!(!s.masked().contains("hunter2"));
    }
}
