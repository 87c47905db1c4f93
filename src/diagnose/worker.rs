//! The Networking and SSO tabs' worker: runs diagnosis passes one at a time, on request and on
//! a slow schedule, and reports over a bounded channel. The console's loop never waits on it.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{diagnose, Diagnosis, InsideProbeSettings, Options};
use crate::config::Config;

/// What the console asks of the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagnoseRequest {
    /// Run a pass now (requests that arrive while one runs are folded into it).
    Run,
}

/// What the worker tells the console.
#[derive(Debug, Clone)]
pub enum DiagnoseEvent {
    /// A pass began (also the scheduled ones).
    Started,
    Finished(Box<Diagnosis>),
}

/// How the worker runs its passes.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    pub options: Options,
    /// Time between background passes, counted from the end of the last one; `None`: only on
    /// request. The schedule starts with the first requested pass, so a console whose
    /// Networking and SSO tabs are never opened never diagnoses.
    pub interval: Option<Duration>,
}

impl WorkerSettings {
    /// The settings the console uses: every area, the config's probe timeout and schedule.
    pub fn from_config(
        config: &Config,
        docker_host: Option<String>,
        policy: crate::config::Policy,
    ) -> Self {
        let secs = config.diagnose.interval_secs;
        WorkerSettings {
            options: Options {
                docker_host,
                areas: Vec::new(),
                probe: InsideProbeSettings::from_env(),
                timeout: Duration::from_millis(config.probes.timeout_ms.clamp(500, 30_000)),
                progress: super::Progress::default(),
                sessions: crate::identity::Sessions::default(),
                policy,
            },
            interval: (secs > 0).then(|| Duration::from_secs(secs.max(10))),
        }
    }
}

/// The pass itself, replaceable so tests can count passes without an engine.
pub type PassFn = Arc<
    dyn Fn(Arc<Config>, Options) -> futures::future::BoxFuture<'static, Diagnosis> + Send + Sync,
>;

/// The real pass: `diagnose` over every area.
pub fn real_pass() -> PassFn {
    Arc::new(|config: Arc<Config>, options: Options| {
        Box::pin(async move { diagnose(&config, &options).await })
    })
}

/// Starts the worker with the real checks. The handle ends once the worker has stopped and,
/// when a pass was cut short, removed the probe containers this process had started; callers
/// wait on it (briefly) after cancelling so none is left behind.
pub fn spawn(
    config: Arc<Config>,
    settings: WorkerSettings,
    events: mpsc::Sender<DiagnoseEvent>,
    cancel: CancellationToken,
) -> (mpsc::Sender<DiagnoseRequest>, JoinHandle<()>) {
    let docker_host = settings.options.docker_host.clone();
    let timeout = settings.options.timeout;
    let sessions = settings.options.sessions.clone();
    let (tx, handle) = spawn_with(config, settings, real_pass(), events, cancel);
    let cleanup = tokio::spawn(async move {
        if let Ok(Stopped::MidPass) = handle.await {
            // The pass was dropped: its Coder session ends here, beside its probes.
            let logout = sessions.close(SESSION_LIMIT);
            let removal = remove_own_probes(docker_host.as_deref(), timeout);
            let removal = async {
                let _ = tokio::time::timeout(CLEANUP_LIMIT, removal).await;
            };
            tokio::join!(logout, removal);
        }
    });
    (tx, cleanup)
}

/// How long quitting may wait for leftover probe containers to be removed.
const CLEANUP_LIMIT: Duration = Duration::from_secs(3);
/// How long quitting may wait for a cancelled pass's Coder session to be ended.
const SESSION_LIMIT: Duration = Duration::from_secs(2);

/// How the worker ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    Idle,
    /// Cancelled while a pass ran: its probe containers may still exist.
    MidPass,
}

/// Force-removes the probe containers this process started (by their owner labels: this
/// host, this pid, this process's start); other processes' probes are left alone.
pub async fn remove_own_probes(docker_host: Option<&str>, timeout: Duration) {
    use crate::docker::{connect, resolve_target, EngineEnv};
    let Ok(target) = resolve_target(docker_host, &EngineEnv::from_process()) else {
        return;
    };
    let Ok((docker, _)) = connect(&target, timeout).await else {
        return;
    };
    super::probe_owner::remove_own(&docker).await;
}

