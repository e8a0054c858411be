//! What the local server asks of a process by its pid, on each system: which program it runs,
//! and to end.

use std::io;
use std::path::PathBuf;

/// The program process `pid` runs, when it runs and this process may see it.
#[cfg(target_os = "linux")]
pub(crate) fn executable(pid: u32) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/exe")).ok()
}

/// The program process `pid` runs, when it runs and this process may see it.
#[cfg(target_os = "macos")]
pub(crate) fn executable(pid: u32) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    let pid = libc::c_int::try_from(pid).ok()?;
    let mut path = vec![0u8; libc::PROC_PIDPATHINFO_MAXSIZE as usize];
    // SAFETY: proc_pidpath writes at most `path.len()` bytes into `path` and returns how many.
    let len = unsafe { libc::proc_pidpath(pid, path.as_mut_ptr().cast(), path.len() as u32) };
    let len = usize::try_from(len).ok().filter(|len| *len > 0)?;
    Some(PathBuf::from(std::ffi::OsStr::from_bytes(&path[..len])))
}

/// Other Unix systems: unknown, so no process is ever taken for the server there.
#[cfg(all(unix, not(any(target_os = "linux", target_os = "macos"))))]
pub(crate) fn executable(_pid: u32) -> Option<PathBuf> {
    None
}

/// Asks process `pid` to end (SIGTERM).
#[cfg(unix)]
pub(crate) fn terminate(pid: u32) -> io::Result<()> {
    signal(pid, libc::SIGTERM)
}

/// Ends process `pid` at once (SIGKILL).
#[cfg(unix)]
pub(crate) fn kill(pid: u32) -> io::Result<()> {
    signal(pid, libc::SIGKILL)
}

#[cfg(unix)]
pub(crate) fn signal(pid: u32, signal: libc::c_int) -> io::Result<()> {
    let pid = libc::pid_t::try_from(pid).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: plain kill(2).
    if unsafe { libc::kill(pid, signal) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Windows has no request to end that a windowless program hears (no SIGTERM; console events
/// need a console, which the server is started without): the process is ended
/// (`TerminateProcess`). spacetimedb-standalone 1.2.0 has no handler that saves anything on
/// SIGTERM either, so this loses nothing a request would have kept.
#[cfg(windows)]
pub(crate) fn terminate(pid: u32) -> io::Result<()> {
    kill(pid)
}

/// Ends process `pid` at once (`TerminateProcess`).
#[cfg(windows)]
pub(crate) fn kill(pid: u32) -> io::Result<()> {
    use std::os::windows::io::AsRawHandle;
    use windows_sys::Win32::System::Threading::{TerminateProcess, PROCESS_TERMINATE};
    let process = windows::open(pid, PROCESS_TERMINATE)?;
    // SAFETY: an open process handle with the right to terminate.
    if unsafe { TerminateProcess(process.as_raw_handle(), 1) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The program process `pid` runs, when it runs and this process may see it.
#[cfg(windows)]
pub(crate) fn executable(pid: u32) -> Option<PathBuf> {
    use std::os::windows::ffi::OsStringExt;
    use std::os::windows::io::AsRawHandle;
    use windows_sys::Win32::System::Threading::{
        QueryFullProcessImageNameW, PROCESS_NAME_WIN32, PROCESS_QUERY_LIMITED_INFORMATION,
    };
    let process = windows::open(pid, PROCESS_QUERY_LIMITED_INFORMATION).ok()?;
    let mut path = vec![0u16; 32 * 1024];
    let mut len = path.len() as u32;
    // SAFETY: an open process handle; the function writes at most `len` UTF-16 units into
    // `path` and sets `len` to how many it wrote.
    if unsafe { QueryFullProcessImageNameW(process.as_raw_handle(), PROCESS_NAME_WIN32, path.as_mut_ptr(), &mut len) }
        == 0
    {
        return None;
    }
    Some(PathBuf::from(std::ffi::OsString::from_wide(&path[..len as usize])))
}

/// When process `pid` started, when it runs and this process may see it.
#[cfg(windows)]
pub(crate) fn started_at(pid: u32) -> Option<std::time::SystemTime> {
    use std::os::windows::io::AsRawHandle;
    use std::time::{Duration, SystemTime};
    use windows_sys::Win32::Foundation::FILETIME;
    use windows_sys::Win32::System::Threading::{GetProcessTimes, PROCESS_QUERY_LIMITED_INFORMATION};
    let process = windows::open(pid, PROCESS_QUERY_LIMITED_INFORMATION).ok()?;
    let [mut created, mut exited, mut kernel, mut user] = [FILETIME { dwLowDateTime: 0, dwHighDateTime: 0 }; 4];
    // SAFETY: an open process handle and four FILETIMEs to fill.
    if unsafe { GetProcessTimes(process.as_raw_handle(), &mut created, &mut exited, &mut kernel, &mut user) } == 0 {
        return None;
    }
    // FILETIME: 100 ns steps since 1601-01-01, 11 644 473 600 s before the Unix epoch.
    let ticks = (u64::from(created.dwHighDateTime) << 32) | u64::from(created.dwLowDateTime);
    let since_1601 = Duration::from_nanos(ticks.checked_mul(100)?);
    SystemTime::UNIX_EPOCH.checked_add(since_1601.checked_sub(Duration::from_secs(11_644_473_600))?)
}

#[cfg(windows)]
mod windows {
    use std::io;
    use std::os::windows::io::{FromRawHandle, OwnedHandle};
    use windows_sys::Win32::System::Threading::{OpenProcess, PROCESS_ACCESS_RIGHTS};

    /// A handle on process `pid` with the rights `access`, closed when dropped.
    pub(super) fn open(pid: u32, access: PROCESS_ACCESS_RIGHTS) -> io::Result<OwnedHandle> {
        // SAFETY: OpenProcess returns a new handle or null; the handle is not inherited.
        let handle = unsafe { OpenProcess(access, 0, pid) };
        if handle.is_null() {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a handle just opened and owned by nothing else.
        Ok(unsafe { OwnedHandle::from_raw_handle(handle) })
    }
}
