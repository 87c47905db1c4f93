//! Situations built from real containers for the diagnosis tests: images from the local
//! static busybox, a network and containers named `poctui-test-diag-…`, all removed on drop.
#![allow(dead_code, clippy::unwrap_used, clippy::missing_panics_doc)]

use std::process::Command;

use super::docker_support::{run, run_quietly};

/// busybox with its applets installed (sh, httpd, wget).
pub const FULL_IMAGE: &str = "poctui-test-diag-busybox";
/// busybox without applet links: no `wget` or `curl` on the PATH.
pub const BARE_IMAGE: &str = "poctui-test-diag-bare";
/// The image the probe-container fallback builds for itself.
pub const PROBE_IMAGE: &str = "poctui-test-diag-probe";

fn build(tag: &str, dockerfile: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy("/bin/busybox", dir.path().join("busybox"))
        .expect("copy /bin/busybox (install busybox-static)");
    std::fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
    run(
        "docker",
        &["build", "-q", "-t", tag, dir.path().to_str().unwrap()],
    );
}

pub fn build_images() {
    build(
        FULL_IMAGE,
        "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n",
    );
    build(
        BARE_IMAGE,
        "FROM scratch\nCOPY busybox /bin/busybox\nENTRYPOINT [\"/bin/busybox\"]\n",
    );
}

/// Everything a test created; removed on drop, also when the test fails.
#[derive(Default)]
pub struct Situation {
    pub containers: Vec<String>,
    pub networks: Vec<String>,
    pub images: Vec<String>,
}

impl Situation {
    pub fn network(&mut self, name: &str) -> String {
        run_quietly("docker", &["network", "rm", name]);
        run("docker", &["network", "create", name]);
        self.networks.push(name.to_owned());
        let gateway = run(
            "docker",
            &[
                "network",
                "inspect",
                "-f",
                "{{(index .IPAM.Config 0).Gateway}}",
                name,
            ],
        );
        gateway.trim().to_owned()
    }

    /// `docker run -d --name NAME ARGS…`; ARGS end with the image and its command.
    pub fn container(&mut self, name: &str, args: &[&str]) {
        run_quietly("docker", &["rm", "-f", name]);
        let mut all = vec!["run", "-d", "--name", name];
        all.extend_from_slice(args);
        run("docker", &all);
        self.containers.push(name.to_owned());
    }
}

impl Drop for Situation {
    fn drop(&mut self) {
        for c in &self.containers {
            run_quietly("docker", &["rm", "-f", c]);
        }
        for n in &self.networks {
            run_quietly("docker", &["network", "rm", n]);
        }
        // Any probe container left by an interrupted pass, of this situation's probe images
        // only: other tests' passes run at the same time.
        for image in self.images.iter().filter(|i| i.starts_with(PROBE_IMAGE)) {
            if let Ok(out) = Command::new("docker")
                .args(["ps", "-aq", "--filter", &format!("name={image}-")])
                .output()
            {
                for id in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                    run_quietly("docker", &["rm", "-f", id]);
                }
            }
        }
        for i in &self.images {
            run_quietly("docker", &["rmi", "-f", i]);
        }
    }
}

/// A shell line that serves Coder's buildinfo on `port` with busybox httpd.
pub fn coder_server(port: u16) -> String {
    format!(
        "mkdir -p /www/api/v2 && echo '{{\"version\":\"v2.15.0+diag\"}}' > /www/api/v2/buildinfo && echo ok > /www/index.html && exec httpd -f -p {port} -h /www"
    )
}

/// Config text whose services match only this test's containers (each service `extra` does
/// not define points at an absent container, its URLs at `closed`, a port nothing listens
/// on), whose admin credentials point at `closed` too, followed by `extra`.
pub fn isolated_config_text(
    tag: &str,
    network: &str,
    access_url: &str,
    closed: u16,
    extra: &str,
) -> String {
    let mut text = format!(
        "[stack]\ncompose_project = \"poctui-test-diag-{tag}-project\"\nnetwork = \"{network}\"\n\n\
         [network]\ncoder_access_url = \"{access_url}\"\nneeds_host_gateway = [\"coder\", \"workspaces\"]\n\n"
    );
    for system in ["coder", "gitea", "authentik"] {
        let _ = std::fmt::Write::write_fmt(
            &mut text,
            format_args!("[credentials.{system}]\nurl = \"http://127.0.0.1:{closed}\"\n\n"),
        );
    }
    for key in poc_tui::config::embedded_service_keys() {
        if extra.contains(&format!("[services.{key}]\n")) {
            continue;
        }
        let _ = std::fmt::Write::write_fmt(
            &mut text,
            format_args!(
                "[services.{key}]\ncontainer = \"poctui-test-diag-{tag}-absent-{key}\"\ncompose_service = \"poctui-test-diag-absent\"\n\
                 host_url = \"http://127.0.0.1:{closed}/\"\nbrowser_url = \"http://127.0.0.1:{closed}/\"\n\
                 internal_url = \"http://poctui-test-diag-{tag}-absent-{key}:{closed}/\"\n\n"
            ),
        );
    }
    text.push_str(extra);
    text
}

/// A shell line that serves `/www` on `port` with busybox httpd denying every request
/// (HTTP 403 Forbidden).
pub fn forbidding_server(port: u16) -> String {
    format!(
        "mkdir -p /www /etc && echo ok > /www/index.html && echo 'D:*' > /etc/httpd.conf && exec httpd -f -p {port} -h /www -c /etc/httpd.conf"
    )
}
