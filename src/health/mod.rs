//! Health probes of the POC's services: HTTP, the Postgres wire protocol and TCP.
//!
//! One probe answers "is this service up, and if not, why": a [`ProbeOutcome`] carries a
//! [`Health`], a short reason ("connection refused", "HTTP 503 Service Unavailable",
//! "not Postgres"), the latency when the service answered, and an optional detail
//! (a server version, the first line of a body). Every probe is bounded by its timeout and
//! every body read by a byte cap. [`check_all`] runs many probes concurrently for headless use;
//! [`spawn_scheduler`] runs them periodically in a background task for the TUI.

mod http;
mod inside;
mod net;
mod postgres;
mod probe;
mod scheduler;
mod text;

pub mod history;
pub mod spec;

use std::fmt;
use std::time::{Duration, SystemTime};

use serde::{Serialize, Serializer};

pub use http::http_client;
pub use inside::InsideProber;
pub use probe::{check_all, probe, Prober};
pub use scheduler::{spawn_scheduler, spawn_scheduler_with, ProbeRequest, MIN_INTERVAL};
pub use spec::{ProbeSpec, SpecError};

/// How a service is doing, from best to worst news.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    /// Answered as expected, in time.
    Up,
    /// Reachable but not right: an unexpected status, a body lacking the expected text,
    /// a database still starting, or slower than allowed.
    Degraded,
    /// Not answering, or answering as something else: refused, timed out, no such host,
    /// a 5xx status, not Postgres.
    Down,
    /// Not checked yet, or the probe itself could not be run.
    Unknown,
    /// Deliberately not checked, with the reason: `--read-only` forbids the exec the probe
    /// needs, or the service has no container to look at. Never a pass, never a failure.
    Skipped,
}

impl Health {
    /// The lowercase name used in JSON and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Up => "up",
            Health::Degraded => "degraded",
            Health::Down => "down",
            Health::Unknown => "unknown",
            Health::Skipped => "skipped",
        }
    }

    /// How bad this is, for "worst of" summaries: up < skipped, unknown < degraded < down.
    pub fn severity(self) -> u8 {
        match self {
            Health::Up => 0,
            Health::Unknown | Health::Skipped => 1,
            Health::Degraded => 2,
            Health::Down => 3,
        }
    }

    /// The worst health among `items`, or `Unknown` when there are none.
    pub fn worst(items: impl IntoIterator<Item = Health>) -> Health {
        items
            .into_iter()
            .max_by_key(|h| h.severity())
            .unwrap_or(Health::Unknown)
    }
}

impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The result of one probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeOutcome {
    pub health: Health,
    /// A short, fixed-vocabulary reason ("HTTP 200", "connection refused", "timed out after 2s").
    pub reason: String,
    /// Time until the service answered (connect + reply + capped body). `None` when it never
    /// answered (refused, timed out, DNS failure).
    #[serde(rename = "latency_ms", serialize_with = "serialize_millis")]
    pub latency: Option<Duration>,
    /// Extra context, safe to print: a server version, a page title, an error chain.
    pub detail: Option<String>,
    /// The service is starting: probe it again soon instead of at the next interval.
    #[serde(skip)]
    pub retry_soon: bool,
}

impl ProbeOutcome {
    /// An outcome with no latency and no detail.
    pub fn new(health: Health, reason: impl Into<String>) -> Self {
        ProbeOutcome {
            health,
            reason: reason.into(),
            latency: None,
            detail: None,
            retry_soon: false,
        }
    }

    /// Marks a "starting" outcome: the scheduler probes it again soon.
    #[must_use]
    pub fn retry_soon(mut self) -> Self {
        self.retry_soon = true;
        self
    }

    /// The outcome of a service nobody has checked yet.
    pub fn unchecked() -> Self {
        ProbeOutcome::new(Health::Unknown, "not checked yet")
    }

