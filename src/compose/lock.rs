//! One compose action per project at a time, across processes: the console's worker and the
//! headless `up` / `restart` take an exclusive advisory lock on
//! `<data dir>/locks/<project>.lock` for as long as the action runs.
//!
//! The lock is an `flock` on an open file: it goes away with the process, so a killed run
//! never leaves a stale lock. The holder writes its pid and what it runs into the file so a
//! refused caller can say who holds it.

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek as _, Write as _};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fs4::FileExt;

/// How long a caller waits for another action on the same project by default.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(100);

/// A held project lock; dropping it releases the lock.
#[derive(Debug)]
pub struct ProjectLock {
    file: File,
    path: PathBuf,
}

impl ProjectLock {
    /// The file that stands for `project` under `data_dir`.
    pub fn path_for(data_dir: &Path, project: &str) -> PathBuf {
        // Project names are validated compose names ([a-z0-9_-]); anything else is encoded
        // so it can never leave the directory.
        let safe: String = project
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let name = if safe.is_empty() { "_" } else { &safe };
        data_dir.join("locks").join(format!("{name}.lock"))
    }

    /// Takes the lock of `project`, waiting up to `wait` for a holder to let go. `what`
    /// ("up -d gitea") is written into the file for a refused caller's message.
    pub async fn acquire(
        data_dir: &Path,
        project: &str,
        what: &str,
        wait: Duration,
    ) -> Result<ProjectLock, String> {
        let path = Self::path_for(data_dir, project);
        let dir = path.parent().unwrap_or(data_dir).to_path_buf();
        crate::private_fs::ensure_private_dir(data_dir)
            .and_then(|()| crate::private_fs::ensure_private_dir(&dir))
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let start = Instant::now();
        loop {
            match FileExt::try_lock(&file) {
                Ok(()) => break,
                Err(fs4::TryLockError::WouldBlock) if start.elapsed() < wait => {
                    tokio::time::sleep(POLL).await;
                }
                Err(fs4::TryLockError::WouldBlock) => {
                    return Err(busy_message(&file, project, wait));
                }
                Err(fs4::TryLockError::Error(e)) => {
                    return Err(format!("cannot lock {}: {e}", path.display()));
                }
            }
        }
        let mut lock = ProjectLock { file, path };
        lock.write_holder(what);
        Ok(lock)
    }

    fn write_holder(&mut self, what: &str) {
        let text = format!("pid {} runs {what}\n", std::process::id());
        let _ = self.file.set_len(0);
        let _ = self.file.rewind();
        let _ = self.file.write_all(text.as_bytes());
        let _ = self.file.flush();
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ProjectLock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        let _ = FileExt::unlock(&self.file);
    }
}

fn busy_message(file: &File, project: &str, wait: Duration) -> String {
    let mut holder = String::new();
    let mut reader = file;
    let _ = reader.rewind();
    let _ = reader.take(200).read_to_string(&mut holder);
    // Anyone who can write the data directory can write this text: plain ASCII only.
    let holder: String = holder
        .trim()
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .collect();
    let who = if holder.is_empty() {
        "another poc-tui".to_owned()
    } else {
        format!("another poc-tui ({holder})")
    };
    format!(
        "{who} is running an action on compose project {project}; waited {} s. Try again when it has finished",
        wait.as_secs()
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_holder_waits_then_is_refused_naming_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let first = ProjectLock::acquire(dir.path(), "poc", "up -d gitea", Duration::ZERO)
            .await
            .unwrap();
        let err = ProjectLock::acquire(dir.path(), "poc", "restart x", Duration::from_millis(300))
            .await
            .unwrap_err();
        assert!(err.contains("runs up -d gitea"), "{err}");
        assert!(err.contains("compose project poc"), "{err}");
        // Another project is not held up.
        ProjectLock::acquire(dir.path(), "other", "up", Duration::ZERO)
            .await
            .unwrap();
        drop(first);
        ProjectLock::acquire(dir.path(), "poc", "restart x", Duration::ZERO)
            .await
            .unwrap();
    }

    #[test]
    fn odd_project_names_stay_in_the_directory() {
        let p = ProjectLock::path_for(Path::new("/d"), "../x/y");
        assert_eq!(p, Path::new("/d/locks/___x_y.lock"));
    }
}
