//! SSO checks against contract fakes of Authentik and Coder: redirect URIs in both forms
//! (strict, regex, newline string), a wrong port, issuers with and without the trailing slash,
//! the oauth_state cookie trap, users who will fail SSO, a missing token; and `doctor` itself.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/diag_fake.rs"]
mod diag_fake;
#[path = "common/fake_http.rs"]
mod fake_http;

use assert_cmd::Command;
use diag_fake::{Fakes, ACCESS, NO_ENGINE};
use poc_tui::config::{load_from_texts, Config, EMBEDDED_DEFAULT};
use poc_tui::diagnose::{diagnose, Area, Diagnosis, Finding, Options, Severity};
use serde_json::{json, Value};

fn config(f: &Fakes, token: bool) -> Config {
    load_from_texts(EMBEDDED_DEFAULT, Some(("test", &f.config_toml(token)))).unwrap()
}

fn sso_only() -> Options {
    Options {
        docker_host: Some(NO_ENGINE.into()),
        areas: vec![Area::Sso],
        ..Options::default()
    }
}

async fn run(f: &Fakes, token: bool) -> Diagnosis {
    diagnose(&config(f, token), &sso_only()).await
}

fn find<'a>(d: &'a Diagnosis, check: &str, subject: &str) -> &'a Finding {
    d.report
        .findings
        .iter()
        .find(|f| f.check == check && f.subject.starts_with(subject))
        .unwrap_or_else(|| {
            panic!(
                "no {check} finding about {subject}: {:#?}",
                d.report.findings
            )
        })
}

#[tokio::test]
async fn a_consistent_setup_has_no_warn_or_fail() {
    let f = Fakes::healthy();
    let d = run(&f, true).await;
    let problems: Vec<&Finding> = d
        .report
        .findings
        .iter()
        .filter(|x| x.is_problem())
        .collect();
    assert!(problems.is_empty(), "false positives: {problems:#?}");
    for client in ["coder", "gitea", "minio"] {
        assert_eq!(
            find(&d, "redirect-uri", client).severity,
            Severity::Ok,
            "{client}"
        );
        assert_eq!(
            find(&d, "issuer-from-host", client).severity,
            Severity::Ok,
            "{client}"
        );
    }
    assert_eq!(
        find(&d, "redirect-uri", "platform-admin").severity,
        Severity::Ok
    );
    // Nothing reveals Platform Admin's issuer and [sso] does not set it: never judged on a guess.
    let x = find(&d, "issuer-from-host", "platform-admin");
    assert_eq!(x.severity, Severity::Skipped, "{x:#?}");
    assert!(
        x.summary
            .contains("not visible from outside; set it in [sso]"),
        "{x:#?}"
    );
    assert!(
        x.fix.contains("[sso.clients.platform-admin] issuer"),
        "{x:#?}"
    );
    assert!(find(&d, "redirect-uri", "gitea").summary.contains("regex"));
    assert!(find(&d, "redirect-uri", "minio")
        .evidence
        .contains("newline string form"));
    assert_eq!(
        find(&d, "authentik-ready", "Authentik").severity,
        Severity::Ok
    );
    assert_eq!(
        find(&d, "oauth-state-cookie", "Coder").severity,
        Severity::Ok
    );
    assert_eq!(find(&d, "sso-users", "users").severity, Severity::Ok);
    let view = d.clients.iter().find(|c| c.client == "coder").unwrap();
    assert_eq!(
        view.expected_callback,
        format!("{ACCESS}/api/v2/users/oidc/callback")
    );
    assert_eq!(view.provider.as_deref(), Some("coder-provider"));
}

