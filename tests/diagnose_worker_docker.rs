//! Quitting in the middle of a diagnosis pass must not leave probe containers behind: the
//! worker's cleanup removes this process's probes, and only those.

#[path = "common/docker_support.rs"]
mod docker_support;

use std::time::Duration;

use docker_support::{build_image, engine_or_skip, exists, labelled_container, ContainerGuard};
use poc_tui::diagnose::probe_owner::{started_stamp, Owner};
use poc_tui::diagnose::worker::remove_own_probes;

const PREFIX: &str = "poctui-test-probe";

/// A container labelled as `owner`'s probe (or, without an owner, not labelled at all).
fn create(name: &str, owner: Option<&Owner>) -> ContainerGuard {
    labelled_container(name, &owner.map(Owner::labels).unwrap_or_default())
}

#[tokio::test]
async fn only_this_processs_probe_containers_are_removed() {
    if !engine_or_skip("only_this_processs_probe_containers_are_removed").await {
        return;
    }
    build_image();
    let pid = std::process::id();
    let me = Owner::current();
    // Another live process's probe, and an unlabelled look-alike.
    let mut other = std::process::Command::new("sleep")
        .arg("60")
        .spawn()
        .expect("sleep");
    let them = Owner {
        pid: other.id(),
        started: started_stamp(other.id()).expect("a running process"),
        ..me.clone()
    };
    let ours = format!("{PREFIX}-{pid}-0");
    let ours_too = format!("{PREFIX}-{pid}-17");
    let theirs = format!("{PREFIX}-{}-0", other.id());
    let unlabelled = format!("{PREFIX}-{pid}-99");
    let _guards = [
        create(&ours, Some(&me)),
        create(&ours_too, Some(&me)),
        create(&theirs, Some(&them)),
        create(&unlabelled, None),
    ];
    remove_own_probes(None, Duration::from_secs(10)).await;
    assert!(!exists(&ours), "{ours} is still there");
    assert!(!exists(&ours_too), "{ours_too} is still there");
    assert!(exists(&theirs), "another process's probe was removed");
    assert!(exists(&unlabelled), "an unlabelled container was removed");
    let _ = other.kill();
    let _ = other.wait();
}
