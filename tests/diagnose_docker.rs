//! Networking checks against situations built from real containers: a container off the
//! network, missing extra hosts, an access URL of localhost, path apps disabled without a
//! wildcard, a devcontainer START_ERROR, an image without wget (probe container), and a
//! healthy arrangement that yields no warn or fail.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/diag_docker.rs"]
mod diag_docker;
#[path = "common/docker_support.rs"]
mod docker_support;
#[path = "common/recording_proxy.rs"]
mod recording_proxy;

use std::fmt::Write as _;

use diag_docker::{build_images, coder_server, Situation, BARE_IMAGE, FULL_IMAGE, PROBE_IMAGE};
use docker_support::{engine_or_skip, run};
use poc_tui::diagnose::{
    diagnose, Area, Diagnosis, Finding, InsideProbeSettings, Options, Severity,
};

/// A config whose services match only this test's containers. Its containers have just
/// started: no starting grace here (`diagnose_reach_docker` tests the grace).
fn config(tag: &str, network: &str, access_url: &str, extra: &str) -> poc_tui::config::Config {
    let mut text = format!(
        "[diagnose]\nstarting_grace_secs = 0\n\n[stack]\ncompose_project = \"poctui-test-diag-{tag}-project\"\nnetwork = \"{network}\"\n\n\
         [network]\ncoder_access_url = \"{access_url}\"\nneeds_host_gateway = [\"coder\", \"workspaces\"]\n\n"
    );
    for key in poc_tui::config::embedded_service_keys() {
        if extra.contains(&format!("[services.{key}]\n")) {
            continue;
        }
        let _ = write!(
            text,
            "[services.{key}]\ncontainer = \"poctui-test-diag-{tag}-absent-{key}\"\ncompose_service = \"poctui-test-diag-absent\"\n\n"
        );
    }
    text.push_str(extra);
    // Host URLs, probes and credentials the test does not set go to a closed port: Coder's
    // deployment config is read from the test's own server or not at all.
    common::isolated_config(&common::neutralised(&text))
}

/// Each test builds its own probe image (and removes it), so parallel tests do not race.
fn options(s: &mut Situation, tag: &str) -> Options {
    let image = format!("{PROBE_IMAGE}-{tag}");
    s.images.push(image.clone());
    Options {
        areas: vec![Area::Networking],
        probe: InsideProbeSettings {
            image: image.clone(),
            container_prefix: image,
            ..InsideProbeSettings::default()
        },
        ..Options::default()
    }
}

/// Every container name on the engine now.
fn engine_names() -> Vec<String> {
    run("docker", &["ps", "-a", "--format", "{{.Names}}"])
        .lines()
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .collect()
}

/// Findings about this test's own subjects: a finding about any other container on the
/// engine (another stack, another test, someone's Coder workspaces: `others`, listed before
/// and after the pass) is not this test's.
fn ours<'a>(d: &'a Diagnosis, tag: &str, others: &[String]) -> Vec<&'a Finding> {
    let mine = format!("poctui-test-diag-{tag}");
    d.report
        .findings
        .iter()
        .filter(|f| {
            let about = |name: &str| {
                f.subject == name
                    || f.subject.starts_with(&format!("{name} "))
                    || f.subject.contains(&format!("(inside {name})"))
            };
            let other_test = f.subject.contains("poctui-test-") && !f.subject.contains(&mine);
            !other_test && !others.iter().any(|n| !n.starts_with(&mine) && about(n))
        })
        .collect()
}

fn find<'a>(d: &'a Diagnosis, check: &str, subject: &str) -> &'a Finding {
    d.report
        .findings
        .iter()
        .find(|f| f.check == check && f.subject.contains(subject))
        .unwrap_or_else(|| {
            panic!(
                "no {check} finding about {subject}: {:#?}",
                d.report.findings
            )
        })
}

/// The broken situation's names: the network and its containers.
struct Broken {
    tag: String,
    net: String,
    coder: String,
    gitea: String,
    ws: String,
    bare_ws: String,
}

