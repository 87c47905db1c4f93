//! Removing secrets by value: every known secret is replaced by `[redacted:NAME]` wherever
//! it appears (reports, inspect output, log lines, compose files), and counted per kind.
//!
//! Known secrets are the values of secret-looking environment variables (the rule the
//! detail pane masks by), the config's credentials, the credentials poc-tui discovered
//! (the Authentik bootstrap token …) and passwords written inside URLs.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::sync::OnceLock;

use regex::Regex;
use serde::Serialize;

use crate::docker::format::is_secret_key;

/// Values shorter than this are masked by key only: replacing them everywhere would
/// mangle ordinary words. Where such a value stands next to its key (`KEY=abc`,
/// `"KEY": "abc"`), it is still masked.
pub const MIN_VALUE_LEN: usize = 4;

/// Longest a log line may be in the bundle; cut after redaction, so a secret across the
/// cut is replaced whole first.
pub const LOG_LINE_MAX: usize = 16 * 1024;

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

/// One form of a known secret (the value itself, or as compose, YAML, JSON or a URL
/// writes it). No `Debug`: it holds the secret.
#[derive(Clone)]
struct Known {
    form: String,
    name: String,
    kind: SecretKind,
}

/// A value too short to search for everywhere; masked where it follows its key.
#[derive(Clone)]
struct Short {
    forms: Vec<String>,
    name: String,
    kind: SecretKind,
}

/// The secrets to remove, and how often each kind was removed. Its `Debug` shows
/// counts only.
#[derive(Clone, Default)]
pub struct Redactor {
    known: Vec<Known>,
    values: Vec<String>,
    short: Vec<Short>,
    /// Values learnt but too short to replace by value.
    pub too_short: usize,
    counts: BTreeMap<SecretKind, usize>,
    by_name: BTreeMap<String, usize>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("known", &self.values.len())
            .field("too_short", &self.too_short)
            .field("counts", &self.counts)
            .finish_non_exhaustive()
    }
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

fn is_placeholder(text: &str) -> bool {
    text.starts_with("[redacted:") && text.ends_with(']')
}

/// The forms a value takes in the bundle's files: itself; compose's `$$` escaping; inside
/// a JSON or double-quoted YAML string; inside a single-quoted YAML string; percent-encoded
/// in a URL. Each also with `$$`.
pub fn forms(value: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |f: String| {
        if !f.is_empty() && !out.contains(&f) {
            out.push(f);
        }
    };
    for base in [value.to_owned(), value.replace('$', "$$")] {
        let json = serde_json::to_string(&base).unwrap_or_default();
        let json = json
            .strip_prefix('"')
            .and_then(|j| j.strip_suffix('"'))
            .unwrap_or_default()
            .to_owned();
        push(json);
        push(base.replace('\'', "''"));
        push(base.replace('\\', "\\\\").replace('"', "\\\""));
        push(percent_encoded(&base));
        push(base);
    }
    out
}

fn percent_encoded(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// `KEY=value`, `KEY: value`, `"KEY": "value"`: a key, its separator, then the value.
fn key_value() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)(?P<sep>["']?[ \t]*[=:][ \t]*["']?)(?P<value>[^\s"',;}\]]+)"#)
            .expect("the key-value pattern is valid")
    })
}

impl Redactor {
    /// Learns one secret value (empty values are ignored; a value learnt twice keeps its
    /// first name).
    pub fn learn(&mut self, name: &str, kind: SecretKind, value: &str) {
        if value.is_empty() || self.values.iter().any(|v| v == value) {
            return;
        }
        self.values.push(value.to_owned());
        if value.chars().count() < MIN_VALUE_LEN {
            self.too_short += 1;
            self.short.push(Short {
                forms: forms(value),
                name: name.to_owned(),
                kind,
            });
            return;
        }
        for form in forms(value) {
            if self.known.iter().any(|k| k.form == form) {
                continue;
            }
            self.known.push(Known {
                form,
                name: name.to_owned(),
                kind,
            });
        }
        // Longest first, so a secret that contains another is replaced whole.
        self.known.sort_by_key(|k| std::cmp::Reverse(k.form.len()));
    }

