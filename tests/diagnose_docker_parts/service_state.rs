//! Service state is the first root cause: a killed Authentik and a paused MinIO are findings
//! of their own with the container's facts, the SSO checks that need Authentik fold under it,
//! a service the config expects but that has no container is one WARN with its checks skipped,
//! and a workspace built with a localhost agent URL is not "fine" because the access URL
//! answers from inside it; its log's known issues are findings.

use super::*;

struct Names {
    tag: String,
    net: String,
    coder: String,
    authentik: String,
    minio: String,
    ws: String,
}

fn killed_and_paused(s: &mut Situation) -> Names {
    let tag = format!("k{}", std::process::id());
    let name = |what: &str| format!("poctui-test-diag-{tag}-{what}");
    let n = Names {
        net: name("net"),
        coder: name("coder"),
        authentik: name("authentik"),
        minio: name("minio"),
        ws: name("ws"),
        tag: tag.clone(),
    };
    s.network(&n.net);
    let access = format!("CODER_ACCESS_URL=http://{}:7080", n.coder);
    s.container(
        &n.coder,
        &[
            "--network",
            &n.net,
            "-e",
            &access,
            FULL_IMAGE,
            "sh",
            "-c",
            &coder_server(7080),
        ],
    );
    s.container(
        &n.authentik,
        &["--network", &n.net, FULL_IMAGE, "sleep", "3600"],
    );
    s.container(
        &n.minio,
        &[
            "--network",
            &n.net,
            FULL_IMAGE,
            "httpd",
            "-f",
            "-p",
            "9001",
            "-h",
            "/",
        ],
    );
    s.container(
        &n.ws,
        &[
            "--network",
            &n.net,
            "--label",
            "coder.owner=diag",
            "--label",
            "coder.workspace_name=stale",
            "--label",
            "coder.workspace_id=diag-ws-9",
            "-e",
            "CODER_AGENT_URL=http://localhost:7080/",
            "-e",
            "CODER_AGENT_DEVCONTAINERS_ENABLE=false",
            FULL_IMAGE,
            "sh",
            "-c",
            "echo 'curl: (7) Failed to connect to localhost port 7080: Connection refused'; \
         echo 'startup script: output pipes were not closed'; echo 'output pipes not closed'; \
         exec httpd -f -p 8080 -h /",
        ],
    );
    run("docker", &["kill", &n.authentik]);
    run("docker", &["pause", &n.minio]);
    n
}

fn state_config(n: &Names) -> poc_tui::config::Config {
    let (coder, authentik, minio) = (&n.coder, &n.authentik, &n.minio);
    let extra = format!(
        "[services.coder]\ncontainer = \"{coder}\"\ninternal_url = \"http://{coder}:7080\"\n\n\
         [services.authentik]\ncontainer = \"{authentik}\"\n\n\
         [services.minio-console]\ncontainer = \"{minio}\"\n\n\
         [sso.clients.gitea]\nissuer = \"http://{authentik}:9000/application/o/gitea/\"\n"
    );
    config(&n.tag, &n.net, &format!("http://{coder}:7080"), &extra)
}

