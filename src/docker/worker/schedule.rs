//! When to take the next one-shot statistics sample of each running container.
//!
//! Statistics are the expensive part of watching containers, mostly for the engine
//! (every sample makes dockerd ask containerd and the container's shim to read the
//! cgroup). So: no streaming stats; only the rows on screen are sampled once the app
//! says which they are (rows scrolled off screen are not sampled at all, and a row that
//! comes into view is sampled at once when its figures are stale); each of them once every
//! `background` interval, the focused container every `focus` interval, and a
//! fresh container once more after `warmup` so that its CPU % (which needs two
//! samples) shows soon. With many containers the background interval stretches
//! so that samples are at least `min_spacing` apart on average: the engine's cost
//! stays flat past a few dozen containers.
//!
//! Why these numbers (measured with `benches/docker_idle_cost.sh`, Docker 20.10):
//! an idle one-shot sample costs the engine roughly 10 ms of CPU, so a console
//! that samples 20 containers every second (the peer) costs it ~9 CPU-s a minute.
//! Sampling every 30 s (stretched to 50 s at 100 containers) keeps the engine's
//! extra cost near or under a CPU-second per minute. Samples that are due together
//! run together: Docker 20.10 serves one-shot requests from a collector that ticks
//! once a second, so one batch costs one tick of latency, not one per container.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant, SystemTime};

use crate::docker::stats::{ContainerStats, StatsSample};

#[derive(Debug)]
struct Entry {
    next_due: Instant,
    last: Option<StatsSample>,
    in_flight: bool,
}

impl Entry {
    /// When the last sample was taken (its own clock), if any.
    fn sampled_at(&self) -> Option<Instant> {
        self.last.as_ref().map(|s| s.taken_at)
    }
}

/// The sampling plan for the running containers.
#[derive(Debug)]
pub(crate) struct StatsSchedule {
    entries: HashMap<String, Entry>,
    background: Duration,
    focus_interval: Duration,
    warmup: Duration,
    min_spacing: Duration,
    focus: Option<String>,
    /// The containers on screen; None until the app says (then every container counts).
    visible: Option<HashSet<String>>,
}

impl StatsSchedule {
    pub(crate) fn new(
        background: Duration,
        focus_interval: Duration,
        warmup: Duration,
        min_spacing: Duration,
    ) -> Self {
        Self {
            entries: HashMap::new(),
            background,
            focus_interval,
            warmup,
            min_spacing,
            focus: None,
            visible: None,
        }
    }

    /// Whether a container is sampled at all: focused, on screen, or no screen known.
    fn wanted(&self, id: &str) -> bool {
        self.focus.as_deref() == Some(id) || self.visible.as_ref().is_none_or(|v| v.contains(id))
    }

    /// The containers on screen. One that comes into view with no sample, or one older than
    /// the background interval, is sampled now.
    pub(crate) fn set_visible(&mut self, ids: impl IntoIterator<Item = String>, now: Instant) {
        let ids: HashSet<String> = ids.into_iter().collect();
        let background = self.background_for(ids.len());
        for (id, entry) in &mut self.entries {
            let newly = self.visible.as_ref().is_some_and(|v| !v.contains(id));
            if newly && ids.contains(id) {
                let stale = entry
                    .sampled_at()
                    .is_none_or(|at| now.saturating_duration_since(at) >= background);
                if stale {
                    entry.next_due = entry.next_due.min(now);
                }
            }
        }
        self.visible = Some(ids);
    }

    /// The background interval, stretched for many sampled containers.
    fn background_interval(&self) -> Duration {
        let count = match &self.visible {
            Some(v) => self.entries.keys().filter(|id| v.contains(*id)).count(),
            None => self.entries.len(),
        };
        self.background_for(count)
    }

    fn background_for(&self, count: usize) -> Duration {
        let count = u32::try_from(count).unwrap_or(u32::MAX);
        self.background.max(self.min_spacing.saturating_mul(count))
    }

    /// Starts sampling a running container (no-op when already tracked).
    pub(crate) fn track(&mut self, id: &str, now: Instant) {
        self.entries.entry(id.to_string()).or_insert(Entry {
            next_due: now,
            last: None,
            in_flight: false,
        });
    }

    /// Stops sampling (container stopped or removed).
    pub(crate) fn untrack(&mut self, id: &str) {
        self.entries.remove(id);
    }

