//! The user's data is theirs alone: what the data layer keeps (the outbox, the local copy,
//! exports, migration backups, the embedded server's database, its log and its signing keys)
//! is readable by the user only, whatever the process's umask. On Unix directories are made
//! 0700, files 0600, and [`make_private`] fixes a data dir an earlier version left
//! world-readable. On Windows a new file or folder inherits the ACL of the folder it is in, and
//! the data dir is in the user's own app data folder (`%APPDATA%`: the user, SYSTEM and
//! Administrators), so nothing is widened there and these functions only create and open.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Creates `dir` and its missing parents 0700; an existing `dir` loses its group and other bits.
/// For directories the data layer owns (the data dir, the embedded server's).
pub fn create_dir(dir: &Path) -> io::Result<()> {
    create_missing_dirs(dir)?;
    os::restrict(dir, &std::fs::metadata(dir)?)
}

/// Creates the missing directories of `dir` 0700 and leaves existing ones as they are: for a
/// place the user chose (an export's folder), whose permissions are theirs to decide.
pub fn create_missing_dirs(dir: &Path) -> io::Result<()> {
    os::dir_builder().recursive(true).create(dir)
}

/// Opens `path` for writing, truncated, created 0600; an existing file loses its group and
/// other bits (the mode given at creation does not apply to it).
pub fn create_file(path: &Path) -> io::Result<File> {
    let file = os::private(OpenOptions::new().write(true).create(true).truncate(true)).open(path)?;
    os::restrict_open(&file)?;
    Ok(file)
}

/// Opens `path` for appending, created 0600 (an existing file is made private too).
pub fn append_file(path: &Path) -> io::Result<File> {
    let file = os::private(OpenOptions::new().create(true).append(true)).open(path)?;
    os::restrict_open(&file)?;
    Ok(file)
}

/// Opens `path` for reading and writing as it is (created 0600 when missing; an existing file is
/// made private too).
pub fn open_rw(path: &Path) -> io::Result<File> {
    let file = os::private(OpenOptions::new().read(true).write(true).create(true).truncate(false)).open(path)?;
    os::restrict_open(&file)?;
    Ok(file)
}

/// `std::fs::write`, to a file only the user can read.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    create_file(path)?.write_all(bytes)
}

/// Replaces `path` with `bytes` whole or not at all, readable by the user only: written to a
/// file beside it (`<name>.new`), synced, then renamed over it, so a crash leaves the old file
/// or the new one, never half of one.
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    replace_with(path, |file| file.write_all(bytes))
}

/// [`replace`] with what `write` writes, through a buffer: a large file is never whole in memory.
pub fn replace_with(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let fresh = path.with_file_name(format!("{name}.new"));
    let mut file = io::BufWriter::new(create_file(&fresh)?);
    write(&mut file)?;
    let file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
    file.sync_all()?;
    std::fs::rename(&fresh, path)
}

/// Takes the group and other bits off `dir` and everything in it, without following symbolic
/// links (a link's target may be anywhere). Run on start, so a data dir an earlier version
/// left world-readable becomes private. Goes on past what it cannot change and returns those
/// paths with their errors; what does not exist (a fresh data dir) has nothing to fix, and
/// neither has anything on Windows (see the module docs).
pub fn make_private(dir: &Path) -> Vec<(PathBuf, io::Error)> {
    let mut failed = Vec::new();
    if cfg!(windows) {
        return failed;
    }
    walk(dir, &mut failed);
    failed
}

fn walk(path: &Path, failed: &mut Vec<(PathBuf, io::Error)>) {
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return,
        Err(e) => return failed.push((path.to_owned(), e)),
    };
    if metadata.file_type().is_symlink() {
        return;
    }
    // The directory first: its entries are listed whatever its mode, as the owner.
    if let Err(e) = os::restrict(path, &metadata) {
        failed.push((path.to_owned(), e));
    }
    if metadata.is_dir() {
        match std::fs::read_dir(path) {
            Ok(entries) => {
                for entry in entries {
                    match entry {
                        Ok(entry) => walk(&entry.path(), failed),
                        Err(e) => failed.push((path.to_owned(), e)),
                    }
                }
            }
            Err(e) => failed.push((path.to_owned(), e)),
        }
    }
}

#[cfg(unix)]
mod os {
    use std::fs::{DirBuilder, File, Metadata, OpenOptions, Permissions};
    use std::io;
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    use std::path::Path;

    /// The permission bits of the group and of others.
    const GROUP_OTHER: u32 = 0o077;

