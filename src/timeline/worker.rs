//! The timeline recorder as a worker: it loads the file and backfills from the engine on
//! start, then appends what it is asked to and publishes every entry it wrote. File I/O
//! runs on the blocking pool, so the caller's loop never waits for a disk or a lock.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::entry::Entry;
use super::store::Store;
use crate::config::Config;

/// What the recorder is asked to do.
#[derive(Debug, Clone)]
pub enum RecorderRequest {
    /// Append these entries to the file (and publish them).
    Append(Vec<Entry>),
}

/// What the recorder tells its owner.
#[derive(Debug, Clone)]
pub enum TimelineEvent {
    /// The history at start: the file merged with the engine's, oldest first.
    Loaded {
        entries: Vec<Entry>,
        /// Why the engine's history is missing, when it is.
        engine_problem: Option<String>,
    },
    /// Entries written now.
    Appended(Vec<Entry>),
    /// The file could not be read or written.
    StoreFailed(String),
    /// Live engine events are no longer followed (the engine went away), and why.
    LiveStopped(String),
}

#[derive(Debug, Clone)]
pub struct RecorderOptions {
    pub config: Arc<Config>,
    /// None: keep entries in memory only (no data directory).
    pub store: Option<Store>,
    pub docker_host: Option<String>,
    /// How far back the engine's history is read on start.
    pub window: Duration,
    /// Follow the engine's events after loading, recording each as it happens.
    pub follow_engine: bool,
}

/// Starts the recorder; it stops when `cancel` fires or every request sender is dropped.
pub fn spawn(
    opts: RecorderOptions,
    tx: mpsc::Sender<TimelineEvent>,
    cancel: CancellationToken,
) -> mpsc::Sender<RecorderRequest> {
    let (req_tx, req_rx) = mpsc::channel(64);
    tokio::spawn(run(opts, tx, req_rx, cancel));
    req_tx
}

async fn run(
    opts: RecorderOptions,
    tx: mpsc::Sender<TimelineEvent>,
    mut requests: mpsc::Receiver<RecorderRequest>,
    cancel: CancellationToken,
) {
    let gathered = tokio::select! {
        () = cancel.cancelled() => return,
        g = super::gather(&opts.config, opts.store.as_ref(), opts.docker_host.as_deref(), opts.window) => g,
    };
    if let Some(problem) = gathered.store_problem {
        if tx.send(TimelineEvent::StoreFailed(problem)).await.is_err() {
            return;
        }
    }
    let loaded = TimelineEvent::Loaded {
        entries: gathered.entries,
        engine_problem: gathered.engine.err().map(|down| down.to_string()),
    };
    if tx.send(loaded).await.is_err() {
        return;
    }
    let (live_tx, mut live_rx) = mpsc::channel::<Entry>(256);
    let (stop_tx, mut stop_rx) = mpsc::channel::<String>(1);
    if opts.follow_engine {
        let config = opts.config.clone();
        let host = opts.docker_host.clone();
        let cancel = cancel.clone();
        tokio::spawn(async move {
            let why = tokio::select! {
                () = cancel.cancelled() => return,
                why = super::live::follow(&config, host.as_deref(), live_tx) => why,
            };
            let _ = stop_tx.send(why).await;
        });
    } else {
        drop(live_tx);
        drop(stop_tx);
    }
    loop {
        let entries = tokio::select! {
            () = cancel.cancelled() => return,
            r = requests.recv() => match r {
                Some(RecorderRequest::Append(entries)) => entries,
                None => return,
            },
            Some(entry) = live_rx.recv() => {
                // Fold a burst of events into one write.
                let mut batch = vec![entry];
                while let Ok(more) = live_rx.try_recv() {
                    batch.push(more);
                }
                batch
            }
            Some(why) = stop_rx.recv() => {
                if tx.send(TimelineEvent::LiveStopped(why)).await.is_err() {
                    return;
                }
                continue;
            }
        };
        if tx
            .send(write(opts.store.as_ref(), entries).await)
            .await
            .is_err()
        {
            return;
        }
    }
}

/// Appends `entries` to the file on the blocking pool; says what became of them.
async fn write(store: Option<&Store>, entries: Vec<Entry>) -> TimelineEvent {
    let Some(store) = store else {
        return TimelineEvent::Appended(entries);
    };
    let store = store.clone();
    let written = entries.clone();
    match tokio::task::spawn_blocking(move || store.append(&written)).await {
        Ok(Ok(())) => TimelineEvent::Appended(entries),
        Ok(Err(e)) => TimelineEvent::StoreFailed(e.to_string()),
        Err(e) => TimelineEvent::StoreFailed(format!("timeline writer stopped: {e}")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::config::{load_from_texts, EMBEDDED_DEFAULT};
    use crate::timeline::{Bounds, Kind};

    #[tokio::test]
    async fn loads_then_appends_and_publishes_without_an_engine() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path(), Bounds::default());
        let earlier = Entry::new(SystemTime::now(), Kind::Action, "up", "gitea", "earlier");
        store.append(std::slice::from_ref(&earlier)).unwrap();
        let opts = RecorderOptions {
            config: Arc::new(load_from_texts(EMBEDDED_DEFAULT, None).unwrap()),
            store: Some(store.clone()),
            docker_host: Some("unix:///nonexistent/poc-tui-test.sock".into()),
            window: Duration::from_secs(3600),
            follow_engine: false,
        };
        let (tx, mut rx) = mpsc::channel(8);
        let cancel = CancellationToken::new();
        let requests = spawn(opts, tx, cancel.clone());
        match rx.recv().await.unwrap() {
            TimelineEvent::Loaded {
                entries,
                engine_problem,
            } => {
                assert_eq!(entries, [earlier]);
                assert!(engine_problem.unwrap().contains("nonexistent"));
            }
            other => panic!("expected Loaded, got {other:?}"),
        }
        let later = Entry::new(SystemTime::now(), Kind::Probe, "down", "coder", "later");
        requests
            .send(RecorderRequest::Append(vec![later.clone()]))
            .await
            .unwrap();
        match rx.recv().await.unwrap() {
            TimelineEvent::Appended(entries) => assert_eq!(entries, [later]),
            other => panic!("expected Appended, got {other:?}"),
        }
        assert_eq!(store.load(SystemTime::now()).unwrap().entries.len(), 2);
        cancel.cancel();
    }
}
