//! A private copy of the stand-in stack for the compose tests: its own project name, names
//! and ports, removed when dropped.
#![allow(dead_code, clippy::unwrap_used, clippy::missing_panics_doc)]

use std::path::PathBuf;
use std::process::Command as Process;

use assert_cmd::Command;
use serde_json::Value;

use super::docker_support::{require_or_skip, run, run_quietly, stack_dir};

/// A private copy of the stand-in stack: `poctui-test-compose-<pid>` for the
/// project, every container, the network, the volume and the image tag; host
/// ports picked by the engine. Removed when dropped, also on failure.
pub struct CopiedStack {
    pub dir: tempfile::TempDir,
    pub project: String,
    pub image: String,
    pub volume: String,
    pub network: String,
}

impl CopiedStack {
    pub fn up(tag: &str, services: &[&str]) -> Self {
        let prefix = format!("poctui-test-compose-{tag}{}", std::process::id());
        let dir = tempfile::tempdir().unwrap();
        let stack = Self {
            project: prefix.clone(),
            image: format!("{prefix}-busybox"),
            volume: format!("{prefix}-devdb-data"),
            network: format!("{prefix}-coder-network"),
            dir,
        };
        stack.build_image();
        let original = std::fs::read_to_string(stack_dir().join("docker-compose.yml")).unwrap();
        let mut text = original.replace("poctui-test-", &format!("{prefix}-"));
        // The secret and one plain value come from .env, like the real POC's.
        let from = "GITEA__database__PASSWD: \"stand-in\"";
        assert!(
            text.contains(from),
            "the stand-in stack changed: update this test"
        );
        text = text.replace(
            from,
            "GITEA__database__PASSWD: \"${GITEA_DB_PASSWD}\"\n      GITEA_GREETING: \"${GREETING}\"",
        );
        text = text.replace(
            "POSTGRES_PASSWORD: \"stand-in\"",
            "POSTGRES_PASSWORD: \"${DEVDB_PASSWORD}\"",
        );
        // Host ports chosen by the engine: never a clash with another stack.
        let ports = regex::Regex::new(r#""127\.0\.0\.1:\d+:"#).unwrap();
        text = ports.replace_all(&text, "\"127.0.0.1::").into_owned();
        std::fs::write(stack.file(), text).unwrap();
        stack.write_env("hello", "first-secret-value");
        let mut args = vec!["up", "-d"];
        args.extend_from_slice(services);
        stack.compose(&args);
        stack
    }

    pub fn build_image(&self) {
        let context = self.dir.path().join("image");
        std::fs::create_dir_all(&context).unwrap();
        for entry in std::fs::read_dir(stack_dir().join("image")).unwrap() {
            let from = entry.unwrap().path();
            std::fs::copy(&from, context.join(from.file_name().unwrap())).unwrap();
        }
        std::fs::copy("/bin/busybox", context.join("busybox"))
            .expect("/bin/busybox (Debian's busybox-static) is needed");
        run(
            "docker",
            &["build", "-q", "-t", &self.image, context.to_str().unwrap()],
        );
    }

    pub fn file(&self) -> PathBuf {
        self.dir.path().join("docker-compose.yml")
    }

    pub fn write_env(&self, greeting: &str, secret: &str) {
        std::fs::write(
            self.dir.path().join(".env"),
            format!("GREETING={greeting}\nGITEA_DB_PASSWD={secret}\nDEVDB_PASSWORD=devdb-pw\n"),
        )
        .unwrap();
    }

    pub fn compose(&self, args: &[&str]) -> String {
        let file = self.file();
        let mut all = vec!["-p", &self.project, "-f", file.to_str().unwrap()];
        all.extend_from_slice(args);
        run("docker-compose", &all)
    }

    pub fn container(&self, service: &str) -> String {
        format!("{}-{service}", self.project)
    }

    pub fn poc_tui(&self) -> Command {
        let mut cmd = Command::cargo_bin("poc-tui").unwrap();
        cmd.env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("POC_TUI_DATA", self.dir.path().join("data"))
            .env_remove("POC_TUI_CONFIG");
        cmd
    }

    /// `poc-tui ARGS -p PROJECT`: (exit code, stdout, stderr).
    pub fn run_tool(&self, args: &[&str]) -> (i32, String, String) {
        let out = self
            .poc_tui()
            .args(args)
            .args(["-p", &self.project])
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    pub fn drift(&self) -> (i32, Value) {
        let (code, stdout, stderr) = self.run_tool(&["drift", "--json"]);
        let json = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("drift --json: {e}\n{stdout}\n{stderr}"));
        (code, json)
    }
}

impl Drop for CopiedStack {
    fn drop(&mut self) {
        let file = self.file();
        run_quietly(
            "docker-compose",
            &[
                "-p",
                &self.project,
                "-f",
                file.to_str().unwrap(),
                "down",
                "-t",
                "1",
                "--remove-orphans",
            ],
        );
        run_quietly("docker", &["volume", "rm", "-f", &self.volume]);
        run_quietly("docker", &["network", "rm", &self.network]);
        run_quietly("docker", &["rmi", &self.image]);
    }
}

/// True when a compose tool is installed; otherwise [`require_or_skip`].
pub fn compose_available() -> bool {
    let ok = Process::new("docker-compose")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
        || Process::new("docker")
            .args(["compose", "version"])
            .output()
            .is_ok_and(|o| o.status.success());
    ok || require_or_skip("compose tests", "no compose tool is installed")
}
