//! The guard in the test helpers: a test config that still reaches a default POC port on this
//! host is refused, naming the key; the helpers' own configs pass it.

mod common;

use std::panic::catch_unwind;

fn panic_text(text: &str) -> String {
    let text = text.to_owned();
    let err = catch_unwind(move || {
        common::isolated_config(&text);
    })
    .expect_err("the guard let a default POC port through");
    err.downcast_ref::<String>().cloned().unwrap_or_default()
}

#[test]
fn the_embedded_default_alone_is_refused_naming_each_key() {
    let message = panic_text("");
    for key in [
        "services.coder.host_url = http://localhost:7080",
        "services.coder.browser_url = http://host.docker.internal:7080",
        "services.coder.probe.url = http://localhost:7080/api/v2/buildinfo",
        "services.gitea.probe.url = http://localhost:3000/",
        "credentials.coder.url = http://localhost:7080",
        "credentials.minio.url = http://localhost:9002",
    ] {
        assert!(message.contains(key), "{key} not named in:\n{message}");
    }
}

#[test]
fn one_leftover_default_is_enough_to_refuse() {
    let mut text = common::neutralised("");
    text.push_str("\n[sso]\nprovider_service = \"authentik\"\n");
    common::isolated_config(&text);
    let leaky = common::neutralised(
        "[services.devdb]\nprobe = { kind = \"postgres\", host = \"127.0.0.1\", port = 5432 }\n",
    );
    let message = panic_text(&leaky);
    assert!(
        message.contains("services.devdb.probe = 127.0.0.1:5432"),
        "{message}"
    );
    let leaky = common::neutralised("[credentials.gitea]\nurl = \"http://[::1]:3000/\"\n");
    assert!(panic_text(&leaky).contains("credentials.gitea.url"));
}

#[test]
fn the_tests_own_ports_and_probes_without_a_host_port_pass() {
    let port = common::closed_port();
    let text = common::neutralised(&format!(
        "[services.coder]\nhost_url = \"http://127.0.0.1:{port}\"\n\
         probe = {{ kind = \"http\", url = \"http://127.0.0.1:{port}/api/v2/buildinfo\" }}\n"
    ));
    let config = common::isolated_config(&text);
    assert_eq!(
        config.services["coder"].host_url.as_deref(),
        Some(format!("http://127.0.0.1:{port}").as_str())
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let path = common::write_config(dir.path(), &[]);
    let written = std::fs::read_to_string(path).expect("read");
    assert!(common::default_poc_targets(&common::isolated_config(&written)).is_empty());
}
