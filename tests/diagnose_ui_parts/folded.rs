//! The Networking and SSO tabs with root causes: a cause with its consequences folded under
//! it, the detail of a cause listing what it causes, and of a consequence naming its cause
//! with the cause's fix.

use super::*;

const ROOT: &str = "access-url-not-localhost:CODER_ACCESS_URL";
const KILLED: &str = "service-state:authentik-server";

/// Two roots (the access URL on localhost; Authentik killed), each with consequences in
/// both areas, and one finding that is nobody's consequence.
fn folded_findings() -> Vec<Finding> {
    vec![
        net("access-url-from-workspace", Severity::Fail, "alice-ws", "the workspace cannot reach Coder at the access URL; the agent will not connect")
            .evidence("GET http://localhost:7080/api/v2/buildinfo (probe container): can't connect to remote host (127.0.0.1:7080)")
            .fix(format!("Fix the cause first ({ROOT}); this follows from it."))
            .caused_by(ROOT),
        net("service-state", Severity::Fail, "authentik-server", "Authentik is killed (exit 137): everything that depends on it fails")
            .evidence("state exited; exit code 137; OOMKilled false; restarts 0")
            .fix("Start it again: `docker compose up -d authentik-server`; if it keeps being killed, check the host's memory."),
        net("access-url-not-localhost", Severity::Fail, "CODER_ACCESS_URL", "CODER_ACCESS_URL points at localhost: the agent cannot download or connect")
            .evidence("http://localhost:7080 (CODER_ACCESS_URL in the environment of coder-server)")
            .fix("Set CODER_ACCESS_URL: \"http://host.docker.internal:7080\" in docker-compose.yml, run `docker compose up -d coder`, then recreate the workspaces."),
        sso("redirect-uri", Severity::Fail, "coder", "the callback Coder sends now comes from its localhost access URL, and no entry accepts it")
            .fix("Nothing to change in Authentik: once CODER_ACCESS_URL is fixed, Coder sends http://host.docker.internal:7080/api/v2/users/oidc/callback, which `strict …` accepts.")
            .caused_by(ROOT),
        sso("oauth-state-cookie", Severity::Fail, "Coder browser URL", "browser host differs from the access URL host")
            .caused_by(ROOT),
        sso("issuer-from-host", Severity::Skipped, "gitea (host)", "discovery not fetched: the identity provider cannot answer")
            .caused_by(KILLED),
        sso("authentik-providers", Severity::Skipped, "Authentik API", "not checked: Authentik (authentik-server) is killed (exit 137)")
            .caused_by(KILLED),
        sso("signing-key", Severity::Warn, "minio", "the provider has no signing key"),
        net("on-stack-network", Severity::Ok, "coder-server", "on coder-network"),
    ]
}

fn folded_state(tab: Tab, width: u16, height: u16) -> State {
    let mut d = sample_diagnosis();
    d.report.findings = folded_findings();
    let mut state = fresh_state(width, height);
    update(&mut state, key(if tab == Tab::Sso { '4' } else { '3' }));
    update(
        &mut state,
        Event::Diagnose(DiagnoseEvent::Finished(Box::new(d))),
    );
    state
}

#[test]
fn consequences_follow_their_cause_in_both_tabs() {
    let state = folded_state(Tab::Networking, 160, 48);
    let ids: Vec<&str> = state
        .diagnose
        .findings(Area::Networking)
        .iter()
        .map(|f| f.id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            KILLED,
            ROOT,
            "access-url-from-workspace:alice-ws",
            "on-stack-network:coder-server"
        ]
    );
    // The SSO tab lists the networking root that causes its findings, then them.
    let sso: Vec<&str> = state
        .diagnose
        .findings(Area::Sso)
        .iter()
        .map(|f| f.id.as_str())
        .collect();
    assert_eq!(
        sso,
        [
            KILLED,
            "issuer-from-host:gitea (host)",
            "authentik-providers:Authentik API",
            ROOT,
            "redirect-uri:coder",
            "oauth-state-cookie:Coder browser URL",
            "signing-key:minio"
        ]
    );
}

#[test]
fn a_consequence_shows_its_cause_and_the_causes_fix() {
    let mut state = folded_state(Tab::Sso, 160, 48);
    // Three client rows, then KILLED, two of its consequences, ROOT, redirect-uri.
    press_down(&mut state, 7);
    let t = text(&draw(&state, 160, 48));
    assert!(
        t.contains("cause    CODER_ACCESS_URL: CODER_ACCESS_URL points at localhost"),
        "{t}"
    );
    assert!(t.contains("fix      Set CODER_ACCESS_URL"), "{t}");
    assert!(t.contains("then     Nothing to change in Authentik"), "{t}");
}

macro_rules! folded_snapshots {
    ($($name:ident: $tab:expr, $w:expr, $h:expr, $down:expr;)*) => {$(
        #[test]
        fn $name() {
            let mut state = folded_state($tab, $w, $h);
            press_down(&mut state, $down);
            insta::with_settings!({snapshot_path => "../snapshots"}, {
                insta::assert_snapshot!(draw(&state, $w, $h).backend());
            });
        }
    )*};
}

folded_snapshots! {
    networking_folded_root_causes_160x48: Tab::Networking, 160, 48, 4;
    networking_folded_root_causes_80x24: Tab::Networking, 80, 24, 5;
    sso_folded_root_causes_160x48: Tab::Sso, 160, 48, 7;
}
