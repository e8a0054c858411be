//! Where the `spacetimedb-standalone` program is: the app's database program, which an
//! installed app carries as a Tauri sidecar (`bundle.externalBin`).
//!
//! Looked for, in order:
//! 1. beside the running executable, where Tauri puts a sidecar: in an installed app (the
//!    bundle's `MacOS/` folder, the install folder on Windows, `/usr/bin` of a `.deb`) and in a
//!    development build alike (tauri-build copies it into the target dir);
//! 2. the file `SPACETIMEDB_STANDALONE` names;
//! 3. in development builds only: on `PATH`, then in cargo's bin folder (`cargo install`'s).
//!
//! An installed app never reaches the third place: what it runs is what it shipped with.

use std::ffi::OsString;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use heycat_contract::env::SPACETIMEDB_STANDALONE;
use heycat_contract::server::PROGRAM;

use crate::error::{Error, Result};

/// The program's file name on this system.
fn file_name() -> String {
    format!("{PROGRAM}{}", std::env::consts::EXE_SUFFIX)
}

/// The `spacetimedb-standalone` to run (see the module's comment for where it is looked for), or
/// [`Error::ProgramMissing`] naming every place looked at.
pub fn server_binary() -> Result<PathBuf> {
    let beside = std::env::current_exe().ok().and_then(|exe| exe.parent().map(Path::to_owned));
    let development = cfg!(debug_assertions).then(development_places).unwrap_or_default();
    find(beside.as_deref(), std::env::var_os(SPACETIMEDB_STANDALONE), &development)
}

/// The places a development build also looks: each folder of `PATH`, then cargo's bin folder.
fn development_places() -> Vec<PathBuf> {
    let on_path = std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect::<Vec<_>>()).unwrap_or_default();
    let cargo_home =
        std::env::var_os("CARGO_HOME").map(PathBuf::from).or_else(|| home_dir().map(|home| home.join(".cargo")));
    on_path.into_iter().chain(cargo_home.map(|home| home.join("bin"))).collect()
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os(if cfg!(windows) { "USERPROFILE" } else { "HOME" }).map(PathBuf::from)
}

/// The first program found: in `beside` (the executable's folder), at `named` (the
/// environment's choice), in `development` folders.
fn find(beside: Option<&Path>, named: Option<OsString>, development: &[PathBuf]) -> Result<PathBuf> {
    let name = file_name();
    let mut looked = Vec::new();
    if let Some(dir) = beside {
        let candidate = dir.join(&name);
        if candidate.is_file() {
            return Ok(candidate);
        }
        looked.push(candidate);
    }
    if let Some(named) = named.filter(|n| !n.is_empty()) {
        let candidate = PathBuf::from(named);
        if candidate.is_file() {
            return Ok(candidate);
        }
        looked.push(candidate);
    }
    for dir in development {
        let candidate = dir.join(&name);
        if candidate.is_file() {
            return Ok(candidate);
        }
        looked.push(candidate);
    }
    let looked: Vec<String> = looked.iter().map(|p| p.display().to_string()).collect();
    Err(Error::ProgramMissing {
        detail: format!(
            "{name} was not found; looked at {} ({SPACETIMEDB_STANDALONE} may name the file)",
            if looked.is_empty() { "nothing".to_owned() } else { looked.join(", ") }
        ),
    })
}

/// Refuses a file that is not whole as this system's programs are: one that does not start as
/// they do (ELF on Linux, Mach-O on macOS, PE on Windows; a file of another system, an error
/// page saved in its place) and, for ELF, one cut short (a download or a copy that stopped):
/// what it loads ends past its end. Checked before it is started, because an exec that fails
/// is retried by the C library as a shell script (`execvp`), which then fails without saying
/// why, and a program cut short crashes as it loads.
pub(crate) fn check_runnable(path: &Path) -> Result<()> {
    let cannot = |e: std::io::Error| Error::ProgramDamaged { detail: format!("cannot read {}: {e}", path.display()) };
    let mut file = std::fs::File::open(path).map_err(cannot)?;
    let len = file.metadata().map_err(cannot)?.len();
    // Only the headers are read: the program is tens of megabytes.
    let mut head = Vec::with_capacity(64);
    Read::by_ref(&mut file).take(64).read_to_end(&mut head).map_err(cannot)?;
    let whole = if cfg!(windows) {
        head.starts_with(b"MZ")
    } else if cfg!(target_os = "macos") {
        // 64-bit Mach-O (either byte order) or a universal binary.
        [[0xcf, 0xfa, 0xed, 0xfe], [0xfe, 0xed, 0xfa, 0xcf], [0xca, 0xfe, 0xba, 0xbe]]
            .iter()
            .any(|magic| head.starts_with(magic))
    } else {
        elf_is_whole(&head, len, |at, buf| {
            file.seek(SeekFrom::Start(at))?;
            file.read_exact(buf)
        })
    };
    match whole {
        true => Ok(()),
        false => Err(Error::ProgramDamaged {
            detail: format!("{} ({len} bytes) is not a whole program for this system", path.display()),
        }),
    }
}

