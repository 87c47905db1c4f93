//! The log worker: one follow at a time for the open log view, the export of its lines to a
//! file, and the remembered toggles. Same shape as the other workers: [`spawn`] takes its
//! options, the sender for its news and a cancellation token, and returns the sender for its
//! requests. Requests carry everything they need (an export carries its lines); the worker
//! never sees the console's state.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::merge::{MergeBuffer, MERGE_HOLD};
use super::paging::{FetchKind, FetchedPage, PageFetch};
use super::settings::{self, LogViewSettings};
use super::{
    count_lines, default_export_path, export_lines, fetch_page, spawn_follow, spawn_merged_follow,
    FollowEnd, FollowOptions, FollowTarget, HistoryMatch, HistoryScan, KnownIssues, LogBatch,
    Query, QueryMode,
};

/// Batches waiting for the worker; the follow drops (and counts) beyond its own backlog.
const BATCH_QUEUE: usize = 64;
/// Requests waiting for the worker: a view opened, closed, saved.
const REQUEST_QUEUE: usize = 16;
/// How long opening logs waits for the engine.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// One container a view follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogTarget {
    /// Container id.
    pub container: String,
    /// Container name, for titles and export file names.
    pub name: String,
    /// Prefix of its lines in a merged view (service key or workspace).
    pub label: Arc<str>,
    /// Service key, for known issues that apply to one service.
    pub service: Option<String>,
}

/// The known issues a follow tallies; equal when they are the same shared set.
#[derive(Debug, Clone)]
pub struct SharedHints(pub Arc<KnownIssues>);

impl PartialEq for SharedHints {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for SharedHints {}

/// Work for the log worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogRequest {
    /// Follow these containers for view `view_id`: the last `tail` lines, then live.
    /// Replaces (and cancels) any running follow.
    Start {
        view_id: u64,
        targets: Vec<LogTarget>,
        tail: usize,
        /// Only lines newer than this long ago.
        since: Option<Duration>,
        hints: SharedHints,
    },
    /// Cancel the running follow.
    Stop,
    /// Read one page of `target`'s history for view `view_id` (the log view's paging).
    Page {
        view_id: u64,
        fetch_id: u64,
        target: LogTarget,
        fetch: PageFetch,
        hints: SharedHints,
    },
    /// Count the lines of `target`'s whole log for view `view_id`.
    Count { view_id: u64, target: LogTarget },
    /// Search `target`'s whole log in the background, with progress; replaces any running
    /// search.
    Search {
        view_id: u64,
        search_id: u64,
        target: LogTarget,
        text: String,
        regex: bool,
    },
    /// Stop the running whole-log search.
    CancelSearch,
    /// Write these lines to a new file in the data dir named after `name`.
    Export { name: String, lines: Vec<String> },
    /// Remember the toggles.
    SaveSettings(LogViewSettings),
}

/// News from the log worker.
#[derive(Debug)]
pub enum LogNews {
    Batch {
        view_id: u64,
        batch: LogBatch,
    },
    /// A follow of view `view_id` ended or failed: shown in the status bar while it is open.
    Status {
        view_id: u64,
        message: String,
    },
    /// An export finished or a request failed: shown in the status bar.
    Notice(String),
    /// The answer to [`LogRequest::Page`].
    Page {
        view_id: u64,
        fetch_id: u64,
        page: Result<FetchedPage, String>,
    },
    /// The answer to [`LogRequest::Count`].
    Count {
        view_id: u64,
        lines: Result<u64, String>,
    },
    /// Progress of a whole-log search: lines read, matches in all, and the matches found
    /// since the last news (the first [`SEARCH_LIMIT`] only).
    Search {
        view_id: u64,
        search_id: u64,
        read: u64,
        matched: u64,
        found: Vec<HistoryMatch>,
        end: Option<Result<(), String>>,
    },
}

/// Matches a whole-log search keeps (the count goes on past them).
pub const SEARCH_LIMIT: usize = 10_000;
/// Lines read between two progress news of a search.
const SEARCH_STEP: u64 = 50_000;

/// Where the worker finds the engine and keeps its files.
#[derive(Debug, Clone, Default)]
pub struct LogWorkerOptions {
    /// `--docker-host`; `None` resolves the engine like the Docker CLI does.
    pub docker_host: Option<String>,
    /// Exports and the remembered toggles go here; `None` refuses both with a message.
    pub data_dir: Option<PathBuf>,
}

