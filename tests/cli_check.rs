//! `poc-tui check` through the real binary: text, JSON, exit codes.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;

use assert_cmd::Command;
use predicates::prelude::*;

/// A tiny HTTP server on loopback answering every request with `status` and `body`.
fn http_server(status: &'static str, body: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            thread::spawn(move || {
                let mut buf = [0u8; 2048];
                let _ = stream.read(&mut buf);
                let reply = format!(
                    "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(reply.as_bytes());
            });
        }
    });
    port
}

fn http_probe(port: u16, path: &str) -> String {
    format!("{{ kind = \"http\", url = \"http://127.0.0.1:{port}{path}\" }}")
}

/// Every service of the default config, each probed at the loopback server on `port`.
fn all_up_probes(port: u16) -> Vec<(&'static str, String)> {
    poc_tui::config::embedded_service_keys()
        .into_iter()
        .map(|k| (&*k.leak(), http_probe(port, "/")))
        .collect()
}

fn poc_tui(dir: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("poc-tui").expect("binary");
    cmd.env("XDG_CONFIG_HOME", dir.join("config"))
        .env("POC_TUI_DATA", dir.join("data"))
        .env_remove("POC_TUI_CONFIG");
    cmd
}

#[test]
fn all_up_exits_zero_with_a_tick_per_service() {
    let port = http_server("200 OK", "{\"version\":\"v2.18.0\"}");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = common::write_config_alone(dir.path(), &all_up_probes(port));
    poc_tui(dir.path())
        .args(["--config"])
        .arg(&config)
        .arg("check")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("✓ Coder"))
        .stdout(predicate::str::contains("✓ DevDB"))
        .stdout(predicate::str::contains("=== 13/13 healthy ==="))
        .stdout(predicate::str::contains("✗").not());
}

#[test]
fn one_down_exits_one_and_names_the_reason() {
    let port = http_server("200 OK", "{\"version\":\"v2.18.0\"}");
    let broken = http_server("500 Internal Server Error", "boom");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut probes = all_up_probes(port);
    probes.retain(|(k, _)| *k != "gitea");
    probes.push(("gitea", http_probe(broken, "/api/healthz")));
    let config = common::write_config_alone(dir.path(), &probes);
    poc_tui(dir.path())
        .arg("--config")
        .arg(&config)
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("✗ Gitea"))
        .stdout(predicate::str::contains("HTTP 500"))
        .stdout(predicate::str::contains("=== 12/13 healthy ==="));
}

#[test]
fn json_output_is_machine_readable() {
    let port = http_server("200 OK", "ok");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut probes = all_up_probes(port);
    probes.retain(|(k, _)| *k != "mailpit");
    // `write_config` points services without a given probe at a closed port.
    let config = common::write_config_alone(dir.path(), &probes);
    let out = poc_tui(dir.path())
        .arg("--config")
        .arg(&config)
        .args(["check", "--json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON on stdout");
    assert_eq!(json["healthy"], false);
    let services = json["services"].as_array().expect("services array");
    assert_eq!(
        services.len(),
        poc_tui::config::embedded_service_keys().len()
    );
    let mailpit = services
        .iter()
        .find(|s| s["service"] == "mailpit")
        .expect("mailpit entry");
    assert_eq!(mailpit["health"], "down");
    assert_eq!(mailpit["reason"], "connection refused");
    let coder = services
        .iter()
        .find(|s| s["service"] == "coder")
        .expect("coder entry");
    assert_eq!(coder["health"], "up");
    assert!(coder["latency_ms"].is_number());
    assert!(coder["checked_at"].is_number());
}

#[test]
fn service_filter_checks_only_that_service() {
    let port = http_server("200 OK", "ok");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = common::write_config_alone(dir.path(), &[("gitea", http_probe(port, "/"))]);
    poc_tui(dir.path())
        .arg("--config")
        .arg(&config)
        .args(["check", "--service", "gitea"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("✓ Gitea"))
        .stdout(predicate::str::contains("1/1 healthy"));
}

#[test]
fn unknown_service_is_a_usage_error_with_suggestions() {
    let dir = tempfile::tempdir().expect("tempdir");
    poc_tui(dir.path())
        .args(["check", "--service", "gittea"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("did you mean: gitea"));
}

#[test]
fn bad_config_exits_two_with_file_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[probes]\ninterval_secs = \"soon\"\n").expect("write");
    poc_tui(dir.path())
        .arg("--config")
        .arg(&path)
        .arg("check")
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "bad.toml:2:1: probes.interval_secs",
        ));
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    poc_tui(dir.path())
        .args(["check", "--bogus"])
        .assert()
        .code(2);
}

#[test]
fn config_command_masks_secrets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("c.toml");
    std::fs::write(
        &path,
        "[credentials.gitea]\nurl = \"http://x\"\npassword = \"s3cr3t-value\"\n\
         [services.coder-db]\ninternal_url = \"postgres://coder:url-pass-91@postgres:5432/coder\"\n",
    )
    .expect("write");
    poc_tui(dir.path())
        .arg("--config")
        .arg(&path)
        .arg("config")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("[services.coder]"))
        .stdout(predicate::str::contains("s3cr3t-value").not())
        .stdout(predicate::str::contains("url-pass-91").not())
        .stdout(predicate::str::contains(
            "postgres://coder:********@postgres:5432/coder",
        ))
        .stdout(predicate::str::contains("********"));
}

#[test]
fn version_prints_config_and_data_paths() {
    let dir = tempfile::tempdir().expect("tempdir");
    poc_tui(dir.path())
        .arg("--version")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("config file:"))
        .stdout(predicate::str::contains("data dir:"));
}

#[test]
fn completions_are_generated() {
    let dir = tempfile::tempdir().expect("tempdir");
    poc_tui(dir.path())
        .args(["completions", "bash"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("poc-tui"));
}