/// Coder with a localhost access URL and path apps off, Gitea off the network, a
/// workspace with a devcontainer START_ERROR, and a workspace without wget or curl.
fn broken_situation(s: &mut Situation) -> Broken {
    let tag = format!("b{}", std::process::id());
    let name = |what: &str| format!("poctui-test-diag-{tag}-{what}");
    let b = Broken {
        net: name("net"),
        coder: name("coder"),
        gitea: name("gitea"),
        ws: name("ws"),
        bare_ws: name("bare"),
        tag: tag.clone(),
    };
    s.network(&b.net);
    s.container(
        &b.coder,
        &[
            "--network",
            &b.net,
            "-e",
            "CODER_ACCESS_URL=http://localhost:7080",
            "-e",
            "CODER_DISABLE_PATH_APPS=true",
            FULL_IMAGE,
            "sh",
            "-c",
            &coder_server(7080),
        ],
    );
    // Off the stack network: only on the default bridge.
    s.container(
        &b.gitea,
        &[
            FULL_IMAGE,
            "sh",
            "-c",
            "echo ok > /index.html && exec httpd -f -p 3000 -h /",
        ],
    );
    s.container(&b.ws, &[
        "--network", &b.net,
        "--label", "coder.owner=diag", "--label", "coder.workspace_name=ws",
        "--label", "coder.workspace_id=diag-ws-1",
        FULL_IMAGE, "sh", "-c",
        "echo 'lifecycle:{state:START_ERROR}'; echo 'run docker ps: exit status 1'; exec httpd -f -p 8080 -h /",
    ]);
    // No wget, no curl: the check must fall back to a probe container.
    s.container(
        &b.bare_ws,
        &[
            "--network",
            &b.net,
            "--label",
            "coder.owner=diag",
            "--label",
            "coder.workspace_name=bare",
            "--label",
            "coder.workspace_id=diag-ws-2",
            BARE_IMAGE,
            "httpd",
            "-f",
            "-p",
            "8080",
            "-h",
            "/",
        ],
    );
    b
}

#[tokio::test]
async fn broken_situations_are_each_found_with_evidence_and_fix() {
    if !engine_or_skip("broken_situations_are_each_found_with_evidence_and_fix").await {
        return;
    }
    build_images();
    let mut s = Situation::default();
    let b = broken_situation(&mut s);
    let (coder, gitea) = (&b.coder, &b.gitea);
    let extra = format!(
        "[services.coder]\ncontainer = \"{coder}\"\ninternal_url = \"http://{coder}:7080\"\n\n\
         [services.gitea]\ncontainer = \"{gitea}\"\ninternal_url = \"http://{gitea}:3000\"\n"
    );
    let config = config(&b.tag, &b.net, "http://host.docker.internal:7080", &extra);
    let d = diagnose(&config, &options(&mut s, &b.tag)).await;

    coder_and_network_findings(&d, &b);
    workspace_findings(&d, &b);
}

fn coder_and_network_findings(d: &Diagnosis, b: &Broken) {
    let f = find(d, "access-url-not-localhost", "CODER_ACCESS_URL");
    assert_eq!(f.severity, Severity::Fail, "{f:#?}");
    assert!(
        f.evidence.contains("http://localhost:7080") && f.evidence.contains(&b.coder),
        "{f:#?}"
    );
    assert!(
        f.fix.contains("CODER_ACCESS_URL") && f.fix.contains("up -d"),
        "{f:#?}"
    );

    let f = find(d, "on-stack-network", &b.gitea);
    assert_eq!(f.severity, Severity::Fail, "{f:#?}");
    assert!(f.evidence.contains("bridge"), "{f:#?}");
    assert!(
        f.fix
            .contains(&format!("docker network connect {} {}", b.net, b.gitea)),
        "{f:#?}"
    );
    assert_eq!(find(d, "on-stack-network", &b.ws).severity, Severity::Ok);

    for name in [&b.coder, &b.ws] {
        let f = find(d, "host-gateway", name);
        assert!(f.is_problem(), "{f:#?}");
        assert!(f.fix.contains("host-gateway"), "{f:#?}");
    }

    let f = find(d, "path-apps", "Coder apps");
    assert_eq!(f.severity, Severity::Fail, "{f:#?}");
    assert!(
        f.evidence.contains("CODER_DISABLE_PATH_APPS=true"),
        "{f:#?}"
    );
    assert!(
        f.fix.contains("CODER_DISABLE_PATH_APPS: \"false\""),
        "{f:#?}"
    );
}

