//! Known-issue hints: log patterns mapped to a diagnosis and a fix.
//!
//! The embedded table (`assets/known-issues.toml`) is seeded from the POC
//! manual; users add or override entries (same `id` replaces) in their config.
//! All patterns are matched together with one `RegexSet`, so a line is scanned once.

use regex::{Regex, RegexSet, RegexSetBuilder};
use serde::{Deserialize, Serialize};

const EMBEDDED: &str = include_str!("../../assets/known-issues.toml");

/// Index of an issue in its [`KnownIssues`] table.
pub type IssueIndex = u16;

/// One known issue, as written in the TOML table or a user's config.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KnownIssueSpec {
    pub id: String,
    pub title: String,
    /// A Rust regex matched against the sanitised line.
    pub pattern: String,
    pub explanation: String,
    pub fix: String,
    /// Section of the POC services manual that covers it.
    #[serde(default)]
    pub reference: Option<String>,
    /// Service keys this issue applies to; empty means every container.
    #[serde(default)]
    pub applies_to: Vec<String>,
}

/// A matched issue is described by its spec.
pub type KnownIssue = KnownIssueSpec;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IssueFile {
    #[serde(default)]
    issue: Vec<KnownIssueSpec>,
}

/// Why a known-issue table was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HintsError {
    #[error("known-issue table: {0}")]
    Parse(String),
    #[error("known issue `{id}`: invalid pattern: {message}")]
    InvalidPattern { id: String, message: String },
    #[error("known issue `{0}` is defined twice")]
    DuplicateId(String),
    #[error("known issue with an empty id or pattern")]
    Empty,
    #[error("too many known issues ({0})")]
    TooMany(usize),
}

/// The compiled table.
#[derive(Debug, Clone)]
pub struct KnownIssues {
    issues: Vec<KnownIssue>,
    set: RegexSet,
}

/// Bounds the compiled size of user patterns.
const PATTERN_SIZE_LIMIT: usize = 4 << 20;

impl KnownIssues {
    /// The table shipped with poc-tui.
    pub fn embedded() -> Result<Self, HintsError> {
        Self::compile(parse_table(EMBEDDED)?)
    }

    /// The embedded table plus a user's entries. A user entry with the id of an
    /// embedded one replaces it in place; new entries are tried first, so a
    /// user's specific pattern wins over a generic built-in one.
    pub fn with_user(extra: Vec<KnownIssueSpec>) -> Result<Self, HintsError> {
        let mut base = parse_table(EMBEDDED)?;
        let mut added = Vec::new();
        for spec in extra {
            if added.iter().any(|s: &KnownIssueSpec| s.id == spec.id) {
                return Err(HintsError::DuplicateId(spec.id));
            }
            if let Some(slot) = base.iter_mut().find(|s| s.id == spec.id) {
                *slot = spec;
            } else {
                added.push(spec);
            }
        }
        added.extend(base);
        Self::compile(added)
    }

    /// Parses a TOML document of `[[issue]]` tables (same form as the embedded one).
    pub fn from_toml(text: &str) -> Result<Self, HintsError> {
        Self::compile(parse_table(text)?)
    }

    /// A table that matches nothing.
    pub fn empty() -> Self {
        Self {
            issues: Vec::new(),
            set: RegexSet::empty(),
        }
    }

    fn compile(issues: Vec<KnownIssueSpec>) -> Result<Self, HintsError> {
        if issues.len() > usize::from(IssueIndex::MAX) {
            return Err(HintsError::TooMany(issues.len()));
        }
        for (i, spec) in issues.iter().enumerate() {
            if spec.id.trim().is_empty() || spec.pattern.is_empty() {
                return Err(HintsError::Empty);
            }
            if issues[..i].iter().any(|s| s.id == spec.id) {
                return Err(HintsError::DuplicateId(spec.id.clone()));
            }
            // Compiled alone first so the error names the culprit.
            Regex::new(&spec.pattern).map_err(|e| HintsError::InvalidPattern {
                id: spec.id.clone(),
                message: e.to_string(),
            })?;
        }
        let set = RegexSetBuilder::new(issues.iter().map(|s| &s.pattern))
            .size_limit(PATTERN_SIZE_LIMIT)
            .build()
            .map_err(|e| HintsError::InvalidPattern {
                id: "(all patterns together)".to_owned(),
                message: e.to_string(),
            })?;
        Ok(Self { issues, set })
    }