#[tokio::test]
async fn killed_authentik_and_paused_minio_are_root_causes_with_their_dependants_folded() {
    if !engine_or_skip("killed_authentik_and_paused_minio_are_root_causes").await {
        return;
    }
    build_images();
    let mut s = Situation::default();
    let n = killed_and_paused(&mut s);
    let config = state_config(&n);
    let mut options = options(&mut s, &n.tag);
    options.areas = Vec::new();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let started = std::time::Instant::now();
    let d = diagnose(&config, &options).await;
    let took = started.elapsed();
    run("docker", &["unpause", &n.minio]);
    assert!(
        took.as_secs() < 30,
        "a paused service made the pass slow: {took:?}"
    );

    let killed = find(&d, "service-state", &n.authentik);
    assert_eq!(killed.severity, Severity::Fail, "{killed:#?}");
    assert!(killed.summary.contains("killed (exit 137)"), "{killed:#?}");
    assert!(
        killed.evidence.contains("exit code 137") && killed.evidence.contains("OOMKilled false"),
        "{killed:#?}"
    );
    assert!(
        killed.fix.contains("docker start") || killed.fix.contains("up -d"),
        "{killed:#?}"
    );
    let paused = find(&d, "service-state", &n.minio);
    assert_eq!(paused.severity, Severity::Fail, "{paused:#?}");
    assert!(
        paused.fix.contains(&format!("docker unpause {}", n.minio)),
        "{paused:#?}"
    );

    // Every check that needs Authentik folds under it: no issuer FAILs one by one (Coder and
    // MinIO are deployed; Gitea and Platform Admin are not, and fold under that instead).
    let deployed =
        |f: &&Finding| f.subject.starts_with("coder (") || f.subject.starts_with("minio (");
    let needs_authentik: Vec<&Finding> = d
        .report
        .findings
        .iter()
        .filter(|f| {
            f.check.starts_with("issuer-") && deployed(f)
                || ["authentik-ready", "authentik-providers", "sso-users"]
                    .contains(&f.check.as_str())
        })
        .collect();
    assert_eq!(needs_authentik.len(), 7, "{needs_authentik:#?}");
    for f in needs_authentik {
        assert_eq!(f.severity, Severity::Skipped, "{f:#?}");
        assert_eq!(f.caused_by.as_deref(), Some(killed.id.as_str()), "{f:#?}");
        assert!(!f.fix.to_lowercase().contains("token"), "{f:#?}");
    }

    // Platform Admin has no container: one WARN, and its checks skipped with that reason.
    let absent: Vec<&Finding> = d
        .report
        .findings
        .iter()
        .filter(|f| f.subject.starts_with("platform-admin") && f.is_problem())
        .collect();
    assert_eq!(absent.len(), 1, "{absent:#?}");
    assert_eq!(absent[0].check, "service-deployed");
    assert_eq!(absent[0].severity, Severity::Warn);
    let redirect = find(&d, "redirect-uri", "platform-admin");
    assert_eq!(redirect.severity, Severity::Skipped, "{redirect:#?}");
    assert_eq!(redirect.caused_by.as_deref(), Some(absent[0].id.as_str()));

    for f in d
        .report
        .findings
        .iter()
        .filter(|f| f.subject.starts_with("gitea ("))
    {
        assert_eq!(
            f.caused_by.as_deref(),
            Some("service-deployed:gitea"),
            "{f:#?}"
        );
    }
    stale_workspace_findings(&d, &n);
}

fn stale_workspace_findings(d: &Diagnosis, n: &Names) {
    let stale = find(d, "workspace-agent-url", &n.ws);
    assert_eq!(stale.severity, Severity::Fail, "{stale:#?}");
    assert!(
        stale
            .evidence
            .contains("CODER_AGENT_URL=http://localhost:7080/"),
        "{stale:#?}"
    );
    assert!(stale.fix.to_lowercase().contains("rebuild"), "{stale:#?}");
    // The access URL answers from inside, but the workspace is not called fine.
    let reach = find(d, "access-url-from-workspace", &n.ws);
    assert_eq!(
        reach.caused_by.as_deref(),
        Some(stale.id.as_str()),
        "{reach:#?}"
    );
    assert!(
        reach.summary.contains("not fixed until it is rebuilt"),
        "{reach:#?}"
    );

    let logged: Vec<&Finding> = d
        .report
        .findings
        .iter()
        .filter(|f| f.check == "log-known-issue" && f.subject == n.ws)
        .collect();
    let pipes = logged
        .iter()
        .find(|f| f.evidence.contains("output-pipes-not-closed"))
        .unwrap_or_else(|| panic!("{logged:#?}"));
    assert!(pipes.summary.contains("seen 2 times"), "{pipes:#?}");
    assert!(pipes.evidence.contains("first seen 20"), "{pipes:#?}");
    assert!(pipes.fix.contains("code-server"), "{pipes:#?}");
    let agent = logged
        .iter()
        .find(|f| f.evidence.contains("agent-access-url-localhost"))
        .unwrap_or_else(|| panic!("{logged:#?}"));
    assert_eq!(
        agent.caused_by.as_deref(),
        Some(stale.id.as_str()),
        "{agent:#?}"
    );
}
