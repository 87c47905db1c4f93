//! The streaming worker: one follow request per container, lines in batches.
//!
//! - One request asks for the last `tail` lines and keeps following: history is
//!   never re-read and nothing polls with `since`. After a stream error, one
//!   resume request with `since` = the last seen timestamp; lines already seen
//!   are skipped.
//! - Batches flush at `batch_lines` lines or `batch_delay` after the first unsent
//!   line, whichever comes first; an idle stream wakes nobody.
//! - The channel is bounded. While the receiver is slow the worker keeps reading
//!   and keeps at most `max_pending_lines`, dropping the oldest and counting them
//!   in the next batch's `dropped_in_transit`. Memory stays bounded.
//!
//! The `Docker` handed in should already have run `negotiate_version()`.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bollard::container::LogOutput;
use bollard::query_parameters::LogsOptionsBuilder;
use bollard::Docker;
use futures::{Stream, StreamExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::hints::KnownIssues;
use super::ring::{LogLine, LogStream};
use super::sanitize::{sanitize_with_precut, SanitizeOptions};
use super::split::{LineSplitter, RawLine};

/// What to ask for and how to batch it.
#[derive(Debug, Clone)]
pub struct FollowOptions {
    /// Lines of history sent first; `usize::MAX` means the whole history.
    pub tail: usize,
    /// Only lines from this time on.
    pub since: Option<SystemTime>,
    /// Skip lines stamped at or before this (a merged view read them with its backlog).
    pub after: Option<SystemTime>,
    /// Ask the engine for timestamps. Needed for a gap-free resume after an error
    /// and for the view's timestamp toggle; on by default.
    pub timestamps: bool,
    /// Label put on every line (service name in merged views); the container by default.
    pub source: Option<Arc<str>>,
    /// Service key used for known-issue `applies_to`.
    pub service: Option<String>,
    /// Known issues to flag lines with (matching runs in the worker, off the UI task).
    pub hints: Option<Arc<KnownIssues>>,
    pub sanitize: SanitizeOptions,
    pub batch_lines: usize,
    pub batch_delay: Duration,
    /// Lines held while the receiver is slow; older ones are dropped and counted.
    pub max_pending_lines: usize,
    /// Raw bytes kept of one line while reassembling it.
    pub max_line_bytes: usize,
}

impl Default for FollowOptions {
    fn default() -> Self {
        Self {
            tail: 1000,
            since: None,
            after: None,
            timestamps: true,
            source: None,
            service: None,
            hints: None,
            sanitize: SanitizeOptions::default(),
            batch_lines: 512,
            batch_delay: Duration::from_millis(16),
            max_pending_lines: 16_384,
            max_line_bytes: 64 * 1024,
        }
    }
}

/// Lines of one container, in order.
#[derive(Debug, Clone)]
pub struct LogBatch {
    pub container: Arc<str>,
    pub lines: Vec<LogLine>,
    /// Lines dropped before this batch because the receiver was slow.
    pub dropped_in_transit: u64,
}

/// How a follow ended without error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowEnd {
    Cancelled,
    /// The engine closed the stream (the container stopped).
    StreamEnded,
    /// Nobody listens any more.
    ReceiverClosed,
}

#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    #[error("logs of {container}: {source}")]
    Engine {
        container: String,
        #[source]
        source: bollard::errors::Error,
    },
}

type LogItem = Result<LogOutput, bollard::errors::Error>;
type LogItemStream = Pin<Box<dyn Stream<Item = LogItem> + Send>>;

/// Starts following one container's log.
pub fn spawn_follow(
    docker: Docker,
    container: String,
    opts: FollowOptions,
    tx: mpsc::Sender<LogBatch>,
    cancel: CancellationToken,
) -> JoinHandle<Result<FollowEnd, FollowError>> {
    tokio::spawn(async move {
        let name = container.clone();
        let base = opts.clone();
        let open = move |resume_since: Option<i32>| -> LogItemStream {
            let mut builder = LogsOptionsBuilder::new()
                .follow(true)
                .stdout(true)
                .stderr(true)
                .timestamps(base.timestamps);
            if let Some(since) = resume_since {
                builder = builder.since(since).tail("all");
            } else {
                let tail = if base.tail == usize::MAX {
                    "all".to_owned()
                } else {
                    base.tail.to_string()
                };
                builder = builder.tail(&tail);
                if let Some(since) = base.since.and_then(unix_seconds) {
                    builder = builder.since(since);
                }
            }
            Box::pin(docker.logs(&name, Some(builder.build())))
        };
        follow_stream(open, &container, &opts, &tx, &cancel).await
    })
}