    pub fn len(&self) -> usize {
        self.issues.len()
    }

    pub fn is_empty(&self) -> bool {
        self.issues.is_empty()
    }

    pub fn get(&self, index: IssueIndex) -> Option<&KnownIssue> {
        self.issues.get(usize::from(index))
    }

    pub fn iter(&self) -> impl Iterator<Item = &KnownIssue> {
        self.issues.iter()
    }

    /// The first issue whose pattern matches the line.
    pub fn match_line(&self, line: &str) -> Option<&KnownIssue> {
        self.match_index(line, None).and_then(|i| self.get(i))
    }

    /// The index of the first issue matching the line and applying to `service`
    /// (`None` = unknown service: every issue applies).
    pub fn match_index(&self, line: &str, service: Option<&str>) -> Option<IssueIndex> {
        if self.issues.is_empty() {
            return None;
        }
        self.set
            .matches(line)
            .iter()
            .find(|&i| applies(&self.issues[i], service))
            .and_then(|i| IssueIndex::try_from(i).ok())
    }
}

fn applies(issue: &KnownIssue, service: Option<&str>) -> bool {
    match service {
        Some(service) if !issue.applies_to.is_empty() => {
            issue.applies_to.iter().any(|s| s == service)
        }
        _ => true,
    }
}

fn parse_table(text: &str) -> Result<Vec<KnownIssueSpec>, HintsError> {
    toml::from_str::<IssueFile>(text)
        .map(|file| file.issue)
        .map_err(|e| HintsError::Parse(e.to_string()))
}

/// How often one issue was seen in one container's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TallyEntry {
    pub issue: IssueIndex,
    pub count: u64,
    pub first_seq: u64,
    pub last_seq: u64,
}

/// Issues seen in one container's log, in the order first seen (for the hints panel
/// and the row badge).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssueTally {
    entries: Vec<TallyEntry>,
}

impl IssueTally {
    pub fn record(&mut self, issue: IssueIndex, seq: u64) {
        if let Some(entry) = self.entries.iter_mut().find(|e| e.issue == issue) {
            entry.count += 1;
            entry.last_seq = entry.last_seq.max(seq);
        } else {
            self.entries.push(TallyEntry {
                issue,
                count: 1,
                first_seq: seq,
                last_seq: seq,
            });
        }
    }

    pub fn entries(&self) -> &[TallyEntry] {
        &self.entries
    }

