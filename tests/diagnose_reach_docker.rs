//! One meaning of "reached", against real containers: a server that answers 403 or 404 from
//! inside the network is reached, in the console's Networking table and in `doctor --json`;
//! a refused port is not. And a container that has just started is "starting": a check that
//! fails against it is made again once its grace has passed, and fails only then.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/diag_docker.rs"]
mod diag_docker;
#[path = "common/docker_support.rs"]
mod docker_support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use diag_docker::{
    build_images, coder_server, forbidding_server, isolated_config_text, Situation, FULL_IMAGE,
    PROBE_IMAGE,
};
use docker_support::engine_or_skip;
use poc_tui::app::{update, State, Tab};
use poc_tui::config::{load_from_texts, Config, EMBEDDED_DEFAULT};
use poc_tui::diagnose::context::STARTING_PHASE;
use poc_tui::diagnose::worker::DiagnoseEvent;
use poc_tui::diagnose::{
    diagnose, Area, Diagnosis, InsideProbeSettings, Options, Progress, Reach, Severity, UrlRow,
};
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;

fn load(text: &str) -> Config {
    load_from_texts(EMBEDDED_DEFAULT, Some(("test config", text)))
        .unwrap_or_else(|e| panic!("config: {e}\n{text}"))
}

/// Networking only, with this test's own probe image (removed with the situation).
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

fn row<'a>(urls: &'a [UrlRow], service: &str) -> &'a UrlRow {
    urls.iter()
        .find(|r| r.service == service)
        .unwrap_or_else(|| panic!("no {service} row: {urls:#?}"))
}

/// Names of one situation.
struct Answers {
    tag: String,
    ws: String,
    config_text: String,
    gitea: String,
    mailpit: String,
}

/// Coder (buildinfo), a workspace, a Gitea whose internal URL is a missing path (404), a
/// Mailpit whose server refuses every request (403), and an AI gateway URL on a port nothing
/// listens on (refused). No grace: this is about what "reached" means.
fn answering_situation(s: &mut Situation) -> Answers {
    let tag = format!("r{}", std::process::id());
    let name = |what: &str| format!("poctui-test-diag-{tag}-{what}");
    let net = name("net");
    let (coder, ws, gitea, mailpit) = (name("coder"), name("ws"), name("gitea"), name("mailpit"));
    s.network(&net);
    let access = format!("http://{coder}:7080");
    let gateway_host = "host.docker.internal:host-gateway";
    s.container(
        &coder,
        &[
            "--network",
            &net,
            "--add-host",
            gateway_host,
            "-e",
            &format!("CODER_ACCESS_URL={access}"),
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
            "--add-host",
            gateway_host,
            "--label",
            "coder.owner=diag",
            "--label",
            "coder.workspace_name=reach",
            "--label",
            "coder.workspace_id=diag-reach-1",
            FULL_IMAGE,
            "sh",
            "-c",
            "exec httpd -f -p 8080 -h /",
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
            "mkdir -p /www && exec httpd -f -p 3000 -h /www",
        ],
    );
    s.container(
        &mailpit,
        &[
            "--network",
            &net,
            FULL_IMAGE,
            "sh",
            "-c",
            &forbidding_server(8025),
        ],
    );
    let closed = common::closed_port();
    let outside = format!(
        "host_url = \"http://127.0.0.1:{closed}/\"\nbrowser_url = \"http://127.0.0.1:{closed}/\"\n"
    );
    let extra = format!(
        "[diagnose]\nstarting_grace_secs = 0\n\n\
         [services.coder]\ncontainer = \"{coder}\"\ninternal_url = \"http://{coder}:7080\"\n{outside}\n\
         [services.gitea]\ncontainer = \"{gitea}\"\ninternal_url = \"http://{gitea}:3000/missing\"\n{outside}\n\
         [services.mailpit]\ncontainer = \"{mailpit}\"\ninternal_url = \"http://{mailpit}:8025/\"\n{outside}\n\
         [services.ai-gateway]\ncontainer = \"{gitea}\"\ninternal_url = \"http://{gitea}:3999/\"\n{outside}"
    );
    Answers {
        config_text: isolated_config_text(&tag, &net, &access, closed, &extra),
        tag,
        ws,
        gitea,
        mailpit,
    }
}