fn workspace_findings(d: &Diagnosis, b: &Broken) {
    let f = find(d, "devcontainer-detection", &b.ws);
    assert_eq!(f.severity, Severity::Fail, "{f:#?}");
    assert!(f.evidence.contains("docker ps: exit status 1"), "{f:#?}");
    assert!(f.fix.contains("CODER_AGENT_DEVCONTAINERS_ENABLE"), "{f:#?}");

    // localhost inside the workspace is the workspace: Coder is not there.
    let f = find(d, "access-url-from-workspace", &b.ws);
    assert_eq!(f.severity, Severity::Fail, "{f:#?}");
    assert!(
        f.evidence
            .contains("can't connect to remote host (127.0.0.1:7080)"),
        "{f:#?}"
    );
    // Folded under the localhost access URL, whose fix is the one to apply.
    assert_eq!(
        f.caused_by.as_deref(),
        Some("access-url-not-localhost:CODER_ACCESS_URL"),
        "{f:#?}"
    );

    // From the workspace: Coder resolves by name, Gitea (off the network) does not.
    assert_eq!(
        find(d, "container-dns", &format!("{} → coder", b.ws)).severity,
        Severity::Ok
    );
    let f = find(d, "container-dns", &format!("{} → gitea", b.ws));
    assert_eq!(f.severity, Severity::Fail, "{f:#?}");
    assert!(f.summary.contains("does not resolve"), "{f:#?}");
    // Gitea is off the network: that is the cause, and the name failure folds under it.
    assert_eq!(
        f.caused_by.as_deref(),
        Some(format!("on-stack-network:{}", b.gitea).as_str()),
        "{f:#?}"
    );

    // The bare workspace was probed through a throwaway container, which is gone again.
    let f = find(d, "container-dns", &format!("{} → coder", b.bare_ws));
    assert_eq!(f.severity, Severity::Ok, "{f:#?}");
    assert!(f.evidence.contains("probe container"), "{f:#?}");
    let left = run(
        "docker",
        &[
            "ps",
            "-aq",
            "--filter",
            &format!("name={PROBE_IMAGE}-{}-", b.tag),
        ],
    );
    assert!(
        left.trim().is_empty(),
        "probe containers left behind: {left}"
    );
}

#[allow(clippy::too_many_lines)] // one scenario, read top to bottom
#[tokio::test]
async fn a_healthy_arrangement_yields_no_warn_or_fail() {
    if !engine_or_skip("a_healthy_arrangement_yields_no_warn_or_fail").await {
        return;
    }
    build_images();
    let tag = format!("h{}", std::process::id());
    let mut s = Situation::default();
    let net = format!("poctui-test-diag-{tag}-net");
    let gateway = s.network(&net);
    let port = common::closed_port();
    let coder = format!("poctui-test-diag-{tag}-coder");
    let gitea = format!("poctui-test-diag-{tag}-gitea");
    let ws = format!("poctui-test-diag-{tag}-ws");
    // Published on the network's gateway: the host and the containers both reach it there.
    let access = format!("http://{gateway}:{port}");
    let publish = format!("{gateway}:{port}:7080");
    s.container(
        &coder,
        &[
            "--network",
            &net,
            "-p",
            &publish,
            "--add-host",
            "host.docker.internal:host-gateway",
            "-e",
            &format!("CODER_ACCESS_URL={access}"),
            "-e",
            "CODER_DISABLE_PATH_APPS=false",
            FULL_IMAGE,
            "sh",
            "-c",
            &coder_server(7080),
        ],
    );
    s.container(
        &gitea,
        &[
            "--network",
            &net,
            FULL_IMAGE,
            "sh",
            "-c",
            "echo ok > /index.html && exec httpd -f -p 3000 -h /",
        ],
    );
    s.container(
        &ws,
        &[
            "--network",
            &net,
            "--add-host",
            "host.docker.internal:host-gateway",
            "--label",
            "coder.owner=diag",
            "--label",
            "coder.workspace_name=ws",
            "--label",
            "coder.workspace_id=diag-ws-3",
            "-e",
            "CODER_AGENT_DEVCONTAINERS_ENABLE=false",
            FULL_IMAGE,
            "sh",
            "-c",
            "echo agent started; exec httpd -f -p 8080 -h /",
        ],
    );
    let extra = format!(
        "[services.coder]\ncontainer = \"{coder}\"\ninternal_url = \"http://{coder}:7080\"\nhost_url = \"{access}\"\nbrowser_url = \"{access}\"\n\n\
         [services.gitea]\ncontainer = \"{gitea}\"\ninternal_url = \"http://{gitea}:3000\"\n"
    );
    let config = config(&tag, &net, &access, &extra);
    // Give httpd a moment to listen.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mut others = engine_names();
    let d = diagnose(&config, &options(&mut s, &tag)).await;
    others.extend(engine_names());
    // The services this test leaves out on purpose: one "not deployed" WARN each, nothing more.
    let keys = poc_tui::config::embedded_service_keys();
    let left_out: Vec<&str> = keys
        .iter()
        .map(String::as_str)
        .filter(|k| !["coder", "gitea"].contains(k))
        .collect();
    for key in &left_out {
        let about: Vec<&Finding> = d
            .report
            .findings
            .iter()
            .filter(|f| f.check == "service-deployed" && f.subject == *key)
            .collect();
        assert_eq!(about.len(), 1, "{key}: {about:#?}");
        assert_eq!(about[0].severity, Severity::Warn, "{about:#?}");
        assert!(about[0]
            .summary
            .contains("expected by the config, no container"));
    }
    let problems: Vec<&Finding> = ours(&d, &tag, &others)
        .into_iter()
        .filter(|f| f.is_problem())
        .filter(|f| !(f.check == "service-deployed" && left_out.contains(&f.subject.as_str())))
        .collect();
    assert!(problems.is_empty(), "false positives: {problems:#?}");
    for name in [&coder, &gitea, &ws] {
        assert_eq!(
            find(&d, "service-state", name).severity,
            Severity::Ok,
            "{name}"
        );
    }
    // And the checks did run: they are not all skipped.
    for (check, subject) in [
        ("on-stack-network", ws.as_str()),
        ("host-gateway", ws.as_str()),
        ("access-url-from-workspace", ws.as_str()),
        ("access-url-from-host", access.as_str()),
        ("path-apps", "Coder apps"),
        ("devcontainer-detection", ws.as_str()),
    ] {
        assert_eq!(find(&d, check, subject).severity, Severity::Ok, "{check}");
    }
    let row = d.urls.iter().find(|r| r.service == "coder").unwrap();
    assert_eq!(
        row.host.reach,
        poc_tui::diagnose::Reach::Reached,
        "{row:#?}"
    );
    assert_eq!(
        row.inside.reach,
        poc_tui::diagnose::Reach::Reached,
        "{row:#?}"
    );
}

