//! Running an action: output streamed line by line (sanitised), the result
//! (exit code, the container before and after) recorded in a bounded history,
//! and at most one action per service at a time.

use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant, SystemTime};

use futures::StreamExt;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::mpsc;

use super::action::{ActionKind, ActionRequest};
use super::command::{capture, Argv};
use super::control::{signal_group, ActionControl, StopNote, StopReason};
use crate::logs::sanitize::{sanitize, EscapeDisplay, SanitizeOptions};

/// Longest output line kept (the rest is cut by the sanitiser).
const MAX_LINE_BYTES: usize = 4096;
/// Output lines a history record keeps.
pub const OUTPUT_TAIL: usize = 200;
/// Output lines a failure's one-line summary quotes.
const FAILURE_LINES: usize = 2;
/// How long the "which container now" lookup may take.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(20);

/// How an action ended, in words a user needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A new container replaced the old one.
    Recreated,
    /// `up -d` found nothing to change: the same container stays.
    Unchanged,
    /// The same container was restarted, stopped or started.
    Done,
    Failed,
}

/// One finished action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionRecord {
    pub id: u64,
    pub key: String,
    pub subject: String,
    pub kind: ActionKind,
    pub command: String,
    #[serde(with = "humantime_serde_compat")]
    pub started: SystemTime,
    pub elapsed_ms: u64,
    pub exit_code: Option<i32>,
    pub outcome: Outcome,
    /// Why it failed to run at all (spawn error), when it did not.
    pub error: Option<String>,
    pub old_container: Option<String>,
    pub new_container: Option<String>,
    /// The last lines of output (stdout and stderr interleaved as they came).
    pub output_tail: Vec<String>,
    /// Set when it was stopped before it ended by itself (deadline, cancel, shutdown).
    pub stopped: Option<StopNote>,
}

mod humantime_serde_compat {
    use std::time::SystemTime;

    pub fn serialize<S: serde::Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&humantime::format_rfc3339_seconds(*t).to_string())
    }
}

impl ActionRecord {
    /// One line: what happened to the container.
    pub fn summary(&self) -> String {
        let short = |id: &Option<String>| {
            id.as_deref().map_or_else(
                || "none".to_string(),
                |i| i.get(..12).unwrap_or(i).to_string(),
            )
        };
        if let Some(note) = &self.stopped {
            return format!("failed: {}", note.describe());
        }
        match self.outcome {
            Outcome::Recreated => format!(
                "recreated: container {} replaced by {}",
                short(&self.old_container),
                short(&self.new_container)
            ),
            Outcome::Unchanged => format!(
                "nothing changed: container {} kept (configuration already applied)",
                short(&self.new_container)
            ),
            Outcome::Done => format!(
                "{} done (container {})",
                self.kind.verb(),
                short(&self.new_container)
            ),
            Outcome::Failed => match (&self.error, self.exit_code) {
                (Some(e), _) => format!("failed: {e}"),
                (None, Some(code)) => format!("failed with exit code {code}{}", self.said()),
                (None, None) => format!("failed: killed by a signal{}", self.said()),
            },
        }
    }

    /// The child's own last words (already sanitised), as ": …", or nothing.
    fn said(&self) -> String {
        let start = self.output_tail.len().saturating_sub(FAILURE_LINES);
        let last: Vec<&str> = self.output_tail[start..]
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect();
        if last.is_empty() {
            String::new()
        } else {
            format!(": {}", last.join(" / "))
        }
    }
}

/// What the runner tells its owner while an action runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionEvent {
    Started {
        id: u64,
        key: String,
        subject: String,
        kind: ActionKind,
        command: String,
        started: SystemTime,
    },
    /// Sanitised output lines, in arrival order.
    Output {
        id: u64,
        lines: Vec<String>,
    },
    Finished(Box<ActionRecord>),
}

/// Keys of the actions running now.
#[derive(Debug, Default, Clone)]
pub struct BusySet(HashSet<String>);