/// Starts the worker; it stops when `cancel` fires or the request sender is dropped.
pub fn spawn(
    opts: LogWorkerOptions,
    tx: mpsc::Sender<LogNews>,
    cancel: CancellationToken,
) -> mpsc::Sender<LogRequest> {
    let (requests_tx, requests) = mpsc::channel(REQUEST_QUEUE);
    let worker = Worker {
        opts,
        tx,
        cancel,
        running: None,
        searching: None,
        merging: None,
        release_at: None,
        batches: None,
    };
    tokio::spawn(worker.run(requests));
    requests_tx
}

/// The remembered toggles from the data dir, and a message when the file was broken.
pub fn load_settings(data_dir: Option<&std::path::Path>) -> (LogViewSettings, Option<String>) {
    match data_dir {
        Some(dir) => settings::load(&settings::settings_path(dir)),
        None => (LogViewSettings::default(), None),
    }
}

struct Worker {
    opts: LogWorkerOptions,
    tx: mpsc::Sender<LogNews>,
    cancel: CancellationToken,
    running: Option<CancellationToken>,
    searching: Option<CancellationToken>,
    /// A merged view's lines held to leave in time order.
    merging: Option<MergeBuffer>,
    release_at: Option<Instant>,
    batches: Option<(u64, mpsc::Receiver<LogBatch>)>,
}

/// What woke the worker.
enum Wake {
    Request(LogRequest),
    Batch(u64, LogBatch),
    FollowDone,
    /// Held lines of a merged view are due.
    Release,
    Stop,
}

impl Worker {
    async fn run(mut self, mut requests: mpsc::Receiver<LogRequest>) {
        let (status_tx, mut status_rx) = mpsc::channel::<LogNews>(16);
        loop {
            let batch = async {
                match self.batches.as_mut() {
                    Some((id, rx)) => rx.recv().await.map(|b| (*id, b)),
                    None => std::future::pending().await,
                }
            };
            let release_at = self.release_at;
            let wake = tokio::select! {
                () = self.cancel.cancelled() => Wake::Stop,
                request = requests.recv() => request.map_or(Wake::Stop, Wake::Request),
                got = batch => got.map_or(Wake::FollowDone, |(id, b)| Wake::Batch(id, b)),
                () = sleep_until(release_at), if release_at.is_some() => Wake::Release,
                Some(news) = status_rx.recv() => {
                    if self.tx.send(news).await.is_err() {
                        break;
                    }
                    continue;
                }
            };
            let news = match wake {
                Wake::Stop => break,
                // Every follow of the view ended; their reasons come as statuses.
                Wake::FollowDone => {
                    let last = self.release(true);
                    self.batches = None;
                    last
                }
                Wake::Batch(view_id, batch) => match self.merging.as_mut() {
                    Some(held) => {
                        held.push(batch);
                        self.release_at
                            .get_or_insert_with(|| Instant::now() + MERGE_HOLD);
                        None
                    }
                    None => Some(LogNews::Batch { view_id, batch }),
                },
                Wake::Release => self.release(false),
                Wake::Request(request) => self.handle(request, &status_tx).await,
            };
            if let Some(news) = news {
                if self.tx.send(news).await.is_err() {
                    break;
                }
            }
        }
        self.stop();
    }

    async fn handle(
        &mut self,
        request: LogRequest,
        status: &mpsc::Sender<LogNews>,
    ) -> Option<LogNews> {
        match request {
            LogRequest::Start {
                view_id,
                targets,
                tail,
                since,
                hints,
            } => {
                self.start(view_id, targets, tail, since, hints.0, status.clone());
                None
            }
            LogRequest::Stop => {
                self.stop();
                None
            }
            LogRequest::Page {
                view_id,
                fetch_id,
                target,
                fetch,
                hints,
            } => {
                self.page(view_id, fetch_id, target, fetch, hints.0, status.clone());
                None
            }
            LogRequest::Count { view_id, target } => {
                self.count(view_id, target, status.clone());
                None
            }
            LogRequest::Search {
                view_id,
                search_id,
                target,
                text,
                regex,
            } => {
                let mode = if regex {
                    QueryMode::Regex
                } else {
                    QueryMode::Plain
                };
                match Query::new(&text, mode) {
                    Ok(query) => self.search(view_id, search_id, target, query, status.clone()),
                    Err(e) => return Some(LogNews::Notice(format!("search: {e}"))),
                }
                None
            }
            LogRequest::CancelSearch => {
                if let Some(token) = self.searching.take() {
                    token.cancel();
                }
                None
            }
            LogRequest::Export { name, lines } => {
                Some(LogNews::Notice(self.export(name, lines).await))
            }
            LogRequest::SaveSettings(toggles) => {
                let dir = self.opts.data_dir.clone()?;
                let path = settings::settings_path(&dir);
                let saved = tokio::task::spawn_blocking(move || settings::save(&path, &toggles))
                    .await
                    .map_err(std::io::Error::other)
                    .and_then(|r| r);
                saved
                    .err()
                    .map(|e| LogNews::Notice(format!("cannot remember the log view toggles: {e}")))
            }
        }
    }