    /// Makes directories 0700.
    pub(super) fn dir_builder() -> DirBuilder {
        let mut builder = DirBuilder::new();
        builder.mode(0o700);
        builder
    }

    /// Creates files 0600 (the mode given at creation does not apply to an existing file).
    pub(super) fn private(options: &mut OpenOptions) -> &mut OpenOptions {
        options.mode(0o600)
    }

    /// Removes the group and other bits of `path` (which has `metadata`), if it has any.
    pub(super) fn restrict(path: &Path, metadata: &Metadata) -> io::Result<()> {
        let mode = metadata.permissions().mode();
        if mode & GROUP_OTHER == 0 {
            return Ok(());
        }
        std::fs::set_permissions(path, Permissions::from_mode(mode & !GROUP_OTHER))
    }

    pub(super) fn restrict_open(file: &File) -> io::Result<()> {
        let mode = file.metadata()?.permissions().mode();
        if mode & GROUP_OTHER == 0 {
            return Ok(());
        }
        file.set_permissions(Permissions::from_mode(mode & !GROUP_OTHER))
    }
}

/// Windows: what is created inherits the ACL of its folder (see the module docs); nothing to
/// set or take away.
#[cfg(windows)]
mod os {
    use std::fs::{DirBuilder, File, Metadata, OpenOptions};
    use std::io;
    use std::path::Path;

    pub(super) fn dir_builder() -> DirBuilder {
        DirBuilder::new()
    }

    pub(super) fn private(options: &mut OpenOptions) -> &mut OpenOptions {
        options
    }

    pub(super) fn restrict(_path: &Path, _metadata: &Metadata) -> io::Result<()> {
        Ok(())
    }

    pub(super) fn restrict_open(_file: &File) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::fs::Permissions;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_files_and_dirs_are_private_whatever_was_there() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        create_dir(&dir).unwrap();
        assert_eq!((mode(&root.path().join("a")), mode(&dir)), (0o700, 0o700));
        std::fs::set_permissions(&dir, Permissions::from_mode(0o755)).unwrap();
        create_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700, "an existing dir is made private");

        let file = dir.join("f");
        std::fs::write(&file, "old").unwrap();
        std::fs::set_permissions(&file, Permissions::from_mode(0o644)).unwrap();
        write(&file, b"new").unwrap();
        assert_eq!((mode(&file), std::fs::read_to_string(&file).unwrap()), (0o600, "new".to_owned()));
        append_file(&dir.join("log")).unwrap().write_all(b"x").unwrap();
        assert_eq!(mode(&dir.join("log")), 0o600);

        // A folder the user chose keeps its permissions; what is created in it is private.
        let chosen = root.path().join("chosen");
        std::fs::create_dir(&chosen).unwrap();
        std::fs::set_permissions(&chosen, Permissions::from_mode(0o755)).unwrap();
        create_missing_dirs(&chosen.join("new")).unwrap();
        assert_eq!((mode(&chosen), mode(&chosen.join("new"))), (0o755, 0o700));
    }

    #[test]
    fn make_private_fixes_everything_in_a_dir_but_follows_no_link() {
        let root = tempfile::tempdir().unwrap();
        let (dir, outside) = (root.path().join("data"), root.path().join("outside"));
        std::fs::create_dir_all(dir.join("sub/deeper")).unwrap();
        std::fs::write(dir.join("top"), "").unwrap();
        std::fs::write(dir.join("sub/deeper/file"), "").unwrap();
        std::fs::write(&outside, "").unwrap();
        std::os::unix::fs::symlink(&outside, dir.join("link")).unwrap();
        for (path, m) in [
            (dir.clone(), 0o755),
            (dir.join("sub"), 0o775),
            (dir.join("sub/deeper"), 0o711),
            (dir.join("top"), 0o644),
            (dir.join("sub/deeper/file"), 0o666),
            (outside.clone(), 0o644),
        ] {
            std::fs::set_permissions(&path, Permissions::from_mode(m)).unwrap();
        }
        assert!(make_private(&dir).is_empty());
        assert_eq!(
            [&dir, &dir.join("sub"), &dir.join("sub/deeper"), &dir.join("top"), &dir.join("sub/deeper/file")]
                .map(|p| mode(p)),
            [0o700, 0o700, 0o700, 0o600, 0o600]
        );
        assert_eq!(mode(&outside), 0o644, "a link's target is left alone");
        assert!(make_private(&root.path().join("missing")).is_empty(), "a fresh data dir has nothing to fix");
    }
}
