//! Tracing to a file in the data directory: the terminal belongs to the TUI.
//!
//! The log is private (0600 in a 0700 directory), capped in size and rotated. `POC_TUI_LOG`
//! sets the level of poc-tui's own messages only: libraries log at `warn`, because at debug
//! level they write whole request and response bodies (container environments with their
//! passwords and tokens, API answers). `POC_TUI_LOG_DEPS` raises them on purpose, and the log
//! then says first that it may hold secrets.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

use crate::paths::Paths;
use crate::private_fs::{ensure_private_dir, open_private_append};

/// The variable that sets poc-tui's own level (`debug`, `trace`, …; default `info`).
pub const LEVEL_VAR: &str = "POC_TUI_LOG";
/// The variable that sets the libraries' level (default `warn`).
pub const DEPS_LEVEL_VAR: &str = "POC_TUI_LOG_DEPS";

/// How large the log grows and how many rotated files are kept beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogLimits {
    /// The log is rotated before a write would take it past this size.
    pub max_bytes: u64,
    /// `poc-tui.log.1` (newest) … `poc-tui.log.<keep>`; older ones are deleted.
    pub keep: usize,
}

impl Default for LogLimits {
    fn default() -> Self {
        LogLimits {
            max_bytes: 10 * 1024 * 1024,
            keep: 3,
        }
    }
}

/// The levels poc-tui's filter is built from, read from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Levels {
    pub own: String,
    /// Set only when the user asked for library logs.
    pub deps: Option<String>,
    /// A value that is not a level, and was ignored.
    pub rejected: Vec<(&'static str, String)>,
}

const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];

impl Levels {
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let mut rejected = Vec::new();
        let mut level = |var: &'static str| {
            let value = lookup(var)?.trim().to_ascii_lowercase();
            if value.is_empty() {
                return None;
            }
            if LEVELS.contains(&value.as_str()) {
                Some(value)
            } else {
                rejected.push((var, value));
                None
            }
        };
        let own = level(LEVEL_VAR).unwrap_or_else(|| "info".to_owned());
        let deps = level(DEPS_LEVEL_VAR);
        Levels {
            own,
            deps,
            rejected,
        }
    }

    /// `warn,poc_tui=debug`: only poc-tui's targets get the user's level.
    pub fn directives(&self) -> String {
        format!(
            "{},poc_tui={}",
            self.deps.as_deref().unwrap_or("warn"),
            self.own
        )
    }

    /// True when libraries may log below `warn`, where their messages carry bodies.
    pub fn deps_may_leak(&self) -> bool {
        matches!(self.deps.as_deref(), Some("info" | "debug" | "trace"))
    }
}

/// Starts file logging. Never fails the program: with no writable data directory, tracing is
/// simply off.
pub fn init(paths: &Paths) {
    let Some(path) = paths.log_file() else {
        return;
    };
    let Ok(writer) = RotatingFile::open(&path, LogLimits::default()) else {
        return;
    };
    let levels = Levels::from_env(|v| std::env::var(v).ok());
    let directives = levels.directives();
    let filter = EnvFilter::try_new(&directives).unwrap_or_else(|_| EnvFilter::new("warn"));
    if tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(writer))
        .try_init()
        .is_err()
    {
        return;
    }
    if levels.deps_may_leak() {
        tracing::warn!(
            "{DEPS_LEVEL_VAR}={}: libraries log request and response bodies; this log may \
             hold secrets (tokens, passwords, container environments). Delete it after use.",
            levels.deps.as_deref().unwrap_or_default()
        );
    }
    for (var, value) in &levels.rejected {
        tracing::warn!("{var}={value:?} is not a level (use one of {LEVELS:?}); ignored");
    }
    tracing::debug!(filter = %directives, "file logging");
}

/// An append-only private file that rotates itself when it would grow past its cap.
pub struct RotatingFile {
    path: PathBuf,
    file: File,
    size: u64,
    limits: LogLimits,
}

