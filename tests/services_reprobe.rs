//! Docker news re-probes the services it concerns: a container that dies, starts, is
//! unpaused or changes health gets its service probed at once, not at the next interval.

#[path = "common/console.rs"]
mod console;

use std::sync::Arc;

use poc_tui::app::{update, Effect, Event, State};
use poc_tui::config::{load_from_texts, EMBEDDED_DEFAULT};
use poc_tui::docker::{ContainerState, DockerEvent, DockerHealth};

fn probes(effects: &[Effect]) -> Vec<Option<String>> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::ProbeNow(which) => Some(which.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_state_change_reprobes_its_services_and_nothing_else_does() {
    let config = load_from_texts(EMBEDDED_DEFAULT, None).expect("default config");
    let mut state = State::new(Arc::new(config), false);
    let gitea = console::container(
        "gitea",
        Some("gitea"),
        ContainerState::Running,
        DockerHealth::None,
    );
    let minio = console::container(
        "minio",
        Some("minio"),
        ContainerState::Running,
        DockerHealth::None,
    );
    let first = update(
        &mut state,
        Event::Docker(DockerEvent::Snapshot(vec![gitea.clone(), minio.clone()])),
    );
    assert!(probes(&first).is_empty(), "{first:?}");

    // The same state again (a stats-only change, a resync): no probe.
    let same = update(
        &mut state,
        Event::Docker(DockerEvent::Upsert(Box::new(gitea.clone()))),
    );
    assert!(probes(&same).is_empty(), "{same:?}");

    let mut killed = gitea.clone();
    killed.state = ContainerState::Exited;
    killed.exit_code = Some(137);
    let died = update(
        &mut state,
        Event::Docker(DockerEvent::Upsert(Box::new(killed))),
    );
    assert_eq!(probes(&died), vec![Some("gitea".to_owned())]);

    // One container serves both MinIO services: both are probed.
    let mut paused = minio.clone();
    paused.state = ContainerState::Paused;
    update(
        &mut state,
        Event::Docker(DockerEvent::Upsert(Box::new(paused))),
    );
    let unpaused = update(
        &mut state,
        Event::Docker(DockerEvent::Upsert(Box::new(minio))),
    );
    assert_eq!(
        probes(&unpaused),
        vec![
            Some("minio-console".to_owned()),
            Some("minio-api".to_owned())
        ]
    );

    let mut sick = gitea;
    sick.health = DockerHealth::Unhealthy;
    let health = update(
        &mut state,
        Event::Docker(DockerEvent::Upsert(Box::new(sick.clone()))),
    );
    assert_eq!(probes(&health), vec![Some("gitea".to_owned())]);
    let removed = update(
        &mut state,
        Event::Docker(DockerEvent::Removed { id: sick.id }),
    );
    assert_eq!(probes(&removed), vec![Some("gitea".to_owned())]);
}
