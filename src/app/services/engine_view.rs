//! What the console knows of the Docker engine: its status, every container and its latest
//! statistics, kept current from the Docker worker's events.

use std::collections::HashMap;

use crate::config::Config;
use crate::docker::{
    classify, Classified, ContainerInfo, ContainerStats, DockerEvent, EngineDown, EngineInfo,
    ServiceMatcher,
};

/// Whether the engine answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineStatus {
    Connecting,
    Up(EngineInfo),
    Down(EngineDown),
}

#[derive(Debug, Clone)]
pub struct EngineView {
    pub status: EngineStatus,
    pub containers: HashMap<String, ContainerInfo>,
    pub stats: HashMap<String, ContainerStats>,
    pub classified: Classified,
    matchers: Vec<ServiceMatcher>,
}

/// How each configured service finds its containers (see `Config::service_matchers`).
pub fn matchers(config: &Config) -> Vec<ServiceMatcher> {
    config.service_matchers()
}

impl EngineView {
    pub fn new(config: &Config) -> Self {
        EngineView {
            status: EngineStatus::Connecting,
            containers: HashMap::new(),
            stats: HashMap::new(),
            classified: Classified::default(),
            matchers: matchers(config),
        }
    }

    /// Applies one worker event; returns true when anything visible changed.
    pub fn apply(&mut self, event: DockerEvent) -> bool {
        match event {
            DockerEvent::Connected(info) => self.status = EngineStatus::Up(info),
            DockerEvent::Disconnected(down) => self.status = EngineStatus::Down(down),
            DockerEvent::Snapshot(all) => {
                self.containers = all.into_iter().map(|c| (c.id.clone(), c)).collect();
                let containers = &self.containers;
                self.stats.retain(|id, _| containers.contains_key(id));
                self.reclassify();
            }
            DockerEvent::Upsert(info) => {
                if !info.state.has_stats() {
                    self.stats.remove(&info.id);
                }
                self.containers.insert(info.id.clone(), *info);
                self.reclassify();
            }
            DockerEvent::Removed { id } => {
                self.containers.remove(&id);
                self.stats.remove(&id);
                self.reclassify();
            }
            DockerEvent::Stats { id, stats } => {
                if !self.containers.contains_key(&id) {
                    return false;
                }
                self.stats.insert(id, stats);
            }
        }
        true
    }

    fn reclassify(&mut self) {
        let all: Vec<ContainerInfo> = self.containers.values().cloned().collect();
        self.classified = classify(&self.matchers, &all);
    }

    /// The container of a configured service, if the engine has one.
    pub fn container_of(&self, key: &str) -> Option<&ContainerInfo> {
        let id = self
            .classified
            .services
            .iter()
            .find(|s| s.key == key)?
            .container_ids
            .first()?;
        self.containers.get(id)
    }

    pub fn is_up(&self) -> bool {
        matches!(self.status, EngineStatus::Up(_))
    }

    pub fn is_down(&self) -> bool {
        matches!(self.status, EngineStatus::Down(_))
    }
}