/// One container to follow in a merged view.
#[derive(Debug, Clone)]
pub struct FollowTarget {
    pub container: String,
    /// Prefix shown on its lines (the service name).
    pub label: Arc<str>,
    pub service: Option<String>,
}

/// Follows several containers into one channel, each line labelled with its
/// target's label (like `docker compose logs -f`). Cancelling `cancel` stops all.
pub fn spawn_merged_follow(
    docker: &Docker,
    targets: Vec<FollowTarget>,
    opts: &FollowOptions,
    tx: &mpsc::Sender<LogBatch>,
    cancel: &CancellationToken,
) -> Vec<JoinHandle<Result<FollowEnd, FollowError>>> {
    targets
        .into_iter()
        .map(|target| {
            let mut one = opts.clone();
            one.source = Some(target.label);
            one.service = target.service.or(one.service);
            spawn_follow(
                docker.clone(),
                target.container,
                one,
                tx.clone(),
                cancel.child_token(),
            )
        })
        .collect()
}

fn unix_seconds(time: SystemTime) -> Option<i32> {
    let secs = time.duration_since(UNIX_EPOCH).ok()?.as_secs();
    i32::try_from(secs).ok()
}

/// Turns frames into sanitised, flagged lines. Shared with the headless command.
pub(crate) struct LineProcessor {
    splitter: LineSplitter,
    sanitize: SanitizeOptions,
    hints: Option<Arc<KnownIssues>>,
    service: Option<String>,
    source: Arc<str>,
}

impl LineProcessor {
    pub(crate) fn new(opts: &FollowOptions, container: &str) -> Self {
        Self {
            splitter: LineSplitter::new(opts.max_line_bytes, opts.timestamps),
            sanitize: opts.sanitize,
            hints: opts.hints.clone(),
            service: opts.service.clone(),
            source: opts.source.clone().unwrap_or_else(|| Arc::from(container)),
        }
    }

    pub(crate) fn frame(&mut self, output: &LogOutput, out: &mut Vec<RawLine>) {
        let (stream, payload) = match output {
            LogOutput::StdOut { message } => (LogStream::Stdout, message),
            LogOutput::StdErr { message } => (LogStream::Stderr, message),
            LogOutput::Console { message } => (LogStream::Console, message),
            LogOutput::StdIn { .. } => return,
        };
        self.splitter.push_frame(stream, payload, out);
    }

    pub(crate) fn finish(&mut self, out: &mut Vec<RawLine>) {
        self.splitter.finish(out);
    }

    pub(crate) fn line(&self, raw: &RawLine) -> LogLine {
        let line = sanitize_with_precut(&raw.bytes, raw.cut, &self.sanitize);
        let issue = self
            .hints
            .as_ref()
            .and_then(|h| h.match_index(&line.text, self.service.as_deref()));
        LogLine {
            seq: 0,
            timestamp: raw.timestamp,
            stream: raw.stream,
            source: Arc::clone(&self.source),
            line,
            issue,
        }
    }
}

/// Skips lines a resumed stream repeats: those older than the last seen
/// timestamp, and those at exactly that timestamp that were already seen.
#[derive(Debug, Default)]
struct Dedupe {
    last: Option<SystemTime>,
    /// Fingerprints of lines seen at `last`.
    at_last: Vec<u64>,
    /// Skipping is on right after a resume.
    active: bool,
}

impl Dedupe {
    fn fingerprint(raw: &RawLine) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        raw.stream.hash(&mut h);
        raw.bytes.hash(&mut h);
        h.finish()
    }

    /// Whether to keep the line; records it as seen.
    fn keep(&mut self, raw: &RawLine) -> bool {
        let Some(ts) = raw.timestamp else {
            return true;
        };
        if self.active {
            match self.last {
                Some(last) if ts < last => return false,
                Some(last) if ts == last => {
                    let fp = Self::fingerprint(raw);
                    if let Some(pos) = self.at_last.iter().position(|&f| f == fp) {
                        self.at_last.swap_remove(pos);
                        return false;
                    }
                }
                _ => self.active = false,
            }
        }
        if self.last != Some(ts) {
            self.last = Some(ts);
            self.at_last.clear();
        }
        // Bounded: a flood of lines in one nanosecond only weakens dedupe.
        if self.at_last.len() < 4096 {
            self.at_last.push(Self::fingerprint(raw));
        }
        true
    }

    fn resume_since(&mut self) -> Option<i32> {
        self.active = true;
        self.last.and_then(unix_seconds)
    }
}

