//! Authentik's registered redirect URIs, in both of the shapes it has used, and matching a
//! callback against them the way Authentik does.
//!
//! Before 2024.8.5 / 2024.10.3 `redirect_uris` was one string of newline-separated regexes;
//! since then it is a list of `{matching_mode: "strict" | "regex", url}`.

use regex::Regex;
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchingMode {
    Strict,
    Regex,
}

/// One registered redirect URI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RedirectUri {
    pub mode: MatchingMode,
    pub url: String,
}

impl std::fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.mode {
            MatchingMode::Strict => write!(f, "strict {}", self.url),
            MatchingMode::Regex => write!(f, "regex {}", self.url),
        }
    }
}

/// Which of the two shapes the provider answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RedirectForm {
    /// The list of `{matching_mode, url}` objects.
    List,
    /// The older newline-separated string: every line is a regex.
    NewlineString,
    /// Neither: absent or null.
    Missing,
}

/// Reads `redirect_uris` tolerantly. Unknown entries are skipped; a list entry without a
/// mode counts as strict (what Authentik's migration set).
pub fn parse(value: &Value) -> (RedirectForm, Vec<RedirectUri>) {
    match value {
        Value::String(text) => (
            RedirectForm::NewlineString,
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| RedirectUri {
                    mode: MatchingMode::Regex,
                    url: l.to_owned(),
                })
                .collect(),
        ),
        Value::Array(items) => (
            RedirectForm::List,
            items
                .iter()
                .filter_map(|item| match item {
                    Value::Object(map) => {
                        let url = map.get("url")?.as_str()?.to_owned();
                        let mode = match map.get("matching_mode").and_then(Value::as_str) {
                            Some(m) if m.eq_ignore_ascii_case("regex") => MatchingMode::Regex,
                            _ => MatchingMode::Strict,
                        };
                        Some(RedirectUri { mode, url })
                    }
                    Value::String(url) => Some(RedirectUri {
                        mode: MatchingMode::Strict,
                        url: url.clone(),
                    }),
                    _ => None,
                })
                .collect(),
        ),
        _ => (RedirectForm::Missing, Vec::new()),
    }
}

/// How a callback fared against the registered URIs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchOutcome {
    /// This entry accepts the callback.
    Matched(RedirectUri),
    /// Nothing registered: Authentik registers the first redirect URI it sees.
    EmptyAutoRegisters,
    /// No entry accepts it; the reasons per entry (e.g. a regex that does not compile).
    NoMatch(Vec<String>),
}

/// Does `entry` accept `callback`? Regexes must match the whole URL, as Authentik uses
/// `fullmatch`; a regex that does not compile accepts nothing.
pub fn accepts(entry: &RedirectUri, callback: &str) -> Result<bool, String> {
    match entry.mode {
        MatchingMode::Strict => Ok(entry.url == callback),
        MatchingMode::Regex => {
            let anchored = format!("^(?:{})$", entry.url);
            Regex::new(&anchored)
                .map(|re| re.is_match(callback))
                .map_err(|e| format!("regex {:?} does not compile: {e}", entry.url))
        }
    }
}

pub fn match_callback(entries: &[RedirectUri], callback: &str) -> MatchOutcome {
    if entries.is_empty() {
        return MatchOutcome::EmptyAutoRegisters;
    }
    let mut notes = Vec::new();
    for entry in entries {
        match accepts(entry, callback) {
            Ok(true) => return MatchOutcome::Matched(entry.clone()),
            Ok(false) => notes.push(format!("{entry}: {}", why_not(entry, callback))),
            Err(e) => notes.push(e),
        }
    }
    MatchOutcome::NoMatch(notes)
}