    #[must_use]
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = Some(latency);
        self
    }

    #[must_use]
    pub fn with_detail(mut self, detail: Option<String>) -> Self {
        self.detail = detail.filter(|d| !d.is_empty());
        self
    }
}

/// Knobs shared by every probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeSettings {
    /// Whole-probe timeout (connect + reply + body) when the probe does not set its own.
    pub default_timeout: Duration,
    /// At most this many body bytes are read; the rest is never downloaded.
    pub body_limit: usize,
    /// An otherwise healthy answer slower than this is `Degraded`.
    pub slow_after: Duration,
    /// A failed probe of a container younger than this reports "starting", not down.
    pub starting_grace: Duration,
}

impl Default for ProbeSettings {
    fn default() -> Self {
        ProbeSettings {
            default_timeout: Duration::from_secs(3),
            body_limit: 64 * 1024,
            slow_after: Duration::from_millis(1500),
            starting_grace: Duration::from_secs(30),
        }
    }
}

/// One service's outcome and when it was taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HealthReport {
    pub service: String,
    pub outcome: ProbeOutcome,
    #[serde(serialize_with = "serialize_rfc3339")]
    pub checked_at: SystemTime,
}

impl HealthReport {
    /// How long ago the check was taken (zero if the clock went backwards).
    pub fn age(&self, now: SystemTime) -> Duration {
        now.duration_since(self.checked_at).unwrap_or_default()
    }
}

/// "timed out after 2s", optionally with the stage that did not finish.
pub(crate) fn timed_out(timeout: Duration, stage: Option<&str>) -> String {
    let base = format!("timed out after {}", short_duration(timeout));
    match stage {
        Some(stage) => format!("{base} ({stage})"),
        None => base,
    }
}

/// "850ms", "2s", "2.5s": short enough for a table cell.
pub fn short_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

// serde's `serialize_with` hands over a reference to the field as declared.
#[allow(clippy::ref_option)]
fn serialize_millis<S: Serializer>(value: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(d) => s.serialize_some(&(d.as_secs_f64() * 1000.0)),
        None => s.serialize_none(),
    }
}

fn serialize_rfc3339<S: Serializer>(value: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&humantime::format_rfc3339_millis(*value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_serializes_lowercase_and_displays() {
        let json = serde_json::to_string(&[Health::Up, Health::Degraded, Health::Down])
            .expect("health serializes");
        assert_eq!(json, r#"["up","degraded","down"]"#);
        assert_eq!(Health::Unknown.to_string(), "unknown");
    }

    #[test]
    fn worst_prefers_down_over_degraded_over_unknown() {
        assert_eq!(
            Health::worst([Health::Up, Health::Down, Health::Degraded]),
            Health::Down
        );
        assert_eq!(
            Health::worst([Health::Up, Health::Unknown]),
            Health::Unknown
        );
        assert_eq!(Health::worst([]), Health::Unknown);
    }

    #[test]
    fn short_durations_read_well() {
        assert_eq!(short_duration(Duration::from_millis(850)), "850ms");
        assert_eq!(short_duration(Duration::from_secs(2)), "2s");
        assert_eq!(short_duration(Duration::from_millis(2500)), "2.5s");
        assert_eq!(
            timed_out(Duration::from_secs(2), Some("reading body")),
            "timed out after 2s (reading body)"
        );
    }

    #[test]
    fn report_serializes_latency_in_ms_and_time_as_rfc3339() {
        let report = HealthReport {
            service: "gitea".into(),
            outcome: ProbeOutcome::new(Health::Up, "HTTP 200")
                .with_latency(Duration::from_millis(12)),
            checked_at: SystemTime::UNIX_EPOCH + Duration::from_secs(86_400),
        };
        let value = serde_json::to_value(&report).expect("report serializes");
        assert_eq!(value["outcome"]["health"], "up");
        assert_eq!(value["outcome"]["latency_ms"], 12.0);
        assert_eq!(value["checked_at"], "1970-01-02T00:00:00.000Z");
        assert!(value["outcome"]["detail"].is_null());
    }
}