/// Whether a file of `len` bytes starting with `head` (its first 64) is a 64-bit little-endian
/// ELF file whose section headers (which linkers put last), program headers and every segment
/// they load lie within it. `read_at` reads the program headers.
fn elf_is_whole(head: &[u8], len: u64, mut read_at: impl FnMut(u64, &mut [u8]) -> std::io::Result<()>) -> bool {
    let field = |bytes: &[u8], at: usize, size: usize| -> Option<u64> {
        let slice = bytes.get(at..at + size)?;
        Some(slice.iter().rev().fold(0, |n, b| n << 8 | u64::from(*b)))
    };
    let header = |at, size| field(head, at, size);
    if !head.starts_with(b"\x7fELF\x02\x01") {
        return false;
    }
    let (Some(table), Some(entry_size), Some(entries)) = (header(32, 8), header(54, 2), header(56, 2)) else {
        return false;
    };
    let (Some(sections), Some(section_size), Some(section_count)) = (header(40, 8), header(58, 2), header(60, 2))
    else {
        return false;
    };
    let table_end = table.saturating_add(entry_size * entries);
    if sections.saturating_add(section_size * section_count) > len || table_end > len || entry_size < 40 {
        return false;
    }
    let mut program_headers = vec![0; (entry_size * entries) as usize];
    if read_at(table, &mut program_headers).is_err() {
        return false;
    }
    program_headers.chunks(entry_size as usize).all(|entry| {
        // p_type, then p_offset at 8 and p_filesz at 32 of a 64-bit program header.
        match (field(entry, 0, 4), field(entry, 8, 8), field(entry, 32, 8)) {
            (Some(1), Some(offset), Some(size)) => offset.saturating_add(size) <= len, // PT_LOAD
            (Some(_), Some(_), Some(_)) => true,
            _ => false,
        }
    })
}

/// Whether starting the program failed because its file is not a program this system can run
/// (truncated, of another system, not executable): a damaged installation.
pub(crate) fn is_damaged(error: &std::io::Error) -> bool {
    /// ENOEXEC on Linux and macOS ("exec format error").
    #[cfg(unix)]
    const NOT_A_PROGRAM: i32 = 8;
    /// ERROR_BAD_EXE_FORMAT.
    #[cfg(windows)]
    const NOT_A_PROGRAM: i32 = 193;
    #[cfg(not(any(unix, windows)))]
    const NOT_A_PROGRAM: i32 = -1;
    error.kind() == std::io::ErrorKind::PermissionDenied || error.raw_os_error() == Some(NOT_A_PROGRAM)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program_in(dir: &Path) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        let path = dir.join(file_name());
        std::fs::write(&path, b"").unwrap();
        path
    }

    #[test]
    fn the_program_beside_the_executable_comes_first_then_the_named_one_then_development_places() {
        let root = tempfile::tempdir().unwrap();
        let (beside, named, on_path) = (root.path().join("app"), root.path().join("named"), root.path().join("bin"));
        let named_file = program_in(&named);
        let in_path = program_in(&on_path);
        let dev = [root.path().join("empty"), on_path.clone()];

        assert_eq!(find(Some(&beside), Some(named_file.clone().into()), &dev).unwrap(), named_file);
        assert_eq!(find(Some(&beside), None, &dev).unwrap(), in_path, "a development place last");
        let sidecar = program_in(&beside);
        assert_eq!(find(Some(&beside), Some(named_file.into()), &dev).unwrap(), sidecar, "the sidecar first");
    }

    #[test]
    fn a_missing_program_says_every_place_looked_at() {
        let root = tempfile::tempdir().unwrap();
        let gone = root.path().join("gone");
        let error = find(Some(root.path()), Some(gone.clone().into()), &[]).unwrap_err();
        assert_eq!(error.to_string(), "this app's database program is missing; reinstall the app");
        let detail = error.detail().unwrap();
        assert!(detail.contains(&root.path().join(file_name()).display().to_string()), "{detail}");
        assert!(detail.contains(&gone.display().to_string()), "{detail}");
    }

    #[test]
    fn a_file_that_does_not_start_as_a_program_is_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(file_name());
        std::fs::write(&path, "<html>404 Not Found</html>").unwrap();
        let error = check_runnable(&path).unwrap_err();
        assert_eq!(error.to_string(), "this app's database program is damaged; reinstall the app");
        assert!(error.detail().unwrap().contains("is not a whole program for this system"), "{error:?}");
        std::fs::write(&path, b"").unwrap();
        assert!(matches!(check_runnable(&path), Err(Error::ProgramDamaged { .. })), "an empty file");
        let program = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        std::fs::write(&path, &program).unwrap();
        check_runnable(&path).unwrap();
        if cfg!(target_os = "linux") {
            for cut in [program.len() - 1, program.len() / 2, 100, 60] {
                std::fs::write(&path, &program[..cut]).unwrap();
                assert!(matches!(check_runnable(&path), Err(Error::ProgramDamaged { .. })), "cut at {cut}");
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_file_that_is_not_a_program_is_damaged_not_missing() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(file_name());
        std::fs::write(&path, [0x7f, b'E', b'L', b'F', 0, 0, 0]).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)).unwrap();
        let error = std::process::Command::new(&path).spawn().unwrap_err();
        assert!(is_damaged(&error), "{error:?}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let error = std::process::Command::new(&path).spawn().unwrap_err();
        assert!(is_damaged(&error), "not executable: {error:?}");
    }
}
