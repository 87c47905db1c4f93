//! Recent results of one service's probe: the latest report and a short latency series for a
//! sparkline.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use super::{Health, HealthReport};

/// One past check, small enough to keep dozens per service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    pub health: Health,
    pub latency: Option<Duration>,
    pub checked_at: SystemTime,
}

/// The last `capacity` checks of one service, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeHistory {
    capacity: usize,
    latest: Option<HealthReport>,
    samples: VecDeque<Sample>,
}

impl Default for ProbeHistory {
    fn default() -> Self {
        ProbeHistory::new(ProbeHistory::DEFAULT_CAPACITY)
    }
}

impl ProbeHistory {
    /// Enough samples for a sparkline across a wide table column.
    pub const DEFAULT_CAPACITY: usize = 60;

    /// A history keeping at most `capacity` samples (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        ProbeHistory {
            capacity,
            latest: None,
            samples: VecDeque::with_capacity(capacity),
        }
    }

    /// Adds a report; the oldest sample goes when the history is full.
    pub fn record(&mut self, report: HealthReport) {
        if self.samples.len() == self.capacity {
            self.samples.pop_front();
        }
        self.samples.push_back(Sample {
            health: report.outcome.health,
            latency: report.outcome.latency,
            checked_at: report.checked_at,
        });
        self.latest = Some(report);
    }

    /// The most recent report, if any check has finished.
    pub fn latest(&self) -> Option<&HealthReport> {
        self.latest.as_ref()
    }

    /// The current health: the latest report's, or `Unknown` before the first check.
    pub fn health(&self) -> Health {
        self.latest
            .as_ref()
            .map_or(Health::Unknown, |r| r.outcome.health)
    }

    /// Time since the latest check, or `None` before the first one.
    pub fn age(&self, now: SystemTime) -> Option<Duration> {
        self.latest.as_ref().map(|r| r.age(now))
    }

    /// Past checks, oldest first.
    pub fn samples(&self) -> impl ExactSizeIterator<Item = &Sample> {
        self.samples.iter()
    }

    /// Latencies in whole milliseconds, oldest first; `None` where the service did not answer
    /// (ratatui's `Sparkline` draws those as absent bars).
    pub fn latency_ms_series(&self) -> Vec<Option<u64>> {
        self.samples
            .iter()
            .map(|s| {
                s.latency
                    .map(|l| u64::try_from(l.as_millis()).unwrap_or(u64::MAX))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::ProbeOutcome;

    fn report(health: Health, latency_ms: Option<u64>, at_secs: u64) -> HealthReport {
        let mut outcome = ProbeOutcome::new(health, "x");
        outcome.latency = latency_ms.map(Duration::from_millis);
        HealthReport {
            service: "svc".into(),
            outcome,
            checked_at: SystemTime::UNIX_EPOCH + Duration::from_secs(at_secs),
        }
    }

    #[test]
    fn empty_history_is_unknown() {
        let history = ProbeHistory::default();
        assert_eq!(history.health(), Health::Unknown);
        assert_eq!(history.age(SystemTime::now()), None);
        assert!(history.latency_ms_series().is_empty());
    }

    #[test]
    fn keeps_the_last_samples_oldest_first() {
        let mut history = ProbeHistory::new(3);
        history.record(report(Health::Up, Some(10), 1));
        history.record(report(Health::Down, None, 2));
        history.record(report(Health::Up, Some(30), 3));
        history.record(report(Health::Degraded, Some(40), 4));
        assert_eq!(history.latency_ms_series(), vec![None, Some(30), Some(40)]);
        assert_eq!(history.health(), Health::Degraded);
        assert_eq!(history.samples().len(), 3);
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(10);
        assert_eq!(history.age(now), Some(Duration::from_secs(6)));
    }

    #[test]
    fn zero_capacity_still_keeps_one() {
        let mut history = ProbeHistory::new(0);
        history.record(report(Health::Up, Some(1), 1));
        history.record(report(Health::Up, Some(2), 2));
        assert_eq!(history.latency_ms_series(), vec![Some(2)]);
    }
}