impl BusySet {
    /// False when an action on `key` is already running.
    pub fn try_claim(&mut self, key: &str) -> bool {
        self.0.insert(key.to_string())
    }
    pub fn release(&mut self, key: &str) {
        self.0.remove(key);
    }
    pub fn is_busy(&self, key: &str) -> bool {
        self.0.contains(key)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The last finished actions, newest first, at most `cap`.
#[derive(Debug, Clone)]
pub struct ActionHistory {
    cap: usize,
    records: VecDeque<ActionRecord>,
}

impl ActionHistory {
    pub fn new(cap: usize) -> Self {
        Self {
            cap: cap.max(1),
            records: VecDeque::new(),
        }
    }
    pub fn push(&mut self, record: ActionRecord) {
        self.records.push_front(record);
        self.records.truncate(self.cap);
    }
    pub fn iter(&self) -> impl Iterator<Item = &ActionRecord> {
        self.records.iter()
    }
    pub fn len(&self) -> usize {
        self.records.len()
    }
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

/// Cuts a byte stream into lines at `\n` or `\r` (progress output), sanitised.
#[derive(Debug, Default)]
struct LineSplitter {
    pending: Vec<u8>,
}

impl LineSplitter {
    fn push(&mut self, chunk: &[u8], out: &mut Vec<String>) {
        for &byte in chunk {
            if byte == b'\n' || byte == b'\r' {
                self.flush(out);
            } else if self.pending.len() < MAX_LINE_BYTES * 2 {
                self.pending.push(byte);
            }
        }
    }
    fn flush(&mut self, out: &mut Vec<String>) {
        if self.pending.is_empty() {
            return;
        }
        let opts = SanitizeOptions {
            max_bytes: MAX_LINE_BYTES,
            escapes: EscapeDisplay::Hidden,
            ..SanitizeOptions::default()
        };
        let line = sanitize(&self.pending, &opts).text;
        self.pending.clear();
        if !line.trim().is_empty() {
            out.push(line);
        }
    }
}

fn chunks<R: AsyncRead + Unpin + Send + 'static>(
    reader: R,
) -> futures::stream::BoxStream<'static, Vec<u8>> {
    futures::stream::unfold(reader, |mut reader| async move {
        let mut buf = vec![0u8; 8192];
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((buf, reader))
            }
        }
    })
    .boxed()
}

/// Runs `command` for `request`, streaming output to `tx`, then asks `lookup`
/// which container serves the target now. `control` bounds it (deadline) and stops it
/// early (cancel, shutdown). Never panics; a spawn failure is a failed record. The caller
/// owns the busy lock and the project lock.
pub async fn run_action(
    id: u64,
    request: &ActionRequest,
    command: &Argv,
    lookup: Option<&Argv>,
    tx: &mpsc::Sender<ActionEvent>,
    control: &ActionControl,
) -> ActionRecord {
    let started = SystemTime::now();
    let clock = Instant::now();
    let _ = tx
        .send(ActionEvent::Started {
            id,
            key: request.key(),
            subject: request.subject(),
            kind: request.kind,
            command: command.display(),
            started,
        })
        .await;
    let mut record = ActionRecord {
        id,
        key: request.key(),
        subject: request.subject(),
        kind: request.kind,
        command: command.display(),
        started,
        elapsed_ms: 0,
        exit_code: None,
        outcome: Outcome::Failed,
        error: None,
        old_container: request.container_id.clone(),
        new_container: None,
        output_tail: Vec::new(),
        stopped: None,
    };
    let mut tail: VecDeque<String> = VecDeque::new();
    let mut child_command = command.tokio_command();
    // Its own process group: signals reach compose and its children, a terminal's Ctrl-C
    // does not; and no SIGKILL when a handle is dropped (see `control`).
    child_command.process_group(0).kill_on_drop(false);
    match child_command.spawn() {
        Err(e) => record.error = Some(format!("cannot run {}: {e}", command.program)),
        Ok(child) => {
            let (status, stopped) = supervise(id, child, control, &mut tail, tx).await;
            match status {
                Some(Ok(status)) => {
                    record.exit_code = status.code();
                    if status.success() && stopped.is_none() {
                        record.outcome = Outcome::Done;
                    }
                }
                Some(Err(e)) => record.error = Some(e.to_string()),
                None => {}
            }
            record.stopped = stopped;
        }
    }
    if let Some(lookup) = lookup {
        record.new_container = current_container(lookup).await;
    }
    if record.outcome == Outcome::Done {
        record.outcome = outcome_of(
            request.kind,
            record.old_container.as_deref(),
            record.new_container.as_deref(),
        );
    }
    record.elapsed_ms = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
    record.output_tail = tail.into_iter().collect();
    record
}

/// The next thing to do to a running child, and when.
#[derive(Clone, Copy)]
enum Step {
    /// The deadline passed: SIGTERM.
    Deadline,
    /// A shutdown waited long enough: SIGTERM.
    ShutdownTerm,
    /// The grace period after SIGTERM passed: SIGKILL.
    Kill,
    /// Stop waiting (after SIGKILL, a shutdown's SIGTERM, or for output after the exit).
    GiveUp,
}

