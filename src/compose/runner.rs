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
use crate::logs::sanitize::{sanitize, EscapeDisplay, SanitizeOptions};

/// Longest output line kept (the rest is cut by the sanitiser).
const MAX_LINE_BYTES: usize = 4096;
/// Output lines a history record keeps.
pub const OUTPUT_TAIL: usize = 200;
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
                (None, Some(code)) => format!("failed with exit code {code}"),
                (None, None) => "failed: killed by a signal".to_string(),
            },
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
/// which container serves the target now. Never panics; a spawn failure is a
/// failed record. The caller owns the busy lock.
pub async fn run_action(
    id: u64,
    request: &ActionRequest,
    command: &Argv,
    lookup: Option<&Argv>,
    tx: &mpsc::Sender<ActionEvent>,
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
    };
    let mut tail: VecDeque<String> = VecDeque::new();
    match command.tokio_command().spawn() {
        Err(e) => record.error = Some(format!("cannot run {}: {e}", command.program)),
        Ok(mut child) => {
            let mut streams = Vec::new();
            if let Some(out) = child.stdout.take() {
                streams.push(chunks(out).map(|c| (false, c)).boxed());
            }
            if let Some(err) = child.stderr.take() {
                streams.push(chunks(err).map(|c| (true, c)).boxed());
            }
            let mut merged = futures::stream::select_all(streams);
            let mut splitters = [LineSplitter::default(), LineSplitter::default()];
            while let Some((is_err, chunk)) = merged.next().await {
                let mut lines = Vec::new();
                splitters[usize::from(is_err)].push(&chunk, &mut lines);
                forward(id, lines, &mut tail, tx).await;
            }
            let mut lines = Vec::new();
            for splitter in &mut splitters {
                splitter.flush(&mut lines);
            }
            forward(id, lines, &mut tail, tx).await;
            match child.wait().await {
                Ok(status) => {
                    record.exit_code = status.code();
                    if status.success() {
                        record.outcome = Outcome::Done;
                    }
                }
                Err(e) => record.error = Some(e.to_string()),
            }
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
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::compose::action::{ActionTarget, DockerCli};

    fn request(kind: ActionKind, old: Option<&str>) -> ActionRequest {
        ActionRequest {
            kind,
            target: ActionTarget::Container { name: "w".into() },
            container_id: old.map(str::to_string),
        }
    }

    fn sh(script: &str) -> Argv {
        Argv::new("sh", ["-c".to_string(), script.to_string()])
    }

    #[tokio::test]
    async fn streams_sanitised_output_and_records_the_result() {
        let (tx, mut rx) = mpsc::channel(64);
        let cmd = sh("printf 'one\\n\\033[2Jtwo\\rthree\\n'; echo oops >&2; exit 4");
        let lookup = sh("echo 0123456789abcdef0123");
        let rec = run_action(
            7,
            &request(ActionKind::Restart, Some("0123456789abcdef0123")),
            &cmd,
            Some(&lookup),
            &tx,
        )
        .await;
        drop(tx);
        assert_eq!(rec.exit_code, Some(4));
        assert_eq!(rec.outcome, Outcome::Failed);
        assert_eq!(rec.summary(), "failed with exit code 4");
        let mut lines = Vec::new();
        let mut started = false;
        while let Some(ev) = rx.recv().await {
            match ev {
                ActionEvent::Started { id, command, .. } => {
                    assert_eq!(id, 7);
                    assert!(command.starts_with("sh -c "));
                    started = true;
                }
                ActionEvent::Output { lines: l, .. } => lines.extend(l),
                ActionEvent::Finished(_) => unreachable!("the caller sends Finished"),
            }
        }
        assert!(started);
        let mut sorted = lines.clone();
        sorted.sort();
        assert_eq!(sorted, ["one", "oops", "three", "two"]);
        assert!(lines.iter().all(|l| !l.contains('\u{1b}')));
        assert_eq!(rec.output_tail.len(), 4);
    }

    #[tokio::test]
    async fn recreated_unchanged_and_spawn_failure() {
        let (tx, _rx) = mpsc::channel(64);
        let ok = sh("true");
        let same = sh("echo 0123456789abcdef");
        let other = sh("echo fedcba9876543210");
        let rec = run_action(
            1,
            &request(ActionKind::Apply, Some("0123456789abcdef")),
            &ok,
            Some(&same),
            &tx,
        )
        .await;
        assert_eq!(rec.outcome, Outcome::Unchanged);
        assert!(
            rec.summary().starts_with("nothing changed"),
            "{}",
            rec.summary()
        );
        let rec = run_action(
            2,
            &request(ActionKind::Apply, Some("0123456789abcdef")),
            &ok,
            Some(&other),
            &tx,
        )
        .await;
        assert_eq!(rec.outcome, Outcome::Recreated);
        assert_eq!(
            rec.summary(),
            "recreated: container 0123456789ab replaced by fedcba987654"
        );
        let missing = Argv::new("/nonexistent/tool", Vec::new());
        let rec = run_action(3, &request(ActionKind::Stop, None), &missing, None, &tx).await;
        assert_eq!(rec.outcome, Outcome::Failed);
        assert!(rec
            .summary()
            .starts_with("failed: cannot run /nonexistent/tool"));
        let _ = DockerCli::default();
    }

    #[test]
    fn history_is_bounded_newest_first_and_busy_is_exclusive() {
        let mut history = ActionHistory::new(3);
        for id in 0..5 {
            history.push(ActionRecord {
                id,
                key: "k".into(),
                subject: "s".into(),
                kind: ActionKind::Restart,
                command: "c".into(),
                started: SystemTime::UNIX_EPOCH,
                elapsed_ms: 0,
                exit_code: Some(0),
                outcome: Outcome::Done,
                error: None,
                old_container: None,
                new_container: None,
                output_tail: vec![],
            });
        }
        assert_eq!(history.iter().map(|r| r.id).collect::<Vec<_>>(), [4, 3, 2]);
        let mut busy = BusySet::default();
        assert!(busy.try_claim("poc/gitea"));
        assert!(!busy.try_claim("poc/gitea"));
        assert!(busy.try_claim("poc/mailpit"));
        busy.release("poc/gitea");
        assert!(busy.try_claim("poc/gitea"));
    }

    #[test]
    fn long_lines_are_cut() {
        let mut s = LineSplitter::default();
        let mut out = Vec::new();
        s.push(&vec![b'x'; 100_000], &mut out);
        s.flush(&mut out);
        assert_eq!(out.len(), 1);
        assert!(out[0].len() < MAX_LINE_BYTES + 100);
    }
}