    /// Distinct issues seen (the badge number).
    pub fn distinct(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> KnownIssues {
        KnownIssues::embedded().expect("embedded table compiles")
    }

    fn id_of(line: &str) -> Option<String> {
        table().match_line(line).map(|i| i.id.clone())
    }

    #[test]
    fn embedded_table_is_valid_and_documented() {
        let t = table();
        assert!(t.len() >= 15, "seeded from every symptom, got {}", t.len());
        for issue in t.iter() {
            assert!(
                !issue.title.is_empty() && !issue.explanation.is_empty() && !issue.fix.is_empty()
            );
            assert!(
                issue.reference.is_some(),
                "{} has no manual reference",
                issue.id
            );
        }
    }

    #[test]
    fn reference_messages_match_their_issue() {
        let cases = [
            ("curl: (7) Failed to connect to localhost port 7080 after 0 ms: Connection refused", "agent-access-url-localhost"),
            ("error: Failed to download coder agent", "agent-download-failed"),
            ("run docker ps: exit status 1", "devcontainer-detection-docker-ps"),
            ("lifecycle:{state:START_ERROR}", "agent-start-error"),
            ("warning: output pipes not closed", "output-pipes-not-closed"),
            (r#"401: Cookie "oauth_state" must be provided."#, "oauth-state-cookie"),
            ("State mismatched.", "oauth-state-mismatched"),
            (
                r#"oidc: issuer did not match the issuer returned by provider, expected "http://a/" got "http://b/""#,
                "oidc-issuer-mismatch",
            ),
            (
                r#"Incorrect login type, attempting to use "oidc" but user is of login type "password""#,
                "incorrect-login-type",
            ),
            ("Path-based applications are disabled on this Coder deployment by the administrator.", "path-apps-disabled"),
            ("Path apps disabled", "path-apps-disabled"),
            ("Wildcard URL required", "wildcard-url-required"),
            (
                "fatal: unable to access 'http://localhost:3000/org/repo.git/': Failed to connect to localhost port 3000: Connection refused",
                "gitea-localhost-from-container",
            ),
            ("curl: (6) Could not resolve host: host.docker.internal", "host-docker-internal-unresolved"),
            ("FATAL: the database system is starting up (SQLSTATE 57P03)", "postgres-starting-up"),
            ("dial tcp 127.0.0.1:8090: connect: connection refused", "localhost-from-container"),
        ];
        for (line, want) in cases {
            assert_eq!(id_of(line).as_deref(), Some(want), "line: {line}");
        }
    }

    #[test]
    fn ordinary_lines_match_nothing() {
        for line in [
            "GET /api/v2/buildinfo 200",
            "agent connected",
            "started server on :7080",
            "",
        ] {
            assert_eq!(id_of(line), None, "line: {line}");
        }
    }

    fn spec(id: &str, pattern: &str) -> KnownIssueSpec {
        KnownIssueSpec {
            id: id.to_owned(),
            title: format!("title {id}"),
            pattern: pattern.to_owned(),
            explanation: "why".to_owned(),
            fix: "fix".to_owned(),
            reference: None,
            applies_to: Vec::new(),
        }
    }

    #[test]
    fn user_entries_add_and_override() {
        let t = KnownIssues::with_user(vec![
            spec("my-issue", "frobnicator exploded"),
            spec("incorrect-login-type", "login type is wrong"),
        ])
        .expect("compiles");
        assert_eq!(
            t.match_line("the frobnicator exploded")
                .map(|i| i.id.as_str()),
            Some("my-issue")
        );
        assert_eq!(
            t.match_line("login type is wrong")
                .map(|i| i.title.as_str()),
            Some("title incorrect-login-type")
        );
        // The overridden pattern no longer matches the old message.
        assert_eq!(t.match_line("Incorrect login type"), None);
        assert_eq!(t.len(), table().len() + 1);
    }

    #[test]
    fn bad_user_patterns_are_typed_errors() {
        let err = KnownIssues::with_user(vec![spec("broken", "(oops")]).expect_err("invalid");
        assert!(
            matches!(err, HintsError::InvalidPattern { ref id, .. } if id == "broken"),
            "{err}"
        );
        let dup = KnownIssues::with_user(vec![spec("a", "x"), spec("a", "y")]).expect_err("dup");
        assert_eq!(dup, HintsError::DuplicateId("a".into()));
        assert!(matches!(
            KnownIssues::from_toml("[[issue]]\nid = 1"),
            Err(HintsError::Parse(_))
        ));
        assert_eq!(
            KnownIssues::with_user(vec![spec(" ", "x")]).expect_err("empty"),
            HintsError::Empty
        );
    }

    #[test]
    fn applies_to_limits_by_service() {
        let mut only_gitea = spec("gitea-only", "boom");
        only_gitea.applies_to = vec!["gitea".into()];
        let t = KnownIssues::with_user(vec![only_gitea]).expect("compiles");
        assert!(t.match_index("boom", Some("gitea")).is_some());
        assert!(t.match_index("boom", Some("coder")).is_none());
        assert!(t.match_index("boom", None).is_some());
    }

    #[test]
    fn tally_counts_per_issue_in_first_seen_order() {
        let mut tally = IssueTally::default();
        tally.record(3, 10);
        tally.record(1, 11);
        tally.record(3, 15);
        assert_eq!(tally.distinct(), 2);
        assert_eq!(
            tally.entries()[0],
            TallyEntry {
                issue: 3,
                count: 2,
                first_seq: 10,
                last_seq: 15
            }
        );
        assert_eq!(tally.entries()[1].issue, 1);
    }
}
