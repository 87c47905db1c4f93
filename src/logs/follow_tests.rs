//! Unit tests of the follow loop with synthetic engine streams.

use std::sync::Mutex;

use bytes::Bytes;
use futures::stream;

use super::*;

#[allow(clippy::unnecessary_wraps)] // an engine stream item
fn out(text: &str) -> LogItem {
    Ok(LogOutput::StdOut {
        message: Bytes::from(text.to_owned()),
    })
}

fn broken() -> LogItem {
    Err(bollard::errors::Error::IOError {
        err: std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset"),
    })
}

/// A stream that yields `items` and then stays open (like `follow: true`).
fn open_stream(items: Vec<LogItem>) -> LogItemStream {
    Box::pin(stream::iter(items).chain(stream::pending()))
}

/// A stream that yields `items` and then ends (the container stopped).
fn closed_stream(items: Vec<LogItem>) -> LogItemStream {
    Box::pin(stream::iter(items))
}

fn no_timestamps() -> FollowOptions {
    FollowOptions {
        timestamps: false,
        ..FollowOptions::default()
    }
}

async fn collect_until_closed(mut rx: mpsc::Receiver<LogBatch>) -> (Vec<String>, u64, usize) {
    let mut texts = Vec::new();
    let mut dropped = 0;
    let mut batches = 0;
    while let Some(batch) = rx.recv().await {
        batches += 1;
        dropped += batch.dropped_in_transit;
        texts.extend(batch.lines.into_iter().map(|l| l.line.text));
    }
    (texts, dropped, batches)
}

#[tokio::test]
async fn split_frames_become_whole_sanitised_lines() {
    let (tx, rx) = mpsc::channel(8);
    let cancel = CancellationToken::new();
    let items = vec![
        out("hel"),
        out("lo\n\x1b]0;title\x07x\nlast"),
        out(" part\n"),
    ];
    let end = follow_stream(
        |_| closed_stream(items.clone_items()),
        "c1",
        &no_timestamps(),
        &tx,
        &cancel,
    )
    .await;
    drop(tx);
    assert_eq!(end.expect("no error"), FollowEnd::StreamEnded);
    let (texts, dropped, _) = collect_until_closed(rx).await;
    assert_eq!(texts, ["hello", "\u{241b}]0;title\u{2407}x", "last part"]);
    assert_eq!(dropped, 0);
}

/// `Result<LogOutput, Error>` is not `Clone`; rebuild the items for each opening.
trait CloneItems {
    fn clone_items(&self) -> Vec<LogItem>;
}

impl CloneItems for Vec<LogItem> {
    fn clone_items(&self) -> Vec<LogItem> {
        self.iter()
            .map(|item| match item {
                Ok(output) => Ok(output.clone()),
                Err(_) => broken(),
            })
            .collect()
    }
}

#[tokio::test]
async fn a_burst_is_sent_in_batches_of_at_most_batch_lines() {
    let (tx, rx) = mpsc::channel(64);
    let cancel = CancellationToken::new();
    let text = (0..1300).fold(String::new(), |acc, i| acc + &format!("line {i}\n"));
    let end = follow_stream(
        |_| closed_stream(vec![out(&text)]),
        "c",
        &no_timestamps(),
        &tx,
        &cancel,
    )
    .await;
    drop(tx);
    assert_eq!(end.expect("ok"), FollowEnd::StreamEnded);
    let mut rx = rx;
    let mut sizes = Vec::new();
    while let Some(batch) = rx.recv().await {
        sizes.push(batch.lines.len());
    }
    assert_eq!(sizes.iter().sum::<usize>(), 1300);
    assert!(sizes.iter().all(|&n| n <= 512), "{sizes:?}");
}

#[tokio::test]
async fn a_quiet_stream_flushes_after_the_delay() {
    let (tx, mut rx) = mpsc::channel(8);
    let cancel = CancellationToken::new();
    let opts = no_timestamps();
    let worker = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            follow_stream(
                |_| open_stream(vec![out("a\nb\n")]),
                "c",
                &opts,
                &tx,
                &cancel,
            )
            .await
        })
    };
    let batch = tokio::time::timeout(Duration::from_secs(2), rx.recv())
        .await
        .expect("a batch arrives though fewer than 512 lines are pending")
        .expect("channel open");
    assert_eq!(batch.lines.len(), 2);
    assert_eq!(&*batch.container, "c");
    // Idle afterwards: nothing more is sent.
    assert!(tokio::time::timeout(Duration::from_millis(100), rx.recv())
        .await
        .is_err());
    cancel.cancel();
    assert_eq!(
        worker.await.expect("joins").expect("ok"),
        FollowEnd::Cancelled
    );
}

