//! Running probes: one bounded by its timeout and classified, or many at once.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures::future::join_all;

use super::inside::{Condition, InsideProber};
use super::spec::ProbeSpec;
use super::{http, net, postgres, short_duration, timed_out};
use super::{Health, HealthReport, ProbeOutcome, ProbeSettings};

/// Runs one probe, bounded by its timeout, and classifies the result.
pub async fn probe(
    client: &reqwest::Client,
    spec: &ProbeSpec,
    settings: &ProbeSettings,
) -> ProbeOutcome {
    if let Err(err) = spec.validate() {
        return ProbeOutcome::new(Health::Unknown, format!("invalid probe: {err}"));
    }
    let timeout = spec.timeout(settings.default_timeout);
    let deadline = tokio::time::Instant::now() + timeout;
    let run = async {
        match spec {
            ProbeSpec::Http {
                url,
                expect_status,
                expect_body,
                ..
            } => {
                let expect = http::Expectation {
                    status: expect_status,
                    body: expect_body.as_deref(),
                };
                http::probe_http(client, url, &expect, settings.body_limit, deadline, timeout).await
            }
            ProbeSpec::Postgres {
                host,
                port,
                user,
                database,
                ..
            } => {
                let target = postgres::PgTarget {
                    host,
                    port: *port,
                    user,
                    database: database.as_deref().unwrap_or(user),
                };
                postgres::probe_postgres(&target, deadline, timeout).await
            }
            ProbeSpec::Tcp { host, port, .. } => {
                net::probe_tcp(host, *port, deadline, timeout).await
            }
            ProbeSpec::Exec { .. } | ProbeSpec::Container { .. } => ProbeOutcome::new(
                Health::Unknown,
                "this probe looks inside a container and needs the Docker engine",
            ),
        }
    };
    // Every stage already stops at the deadline; this outer bound is a backstop.
    let outcome = tokio::time::timeout_at(deadline, run)
        .await
        .unwrap_or_else(|_| ProbeOutcome::new(Health::Down, timed_out(timeout, None)));
    mark_slow(outcome, settings.slow_after)
}

/// Probes every target concurrently; the reports come back in input order. Probes that look
/// inside containers say they need the engine: use [`Prober`] for those.
pub async fn check_all(
    client: &reqwest::Client,
    targets: &[(String, ProbeSpec)],
    settings: &ProbeSettings,
) -> Vec<HealthReport> {
    Prober::new(client.clone(), settings.clone())
        .check_all(targets)
        .await
}

/// Everything a probe needs: the HTTP client, the shared knobs and, for the probes that look
/// inside containers (`exec`, `container`), the engine.
#[derive(Debug, Clone)]
pub struct Prober {
    client: reqwest::Client,
    settings: ProbeSettings,
    inside: Option<Arc<InsideProber>>,
}

impl Prober {
    /// A prober for host-side probes only.
    pub fn new(client: reqwest::Client, settings: ProbeSettings) -> Self {
        Prober {
            client,
            settings,
            inside: None,
        }
    }

    /// Adds the engine for `exec` and `container` probes.
    #[must_use]
    pub fn with_inside(mut self, inside: InsideProber) -> Self {
        self.inside = Some(Arc::new(inside));
        self
    }

    /// Probes `service` with `spec`, bounded by the probe's timeout.
    pub async fn probe(&self, service: &str, spec: &ProbeSpec) -> ProbeOutcome {
        match (&self.inside, spec.needs_container()) {
            (Some(inside), true) => {
                if let Err(err) = spec.validate() {
                    return ProbeOutcome::new(Health::Unknown, format!("invalid probe: {err}"));
                }
                let timeout = spec.timeout(self.settings.default_timeout);
                // The exec has its own timeout; this bounds finding the container too.
                let bound = timeout + Duration::from_secs(5);
                let outcome = tokio::time::timeout(bound, inside.probe(service, spec, timeout))
                    .await
                    .unwrap_or_else(|_| ProbeOutcome::new(Health::Down, timed_out(bound, None)));
                mark_slow(outcome, self.settings.slow_after)
            }
            (Some(inside), false) => {
                let outcome = probe(&self.client, spec, &self.settings).await;
                if matches!(outcome.health, Health::Up | Health::Skipped) {
                    return outcome;
                }
                match inside.condition(service).await {
                    // A refused connection to a killed container is named for the kill.
                    Some(Condition::Stopped { container, fault }) => {
                        ProbeOutcome::new(Health::Down, fault.words).with_detail(Some(format!(
                            "container {container}; probe: {}",
                            outcome.reason
                        )))
                    }
                    // A container that has only just started is given time to open its port.
                    Some(Condition::Running { container, up })
                        if up < self.settings.starting_grace =>
                    {
                        ProbeOutcome::new(
                            Health::Degraded,
                            format!("starting: {} (up {})", outcome.reason, short_duration(up)),
                        )
                        .with_detail(Some(format!(
                            "container {container} started {} ago; checked again shortly",
                            short_duration(up)
                        )))
                        .retry_soon()
                    }
                    _ => outcome,
                }
            }
            (None, _) => probe(&self.client, spec, &self.settings).await,
        }
    }

    /// Probes every target concurrently; the reports come back in input order.
    pub async fn check_all(&self, targets: &[(String, ProbeSpec)]) -> Vec<HealthReport> {
        join_all(targets.iter().map(|(service, spec)| async move {
            let outcome = self.probe(service, spec).await;
            HealthReport {
                service: service.clone(),
                outcome,
                checked_at: SystemTime::now(),
            }
        }))
        .await
    }
}

/// An `Up` outcome that took longer than `slow_after` becomes `Degraded`.
fn mark_slow(mut outcome: ProbeOutcome, slow_after: Duration) -> ProbeOutcome {
    if outcome.health == Health::Up {
        if let Some(latency) = outcome.latency.filter(|l| *l > slow_after) {
            outcome.health = Health::Degraded;
            outcome.reason = format!("slow: {} in {}", outcome.reason, short_duration(latency));
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_up_becomes_degraded_but_fast_stays_up() {
        let slow = ProbeOutcome::new(Health::Up, "HTTP 200").with_latency(Duration::from_secs(2));
        let marked = mark_slow(slow, Duration::from_secs(1));
        assert_eq!(marked.health, Health::Degraded);
        assert_eq!(marked.reason, "slow: HTTP 200 in 2s");

        let fast = ProbeOutcome::new(Health::Up, "HTTP 200").with_latency(Duration::from_millis(5));
        assert_eq!(mark_slow(fast, Duration::from_secs(1)).health, Health::Up);
    }

    #[test]
    fn slow_down_is_left_alone() {
        let down = ProbeOutcome::new(Health::Down, "HTTP 500").with_latency(Duration::from_secs(9));
        assert_eq!(mark_slow(down, Duration::from_secs(1)).reason, "HTTP 500");
    }
}
