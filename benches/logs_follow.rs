//! Log engine benchmark against the real Docker engine (not a test).
//!
//! Run: `cargo bench --bench logs_follow` (needs Docker and busybox-static).
//! Measures, side by side in one run:
//! 1. opening a container holding 1,000,000 lines: time from `spawn_follow`
//!    (tail 1000) to the last line received, and this process's RSS;
//! 2. dockerd CPU while that follow stays open and the container is quiet;
//! 3. reading the whole 1M-line history: `spawn_follow` (tail all) into a
//!    bounded ring vs `docker logs` (lines/s and ratio), with RSS;
//! 4. a container printing as fast as it can: `spawn_follow` vs `docker logs -f`
//!    running at the same time (lines/s and ratio).
//!
//! Containers and the image are named `poctui-test-logs-bench*` and removed at the end.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bollard::Docker;
use poc_tui::logs::{spawn_follow, FollowOptions, LogRing};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const IMAGE: &str = "poctui-test-logs-bench";
const BIG: &str = "poctui-test-logs-bench-big";
const FLOOD: &str = "poctui-test-logs-bench-flood";
const BIG_LINES: u64 = 1_000_000;
const FLOOD_LINES: u64 = 2_000_000;
/// Room for every line in one json-file (the engine's default rotation may be smaller).
const LOG_SIZE: &str = "max-size=400m";

struct Cleanup;

impl Drop for Cleanup {
    fn drop(&mut self) {
        for name in [BIG, FLOOD] {
            let _ = Command::new("docker").args(["rm", "-f", name]).output();
        }
        let _ = Command::new("docker").args(["rmi", "-f", IMAGE]).output();
    }
}

fn docker_cli(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("docker CLI");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn build_image() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy("/bin/busybox", dir.path().join("busybox")).expect("busybox-static");
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n",
    )
    .expect("Dockerfile");
    docker_cli(&[
        "build",
        "-q",
        "-t",
        IMAGE,
        dir.path().to_str().expect("utf-8 path"),
    ]);
}

fn awk_lines(count: u64, label: &str) -> String {
    format!("awk 'BEGIN {{ for (i = 1; i <= {count}; i++) print \"{label} line \" i \" lorem ipsum dolor sit amet\" }}'")
}