#[tokio::test]
async fn a_slow_receiver_costs_old_lines_not_memory() {
    let (tx, rx) = mpsc::channel(1);
    let cancel = CancellationToken::new();
    let opts = FollowOptions {
        max_pending_lines: 100,
        batch_lines: 10,
        ..no_timestamps()
    };
    let items: Vec<LogItem> = (0..10_000).map(|i| out(&format!("{i}\n"))).collect();
    let worker = tokio::spawn(async move {
        follow_stream(
            move |_| closed_stream(items.clone_items()),
            "c",
            &opts,
            &tx,
            &cancel,
        )
        .await
    });
    // Nobody reads for a while: the channel holds one batch, the worker keeps going.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (texts, dropped, _) = collect_until_closed(rx).await;
    let end = worker.await.expect("joins");
    assert_eq!(end.expect("ok"), FollowEnd::StreamEnded);
    assert_eq!(texts.len() as u64 + dropped, 10_000);
    assert!(texts.len() <= 110, "held {} lines", texts.len());
    assert_eq!(
        texts.last().map(String::as_str),
        Some("9999"),
        "newest lines survive"
    );
}

fn ts_line(second: u64, nanos: u32, text: &str) -> LogItem {
    let when = UNIX_EPOCH + Duration::new(1_700_000_000 + second, nanos);
    out(&format!(
        "{} {text}\n",
        humantime::format_rfc3339_nanos(when)
    ))
}

#[tokio::test]
async fn one_resume_after_an_error_skips_lines_already_seen() {
    let (tx, rx) = mpsc::channel(16);
    let cancel = CancellationToken::new();
    let calls = Mutex::new(Vec::new());
    let opener = |since: Option<i32>| {
        let mut calls = calls.lock().expect("lock");
        calls.push(since);
        if calls.len() == 1 {
            closed_stream(vec![
                ts_line(0, 1, "a"),
                ts_line(1, 5, "b"),
                ts_line(1, 5, "c"),
                broken(),
            ])
        } else {
            // The engine repeats everything from the start of second 1.
            closed_stream(vec![
                ts_line(1, 5, "b"),
                ts_line(1, 5, "c"),
                ts_line(1, 5, "d"),
                ts_line(2, 0, "e"),
            ])
        }
    };
    let end = follow_stream(opener, "c", &FollowOptions::default(), &tx, &cancel).await;
    drop(tx);
    assert_eq!(end.expect("ok"), FollowEnd::StreamEnded);
    let (texts, _, _) = collect_until_closed(rx).await;
    assert_eq!(texts, ["a", "b", "c", "d", "e"]);
    let calls = calls.lock().expect("lock");
    assert_eq!(*calls, [None, Some(1_700_000_001)]);
}

#[tokio::test]
async fn an_error_before_any_line_is_reported() {
    let (tx, _rx) = mpsc::channel(4);
    let cancel = CancellationToken::new();
    let mut opened = 0;
    let end = follow_stream(
        |_| {
            opened += 1;
            closed_stream(vec![broken()])
        },
        "missing",
        &no_timestamps(),
        &tx,
        &cancel,
    )
    .await;
    assert!(
        matches!(end, Err(FollowError::Engine { ref container, .. }) if container == "missing")
    );
    assert_eq!(opened, 1, "no retry loop");
}

#[tokio::test]
async fn lines_are_flagged_with_known_issues() {
    let (tx, rx) = mpsc::channel(4);
    let cancel = CancellationToken::new();
    let hints = Arc::new(KnownIssues::embedded().expect("table"));
    let opts = FollowOptions {
        hints: Some(Arc::clone(&hints)),
        source: Some(Arc::from("coder")),
        ..no_timestamps()
    };
    let items = vec![out(
        "ok\noidc: issuer did not match the issuer returned by provider\n",
    )];
    follow_stream(
        |_| closed_stream(items.clone_items()),
        "c",
        &opts,
        &tx,
        &cancel,
    )
    .await
    .expect("ok");
    drop(tx);
    let mut rx = rx;
    let batch = rx.recv().await.expect("batch");
    assert_eq!(batch.lines[0].issue, None);
    let flagged = batch.lines[1]
        .issue
        .and_then(|i| hints.get(i))
        .map(|i| i.id.as_str());
    assert_eq!(flagged, Some("oidc-issuer-mismatch"));
    assert_eq!(&*batch.lines[1].source, "coder");
}

#[tokio::test]
async fn receiver_gone_ends_the_worker() {
    let (tx, rx) = mpsc::channel(1);
    drop(rx);
    let cancel = CancellationToken::new();
    let end = follow_stream(
        |_| open_stream(vec![out("x\n")]),
        "c",
        &no_timestamps(),
        &tx,
        &cancel,
    )
    .await;
    assert_eq!(end.expect("ok"), FollowEnd::ReceiverClosed);
}
