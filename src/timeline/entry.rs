//! One line of the incident timeline: when, what kind, about whom, and where to look next.

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

/// What produced an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A Docker engine event (create, start, die, kill, stop, restart, health, network).
    Engine,
    /// A health probe changed state (up → degraded → down).
    Probe,
    FindingAppeared,
    FindingResolved,
    /// Something run from poc-tui (`up`, `restart`, …).
    Action,
    /// A user created or changed through poc-tui.
    Identity,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Engine => "engine",
            Kind::Probe => "probe",
            Kind::FindingAppeared => "finding_appeared",
            Kind::FindingResolved => "finding_resolved",
            Kind::Action => "action",
            Kind::Identity => "identity",
        }
    }
}

/// Where an entry was learnt, which matters when merging sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Written by poc-tui as it happened (actions, findings, probes, live events).
    #[default]
    Recorded,
    /// Read from the engine's event history.
    Events,
    /// Reconstructed from a container's last `State` (time is `FinishedAt`).
    State,
}

/// What `Enter` on the entry opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Link {
    /// The container's logs around `at`.
    Logs {
        container_id: String,
        #[serde(with = "rfc3339")]
        at: SystemTime,
    },
    /// A diagnosis finding, by its id (`area/check/subject`).
    Finding { id: String },
}

/// Facts that go with the entry; each is present only when it applies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Details {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oom_killed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_container: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_container: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// `$USER` of whoever ran the action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub who: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// An action's result: `ok` or `failed`. A command can exit 0 and still fail (the
    /// container is not in the promised state), so the exit code alone does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

/// One timeline entry, as stored (one JSON line) and as printed by `timeline --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    #[serde(with = "rfc3339")]
    pub time: SystemTime,
    pub kind: Kind,
    /// The short verb within the kind: `die`, `start`, `health_status`, `up`, `degraded` …
    pub event: String,
    /// A service key, a container name, `owner/workspace`, or a finding id.
    pub subject: String,
    /// The configured service the subject belongs to, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// One line for people.
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<Link>,
    #[serde(default)]
    pub details: Details,
    #[serde(default)]
    pub origin: Origin,
}

impl Entry {
    pub fn new(
        time: SystemTime,
        kind: Kind,
        event: &str,
        subject: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        Entry {
            time,
            kind,
            event: event.to_owned(),
            subject: subject.into(),
            service: None,
            text: text.into(),
            link: None,
            details: Details::default(),
            origin: Origin::Recorded,
        }
    }

    /// Two entries that say the same thing about the same subject at the same time.
    pub fn same_as(&self, other: &Entry) -> bool {
        self.time == other.time
            && self.kind == other.kind
            && self.event == other.event
            && self.subject == other.subject
    }

    /// True when the entry is about `name`: its service, subject or container.
    pub fn concerns(&self, name: &str) -> bool {
        let eq = |v: &str| v.eq_ignore_ascii_case(name);
        eq(&self.subject)
            || self.service.as_deref().is_some_and(eq)
            || self.details.container.as_deref().is_some_and(eq)
    }

    /// How long ago, relative to `now` (zero for the future).
    pub fn age(&self, now: SystemTime) -> Duration {
        now.duration_since(self.time).unwrap_or_default()
    }
}

/// RFC 3339 with nanoseconds in UTC, so entries sort and dedupe exactly.
pub mod rfc3339 {
    use std::time::SystemTime;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&humantime::format_rfc3339_nanos(*t).to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let text = String::deserialize(d)?;
        humantime::parse_rfc3339_weak(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_round_trips_through_one_json_line() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_nanos(1_790_000_000_123_456_789);
        let mut entry = Entry::new(at, Kind::Engine, "die", "gitea", "died: exit code 137");
        entry.details.exit_code = Some(137);
        entry.link = Some(Link::Logs {
            container_id: "abc".into(),
            at,
        });
        let line = serde_json::to_string(&entry).unwrap();
        assert!(!line.contains('\n'));
        assert!(line.contains("\"time\":\"2026-09-21T"), "{line}");
        assert!(!line.contains("oom_killed"), "{line}");
        let back: Entry = serde_json::from_str(&line).unwrap();
        assert_eq!(back, entry);
    }

    #[test]
    fn concerns_matches_service_subject_or_container() {
        let mut e = Entry::new(SystemTime::UNIX_EPOCH, Kind::Engine, "start", "gitea", "x");
        e.details.container = Some("poc-gitea".into());
        e.service = Some("gitea".into());
        assert!(e.concerns("Gitea"));
        assert!(e.concerns("poc-gitea"));
        assert!(!e.concerns("coder"));
    }
}