#[path = "diagnose_docker_parts/service_state.rs"]
mod service_state;

/// `--read-only` through a recording proxy in front of the engine: the diagnosis builds no
/// probe image, starts no container and execs nothing (only GETs reach the engine), and says
/// the checks from inside containers were SKIPPED "read-only". The same pass without it does
/// write (exec or probe container), so the proxy sees what it must.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_diagnosis_sends_the_engine_only_reads() {
    if !engine_or_skip("read_only_diagnosis_sends_the_engine_only_reads").await {
        return;
    }
    build_images();
    let tag = format!("ro{}", std::process::id());
    let mut s = Situation::default();
    let net = format!("poctui-test-diag-{tag}-net");
    s.network(&net);
    let coder = format!("poctui-test-diag-{tag}-coder");
    let ws = format!("poctui-test-diag-{tag}-ws");
    s.container(
        &coder,
        &[
            "--network",
            &net,
            FULL_IMAGE,
            "sh",
            "-c",
            &coder_server(7080),
        ],
    );
    s.container(
        &ws,
        &[
            "--network",
            &net,
            "--label",
            "coder.owner=diag",
            "--label",
            "coder.workspace_name=ro",
            "--label",
            "coder.workspace_id=diag-ro-1",
            FULL_IMAGE,
            "sh",
            "-c",
            "exec httpd -f -p 8080 -h /",
        ],
    );
    let extra = format!(
        "[services.coder]\ncontainer = \"{coder}\"\ninternal_url = \"http://{coder}:7080\"\n"
    );
    let config = config(&tag, &net, &format!("http://{coder}:7080"), &extra);

    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("engine.sock");
    let proxy = recording_proxy::start(&socket, recording_proxy::engine_socket());
    let mut opts = options(&mut s, &tag);
    opts.docker_host = Some(format!("unix://{}", socket.display()));
    opts.policy = poc_tui::config::Policy::read_only();

    let d = diagnose(&config, &opts).await;
    assert!(
        proxy.all().iter().any(|r| r.contains("/containers/json")),
        "the pass went through the proxy: {:?}",
        proxy.all()
    );
    assert_eq!(proxy.writes(), Vec::<String>::new(), "read-only wrote");
    let skipped = d
        .report
        .findings
        .iter()
        .find(|f| f.subject == "workspaces" && f.severity == Severity::Skipped)
        .unwrap_or_else(|| panic!("no skipped workspace check: {:#?}", d.report.findings));
    assert!(
        format!("{} {}", skipped.summary, skipped.evidence).contains("read-only"),
        "{skipped:?}"
    );

    proxy.clear();
    opts.policy = poc_tui::config::Policy::default();
    let _ = diagnose(&config, &opts).await;
    let writes = proxy.writes();
    assert!(
        writes
            .iter()
            .any(|r| r.contains("/exec") || r.contains("/containers/create")),
        "without --read-only the pass execs or starts a probe: {:?}",
        proxy.all()
    );
}
