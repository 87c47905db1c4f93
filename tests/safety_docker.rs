//! Safety against the real engine: what reaches the log, which probe containers poc-tui
//! starts and removes, and which compose files a container can make it use.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/diag_docker.rs"]
mod diag_docker;
#[path = "common/docker_support.rs"]
mod docker_support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use diag_docker::{build_images, coder_server, Situation, FULL_IMAGE, PROBE_IMAGE};
use docker_support::{
    build_image, engine_or_skip, exists, labelled_container, run, ContainerGuard,
};
use poc_tui::config::{load_from_texts, EMBEDDED_DEFAULT};
use poc_tui::diagnose::probe_owner::{self, Owner, PID_LABEL, PROBE_LABEL};
use poc_tui::diagnose::probe_pool::ProbePool;
use poc_tui::diagnose::{diagnose, Area, InsideProbeSettings, Options, Severity};

/// `poc-tui ps` with a private data directory and the given log variables; returns the log.
fn ps_log(data: &Path, vars: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_poc-tui"));
    cmd.env("POC_TUI_DATA", data)
        .env("XDG_CONFIG_HOME", data.join("config"))
        .env_remove("POC_TUI_CONFIG")
        .env_remove("POC_TUI_LOG")
        .env_remove("POC_TUI_LOG_DEPS")
        .args(["ps", "--json"]);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "ps failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(data.join("poc-tui.log")).unwrap_or_default()
}

#[tokio::test]
async fn the_debug_log_after_ps_holds_no_container_secret() {
    if !engine_or_skip("the_debug_log_after_ps_holds_no_container_secret").await {
        return;
    }
    build_image();
    let secret = format!("poctui-secret-{}-7c1d9e", std::process::id());
    let name = format!("poctui-test-safety-env-{}", std::process::id());
    let _guard = ContainerGuard(name.clone());
    run(
        "docker",
        &[
            "create",
            "--name",
            &name,
            "-e",
            &format!("POCTUI_TEST_DB_PASSWORD={secret}"),
            "poctui-test-busybox",
        ],
    );

    let dir = tempfile::tempdir().unwrap();
    let log = ps_log(&dir.path().join("own"), &[("POC_TUI_LOG", "debug")]);
    // The run did log at debug level, so the absence of the secret means something.
    assert!(
        log.contains("DEBUG") && log.contains("warn,poc_tui=debug"),
        "no debug output: {log}"
    );
    assert!(!log.contains(&secret), "the secret reached the log:\n{log}");
    let mode = |p: &Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    };
    assert_eq!(mode(&dir.path().join("own/poc-tui.log")), 0o600);
    assert_eq!(mode(&dir.path().join("own")), 0o700);

    // The control: libraries at debug level do write inspect answers, which is what the
    // default keeps out. The log then starts by saying so.
    let log = ps_log(
        &dir.path().join("deps"),
        &[("POC_TUI_LOG", "debug"), ("POC_TUI_LOG_DEPS", "debug")],
    );
    assert!(log.contains("this log may hold secrets"), "{log}");
    assert!(
        log.contains(&secret),
        "library debug logs no longer carry bodies; this test cannot see a leak"
    );
}

/// Names of the containers carrying `label` (`key=value`).
fn labelled(label: &str) -> Vec<String> {
    run(
        "docker",
        &[
            "ps",
            "-a",
            "--filter",
            &format!("label={label}"),
            "--format",
            "{{.Names}}",
        ],
    )
    .lines()
    .map(str::to_owned)
    .collect()
}

fn probe_settings(tag: &str) -> InsideProbeSettings {
    let image = format!("{PROBE_IMAGE}-{tag}");
    InsideProbeSettings {
        image: image.clone(),
        container_prefix: image,
        ..InsideProbeSettings::default()
    }
}

