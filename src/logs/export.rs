//! Saving the ring, or a filtered view of it, as plain sanitised text. An export is a new
//! private file (0600 in a 0700 directory), never written through a symbolic link, and never
//! replaces an existing file: a taken name gets a numbered sibling.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::ring::{LogLine, LogRing};
use super::search::FilterRow;
use crate::private_fs::{create_new_private, ensure_private_dir, refuse_symlink};

/// What each exported line carries besides its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExportOptions {
    /// Prefix each line with its engine timestamp (RFC 3339, nanoseconds).
    pub timestamps: bool,
    /// Prefix each line with its source label (`coder | …`), for merged views.
    pub source_prefix: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// One line as it is written to a file or a pipe (no newline).
pub fn format_line(line: &LogLine, opts: ExportOptions) -> String {
    let mut text = String::with_capacity(line.line.text.len() + 48);
    if opts.timestamps {
        match line.timestamp {
            Some(ts) => text.push_str(&humantime::format_rfc3339_nanos(ts).to_string()),
            None => text.push('-'),
        }
        text.push(' ');
    }
    if opts.source_prefix {
        text.push_str(&line.source);
        text.push_str(" | ");
    }
    text.push_str(&line.line.text);
    text
}

/// Every line held by the ring, as the export writes them.
pub fn ring_lines(ring: &LogRing, opts: ExportOptions) -> Vec<String> {
    ring.iter().map(|line| format_line(line, opts)).collect()
}

/// The rows of a filtered view as the export writes them (separators as `--`, like grep);
/// rows whose line was dropped from the ring meanwhile are skipped.
pub fn filtered_lines(ring: &LogRing, rows: &[FilterRow], opts: ExportOptions) -> Vec<String> {
    rows.iter()
        .filter_map(|row| match *row {
            FilterRow::Separator => Some("--".to_owned()),
            FilterRow::Line { seq, .. } => ring.get(seq).map(|line| format_line(line, opts)),
        })
        .collect()
}

/// Writes these lines; returns the path written (a numbered sibling of `path` when that
/// name was taken).
pub fn export_lines(lines: &[String], path: &Path) -> Result<PathBuf, ExportError> {
    write_file(path, |w| {
        for line in lines {
            writeln!(w, "{line}")?;
        }
        Ok(())
    })
}

/// Writes every line held by the ring; returns the path written.
pub fn export_ring(
    ring: &LogRing,
    path: &Path,
    opts: ExportOptions,
) -> Result<PathBuf, ExportError> {
    export_lines(&ring_lines(ring, opts), path)
}

/// Writes a filtered view; returns the path written.
pub fn export_filtered(
    ring: &LogRing,
    rows: &[FilterRow],
    path: &Path,
    opts: ExportOptions,
) -> Result<PathBuf, ExportError> {
    export_lines(&filtered_lines(ring, rows, opts), path)
}

fn write_file(
    path: &Path,
    body: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> Result<PathBuf, ExportError> {
    let wrap = |source| ExportError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        // The exports directory is poc-tui's own: a link there is not.
        refuse_symlink(parent).map_err(wrap)?;
        ensure_private_dir(parent).map_err(wrap)?;
    }
    let (file, written) = create_new_private(path).map_err(wrap)?;
    let mut writer = BufWriter::new(file);
    body(&mut writer)
        .and_then(|()| writer.flush())
        .map_err(|source| ExportError::Io {
            path: written.clone(),
            source,
        })?;
    Ok(written)
}

/// `<data_dir>/exports/<container>-<UTC time>.log`; the export itself picks a numbered
/// sibling when that name is taken. The container name is reduced to file-safe characters.
pub fn default_export_path(data_dir: &Path, container: &str, now: SystemTime) -> PathBuf {
    let safe: String = container
        .trim_start_matches('/')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    let safe = if safe.is_empty() || safe.starts_with('.') {
        format!("logs{safe}")
    } else {
        safe
    };
    let stamp: String = humantime::format_rfc3339_seconds(now)
        .to_string()
        .chars()
        .filter(|c| *c != '-' && *c != ':')
        .collect();
    data_dir.join("exports").join(format!("{safe}-{stamp}.log"))
}

