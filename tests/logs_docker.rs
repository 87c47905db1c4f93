//! The log engine against the real Docker engine, with `FROM scratch` busybox
//! containers named `poctui-test-logs-*`. Skips loudly without an engine,
//! fails instead when `POC_TUI_REQUIRE_DOCKER=1`.

#[path = "common/docker_support.rs"]
mod docker_support;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use bollard::Docker;
use poc_tui::logs::{
    export_ring, run_logs_command, spawn_follow, spawn_merged_follow, ExportOptions, FollowOptions,
    FollowTarget, KnownIssues, LogBatch, LogLine, LogRing, LogStream, LogsCommandOptions, Query,
    QueryMode,
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

async fn engine() -> Option<Docker> {
    let connected = async {
        let docker = Docker::connect_with_local_defaults().ok()?;
        let docker = docker.negotiate_version().await.ok()?;
        docker.ping().await.ok()?;
        Some(docker)
    }
    .await;
    if connected.is_none() {
        docker_support::require_or_skip("logs_docker", "no Docker engine is reachable");
    }
    connected
}

fn docker_cli(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("docker CLI runs");
    assert!(
        out.status.success(),
        "docker {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Removes the test's containers and image tag, also when the test fails.
struct Cleanup {
    image: String,
    containers: Vec<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for name in &self.containers {
            let _ = Command::new("docker").args(["rm", "-f", name]).output();
        }
        let _ = Command::new("docker")
            .args(["rmi", "-f", &self.image])
            .output();
    }
}

/// Builds a busybox image tagged for this test.
fn build_image(test: &str) -> Cleanup {
    let image = format!("poctui-test-logs-{test}");
    let cleanup = Cleanup {
        image: image.clone(),
        containers: Vec::new(),
    };
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy("/bin/busybox", dir.path().join("busybox")).expect("busybox-static is installed");
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n",
    )
    .expect("write Dockerfile");
    docker_cli(&["build", "-q", "-t", &image, path_str(dir.path())]);
    cleanup
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}

impl Cleanup {
    fn run(&mut self, name: &str, script: &str) -> String {
        let name = format!("poctui-test-logs-{name}");
        self.containers.push(name.clone());
        let _ = Command::new("docker").args(["rm", "-f", &name]).output();
        docker_cli(&[
            "run",
            "-d",
            "--name",
            &name,
            &self.image,
            "sh",
            "-c",
            script,
        ]);
        name
    }
}

/// Waits until `docker logs` of the container contains `needle`.
async fn wait_for_log(container: &str, needle: &str) {
    for _ in 0..100 {
        let out = Command::new("docker")
            .args(["logs", container])
            .output()
            .expect("docker logs");
        let all = [out.stdout, out.stderr].concat();
        if String::from_utf8_lossy(&all).contains(needle) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{container} never logged {needle:?}");
}

async fn wait_exited(container: &str) {
    for _ in 0..100 {
        if docker_cli(&["inspect", "-f", "{{.State.Running}}", container]).trim() == "false" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{container} did not exit");
}

/// Receives batches until `done` says enough, or fails after a timeout.
async fn collect(
    rx: &mut mpsc::Receiver<LogBatch>,
    done: impl Fn(&[LogLine]) -> bool,
) -> Vec<LogLine> {
    let mut lines = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !done(&lines) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(batch)) => lines.extend(batch.lines),
            Ok(None) => break,
            Err(elapsed) => panic!(
                "{elapsed}; got {:?}",
                lines.iter().map(LogLine::text).collect::<Vec<_>>()
            ),
        }
    }
    lines
}

#[tokio::test]
async fn follow_sends_the_tail_then_new_lines() {
    let Some(docker) = engine().await else { return };
    let mut env = build_image("follow");
    let name = env.run(
        "follow",
        "i=1; while [ $i -le 50 ]; do echo hist $i; i=$((i+1)); done; \
         sleep 1; j=1; while true; do echo live $j; j=$((j+1)); sleep 0.2; done",
    );
    wait_for_log(&name, "hist 50").await;
    let (tx, mut rx) = mpsc::channel(8);
    let cancel = CancellationToken::new();
    let opts = FollowOptions {
        tail: 10,
        ..FollowOptions::default()
    };
    let worker = spawn_follow(docker, name.clone(), opts, tx, cancel.clone());
    let lines = collect(&mut rx, |l| l.iter().any(|x| x.text().starts_with("live"))).await;
    let hist: Vec<&str> = lines
        .iter()
        .map(LogLine::text)
        .filter(|t| t.starts_with("hist"))
        .collect();
    let want: Vec<String> = (41..=50).map(|i| format!("hist {i}")).collect();
    assert_eq!(hist, want, "exactly the last 10 history lines, in order");
    assert!(lines
        .iter()
        .all(|l| l.timestamp.is_some() && l.stream == LogStream::Stdout));
    let stamps: Vec<_> = lines.iter().filter_map(|l| l.timestamp).collect();
    assert!(
        stamps.windows(2).all(|w| w[0] <= w[1]),
        "timestamps in order"
    );
    cancel.cancel();
    let end = worker.await.expect("worker joins").expect("no error");
    assert_eq!(end, poc_tui::logs::FollowEnd::Cancelled);
}

