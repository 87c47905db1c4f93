//! The log view's toggles, remembered between runs in a small JSON file in the data dir.
//!
//! A missing file gives the defaults; a broken one is ignored with a message, never a crash.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How far back a log view reaches when it opens or restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SinceWindow {
    /// The last `[logs] tail` lines, whatever their age.
    #[default]
    All,
    #[serde(rename = "5m")]
    FiveMinutes,
    #[serde(rename = "15m")]
    FifteenMinutes,
    #[serde(rename = "1h")]
    OneHour,
}

impl SinceWindow {
    const ORDER: [SinceWindow; 4] = [
        SinceWindow::All,
        SinceWindow::FiveMinutes,
        SinceWindow::FifteenMinutes,
        SinceWindow::OneHour,
    ];

    pub fn duration(self) -> Option<Duration> {
        match self {
            SinceWindow::All => None,
            SinceWindow::FiveMinutes => Some(Duration::from_secs(5 * 60)),
            SinceWindow::FifteenMinutes => Some(Duration::from_secs(15 * 60)),
            SinceWindow::OneHour => Some(Duration::from_secs(60 * 60)),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SinceWindow::All => "all",
            SinceWindow::FiveMinutes => "5m",
            SinceWindow::FifteenMinutes => "15m",
            SinceWindow::OneHour => "1h",
        }
    }

    fn position(self) -> usize {
        Self::ORDER.iter().position(|w| *w == self).unwrap_or(0)
    }

    /// The next wider window (`]`), wrapping.
    pub fn next(self) -> SinceWindow {
        Self::ORDER[(self.position() + 1) % Self::ORDER.len()]
    }

    /// The previous window (`[`), wrapping.
    pub fn prev(self) -> SinceWindow {
        Self::ORDER[(self.position() + Self::ORDER.len() - 1) % Self::ORDER.len()]
    }
}

/// Toggles of the log view that outlive the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogViewSettings {
    pub timestamps: bool,
    pub wrap: bool,
    /// Render ANSI colours as styles.
    pub colors: bool,
    pub since: SinceWindow,
    /// Search text is a regex (otherwise plain text).
    pub regex: bool,
    /// Context lines around each match in filter mode.
    pub context: usize,
    pub fullscreen: bool,
    /// The Services list shows the engine's other containers (`a`); kept here with the other
    /// console toggles that outlive the process.
    pub show_other_containers: bool,
}

impl Default for LogViewSettings {
    fn default() -> Self {
        LogViewSettings {
            timestamps: false,
            wrap: false,
            colors: true,
            since: SinceWindow::All,
            regex: false,
            context: 2,
            fullscreen: false,
            show_other_containers: false,
        }
    }
}

/// The most context lines `+` gives.
pub const MAX_CONTEXT: usize = 20;

/// `<data_dir>/log-view.json`.
pub fn settings_path(data_dir: &Path) -> PathBuf {
    data_dir.join("log-view.json")
}

/// Reads the settings; a missing file gives the defaults, a broken one the defaults and a
/// message for the status bar.
pub fn load(path: &Path) -> (LogViewSettings, Option<String>) {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return (LogViewSettings::default(), None)
        }
        Err(e) => {
            return (
                LogViewSettings::default(),
                Some(format!(
                    "log view settings {} unreadable ({e}); using defaults",
                    path.display()
                )),
            )
        }
    };
    match serde_json::from_str::<LogViewSettings>(&text) {
        Ok(mut settings) => {
            settings.context = settings.context.min(MAX_CONTEXT);
            (settings, None)
        }
        Err(e) => (
            LogViewSettings::default(),
            Some(format!(
                "log view settings {} ignored ({e}); using defaults",
                path.display()
            )),
        ),
    }
}

/// Writes the settings like every other state file: the directory created (or tightened)
/// 0700, the file 0600, written to a new private file beside it and renamed over the old
/// one, so a symbolic link in its place is replaced, never written through.
pub fn save(path: &Path, settings: &LogViewSettings) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        crate::private_fs::ensure_private_dir(dir)?;
    }
    let text = serde_json::to_string_pretty(settings).map_err(std::io::Error::other)?;
    crate::private_fs::replace_private(path, (text + "\n").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_settings_load_back() {
        let dir = tempfile::tempdir().expect("test setup");
        let path = settings_path(dir.path());
        let settings = LogViewSettings {
            timestamps: true,
            wrap: true,
            colors: false,
            since: SinceWindow::FifteenMinutes,
            regex: true,
            context: 5,
            fullscreen: true,
            show_other_containers: true,
        };
        save(&path, &settings).expect("test setup");
        assert_eq!(load(&path), (settings, None));
    }

    #[test]
    fn settings_are_private_and_never_written_through_a_link() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("test setup");
        let data = dir.path().join("data");
        let path = settings_path(&data);
        let mode = |p: &Path| {
            std::fs::symlink_metadata(p)
                .expect("exists")
                .permissions()
                .mode()
                & 0o777
        };
        save(&path, &LogViewSettings::default()).expect("saved");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&data), 0o700);
        // An old file left readable by others is replaced by a private one.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        save(&path, &LogViewSettings::default()).expect("saved");
        assert_eq!(mode(&path), 0o600);
        // A link planted in its place: the target is left alone, the link replaced.
        let target = dir.path().join("elsewhere.txt");
        std::fs::write(&target, "untouched").expect("test setup");
        std::fs::remove_file(&path).expect("test setup");
        std::os::unix::fs::symlink(&target, &path).expect("test setup");
        let settings = LogViewSettings {
            wrap: true,
            ..LogViewSettings::default()
        };
        save(&path, &settings).expect("saved");
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "untouched");
        assert!(!std::fs::symlink_metadata(&path)
            .expect("exists")
            .file_type()
            .is_symlink());
        assert_eq!(mode(&path), 0o600);
        assert_eq!(load(&path), (settings, None));
        // No temporary file is left beside it.
        let names: Vec<_> = std::fs::read_dir(&data)
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, [std::ffi::OsString::from("log-view.json")]);
    }

    #[test]
    fn missing_file_gives_defaults_silently() {
        let dir = tempfile::tempdir().expect("test setup");
        assert_eq!(
            load(&dir.path().join("nope.json")),
            (LogViewSettings::default(), None)
        );
    }

    #[test]
    fn broken_file_gives_defaults_and_a_message() {
        let dir = tempfile::tempdir().expect("test setup");
        let path = settings_path(dir.path());
        std::fs::write(&path, "{ \"wrap\": tru").expect("test setup");
        let (settings, message) = load(&path);
        assert_eq!(settings, LogViewSettings::default());
        assert!(message.expect("test setup").contains("ignored"));
        std::fs::write(&path, "{ \"since\": \"forever\" }").expect("test setup");
        assert!(load(&path).1.is_some());
    }

    #[test]
    fn since_cycles_both_ways() {
        assert_eq!(SinceWindow::All.next(), SinceWindow::FiveMinutes);
        assert_eq!(SinceWindow::All.prev(), SinceWindow::OneHour);
        assert_eq!(SinceWindow::OneHour.next(), SinceWindow::All);
        assert_eq!(
            SinceWindow::FiveMinutes.duration(),
            Some(Duration::from_secs(300))
        );
    }
}
