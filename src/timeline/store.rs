//! The timeline file: JSON lines in the data directory, append-only, bounded, shared.
//!
//! Several writers (a console, `doctor`, `up`) may append at once. Every change happens
//! under an exclusive advisory lock on a separate lock file, and the timeline file is
//! opened by path after the lock is taken, so a compaction's rename can never swallow a
//! concurrent append. Readers take a shared lock. A torn or garbage line is skipped.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use fs4::FileExt;

use super::entry::Entry;

/// The file's name in the data directory.
pub const FILE_NAME: &str = "timeline.jsonl";
const LOCK_NAME: &str = "timeline.lock";

/// How much history the file keeps: whichever bound is smaller wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub max_entries: usize,
    pub max_age: Duration,
    /// Appends compact the file once it grows past this size.
    pub compact_over_bytes: u64,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            max_entries: 20_000,
            max_age: Duration::from_secs(30 * 24 * 3600),
            compact_over_bytes: 16 * 1024 * 1024,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("timeline file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("timeline file {0} is a symbolic link; refusing to follow it")]
    Symlink(PathBuf),
    #[error("no data directory (no home directory and no $POC_TUI_DATA)")]
    NoDataDir,
}

/// What a read found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loaded {
    /// Oldest first, within the bounds.
    pub entries: Vec<Entry>,
    /// Lines that were torn or not an entry.
    pub skipped_lines: usize,
    /// Entries past the bounds (older, or beyond the count).
    pub out_of_bounds: usize,
}

/// The timeline file of one data directory.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
    bounds: Bounds,
}

impl Store {
    pub fn new(dir: impl Into<PathBuf>, bounds: Bounds) -> Self {
        Store {
            dir: dir.into(),
            bounds,
        }
    }