    /// Keeps only the containers for which `keep` says yes.
    pub(crate) fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.entries.retain(|id, _| keep(id));
    }

    #[cfg(test)]
    pub(crate) fn is_tracked(&self, id: &str) -> bool {
        self.entries.contains_key(id)
    }

    /// The focused container is sampled often; switching focus samples it now.
    pub(crate) fn set_focus(&mut self, id: Option<String>, now: Instant) {
        if let Some(entry) = id.as_deref().and_then(|id| self.entries.get_mut(id)) {
            entry.next_due = entry.next_due.min(now);
        }
        self.focus = id;
    }

    /// The earliest moment a sample is due, ignoring samples already running.
    pub(crate) fn next_due(&self) -> Option<Instant> {
        self.entries
            .iter()
            .filter(|(id, e)| !e.in_flight && self.wanted(id))
            .map(|(_, e)| e.next_due)
            .min()
    }

    pub(crate) fn in_flight(&self) -> usize {
        self.entries.values().filter(|e| e.in_flight).count()
    }

    /// Up to `limit` due containers, most overdue first, marked as in flight.
    pub(crate) fn take_due(&mut self, now: Instant, limit: usize) -> Vec<String> {
        let mut due: Vec<(&String, Instant)> = self
            .entries
            .iter()
            .filter(|(id, e)| !e.in_flight && e.next_due <= now && self.wanted(id))
            .map(|(id, e)| (id, e.next_due))
            .collect();
        due.sort_by_key(|(_, at)| *at);
        let ids: Vec<String> = due
            .into_iter()
            .take(limit)
            .map(|(id, _)| id.clone())
            .collect();
        for id in &ids {
            if let Some(entry) = self.entries.get_mut(id) {
                entry.in_flight = true;
            }
        }
        ids
    }

    fn interval_for(&self, id: &str, had_previous: bool) -> Duration {
        if self.focus.as_deref() == Some(id) {
            self.focus_interval
        } else if had_previous {
            self.background_interval()
        } else {
            self.warmup
        }
    }

    /// Stores a finished sample; returns what to show, or None if the container
    /// is no longer tracked or the answer had no data.
    pub(crate) fn record(
        &mut self,
        id: &str,
        sample: Option<StatsSample>,
        now: Instant,
        wall_clock: SystemTime,
    ) -> Option<ContainerStats> {
        let had_previous = self.entries.get(id)?.last.is_some();
        let interval = self.interval_for(id, had_previous);
        let entry = self.entries.get_mut(id)?;
        entry.in_flight = false;
        entry.next_due = now + interval;
        let sample = sample?;
        let stats = ContainerStats::from_samples(entry.last.as_ref(), &sample, wall_clock);
        entry.last = Some(sample);
        Some(stats)
    }

    /// A sample failed: try again at the background pace.
    pub(crate) fn failed(&mut self, id: &str, now: Instant) {
        let background = self.background_interval();
        if let Some(entry) = self.entries.get_mut(id) {
            entry.in_flight = false;
            entry.next_due = now + background;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sample(cpu: u64, system: u64, at: Instant) -> StatsSample {
        StatsSample {
            cpu_total: cpu,
            system_cpu: system,
            online_cpus: 2,
            mem_usage: 10,
            mem_inactive_file: None,
            mem_limit: 100,
            net_rx: 0,
            net_tx: 0,
            taken_at: at,
        }
    }

    fn schedule() -> StatsSchedule {
        StatsSchedule::new(
            Duration::from_secs(15),
            Duration::from_secs(2),
            Duration::from_secs(3),
            Duration::from_millis(500),
        )
    }

    #[test]
    fn many_containers_stretch_the_background_interval() {
        let t0 = Instant::now();
        let mut s = schedule();
        for i in 0..100 {
            s.track(&format!("c{i}"), t0);
        }
        let ids = s.take_due(t0, 200);
        for id in &ids {
            s.record(id, Some(sample(1, 1, t0)), t0, SystemTime::now());
        }
        // Warm-up is not stretched: CPU % shows soon after start.
        assert_eq!(s.next_due(), Some(t0 + Duration::from_secs(3)));
        let t1 = t0 + Duration::from_secs(3);
        for id in s.take_due(t1, 200) {
            s.record(&id, Some(sample(2, 2, t1)), t1, SystemTime::now());
        }
        // 100 containers × 0.5 s: each is sampled every 50 s, not every 15 s.
        assert_eq!(s.next_due(), Some(t1 + Duration::from_secs(50)));
    }

    #[test]
    fn new_containers_are_due_now_then_warm_up_then_background() {
        let t0 = Instant::now();
        let mut s = schedule();
        s.track("a", t0);
        s.track("b", t0);
        assert_eq!(s.next_due(), Some(t0));
        let first = s.take_due(t0, 1);
        assert_eq!(first.len(), 1, "the limit caps samples in flight");
        assert_eq!(s.in_flight(), 1);
        let id = first[0].clone();
        let stats = s
            .record(&id, Some(sample(100, 1000, t0)), t0, SystemTime::now())
            .unwrap();
        assert_eq!(stats.cpu_percent, None, "one sample gives no CPU %");
        // The second sample comes after the warm-up, then every background interval.
        let t1 = t0 + Duration::from_secs(3);
        let other = s.take_due(t0, 5);
        assert_eq!(other.len(), 1);
        assert_ne!(other[0], id);
        assert!(s
            .take_due(t1.checked_sub(Duration::from_millis(1)).unwrap(), 5)
            .is_empty());
        assert_eq!(s.take_due(t1, 5), vec![id.clone()]);
        let stats = s
            .record(&id, Some(sample(200, 2000, t1)), t1, SystemTime::now())
            .unwrap();
        assert!((stats.cpu_percent.unwrap() - 20.0).abs() < 1e-9);
        let t2 = t1 + Duration::from_secs(15);
        assert!(s
            .take_due(t2.checked_sub(Duration::from_millis(1)).unwrap(), 5)
            .iter()
            .all(|x| *x != id));
        assert!(s.take_due(t2, 5).contains(&id));
    }

    #[test]
    fn focus_samples_now_and_often() {
        let t0 = Instant::now();
        let mut s = schedule();
        s.track("a", t0);
        let id = s.take_due(t0, 1).remove(0);
        s.record(&id, Some(sample(1, 1, t0)), t0, SystemTime::now());
        let t1 = t0 + Duration::from_millis(500);
        assert!(s.take_due(t1, 1).is_empty());
        s.set_focus(Some("a".into()), t1);
        assert_eq!(s.take_due(t1, 1), vec!["a".to_string()]);
        s.record("a", Some(sample(2, 2, t1)), t1, SystemTime::now());
        assert_eq!(s.next_due(), Some(t1 + Duration::from_secs(2)));
    }

    #[test]
    fn untracked_or_failed_samples() {
        let t0 = Instant::now();
        let mut s = schedule();
        s.track("a", t0);
        s.take_due(t0, 1);
        s.untrack("a");
        assert!(s
            .record("a", Some(sample(1, 1, t0)), t0, SystemTime::now())
            .is_none());
        assert_eq!(s.next_due(), None);
        s.track("b", t0);
        s.take_due(t0, 1);
        s.failed("b", t0);
        assert_eq!(s.in_flight(), 0);
        assert_eq!(s.next_due(), Some(t0 + Duration::from_secs(15)));
        assert!(s.is_tracked("b"));
        s.track("c", t0);
        s.retain(|id| id == "c");
        assert!(!s.is_tracked("b"));
        assert!(s.is_tracked("c"));
    }

    #[test]
    fn only_rows_on_screen_and_the_focus_are_sampled() {
        let t0 = Instant::now();
        let mut s = schedule();
        for id in ["a", "b", "c", "d"] {
            s.track(id, t0);
        }
        // Before the app says what is on screen, every container is sampled.
        assert_eq!(s.take_due(t0, 10).len(), 4);
        for id in ["a", "b", "c", "d"] {
            s.record(id, Some(sample(1, 1, t0)), t0, SystemTime::now());
        }
        s.set_visible(["a".to_string(), "b".to_string()], t0);
        s.set_focus(Some("d".into()), t0);
        let t1 = t0 + Duration::from_secs(3600);
        let mut due = s.take_due(t1, 10);
        due.sort();
        assert_eq!(due, ["a", "b", "d"], "c is off screen: never sampled");
        for id in &due {
            s.record(id, Some(sample(2, 2, t1)), t1, SystemTime::now());
        }
        // c scrolls into view with an hour-old sample: it is due at once.
        let t2 = t1 + Duration::from_secs(1);
        s.set_visible(["b".to_string(), "c".to_string()], t2);
        assert_eq!(s.take_due(t2, 10), vec!["c".to_string()]);
        // a left the screen: nothing more for it, however long it waits.
        let t3 = t2 + Duration::from_secs(7200);
        assert!(!s.take_due(t3, 10).contains(&"a".to_string()));
    }
}
