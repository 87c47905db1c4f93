//! The real event loop on a `TestBackend`, fed synthetic input: it draws on change only.

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use poc_tui::app::State;
use poc_tui::config::{load_from_texts, EMBEDDED_DEFAULT};
use poc_tui::tui::{run_loop, LoopStats, RefusingHost, RunOptions, Workers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

#[allow(clippy::unnecessary_wraps)] // the loop reads `io::Result` events
fn key(c: char) -> std::io::Result<TermEvent> {
    Ok(TermEvent::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )))
}

#[tokio::test]
async fn idle_console_draws_only_when_something_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = common::write_config(dir.path(), &[]);
    let text = std::fs::read_to_string(&path).expect("read");
    let config =
        Arc::new(load_from_texts(EMBEDDED_DEFAULT, Some(("test", &text))).expect("config"));
    let probed = config.probe_targets().len() as u64;

    let cancel = CancellationToken::new();
    // No engine: the Docker worker says so once, then retries quietly with backoff.
    let options = RunOptions {
        docker_host: Some("unix:///nonexistent/poc-tui-test.sock".into()),
        ..RunOptions::default()
    };
    let workers = Workers::spawn(&config, &options, &cancel).expect("workers");
    let state = State::new(Arc::clone(&config), false);
    let (keys_tx, keys_rx) = mpsc::channel::<std::io::Result<TermEvent>>(8);
    let stats = Arc::new(LoopStats::default());

    let stats2 = Arc::clone(&stats);
    let handle = tokio::spawn(async move {
        let mut terminal = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
        run_loop(
            &mut terminal,
            ReceiverStream::new(keys_rx),
            futures::stream::pending(),
            state,
            workers,
            &mut RefusingHost::default(),
            &stats2,
        )
        .await
    });

    // Every probe targets a closed loopback port: the first round ends within moments. The
    // Users worker reports too (its systems are unreachable here). Wait until all is quiet.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let mut last = (u64::MAX, tokio::time::Instant::now());
    loop {
        let events = stats.events.load(Ordering::Relaxed);
        if events != last.0 {
            last = (events, tokio::time::Instant::now());
        } else if events >= probed && last.1.elapsed() > Duration::from_millis(700) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "workers never settled"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let events_settled = stats.events.load(Ordering::Relaxed);
    let draws_settled = stats.draws.load(Ordering::Relaxed);
    // One initial draw, at most one per event (events queued together share a draw).
    assert!(draws_settled >= 1 && draws_settled <= 1 + events_settled);

    // Nothing happens for a while (the probe interval is 60 s): no event, no draw.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(stats.draws.load(Ordering::Relaxed), draws_settled);
    assert_eq!(stats.events.load(Ordering::Relaxed), events_settled);

    // A key that changes the screen draws exactly once more.
    keys_tx.send(key('2')).await.expect("send");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(stats.draws.load(Ordering::Relaxed), draws_settled + 1);

    keys_tx.send(key('q')).await.expect("send");
    let result = tokio::time::timeout(Duration::from_secs(5), handle)
        .await
        .expect("loop ends after q")
        .expect("task");
    assert!(result.is_ok());
    cancel.cancel();
}

#[path = "common/fake_engine.rs"]
mod fake_engine;
#[path = "common/screen.rs"]
mod screen;

/// The rows of the first frame come from the list call alone: inspect and stats never
/// answer here, and probes, identity reads and diagnosis run against nothing.
#[tokio::test]
async fn first_frame_rows_come_from_the_list_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("engine.sock");
    let workspace = serde_json::json!({
        "coder.owner": "alice", "coder.owner_id": "u-1",
        "coder.workspace_id": "w-1", "coder.workspace_name": "listonly"
    });
    let seen = fake_engine::start(
        &socket,
        &serde_json::json!([
            fake_engine::listed("c0ffee01", "gitea", &serde_json::json!({})),
            fake_engine::listed("c0ffee02", "coder-alice-listonly", &workspace),
        ]),
    );
    let path = common::write_config(dir.path(), &[]);
    let text = std::fs::read_to_string(&path).expect("read");
    let config =
        Arc::new(load_from_texts(EMBEDDED_DEFAULT, Some(("test", &text))).expect("config"));
    let cancel = CancellationToken::new();
    let options = RunOptions {
        docker_host: Some(format!("unix://{}", socket.display())),
        ..RunOptions::default()
    };
    let workers = Workers::spawn(&config, &options, &cancel).expect("workers");
    let state = State::new(Arc::clone(&config), false);
    let (keys_tx, keys_rx) = mpsc::channel::<std::io::Result<TermEvent>>(8);
    let stats = LoopStats::default();
    let handle = tokio::spawn(async move {
        let mut terminal = Terminal::new(TestBackend::new(140, 45)).expect("terminal");
        let result = run_loop(
            &mut terminal,
            ReceiverStream::new(keys_rx),
            futures::stream::pending(),
            state,
            workers,
            &mut RefusingHost::default(),
            &stats,
        )
        .await;
        (terminal, result)
    });
    // Both containers were listed, and both inspects asked for (and left hanging).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while seen.inspects() < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the worker never inspected the listed containers (lists: {})",
            seen.lists()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    keys_tx.send(key('q')).await.expect("send");
    let (terminal, result) = tokio::time::timeout(Duration::from_secs(5), handle)
        .await
        .expect("loop ends after q")
        .expect("task");
    result.expect("loop");
    cancel.cancel();
    let screen = screen::screen_text(&terminal);
    assert!(seen.inspects() >= 2, "inspect was never in play");
    let gitea = screen.lines().find(|l| l.contains("Gitea")).unwrap_or("");
    assert!(
        gitea.contains("running"),
        "Gitea's container is not on screen:\n{screen}"
    );
    assert!(
        screen.contains("listonly"),
        "the workspace row is not on screen:\n{screen}"
    );
}