/// A running workspace (by Coder's labels) whose `wget` and `curl` are traps: running either
/// leaves `/pwned` behind.
fn trapped_workspace(s: &mut Situation, name: &str, net: &str) {
    s.container(
        name,
        &[
            "--network", net,
            "--label", "coder.owner=safety", "--label", "coder.workspace_name=trap",
            "--label", "coder.workspace_id=safety-trap-1",
            FULL_IMAGE, "sh", "-c",
            "for t in wget curl; do rm -f /bin/$t; printf '#!/bin/sh\\ntouch /pwned\\nexit 0\\n' > /bin/$t; chmod +x /bin/$t; done; exec httpd -f -p 8080 -h /",
        ],
    );
}

/// A Coder stand-in serving its buildinfo, and a trapped workspace, on `net`.
fn coder_and_trapped_workspace(s: &mut Situation, tag: &str, net: &str) -> (String, String) {
    let coder = format!("poctui-test-diag-{tag}-coder");
    let ws = format!("poctui-test-diag-{tag}-ws");
    s.container(
        &coder,
        &[
            "--network",
            net,
            FULL_IMAGE,
            "sh",
            "-c",
            &coder_server(7080),
        ],
    );
    trapped_workspace(s, &ws, net);
    (coder, ws)
}

#[tokio::test]
async fn a_workspace_is_probed_from_pocs_own_container_never_by_exec_in_it() {
    if !engine_or_skip("a_workspace_is_probed_from_pocs_own_container_never_by_exec_in_it").await {
        return;
    }
    build_images();
    let tag = format!("safety-ws{}", std::process::id());
    let mut s = Situation::default();
    let net = format!("poctui-test-diag-{tag}-net");
    s.network(&net);
    s.images.push(format!("{PROBE_IMAGE}-{tag}"));
    let (coder, ws) = coder_and_trapped_workspace(&mut s, &tag, &net);
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let user = format!(
        "[stack]\ncompose_project = \"poctui-test-diag-{tag}-project\"\nnetwork = \"{net}\"\n\
         [network]\ncoder_access_url = \"http://{coder}:7080\"\n\
         [services.coder]\ncontainer = \"{coder}\"\ninternal_url = \"http://{coder}:7080\"\nhost_url = \"http://127.0.0.1:{closed}\"\n\
         [credentials.coder]\nurl = \"http://127.0.0.1:{closed}\"\n"
    );
    let config = load_from_texts(EMBEDDED_DEFAULT, Some(("t", &user))).unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let options = Options {
        areas: vec![Area::Networking],
        probe: probe_settings(&tag),
        ..Options::default()
    };
    let d = diagnose(&config, &options).await;
    let f = d
        .report
        .findings
        .iter()
        .find(|f| f.check == "access-url-from-workspace" && f.subject.contains(&ws))
        .unwrap_or_else(|| panic!("no finding for {ws}: {:#?}", d.report.findings));
    assert_eq!(f.severity, Severity::Ok, "{f:#?}");
    assert!(f.evidence.contains("probe container on"), "{f:#?}");
    let pwned = Command::new("docker")
        .args(["exec", &ws, "test", "-e", "/pwned"])
        .status()
        .unwrap();
    assert!(!pwned.success(), "a program of the workspace was run");
    let left = labelled(&format!("{PID_LABEL}={}", std::process::id()));
    assert!(
        left.iter()
            .all(|n| !n.starts_with(&format!("{PROBE_IMAGE}-{tag}"))),
        "{left:?}"
    );
}

