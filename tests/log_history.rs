//! The log view's whole history through the real binary and the real engine: a busybox
//! container `poctui-test-history-*` (started and removed here) prints 200,000 numbered
//! lines; `g` shows line 1, 200 PgUps from the tail never blank the screen, `G` follows
//! the tail again, and `/` finds the match at line 7 from the tail.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/docker_support.rs"]
mod docker_support;
#[path = "common/pty_session.rs"]
mod pty_session;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use docker_support::{engine_or_skip, run, run_quietly, ContainerGuard};
use pty_session::Session;

const LINES: usize = 200_000;
const PAGE_UP: &str = "\u{1b}[5~";

fn start_container(tag: &str) -> ContainerGuard {
    let name = format!("poctui-test-history-{tag}-{}", std::process::id());
    run_quietly("docker", &["rm", "-f", &name]);
    let has_image = std::process::Command::new("docker")
        .args(["image", "inspect", "poctui-test-busybox"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_image {
        docker_support::build_image();
    }
    let guard = ContainerGuard(name.clone());
    // Line 7, and no other, says "needle".
    let script = format!("seq 1 {LINES} | sed 's/^/numbered /; 7s/$/ needle/'; exec sleep 100000");
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

/// A config whose `coder` service is the test container; every probe points at a closed
/// loopback port and no compose project matches, so only this container is a service.
fn write_config(dir: &Path, container: &str) -> PathBuf {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut text = format!(
        "[stack]\ncompose_project = \"poctui-test-history-none\"\n\n[probes]\ninterval_secs = 600\n\n\
         [services.coder]\ncontainer = \"{container}\"\n"
    );
    for key in [
        "coder",
        "gitea",
        "authentik",
        "minio-console",
        "minio-api",
        "ai-gateway",
        "mailpit",
        "devdb",
    ] {
        if key != "coder" {
            let _ = writeln!(text, "[services.{key}]");
        }
        let _ = writeln!(
            text,
            "probe = {{ kind = \"tcp\", host = \"127.0.0.1\", port = {closed} }}\n"
        );
    }
    let path = dir.join("poc-tui.toml");
    common::write_isolated(&path, &common::neutralised(&text));
    path
}

fn wait_for_last_line(container: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let last = format!("numbered {LINES}");
    while Instant::now() < deadline {
        let out = run("docker", &["logs", "--tail", "1", container]);
        if out.trim() == last {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("container never logged {last:?}");
}

/// The numbers of the log lines on screen, top to bottom.
fn numbers(screen: &str) -> Vec<usize> {
    screen
        .lines()
        .filter_map(|row| {
            let at = row.find("numbered ")?;
            let digits: String = row[at + 9..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .collect()
}

/// Waits until the screen's log lines satisfy `ok`; returns them.
fn wait_lines(s: &Session, what: &str, ok: impl Fn(&[usize]) -> bool) -> Vec<usize> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let screen = s.contents();
        let shown = numbers(&screen);
        if ok(&shown) {
            return shown;
        }
        assert!(Instant::now() < deadline, "{what}; screen was:\n{screen}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_whole_history_pages_from_the_tail_to_line_one_and_back() {
    if !engine_or_skip("the_whole_history_pages_from_the_tail_to_line_one_and_back").await {
        return;
    }
    let container = start_container("pages");
    wait_for_last_line(&container.0);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &container.0);

    let mut s = Session::start(&["--config", config.to_str().unwrap()], 120, 40);
    s.wait_for("running");
    s.press("l");
    s.wait_for(&format!("numbered {LINES}"));
    s.press("f");
    let tail = wait_lines(&s, "a full screen at the tail", |n| {
        n.len() > 30 && n.last() == Some(&LINES)
    });
    let rows = tail.len();

    // 200 PgUps: every screen full of consecutive lines, each above the one before.
    let mut top = tail[0];
    for i in 0..200 {
        s.press(PAGE_UP);
        let shown = wait_lines(&s, &format!("PgUp {i} moves up a full screen"), |n| {
            n.len() == rows && n[0] < top
        });
        assert!(
            shown.windows(2).all(|w| w[1] == w[0] + 1),
            "PgUp {i}: {shown:?}"
        );
        top = shown[0];
    }
    assert!(top < LINES - 200 * (rows - 2), "paged far back: top {top}");
    s.wait_for(" of ~200,000 · paging");

    // g: line 1 at the top, a full page under it.
    s.press("g");
    let shown = wait_lines(&s, "g shows line 1", |n| n.first() == Some(&1));
    assert_eq!(shown.len(), rows, "a full page from line 1");
    s.wait_for("line 1 of ~200,000 · paging");
    // Memory stays bounded: the buffer, one window of pages, no whole log.
    let pid = s.child.process_id().unwrap();
    let rss_kib: u64 = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap();
    eprintln!("RSS after g in a {LINES}-line log: {} MiB", rss_kib / 1024);
    assert!(rss_kib < 64 * 1024, "RSS {rss_kib} KiB");
    let screen = s.contents();
    let top_rows: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains("numbered "))
        .take(5)
        .map(str::trim_end)
        .collect();
    insta::assert_snapshot!("g_top_rows", top_rows.join("\n"));

    // G: the tail again, following.
    s.press("G");
    wait_lines(&s, "G returns to the tail", |n| n.last() == Some(&LINES));
    s.wait_for("following");

    // The whole-log search finds line 7 from the tail; N pages to it.
    s.press("/needle\r");
    s.wait_for_within("1 in the whole log", Duration::from_secs(60));
    s.press("N");
    s.wait_for("numbered 7 needle");
    s.wait_for("1/1 in the whole log");
    s.wait_for("line 1 of ~200,000 · paging");
    s.press("G");
    wait_lines(&s, "G returns to the tail", |n| n.last() == Some(&LINES));
    s.press("q");
    s.wait_for("POC services");
    s.press("q");
    assert!(s.wait_exit().success());
}
