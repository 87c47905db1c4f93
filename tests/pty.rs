//! Drives the real binary in a pseudo-terminal: reads the screen, types keys, quits, and checks
//! that the terminal was restored.

mod common;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, PtySize};

struct Session {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    screen: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    _dir: tempfile::TempDir,
}

impl Session {
    fn start() -> Session {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = common::write_config(dir.path(), &[]);
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 30,
                cols: 100,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_poc-tui"));
        cmd.arg("--config");
        cmd.arg(&config);
        cmd.env("TERM", "xterm-256color");
        cmd.env("XDG_CONFIG_HOME", dir.path().join("config"));
        cmd.env("XDG_DATA_HOME", dir.path().join("data"));
        cmd.env("POC_TUI_DATA", dir.path().join("data"));
        let child = pty.slave.spawn_command(cmd).expect("spawn poc-tui");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let writer = pty.master.take_writer().expect("writer");
        let screen = Arc::new(Mutex::new(vt100::Parser::new(nz(30), nz(100), 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (screen2, raw2) = (Arc::clone(&screen), Arc::clone(&raw));
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                screen2.lock().expect("lock").process(&buf[..n]);
                raw2.lock().expect("lock").extend_from_slice(&buf[..n]);
            }
        });
        // Keep the master open for the life of the session.
        std::mem::forget(pty.master);
        Session {
            child,
            writer,
            screen,
            raw,
            _dir: dir,
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().expect("lock").screen().contents()
    }

    fn wait_for(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if self.contents().contains(needle) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "screen never showed {needle:?}; screen was:\n{}",
            self.contents()
        );
    }

    fn press(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("type");
        self.writer.flush().expect("flush");
    }

    fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "poc-tui did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// True once the program has left the alternate screen after its last draw.
    fn restored(&self) -> bool {
        let raw = self.raw.lock().expect("lock");
        let text = String::from_utf8_lossy(&raw);
        let entered = text.rfind("\u{1b}[?1049h");
        let left = text.rfind("\u{1b}[?1049l");
        let cursor_shown = text.rfind("\u{1b}[?25h");
        matches!((entered, left, cursor_shown), (Some(e), Some(l), Some(c)) if l > e && c > e)
    }
}

#[test]
fn tabs_help_and_quit_in_a_real_terminal() {
    let mut s = Session::start();
    s.wait_for("1 Services");
    // Probes point at closed loopback ports, so every probed row turns down with its reason.
    s.wait_for("connection refused");
    assert!(s.contents().contains("Coder"));

    s.press("2");
    s.wait_for("Findings (");
    assert!(s.contents().contains("Authentik"));
    assert!(s.contents().contains("contractor1"));

    s.press("?");
    s.wait_for("Help — keys");

    s.press("q");
    let status = s.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    assert!(s.restored(), "terminal not restored");
}

#[test]
fn sigterm_restores_the_terminal() {
    let mut s = Session::start();
    s.wait_for("1 Services");
    let pid = s.child.process_id().expect("pid");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = s.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    assert!(s.restored(), "terminal not restored after SIGTERM");
}

#[test]
fn mouse_click_on_the_tab_bar_switches_tabs() {
    let mut s = Session::start();
    s.wait_for("1 Services");
    // SGR mouse report: left button down then up at column 30, row 1 (1-based) → "3 Networking".
    s.press("\u{1b}[<0;30;1M\u{1b}[<0;30;1m");
    s.wait_for("URL contexts");
    s.press("q");
    assert!(s.wait_exit().success());
}

fn nz(v: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(v).expect("non-zero")
}
