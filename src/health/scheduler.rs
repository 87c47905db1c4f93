//! The background task that probes every service on a schedule and on demand.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use futures::stream::{FuturesUnordered, StreamExt};
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use super::{HealthReport, ProbeOutcome, ProbeSettings, ProbeSpec, Prober};

/// The shortest schedule the scheduler accepts; shorter intervals are raised to this.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// Room for commands queued while the task is busy handing over a report.
const COMMAND_QUEUE: usize = 16;

/// How soon a service that reported "starting" is probed again.
const STARTING_RETRY: Duration = Duration::from_secs(2);

/// What the UI can ask of the scheduler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeRequest {
    /// Probe one service (by name) or, with `None`, all of them, right now. A service whose
    /// probe is still running is not probed twice; its report is on the way.
    ProbeNow(Option<String>),
}

/// Starts the probe task: a round of probes at once, then one every `interval` (at least
/// [`MIN_INTERVAL`]), plus whatever [`ProbeRequest`]s ask for.
///
/// Probes run concurrently and each report is sent on `reports` as soon as it is ready, so a
/// hanging service never holds back the others. Between rounds the task sleeps. It stops when
/// `cancel` fires or the `reports` receiver is dropped; dropping the returned command sender
/// only ends on-demand probing. Must be called from within a Tokio runtime.
pub fn spawn_scheduler(
    client: reqwest::Client,
    targets: Vec<(String, ProbeSpec)>,
    settings: ProbeSettings,
    interval: Duration,
    reports: mpsc::Sender<HealthReport>,
    cancel: CancellationToken,
) -> mpsc::Sender<ProbeRequest> {
    spawn_scheduler_with(
        Prober::new(client, settings),
        targets,
        interval,
        reports,
        cancel,
    )
}

/// [`spawn_scheduler`] with a [`Prober`] that may also look inside containers.
pub fn spawn_scheduler_with(
    prober: Prober,
    targets: Vec<(String, ProbeSpec)>,
    interval: Duration,
    reports: mpsc::Sender<HealthReport>,
    cancel: CancellationToken,
) -> mpsc::Sender<ProbeRequest> {
    let (commands_tx, commands_rx) = mpsc::channel(COMMAND_QUEUE);
    let scheduler = Scheduler {
        prober,
        targets,
        interval: interval.max(MIN_INTERVAL),
    };
    tokio::spawn(scheduler.run(reports, commands_rx, cancel));
    commands_tx
}

struct Scheduler {
    prober: Prober,
    targets: Vec<(String, ProbeSpec)>,
    interval: Duration,
}

type Running<'a> =
    FuturesUnordered<Pin<Box<dyn Future<Output = (usize, ProbeOutcome)> + Send + 'a>>>;

/// Follow-up probes of starting services: each yields its target's index when due.
type Retries = FuturesUnordered<Pin<Box<dyn Future<Output = usize> + Send>>>;

impl Scheduler {
    async fn run(
        self,
        reports: mpsc::Sender<HealthReport>,
        mut commands: mpsc::Receiver<ProbeRequest>,
        cancel: CancellationToken,
    ) {
        let mut in_flight = vec![false; self.targets.len()];
        let mut running: Running<'_> = FuturesUnordered::new();
        let mut retries: Retries = FuturesUnordered::new();
        let mut ticker = tokio::time::interval(self.interval);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut commands_open = true;
        // A test-only fault switch: the supervision of workers is tested through the binary.
        if std::env::var("POC_TUI_FAULT").as_deref() == Ok("panic-probes") {
            tokio::time::sleep(Duration::from_millis(300)).await;
            panic!("injected fault (POC_TUI_FAULT=panic-probes)");
        }

        loop {
            tokio::select! {
                biased;
                () = cancel.cancelled() => break,
                () = reports.closed() => break,
                Some((index, outcome)) = running.next(), if !running.is_empty() => {
                    in_flight[index] = false;
                    if outcome.retry_soon {
                        retries.push(Box::pin(async move {
                            tokio::time::sleep(STARTING_RETRY).await;
                            index
                        }));
                    }
                    let report = HealthReport {
                        service: self.targets[index].0.clone(),
                        outcome,
                        checked_at: SystemTime::now(),
                    };
                    // A slow receiver only delays this task, never the UI; cancel still wins.
                    tokio::select! {
                        biased;
                        () = cancel.cancelled() => break,
                        sent = reports.send(report) => if sent.is_err() { break },
                    }
                }
                command = commands.recv(), if commands_open => match command {
                    None => commands_open = false,
                    Some(ProbeRequest::ProbeNow(None)) => {
                        self.start(|_| true, &mut in_flight, &running);
                        // A full round just ran; the next scheduled one is a whole interval away.
                        ticker.reset();
                    }
                    Some(ProbeRequest::ProbeNow(Some(name))) => {
                        let known = self.targets.iter().any(|(service, _)| *service == name);
                        if !known {
                            tracing::debug!(service = %name, "probe requested for unknown service");
                        }
                        self.start(|service| service == name, &mut in_flight, &running);
                    }
                },
                Some(index) = retries.next(), if !retries.is_empty() => {
                    let name = self.targets[index].0.as_str();
                    self.start(|service| service == name, &mut in_flight, &running);
                }
                _ = ticker.tick() => self.start(|_| true, &mut in_flight, &running),
            }
        }
        tracing::debug!("health scheduler stopped");
    }

    /// Starts a probe for every selected target that is not already running.
    fn start<'a>(
        &'a self,
        selected: impl Fn(&str) -> bool,
        in_flight: &mut [bool],
        running: &Running<'a>,
    ) {
        for (index, (service, spec)) in self.targets.iter().enumerate() {
            if in_flight[index] || !selected(service) {
                continue;
            }
            in_flight[index] = true;
            running.push(Box::pin(async move {
                (index, self.prober.probe(service, spec).await)
            }));
        }
    }
}