#[tokio::test]
async fn a_redirect_uri_on_the_wrong_port_fails_and_names_the_port() {
    let f = Fakes::healthy();
    f.world().providers[0]["redirect_uris"] = json!([{"matching_mode": "strict", "url": "http://host.docker.internal:7081/api/v2/users/oidc/callback"}]);
    let d = run(&f, true).await;
    let x = find(&d, "redirect-uri", "coder");
    assert_eq!(x.severity, Severity::Fail, "{x:#?}");
    assert!(x.evidence.contains("port 7081 vs 7080"), "{x:#?}");
    assert!(
        x.fix
            .contains(&format!("{ACCESS}/api/v2/users/oidc/callback")),
        "{x:#?}"
    );
    // The callback comes from the live access URL (the deployment config), and says so.
    assert!(x.evidence.contains("deployment config"), "{x:#?}");
}

#[tokio::test]
async fn a_regex_that_does_not_match_the_callback_fails() {
    let f = Fakes::healthy();
    f.world().providers[1]["redirect_uris"] = json!([{"matching_mode": "regex", "url": "http://localhost:3000/user/oauth2/github/callback"}]);
    let d = run(&f, true).await;
    assert_eq!(find(&d, "redirect-uri", "gitea").severity, Severity::Fail);
}

#[tokio::test]
async fn issuer_differing_only_by_trailing_slash_fails_both_ways() {
    // The provider states the issuer without the slash; the client is configured with it.
    let f = Fakes::healthy();
    let bare = format!("{}/application/o/coder", f.authentik);
    f.world().issuers.insert("coder".into(), bare.clone());
    let d = run(&f, true).await;
    let x = find(&d, "issuer-from-host", "coder");
    assert_eq!(x.severity, Severity::Fail, "{x:#?}");
    assert!(x.summary.contains("trailing slash"), "{x:#?}");
    assert!(x.evidence.contains(&format!("{bare:?}")), "{x:#?}");

    // The client is configured without the slash; the provider states it with one.
    let f = Fakes::healthy();
    let bare = format!("{}/application/o/coder", f.authentik);
    f.world().deployment["config"]["oidc"]["issuer_url"] = json!(bare);
    let d = run(&f, true).await;
    let x = find(&d, "issuer-from-host", "coder");
    assert_eq!(x.severity, Severity::Fail, "{x:#?}");
    assert!(x.evidence.contains("CODER_OIDC_ISSUER_URL"), "{x:#?}");
    assert!(x.fix.contains(&format!("{bare}/")), "{x:#?}");
}

#[tokio::test]
async fn browsing_another_host_than_the_access_url_is_the_oauth_state_trap() {
    let f = Fakes::healthy();
    let mut text = f.config_toml(true);
    text = text.replace(
        &format!("browser_url = \"{ACCESS}\""),
        "browser_url = \"http://localhost:7080\"",
    );
    let config = load_from_texts(EMBEDDED_DEFAULT, Some(("test", &text))).unwrap();
    let options = sso_only();
    let d = diagnose(&config, &options).await;
    let x = find(&d, "oauth-state-cookie", "Coder");
    assert_eq!(x.severity, Severity::Fail, "{x:#?}");
    assert!(x.summary.contains("oauth_state"), "{x:#?}");
    assert!(x.fix.contains("CODER_REDIRECT_TO_ACCESS_URL"), "{x:#?}");
    // With Coder redirecting to its access URL first, the cookie comes back.
    f.world().deployment["config"]["redirect_to_access_url"] = json!(true);
    let d = diagnose(&config, &options).await;
    assert_eq!(
        find(&d, "oauth-state-cookie", "Coder").severity,
        Severity::Ok
    );
}

#[tokio::test]
async fn users_who_will_fail_sso_are_named() {
    let f = Fakes::healthy();
    {
        let mut w = f.world();
        w.ak_users.retain(|u| u["username"] != "contractor2");
        let c3 = w
            .coder_users
            .iter_mut()
            .find(|u| u["username"] == "contractor3")
            .unwrap();
        c3["login_type"] = json!("password");
    }
    let d = run(&f, true).await;
    let x = find(&d, "sso-users", "contractor2");
    assert_eq!(x.severity, Severity::Fail, "{x:#?}");
    assert!(x.summary.contains("no Authentik account"), "{x:#?}");
    let x = find(&d, "sso-users", "contractor3");
    assert_eq!(x.severity, Severity::Fail, "{x:#?}");
    assert!(x.summary.contains("login_type password"), "{x:#?}");
}

