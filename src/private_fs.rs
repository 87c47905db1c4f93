//! Files only their owner may read, written so that nothing else can be made to receive them:
//! directories 0700, files 0600, never opened through a symbolic link, and a new file never
//! replaces an existing one.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Mode of every directory poc-tui creates for its data.
pub const DIR_MODE: u32 = 0o700;
/// Mode of every file poc-tui writes.
pub const FILE_MODE: u32 = 0o600;

/// How many numbered alternatives a taken name gets before giving up.
const MAX_ALTERNATIVES: u32 = 999;

/// Creates `dir` and its missing parents with mode 0700, and tightens an existing `dir` to
/// 0700. Tightening is best effort: a directory the user does not own keeps its mode, and the
/// files inside stay 0600 anyway.
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)?;
    let mode = fs::metadata(dir)?.permissions().mode() & 0o777;
    if mode != DIR_MODE {
        let _ = fs::set_permissions(dir, fs::Permissions::from_mode(DIR_MODE));
    }
    Ok(())
}

/// Fails when `path` itself is a symbolic link (whatever it points to).
pub fn refuse_symlink(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(io::Error::other(format!(
            "{} is a symbolic link; poc-tui does not write through links",
            path.display()
        ))),
        _ => Ok(()),
    }
}

fn open_new(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

/// `name-3.ext` (or `name-3` without an extension) next to `path`.
fn numbered(path: &Path, n: u32) -> PathBuf {
    let stem = path
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{n}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{n}"),
    };
    path.with_file_name(name)
}

/// Creates a new 0600 file at `path`, or at `name-1.ext`, `name-2.ext`… when that name is
/// taken (by a file, a directory or a symbolic link: none is ever opened). Returns the file
/// and the path it has.
pub fn create_new_private(path: &Path) -> io::Result<(File, PathBuf)> {
    let mut candidate = path.to_path_buf();
    for n in 1..=MAX_ALTERNATIVES + 1 {
        match open_new(&candidate) {
            Ok(file) => return Ok((file, candidate)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => candidate = numbered(path, n),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!(
            "{} and {MAX_ALTERNATIVES} numbered alternatives exist",
            path.display()
        ),
    ))
}

/// Opens `path` for appending, creating it 0600; an existing file is tightened to 0600. A
/// symbolic link is refused rather than followed.
pub fn open_private_append(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    let mode = file.metadata()?.permissions().mode() & 0o777;
    if mode != FILE_MODE {
        file.set_permissions(fs::Permissions::from_mode(FILE_MODE))?;
    }
    Ok(file)
}

/// Replaces the file at `path` with `bytes`: written to a new private file beside it, then
/// renamed over it, so a symbolic link at `path` is replaced, never written through.
pub fn replace_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temporary = path.with_file_name(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        std::process::id()
    ));
    let (mut file, written) = create_new_private(&temporary)?;
    let result = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| fs::rename(&written, path));
    if result.is_err() {
        let _ = fs::remove_file(&written);
    }
    result
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn directories_are_created_and_tightened_to_0700() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        ensure_private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&tmp.path().join("a")), 0o700);
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        ensure_private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
    }

    #[test]
    fn new_files_are_0600_and_never_replace_or_follow_anything() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("out.log");
        let (_, first) = create_new_private(&path).unwrap();
        assert_eq!(first, path);
        assert_eq!(mode(&first), 0o600);
        let (_, second) = create_new_private(&path).unwrap();
        assert_eq!(second, tmp.path().join("out-1.log"));

        // A planted link, dangling or not, is never opened: the file gets another name.
        let victim = tmp.path().join("victim");
        fs::write(&victim, "keep").unwrap();
        let planted = tmp.path().join("planted.txt");
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        let (mut f, got) = create_new_private(&planted).unwrap();
        f.write_all(b"export").unwrap();
        assert_eq!(got, tmp.path().join("planted-1.txt"));
        assert_eq!(fs::read_to_string(&victim).unwrap(), "keep");
        assert_eq!(numbered(Path::new("/x/name"), 2), Path::new("/x/name-2"));
    }

    #[test]
    fn append_tightens_an_old_file_and_refuses_a_link() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("poc-tui.log");
        fs::write(&path, "old\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let mut f = open_private_append(&path).unwrap();
        f.write_all(b"new\n").unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(fs::read_to_string(&path).unwrap(), "old\nnew\n");

        let link = tmp.path().join("link.log");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert!(open_private_append(&link).is_err());
        assert!(refuse_symlink(&link).is_err());
        assert!(refuse_symlink(&path).is_ok());
    }

    #[test]
    fn replacing_swaps_a_link_instead_of_writing_through_it() {
        let tmp = tempfile::tempdir().unwrap();
        let victim = tmp.path().join("victim");
        fs::write(&victim, "keep").unwrap();
        let path = tmp.path().join("state.json");
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        replace_private(&path, b"{}").unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "keep");
        assert_eq!(fs::read_to_string(&path).unwrap(), "{}");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(
            fs::read_dir(tmp.path()).unwrap().count(),
            2,
            "no temporary left"
        );
    }
}