impl RotatingFile {
    /// Opens (or creates) the log at `path`, making its directory and itself private.
    pub fn open(path: &Path, limits: LogLimits) -> io::Result<Self> {
        if let Some(dir) = path.parent() {
            ensure_private_dir(dir)?;
        }
        let file = open_private_append(path)?;
        let size = file.metadata()?.len();
        Ok(RotatingFile {
            path: path.to_owned(),
            file,
            size,
            limits,
        })
    }

    fn rotated(&self, n: usize) -> PathBuf {
        let mut name = self.path.as_os_str().to_owned();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    }

    /// `log.2` → `log.3`, `log.1` → `log.2`, `log` → `log.1`, then a fresh `log`.
    fn rotate(&mut self) -> io::Result<()> {
        self.file.flush()?;
        if self.limits.keep == 0 {
            fs::remove_file(&self.path)?;
        } else {
            let _ = fs::remove_file(self.rotated(self.limits.keep));
            for n in (1..self.limits.keep).rev() {
                let from = self.rotated(n);
                if from.exists() {
                    fs::rename(&from, self.rotated(n + 1))?;
                }
            }
            fs::rename(&self.path, self.rotated(1))?;
        }
        self.file = open_private_append(&self.path)?;
        self.size = 0;
        Ok(())
    }
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let len = buf.len() as u64;
        if self.size > 0 && self.size + len > self.limits.max_bytes {
            self.rotate()?;
        }
        let written = self.file.write(buf)?;
        self.size += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| owned.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn the_users_level_applies_to_poc_tui_only() {
        let levels = Levels::from_env(env(&[(LEVEL_VAR, "debug")]));
        assert_eq!(levels.directives(), "warn,poc_tui=debug");
        assert!(!levels.deps_may_leak());
        let levels = Levels::from_env(env(&[]));
        assert_eq!(levels.directives(), "warn,poc_tui=info");
        // A directive list is not a level: libraries cannot be raised through POC_TUI_LOG.
        let levels = Levels::from_env(env(&[(LEVEL_VAR, "bollard=debug")]));
        assert_eq!(levels.directives(), "warn,poc_tui=info");
        assert_eq!(levels.rejected.len(), 1);
    }

    #[test]
    fn library_logs_need_their_own_variable_and_say_they_may_leak() {
        let levels = Levels::from_env(env(&[(LEVEL_VAR, "info"), (DEPS_LEVEL_VAR, "DEBUG")]));
        assert_eq!(levels.directives(), "debug,poc_tui=info");
        assert!(levels.deps_may_leak());
        let quiet = Levels::from_env(env(&[(DEPS_LEVEL_VAR, "error")]));
        assert!(!quiet.deps_may_leak());
    }

    #[test]
    fn the_log_rotates_at_its_cap_and_keeps_a_few_private_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/poc-tui.log");
        let limits = LogLimits {
            max_bytes: 100,
            keep: 2,
        };
        let mut log = RotatingFile::open(&path, limits).unwrap();
        for i in 0..10 {
            log.write_all(format!("{i:039}\n").as_bytes()).unwrap();
        }
        log.flush().unwrap();
        let size = |p: &Path| fs::metadata(p).map_or(0, |m| m.len());
        assert!(size(&path) <= 100, "{}", size(&path));
        assert_eq!(size(&log.rotated(1)), 80);
        assert_eq!(size(&log.rotated(2)), 80);
        assert!(!log.rotated(3).exists(), "only two old files are kept");
        assert!(fs::read_to_string(&path).unwrap().contains("09\n"));
        for p in [path.clone(), log.rotated(1), log.rotated(2)] {
            assert_eq!(
                fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let dir_mode = fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);
    }

    #[test]
    fn an_existing_log_is_made_private_and_its_size_counts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("poc-tui.log");
        fs::write(&path, vec![b'x'; 90]).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        let mut log = RotatingFile::open(
            &path,
            LogLimits {
                max_bytes: 100,
                keep: 1,
            },
        )
        .unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            fs::metadata(dir.path()).unwrap().permissions().mode() & 0o777,
            0o700
        );
        log.write_all(&[b'y'; 20]).unwrap();
        assert_eq!(fs::metadata(log.rotated(1)).unwrap().len(), 90);
        assert_eq!(fs::metadata(&path).unwrap().len(), 20);
    }
}
