//! Container statistics from one-shot samples.
//!
//! One-shot samples carry no "previous" reading, so CPU % comes from the delta
//! between two of our own successive samples, computed like `docker stats`:
//! (Δ container CPU time / Δ system CPU time) × online CPUs × 100.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bollard::models::ContainerStatsResponse;
use serde::Serialize;

/// The raw counters of one sample.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsSample {
    pub cpu_total: u64,
    pub system_cpu: u64,
    pub online_cpus: u32,
    pub mem_usage: u64,
    /// Page cache the kernel can drop; the CLI subtracts it from usage.
    pub mem_inactive_file: Option<u64>,
    pub mem_limit: u64,
    pub net_rx: u64,
    pub net_tx: u64,
    pub taken_at: Instant,
}

impl StatsSample {
    /// Reads a stats answer; None when it has no CPU data (container not running).
    pub fn from_response(response: &ContainerStatsResponse, taken_at: Instant) -> Option<Self> {
        // A container that is not running answers with the zero time and zeros.
        if response
            .read
            .as_deref()
            .is_some_and(|read| read.starts_with("0001-"))
        {
            return None;
        }
        let cpu = response.cpu_stats.as_ref()?;
        let usage = cpu.cpu_usage.as_ref()?;
        let cpu_total = usage.total_usage?;
        let online_cpus = match cpu.online_cpus {
            Some(n) if n > 0 => n,
            _ => usage.percpu_usage.as_ref().map_or(1, |per_cpu| {
                u32::try_from(per_cpu.len()).unwrap_or(1).max(1)
            }),
        };
        let memory = response.memory_stats.clone().unwrap_or_default();
        let memory_stats = memory.stats.unwrap_or_default();
        // cgroup v1 reports total_inactive_file, cgroup v2 inactive_file.
        let mem_inactive_file = memory_stats
            .get("total_inactive_file")
            .or_else(|| memory_stats.get("inactive_file"))
            .copied();
        let (net_rx, net_tx) =
            response
                .networks
                .iter()
                .flatten()
                .fold((0_u64, 0_u64), |(rx, tx), (_, n)| {
                    (
                        rx.saturating_add(n.rx_bytes.unwrap_or(0)),
                        tx.saturating_add(n.tx_bytes.unwrap_or(0)),
                    )
                });
        Some(Self {
            cpu_total,
            system_cpu: cpu.system_cpu_usage.unwrap_or(0),
            online_cpus,
            mem_usage: memory.usage.unwrap_or(0),
            mem_inactive_file,
            mem_limit: memory.limit.unwrap_or(0),
            net_rx,
            net_tx,
            taken_at,
        })
    }

    /// Memory in use the way the Docker CLI shows it (without reclaimable cache).
    pub fn mem_used(&self) -> u64 {
        match self.mem_inactive_file {
            Some(inactive) if inactive < self.mem_usage => self.mem_usage - inactive,
            _ => self.mem_usage,
        }
    }
}

/// What the Services tab shows for a running container.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContainerStats {
    /// None until two samples exist.
    pub cpu_percent: Option<f64>,
    pub mem_used: u64,
    pub mem_limit: u64,
    /// Bytes since the container started, summed over all its interfaces.
    pub net_rx: u64,
    pub net_tx: u64,
    /// Bytes per second between the last two samples.
    pub net_rx_rate: Option<f64>,
    pub net_tx_rate: Option<f64>,
    /// Milliseconds since the Unix epoch.
    pub sampled_at_ms: u64,
}

