//! Removing secrets by value: every known secret is replaced by `[redacted:NAME]` wherever
//! it appears (reports, inspect output, log lines, compose files), and counted per kind.
//!
//! Known secrets are the values of secret-looking environment variables (the rule the
//! detail pane masks by), the config's credentials, the credentials poc-tui discovered
//! (the Authentik bootstrap token …) and passwords written inside URLs.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::Regex;
use serde::Serialize;

use crate::docker::format::is_secret_key;

/// Values shorter than this are masked by key only: replacing them everywhere would
/// mangle ordinary words, and they are not real credentials anyway.
pub const MIN_VALUE_LEN: usize = 4;

/// Where a secret was learnt; the manifest counts replacements per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretKind {
    /// A secret-looking environment variable of a container.
    EnvValue,
    /// A credential from poc-tui's config (or the variable it names).
    ConfigSecret,
    /// A credential poc-tui found on the stack (Authentik's bootstrap token …).
    DiscoveredCredential,
    /// A password written inside a URL (`scheme://user:password@host`).
    UrlPassword,
}

impl SecretKind {
    pub fn label(self) -> &'static str {
        match self {
            SecretKind::EnvValue => "secret environment values",
            SecretKind::ConfigSecret => "config credentials",
            SecretKind::DiscoveredCredential => "discovered credentials",
            SecretKind::UrlPassword => "passwords in URLs",
        }
    }
}

#[derive(Debug, Clone)]
struct Known {
    value: String,
    name: String,
    kind: SecretKind,
}

/// The secrets to remove, and how often each kind was removed.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    known: Vec<Known>,
    /// Values learnt but too short to replace by value.
    pub too_short: usize,
    counts: BTreeMap<SecretKind, usize>,
    by_name: BTreeMap<String, usize>,
}

fn url_password() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // scheme://user:password@ — the password stops at the last '@' of the authority.
        Regex::new(r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:([^/\s@]+)@")
            .expect("the URL password pattern is valid")
    })
}

/// `[redacted:NAME]`, with NAME kept to characters that are safe in every file format.
pub fn placeholder(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_.-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("[redacted:{clean}]")
}

impl Redactor {
    /// Learns one secret value (empty values are ignored; a value learnt twice keeps its
    /// first name).
    pub fn learn(&mut self, name: &str, kind: SecretKind, value: &str) {
        if value.is_empty() || self.known.iter().any(|k| k.value == value) {
            return;
        }
        if value.chars().count() < MIN_VALUE_LEN {
            self.too_short += 1;
            return;
        }
        self.known.push(Known {
            value: value.to_owned(),
            name: name.to_owned(),
            kind,
        });
        // Longest first, so a secret that contains another is replaced whole.
        self.known.sort_by_key(|k| std::cmp::Reverse(k.value.len()));
    }

    /// Learns the passwords written in URLs inside `text`.
    pub fn learn_url_passwords(&mut self, name: &str, text: &str) {
        let found: Vec<String> = url_password()
            .captures_iter(text)
            .filter_map(|c| c.get(1).map(|m| m.as_str().to_owned()))
            .collect();
        for password in found {
            self.learn(name, SecretKind::UrlPassword, &password);
        }
    }

    /// Learns a container's environment: secret-looking keys' values, and URL passwords.
    pub fn learn_env(&mut self, env: &[(String, String)]) {
        for (key, value) in env {
            if is_secret_key(key) {
                self.learn(key, SecretKind::EnvValue, value);
            }
            self.learn_url_passwords(key, value);
        }
    }

    /// The text with every known secret replaced, counting each replacement.
    pub fn text(&mut self, text: &str) -> String {
        let mut out = text.to_owned();
        for k in &self.known {
            let hits = out.matches(k.value.as_str()).count();
            if hits > 0 {
                out = out.replace(k.value.as_str(), &placeholder(&k.name));
                *self.counts.entry(k.kind).or_default() += hits;
                *self.by_name.entry(k.name.clone()).or_default() += hits;
            }
        }
        // A URL password nobody told us about is still a password.
        let mut extra = 0;
        let replaced = url_password().replace_all(&out, |c: &regex::Captures<'_>| {
            let (Some(whole), Some(password)) = (c.get(0), c.get(1)) else {
                return String::new();
            };
            if password.as_str().starts_with("[redacted:") {
                return whole.as_str().to_owned();
            }
            extra += 1;
            let user_part = &whole.as_str()[..password.start() - whole.start()];
            format!("{user_part}{}@", placeholder("url-password"))
        });
        let out = replaced.into_owned();
        if extra > 0 {
            *self.counts.entry(SecretKind::UrlPassword).or_default() += extra;
            *self.by_name.entry("url-password".to_owned()).or_default() += extra;
        }
        out
    }

    /// Every string inside a JSON value, redacted in place (keys are left alone).
    pub fn json(&mut self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(s) => {
                if s.starts_with("[redacted:") && s.ends_with(']') {
                    return;
                }
                *s = self.text(s);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.json(v)),
            serde_json::Value::Object(map) => map.values_mut().for_each(|v| self.json(v)),
            _ => {}
        }
    }

    /// Counts a value masked by its key (not by value) as a redaction of `kind`.
    pub fn count_masked(&mut self, name: &str, kind: SecretKind) {
        *self.counts.entry(kind).or_default() += 1;
        *self.by_name.entry(name.to_owned()).or_default() += 1;
    }

    /// Replacements per kind.
    pub fn counts(&self) -> &BTreeMap<SecretKind, usize> {
        &self.counts
    }

    /// Replacements per secret name.
    pub fn by_name(&self) -> &BTreeMap<String, usize> {
        &self.by_name
    }

    /// How many distinct secret values are known.
    pub fn known(&self) -> usize {
        self.known.len()
    }
}