const HOSTILE: &str = r"printf 'plain start\n'; \
printf '\033[31mred\033[0m and \033[1;32mbold green\033[0m\n'; \
printf 'evil \033]0;pwned title\007 \033[2J\033[H cleared \033]8;;http://x\033\\link\033]8;;\033\\\n'; \
sleep 0.3; printf 'curl: (7) Failed to connect to localhost port 7080 after 0 ms: Connection refused\n' >&2; sleep 0.3; \
printf 'oidc: issuer did not match the issuer returned by provider\n'; \
printf 'the end\n'";

/// The same, plus a 100 kB line before the end.
const HOSTILE_LONG: &str = r"printf 'plain start\n'; \
printf '\033[31mred\033[0m and \033[1;32mbold green\033[0m\n'; \
printf 'evil \033]0;pwned title\007 \033[2J\033[H cleared \033]8;;http://x\033\\link\033]8;;\033\\\n'; \
sleep 0.3; printf 'curl: (7) Failed to connect to localhost port 7080 after 0 ms: Connection refused\n' >&2; sleep 0.3; \
printf 'oidc: issuer did not match the issuer returned by provider\n'; \
head -c 100000 /dev/zero | tr '\0' x; echo; \
printf 'the end\n'";

#[tokio::test]
async fn hostile_output_is_sanitised_styled_and_flagged() {
    let Some(docker) = engine().await else { return };
    let mut env = build_image("hostile");
    let name = env.run("hostile", HOSTILE_LONG);
    wait_exited(&name).await;
    let hints = Arc::new(KnownIssues::embedded().expect("table"));
    let (tx, mut rx) = mpsc::channel(8);
    let opts = FollowOptions {
        tail: 100,
        hints: Some(Arc::clone(&hints)),
        ..FollowOptions::default()
    };
    let worker = spawn_follow(docker, name.clone(), opts, tx, CancellationToken::new());
    let lines = collect(&mut rx, |_| false).await;
    assert_eq!(
        worker.await.expect("joins").expect("ok"),
        poc_tui::logs::FollowEnd::StreamEnded
    );
    let texts: Vec<&str> = lines.iter().map(LogLine::text).collect();
    assert_eq!(lines.len(), 7, "{texts:?}");
    for line in &lines {
        assert!(
            !line
                .text()
                .chars()
                .any(|c| c < ' ' || ('\u{7f}'..='\u{9f}').contains(&c)),
            "control character in {:?}",
            line.text()
        );
    }
    let colour = lines
        .iter()
        .find(|l| l.text().starts_with("red"))
        .expect("colour line");
    assert_eq!(colour.text(), "red and bold green");
    assert_eq!(colour.line.styles.len(), 2);
    assert!(colour.line.styles[1].style.bold);
    let evil = lines
        .iter()
        .find(|l| l.text().starts_with("evil"))
        .expect("escape line");
    assert!(
        evil.text().contains("\u{241b}]0;pwned title\u{2407}"),
        "{}",
        evil.text()
    );
    let issue_of = |prefix: &str| {
        let line = lines
            .iter()
            .find(|l| l.text().starts_with(prefix))
            .expect("line present");
        (
            line.stream,
            line.issue.and_then(|i| hints.get(i)).map(|i| i.id.clone()),
        )
    };
    assert_eq!(
        issue_of("curl: (7)"),
        (
            LogStream::Stderr,
            Some("agent-access-url-localhost".to_owned())
        )
    );
    assert_eq!(issue_of("oidc:").1.as_deref(), Some("oidc-issuer-mismatch"));
    assert_eq!(issue_of("plain").1, None);
    // The engine splits a 100 kB line into 16 kB messages, each with its own
    // timestamp: the line comes back whole, capped and with only x's in it.
    let long = lines
        .iter()
        .find(|l| l.text().starts_with('x'))
        .expect("long line");
    let cut = long.line.truncation.expect("truncated");
    assert_eq!(cut.cut_bytes, 100_000 - 16 * 1024);
    assert!(long.text()[..cut.marker_start].bytes().all(|b| b == b'x'));
    assert_eq!(texts.last(), Some(&"the end"));
}