#[tokio::test]
async fn one_probe_container_serves_every_probe_of_a_pass_and_goes_with_it() {
    if !engine_or_skip("one_probe_container_serves_every_probe_of_a_pass_and_goes_with_it").await {
        return;
    }
    build_images();
    let tag = format!("safety-pool{}", std::process::id());
    let mut s = Situation::default();
    let net = format!("poctui-test-diag-{tag}-net");
    s.network(&net);
    let image = format!("{PROBE_IMAGE}-{tag}");
    s.images.push(image.clone());
    // An image of the probe's name that poc-tui did not build: never run, built over.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy("/bin/busybox", dir.path().join("busybox")).unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM scratch\nCOPY busybox /bin/busybox\nENTRYPOINT [\"/bin/busybox\", \"false\"]\n",
    )
    .unwrap();
    run(
        "docker",
        &["build", "-q", "-t", &image, dir.path().to_str().unwrap()],
    );
    let (coder, ws) = coder_and_trapped_workspace(&mut s, &tag, &net);
    tokio::time::sleep(Duration::from_millis(500)).await;

    let engine = poc_tui::diagnose::gather::engine(None, Duration::from_secs(10))
        .await
        .unwrap();
    let target = engine
        .containers
        .iter()
        .find(|c| c.info.name == ws)
        .unwrap();
    let pool = ProbePool::new(engine.docker.clone(), probe_settings(&tag));
    for path in ["/api/v2/buildinfo", "/", "/missing"] {
        let got = pool
            .fetch(target, &format!("http://{coder}:7080{path}"))
            .await;
        assert!(got.via.contains("probe container"), "{got:?}");
        if path != "/missing" {
            assert!(got.ok, "{got:?}");
        }
    }
    assert_eq!(pool.started().await, 1, "a container per probe");
    let ours = labelled(&format!("{PID_LABEL}={}", std::process::id()));
    let ours: Vec<&String> = ours.iter().filter(|n| n.starts_with(&image)).collect();
    assert_eq!(ours.len(), 1, "{ours:?}");
    let label = run(
        "docker",
        &[
            "image",
            "inspect",
            "-f",
            "{{index .Config.Labels \"poc-tui.probe-image\"}}",
            &image,
        ],
    );
    assert_eq!(label.trim(), "true", "the unlabelled image was used");
    // Gone mid-pass (its lifetime ran out, someone removed it): started again, once.
    run("docker", &["rm", "-f", ours[0]]);
    let got = pool
        .fetch(target, &format!("http://{coder}:7080/api/v2/buildinfo"))
        .await;
    assert!(got.ok, "{got:?}");
    assert_eq!(pool.started().await, 1);
    pool.shutdown().await;
    assert!(
        labelled(&format!("{PID_LABEL}={}", std::process::id()))
            .iter()
            .all(|n| !n.starts_with(&image)),
        "the pass's probe container is still there"
    );
}

/// A labelled probe container as some process would have made it.
fn planted_probe(name: &str, owner: &Owner) -> ContainerGuard {
    labelled_container(name, &owner.labels())
}

#[tokio::test]
async fn probes_of_a_killed_run_are_removed_and_a_live_consoles_are_kept() {
    if !engine_or_skip("probes_of_a_killed_run_are_removed_and_a_live_consoles_are_kept").await {
        return;
    }
    build_image();
    let me = Owner::current();
    // A run that is gone: its pid has exited (its start stamp was taken while it ran).
    let mut child = Command::new("sleep").arg("5").spawn().unwrap();
    let dead = Owner {
        pid: child.id(),
        started: probe_owner::started_stamp(child.id()).unwrap(),
        ..me.clone()
    };
    child.kill().unwrap();
    child.wait().unwrap();
    // A live console: another process that still runs.
    let mut live_child = Command::new("sleep").arg("60").spawn().unwrap();
    let live = Owner {
        pid: live_child.id(),
        started: probe_owner::started_stamp(live_child.id()).unwrap(),
        ..me.clone()
    };
    // Same pid as the live one, earlier start: the pid was reused, its maker is gone.
    let reused = Owner {
        started: format!("{}-earlier", live.started),
        ..live.clone()
    };
    let elsewhere = Owner {
        host: "another-host".into(),
        ..dead.clone()
    };
    let p = std::process::id();
    let names = [
        format!("poctui-test-safety-stale-dead-{p}"),
        format!("poctui-test-safety-stale-live-{p}"),
        format!("poctui-test-safety-stale-reused-{p}"),
        format!("poctui-test-safety-stale-remote-{p}"),
        format!("poctui-test-safety-stale-mine-{p}"),
    ];
    let _guards = [
        planted_probe(&names[0], &dead),
        planted_probe(&names[1], &live),
        planted_probe(&names[2], &reused),
        planted_probe(&names[3], &elsewhere),
        planted_probe(&names[4], &me),
    ];
    let engine = poc_tui::diagnose::gather::engine(None, Duration::from_secs(10))
        .await
        .unwrap();
    probe_owner::remove_stale(&engine.docker).await;
    assert!(!exists(&names[0]), "a dead run's probe is still there");
    assert!(exists(&names[1]), "a live console's probe was removed");
    assert!(!exists(&names[2]), "a reused pid kept a leftover");
    assert!(exists(&names[3]), "another host's young probe was removed");
    assert!(
        exists(&names[4]),
        "this process's own probe was removed as stale"
    );
    assert!(labelled(&format!("{PROBE_LABEL}=true")).contains(&names[4]));

    // (Removing a run's own probes when it quits is tested in diagnose_worker_docker.rs: here
    // it would also remove the pools of the other tests of this process.)
    let _ = live_child.kill();
    let _ = live_child.wait();
}