/// Streams the child's output while watching its exit, the deadline, the cancel and the
/// shutdown. Returns the exit status (None when poc-tui stopped waiting first) and how it
/// was stopped, if it was.
async fn supervise(
    id: u64,
    mut child: tokio::process::Child,
    control: &ActionControl,
    tail: &mut VecDeque<String>,
    tx: &mpsc::Sender<ActionEvent>,
) -> (
    Option<std::io::Result<std::process::ExitStatus>>,
    Option<StopNote>,
) {
    let limits = control.limits;
    let pid = child.id();
    let mut streams = Vec::new();
    if let Some(out) = child.stdout.take() {
        streams.push(chunks(out).map(|c| (false, c)).boxed());
    }
    if let Some(err) = child.stderr.take() {
        streams.push(chunks(err).map(|c| (true, c)).boxed());
    }
    let mut merged = futures::stream::select_all(streams);
    let mut splitters = [LineSplitter::default(), LineSplitter::default()];
    let mut next = Some((
        tokio::time::Instant::now() + limits.deadline,
        Step::Deadline,
    ));
    let mut note: Option<StopNote> = None;
    let stop = |reason, note: &mut Option<StopNote>| {
        *note = Some(StopNote {
            reason,
            signals: Vec::new(),
            left_running: false,
            deadline_secs: limits.deadline.as_secs(),
        });
    };
    let (mut eof, mut status, mut shutdown_seen) = (false, None, false);
    while !(eof && status.is_some()) {
        let wake = next.map_or_else(tokio::time::Instant::now, |(t, _)| t);
        tokio::select! {
            chunk = merged.next(), if !eof => match chunk {
                Some((is_err, chunk)) => {
                    let mut lines = Vec::new();
                    splitters[usize::from(is_err)].push(&chunk, &mut lines);
                    forward(id, lines, tail, tx).await;
                }
                None => eof = true,
            },
            exited = child.wait(), if status.is_none() => {
                status = Some(exited);
                // Output still buffered in the pipes is read; a grandchild holding them
                // open is not waited for long.
                next = Some((tokio::time::Instant::now() + Duration::from_secs(2), Step::GiveUp));
            },
            () = control.cancel.cancelled(), if note.is_none() && status.is_none() => {
                stop(StopReason::Cancelled, &mut note);
                note_signal(&mut note, signal_group(pid, false));
                next = Some((tokio::time::Instant::now() + limits.grace, Step::Kill));
            },
            () = control.shutdown.cancelled(), if !shutdown_seen && note.is_none() && status.is_none() => {
                shutdown_seen = true;
                next = Some((tokio::time::Instant::now() + limits.shutdown_wait, Step::ShutdownTerm));
            },
            () = tokio::time::sleep_until(wake), if next.is_some() => {
                let step = next.map(|(_, s)| s);
                next = None;
                match step {
                    Some(Step::Deadline) if status.is_none() => {
                        stop(StopReason::Deadline, &mut note);
                        note_signal(&mut note, signal_group(pid, false));
                        next = Some((tokio::time::Instant::now() + limits.grace, Step::Kill));
                    }
                    Some(Step::ShutdownTerm) if status.is_none() => {
                        stop(StopReason::Shutdown, &mut note);
                        note_signal(&mut note, signal_group(pid, false));
                        next = Some((tokio::time::Instant::now() + limits.shutdown_wait, Step::GiveUp));
                    }
                    Some(Step::Kill) if status.is_none() => {
                        note_signal(&mut note, signal_group(pid, true));
                        next = Some((tokio::time::Instant::now() + limits.grace, Step::GiveUp));
                    }
                    Some(Step::GiveUp) => {
                        if let Some(n) = note.as_mut() {
                            n.left_running = status.is_none();
                        }
                        break;
                    }
                    _ => {}
                }
            },
        }
    }
    let mut lines = Vec::new();
    for splitter in &mut splitters {
        splitter.flush(&mut lines);
    }
    forward(id, lines, tail, tx).await;
    (status, note)
}

fn note_signal(note: &mut Option<StopNote>, signal: &'static str) {
    if let Some(n) = note.as_mut() {
        n.signals.push(signal);
    }
}

async fn forward(
    id: u64,
    lines: Vec<String>,
    tail: &mut VecDeque<String>,
    tx: &mpsc::Sender<ActionEvent>,
) {
    if lines.is_empty() {
        return;
    }
    for line in &lines {
        if tail.len() == OUTPUT_TAIL {
            tail.pop_front();
        }
        tail.push_back(line.clone());
    }
    let _ = tx.send(ActionEvent::Output { id, lines }).await;
}

/// The first full container id the lookup prints.
async fn current_container(lookup: &Argv) -> Option<String> {
    let out = capture(lookup, LOOKUP_TIMEOUT).await.ok()?;
    if !out.success {
        return None;
    }
    out.stdout
        .lines()
        .map(str::trim)
        .find(|l| l.len() >= 12 && l.chars().all(|c| c.is_ascii_hexdigit()))
        .map(str::to_string)
}

fn outcome_of(kind: ActionKind, old: Option<&str>, new: Option<&str>) -> Outcome {
    match kind {
        ActionKind::Apply | ActionKind::ForceRecreate => match (old, new) {
            (Some(a), Some(b)) if a == b => Outcome::Unchanged,
            (_, Some(_)) => Outcome::Recreated,
            _ => Outcome::Done,
        },
        _ => Outcome::Done,
    }
}

#[cfg(test)]
#[path = "runner_tests.rs"]
mod tests;
