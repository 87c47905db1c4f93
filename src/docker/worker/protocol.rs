//! What the Docker worker and the app say to each other, how the worker is set up, and what
//! it keeps across reconnects.

use std::time::Duration;

use crate::docker::connect::EngineInfo;
use crate::docker::model::ContainerInfo;
use crate::docker::stats::ContainerStats;
use crate::docker::target::EngineEnv;
use crate::docker::EngineDown;

/// What the worker tells the app.
#[derive(Debug, Clone)]
pub enum DockerEvent {
    Connected(EngineInfo),
    Disconnected(EngineDown),
    /// Every container, replacing what the app knew.
    Snapshot(Vec<ContainerInfo>),
    /// One container was created or changed.
    Upsert(Box<ContainerInfo>),
    Removed {
        id: String,
    },
    Stats {
        id: String,
        stats: ContainerStats,
    },
}

/// What the app asks of the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DockerRequest {
    /// The selected container (by id) gets fresher statistics; None for no selection.
    Focus(Option<String>),
    /// The containers whose rows are on screen: only these (and the focused one) are
    /// sampled. Until the first of these, every running container is.
    Visible(Vec<String>),
    /// Read everything again now (also retries a lost engine at once).
    Resync,
}

/// How the worker connects and how often it samples.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// The `--docker-host` flag value.
    pub docker_host: Option<String>,
    /// Where `DOCKER_HOST`, contexts and sockets are looked up.
    pub env: EngineEnv,
    /// Per request (until the answer starts).
    pub request_timeout: Duration,
    /// Each running container is sampled this often.
    pub stats_interval: Duration,
    /// The focused container is sampled this often.
    pub focus_stats_interval: Duration,
    /// A new container's second sample (its first CPU %) comes this soon.
    pub stats_warmup: Duration,
    /// With many containers, background samples are at least this far apart on
    /// average (the interval per container stretches to count × spacing).
    pub stats_min_spacing: Duration,
    /// At most this many samples run at once.
    pub stats_in_flight: usize,
    /// A cheap list call this often catches anything the events missed.
    pub resync_interval: Duration,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self {
            docker_host: None,
            env: EngineEnv::from_process(),
            request_timeout: Duration::from_secs(10),
            stats_interval: Duration::from_secs(30),
            focus_stats_interval: Duration::from_secs(2),
            stats_warmup: Duration::from_secs(3),
            stats_min_spacing: Duration::from_millis(500),
            stats_in_flight: 16,
            resync_interval: Duration::from_secs(60),
            backoff_min: Duration::from_millis(500),
            backoff_max: Duration::from_secs(10),
        }
    }
}

/// Commands the worker remembers across reconnects.
#[derive(Debug, Default)]
pub(crate) struct Remembered {
    pub focus: Option<String>,
    pub visible: Option<Vec<String>>,
    pub commands_open: bool,
}
