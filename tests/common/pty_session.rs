//! Runs the real binary in a pseudo-terminal and reads its screen through a VT100 parser.
#![allow(dead_code, clippy::missing_panics_doc)]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, PtySize};

pub struct Session {
    pub child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    screen: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    _dir: tempfile::TempDir,
}

impl Session {
    /// Starts poc-tui with `args` in a `cols`×`rows` terminal, with private config and data dirs.
    pub fn start(args: &[&str], cols: u16, rows: u16) -> Session {
        Session::start_with_env(args, &[], cols, rows)
    }

    /// As `start`, with extra environment variables (`NO_COLOR` is unset unless given here).
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> Session {
        let dir = tempfile::tempdir().expect("tempdir");
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_poc-tui"));
        cmd.args(args);
        cmd.cwd(Path::new(env!("CARGO_MANIFEST_DIR")));
        cmd.env("TERM", "xterm-256color");
        cmd.env("XDG_CONFIG_HOME", dir.path().join("config"));
        cmd.env("XDG_DATA_HOME", dir.path().join("data"));
        cmd.env("POC_TUI_DATA", dir.path().join("data"));
        cmd.env_remove("NO_COLOR");
        for (key, value) in env {
            cmd.env(key, value);
        }
        let child = pty.slave.spawn_command(cmd).expect("spawn poc-tui");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let writer = pty.master.take_writer().expect("writer");
        let screen = Arc::new(Mutex::new(vt100::Parser::new(nz(rows), nz(cols), 0)));
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

    pub fn contents(&self) -> String {
        self.screen.lock().expect("lock").screen().contents()
    }

    /// How many cells of the screen carry a foreground or background colour.
    pub fn coloured_cells(&self) -> usize {
        self.count_cells(|cell| {
            cell.fgcolor() != vt100::Color::Default || cell.bgcolor() != vt100::Color::Default
        })
    }

    /// True when some cell of the screen is drawn in reverse video.
    pub fn has_inverse_cell(&self) -> bool {
        self.count_cells(vt100::Cell::inverse) > 0
    }

    fn count_cells(&self, pick: impl Fn(&vt100::Cell) -> bool) -> usize {
        let parser = self.screen.lock().expect("lock");
        let screen = parser.screen();
        let (rows, cols) = screen.size();
        (0..rows.get())
            .flat_map(|r| (0..cols.get()).map(move |c| (r, c)))
            .filter_map(|(r, c)| screen.cell(r, c))
            .filter(|cell| pick(cell))
            .count()
    }

    pub fn wait_for(&self, needle: &str) {
        self.wait_for_within(needle, Duration::from_secs(15));
    }

    /// Waits until the screen shows `needle`, or panics with the screen after `limit`.
    pub fn wait_for_within(&self, needle: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
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

    /// Waits until a Networking or SSO pass has ended: the tab's title says "checked … ago"
    /// (rows saying "not checked yet" do not count).
    pub fn wait_for_pass(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            let done = self.contents().lines().any(|l| {
                l.contains(" checked ") && l.contains(" ago ") && !l.contains("not checked")
            });
            if done {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("no pass ended; screen was:\n{}", self.contents());
    }

    pub fn press(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("type");
        self.writer.flush().expect("flush");
    }

    pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "poc-tui did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// True once the program has left the alternate screen after its last draw (the reader
    /// thread may still be catching up when the process has exited: wait a little).
    pub fn restored(&self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(3);
        loop {
            if self.restored_now() {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn restored_now(&self) -> bool {
        let raw = self.raw.lock().expect("lock");
        let text = String::from_utf8_lossy(&raw);
        let entered = text.rfind("\u{1b}[?1049h");
        let left = text.rfind("\u{1b}[?1049l");
        let cursor_shown = text.rfind("\u{1b}[?25h");
        matches!((entered, left, cursor_shown), (Some(e), Some(l), Some(c)) if l > e && c > e)
    }
}

pub fn nz(v: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(v).expect("non-zero")
}