/// The 404 and the 403 are reached and say what the status means; the refused port is not.
fn assert_reach(urls: &[UrlRow]) {
    let gitea = row(urls, "gitea");
    assert_eq!(gitea.inside.reach, Reach::Reached, "{gitea:#?}");
    assert!(
        gitea
            .inside
            .note
            .contains("HTTP 404: reached; the server has nothing at this path"),
        "{gitea:#?}"
    );
    let mailpit = row(urls, "mailpit");
    assert_eq!(mailpit.inside.reach, Reach::Reached, "{mailpit:#?}");
    assert!(
        mailpit
            .inside
            .note
            .contains("HTTP 403: reached; the server refuses this path without credentials"),
        "{mailpit:#?}"
    );
    let refused = row(urls, "ai-gateway");
    assert_eq!(refused.inside.reach, Reach::Failed, "{refused:#?}");
}

fn text(terminal: &Terminal<TestBackend>) -> String {
    let buffer = terminal.backend().buffer();
    let area = buffer.area;
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Foreground colour of the first cell of the line holding both `a` and `b`, at `a`.
fn colour_at(terminal: &Terminal<TestBackend>, row_text: &str, needle: &str) -> Option<Color> {
    let buffer = terminal.backend().buffer();
    let area = buffer.area;
    for y in 0..area.height {
        let cells: Vec<_> = (0..area.width).map(|x| &buffer[(x, y)]).collect();
        let line: String = cells.iter().map(|c| c.symbol()).collect();
        if line.contains(row_text) {
            let pos = line.find(needle)?;
            return Some(cells[line[..pos].chars().count()].fg);
        }
    }
    None
}

/// The console's Networking tab with this pass: the 403 and 404 rows are ✓ and green, and
/// the selected row's detail says what the status means.
fn assert_console(config: Config, d: Diagnosis) {
    let (width, height) = (160, 48);
    let mut state = State::new(Arc::new(config), false);
    state.set_initial_size(width, height);
    let tab_key = char::from(
        b'0' + u8::try_from(poc_tui::app::screens::number(Tab::Networking).unwrap()).unwrap(),
    );
    let key = |c: char| {
        poc_tui::tui::translate(&crossterm::event::Event::Key(
            crossterm::event::KeyEvent::new(
                crossterm::event::KeyCode::Char(c),
                crossterm::event::KeyModifiers::NONE,
            ),
        ))
        .unwrap()
    };
    update(&mut state, key(tab_key));
    let urls = d.urls.clone();
    update(
        &mut state,
        poc_tui::app::Event::Diagnose(DiagnoseEvent::Finished(Box::new(d))),
    );
    assert_reach(&state.diagnose.last.as_ref().unwrap().urls);
    for (service, meaning) in [
        ("gitea", "HTTP 404: reached"),
        ("mailpit", "HTTP 403: reached"),
    ] {
        let at = urls.iter().position(|r| r.service == service).unwrap();
        let shown = urls[at].display.as_str();
        while state.selected_row(Tab::Networking) < at {
            update(&mut state, key('j'));
        }
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal
            .draw(|f| poc_tui::ui::render(f, &state, SystemTime::now()))
            .unwrap();
        let screen = text(&terminal);
        let line = screen
            .lines()
            .find(|l| l.contains(shown) && l.contains("http://poctui-test-diag"))
            .unwrap_or_else(|| panic!("no {shown} row:\n{screen}"));
        assert!(
            line.contains("✓ http://poctui-test-diag"),
            "{shown} is not ✓ inside:\n{screen}"
        );
        assert_eq!(
            colour_at(&terminal, shown, "✓ http://poctui-test-diag"),
            Some(Color::Green),
            "{shown}:\n{screen}"
        );
        assert!(
            screen.contains(meaning),
            "the detail of {shown} does not say {meaning}:\n{screen}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_403_and_404_from_inside_are_reached_in_the_console_and_in_doctor() {
    if !engine_or_skip("answers_403_and_404_from_inside_are_reached_in_the_console_and_in_doctor")
        .await
    {
        return;
    }
    build_images();
    let mut s = Situation::default();
    let a = answering_situation(&mut s);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let config = load(&a.config_text);
    let opts = options(&mut s, &a.tag);

    let d = diagnose(&config, &opts).await;
    assert_reach(&d.urls);
    let dns = d
        .report
        .findings
        .iter()
        .find(|f| f.check == "container-dns" && f.subject == format!("{} → gitea", a.ws))
        .unwrap_or_else(|| panic!("no container-dns → gitea: {:#?}", d.report.findings));
    assert_eq!(dns.severity, Severity::Ok, "{dns:#?}");
    assert!(dns.evidence.contains("HTTP 404: reached"), "{dns:#?}");
    assert_console(config, d);

    // doctor --json and text, the real binary with the same config.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, &a.config_text).unwrap();
    let doctor = |json: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_poc-tui"));
        cmd.env("XDG_DATA_HOME", dir.path())
            .env("XDG_STATE_HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env("POC_TUI_DATA", dir.path().join("data"))
            .env("POC_TUI_PROBE_IMAGE", format!("{PROBE_IMAGE}-{}", a.tag))
            .env_remove("POC_TUI_CONFIG")
            .env_remove("AUTHENTIK_TOKEN")
            .arg("--config")
            .arg(&path)
            .args(["doctor", "--only", "networking"]);
        if json {
            cmd.arg("--json");
        }
        let out = cmd.output().unwrap();
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (stdout, stderr) = doctor(true);
    let json: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("doctor --json: {e}\n{stdout}\n{stderr}"));
    let urls: Vec<UrlRow> = serde_json::from_value::<Vec<serde_json::Value>>(json["urls"].clone())
        .unwrap()
        .into_iter()
        .map(|r| url_row_of(&r))
        .collect();
    assert_reach(&urls);
    let findings = json["findings"].as_array().unwrap();
    let ours = format!("poctui-test-diag-{}-", a.tag);
    let dns_subject = format!("{} → gitea", a.ws);
    let dns = findings
        .iter()
        .find(|f| f["check"] == "container-dns" && f["subject"] == dns_subject.as_str())
        .unwrap_or_else(|| panic!("{json:#}"));
    assert_eq!(dns["severity"], "ok", "{dns:#}");
    let our_fails: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["severity"] == "fail")
        .filter(|f| f["subject"].as_str().unwrap().contains(&ours))
        .filter(|f| {
            let text = format!("{} {}", f["subject"], f["evidence"]);
            text.contains(&a.gitea) || text.contains(&a.mailpit)
        })
        .collect();
    assert!(
        our_fails.is_empty(),
        "a FAIL about a server that answered: {our_fails:#?}"
    );
    let (text, stderr) = doctor(false);
    let (before_ok, ok_part) = text
        .split_once("\nOK (")
        .unwrap_or_else(|| panic!("no OK group:\n{text}\n{stderr}"));
    assert!(ok_part.contains(&dns_subject), "{text}");
    assert!(!before_ok.contains(&dns_subject), "{text}");
}

/// A `urls[]` entry of `doctor --json` read back into the library's shape.
fn url_row_of(v: &serde_json::Value) -> UrlRow {
    let cell = |c: &serde_json::Value| poc_tui::diagnose::UrlCell {
        url: c["url"].as_str().map(str::to_owned),
        reach: match c["reach"].as_str() {
            Some("reached") => Reach::Reached,
            Some("failed") => Reach::Failed,
            _ => Reach::NotProbed,
        },
        note: c["note"].as_str().unwrap_or_default().to_owned(),
    };
    UrlRow {
        service: v["service"].as_str().unwrap().to_owned(),
        display: v["display"].as_str().unwrap().to_owned(),
        host: cell(&v["host"]),
        inside: cell(&v["inside"]),
        browser: cell(&v["browser"]),
    }
}

#[allow(clippy::too_many_lines)] // one scenario, read top to bottom
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_container_whose_port_opens_late_is_starting_then_ok_never_fail() {
    if !engine_or_skip("a_container_whose_port_opens_late_is_starting_then_ok_never_fail").await {
        return;
    }
    build_images();
    let tag = format!("g{}", std::process::id());
    let name = |what: &str| format!("poctui-test-diag-{tag}-{what}");
    let mut s = Situation::default();
    let net = name("net");
    let (coder, ws, gitea) = (name("coder"), name("ws"), name("gitea"));
    let gateway = s.network(&net);
    let port = common::closed_port();
    let access = format!("http://{gateway}:{port}");
    let gateway_host = "host.docker.internal:host-gateway";
    s.container(
        &coder,
        &[
            "--network",
            &net,
            "-p",
            &format!("{gateway}:{port}:7080"),
            "--add-host",
            gateway_host,
            "-e",
            &format!("CODER_ACCESS_URL={access}"),
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
            "--add-host",
            gateway_host,
            "--label",
            "coder.owner=diag",
            "--label",
            "coder.workspace_name=late",
            "--label",
            "coder.workspace_id=diag-late-1",
            FULL_IMAGE,
            "sh",
            "-c",
            "exec httpd -f -p 8080 -h /",
        ],
    );
    let extra = format!(
        "[diagnose]\nstarting_grace_secs = 10\n\n\
         [services.coder]\ncontainer = \"{coder}\"\ninternal_url = \"http://{coder}:7080\"\nhost_url = \"{access}\"\nbrowser_url = \"{access}\"\n\n\
         [services.gitea]\ncontainer = \"{gitea}\"\ninternal_url = \"http://{gitea}:3000/\"\nhost_url = \"{access}/gitea\"\nbrowser_url = \"{access}/gitea\"\n"
    );
    let config = load(&isolated_config_text(
        &tag,
        &net,
        &access,
        common::closed_port(),
        &extra,
    ));
    assert_eq!(config.diagnose.starting_grace_secs, 10);
    let mut opts = options(&mut s, &tag);
    // A first pass builds the probe image, so the second one reaches Gitea within 5 s.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = diagnose(&config, &opts).await;

    s.container(
        &gitea,
        &[
            "--network",
            &net,
            FULL_IMAGE,
            "sh",
            "-c",
            "sleep 5; exec httpd -f -p 3000 -h /",
        ],
    );
    let progress = Progress::default();
    opts.progress = progress.clone();
    let saw_starting = Arc::new(AtomicBool::new(false));
    let watcher = {
        let saw = saw_starting.clone();
        tokio::spawn(async move {
            loop {
                if progress.get() == STARTING_PHASE {
                    saw.store(true, Ordering::SeqCst);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let d = diagnose(&config, &opts).await;
    watcher.abort();

    assert!(
        saw_starting.load(Ordering::SeqCst),
        "the pass never waited for the starting container: {:#?}",
        d.report.findings
    );
    // The first check that failed against Gitea was reported as starting and made again
    // after the grace (another workspace on the engine may have been the first to try).
    let starting = format!("starting: {gitea} started");
    assert!(
        d.report
            .findings
            .iter()
            .any(|f| f.evidence.contains(&starting)
                && f.evidence.contains("checked again after the 10s grace")),
        "no check says {starting:?}: {:#?}",
        d.report.findings
    );
    let dns = d
        .report
        .findings
        .iter()
        .find(|f| f.check == "container-dns" && f.subject == format!("{ws} → gitea"))
        .unwrap_or_else(|| panic!("no container-dns → gitea: {:#?}", d.report.findings));
    assert_eq!(dns.severity, Severity::Ok, "{dns:#?}");
    let ours = format!("poctui-test-diag-{tag}-");
    let fails: Vec<_> = d
        .report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Fail && f.subject.contains(&ours))
        .collect();
    assert!(fails.is_empty(), "{fails:#?}");
    let row = row(&d.urls, "gitea");
    assert_eq!(row.inside.reach, Reach::Reached, "{row:#?}");
}

#[test]
fn the_starting_grace_defaults_to_30_and_is_range_checked() {
    let config = load("");
    assert_eq!(config.diagnose.starting_grace_secs, 30);
    assert_eq!(
        load("[diagnose]\nstarting_grace_secs = 0\n")
            .diagnose
            .starting_grace_secs,
        0
    );
    let err = load_from_texts(
        EMBEDDED_DEFAULT,
        Some(("test config", "[diagnose]\nstarting_grace_secs = 601\n")),
    )
    .expect_err("601 s is out of range")
    .to_string();
    assert!(
        err.contains("diagnose.starting_grace_secs") && err.contains("out of range"),
        "{err}"
    );
}