/// `KEY=value` entries of an inspect's `Config.Env`, masked by key: a secret-looking key's
/// value becomes `[redacted:KEY]`.
pub fn mask_env_list(env: &mut serde_json::Value, redactor: &mut Redactor) {
    let Some(items) = env.as_array_mut() else {
        return;
    };
    for item in items {
        let Some(text) = item.as_str() else { continue };
        let Some((key, value)) = text.split_once('=') else {
            continue;
        };
        if is_secret_key(key) && !value.is_empty() {
            let masked = format!("{key}={}", placeholder(key));
            redactor.count_masked(key, SecretKind::EnvValue);
            *item = serde_json::Value::String(masked);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn known_values_are_replaced_everywhere_and_counted_by_kind() {
        let mut r = Redactor::default();
        r.learn_env(&[
            ("GITEA__database__PASSWD".into(), "db-pass-1234".into()),
            ("USER_UID".into(), "1000".into()),
            (
                "CODER_PG_CONNECTION_URL".into(),
                "postgres://coder:pg-secret-77@db/coder".into(),
            ),
            ("SHORT_TOKEN".into(), "ab".into()),
        ]);
        r.learn(
            "credentials.authentik.token",
            SecretKind::ConfigSecret,
            "ak-token-xyz",
        );
        assert_eq!(r.known(), 3);
        assert_eq!(r.too_short, 1);
        let out = r.text("login db-pass-1234 then ak-token-xyz and db-pass-1234; uid 1000");
        assert_eq!(
            out,
            "login [redacted:GITEA__database__PASSWD] then [redacted:credentials.authentik.token] \
             and [redacted:GITEA__database__PASSWD]; uid 1000"
        );
        let url = r.text("connecting to postgres://coder:pg-secret-77@db/coder");
        assert_eq!(
            url,
            "connecting to postgres://coder:[redacted:CODER_PG_CONNECTION_URL]@db/coder"
        );
        assert_eq!(r.counts()[&SecretKind::EnvValue], 2);
        assert_eq!(r.counts()[&SecretKind::ConfigSecret], 1);
        assert_eq!(r.counts()[&SecretKind::UrlPassword], 1);
    }

    #[test]
    fn unknown_url_passwords_are_still_removed() {
        let mut r = Redactor::default();
        let out = r.text("proxy http://bob:hunter2@proxy:3128 and https://example.com/a:b@c");
        assert_eq!(
            out,
            "proxy http://bob:[redacted:url-password]@proxy:3128 and https://example.com/a:b@c"
        );
        assert_eq!(r.counts()[&SecretKind::UrlPassword], 1);
    }

    #[test]
    fn json_strings_are_redacted_and_env_lists_masked_by_key() {
        let mut r = Redactor::default();
        r.learn("X_SECRET", SecretKind::EnvValue, "quote\"d-secret");
        let mut v = serde_json::json!({
            "Env": ["X_SECRET=quote\"d-secret", "PLAIN=ok", "API_KEY=k3y-value"],
            "Cmd": ["run", "--secret=quote\"d-secret"],
        });
        mask_env_list(&mut v["Env"], &mut r);
        r.json(&mut v);
        let text = serde_json::to_string(&v).unwrap();
        assert!(
            !text.contains("d-secret") && !text.contains("k3y-value"),
            "{text}"
        );
        assert_eq!(v["Env"][0], "X_SECRET=[redacted:X_SECRET]");
        assert_eq!(v["Env"][1], "PLAIN=ok");
        assert_eq!(v["Cmd"][1], "--secret=[redacted:X_SECRET]");
    }

    #[test]
    fn a_secret_containing_another_is_replaced_whole() {
        let mut r = Redactor::default();
        r.learn("SHORT", SecretKind::EnvValue, "abcd");
        r.learn("LONG", SecretKind::EnvValue, "abcdefgh");
        assert_eq!(r.text("abcdefgh abcd"), "[redacted:LONG] [redacted:SHORT]");
    }
}
