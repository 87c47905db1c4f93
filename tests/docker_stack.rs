//! Against the real engine, with the stand-in stack: discovery, events, health,
//! statistics and the ps report.
#![allow(clippy::unwrap_used)]

#[path = "common/docker_support.rs"]
mod docker_support;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use docker_support::{engine_or_skip, run, wait_for, ContainerGuard, StackGuard};
use poc_tui::docker::{
    classify, ps_report, spawn, ContainerInfo, ContainerState, DockerEvent, DockerHealth,
    DockerRequest, ServiceMatcher, WorkerOptions,
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const PROJECT: &str = "poctui-test";

/// (service key, compose service, container name) as listed in tests/stack/README.md.
/// `devdb` is left out on purpose: it must show up as unconfigured.
const SERVICES: [(&str, &str, &str); 10] = [
    ("coder", "coder", "poctui-test-coder"),
    ("coder-db", "postgres", "poctui-test-postgres"),
    (
        "authentik-worker",
        "authentik-worker",
        "poctui-test-authentik-worker",
    ),
    ("authentik-db", "authentik-db", "poctui-test-authentik-db"),
    (
        "authentik-redis",
        "authentik-redis",
        "poctui-test-authentik-redis",
    ),
    ("gitea", "gitea", "poctui-test-gitea"),
    (
        "authentik",
        "authentik-server",
        "poctui-test-authentik-server",
    ),
    ("minio", "minio", "poctui-test-minio"),
    ("ai-gateway", "ai-gateway", "poctui-test-ai-gateway"),
    ("mailpit", "mailpit", "poctui-test-mailpit"),
];

fn matchers() -> Vec<ServiceMatcher> {
    let mut list: Vec<ServiceMatcher> = SERVICES
        .iter()
        .map(|(key, service, _)| ServiceMatcher {
            key: (*key).to_string(),
            compose_project: Some(PROJECT.to_string()),
            compose_service: Some((*service).to_string()),
            container_name: None,
        })
        .collect();
    // One service matched by container name only, like a hand-started container.
    list.push(ServiceMatcher {
        key: "alice-by-name".to_string(),
        container_name: Some("poctui-test-coder-alice-dev".to_string()),
        ..ServiceMatcher::default()
    });
    list
}

fn test_options() -> WorkerOptions {
    WorkerOptions {
        stats_warmup: Duration::from_secs(1),
        focus_stats_interval: Duration::from_secs(1),
        ..WorkerOptions::default()
    }
}

type Events = mpsc::Receiver<DockerEvent>;

/// The containers of a snapshot by name.
fn by_name(snapshot: &[ContainerInfo]) -> HashMap<&str, &ContainerInfo> {
    snapshot.iter().map(|c| (c.name.as_str(), c)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stand_in_stack_end_to_end() {
    if !engine_or_skip("stand_in_stack_end_to_end").await {
        return;
    }
    let _stack = StackGuard::up();
    let (tx, mut rx) = mpsc::channel(1024);
    let cancel = CancellationToken::new();
    let commands = spawn(test_options(), tx, cancel.clone());
    let _stop_worker = cancel.clone().drop_guard();

    let (engine, _) = wait_for(&mut rx, Duration::from_secs(10), "Connected", |e| match e {
        DockerEvent::Connected(info) => Some(info.clone()),
        _ => None,
    })
    .await;
    assert!(engine.api_version.starts_with("1."), "{engine:?}");
    let (snapshot, took) = wait_for(&mut rx, Duration::from_secs(10), "Snapshot", |e| match e {
        DockerEvent::Snapshot(list) => Some(list.clone()),
        _ => None,
    })
    .await;
    eprintln!("snapshot of {} containers after {took:?}", snapshot.len());
    rows_come_from_the_list(&snapshot);
    let snapshot = details_follow(&mut rx, snapshot).await;

    let ours = discovery_sorts_every_container(&snapshot);
    model_details_come_from_the_engine(&snapshot);
    healthcheck_turns_healthy(&mut rx, &snapshot).await;
    let gitea_id = by_name(&snapshot)["poctui-test-gitea"].id.clone();
    every_running_container_gets_statistics(&mut rx, &commands, &ours, &gitea_id).await;
    stop_and_start_arrive_as_events(&mut rx, &gitea_id).await;
    create_and_remove_arrive_as_events(&mut rx).await;
    ps_report_reads_the_same_state(&engine.api_version).await;
}

/// The snapshot comes from the list call alone: a row's state, ports, labels and mounts are
/// there, the environment is not (inspect brings it).
fn rows_come_from_the_list(snapshot: &[ContainerInfo]) {
    let by_name = by_name(snapshot);
    let gitea = by_name["poctui-test-gitea"];
    assert_eq!(gitea.state, ContainerState::Running);
    assert_eq!(gitea.ports[0].to_string(), "127.0.0.1:13000->3000/tcp");
    assert_eq!(gitea.compose.as_ref().unwrap().project, PROJECT);
    assert!(gitea.env.is_empty(), "the list carries no environment");
}

/// Every stand-in container of the snapshot is inspected soon after it; returns the
/// snapshot with those answers in place.
async fn details_follow(rx: &mut Events, snapshot: Vec<ContainerInfo>) -> Vec<ContainerInfo> {
    let mut waiting: HashSet<String> = snapshot
        .iter()
        .filter(|c| c.name.starts_with("poctui-test-"))
        .map(|c| c.id.clone())
        .collect();
    let mut all: HashMap<String, ContainerInfo> =
        snapshot.into_iter().map(|c| (c.id.clone(), c)).collect();
    while !waiting.is_empty() {
        let (info, _) = wait_for(
            rx,
            Duration::from_secs(10),
            "inspect answers",
            |e| match e {
                DockerEvent::Upsert(info) => Some(info.clone()),
                _ => None,
            },
        )
        .await;
        waiting.remove(&info.id);
        all.insert(info.id.clone(), *info);
    }
    let mut list: Vec<ContainerInfo> = all.into_values().collect();
    list.sort_by(|a, b| a.name.cmp(&b.name));
    list
}

/// Discovery: every stand-in container lands where it belongs. Returns the stand-in's own.
fn discovery_sorts_every_container(snapshot: &[ContainerInfo]) -> Vec<ContainerInfo> {
    let by_name = by_name(snapshot);
    // Other tests may run their own containers on the same engine at the same time: judge
    // only the stand-in's.
    let ours: Vec<ContainerInfo> = snapshot
        .iter()
        .filter(|c| {
            c.compose.as_ref().is_some_and(|l| l.project == PROJECT)
                || c.name.starts_with("poctui-test-coder-")
        })
        .cloned()
        .collect();
    let classified = classify(&matchers(), &ours);
    for (key, _, name) in SERVICES {
        let ids = &classified
            .services
            .iter()
            .find(|s| s.key == key)
            .unwrap()
            .container_ids;
        assert_eq!(ids.len(), 1, "{key}: {ids:?}");
        assert_eq!(ids[0], by_name[name].id, "{key}");
    }
    let alice = by_name["poctui-test-coder-alice-dev"];
    assert_eq!(classified.service_of(&alice.id), Some("alice-by-name"));
    let devdb = by_name["poctui-test-devdb"];
    assert_eq!(classified.unconfigured, vec![devdb.id.clone()]);
    let bob = by_name["poctui-test-coder-bob-api"];
    assert_eq!(classified.workspaces, vec![bob.id.clone()]);
    let ws = bob.workspace.as_ref().unwrap();
    assert_eq!(
        (ws.owner.as_str(), ws.workspace_name.as_str()),
        ("bob", "api")
    );
    assert_eq!(
        ws.workspace_id.as_deref(),
        Some("0f5c3a52-0000-4000-8000-0000000000a2")
    );
    let alice_ws = alice.workspace.as_ref().unwrap();
    assert_eq!(alice_ws.owner, "alice");
    assert!(bob.compose.is_none());
    for id in &classified.other {
        let other = snapshot.iter().find(|c| &c.id == id).unwrap();
        assert!(
            !other.name.starts_with("poctui-test-"),
            "{} is not other",
            other.name
        );
    }
    ours
}

/// Model details from the real engine.
fn model_details_come_from_the_engine(snapshot: &[ContainerInfo]) {
    let by_name = by_name(snapshot);
    let gitea = by_name["poctui-test-gitea"];
    assert_eq!(gitea.state, ContainerState::Running);
    assert_eq!(gitea.ports.len(), 1);
    assert_eq!(gitea.ports[0].to_string(), "127.0.0.1:13000->3000/tcp");
    assert!(gitea
        .networks
        .iter()
        .any(|n| n.name == "poctui-test-coder-network"
            && !n.ip.is_empty()
            && n.aliases.iter().any(|a| a == "gitea")));
    assert_eq!(gitea.compose.as_ref().unwrap().project, PROJECT);
    assert!(gitea
        .env
        .iter()
        .any(|(k, v)| k == "GITEA__database__PASSWD" && v == "stand-in"));
    let devdb = by_name["poctui-test-devdb"];
    let minio = by_name["poctui-test-minio"];
    assert_eq!(minio.ports.len(), 2);
    assert!(devdb.mounts.iter().any(|m| m.kind == "volume"
        && m.source == "poctui-test-devdb-data"
        && m.destination == "/var/lib/postgresql/data"));
}

/// Health: the stand-in with a HEALTHCHECK becomes healthy (maybe already is).
async fn healthcheck_turns_healthy(rx: &mut Events, snapshot: &[ContainerInfo]) {
    let by_name = by_name(snapshot);
    let gateway_id = by_name["poctui-test-ai-gateway"].id.clone();
    if by_name["poctui-test-ai-gateway"].health != DockerHealth::Healthy {
        wait_for(
            rx,
            Duration::from_secs(20),
            "ai-gateway healthy",
            |e| match e {
                DockerEvent::Upsert(c)
                    if c.id == gateway_id && c.health == DockerHealth::Healthy =>
                {
                    Some(())
                }
                _ => None,
            },
        )
        .await;
    }
    assert_eq!(
        by_name["poctui-test-gitea"].health,
        DockerHealth::None,
        "no healthcheck, no health"
    );
}

/// Statistics: every running container of the stand-in gets a sample; the focused one a
/// CPU %. (Other tests' containers on the engine stretch the schedule; they are not judged.)
async fn every_running_container_gets_statistics(
    rx: &mut Events,
    commands: &mpsc::Sender<DockerRequest>,
    ours: &[ContainerInfo],
    focus_id: &str,
) {
    let running: HashSet<String> = ours
        .iter()
        .filter(|c| c.state == ContainerState::Running)
        .map(|c| c.id.clone())
        .collect();
    let mut sampled = HashSet::new();
    commands
        .send(DockerRequest::Focus(Some(focus_id.to_owned())))
        .await
        .unwrap();
    let mut focused_cpu = None;
    wait_for(
        rx,
        Duration::from_secs(20),
        "stats for every running container",
        |e| {
            if let DockerEvent::Stats { id, stats } = e {
                assert!(stats.mem_used > 0, "{id}: {stats:?}");
                assert!(stats.mem_limit >= stats.mem_used, "{id}: {stats:?}");
                sampled.insert(id.clone());
                if id == focus_id && stats.cpu_percent.is_some() {
                    focused_cpu = stats.cpu_percent;
                }
            }
            (running.is_subset(&sampled) && focused_cpu.is_some()).then_some(())
        },
    )
    .await;
    let cpu = focused_cpu.unwrap();
    assert!((0.0..=100.0 * 64.0).contains(&cpu), "{cpu}");
}

/// Events: stop and start one container; the row changes through the event stream.
async fn stop_and_start_arrive_as_events(rx: &mut Events, focus_id: &str) {
    run("docker", &["stop", "-t", "2", "poctui-test-gitea"]);
    let ((), took) = wait_for(rx, Duration::from_secs(5), "gitea exited", |e| match e {
        DockerEvent::Upsert(c) if c.id == focus_id && c.state == ContainerState::Exited => Some(()),
        _ => None,
    })
    .await;
    eprintln!("stop seen {took:?} after `docker stop` returned");
    assert!(took < Duration::from_secs(2), "{took:?}");
    run("docker", &["start", "poctui-test-gitea"]);
    wait_for(rx, Duration::from_secs(5), "gitea running", |e| match e {
        DockerEvent::Upsert(c) if c.id == focus_id && c.state == ContainerState::Running => {
            Some(())
        }
        _ => None,
    })
    .await;
}

/// A container created and destroyed: Upsert, then Removed.
async fn create_and_remove_arrive_as_events(rx: &mut Events) {
    let name = "poctui-test-ephemeral";
    let guard = ContainerGuard(name.to_string());
    run_quietly_rm(name);
    let id = run(
        "docker",
        &["run", "-d", "--name", name, "poctui-test-busybox", "8081"],
    )
    .trim()
    .to_string();
    wait_for(
        rx,
        Duration::from_secs(5),
        "ephemeral upsert",
        |e| match e {
            DockerEvent::Upsert(c) if c.id == id && c.state == ContainerState::Running => Some(()),
            _ => None,
        },
    )
    .await;
    run("docker", &["rm", "-f", name]);
    wait_for(
        rx,
        Duration::from_secs(5),
        "ephemeral removed",
        |e| match e {
            DockerEvent::Removed { id: gone } if *gone == id => Some(()),
            _ => None,
        },
    )
    .await;
    drop(guard);
}

/// The ps report reads the same state through the same discovery.
async fn ps_report_reads_the_same_state(api_version: &str) {
    let report = ps_report(
        &WorkerOptions::default(),
        &matchers(),
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert_eq!(report.engine.api_version, api_version);
    for (key, _, name) in SERVICES {
        let row = report.services.iter().find(|s| s.key == key).unwrap();
        assert_eq!(row.containers.len(), 1, "{key}");
        assert_eq!(row.containers[0].name, name);
        assert_eq!(row.containers[0].state, ContainerState::Running, "{key}");
    }
    assert_eq!(report.unconfigured.len(), 1);
    assert_eq!(report.unconfigured[0].name, "poctui-test-devdb");
    let stand_in_workspaces: Vec<_> = report
        .workspaces
        .iter()
        .filter(|w| w.container.name.starts_with("poctui-test-coder-"))
        .collect();
    assert_eq!(stand_in_workspaces.len(), 1);
    assert_eq!(stand_in_workspaces[0].owner, "bob");
    let gateway = report
        .services
        .iter()
        .find(|s| s.key == "ai-gateway")
        .unwrap();
    assert_eq!(gateway.containers[0].health, DockerHealth::Healthy);
    let json = serde_json::to_value(&report).unwrap();
    let gitea = json["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "gitea")
        .unwrap();
    assert_eq!(gitea["containers"][0]["ports"][0]["host_port"], 13000);
}

fn run_quietly_rm(name: &str) {
    docker_support::run_quietly("docker", &["rm", "-f", name]);
}