#[tokio::test]
async fn logs_command_tail_grep_hints_and_export() {
    let Some(docker) = engine().await else { return };
    let mut env = build_image("command");
    let name = env.run("command", HOSTILE);
    wait_exited(&name).await;

    let mut out = Vec::new();
    let opts = LogsCommandOptions {
        tail: Some(3),
        ..LogsCommandOptions::default()
    };
    let summary = run_logs_command(&docker, &name, &opts, &mut out)
        .await
        .expect("runs");
    let text = String::from_utf8(out).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    // The pauses around the stderr line keep the engine's stdout/stderr order stable.
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].starts_with("curl: (7)"),
        "stderr is printed too: {text}"
    );
    assert!(lines[1].starts_with("oidc: issuer"));
    assert_eq!(lines[2], "the end");
    assert_eq!(summary.lines_printed, 3);

    let mut out = Vec::new();
    run_logs_command(&docker, &name, &LogsCommandOptions::default(), &mut out)
        .await
        .expect("runs");
    let text = String::from_utf8(out).expect("utf-8");
    assert_eq!(text.lines().count(), 6, "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("curl: (7)")),
        "stderr is printed too: {text}"
    );

    let mut out = Vec::new();
    let opts = LogsCommandOptions {
        grep: Some(Query::new("RED|cleared", QueryMode::Regex).expect("query")),
        hints: Some(Arc::new(KnownIssues::embedded().expect("table"))),
        ..LogsCommandOptions::default()
    };
    let summary = run_logs_command(&docker, &name, &opts, &mut out)
        .await
        .expect("runs");
    let text = String::from_utf8(out).expect("utf-8");
    assert!(!text.contains('\u{1b}'), "no raw escape reaches the pipe");
    let printed: Vec<&str> = text.lines().filter(|l| !l.starts_with("# hint")).collect();
    assert_eq!(
        printed.len(),
        1,
        "case-sensitive RED matches nothing; `cleared` one line: {text}"
    );
    assert!(printed[0].starts_with("evil"));
    assert!(
        text.contains("# hint [agent-access-url-localhost]"),
        "{text}"
    );
    assert!(text.contains("# hint [oidc-issuer-mismatch]"), "{text}");
    assert_eq!(summary.issues.distinct(), 2);
    assert_eq!(summary.lines_read, 6);

    // Export of a followed ring.
    let (tx, mut rx) = mpsc::channel(8);
    let worker = spawn_follow(
        docker,
        name.clone(),
        FollowOptions::default(),
        tx,
        CancellationToken::new(),
    );
    let mut ring = LogRing::new(4);
    for line in collect(&mut rx, |_| false).await {
        ring.push(line);
    }
    worker.await.expect("joins").expect("ok");
    assert_eq!(ring.dropped(), 2);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("export.log");
    export_ring(&ring, &path, ExportOptions::default()).expect("export");
    let saved = std::fs::read_to_string(&path).expect("read");
    let saved: Vec<&str> = saved.lines().collect();
    assert_eq!(saved.len(), 4);
    assert!(
        saved
            .iter()
            .any(|l| l.starts_with("evil \u{241b}]0;pwned title")),
        "{saved:?}"
    );
    assert_eq!(saved[3], "the end");
}

#[tokio::test]
async fn merged_follow_labels_each_service() {
    let Some(docker) = engine().await else { return };
    let mut env = build_image("merged");
    let a = env.run("merged-a", "echo from-a; sleep 30");
    let b = env.run("merged-b", "echo from-b; sleep 30");
    let (tx, mut rx) = mpsc::channel(8);
    let cancel = CancellationToken::new();
    let targets = vec![
        FollowTarget {
            container: a,
            label: Arc::from("svc-a"),
            service: None,
        },
        FollowTarget {
            container: b,
            label: Arc::from("svc-b"),
            service: None,
        },
    ];
    let workers = spawn_merged_follow(&docker, targets, &FollowOptions::default(), &tx, &cancel);
    drop(tx);
    let lines = collect(&mut rx, |l| l.len() >= 2).await;
    let mut pairs: Vec<(String, String)> = lines
        .iter()
        .map(|l| (l.source.to_string(), l.text().to_owned()))
        .collect();
    pairs.sort();
    assert_eq!(
        pairs,
        [
            ("svc-a".into(), "from-a".into()),
            ("svc-b".into(), "from-b".into())
        ]
    );
    cancel.cancel();
    for worker in workers {
        worker.await.expect("joins").expect("ok");
    }
}

#[tokio::test]
async fn following_a_missing_container_is_an_error() {
    let Some(docker) = engine().await else { return };
    let (tx, _rx) = mpsc::channel(1);
    let worker = spawn_follow(
        docker,
        "poctui-test-logs-does-not-exist".into(),
        FollowOptions::default(),
        tx,
        CancellationToken::new(),
    );
    let err = worker.await.expect("joins").expect_err("no such container");
    assert!(
        err.to_string().contains("poctui-test-logs-does-not-exist"),
        "{err}"
    );
}

#[path = "logs_docker/history.rs"]
mod history;
