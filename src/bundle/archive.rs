//! Writing the bundle: one `.tar.gz` (the `tar` and `flate2` crates), created new with
//! mode 0600 so it can neither overwrite a file nor be read by other users.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use flate2::write::GzEncoder;
use flate2::Compression;

/// One file of the archive, already redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleFile {
    /// Relative to the archive's top directory.
    pub path: String,
    pub bytes: Vec<u8>,
    /// What it is, for the manifest.
    pub what: String,
}

/// The default name: `poc-tui-bundle-20261129T073100Z.tar.gz`.
pub fn default_name(now: SystemTime) -> String {
    format!("poc-tui-bundle-{}.tar.gz", stamp(now))
}

/// `20261129T073100Z`.
pub fn stamp(now: SystemTime) -> String {
    humantime::format_rfc3339_seconds(now)
        .to_string()
        .replace(['-', ':'], "")
}

/// Writes `files` under `root/` into a new file at `out`. An existing file (or link) at
/// `out` is an error, never overwritten.
pub fn write_archive(
    out: &Path,
    root: &str,
    files: &[BundleFile],
    now: SystemTime,
) -> io::Result<()> {
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(out)?;
    let mtime = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut tar = tar::Builder::new(GzEncoder::new(file, Compression::default()));
    for f in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(f.bytes.len() as u64);
        header.set_mode(0o600);
        header.set_mtime(mtime);
        header.set_entry_type(tar::EntryType::Regular);
        let path = PathBuf::from(root).join(&f.path);
        tar.append_data(&mut header, path, f.bytes.as_slice())?;
    }
    let gz = tar.into_inner()?;
    let mut file = gz.finish()?;
    file.flush()?;
    file.sync_all()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::io::Read;
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn the_archive_unpacks_to_the_same_files_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("b.tar.gz");
        let files = vec![
            BundleFile {
                path: "MANIFEST.md".into(),
                bytes: b"# manifest\n".to_vec(),
                what: "index".into(),
            },
            BundleFile {
                path: "containers/gitea/logs.txt".into(),
                bytes: b"line\n".to_vec(),
                what: "logs".into(),
            },
        ];
        let now = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_790_000_000);
        write_archive(&out, "poc-tui-bundle-x", &files, now).unwrap();
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let gz = flate2::read::GzDecoder::new(std::fs::File::open(&out).unwrap());
        let mut archive = tar::Archive::new(gz);
        let mut seen = Vec::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let path = entry.path().unwrap().display().to_string();
            let mut text = String::new();
            entry.read_to_string(&mut text).unwrap();
            seen.push((path, text));
        }
        assert_eq!(
            seen,
            [
                (
                    "poc-tui-bundle-x/MANIFEST.md".to_owned(),
                    "# manifest\n".to_owned()
                ),
                (
                    "poc-tui-bundle-x/containers/gitea/logs.txt".to_owned(),
                    "line\n".to_owned()
                ),
            ]
        );
        // Never over an existing file.
        assert!(write_archive(&out, "x", &files, now).is_err());
        assert_eq!(stamp(now), "20260921T141320Z");
    }
}