    /// The store in poc-tui's data directory.
    pub fn in_data_dir(paths: &crate::paths::Paths) -> Result<Self, StoreError> {
        let dir = paths.data_dir.clone().ok_or(StoreError::NoDataDir)?;
        Ok(Store::new(dir, Bounds::default()))
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    fn io(&self, source: io::Error) -> StoreError {
        StoreError::Io {
            path: self.path(),
            source,
        }
    }

    /// Appends entries as whole lines in one write; compacts when the file got big.
    pub fn append(&self, entries: &[Entry]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut text = String::new();
        for entry in entries {
            // An entry always serialises; a failure would be a bug, and is skipped.
            if let Ok(line) = serde_json::to_string(entry) {
                text.push_str(&line);
                text.push('\n');
            }
        }
        let lock = self.lock(true)?;
        let size = {
            let mut file = open_private(self.path(), OpenMode::Append)?;
            file.write_all(text.as_bytes()).map_err(|e| self.io(e))?;
            file.metadata().map_err(|e| self.io(e))?.len()
        };
        if size > self.bounds.compact_over_bytes {
            self.compact_locked(SystemTime::now())?;
        }
        drop(lock);
        Ok(())
    }

    /// Every entry within the bounds, oldest first. A missing file is an empty timeline.
    pub fn load(&self, now: SystemTime) -> Result<Loaded, StoreError> {
        if !self.path().exists() {
            return Ok(Loaded::default());
        }
        let _lock = self.lock(false)?;
        self.read_locked(now)
    }

    /// Loads, and rewrites the file when it holds entries past the bounds.
    pub fn load_and_tidy(&self, now: SystemTime) -> Result<Loaded, StoreError> {
        let loaded = self.load(now)?;
        if loaded.out_of_bounds > self.bounds.max_entries / 10 || loaded.skipped_lines > 0 {
            let _lock = self.lock(true)?;
            return self.compact_locked(now);
        }
        Ok(loaded)
    }

    /// Rewrites the file with only the entries within the bounds: a temporary file, then
    /// an atomic rename, all under the exclusive lock.
    pub fn compact(&self, now: SystemTime) -> Result<Loaded, StoreError> {
        let _lock = self.lock(true)?;
        self.compact_locked(now)
    }

    fn compact_locked(&self, now: SystemTime) -> Result<Loaded, StoreError> {
        let loaded = self.read_locked(now)?;
        let temp = self
            .dir
            .join(format!("{FILE_NAME}.tmp-{}", std::process::id()));
        let _ = std::fs::remove_file(&temp);
        let result = (|| {
            let mut file = open_private(temp.clone(), OpenMode::CreateNew)?;
            let mut text = String::new();
            for entry in &loaded.entries {
                if let Ok(line) = serde_json::to_string(entry) {
                    text.push_str(&line);
                    text.push('\n');
                }
            }
            file.write_all(text.as_bytes()).map_err(|e| self.io(e))?;
            file.sync_all().map_err(|e| self.io(e))?;
            std::fs::rename(&temp, self.path()).map_err(|e| self.io(e))
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        result.map(|()| loaded)
    }

    fn read_locked(&self, now: SystemTime) -> Result<Loaded, StoreError> {
        let file = match open_private(self.path(), OpenMode::Read) {
            Ok(f) => f,
            Err(StoreError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                return Ok(Loaded::default())
            }
            Err(e) => return Err(e),
        };
        let mut loaded = Loaded::default();
        for line in BufReader::new(file).split(b'\n') {
            let line = line.map_err(|e| self.io(e))?;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<Entry>(&line) {
                Ok(entry) => loaded.entries.push(entry),
                Err(_) => loaded.skipped_lines += 1,
            }
        }
        // Appends from several writers are nearly, not exactly, in time order.
        loaded.entries.sort_by_key(|e| e.time);
        let before = loaded.entries.len();
        loaded.entries.retain(|e| e.age(now) <= self.bounds.max_age);
        let excess = loaded.entries.len().saturating_sub(self.bounds.max_entries);
        loaded.entries.drain(..excess);
        loaded.out_of_bounds = before - loaded.entries.len();
        Ok(loaded)
    }

    fn lock(&self, exclusive: bool) -> Result<File, StoreError> {
        create_private_dir(&self.dir).map_err(|e| self.io(e))?;
        let file = open_private(self.dir.join(LOCK_NAME), OpenMode::Lock)?;
        let locked = if exclusive {
            FileExt::lock(&file)
        } else {
            FileExt::lock_shared(&file)
        };
        locked.map_err(|e| self.io(e))?;
        // Dropping the file closes it, which releases the lock.
        Ok(file)
    }
}

/// Opens a file of the store: 0600 when created, never through a symbolic link.
fn open_private(path: PathBuf, mode: OpenMode) -> Result<File, StoreError> {
    let mut options = OpenOptions::new();
    options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    match mode {
        OpenMode::Read => options.read(true),
        OpenMode::Append => options.append(true).create(true),
        OpenMode::CreateNew => options.write(true).create_new(true),
        OpenMode::Lock => options.read(true).write(true).create(true),
    };
    options.open(&path).map_err(|source| {
        if source.raw_os_error() == Some(libc::ELOOP) {
            StoreError::Symlink(path.clone())
        } else {
            StoreError::Io { path, source }
        }
    })
}

#[derive(Debug, Clone, Copy)]
enum OpenMode {
    Read,
    Append,
    CreateNew,
    Lock,
}

/// Creates the directory (0700) when it is missing.
fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::timeline::entry::Kind;

    fn entry(secs: u64, subject: &str) -> Entry {
        Entry::new(
            SystemTime::UNIX_EPOCH + Duration::from_secs(secs),
            Kind::Engine,
            "start",
            subject,
            "started",
        )
    }

    const NOW: u64 = 2_000_000_000;

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(NOW)
    }

    #[test]
    fn appended_entries_come_back_in_time_order_and_the_file_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("data"), Bounds::default());
        store
            .append(&[entry(NOW - 10, "b"), entry(NOW - 20, "a")])
            .unwrap();
        store.append(&[entry(NOW - 5, "c")]).unwrap();
        let loaded = store.load(now()).unwrap();
        let subjects: Vec<&str> = loaded.entries.iter().map(|e| e.subject.as_str()).collect();
        assert_eq!(subjects, ["a", "b", "c"]);
        let mode = std::fs::metadata(store.path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = std::fs::metadata(dir.path().join("data"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);
    }

    #[test]
    fn torn_and_garbage_lines_are_skipped_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path(), Bounds::default());
        store.append(&[entry(NOW - 3, "good")]).unwrap();
        let mut file = OpenOptions::new().append(true).open(store.path()).unwrap();
        file.write_all(b"not json at all\n{\"time\":\"2026-01-01T00:00:00Z\",\"ki")
            .unwrap();
        file.write_all(b"\n\xff\xfe\n").unwrap();
        drop(file);
        store.append(&[entry(NOW - 1, "after")]).unwrap();
        let loaded = store.load(now()).unwrap();
        assert_eq!(loaded.entries.len(), 2);
        assert_eq!(loaded.skipped_lines, 3);
        // Tidying drops the garbage for good.
        store.load_and_tidy(now()).unwrap();
        assert_eq!(store.load(now()).unwrap().skipped_lines, 0);
    }

    #[test]
    fn compaction_keeps_the_newest_within_count_and_age() {
        let dir = tempfile::tempdir().unwrap();
        let bounds = Bounds {
            max_entries: 3,
            max_age: Duration::from_secs(100),
            compact_over_bytes: u64::MAX,
        };
        let store = Store::new(dir.path(), bounds);
        let old = entry(NOW - 500, "too-old");
        let recent: Vec<Entry> = (0..5)
            .map(|i| entry(NOW - 50 + i, &format!("e{i}")))
            .collect();
        store.append(&[old]).unwrap();
        store.append(&recent).unwrap();
        let loaded = store.compact(now()).unwrap();
        assert_eq!(loaded.out_of_bounds, 3);
        let text = std::fs::read_to_string(store.path()).unwrap();
        assert_eq!(text.lines().count(), 3);
        assert!(!text.contains("too-old") && !text.contains("\"e1\""));
        assert!(text.contains("\"e4\""));
        let mode = std::fs::metadata(store.path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_symlinked_timeline_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, "").unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join(FILE_NAME)).unwrap();
        let store = Store::new(dir.path(), Bounds::default());
        let err = store.append(&[entry(NOW, "x")]).unwrap_err();
        assert!(matches!(err, StoreError::Symlink(_)), "{err}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "");
    }

    #[test]
    fn two_writers_in_parallel_lose_and_tear_nothing_even_while_compacting() {
        let dir = tempfile::tempdir().unwrap();
        // A tiny size limit makes nearly every append compact, racing the other writer.
        let bounds = Bounds {
            compact_over_bytes: 4096,
            ..Bounds::default()
        };
        let per_writer = 300;
        let writers: Vec<_> = ["left", "right"]
            .into_iter()
            .map(|name| {
                let store = Store::new(dir.path(), bounds);
                std::thread::spawn(move || {
                    for i in 0..per_writer {
                        let mut e = entry(NOW - 1000 + i, &format!("{name}-{i}"));
                        e.text = "x".repeat(200);
                        store.append(&[e]).unwrap();
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        let store = Store::new(dir.path(), bounds);
        let loaded = store.load(now()).unwrap();
        assert_eq!(loaded.skipped_lines, 0);
        assert_eq!(loaded.entries.len(), 2 * per_writer as usize);
        for name in ["left", "right"] {
            for i in 0..per_writer {
                let subject = format!("{name}-{i}");
                assert!(
                    loaded.entries.iter().any(|e| e.subject == subject),
                    "{subject} lost"
                );
            }
        }
    }
}