    /// Learns the passwords written in URLs inside `text`.
    pub fn learn_url_passwords(&mut self, name: &str, text: &str) {
        let found: Vec<String> = crate::redact::url_credentials(text)
            .into_iter()
            .filter_map(|c| text.get(c.password).map(str::to_owned))
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

    fn count(&mut self, name: &str, kind: SecretKind, hits: usize) {
        if hits > 0 {
            *self.counts.entry(kind).or_default() += hits;
            *self.by_name.entry(name.to_owned()).or_default() += hits;
        }
    }

    /// The text with every known secret replaced, counting each replacement.
    pub fn text(&mut self, text: &str) -> String {
        let mut out = text.to_owned();
        let mut hits = Vec::new();
        for k in &self.known {
            let n = out.matches(k.form.as_str()).count();
            if n > 0 {
                out = out.replace(k.form.as_str(), &placeholder(&k.name));
                hits.push((k.name.clone(), k.kind, n));
            }
        }
        for (name, kind, n) in hits {
            self.count(&name, kind, n);
        }
        let out = self.next_to_keys(&out);
        // A URL password nobody told us about is still a password.
        let (out, extra) = Self::url_credentials(&out);
        self.count("url-password", SecretKind::UrlPassword, extra);
        out
    }

    /// Values after a secret-looking key (`POSTGRES_PASSWORD=abc`, `"token": "x"`), and
    /// short learnt values after their own key, masked.
    fn next_to_keys(&mut self, text: &str) -> String {
        if !text.contains(['=', ':']) {
            return text.to_owned();
        }
        let mut hits = Vec::new();
        let replaced = key_value().replace_all(text, |c: &regex::Captures<'_>| {
            let (key, sep, value) = (&c["key"], &c["sep"], &c["value"]);
            let own_short = self.short.iter().find(|s| {
                s.name.eq_ignore_ascii_case(key) && s.forms.iter().any(|f| value.starts_with(f))
            });
            // `KEY=`, `"key":` and `ENV_STYLE:` only: prose such as "no credentials: …"
            // stays as it is.
            let shaped = sep.contains('=')
                || sep.starts_with(['"', '\''])
                || key.chars().all(|ch| !ch.is_ascii_lowercase());
            let secret_key = shaped
                && is_secret_key(key)
                && !value.starts_with("[redacted:")
                && value.chars().any(|ch| ch.is_ascii_alphanumeric());
            if let Some(s) = own_short {
                hits.push((s.name.clone(), s.kind));
            } else if secret_key {
                hits.push((key.to_owned(), SecretKind::EnvValue));
            } else {
                return c[0].to_owned();
            }
            format!("{key}{sep}{}", placeholder(key))
        });
        let out = replaced.into_owned();
        for (name, kind) in hits {
            self.count(&name, kind, 1);
        }
        out
    }

    /// URL credentials left after the known values: the password (and a user equal to
    /// it) replaced; already redacted ones kept.
    fn url_credentials(text: &str) -> (String, usize) {
        let found = crate::redact::url_credentials(text);
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        let mut replaced = 0;
        let mask = placeholder("url-password");
        for c in &found {
            let password = &text[c.password.clone()];
            if is_placeholder(password) {
                continue;
            }
            replaced += 1;
            if c.user_is_password(text) && !c.user.is_empty() {
                out.push_str(&text[at..c.user.start]);
                out.push_str(&mask);
                out.push(':');
            } else {
                out.push_str(&text[at..c.password.start]);
            }
            out.push_str(&mask);
            at = c.password.end;
        }
        out.push_str(&text[at..]);
        (out, replaced)
    }

