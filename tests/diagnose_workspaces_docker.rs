//! Only this Coder's workspaces are diagnosed: beside a workspace container the configured
//! Coder knows, another Coder's labelled container on the same engine is left out, and with
//! Coder unreadable every labelled container is still looked at.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/diag_docker.rs"]
mod diag_docker;
#[path = "common/diag_fake.rs"]
mod diag_fake;
#[path = "common/docker_support.rs"]
mod docker_support;
#[path = "common/fake_http.rs"]
mod fake_http;

use diag_docker::{build_images, Situation, FULL_IMAGE};
use diag_fake::Fakes;
use docker_support::engine_or_skip;
use poc_tui::config::{load_from_texts, EMBEDDED_DEFAULT};
use poc_tui::diagnose::{diagnose, Area, Diagnosis, Options};
use serde_json::json;

fn workspace(s: &mut Situation, name: &str, net: &str, owner: &str, id: &str) {
    s.container(
        name,
        &[
            "--network",
            net,
            "--label",
            &format!("coder.owner={owner}"),
            "--label",
            "coder.workspace_name=dev",
            "--label",
            &format!("coder.workspace_id={id}"),
            FULL_IMAGE,
            "sleep",
            "600",
        ],
    );
}

fn mentions(d: &Diagnosis, name: &str) -> bool {
    d.report
        .findings
        .iter()
        .any(|f| f.subject.contains(name) || f.evidence.contains(name))
}

#[tokio::test(flavor = "multi_thread")]
async fn another_coders_workspace_container_is_not_diagnosed() {
    if !engine_or_skip("another_coders_workspace_container_is_not_diagnosed").await {
        return;
    }
    build_images();
    let tag = format!("wsj{}", std::process::id());
    let mut s = Situation::default();
    let net = format!("poctui-test-diag-{tag}-net");
    s.network(&net);
    let ours = format!("poctui-test-diag-{tag}-ours");
    let theirs = format!("poctui-test-diag-{tag}-theirs");
    workspace(&mut s, &ours, &net, "alice", "ws-ours-1");
    workspace(&mut s, &theirs, &net, "mallory", "ws-theirs-9");

    let f = Fakes::healthy();
    f.world().coder_user("alice", "oidc", false);
    f.world().coder_workspaces.push(json!({
        "id": "ws-ours-1", "name": "dev", "owner_id": "id-alice", "owner_name": "alice",
        "template_name": "docker", "latest_build": {"transition": "start", "status": "running"},
    }));
    let text = format!(
        "{}\n[diagnose]\nstarting_grace_secs = 0\n",
        f.config_toml(true)
    );
    let config = load_from_texts(EMBEDDED_DEFAULT, Some(("test", &text))).unwrap();
    let options = Options {
        areas: vec![Area::Networking],
        ..Options::default()
    };
    let d = diagnose(&config, &options).await;
    assert!(mentions(&d, &ours), "{:#?}", d.report.findings);
    assert!(!mentions(&d, &theirs), "{:#?}", d.report.findings);

    // Coder unreadable: no verdict on whose it is, so both are looked at.
    f.world().coder_workspaces.clear();
    let unreadable = text.replace(&f.coder, "http://127.0.0.1:1");
    let config = load_from_texts(EMBEDDED_DEFAULT, Some(("test", &unreadable))).unwrap();
    let d = diagnose(&config, &options).await;
    assert!(
        mentions(&d, &ours) && mentions(&d, &theirs),
        "{:#?}",
        d.report.findings
    );
}
