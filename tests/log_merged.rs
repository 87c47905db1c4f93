//! Merged log views: the stack's view follows each container once (MinIO's two services share
//! one), and a merged backlog comes in timestamp order across containers, each line once
//! (against the real engine: two busybox containers `poctui-test-merged-*` started and
//! removed here, printing interleaved lines).
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/console.rs"]
mod console;
#[path = "common/docker_support.rs"]
mod docker_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use docker_support::{engine_or_skip, run, run_quietly, ContainerGuard};
use poc_tui::app::vocab::KeyCode;
use poc_tui::app::{update, Effect, Event};
use poc_tui::logs::worker::{self, LogNews, LogRequest, LogTarget, LogWorkerOptions, SharedHints};
use poc_tui::logs::{KnownIssues, LogLine};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

#[test]
fn the_stack_view_follows_a_shared_container_once() {
    let mut state = console::live_state(160, 48);
    let effects = update(
        &mut state,
        Event::Key(poc_tui::app::vocab::KeyPress::new(
            KeyCode::Char('L'),
            poc_tui::app::vocab::KeyModifiers::NONE,
        )),
    );
    let targets = effects
        .iter()
        .find_map(|e| match e {
            Effect::Logs(LogRequest::Start { targets, .. }) => Some(targets.clone()),
            _ => None,
        })
        .expect("L opens the stack's merged view");
    let mut ids: Vec<&str> = targets.iter().map(|t| t.container.as_str()).collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "each container once: {targets:?}");
    let minio = targets
        .iter()
        .filter(|t| t.name == "minio")
        .collect::<Vec<_>>();
    assert_eq!(minio.len(), 1, "{targets:?}");
    assert!(
        minio[0].label.contains("minio-console") && minio[0].label.contains("minio-api"),
        "both services name the shared container: {}",
        minio[0].label
    );
}

/// Lines each printer writes.
const COUNT: usize = 150;

/// Prints `prefix 0..count` with a pause between lines, then idles.
fn start_printer(tag: &str, prefix: &str, count: usize) -> ContainerGuard {
    let name = format!("poctui-test-merged-{tag}-{}", std::process::id());
    run_quietly("docker", &["rm", "-f", &name]);
    let has_image = std::process::Command::new("docker")
        .args(["image", "inspect", "poctui-test-busybox"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_image {
        docker_support::build_image();
    }
    let guard = ContainerGuard(name.clone());
    let script = format!(
        "i=0; while [ $i -lt {count} ]; do echo \"{prefix} $i\"; i=$((i+1)); sleep 0.01; done; \
         echo \"{prefix} done\"; exec sleep 100000"
    );
    run(
        "docker",
        &[
            "run",
            "-d",
            "--name",
            &name,
            "--entrypoint",
            "/bin/sh",
            "poctui-test-busybox",
            "-c",
            &script,
        ],
    );
    guard
}

fn wait_done(container: &str, prefix: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if run("docker", &["logs", "--tail", "1", container]).trim() == format!("{prefix} done") {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{container} never finished printing");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_merged_backlog_comes_in_time_order_with_each_line_once() {
    if !engine_or_skip("a_merged_backlog_comes_in_time_order_with_each_line_once").await {
        return;
    }
    let a = start_printer("a", "alpha", COUNT);
    let b = start_printer("b", "bravo", COUNT);
    wait_done(&a.0, "alpha");
    wait_done(&b.0, "bravo");

    let cancel = CancellationToken::new();
    let (tx, mut rx) = mpsc::channel(64);
    let requests = worker::spawn(LogWorkerOptions::default(), tx, cancel.clone());
    let target = |name: &str, label: &str| LogTarget {
        container: name.to_owned(),
        name: name.to_owned(),
        label: Arc::from(label),
        service: None,
    };
    requests
        .send(LogRequest::Start {
            view_id: 7,
            targets: vec![target(&a.0, "a"), target(&b.0, "b")],
            tail: 1000,
            since: None,
            hints: SharedHints(Arc::new(KnownIssues::empty())),
        })
        .await
        .unwrap();
    let want = 2 * (COUNT + 1);
    let mut lines: Vec<LogLine> = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while lines.len() < want {
        let news = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("the whole backlog in time")
            .expect("worker alive");
        if let LogNews::Batch { view_id: 7, batch } = news {
            lines.extend(batch.lines);
        }
    }
    // A moment more: nothing arrives twice from the follows behind the backlog.
    if let Ok(Some(LogNews::Batch { batch, .. })) =
        tokio::time::timeout(Duration::from_millis(500), rx.recv()).await
    {
        lines.extend(batch.lines);
    }
    cancel.cancel();

    let texts: Vec<String> = lines.iter().map(|l| l.text().to_owned()).collect();
    assert_eq!(lines.len(), want, "each line once: {texts:?}");
    let stamps: Vec<_> = lines.iter().map(|l| l.timestamp.unwrap()).collect();
    let backwards = stamps.windows(2).filter(|w| w[1] < w[0]).count();
    assert_eq!(backwards, 0, "in time order: {texts:?}");
    // The two really interleave (not one container, then the other).
    let switches = lines
        .windows(2)
        .filter(|w| w[0].source != w[1].source)
        .count();
    assert!(switches > 20, "{switches} switches: {texts:?}");
    for prefix in ["alpha", "bravo"] {
        for i in 0..COUNT {
            let text = format!("{prefix} {i}");
            assert_eq!(texts.iter().filter(|t| **t == text).count(), 1, "{text}");
        }
    }
}

#[test]
fn g_in_a_merged_view_shows_a_full_page_from_its_first_line() {
    let targets = vec![
        console::target("coder", "coder"),
        console::target("gitea", "gitea"),
    ];
    let mut state = console::state_with(100, 30, targets);
    state.logs.settings.fullscreen = true;
    let lines = (0..200)
        .map(|i| {
            let source = if i % 2 == 0 { "coder" } else { "gitea" };
            let text = format!("merged line {i}");
            console::line(
                &state,
                source,
                text.as_bytes(),
                poc_tui::logs::LogStream::Stdout,
                i,
            )
        })
        .collect();
    console::feed(&mut state, lines);
    for key in [KeyCode::Char('g'), KeyCode::Home] {
        console::press(&mut state, key);
        let terminal = console::draw(&state);
        let buffer = terminal.backend().buffer();
        let rows: Vec<String> = (0..buffer.area.height)
            .map(|y| {
                (0..buffer.area.width)
                    .map(|x| buffer[(x, y)].symbol().to_owned())
                    .collect()
            })
            .collect();
        let shown: Vec<&String> = rows.iter().filter(|r| r.contains("merged line")).collect();
        assert!(shown[0].contains("merged line 0 "), "{rows:#?}");
        // Every row between the borders holds a line: 30 rows less the bars and borders.
        assert_eq!(shown.len(), 30 - 4, "{rows:#?}");
    }
}