    /// Every string inside a JSON value, redacted in place (keys are left alone; a short
    /// learnt value under a secret-looking key is masked by the key).
    pub fn json(&mut self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(s) if !is_placeholder(s) => *s = self.text(s),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.json(v)),
            serde_json::Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    if let Some(name) = v.as_str().and_then(|s| self.short_under(key, s)) {
                        self.count_masked(&name, SecretKind::EnvValue);
                        *v = serde_json::Value::String(placeholder(key));
                    } else {
                        self.json(v);
                    }
                }
            }
            _ => {}
        }
    }

    /// Every string inside a YAML document, redacted in place before it is written again.
    pub fn yaml(&mut self, value: &mut serde_yaml::Value) {
        match value {
            serde_yaml::Value::String(s) if !is_placeholder(s) => *s = self.text(s),
            serde_yaml::Value::Sequence(items) => items.iter_mut().for_each(|v| self.yaml(v)),
            serde_yaml::Value::Mapping(map) => {
                for (key, v) in map.iter_mut() {
                    let key = key.as_str().unwrap_or_default().to_owned();
                    if let Some(name) = v.as_str().and_then(|s| self.short_under(&key, s)) {
                        self.count_masked(&name, SecretKind::EnvValue);
                        *v = serde_yaml::Value::String(placeholder(&key));
                    } else {
                        self.yaml(v);
                    }
                }
            }
            serde_yaml::Value::Tagged(tagged) => self.yaml(&mut tagged.value),
            _ => {}
        }
    }

    /// The name of the short learnt value `value` is (in any of its forms), when `key`
    /// looks secret.
    fn short_under(&self, key: &str, value: &str) -> Option<String> {
        if !is_secret_key(key) {
            return None;
        }
        self.short
            .iter()
            .find(|s| s.forms.iter().any(|f| f == value))
            .map(|s| s.name.clone())
    }

    /// A log line, redacted, then cut to [`LOG_LINE_MAX`] bytes. When the line was already
    /// cut upstream (it ends in ` … [N bytes cut]`), the bytes before that cut that could
    /// begin a known secret are dropped too.
    pub fn log_line(&mut self, line: &str) -> String {
        let (body, mut cut) = match upstream_cut(line) {
            Some((body, n)) => {
                let overlap = self.known.first().map_or(0, |k| k.form.len());
                let keep = floor_char_boundary(body, body.len().saturating_sub(overlap));
                (&body[..keep], n + body.len() - keep)
            }
            None => (line, 0),
        };
        let mut out = self.text(body);
        if out.len() > LOG_LINE_MAX {
            let keep = floor_char_boundary(&out, LOG_LINE_MAX);
            cut += out.len() - keep;
            out.truncate(keep);
        }
        if cut > 0 {
            let _ = write!(out, " … [{cut} bytes cut]");
        }
        out
    }

    /// Counts a value masked by its key (not by value) as a redaction of `kind`.
    pub fn count_masked(&mut self, name: &str, kind: SecretKind) {
        self.count(name, kind, 1);
    }

    /// Replacements per kind.
    pub fn counts(&self) -> &BTreeMap<SecretKind, usize> {
        &self.counts
    }

    /// Replacements per secret name.
    pub fn by_name(&self) -> &BTreeMap<String, usize> {
        &self.by_name
    }

    /// How many distinct secret values are known (long enough to be searched for).
    pub fn known(&self) -> usize {
        self.values.len() - self.too_short
    }
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The text before the sanitiser's ` … [N bytes cut]` marker, and N.
fn upstream_cut(line: &str) -> Option<(&str, usize)> {
    let rest = line.strip_suffix(" bytes cut]")?;
    let (body, n) = rest.rsplit_once(" … [")?;
    Some((body, n.parse().ok()?))
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

    const HARD: &str = r#"p@ss/w$rd'"\"#;

    #[test]
    fn a_hard_password_is_removed_in_every_form_it_takes() {
        let mut r = Redactor::default();
        r.learn("DB_PASSWORD", SecretKind::EnvValue, HARD);
        let dollars = HARD.replace('$', "$$");
        let json = serde_json::to_string(HARD).unwrap();
        let yaml_single = format!("'{}'", dollars.replace('\'', "''"));
        for text in [
            HARD.to_owned(),
            dollars.clone(),
            json.clone(),
            yaml_single.clone(),
            format!("postgres://app:{}@db/app", percent_encoded(HARD)),
        ] {
            let out = r.text(&text);
            assert!(out.contains("[redacted:DB_PASSWORD]"), "{text} -> {out}");
            for part in ["p@ss", "w$rd", "w$$rd"] {
                assert!(!out.contains(part), "{text} -> {out}");
            }
        }
        // Re-serialised YAML: the value goes through the document, not its text.
        let mut doc: serde_yaml::Value =
            serde_yaml::from_str(&format!("x:\n  y: {json}\n  z: {yaml_single}\n")).unwrap();
        r.yaml(&mut doc);
        let out = serde_yaml::to_string(&doc).unwrap();
        assert!(!out.contains("p@ss"), "{out}");
        assert!(format!("{r:?}").starts_with("Redactor { known: 1"), "{r:?}");
        assert!(!format!("{r:?}").contains("p@ss"));
    }

    #[test]
    fn short_values_never_stand_next_to_their_key() {
        let mut r = Redactor::default();
        r.learn("POSTGRES_PASSWORD", SecretKind::EnvValue, "x9z");
        r.learn("MINIO_ROOT_USER_SECRET", SecretKind::EnvValue, "k$y");
        assert_eq!(r.too_short, 2);
        let out = r.text("env POSTGRES_PASSWORD=x9z; \"POSTGRES_PASSWORD\": \"x9z\", ok x9z");
        assert_eq!(
            out,
            "env POSTGRES_PASSWORD=[redacted:POSTGRES_PASSWORD]; \
             \"POSTGRES_PASSWORD\": \"[redacted:POSTGRES_PASSWORD]\", ok x9z"
        );
        let mut v = serde_json::json!({"POSTGRES_PASSWORD": "x9z", "other": "x9z"});
        r.json(&mut v);
        assert_eq!(v["POSTGRES_PASSWORD"], "[redacted:POSTGRES_PASSWORD]");
        let mut doc: serde_yaml::Value =
            serde_yaml::from_str("MINIO_ROOT_USER_SECRET: k$$y\n").unwrap();
        r.yaml(&mut doc);
        assert!(!serde_yaml::to_string(&doc).unwrap().contains("k$"));
    }

    #[test]
    fn a_user_equal_to_its_password_is_not_shown_by_the_replacement() {
        let mut r = Redactor::default();
        let out = r.text("redis://cache:cache@redis:6379/0 and http://bob:pw@h/");
        assert_eq!(
            out,
            "redis://[redacted:url-password]:[redacted:url-password]@redis:6379/0 and \
             http://bob:[redacted:url-password]@h/"
        );
        r.learn("SVC_PASSWORD", SecretKind::EnvValue, "svc-user-1");
        let out = r.text("login svc-user-1 as postgres://svc-user-1:svc-user-1@db/x");
        assert!(!out.contains("svc-user-1"), "{out}");
    }

    #[test]
    fn a_secret_across_the_cut_of_a_long_line_is_removed_whole() {
        let token = "tok-0123456789abcdef";
        let mut r = Redactor::default();
        r.learn("API_TOKEN", SecretKind::EnvValue, token);
        let line = format!("{}{token}{}", "a".repeat(LOG_LINE_MAX - 6), "b".repeat(100));
        let out = r.log_line(&line);
        assert!(!out.contains("tok-0"), "{}", &out[out.len() - 200..]);
        assert!(out.ends_with(" bytes cut]"), "{}", &out[out.len() - 80..]);
        assert!(out.len() < LOG_LINE_MAX + 40);
        // Cut upstream in the middle of the token: the part before the cut goes too.
        let upstream = format!("{}tok-0123 … [999 bytes cut]", "a".repeat(100));
        let out = r.log_line(&upstream);
        assert!(!out.contains("tok-"), "{out}");
        assert!(out.ends_with(" bytes cut]"), "{out}");
    }
}