#[tokio::test]
async fn without_a_token_the_provider_checks_say_they_were_skipped() {
    let f = Fakes::healthy();
    let d = run(&f, false).await;
    let x = find(&d, "authentik-providers", "Authentik API");
    assert_eq!(x.severity, Severity::Skipped, "{x:#?}");
    assert!(x.fix.contains("AUTHENTIK_TOKEN"), "{x:#?}");
    assert!(
        d.report.findings.iter().all(|f| f.check != "redirect-uri"),
        "no silent pass"
    );
}

#[tokio::test]
async fn an_old_coder_with_url_objects_is_read() {
    let f = Fakes::healthy();
    f.world().deployment["config"]["access_url"] =
        json!({"Scheme": "http", "Host": "host.docker.internal:7080", "Path": ""});
    let d = run(&f, true).await;
    assert_eq!(find(&d, "redirect-uri", "coder").severity, Severity::Ok);
}

fn doctor(f: &Fakes, token: bool, args: &[&str]) -> (i32, Value, String) {
    doctor_with(&f.config_toml(token), args)
}

/// `doctor` with this config text; stdout parsed as JSON, and stdout + stderr as text.
fn doctor_with(config_text: &str, args: &[&str]) -> (i32, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, config_text).unwrap();
    let out = Command::cargo_bin("poc-tui")
        .unwrap()
        .env("XDG_DATA_HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .env("POC_TUI_PROBE_IMAGE", "poctui-test-diag-cli-probe")
        .env_remove("AUTHENTIK_TOKEN")
        .arg("--config")
        .arg(&path)
        .arg("--docker-host")
        .arg(NO_ENGINE)
        .arg("doctor")
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap_or(-1),
        json,
        stdout + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn doctor_json_schema_and_exit_codes() {
    let f = Fakes::healthy();
    let (code, json, text) = doctor(&f, true, &["--json", "--only", "sso"]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(json["doctor_version"], 1);
    assert_eq!(json["ok"], true);
    assert_eq!(json["counts"]["fail"], 0);
    assert!(json["engine"].is_string());
    assert!(json["finished_at"].as_u64().unwrap() > 0);
    let findings = json["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for key in [
        "area",
        "check",
        "severity",
        "subject",
        "summary",
        "evidence",
        "fix",
        "reference",
    ] {
        assert!(
            findings.iter().all(|x| x.get(key).is_some()),
            "field {key} missing"
        );
    }
    assert!(
        findings.iter().all(|x| x["area"] == "sso"),
        "--only sso ran networking too"
    );
    assert!(json["sso_clients"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["client"] == "coder"));
    assert_eq!(json["urls"], json!([]));
    assert!(
        !text.contains(diag_fake::TOKEN),
        "the token leaked into the output"
    );

    f.world().providers[0]["redirect_uris"] = json!([{"matching_mode": "strict", "url": "http://localhost:7080/api/v2/users/oidc/callback"}]);
    let (code, json, text) = doctor(&f, true, &["--json", "--only", "sso"]);
    assert_eq!(code, 1, "{text}");
    assert_eq!(json["ok"], false);
    assert!(json["counts"]["fail"].as_u64().unwrap() >= 1);
    assert_eq!(json["findings"][0]["severity"], "fail", "worst first");

    // Text: problems grouped by severity, with the fix.
    let (code, _, text) = doctor(&f, true, &["--only", "sso"]);
    assert_eq!(code, 1);
    assert!(text.contains("FAIL ("), "{text}");
    assert!(
        text.contains("fix:  In Authentik → Providers → coder-provider"),
        "{text}"
    );

    let (code, _, text) = doctor(&f, true, &["--only", "bogus"]);
    assert_eq!(code, 2, "{text}");
}

/// Coder runs with a localhost access URL; the config expects `ACCESS`.
fn localhost_access(f: &Fakes) {
    f.world().deployment["config"]["access_url"] = json!("http://localhost:7080");
}

#[tokio::test]
async fn a_localhost_access_url_is_one_root_with_its_consequences_folded() {
    let f = Fakes::healthy();
    localhost_access(&f);
    let d = run(&f, true).await;
    let root = find(&d, "access-url-not-localhost", "CODER_ACCESS_URL");
    assert_eq!(root.severity, Severity::Fail, "{root:#?}");
    assert_eq!(root.caused_by, None);
    // Every problem is the root or folded under it.
    let loose: Vec<&Finding> = d
        .report
        .findings
        .iter()
        .filter(|x| x.is_problem() && x.id != root.id && x.caused_by.as_deref() != Some(&root.id))
        .collect();
    assert!(loose.is_empty(), "problems beside the root: {loose:#?}");
    for (check, subject) in [("redirect-uri", "coder"), ("oauth-state-cookie", "Coder")] {
        let x = find(&d, check, subject);
        assert!(x.is_problem(), "{x:#?}");
        assert_eq!(x.caused_by.as_deref(), Some(root.id.as_str()), "{x:#?}");
    }
    // The registered URI already accepts the callback of the fixed access URL: nothing to add.
    let x = find(&d, "redirect-uri", "coder");
    assert!(x.fix.contains("Nothing to change in Authentik"), "{x:#?}");
    // No fix contradicts the root's: none registers or browses the localhost URL.
    for x in &d.report.findings {
        assert!(
            !x.fix.contains("http://localhost:7080"),
            "contradicting fix: {x:#?}"
        );
    }
    // The folded view: the root, then its consequences.
    let folded = d.report.folded(Some(Area::Sso));
    let at = folded.iter().position(|(x, _)| x.id == root.id).unwrap();
    assert!(!folded[at].1);
    assert!(folded[at + 1..]
        .iter()
        .take(2)
        .all(|(x, c)| *c && x.caused_by.as_deref() == Some(root.id.as_str())));
}

#[test]
fn doctor_carries_caused_by_and_indents_consequences() {
    let f = Fakes::healthy();
    localhost_access(&f);
    let (code, json, text) = doctor(&f, true, &["--json", "--only", "sso"]);
    assert_eq!(code, 1, "{text}");
    let findings = json["findings"].as_array().unwrap();
    let root = findings
        .iter()
        .find(|x| x["check"] == "access-url-not-localhost")
        .unwrap_or_else(|| panic!("the root is shown with --only sso: {text}"));
    assert_eq!(root["caused_by"], Value::Null);
    let id = root["id"].as_str().unwrap();
    let folded: Vec<&Value> = findings.iter().filter(|x| x["caused_by"] == id).collect();
    assert!(folded.len() >= 2, "{text}");
    assert!(findings
        .iter()
        .all(|x| x.get("id").is_some() && x.get("caused_by").is_some()));
    for x in findings {
        let fix = x["fix"].as_str().unwrap();
        assert!(
            !fix.contains("http://localhost:7080"),
            "contradicting fix: {x:#}"
        );
    }

    let (_, _, text) = doctor(&f, true, &["--only", "sso"]);
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("access-url-not-localhost"))
        .unwrap_or_else(|| panic!("{text}"));
    let under: Vec<&&str> = lines[at..]
        .iter()
        .filter(|l| l.starts_with("      ↳ "))
        .collect();
    assert!(
        under.iter().any(|l| l.contains("redirect-uri · coder")),
        "{text}"
    );
    assert!(
        under.iter().any(|l| l.contains("oauth-state-cookie")),
        "{text}"
    );
    // Consequences are not listed a second time on their own.
    assert_eq!(text.matches("redirect-uri · coder").count(), 1, "{text}");
    assert!(text.contains("folded under their root causes"), "{text}");
}

#[tokio::test]
async fn with_authentik_unreachable_its_dependants_say_so_and_advise_starting_it() {
    let f = Fakes::healthy();
    let mut text = f.config_toml(true);
    let dead = format!("http://127.0.0.1:{}", common::closed_port());
    text = text.replace(&f.authentik, &dead);
    let config = load_from_texts(EMBEDDED_DEFAULT, Some(("test", &text))).unwrap();
    let d = diagnose(&config, &sso_only()).await;
    let root = find(&d, "authentik-ready", "Authentik");
    assert_eq!(root.severity, Severity::Fail, "{root:#?}");
    assert!(
        root.fix.contains("docker compose up -d authentik-server"),
        "{root:#?}"
    );
    for (check, subject) in [
        ("authentik-providers", "Authentik API"),
        ("issuer-from-host", "coder"),
        ("issuer-from-container", "gitea"),
        ("sso-users", "users"),
    ] {
        let x = find(&d, check, subject);
        assert_eq!(x.severity, Severity::Skipped, "{x:#?}");
        assert_eq!(x.caused_by.as_deref(), Some(root.id.as_str()), "{x:#?}");
    }
    for x in &d.report.findings {
        assert!(
            !x.fix.to_lowercase().contains("token"),
            "a token fix for an unreachable Authentik: {x:#?}"
        );
    }
}

#[test]
fn a_slow_pass_shows_progress_on_stderr() {
    let f = Fakes::healthy();
    // Accepts connections (the kernel does) but never answers: each request waits its timeout.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    let text = f
        .config_toml(true)
        .replace(&f.authentik, &silent_url)
        .replacen("[stack]", "[probes]\ntimeout_ms = 1500\n\n[stack]", 1);
    let started = std::time::Instant::now();
    let (_, _, out) = doctor_with(&text, &["--only", "sso"]);
    assert!(
        started.elapsed().as_secs_f64() > 1.5,
        "the pass was not slow: {out}"
    );
    assert!(
        out.contains("poc-tui: doctor: "),
        "no progress on stderr: {out}"
    );
    assert!(out.contains(" s)"), "{out}");
    drop(silent);
}

#[tokio::test]
async fn coder_s_own_health_report_is_evidence_folded_under_our_root() {
    let f = Fakes::healthy();
    let options = Options {
        docker_host: Some(NO_ENGINE.into()),
        areas: vec![Area::Networking],
        ..Options::default()
    };
    let d = diagnose(&config(&f, true), &options).await;
    assert_eq!(find(&d, "coder-health", "Coder").severity, Severity::Ok);

    localhost_access(&f);
    {
        let mut w = f.world();
        w.health["access_url"]["severity"] = json!("error");
        w.health["access_url"]["warnings"] =
            json!([{"code": "EACS03", "message": "access URL not reachable"}]);
        w.health["database"]["severity"] = json!("warning");
        w.health["database"]["warnings"] =
            json!([{"code": "EDB02", "message": "database latency 40ms exceeds threshold"}]);
    }
    let d = diagnose(&config(&f, true), &options).await;
    let root = find(&d, "access-url-not-localhost", "CODER_ACCESS_URL");
    let access = find(&d, "coder-health", "Coder access_url");
    assert!(
        access.evidence.contains("/api/v2/debug/health"),
        "{access:#?}"
    );
    assert!(access.evidence.contains("EACS03"), "{access:#?}");
    // Ours already names it: folded, not a second root with a second fix.
    assert_eq!(
        access.caused_by.as_deref(),
        Some(root.id.as_str()),
        "{access:#?}"
    );
    let db = find(&d, "coder-health", "Coder database");
    assert_eq!(db.severity, Severity::Warn, "{db:#?}");
    assert!(db.evidence.contains("EDB02"), "{db:#?}");
    assert_eq!(db.caused_by, None);
}
