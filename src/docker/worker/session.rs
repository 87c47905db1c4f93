//! One connected session: snapshot, events, targeted inspects, statistics.

use std::collections::{HashMap, HashSet};
use std::time::{Instant, SystemTime};

use bollard::models::{ContainerStatsResponse, EventMessage};
use bollard::query_parameters::{EventsOptions, StatsOptions};
use bollard::Docker;
use futures::future::BoxFuture;
use futures::stream::{BoxStream, FuturesUnordered};
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::schedule::StatsSchedule;
use super::{DockerEvent, DockerRequest, Remembered, WorkerOptions};
use crate::docker::fetch::{inspect_one, list_all, list_rows, Inspected, Listed};
use crate::docker::model::ContainerInfo;
use crate::docker::stats::StatsSample;

type BollardError = bollard::errors::Error;
type InspectFuture = BoxFuture<'static, (String, Result<Inspected, BollardError>)>;
type StatsFuture =
    BoxFuture<'static, (String, Result<Option<ContainerStatsResponse>, BollardError>)>;
type SnapshotFuture = BoxFuture<'static, Result<Vec<ContainerInfo>, BollardError>>;
type ListFuture = BoxFuture<'static, Result<HashMap<String, Listed>, BollardError>>;

/// Container events that can change what is shown. Exec, attach, resize, top and
/// the like are filtered out by the engine (healthchecks alone make an exec every
/// few seconds).
const WATCHED_ACTIONS: [&str; 13] = [
    "create",
    "start",
    "restart",
    "die",
    "stop",
    "kill",
    "pause",
    "unpause",
    "health_status",
    "destroy",
    "rename",
    "update",
    "oom",
];

/// A list call soon after a snapshot closes the gap between the snapshot's list
/// and the moment the event subscription took effect.
const GAP_CHECK: std::time::Duration = std::time::Duration::from_secs(2);

pub(super) enum SessionEnd {
    /// Cancelled, or nobody listens any more.
    Stop,
    /// The connection broke; reconnect.
    Lost(String),
}

pub(super) struct Session {
    docker: Docker,
    tx: mpsc::Sender<DockerEvent>,
    cancel: CancellationToken,
    opts: WorkerOptions,
    /// State and health of every known container, to notice changes in a resync.
    known: HashMap<String, Listed>,
    inspects: FuturesUnordered<InspectFuture>,
    inspecting: HashSet<String>,
    /// An event arrived while this container's inspect ran: inspect again after.
    reinspect: HashSet<String>,
    /// Destroyed while an inspect ran: that inspect's answer is stale.
    destroyed: HashSet<String>,
    /// The list call of a snapshot: rows from the list alone, inspects follow per container.
    snapshot: Option<SnapshotFuture>,
    /// Containers named by events while the snapshot was being read.
    deferred: HashSet<String>,
    list: Option<ListFuture>,
    stats: FuturesUnordered<StatsFuture>,
    schedule: StatsSchedule,
}

impl Session {
    pub(super) fn new(
        docker: Docker,
        opts: &WorkerOptions,
        tx: mpsc::Sender<DockerEvent>,
        cancel: CancellationToken,
    ) -> Self {
        Self {
            docker,
            tx,
            cancel,
            known: HashMap::new(),
            inspects: FuturesUnordered::new(),
            inspecting: HashSet::new(),
            reinspect: HashSet::new(),
            destroyed: HashSet::new(),
            snapshot: None,
            deferred: HashSet::new(),
            list: None,
            stats: FuturesUnordered::new(),
            schedule: StatsSchedule::new(
                opts.stats_interval,
                opts.focus_stats_interval,
                opts.stats_warmup,
                opts.stats_min_spacing,
            ),
            opts: opts.clone(),
        }
    }

