//! Layering: the embedded default, then the user's file, then validation with exact locations.

use std::fmt;
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::model::Config;

/// The POC as the manual describes it, compiled into the binary.
pub const EMBEDDED_DEFAULT: &str = include_str!("../../assets/poc.toml");

/// A position in a config file, 1-based, for `file:line:col` messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub col: usize,
}

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("{}: cannot read the config file: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", at(origin, *location))]
    Invalid {
        origin: String,
        location: Option<Location>,
        message: String,
    },
}

fn at(origin: &str, location: Option<Location>) -> String {
    match location {
        Some(l) => format!("{origin}:{}:{}", l.line, l.col),
        None => origin.to_owned(),
    }
}

/// Where the user layer came from, shown by `poc-tui config` and `--version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserLayer {
    None,
    File { path: PathBuf, how: &'static str },
}

impl fmt::Display for UserLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserLayer::None => f.write_str("embedded default only"),
            UserLayer::File { path, how } => {
                write!(f, "embedded default + {} ({how})", path.display())
            }
        }
    }
}

/// The effective config and where its layers came from.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: Config,
    pub user_layer: UserLayer,
}

/// Picks the user file: `--config` wins, then `$POC_TUI_CONFIG`, then the XDG location if present.
pub fn choose_user_file(explicit: Option<&Path>, default_path: Option<&Path>) -> UserLayer {
    if let Some(p) = explicit {
        return UserLayer::File {
            path: p.to_path_buf(),
            how: "--config",
        };
    }
    if let Some(p) = std::env::var_os("POC_TUI_CONFIG").filter(|v| !v.is_empty()) {
        return UserLayer::File {
            path: PathBuf::from(p),
            how: "$POC_TUI_CONFIG",
        };
    }
    match default_path {
        Some(p) if p.is_file() => UserLayer::File {
            path: p.to_path_buf(),
            how: "user config directory",
        },
        _ => UserLayer::None,
    }
}

/// Loads the effective config: the embedded default with the user layer merged over it.
pub fn load(user_layer: UserLayer) -> Result<LoadedConfig, ConfigError> {
    let user = match &user_layer {
        UserLayer::None => None,
        UserLayer::File { path, .. } => {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.clone(),
                source,
            })?;
            Some((path.display().to_string(), text))
        }
    };
    let config = load_from_texts(
        EMBEDDED_DEFAULT,
        user.as_ref().map(|(o, t)| (o.as_str(), t.as_str())),
    )?;
    Ok(LoadedConfig { config, user_layer })
}

/// Merges `user` (origin name, text) over `default` and validates the result.
pub fn load_from_texts(default: &str, user: Option<(&str, &str)>) -> Result<Config, ConfigError> {
    let mut merged = parse_table("embedded default", default)?;
    if let Some((origin, text)) = user {
        let overlay = parse_table(origin, text)?;
        merge_tables(&mut merged, overlay);
    }
    let (origin, text) = user.unwrap_or(("embedded default", default));
    let config: Config =
        serde_path_to_error::deserialize(toml::Value::Table(merged)).map_err(|err| {
            let path = err.path().to_string();
            // toml appends "in `key`" on a second line; the path already says where.
            let inner = err.inner().to_string();
            let reason = inner.lines().next().unwrap_or_default().to_owned();
            ConfigError::Invalid {
                origin: origin.to_owned(),
                location: locate_key_path(text, &path),
                message: format!("{}: {reason}", display_path(&path)),
            }
        })?;
    super::validate::validate(&config).map_err(|problem| ConfigError::Invalid {
        origin: origin.to_owned(),
        location: locate_key_path(text, &problem.key_path),
        message: format!("{}: {}", display_path(&problem.key_path), problem.message),
    })?;
    Ok(config)
}

fn display_path(path: &str) -> &str {
    if path == "." || path.is_empty() {
        "(top level)"
    } else {
        path
    }
}

fn parse_table(origin: &str, text: &str) -> Result<toml::Table, ConfigError> {
    text.parse::<toml::Table>()
        .map_err(|err| ConfigError::Invalid {
            origin: origin.to_owned(),
            location: err.span().map(|s| offset_to_location(text, s.start)),
            message: format!("invalid TOML: {}", err.message().trim_end()),
        })
}

/// Tables merge key by key; every other value (arrays included) replaces the default.
/// A table with a `kind` key (a probe) is one value of its own kind and replaces whole, so a
/// TCP probe over an HTTP one does not inherit the HTTP probe's `url`.
fn merge_tables(base: &mut toml::Table, overlay: toml::Table) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) if !o.contains_key("kind") => {
                merge_tables(b, o);
            }
            (_, v) => {
                base.insert(key, v);
            }
        }
    }
}

/// Finds the deepest key of a dotted path (`services.foo.probe.url`) present in `text`.
fn locate_key_path(text: &str, path: &str) -> Option<Location> {
    let doc = toml_edit::Document::parse(text).ok()?;
    let mut table: &dyn toml_edit::TableLike = doc.as_table();
    let mut found = None;
    for segment in path.split('.').filter(|s| !s.is_empty() && *s != "?") {
        let Some((key, item)) = table.get_key_value(segment) else {
            break;
        };
        if let Some(span) = key.span() {
            found = Some(span.start);
        }
        match item.as_table_like() {
            Some(t) => table = t,
            None => break,
        }
    }
    found.map(|offset| offset_to_location(text, offset))
}

fn offset_to_location(text: &str, offset: usize) -> Location {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Location {
        line,
        col: before[line_start..].chars().count() + 1,
    }
}

/// The service keys of the embedded description of the POC, in its order (empty if it did
/// not parse, which its own tests rule out).
pub fn embedded_service_keys() -> Vec<String> {
    load_from_texts(EMBEDDED_DEFAULT, None)
        .map(|c| c.services.keys().cloned().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_one_based_positions() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(offset_to_location(text, 0), Location { line: 1, col: 1 });
        assert_eq!(offset_to_location(text, 9), Location { line: 2, col: 4 });
    }

    #[test]
    fn key_paths_resolve_to_the_deepest_written_key() {
        let text = "[services.gitea]\nprobe = { kind = \"http\", url = 3 }\n";
        let loc = locate_key_path(text, "services.gitea.probe.url");
        assert_eq!(loc, Some(Location { line: 2, col: 26 }));
        let loc = locate_key_path(text, "services.gitea.missing");
        assert_eq!(loc, Some(Location { line: 1, col: 11 }));
    }
}