/// The user's data directory for poc-tui, if the platform has one.
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "poc-tui").map(|dirs| dirs.data_dir().to_owned())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    use super::super::ring::test_line;
    use super::super::search::{filter_with_context, Query, QueryMode};
    use super::*;

    fn ring() -> LogRing {
        let mut ring = LogRing::new(10);
        for (i, text) in ["one", "ERROR two", "three", "four", "ERROR five"]
            .iter()
            .enumerate()
        {
            let mut line = test_line(text);
            line.timestamp = Some(UNIX_EPOCH + Duration::new(1_700_000_000 + i as u64, 5));
            ring.push(line);
        }
        ring
    }

    #[test]
    fn ring_export_is_plain_text_with_optional_prefixes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/out.log");
        let written = export_ring(&ring(), &path, ExportOptions::default()).expect("export");
        assert_eq!(written, path);
        let text = fs::read_to_string(&path).expect("read");
        assert_eq!(text, "one\nERROR two\nthree\nfour\nERROR five\n");

        let opts = ExportOptions {
            timestamps: true,
            source_prefix: true,
        };
        let again = export_ring(&ring(), &path, opts).expect("export");
        assert_eq!(again, dir.path().join("sub/out-1.log"), "never overwrites");
        let text = fs::read_to_string(&again).expect("read");
        let first = text.lines().next().expect("a line");
        assert_eq!(first, "2023-11-14T22:13:20.000000005Z test | one");
        assert_eq!(
            fs::read_to_string(&path).expect("read"),
            "one\nERROR two\nthree\nfour\nERROR five\n"
        );
    }

    #[test]
    fn exports_are_private_and_never_go_through_a_link() {
        let mode = |p: &Path| fs::metadata(p).expect("stat").permissions().mode() & 0o777;
        let dir = tempfile::tempdir().expect("tempdir");
        let exports = dir.path().join("exports");
        let path = exports.join("x.log");
        let written = export_ring(&ring(), &path, ExportOptions::default()).expect("export");
        assert_eq!(mode(&written), 0o600);
        assert_eq!(mode(&exports), 0o700);

        // A link planted at the export's name: the victim is untouched, a sibling is written.
        let victim = dir.path().join("victim");
        fs::write(&victim, "keep").expect("write");
        let planted = exports.join("y.log");
        std::os::unix::fs::symlink(&victim, &planted).expect("symlink");
        let written = export_ring(&ring(), &planted, ExportOptions::default()).expect("export");
        assert_eq!(written, exports.join("y-1.log"));
        assert_eq!(fs::read_to_string(&victim).expect("read"), "keep");

        // The exports directory itself replaced by a link: refused.
        let elsewhere = dir.path().join("elsewhere");
        fs::create_dir(&elsewhere).expect("mkdir");
        let linked = dir.path().join("linked");
        std::os::unix::fs::symlink(&elsewhere, &linked).expect("symlink");
        let err = export_ring(&ring(), &linked.join("z.log"), ExportOptions::default())
            .expect_err("refused");
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(fs::read_dir(&elsewhere).expect("ls").count(), 0);
    }

    #[test]
    fn filtered_export_has_separators() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f.log");
        let ring = ring();
        let q = Query::new("ERROR", QueryMode::Plain).expect("query");
        let rows = filter_with_context(&ring, &q, 0, 0);
        export_filtered(&ring, &rows, &path, ExportOptions::default()).expect("export");
        assert_eq!(
            fs::read_to_string(&path).expect("read"),
            "ERROR two\n--\nERROR five\n"
        );
    }

    #[test]
    fn default_path_is_safe_and_unique() {
        let dir = tempfile::tempdir().expect("tempdir");
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let path = default_export_path(dir.path(), "/coder-server/../x y", now);
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        assert_eq!(name, "coder-server_.._x_y-20231114T221320Z.log");
        assert_eq!(path.parent(), Some(dir.path().join("exports").as_path()));
        let first = export_ring(&ring(), &path, ExportOptions::default()).expect("export");
        let second = export_ring(&ring(), &path, ExportOptions::default()).expect("export");
        assert_ne!(second, first);
        let hidden = default_export_path(dir.path(), "..", now);
        assert!(hidden
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("logs")));
    }

    #[test]
    fn unwritable_path_is_a_typed_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("plain");
        fs::write(&file, "x").expect("write");
        let err =
            export_ring(&ring(), &file.join("below"), ExportOptions::default()).expect_err("fails");
        assert!(err.to_string().contains("cannot write"));
    }
}