    /// Held lines of a merged view that are old enough (or all), as news; the next release
    /// is scheduled while lines are still held.
    fn release(&mut self, all: bool) -> Option<LogNews> {
        let view_id = self.batches.as_ref()?.0;
        let held = self.merging.as_mut()?;
        let batch = held.release(SystemTime::now(), all);
        self.release_at = (!held.is_empty()).then(|| Instant::now() + MERGE_HOLD / 2);
        batch.map(|batch| LogNews::Batch { view_id, batch })
    }

    fn stop(&mut self) {
        self.merging = None;
        self.release_at = None;
        if let Some(token) = self.running.take() {
            token.cancel();
        }
        if let Some(token) = self.searching.take() {
            token.cancel();
        }
        self.batches = None;
    }

    async fn export(&self, name: String, lines: Vec<String>) -> String {
        let Some(dir) = self.opts.data_dir.clone() else {
            return "cannot save: no data directory (set POC_TUI_DATA)".to_owned();
        };
        let written = tokio::task::spawn_blocking(move || {
            let path = default_export_path(&dir, &name, SystemTime::now());
            export_lines(&lines, &path)
        })
        .await;
        match written {
            Ok(Ok(path)) => format!("saved to {}", path.display()),
            Ok(Err(e)) => format!("save failed: {e}"),
            Err(e) => format!("save failed: {e}"),
        }
    }

    /// Reads one page in its own task, so the follow and other requests never wait for it.
    fn page(
        &self,
        view_id: u64,
        fetch_id: u64,
        target: LogTarget,
        fetch: PageFetch,
        hints: Arc<KnownIssues>,
        news: mpsc::Sender<LogNews>,
    ) {
        let host = self.opts.docker_host.clone();
        let cancel = self.cancel.clone();
        tokio::spawn(async move {
            let opts = FollowOptions {
                source: Some(Arc::clone(&target.label)),
                service: target.service.clone(),
                hints: Some(hints),
                ..FollowOptions::default()
            };
            let read = async {
                let docker = engine(host.as_deref()).await?;
                fetch_page(&docker, &target.container, &fetch, &opts)
                    .await
                    .map_err(|e| format!("logs of {}: {e}", target.name))
            };
            let page = tokio::select! {
                () = cancel.cancelled() => return,
                page = read => page,
            };
            let _ = news
                .send(LogNews::Page {
                    view_id,
                    fetch_id,
                    page,
                })
                .await;
        });
    }

    /// Searches one whole log in its own task, with news every [`SEARCH_STEP`] lines.
    fn search(
        &mut self,
        view_id: u64,
        search_id: u64,
        target: LogTarget,
        query: Query,
        news: mpsc::Sender<LogNews>,
    ) {
        if let Some(token) = self.searching.take() {
            token.cancel();
        }
        let cancel = self.cancel.child_token();
        self.searching = Some(cancel.clone());
        let host = self.opts.docker_host.clone();
        tokio::spawn(async move {
            let opts = FollowOptions {
                source: Some(Arc::clone(&target.label)),
                ..FollowOptions::default()
            };
            let run = async {
                let docker = engine(host.as_deref()).await?;
                let mut scan =
                    HistoryScan::new(&docker, &target.container, query, SEARCH_LIMIT, &opts);
                let mut sent = 0;
                loop {
                    let step = scan.step(SEARCH_STEP).await;
                    let end = match step {
                        Ok(true) => Some(Ok(())),
                        Ok(false) => None,
                        Err(e) => Some(Err(format!("logs of {}: {e}", target.name))),
                    };
                    let found = scan.found.matches[sent..].to_vec();
                    sent = scan.found.matches.len();
                    let done = end.is_some();
                    let progress = LogNews::Search {
                        view_id,
                        search_id,
                        read: scan.found.total,
                        matched: scan.found.matched,
                        found,
                        end,
                    };
                    if news.send(progress).await.is_err() || done {
                        return Ok::<(), String>(());
                    }
                }
            };
            let ended = tokio::select! {
                () = cancel.cancelled() => return,
                ended = run => ended,
            };
            if let Err(e) = ended {
                let _ = news
                    .send(LogNews::Search {
                        view_id,
                        search_id,
                        read: 0,
                        matched: 0,
                        found: Vec::new(),
                        end: Some(Err(e)),
                    })
                    .await;
            }
        });
    }

