//! Quitting in the middle of a diagnosis pass must not leave probe containers behind: the
//! worker's cleanup removes this process's probes, and only those.

#[path = "common/docker_support.rs"]
mod docker_support;

use std::time::Duration;

use docker_support::{build_image, engine_or_skip, run, ContainerGuard};
use poc_tui::diagnose::worker::remove_own_probes;
use poc_tui::diagnose::ProbeSettings;

const PREFIX: &str = "poctui-test-probe";

fn create(name: &str, labelled: bool) -> ContainerGuard {
    let guard = ContainerGuard(name.to_owned());
    let mut args = vec!["create", "--name", name];
    if labelled {
        args.extend(["--label", "poc-tui.probe=true"]);
    }
    args.push("poctui-test-busybox");
    run("docker", &args);
    guard
}

fn exists(name: &str) -> bool {
    let out = run(
        "docker",
        &[
            "ps",
            "-a",
            "--filter",
            &format!("name=^/{name}$"),
            "--format",
            "{{.Names}}",
        ],
    );
    out.lines().any(|l| l.trim() == name)
}

#[tokio::test]
async fn only_this_processs_probe_containers_are_removed() {
    if !engine_or_skip("only_this_processs_probe_containers_are_removed").await {
        return;
    }
    build_image();
    let pid = std::process::id();
    let ours = format!("{PREFIX}-{pid}-0");
    let ours_too = format!("{PREFIX}-{pid}-17");
    // Another process's probe (pid 1 is never a test), and an unlabelled look-alike.
    let theirs = format!("{PREFIX}-1-0");
    let unlabelled = format!("{PREFIX}-{pid}-99");
    let _guards = [
        create(&ours, true),
        create(&ours_too, true),
        create(&theirs, true),
        create(&unlabelled, false),
    ];
    let settings = ProbeSettings {
        container_prefix: PREFIX.to_owned(),
        ..ProbeSettings::default()
    };
    remove_own_probes(None, &settings, Duration::from_secs(10)).await;
    assert!(!exists(&ours), "{ours} is still there");
    assert!(!exists(&ours_too), "{ours_too} is still there");
    assert!(exists(&theirs), "another process's probe was removed");
    assert!(exists(&unlabelled), "an unlabelled container was removed");
}