impl ContainerStats {
    /// Combines the newest sample with the previous one (if any) of the same container.
    pub fn from_samples(
        previous: Option<&StatsSample>,
        current: &StatsSample,
        now: SystemTime,
    ) -> Self {
        let mut cpu_percent = None;
        let mut net_rx_rate = None;
        let mut net_tx_rate = None;
        if let Some(previous) = previous {
            let cpu_delta = current.cpu_total.checked_sub(previous.cpu_total);
            let system_delta = current.system_cpu.checked_sub(previous.system_cpu);
            if let (Some(cpu), Some(system)) = (cpu_delta, system_delta) {
                if system > 0 {
                    cpu_percent =
                        Some(cpu as f64 / system as f64 * f64::from(current.online_cpus) * 100.0);
                }
            }
            let elapsed = current
                .taken_at
                .saturating_duration_since(previous.taken_at)
                .as_secs_f64();
            if elapsed > 0.0 {
                let rate =
                    |now: u64, before: u64| now.checked_sub(before).map(|d| d as f64 / elapsed);
                net_rx_rate = rate(current.net_rx, previous.net_rx);
                net_tx_rate = rate(current.net_tx, previous.net_tx);
            }
        }
        Self {
            cpu_percent,
            mem_used: current.mem_used(),
            mem_limit: current.mem_limit,
            net_rx: current.net_rx,
            net_tx: current.net_tx,
            net_rx_rate,
            net_tx_rate,
            sampled_at_ms: now
                .duration_since(UNIX_EPOCH)
                .unwrap_or(Duration::ZERO)
                .as_millis()
                .try_into()
                .unwrap_or(u64::MAX),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn response(cpu: u64, system: u64, online: u32, rx: [u64; 2]) -> ContainerStatsResponse {
        serde_json::from_value(serde_json::json!({
            "read": "2026-11-29T08:00:00Z",
            "cpu_stats": {
                "cpu_usage": {"total_usage": cpu, "usage_in_kernelmode": 0, "usage_in_usermode": 0},
                "system_cpu_usage": system,
                "online_cpus": online
            },
            "precpu_stats": {"cpu_usage": {"total_usage": 0}},
            "memory_stats": {
                "usage": 300_u64 * 1024 * 1024,
                "limit": 2_u64 * 1024 * 1024 * 1024,
                "stats": {"inactive_file": 100_u64 * 1024 * 1024, "anon": 1}
            },
            "networks": {
                "eth0": {"rx_bytes": rx[0], "tx_bytes": 10},
                "eth1": {"rx_bytes": rx[1], "tx_bytes": 20}
            }
        }))
        .unwrap()
    }

    #[test]
    fn cpu_percent_like_docker_stats() {
        let t0 = Instant::now();
        let first = StatsSample::from_response(&response(1_000, 100_000, 4, [0, 0]), t0).unwrap();
        let second = StatsSample::from_response(
            &response(6_000, 200_000, 4, [1000, 1000]),
            t0 + Duration::from_secs(2),
        )
        .unwrap();
        let alone = ContainerStats::from_samples(None, &first, SystemTime::now());
        assert_eq!(alone.cpu_percent, None);
        let stats = ContainerStats::from_samples(Some(&first), &second, SystemTime::now());
        // 5000 / 100000 × 4 CPUs × 100 = 20 %
        let cpu = stats.cpu_percent.unwrap();
        assert!((cpu - 20.0).abs() < 1e-9, "{cpu}");
        assert_eq!(stats.net_rx, 2000, "all interfaces are summed");
        assert_eq!(stats.net_tx, 30);
        assert!((stats.net_rx_rate.unwrap() - 1000.0).abs() < 1e-9);
        assert!((stats.net_tx_rate.unwrap()).abs() < 1e-9);
    }

    #[test]
    fn memory_excludes_inactive_file_cache() {
        let sample =
            StatsSample::from_response(&response(1, 1, 1, [0, 0]), Instant::now()).unwrap();
        assert_eq!(sample.mem_used(), 200 * 1024 * 1024);
        assert_eq!(sample.mem_limit, 2 * 1024 * 1024 * 1024);
        let v1: ContainerStatsResponse = serde_json::from_value(serde_json::json!({
            "cpu_stats": {"cpu_usage": {"total_usage": 5, "percpu_usage": [1, 2, 2]}, "system_cpu_usage": 9},
            "memory_stats": {"usage": 1000, "limit": 5000, "stats": {"total_inactive_file": 400, "cache": 600}}
        }))
        .unwrap();
        let sample = StatsSample::from_response(&v1, Instant::now()).unwrap();
        assert_eq!(sample.mem_used(), 600);
        assert_eq!(sample.online_cpus, 3, "falls back to the per-CPU list");
    }

    #[test]
    fn counters_that_go_backwards_give_no_rate() {
        // A restarted container resets its counters.
        let t0 = Instant::now();
        let before = StatsSample::from_response(&response(9_000, 100, 1, [500, 0]), t0).unwrap();
        let after =
            StatsSample::from_response(&response(10, 200, 1, [5, 0]), t0 + Duration::from_secs(1))
                .unwrap();
        let stats = ContainerStats::from_samples(Some(&before), &after, SystemTime::now());
        assert_eq!(stats.cpu_percent, None);
        assert_eq!(stats.net_rx_rate, None);
    }

    #[test]
    fn a_stopped_container_answer_has_no_sample() {
        let empty: ContainerStatsResponse = serde_json::from_value(serde_json::json!({
            "read": "0001-01-01T00:00:00Z", "cpu_stats": {"cpu_usage": {"total_usage": 0}}, "memory_stats": {}
        }))
        .unwrap();
        assert!(StatsSample::from_response(&empty, Instant::now()).is_none());
        let no_cpu: ContainerStatsResponse =
            serde_json::from_value(serde_json::json!({"cpu_stats": {"cpu_usage": {}}})).unwrap();
        assert!(StatsSample::from_response(&no_cpu, Instant::now()).is_none());
    }
}