    /// Counts the lines of one log in its own task.
    fn count(&self, view_id: u64, target: LogTarget, news: mpsc::Sender<LogNews>) {
        let host = self.opts.docker_host.clone();
        let cancel = self.cancel.clone();
        tokio::spawn(async move {
            let read = async {
                let docker = engine(host.as_deref()).await?;
                count_lines(&docker, &target.container)
                    .await
                    .map_err(|e| format!("logs of {}: {e}", target.name))
            };
            let lines = tokio::select! {
                () = cancel.cancelled() => return,
                lines = read => lines,
            };
            let _ = news.send(LogNews::Count { view_id, lines }).await;
        });
    }

    fn start(
        &mut self,
        view_id: u64,
        targets: Vec<LogTarget>,
        tail: usize,
        since: Option<Duration>,
        hints: Arc<KnownIssues>,
        status: mpsc::Sender<LogNews>,
    ) {
        self.stop();
        if targets.len() > 1 {
            self.merging = Some(MergeBuffer::default());
        }
        let cancel = self.cancel.child_token();
        self.running = Some(cancel.clone());
        let (tx, rx) = mpsc::channel(BATCH_QUEUE);
        self.batches = Some((view_id, rx));
        let host = self.opts.docker_host.clone();
        tokio::spawn(async move {
            let say = |message: String| {
                let status = status.clone();
                async move {
                    let _ = status.send(LogNews::Status { view_id, message }).await;
                }
            };
            let docker = tokio::select! {
                () = cancel.cancelled() => return,
                result = engine(host.as_deref()) => match result {
                    Ok(docker) => docker,
                    Err(message) => {
                        say(message).await;
                        return;
                    }
                },
            };
            let opts = FollowOptions {
                tail,
                since: since.and_then(|d| SystemTime::now().checked_sub(d)),
                hints: Some(hints),
                ..FollowOptions::default()
            };
            let handles = if targets.len() > 1 {
                let backlog = merged_backlog(&docker, &targets, &opts, &tx);
                let resume = tokio::select! {
                    () = cancel.cancelled() => return,
                    resume = backlog => resume,
                };
                targets
                    .iter()
                    .zip(resume)
                    .map(|(t, (since, after))| {
                        let mut one = target_options(&opts, t);
                        (one.tail, one.since, one.after) = (usize::MAX, Some(since), after);
                        let token = cancel.child_token();
                        spawn_follow(docker.clone(), t.container.clone(), one, tx.clone(), token)
                    })
                    .collect()
            } else {
                let follow: Vec<FollowTarget> = targets
                    .iter()
                    .map(|t| FollowTarget {
                        container: t.container.clone(),
                        label: Arc::clone(&t.label),
                        service: t.service.clone(),
                    })
                    .collect();
                spawn_merged_follow(&docker, follow, &opts, &tx, &cancel)
            };
            drop(tx);
            for (target, handle) in targets.iter().zip(handles) {
                let message = match handle.await {
                    Ok(Ok(FollowEnd::StreamEnded)) => {
                        format!("{}: log stream ended (container stopped?)", target.name)
                    }
                    Ok(Ok(FollowEnd::Cancelled | FollowEnd::ReceiverClosed)) => continue,
                    Ok(Err(e)) => format!("logs: {e}"),
                    Err(e) => format!("logs of {}: worker failed: {e}", target.name),
                };
                if !cancel.is_cancelled() {
                    say(message).await;
                }
            }
        });
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Lines of one container's backlog in a merged view when the since window asks for all.
const MERGED_BACKLOG_MAX: usize = 50_000;
/// Lines per batch of a merged backlog.
const BACKLOG_BATCH: usize = 4_096;

/// The follow options of one target of a merged view: its label and service.
fn target_options(opts: &FollowOptions, target: &LogTarget) -> FollowOptions {
    let mut one = opts.clone();
    one.source = Some(Arc::clone(&target.label));
    one.service.clone_from(&target.service);
    one
}

/// A merged view's backlog: each container's last lines read at once, sent in timestamp order
/// (not container by container). Returns, per target, where its follow starts: the second of
/// its newest backlog line (or of the read) and that line's time, so no line comes twice.
async fn merged_backlog(
    docker: &bollard::Docker,
    targets: &[LogTarget],
    opts: &FollowOptions,
    tx: &mpsc::Sender<LogBatch>,
) -> Vec<(SystemTime, Option<SystemTime>)> {
    let read_at = SystemTime::now();
    let tail = if opts.tail == usize::MAX {
        MERGED_BACKLOG_MAX
    } else {
        opts.tail
    };
    let since = opts.since.and_then(|t| {
        let secs = t.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
        i64::try_from(secs).ok()
    });
    let reads = targets.iter().map(|t| {
        let one = target_options(opts, t);
        let fetch = PageFetch {
            tail: Some(tail as u64),
            since,
            take: tail,
            with_head: false,
            kind: FetchKind::After,
        };
        async move { fetch_page(docker, &t.container, &fetch, &one).await }
    });
    let pages = futures::future::join_all(reads).await;
    let mut resume = Vec::with_capacity(targets.len());
    let mut lines = Vec::new();
    for page in pages {
        // A container that cannot be read now gets its say from its follow.
        let page = page.map(|p| p.lines).unwrap_or_default();
        let newest = page.last().and_then(|l| l.timestamp);
        resume.push((newest.unwrap_or(read_at), newest));
        lines.extend(page);
    }
    // Stable: lines of one container that share a stamp keep their order.
    lines.sort_by_key(|l| l.timestamp);
    let mut lines = lines.into_iter().peekable();
    while lines.peek().is_some() {
        let batch = LogBatch {
            container: Arc::from("merged"),
            lines: lines.by_ref().take(BACKLOG_BATCH).collect(),
            dropped_in_transit: 0,
        };
        if tx.send(batch).await.is_err() {
            break;
        }
    }
    resume
}

/// The engine, found like the Docker CLI finds it; the error says why not and what to do.
async fn engine(host: Option<&str>) -> Result<bollard::Docker, String> {
    let unreachable = |down: crate::docker::EngineDown| {
        format!("logs: engine unreachable: {} — {}", down.reason, down.fix)
    };
    let target = crate::docker::resolve_target(host, &crate::docker::EngineEnv::from_process())
        .map_err(unreachable)?;
    crate::docker::connect(&target, CONNECT_TIMEOUT)
        .await
        .map(|(docker, _)| docker)
        .map_err(unreachable)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn next(rx: &mut mpsc::Receiver<LogNews>) -> LogNews {
        tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("news in time")
            .expect("worker alive")
    }

    #[tokio::test]
    async fn export_writes_the_lines_of_the_request() {
        let dir = tempfile::tempdir().expect("test setup");
        let cancel = CancellationToken::new();
        let (tx, mut rx) = mpsc::channel(4);
        let opts = LogWorkerOptions {
            docker_host: None,
            data_dir: Some(dir.path().to_owned()),
        };
        let requests = spawn(opts, tx, cancel.clone());
        let lines = vec!["one".to_owned(), "--".to_owned(), "two".to_owned()];
        requests
            .send(LogRequest::Export {
                name: "coder-server".to_owned(),
                lines,
            })
            .await
            .expect("worker takes requests");
        let LogNews::Notice(message) = next(&mut rx).await else {
            panic!("an export answers with a notice");
        };
        let path = message.strip_prefix("saved to ").expect(&message);
        assert!(path.contains("coder-server"), "{path}");
        let written = std::fs::read_to_string(path).expect("the export file");
        assert_eq!(written, "one\n--\ntwo\n");
        cancel.cancel();
    }

    #[tokio::test]
    async fn without_a_data_dir_export_says_why() {
        let cancel = CancellationToken::new();
        let (tx, mut rx) = mpsc::channel(4);
        let requests = spawn(LogWorkerOptions::default(), tx, cancel.clone());
        requests
            .send(LogRequest::Export {
                name: "x".to_owned(),
                lines: vec!["a".to_owned()],
            })
            .await
            .expect("worker takes requests");
        let LogNews::Notice(message) = next(&mut rx).await else {
            panic!("an export answers with a notice");
        };
        assert!(message.contains("no data directory"), "{message}");
        cancel.cancel();
    }
}
