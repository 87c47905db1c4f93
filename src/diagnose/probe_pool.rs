//! poc-tui's own probe containers, for looking at the stack from inside its networks without
//! running anything a workspace user controls: one long-lived container per set of networks
//! and extra hosts, started on first use in a pass, reused by every probe of the pass through
//! `exec`, and removed when the pass ends. Each one also ends by itself after a while, so a
//! killed run leaves nothing running for long.

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::{ContainerCreateBody, HostConfig, NetworkConnectRequest};
use bollard::query_parameters::{CreateContainerOptions, StartContainerOptions};
use bollard::Docker;
use tokio::sync::Mutex;

use super::gather::Container;
use super::inside::{exec, fetch_of, not_running, probe_command, InsideFetch, InsideProbeSettings};
use super::probe_image;
use super::probe_owner::{remove, Owner};

/// How long a probe container lives if nobody removes it: far longer than a pass.
const LIFETIME: Duration = Duration::from_secs(1800);

/// Where a probe container stands: the networks it joins and the hosts it adds, so names
/// resolve from it as they do from the container under test.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Vantage {
    networks: Vec<String>,
    extra_hosts: Vec<String>,
}

impl Vantage {
    fn of(target: &Container) -> Self {
        let mut networks: Vec<String> = target
            .info
            .networks
            .iter()
            .map(|n| n.name.clone())
            .collect();
        networks.sort();
        let mut extra_hosts = target.extra_hosts.clone();
        extra_hosts.sort();
        Vantage {
            networks,
            extra_hosts,
        }
    }

    fn describe(&self) -> String {
        self.networks.join(", ")
    }
}

/// The probe containers of one pass.
pub struct ProbePool {
    docker: Docker,
    settings: InsideProbeSettings,
    owner: Owner,
    /// Vantage → the container's name, or why it could not be started (not retried).
    started: Mutex<HashMap<Vantage, Result<String, String>>>,
    next: std::sync::atomic::AtomicU64,
}

impl ProbePool {
    pub fn new(docker: Docker, settings: InsideProbeSettings) -> Self {
        ProbePool {
            docker,
            settings,
            owner: Owner::current(),
            started: Mutex::new(HashMap::new()),
            next: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// GETs `url` from the networks of `target`, through poc-tui's own container there.
    pub async fn fetch(&self, target: &Container, url: &str) -> InsideFetch {
        if target.info.state != crate::docker::ContainerState::Running {
            return not_running(target);
        }
        let vantage = Vantage::of(target);
        let via = format!(
            "probe container on {} (for {})",
            vantage.describe(),
            target.info.name
        );
        let cmd = match probe_command(url, self.settings.timeout) {
            Ok(cmd) => cmd,
            Err(e) => return InsideFetch::failed(via, e),
        };
        // A container that went away (its lifetime ran out, someone removed it) is started
        // again once.
        for attempt in 0..2 {
            let name = match self.container_for(&vantage).await {
                Ok(name) => name,
                Err(e) => return InsideFetch::failed(via, e),
            };
            match exec(&self.docker, &name, cmd.clone(), self.settings.timeout).await {
                Ok(ran) => return fetch_of(ran, via),
                Err(e) if attempt == 0 && is_gone(&e) => {
                    self.started.lock().await.remove(&vantage);
                }
                Err(e) => return InsideFetch::failed(via, e),
            }
        }
        InsideFetch::failed(via, "the probe container kept going away")
    }

    /// How many probe containers this pass has started.
    pub async fn started(&self) -> usize {
        self.started
            .lock()
            .await
            .values()
            .filter(|r| r.is_ok())
            .count()
    }

    /// The running container for `vantage`, started on first use.
    async fn container_for(&self, vantage: &Vantage) -> Result<String, String> {
        let mut started = self.started.lock().await;
        if let Some(known) = started.get(vantage) {
            return known.clone();
        }
        let result = self.start(vantage).await;
        started.insert(vantage.clone(), result.clone());
        result
    }

    async fn start(&self, vantage: &Vantage) -> Result<String, String> {
        let Some((first, others)) = vantage.networks.split_first() else {
            return Err("the container is on no network to probe from".to_owned());
        };
        if first == "none" {
            return Err("the container has networking turned off".to_owned());
        }
        probe_image::ensure(&self.docker, &self.settings.image, &self.settings.busybox).await?;
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("{}-{}-{n}", self.settings.container_prefix, self.owner.pid);
        let body = ContainerCreateBody {
            image: Some(self.settings.image.clone()),
            cmd: Some(vec!["sleep".to_owned(), LIFETIME.as_secs().to_string()]),
            labels: Some(self.owner.labels()),
            host_config: Some(HostConfig {
                network_mode: Some(first.clone()),
                extra_hosts: (!vantage.extra_hosts.is_empty()).then(|| vantage.extra_hosts.clone()),
                auto_remove: Some(true),
                ..HostConfig::default()
            }),
            ..ContainerCreateBody::default()
        };
        let options = CreateContainerOptions {
            name: Some(name.clone()),
            ..CreateContainerOptions::default()
        };
        let created = async {
            self.docker
                .create_container(Some(options), body)
                .await
                .map_err(|e| format!("cannot create the probe container: {e}"))?;
            // The host's network cannot be combined with others.
            if first != "host" {
                for network in others {
                    self.docker
                        .connect_network(
                            network,
                            NetworkConnectRequest {
                                container: name.clone(),
                                endpoint_config: None,
                            },
                        )
                        .await
                        .map_err(|e| {
                            format!("cannot attach the probe container to {network}: {e}")
                        })?;
                }
            }
            self.docker
                .start_container(&name, None::<StartContainerOptions>)
                .await
                .map_err(|e| format!("cannot start the probe container: {e}"))
        }
        .await;
        match created {
            Ok(()) => Ok(name),
            Err(e) => {
                remove(&self.docker, &name).await;
                Err(e)
            }
        }
    }

    /// Removes every probe container of the pass.
    pub async fn shutdown(&self) {
        let names: Vec<String> = self
            .started
            .lock()
            .await
            .drain()
            .filter_map(|(_, r)| r.ok())
            .collect();
        for name in names {
            remove(&self.docker, &name).await;
        }
    }
}

/// An exec error that means the container is no longer there to exec in.
fn is_gone(error: &str) -> bool {
    let e = error.to_ascii_lowercase();
    [
        "not running",
        "no such container",
        "stopped",
        "marked for removal",
        "removal in progress",
    ]
    .iter()
    .any(|sign| e.contains(sign))
}
