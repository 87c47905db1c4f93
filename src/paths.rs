//! Where poc-tui reads its config and writes its data (logs, exports, remembered settings).

use std::path::PathBuf;

use directories::ProjectDirs;

/// The directories poc-tui uses; environment overrides first, then the platform's XDG layout.
#[derive(Debug, Clone)]
pub struct Paths {
    /// `$XDG_CONFIG_HOME/poc-tui/config.toml`, the default user config file.
    pub config_file: Option<PathBuf>,
    /// `$XDG_DATA_HOME/poc-tui` (or `$POC_TUI_DATA`): the log file and exports.
    pub data_dir: Option<PathBuf>,
}

impl Paths {
    pub fn discover() -> Self {
        let dirs = ProjectDirs::from("", "", "poc-tui");
        let data_dir = std::env::var_os("POC_TUI_DATA")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| dirs.as_ref().map(|d| d.data_dir().to_path_buf()));
        Paths {
            config_file: dirs.as_ref().map(|d| d.config_dir().join("config.toml")),
            data_dir,
        }
    }

    pub fn log_file(&self) -> Option<PathBuf> {
        self.data_dir.as_ref().map(|d| d.join("poc-tui.log"))
    }

    /// Multi-line description for `--version` and `config --paths`.
    pub fn describe(&self) -> String {
        let show = |p: &Option<PathBuf>| {
            p.as_ref().map_or_else(
                || "(none: no home directory)".to_owned(),
                |p| p.display().to_string(),
            )
        };
        format!(
            "config file: {}\ndata dir:    {}\nlog file:    {}",
            show(&self.config_file),
            show(&self.data_dir),
            show(&self.log_file())
        )
    }
}