/// Lines waiting for the receiver.
struct Pending {
    lines: VecDeque<LogLine>,
    dropped: u64,
    first_at: Option<Instant>,
    max: usize,
}

impl Pending {
    fn push(&mut self, line: LogLine) {
        if self.lines.len() >= self.max {
            self.lines.pop_front();
            self.dropped += 1;
        }
        if self.first_at.is_none() {
            self.first_at = Some(Instant::now());
        }
        self.lines.push_back(line);
    }

    /// The next batch: at most `limit` of the oldest pending lines.
    fn take(&mut self, container: &Arc<str>, limit: usize) -> LogBatch {
        let count = self.lines.len().min(limit.max(1));
        let lines = self.lines.drain(..count).collect();
        // Lines still waiting keep the clock running from now.
        self.first_at = (!self.lines.is_empty()).then(Instant::now);
        LogBatch {
            container: Arc::clone(container),
            lines,
            dropped_in_transit: std::mem::take(&mut self.dropped),
        }
    }

    fn has_data(&self) -> bool {
        !self.lines.is_empty() || self.dropped > 0
    }
}

/// The follow loop, over any opener of log streams (`Some(since)` = resume).
pub(crate) async fn follow_stream<F>(
    mut open: F,
    container: &str,
    opts: &FollowOptions,
    tx: &mpsc::Sender<LogBatch>,
    cancel: &CancellationToken,
) -> Result<FollowEnd, FollowError>
where
    F: FnMut(Option<i32>) -> LogItemStream,
{
    let label: Arc<str> = Arc::from(container);
    let mut processor = LineProcessor::new(opts, container);
    let mut pending = Pending {
        lines: VecDeque::new(),
        dropped: 0,
        first_at: None,
        max: opts.max_pending_lines.max(1),
    };
    let mut dedupe = Dedupe::default();
    let mut stream = open(None);
    let mut lines_since_open = 0_u64;
    let mut raw = Vec::new();
    loop {
        let due_at = pending.first_at.map(|t| t + opts.batch_delay);
        let flush_due = pending.has_data()
            && (pending.lines.len() >= opts.batch_lines
                || due_at.is_some_and(|t| t <= Instant::now()));
        tokio::select! {
            biased;
            () = cancel.cancelled() => return Ok(FollowEnd::Cancelled),
            permit = tx.reserve(), if flush_due => match permit {
                Ok(permit) => permit.send(pending.take(&label, opts.batch_lines)),
                Err(_) => return Ok(FollowEnd::ReceiverClosed),
            },
            () = sleep_until_opt(due_at), if !flush_due && due_at.is_some() => {}
            item = stream.next() => match item {
                Some(Ok(output)) => {
                    processor.frame(&output, &mut raw);
                    for line in raw.drain(..) {
                        let seen = opts.after.is_some_and(|a| line.timestamp.is_some_and(|t| t <= a));
                        if !seen && dedupe.keep(&line) {
                            lines_since_open += 1;
                            pending.push(processor.line(&line));
                        }
                    }
                }
                Some(Err(source)) => {
                    if lines_since_open == 0 {
                        return Err(FollowError::Engine { container: container.to_owned(), source });
                    }
                    tracing::debug!(container, error = %source, "log stream broke; resuming once");
                    lines_since_open = 0;
                    // Without engine timestamps, resume from now (a short gap is possible).
                    let since = dedupe.resume_since().or_else(|| unix_seconds(SystemTime::now()));
                    stream = open(since);
                }
                None => {
                    processor.finish(&mut raw);
                    for line in raw.drain(..) {
                        pending.push(processor.line(&line));
                    }
                    return Ok(drain_pending(&mut pending, &label, opts.batch_lines, tx, cancel).await);
                }
            },
        }
    }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Sends what is left when the stream ended (waiting for the receiver).
async fn drain_pending(
    pending: &mut Pending,
    label: &Arc<str>,
    batch_lines: usize,
    tx: &mpsc::Sender<LogBatch>,
    cancel: &CancellationToken,
) -> FollowEnd {
    while pending.has_data() {
        tokio::select! {
            () = cancel.cancelled() => return FollowEnd::Cancelled,
            sent = tx.send(pending.take(label, batch_lines)) => if sent.is_err() {
                return FollowEnd::ReceiverClosed;
            },
        }
    }
    FollowEnd::StreamEnded
}

#[cfg(test)]
#[path = "follow_tests.rs"]
mod tests;