/// Starts the worker with a given pass. Passes never overlap: the worker runs them in turn.
pub fn spawn_with(
    config: Arc<Config>,
    settings: WorkerSettings,
    pass: PassFn,
    events: mpsc::Sender<DiagnoseEvent>,
    cancel: CancellationToken,
) -> (mpsc::Sender<DiagnoseRequest>, JoinHandle<Stopped>) {
    // One slot: a request waiting behind a running pass is enough; more would be redundant.
    let (tx, mut rx) = mpsc::channel::<DiagnoseRequest>(1);
    let handle = tokio::spawn(async move {
        let mut next: Option<Instant> = None;
        loop {
            let wake = async {
                match next {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = cancel.cancelled() => return Stopped::Idle,
                command = rx.recv() => {
                    if command.is_none() {
                        return Stopped::Idle;
                    }
                }
                () = wake => {}
            }
            if events.send(DiagnoseEvent::Started).await.is_err() {
                return Stopped::Idle;
            }
            let run = pass(Arc::clone(&config), settings.options.clone());
            let diagnosis = tokio::select! {
                () = cancel.cancelled() => return Stopped::MidPass,
                d = run => d,
            };
            // Requests made during the pass are answered by it.
            while rx.try_recv().is_ok() {}
            if events
                .send(DiagnoseEvent::Finished(Box::new(diagnosis)))
                .await
                .is_err()
            {
                return Stopped::Idle;
            }
            next = settings.interval.map(|d| Instant::now() + d);
        }
    });
    (tx, handle)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::config::{load_from_texts, Policy, EMBEDDED_DEFAULT};
    use crate::diagnose::Report;

    fn empty() -> Diagnosis {
        Diagnosis {
            report: Report::default(),
            urls: Vec::new(),
            clients: Vec::new(),
            engine: "test".into(),
            finished_at: 0,
        }
    }

    /// A pass that counts how many run at once and in total, and takes `ms` to finish.
    fn counting(
        ms: u64,
        running: Arc<AtomicUsize>,
        most: Arc<AtomicUsize>,
        total: Arc<AtomicUsize>,
    ) -> PassFn {
        Arc::new(move |_, _| {
            let (running, most, total) = (running.clone(), most.clone(), total.clone());
            Box::pin(async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                total.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                empty()
            })
        })
    }

    /// The next event, or `None` when the channel closed; a hang fails the test instead.
    async fn next(rx: &mut mpsc::Receiver<DiagnoseEvent>) -> Option<DiagnoseEvent> {
        tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("the worker said nothing for 5 s")
    }

    fn settings(interval: Option<Duration>) -> WorkerSettings {
        WorkerSettings {
            options: Options::default(),
            interval,
        }
    }

    fn config() -> Arc<Config> {
        Arc::new(load_from_texts(EMBEDDED_DEFAULT, None).expect("default config"))
    }

    #[test]
    fn the_schedule_comes_from_the_config_and_zero_turns_it_off() {
        let default = load_from_texts(EMBEDDED_DEFAULT, None).expect("default config");
        assert_eq!(default.diagnose.interval_secs, 300);
        let s = WorkerSettings::from_config(
            &default,
            Some("unix:///nowhere.sock".into()),
            Policy::default(),
        );
        assert_eq!(s.interval, Some(Duration::from_secs(300)));
        assert_eq!(
            s.options.docker_host.as_deref(),
            Some("unix:///nowhere.sock")
        );
        assert!(s.options.areas.is_empty(), "the tabs need every area");

        let mut off = default.clone();
        off.diagnose.interval_secs = 0;
        assert_eq!(
            WorkerSettings::from_config(&off, None, Policy::default()).interval,
            None
        );
        // A tiny interval is raised so a typo cannot make the console diagnose nonstop.
        off.diagnose.interval_secs = 1;
        assert_eq!(
            WorkerSettings::from_config(&off, None, Policy::default()).interval,
            Some(Duration::from_secs(10))
        );
    }

    #[test]
    fn an_unknown_diagnose_key_is_rejected() {
        let user = "[diagnose]\ninterval = 5\n";
        assert!(load_from_texts(EMBEDDED_DEFAULT, Some(("test", user))).is_err());
        let user = "[diagnose]\ninterval_secs = 60\n";
        let config = load_from_texts(EMBEDDED_DEFAULT, Some(("test", user))).expect("valid key");
        assert_eq!(config.diagnose.interval_secs, 60);
    }

    #[tokio::test]
    async fn nothing_runs_until_asked_then_the_schedule_repeats_it() {
        let (run, most, total) = (
            Arc::default(),
            Arc::default(),
            Arc::<AtomicUsize>::default(),
        );
        let (etx, mut erx) = mpsc::channel(8);
        let cancel = CancellationToken::new();
        let (tx, handle) = spawn_with(
            config(),
            settings(Some(Duration::from_millis(300))),
            counting(20, run, most, total.clone()),
            etx,
            cancel.clone(),
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(total.load(Ordering::SeqCst), 0, "no pass before a request");
        tx.send(DiagnoseRequest::Run).await.expect("send");
        assert!(matches!(next(&mut erx).await, Some(DiagnoseEvent::Started)));
        assert!(matches!(
            next(&mut erx).await,
            Some(DiagnoseEvent::Finished(_))
        ));
        // The next one comes by itself, after the interval.
        assert!(matches!(next(&mut erx).await, Some(DiagnoseEvent::Started)));
        assert!(matches!(
            next(&mut erx).await,
            Some(DiagnoseEvent::Finished(_))
        ));
        assert_eq!(total.load(Ordering::SeqCst), 2);
        cancel.cancel();
        assert_eq!(handle.await.expect("worker task"), Stopped::Idle);
    }

    #[tokio::test]
    async fn requests_during_a_pass_never_start_a_second_one_at_once() {
        let (run, most, total) = (
            Arc::default(),
            Arc::<AtomicUsize>::default(),
            Arc::<AtomicUsize>::default(),
        );
        let (etx, mut erx) = mpsc::channel(8);
        let cancel = CancellationToken::new();
        let (tx, handle) = spawn_with(
            config(),
            settings(None),
            counting(300, run, most.clone(), total.clone()),
            etx,
            cancel.clone(),
        );
        tx.send(DiagnoseRequest::Run).await.expect("send");
        assert!(matches!(next(&mut erx).await, Some(DiagnoseEvent::Started)));
        // Ask again and again while the pass runs.
        for _ in 0..5 {
            let _ = tx.try_send(DiagnoseRequest::Run);
        }
        assert!(matches!(
            next(&mut erx).await,
            Some(DiagnoseEvent::Finished(_))
        ));
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(most.load(Ordering::SeqCst), 1, "two passes overlapped");
        assert_eq!(
            total.load(Ordering::SeqCst),
            1,
            "queued requests were not folded in"
        );
        assert!(erx.try_recv().is_err(), "no schedule without an interval");
        cancel.cancel();
        assert_eq!(handle.await.expect("worker task"), Stopped::Idle);
    }

    #[tokio::test]
    async fn cancellation_stops_a_running_pass() {
        let (run, most, total) = (
            Arc::<AtomicUsize>::default(),
            Arc::default(),
            Arc::default(),
        );
        let (etx, mut erx) = mpsc::channel(8);
        let cancel = CancellationToken::new();
        let (tx, handle) = spawn_with(
            config(),
            settings(None),
            counting(60_000, run.clone(), most, total),
            etx,
            cancel.clone(),
        );
        tx.send(DiagnoseRequest::Run).await.expect("send");
        assert!(matches!(next(&mut erx).await, Some(DiagnoseEvent::Started)));
        cancel.cancel();
        // The worker drops its sender when it ends: the channel closes without a result.
        assert!(next(&mut erx).await.is_none());
        assert_eq!(
            run.load(Ordering::SeqCst),
            1,
            "the pass future was dropped mid-way"
        );
        assert_eq!(handle.await.expect("worker task"), Stopped::MidPass);
    }
}