/// A short reason a strict entry differs: scheme, host, port, path or a trailing slash.
fn why_not(entry: &RedirectUri, callback: &str) -> String {
    if entry.mode == MatchingMode::Regex {
        return "regex does not match".to_owned();
    }
    let (Ok(a), Ok(b)) = (
        reqwest::Url::parse(&entry.url),
        reqwest::Url::parse(callback),
    ) else {
        return "differs".to_owned();
    };
    let mut parts = Vec::new();
    if a.scheme() != b.scheme() {
        parts.push(format!("scheme {} vs {}", a.scheme(), b.scheme()));
    }
    if a.host_str() != b.host_str() {
        parts.push(format!(
            "host {} vs {}",
            a.host_str().unwrap_or(""),
            b.host_str().unwrap_or("")
        ));
    }
    if a.port_or_known_default() != b.port_or_known_default() {
        let port = |u: &reqwest::Url| {
            u.port_or_known_default()
                .map_or("-".into(), |p| p.to_string())
        };
        parts.push(format!("port {} vs {}", port(&a), port(&b)));
    }
    if a.path() != b.path() {
        if a.path().trim_end_matches('/') == b.path().trim_end_matches('/') {
            parts.push("trailing slash".to_owned());
        } else {
            parts.push(format!("path {} vs {}", a.path(), b.path()));
        }
    }
    if parts.is_empty() {
        "differs".to_owned()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    const CODER_CB: &str = "http://host.docker.internal:7080/api/v2/users/oidc/callback";

    #[test]
    fn list_form_strict_matches_exactly() {
        let (form, entries) = parse(&json!([{"matching_mode": "strict", "url": CODER_CB}]));
        assert_eq!(form, RedirectForm::List);
        assert!(matches!(
            match_callback(&entries, CODER_CB),
            MatchOutcome::Matched(_)
        ));
    }

    #[test]
    fn wrong_port_is_named() {
        let (_, entries) = parse(&json!([{"matching_mode": "strict",
            "url": "http://host.docker.internal:7081/api/v2/users/oidc/callback"}]));
        let MatchOutcome::NoMatch(notes) = match_callback(&entries, CODER_CB) else {
            panic!("expected no match");
        };
        assert!(notes[0].contains("port 7081 vs 7080"), "{notes:?}");
    }

    #[test]
    fn trailing_slash_is_named() {
        let (_, entries) =
            parse(&json!([{"matching_mode": "strict", "url": format!("{CODER_CB}/")}]));
        let MatchOutcome::NoMatch(notes) = match_callback(&entries, CODER_CB) else {
            panic!("expected no match");
        };
        assert!(notes[0].contains("trailing slash"), "{notes:?}");
    }

    #[test]
    fn regex_entries_match_the_whole_url() {
        let (_, entries) = parse(&json!([{"matching_mode": "regex",
            "url": "http://host\\.docker\\.internal:7080/.*"}]));
        assert!(matches!(
            match_callback(&entries, CODER_CB),
            MatchOutcome::Matched(_)
        ));
        // A regex that matches only a prefix does not accept a longer URL.
        let (_, entries) =
            parse(&json!([{"matching_mode": "regex", "url": "http://host.docker.internal:7080"}]));
        assert!(matches!(
            match_callback(&entries, CODER_CB),
            MatchOutcome::NoMatch(_)
        ));
    }

    #[test]
    fn newline_string_form_is_regexes() {
        let text = format!(
            "http://localhost:3000/user/oauth2/authentik/callback\n{}\n",
            regex::escape(CODER_CB)
        );
        let (form, entries) = parse(&json!(text));
        assert_eq!(form, RedirectForm::NewlineString);
        assert_eq!(entries.len(), 2);
        assert!(entries.iter().all(|e| e.mode == MatchingMode::Regex));
        assert!(matches!(
            match_callback(&entries, CODER_CB),
            MatchOutcome::Matched(_)
        ));
    }

    #[test]
    fn broken_regex_matches_nothing_and_says_why() {
        let (_, entries) = parse(&json!("http://(unclosed"));
        let MatchOutcome::NoMatch(notes) = match_callback(&entries, CODER_CB) else {
            panic!("expected no match");
        };
        assert!(notes[0].contains("does not compile"), "{notes:?}");
    }

    #[test]
    fn empty_or_missing() {
        let (form, entries) = parse(&json!([]));
        assert_eq!(form, RedirectForm::List);
        assert_eq!(
            match_callback(&entries, CODER_CB),
            MatchOutcome::EmptyAutoRegisters
        );
        assert_eq!(parse(&Value::Null).0, RedirectForm::Missing);
        // Tolerant: a mode-less object is strict, junk is skipped.
        let (_, entries) = parse(&json!([{"url": CODER_CB}, 42, {"matching_mode": "regex"}]));
        assert_eq!(
            entries,
            vec![RedirectUri {
                mode: MatchingMode::Strict,
                url: CODER_CB.into()
            }]
        );
    }
}