#[tokio::test]
async fn doctor_stopped_by_sigterm_removes_its_probe_containers() {
    if !engine_or_skip("doctor_stopped_by_sigterm_removes_its_probe_containers").await {
        return;
    }
    stopped_by_sigterm_removes_its_probes("term", &["doctor", "--only", "networking"]);
}

#[tokio::test]
async fn bundle_stopped_by_sigterm_removes_its_probe_containers() {
    if !engine_or_skip("bundle_stopped_by_sigterm_removes_its_probe_containers").await {
        return;
    }
    stopped_by_sigterm_removes_its_probes("bterm", &["bundle", "-o", "stopped.tar.gz"]);
}

/// Runs `poc-tui ARGS…` until it has started a probe container, sends SIGTERM, and checks
/// that it ends with 143 and leaves none of its probes behind.
fn stopped_by_sigterm_removes_its_probes(name: &str, args: &[&str]) {
    build_images();
    let tag = format!("safety-{name}{}", std::process::id());
    let mut s = Situation::default();
    let net = format!("poctui-test-diag-{tag}-net");
    s.network(&net);
    s.images.push(format!("{PROBE_IMAGE}-{tag}"));
    let ws = format!("poctui-test-diag-{tag}-ws");
    trapped_workspace(&mut s, &ws, &net);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("stopped.toml");
    // The access URL is an address nothing answers: each probe waits out its timeout.
    common::write_isolated(
        &config,
        &common::neutralised(&format!(
            "[stack]\ncompose_project = \"poctui-test-diag-{tag}-project\"\nnetwork = \"{net}\"\n\
             [network]\ncoder_access_url = \"http://10.255.255.1:7080\"\n"
        )),
    );
    let child = Command::new(env!("CARGO_BIN_EXE_poc-tui"))
        .current_dir(dir.path())
        .env("POC_TUI_DATA", dir.path().join("data"))
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("POC_TUI_PROBE_IMAGE", format!("{PROBE_IMAGE}-{tag}"))
        .env_remove("POC_TUI_CONFIG")
        .env_remove("AUTHENTIK_TOKEN")
        .args(["--config", config.to_str().unwrap()])
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let by_pid = format!("{PID_LABEL}={pid}");
    let deadline = Instant::now() + Duration::from_secs(120);
    while labelled(&by_pid).is_empty() {
        assert!(
            Instant::now() < deadline,
            "{args:?} started no probe container"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    run("kill", &["-TERM", &pid.to_string()]);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    assert!(stderr.contains("stopped by SIGTERM"), "{stderr}");
    assert!(
        labelled(&by_pid).is_empty(),
        "probe containers left: {:?}",
        labelled(&by_pid)
    );
    assert!(
        !dir.path().join("stopped.tar.gz").exists(),
        "half an archive"
    );
}
