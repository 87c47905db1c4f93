//! A throwaway real Postgres server in a temp dir, when the machine has one installed.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

/// The unprivileged user the server runs as when the tests run as root (initdb refuses root).
const NOBODY: u32 = 65_534;

pub struct RealPostgres {
    pub port: u16,
    child: Child,
    dir: tempfile::TempDir,
}

impl RealPostgres {
    /// Fast shutdown by signal, then a hard kill if it lingers.
    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            let _ = Command::new("kill")
                .args(["-INT", &pid.to_string()])
                .status()
                .await;
        }
        if tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
        drop(self.dir);
    }
}

fn skip(why: &str) -> Option<RealPostgres> {
    super::docker_support::require_or_skip("real PostgreSQL test", why);
    None
}

/// Directories that may hold `initdb` and `postgres`: `$PATH`, then Debian's versioned dirs.
fn find_bin_dir() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Ok(versions) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut dirs: Vec<PathBuf> = versions.flatten().map(|e| e.path().join("bin")).collect();
        dirs.sort();
        candidates.extend(dirs.into_iter().rev());
    }
    candidates
        .into_iter()
        .find(|dir| dir.join("initdb").is_file() && dir.join("postgres").is_file())
}

fn running_as_root() -> bool {
    // /proc/self belongs to the process's effective user.
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// The command, run as `nobody` via setpriv when we are root.
fn command(program: &Path, as_nobody: bool) -> Command {
    if as_nobody {
        let mut cmd = Command::new("setpriv");
        cmd.args([
            format!("--reuid={NOBODY}"),
            format!("--regid={NOBODY}"),
            "--clear-groups".to_owned(),
            "--".to_owned(),
        ])
        .arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    listener.local_addr().expect("local addr").port()
}

/// Starts a server with password (SCRAM) auth on a free loopback port and waits until it is
/// ready. Returns `None`, saying so loudly, when no Postgres is installed (fails instead under
/// `POC_TUI_REQUIRE_DOCKER=1`).
pub async fn start() -> Option<RealPostgres> {
    let Some(bin) = find_bin_dir() else {
        return skip("no initdb/postgres binaries on PATH or under /usr/lib/postgresql");
    };
    let as_nobody = running_as_root();
    if as_nobody
        && Command::new("setpriv")
            .arg("--version")
            .output()
            .await
            .is_err()
    {
        return skip("running as root and setpriv is missing, so initdb cannot run");
    }

    let dir = tempfile::Builder::new()
        .prefix("poctui-test-pg-")
        .tempdir()
        .expect("temp dir");
    let data = dir.path().join("data");
    let pwfile = dir.path().join("pw");
    std::fs::write(&pwfile, "probe-test-secret\n").expect("write password file");
    if as_nobody {
        for path in [dir.path(), pwfile.as_path()] {
            std::os::unix::fs::chown(path, Some(NOBODY), Some(NOBODY)).expect("chown to nobody");
        }
    }

    let init = command(&bin.join("initdb"), as_nobody)
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            "postgres",
            "--no-sync",
            "--locale=C",
            "--encoding=UTF8",
        ])
        .args(["--auth-local=trust", "--auth-host=scram-sha-256"])
        .arg(format!("--pwfile={}", pwfile.display()))
        .output()
        .await
        .expect("run initdb");
    assert!(
        init.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&init.stderr)
    );

    let port = free_port();
    let log = std::fs::File::create(dir.path().join("server.log")).expect("log file");
    let child = command(&bin.join("postgres"), as_nobody)
        .arg("-D")
        .arg(&data)
        .args(["-p", &port.to_string()])
        .args(["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"])
        .arg("-c")
        .arg(format!("unix_socket_directories={}", dir.path().display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .expect("start postgres");
    let server = RealPostgres { port, child, dir };

    // Ask an independent oracle when it is ready: pg_isready if present, else a TCP connect.
    let pg_isready = bin.join("pg_isready");
    for _ in 0..150 {
        let ready = if pg_isready.is_file() {
            Command::new(&pg_isready)
                .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-t", "1"])
                .stdout(Stdio::null())
                .status()
                .await
                .is_ok_and(|s| s.success())
        } else {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
        };
        if ready {
            return Some(server);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let log = std::fs::read_to_string(server.dir.path().join("server.log")).unwrap_or_default();
    server.stop().await;
    panic!("postgres did not become ready in 30s; its log:\n{log}");
}
