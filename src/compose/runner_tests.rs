//! Tests of running an action: output, outcomes, the deadline, cancel and shutdown.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::compose::action::{ActionTarget, DockerCli};
use crate::compose::StopReason;

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
        &ActionControl::default(),
    )
    .await;
    drop(tx);
    assert_eq!(rec.exit_code, Some(4));
    assert_eq!(rec.outcome, Outcome::Failed);
    // The summary quotes the child's own last lines (stderr included), sanitised.
    let last = rec.output_tail[rec.output_tail.len() - 2..].join(" / ");
    assert_eq!(rec.summary(), format!("failed with exit code 4: {last}"));
    assert!(
        rec.output_tail.iter().any(|l| l == "oops"),
        "{:?}",
        rec.output_tail
    );
    assert!(!rec.summary().contains('\u{1b}'), "{}", rec.summary());
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
        &ActionControl::default(),
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
        &ActionControl::default(),
    )
    .await;
    assert_eq!(rec.outcome, Outcome::Recreated);
    assert_eq!(
        rec.summary(),
        "recreated: container 0123456789ab replaced by fedcba987654"
    );
    let missing = Argv::new("/nonexistent/tool", Vec::new());
    let rec = run_action(
        3,
        &request(ActionKind::Stop, None),
        &missing,
        None,
        &tx,
        &ActionControl::default(),
    )
    .await;
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
            stopped: None,
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

fn quick(deadline_ms: u64, grace_ms: u64, shutdown_ms: u64) -> ActionControl {
    ActionControl {
        limits: crate::compose::ActionLimits {
            deadline: Duration::from_millis(deadline_ms),
            grace: Duration::from_millis(grace_ms),
            shutdown_wait: Duration::from_millis(shutdown_ms),
        },
        ..ActionControl::default()
    }
}

/// A slow action that writes which signal ended it into `mark`; `ignore_term` makes it
/// survive SIGTERM (only SIGKILL ends it then).
fn slow(mark: &std::path::Path, ignore_term: bool) -> Argv {
    let trap = if ignore_term {
        format!("trap 'echo TERM-ignored >> {}' TERM", mark.display())
    } else {
        format!("trap 'echo TERM >> {}; exit 143' TERM", mark.display())
    };
    // A child sleep in the same process group holds the output pipes open, as compose's
    // own children would.
    sh(&format!(
        "echo $$ > {}.pid; {trap}; echo started; while true; do sleep 0.1; done",
        mark.display()
    ))
}

#[tokio::test]
async fn a_hung_action_gets_sigterm_at_its_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let mark = dir.path().join("mark");
    let (tx, _rx) = mpsc::channel(64);
    let clock = Instant::now();
    let rec = run_action(
        1,
        &request(ActionKind::Apply, None),
        &slow(&mark, false),
        None,
        &tx,
        &quick(300, 5_000, 5_000),
    )
    .await;
    assert!(
        clock.elapsed() < Duration::from_secs(4),
        "{:?}",
        clock.elapsed()
    );
    assert_eq!(rec.outcome, Outcome::Failed);
    let note = rec.stopped.clone().expect("stopped");
    assert_eq!(note.reason, StopReason::Deadline);
    assert_eq!(note.signals, ["SIGTERM"]);
    assert_eq!(std::fs::read_to_string(&mark).unwrap().trim(), "TERM");
    assert!(rec.summary().contains("deadline"), "{}", rec.summary());
}

#[tokio::test]
async fn a_child_ignoring_sigterm_gets_sigkill_after_the_grace() {
    let dir = tempfile::tempdir().unwrap();
    let mark = dir.path().join("mark");
    let (tx, _rx) = mpsc::channel(64);
    let control = quick(60_000, 300, 5_000);
    let cancel = control.cancel.clone();
    let stopper = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        cancel.cancel();
    });
    let clock = Instant::now();
    let rec = run_action(
        2,
        &request(ActionKind::Restart, None),
        &slow(&mark, true),
        None,
        &tx,
        &control,
    )
    .await;
    stopper.await.unwrap();
    assert!(
        clock.elapsed() < Duration::from_secs(4),
        "{:?}",
        clock.elapsed()
    );
    let note = rec.stopped.clone().expect("stopped");
    assert_eq!(note.reason, StopReason::Cancelled);
    assert_eq!(note.signals, ["SIGTERM", "SIGKILL"]);
    assert!(!note.left_running);
    assert_eq!(rec.exit_code, None, "ended by a signal");
    assert!(std::fs::read_to_string(&mark)
        .unwrap()
        .contains("TERM-ignored"));
}

#[tokio::test]
async fn a_shutdown_waits_then_sends_sigterm_and_never_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let mark = dir.path().join("mark");
    let (tx, _rx) = mpsc::channel(64);
    let control = quick(60_000, 100, 400);
    control.shutdown.cancel();
    let clock = Instant::now();
    let rec = run_action(
        3,
        &request(ActionKind::Apply, None),
        &slow(&mark, true),
        None,
        &tx,
        &control,
    )
    .await;
    let waited = clock.elapsed();
    assert!(
        waited >= Duration::from_millis(800),
        "waited twice: {waited:?}"
    );
    let note = rec.stopped.clone().expect("stopped");
    assert_eq!(note.reason, StopReason::Shutdown);
    assert_eq!(note.signals, ["SIGTERM"], "no SIGKILL on a shutdown");
    assert!(note.left_running, "it ignored SIGTERM and still runs");
    assert!(rec.summary().contains("still running"), "{}", rec.summary());
    // Clean up the survivor the test made.
    let pid = std::fs::read_to_string(dir.path().join("mark.pid")).unwrap();
    crate::compose::control::signal_group(pid.trim().parse().ok(), true);
}

#[tokio::test]
async fn an_action_that_finishes_in_a_shutdown_wait_is_not_signalled() {
    let (tx, _rx) = mpsc::channel(64);
    let control = quick(60_000, 100, 5_000);
    control.shutdown.cancel();
    let rec = run_action(
        4,
        &request(ActionKind::Restart, None),
        &sh("sleep 0.3; echo done"),
        None,
        &tx,
        &control,
    )
    .await;
    assert_eq!(rec.stopped, None);
    assert_eq!(rec.outcome, Outcome::Done);
    assert_eq!(rec.output_tail, ["done"]);
}