/// `(VmRSS, VmHWM)` of this process in MiB.
fn rss_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(0.0, |kib| kib / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// dockerd's user+system CPU time in seconds (clock ticks of 10 ms).
fn dockerd_cpu_seconds() -> Option<f64> {
    let pid = String::from_utf8(Command::new("pidof").arg("dockerd").output().ok()?.stdout).ok()?;
    let stat =
        std::fs::read_to_string(format!("/proc/{}/stat", pid.split_whitespace().next()?)).ok()?;
    let after_name = stat.rsplit(')').next()?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Timing of one reader.
struct Run {
    /// From the start to the line containing the marker.
    total: Duration,
    /// From the first line received to the marker line.
    streaming: Duration,
    lines: u64,
}

/// Follows until a line containing `last` arrives.
async fn follow_until(docker: &Docker, container: &str, tail: usize, last: &str) -> (Run, LogRing) {
    let (tx, mut rx) = mpsc::channel(16);
    let cancel = CancellationToken::new();
    let opts = FollowOptions {
        tail,
        ..FollowOptions::default()
    };
    let start = Instant::now();
    let worker = spawn_follow(
        docker.clone(),
        container.to_owned(),
        opts,
        tx,
        cancel.clone(),
    );
    let mut ring = LogRing::new(10_000);
    let mut received = 0;
    let mut first = None;
    'outer: while let Some(batch) = rx.recv().await {
        first.get_or_insert_with(Instant::now);
        ring.note_dropped(batch.dropped_in_transit);
        for line in batch.lines {
            received += 1;
            let done = line.text().contains(last);
            ring.push(line);
            if done {
                break 'outer;
            }
        }
    }
    let run = Run {
        total: start.elapsed(),
        streaming: first.map_or(Duration::ZERO, |f| f.elapsed()),
        lines: received,
    };
    cancel.cancel();
    let _ = worker.await;
    (run, ring)
}

/// Runs `docker logs [-f]` and counts lines until one contains `last`.
fn docker_logs_until(container: &str, follow: bool, last: &str) -> Run {
    let start = Instant::now();
    let mut args = vec!["logs"];
    if follow {
        args.extend(["-f", "--tail", "0"]);
    }
    args.push(container);
    let mut child = Command::new("docker")
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("docker logs");
    let reader = BufReader::with_capacity(1 << 16, child.stdout.take().expect("stdout"));
    let mut count = 0;
    let mut first = None;
    for line in reader.split(b'\n') {
        first.get_or_insert_with(Instant::now);
        count += 1;
        if line.is_ok_and(|l| String::from_utf8_lossy(&l).contains(last)) {
            break;
        }
    }
    let run = Run {
        total: start.elapsed(),
        streaming: first.map_or(Duration::ZERO, |f| f.elapsed()),
        lines: count,
    };
    let _ = child.kill();
    let _ = child.wait();
    run
}

fn wait_for_line(container: &str, needle: &str, timeout: Duration) {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if docker_cli(&["logs", "--tail", "1", container]).contains(needle) {
            return;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    panic!("{container} never logged {needle}");
}

fn per_second(lines: u64, elapsed: Duration) -> f64 {
    lines as f64 / elapsed.as_secs_f64().max(1e-9)
}

#[tokio::main]
async fn main() {
    let docker = Docker::connect_with_local_defaults()
        .expect("docker socket")
        .negotiate_version()
        .await
        .expect("engine answers");
    let _cleanup = Cleanup;
    build_image();
    let last_big = open_a_big_container(&docker).await;
    daemon_cpu_while_following(&docker).await;
    whole_history(&docker, &last_big).await;
    flood_followed_by_both(&docker).await;
}

/// Step 1: a container holding 1M lines, opened with a tail; returns its last line.
async fn open_a_big_container(docker: &Docker) -> String {
    let _ = Command::new("docker").args(["rm", "-f", BIG]).output();
    let script = format!("{}; sleep 100000", awk_lines(BIG_LINES, "big"));
    docker_cli(&[
        "run",
        "-d",
        "--name",
        BIG,
        "--log-opt",
        LOG_SIZE,
        IMAGE,
        "sh",
        "-c",
        &script,
    ]);
    let last_big = format!("big line {BIG_LINES} ");
    wait_for_line(BIG, &last_big, Duration::from_secs(300));
    let (rss0, _) = rss_mib();
    println!("baseline RSS: {rss0:.1} MiB");

    let (open, _ring) = follow_until(docker, BIG, 1000, &last_big).await;
    let (rss, hwm) = rss_mib();
    println!(
        "open 1M-line container (tail 1000): last line after {:.1} ms ({} lines); RSS {rss:.1} MiB, peak {hwm:.1} MiB",
        open.total.as_secs_f64() * 1000.0,
        open.lines
    );
    last_big
}

/// Step 2: daemon CPU while a follow of the big, quiet container stays open, next to the same
/// span with no follow at all.
async fn daemon_cpu_while_following(docker: &Docker) {
    let idle_before = dockerd_cpu_seconds();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let idle_after = dockerd_cpu_seconds();
    if let (Some(a), Some(b)) = (idle_before, idle_after) {
        println!(
            "dockerd CPU over 10 s, no follow open: {:.2} s ({:.1} % of a core)",
            b - a,
            (b - a) * 10.0
        );
    }
    let (tx, mut rx) = mpsc::channel(16);
    let cancel = CancellationToken::new();
    let opts = FollowOptions {
        tail: 1000,
        ..FollowOptions::default()
    };
    let worker = spawn_follow(docker.clone(), BIG.to_owned(), opts, tx, cancel.clone());
    let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = dockerd_cpu_seconds();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let after = dockerd_cpu_seconds();
    cancel.cancel();
    let _ = worker.await;
    let _ = drain.await;
    if let (Some(a), Some(b)) = (before, after) {
        println!(
            "dockerd CPU over 10 s with the big container followed and quiet: {:.2} s ({:.1} % of a core)",
            b - a,
            (b - a) * 10.0
        );
    }
}

/// Step 3: reading the whole history, ours vs `docker logs`.
async fn whole_history(docker: &Docker, last_big: &str) {
    let (ours, ring) = follow_until(docker, BIG, usize::MAX, last_big).await;
    let (_, hwm) = rss_mib();
    let theirs = docker_logs_until(BIG, false, last_big);
    let (ours_rate, their_rate) = (
        per_second(ours.lines, ours.total),
        per_second(theirs.lines, theirs.total),
    );
    println!(
        "whole 1M history: poc-tui {:.2} s ({ours_rate:.0} lines/s, ring kept {}, dropped {}), docker logs {:.2} s ({their_rate:.0} lines/s); ratio {:.2}; peak RSS {hwm:.1} MiB",
        ours.total.as_secs_f64(),
        ring.len(),
        ring.dropped(),
        theirs.total.as_secs_f64(),
        ours_rate / their_rate
    );
}

/// Step 4: a container printing as fast as it can, both readers following at once.
async fn flood_followed_by_both(docker: &Docker) {
    let _ = Command::new("docker").args(["rm", "-f", FLOOD]).output();
    let script = format!("sleep 3; {}; sleep 100000", awk_lines(FLOOD_LINES, "flood"));
    docker_cli(&[
        "run",
        "-d",
        "--name",
        FLOOD,
        "--log-opt",
        LOG_SIZE,
        IMAGE,
        "sh",
        "-c",
        &script,
    ]);
    let last_flood = format!("flood line {FLOOD_LINES} ");
    let cli_last = last_flood.clone();
    let cli = std::thread::spawn(move || docker_logs_until(FLOOD, true, &cli_last));
    let (ours, ring) = follow_until(docker, FLOOD, 0, &last_flood).await;
    let (_, hwm) = rss_mib();
    let theirs = cli.join().expect("docker logs thread");
    let (ours_rate, their_rate) = (
        per_second(ours.lines, ours.streaming),
        per_second(theirs.lines, theirs.streaming),
    );
    println!(
        "flood of {FLOOD_LINES} lines, both following at once: poc-tui {} lines in {:.2} s ({ours_rate:.0} lines/s, {} dropped incl. ring), docker logs -f {} lines in {:.2} s ({their_rate:.0} lines/s); ratio {:.2}; peak RSS {hwm:.1} MiB",
        ours.lines,
        ours.streaming.as_secs_f64(),
        ring.dropped(),
        theirs.lines,
        theirs.streaming.as_secs_f64(),
        ours_rate / their_rate
    );
}