    fn subscribe(&self) -> BoxStream<'static, Result<EventMessage, BollardError>> {
        let filters = HashMap::from([
            ("type".to_string(), vec!["container".to_string()]),
            (
                "event".to_string(),
                WATCHED_ACTIONS.iter().map(|a| (*a).to_string()).collect(),
            ),
        ]);
        let options = EventsOptions {
            filters: Some(filters),
            ..EventsOptions::default()
        };
        self.docker.events(Some(options)).boxed()
    }

    fn start_snapshot(&mut self) {
        if self.snapshot.is_none() {
            let docker = self.docker.clone();
            self.snapshot = Some(Box::pin(async move { list_rows(&docker).await }));
        }
    }

    fn start_list(&mut self) {
        if self.list.is_none() && self.snapshot.is_none() {
            let docker = self.docker.clone();
            self.list = Some(Box::pin(async move { list_all(&docker).await }));
        }
    }

    pub(super) async fn run(
        mut self,
        cmd_rx: &mut mpsc::Receiver<DockerRequest>,
        remembered: &mut Remembered,
    ) -> SessionEnd {
        // Subscribe before reading the list, so no change falls between the two.
        let mut events = self.subscribe();
        self.start_snapshot();
        self.schedule
            .set_focus(remembered.focus.clone(), Instant::now());
        if let Some(ids) = &remembered.visible {
            self.schedule
                .set_visible(ids.iter().cloned(), Instant::now());
        }
        let mut resync_at = tokio::time::Instant::now() + self.opts.resync_interval;
        loop {
            let stats_due = if self.snapshot.is_none()
                && self.schedule.in_flight() < self.opts.stats_in_flight
            {
                self.schedule.next_due()
            } else {
                None
            };
            let stats_sleep = tokio::time::sleep_until(
                stats_due.map_or(resync_at, tokio::time::Instant::from_std),
            );
            let outcome = tokio::select! {
                () = self.cancel.cancelled() => Err(SessionEnd::Stop),
                event = events.next() => match event {
                    Some(Ok(message)) => self.on_event(message).await,
                    Some(Err(e)) => Err(SessionEnd::Lost(format!("event stream failed: {e}"))),
                    None => Err(SessionEnd::Lost("event stream ended".to_string())),
                },
                result = poll_slot(&mut self.snapshot), if self.snapshot.is_some() => {
                    self.snapshot = None;
                    match result {
                        Ok(containers) => {
                            resync_at = tokio::time::Instant::now() + GAP_CHECK;
                            self.on_snapshot(containers).await
                        }
                        Err(e) => Err(SessionEnd::Lost(format!("listing containers failed: {e}"))),
                    }
                },
                result = poll_slot(&mut self.list), if self.list.is_some() => {
                    self.list = None;
                    match result {
                        Ok(listed) => self.on_list(listed).await,
                        Err(e) => Err(SessionEnd::Lost(format!("listing containers failed: {e}"))),
                    }
                },
                Some((id, result)) = self.inspects.next(), if !self.inspects.is_empty() => {
                    self.on_inspected(id, result).await
                },
                Some((id, result)) = self.stats.next(), if !self.stats.is_empty() => {
                    self.on_stats(&id, result).await
                },
                () = stats_sleep, if stats_due.is_some() => {
                    self.launch_stats();
                    Ok(())
                },
                () = tokio::time::sleep_until(resync_at) => {
                    resync_at = tokio::time::Instant::now() + self.opts.resync_interval;
                    self.start_list();
                    Ok(())
                },
                command = cmd_rx.recv(), if remembered.commands_open => {
                    match command {
                        Some(DockerRequest::Focus(id)) => {
                            self.schedule.set_focus(id.clone(), Instant::now());
                            remembered.focus = id;
                        }
                        Some(DockerRequest::Visible(ids)) => {
                            self.schedule.set_visible(ids.iter().cloned(), Instant::now());
                            remembered.visible = Some(ids);
                        }
                        Some(DockerRequest::Resync) => self.start_snapshot(),
                        None => remembered.commands_open = false,
                    }
                    Ok(())
                },
            };
            if let Err(end) = outcome {
                return end;
            }
        }
    }

    async fn on_event(&mut self, message: EventMessage) -> Result<(), SessionEnd> {
        let Some(id) = message.actor.and_then(|actor| actor.id) else {
            return Ok(());
        };
        let action = message.action.unwrap_or_default();
        // "health_status: healthy" carries its value after a colon.
        let verb = action.split(':').next().unwrap_or("").trim();
        tracing::debug!(container = %id, %action, "engine event");
        if self.snapshot.is_some() {
            self.deferred.insert(id);
            return Ok(());
        }
        if verb == "destroy" {
            if self.inspecting.contains(&id) {
                self.destroyed.insert(id.clone());
            }
            self.reinspect.remove(&id);
            self.schedule.untrack(&id);
            if self.known.remove(&id).is_some() {
                send(&self.tx, DockerEvent::Removed { id }).await?;
            }
            return Ok(());
        }
        self.request_inspect(id);
        Ok(())
    }

    fn request_inspect(&mut self, id: String) {
        if self.inspecting.contains(&id) {
            self.reinspect.insert(id);
            return;
        }
        self.inspecting.insert(id.clone());
        let docker = self.docker.clone();
        self.inspects.push(Box::pin(async move {
            let result = inspect_one(&docker, &id).await;
            (id, result)
        }));
    }

    fn remember(&mut self, info: &ContainerInfo) {
        self.known.insert(
            info.id.clone(),
            Listed {
                state: info.state,
                health: info.health,
            },
        );
        if info.state.has_stats() {
            self.schedule.track(&info.id, Instant::now());
        } else {
            self.schedule.untrack(&info.id);
        }
    }

    async fn on_inspected(
        &mut self,
        id: String,
        result: Result<Inspected, BollardError>,
    ) -> Result<(), SessionEnd> {
        self.inspecting.remove(&id);
        if self.destroyed.remove(&id) {
            return Ok(());
        }
        match result.map_err(|e| SessionEnd::Lost(format!("inspect failed: {e}")))? {
            Inspected::Found(info) => {
                self.remember(&info);
                send(&self.tx, DockerEvent::Upsert(info)).await?;
            }
            Inspected::Gone => {
                self.schedule.untrack(&id);
                if self.known.remove(&id).is_some() {
                    send(&self.tx, DockerEvent::Removed { id: id.clone() }).await?;
                }
            }
            Inspected::Unreadable(why) => {
                tracing::warn!(container = %id, %why, "skipping container");
            }
        }
        if self.reinspect.remove(&id) {
            self.request_inspect(id);
        }
        Ok(())
    }

    async fn on_snapshot(&mut self, containers: Vec<ContainerInfo>) -> Result<(), SessionEnd> {
        self.known.clear();
        for info in &containers {
            self.remember(info);
        }
        let known = &self.known;
        self.schedule
            .retain(|id| known.get(id).is_some_and(|l| l.state.has_stats()));
        let ids: Vec<String> = containers.iter().map(|c| c.id.clone()).collect();
        send(&self.tx, DockerEvent::Snapshot(containers)).await?;
        // The rows are on screen; the details (environment, start time, restarts) follow.
        // Containers named by events meanwhile are read again too (new ones are not listed).
        let deferred = std::mem::take(&mut self.deferred);
        for id in ids.into_iter().chain(deferred) {
            self.request_inspect(id);
        }
        Ok(())
    }

    async fn on_list(&mut self, listed: HashMap<String, Listed>) -> Result<(), SessionEnd> {
        let vanished: Vec<String> = self
            .known
            .keys()
            .filter(|id| !listed.contains_key(*id) && !self.inspecting.contains(*id))
            .cloned()
            .collect();
        for id in vanished {
            self.known.remove(&id);
            self.schedule.untrack(&id);
            send(&self.tx, DockerEvent::Removed { id }).await?;
        }
        for (id, now) in listed {
            if self.known.get(&id) != Some(&now) {
                self.request_inspect(id);
            }
        }
        Ok(())
    }

    fn launch_stats(&mut self) {
        let room = self
            .opts
            .stats_in_flight
            .saturating_sub(self.schedule.in_flight());
        for id in self.schedule.take_due(Instant::now(), room) {
            let docker = self.docker.clone();
            self.stats.push(Box::pin(async move {
                // One-shot: the engine answers from one cgroup read instead of
                // waiting a second for a second reading; CPU % comes from our
                // own previous sample.
                let options = StatsOptions {
                    stream: false,
                    one_shot: true,
                };
                let result = docker.stats(&id, Some(options)).next().await.transpose();
                (id, result)
            }));
        }
    }

    async fn on_stats(
        &mut self,
        id: &str,
        result: Result<Option<ContainerStatsResponse>, BollardError>,
    ) -> Result<(), SessionEnd> {
        let now = Instant::now();
        match result {
            Ok(answer) => {
                let sample = answer.and_then(|a| StatsSample::from_response(&a, now));
                if let Some(stats) = self.schedule.record(id, sample, now, SystemTime::now()) {
                    send(
                        &self.tx,
                        DockerEvent::Stats {
                            id: id.to_string(),
                            stats,
                        },
                    )
                    .await?;
                }
            }
            Err(e) => {
                // A container that just stopped answers with an error; the
                // events stream is what notices a lost engine.
                tracing::debug!(container = %id, error = %e, "stats sample failed");
                self.schedule.failed(id, now);
            }
        }
        Ok(())
    }
}

/// Sends to the app; a closed channel means nobody listens any more.
/// (Takes the sender alone: the session holds futures that are not `Sync`.)
async fn send(tx: &mpsc::Sender<DockerEvent>, event: DockerEvent) -> Result<(), SessionEnd> {
    tx.send(event).await.map_err(|_| SessionEnd::Stop)
}

/// Awaits the future in an optional slot (the select branch is disabled when empty).
async fn poll_slot<T>(slot: &mut Option<BoxFuture<'static, T>>) -> T {
    match slot.as_mut() {
        Some(future) => future.await,
        None => std::future::pending().await,
    }
}
