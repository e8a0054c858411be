//! The embedded server does not outlive the app that started it, however the app ends:
//! - Linux: the kernel kills the server when the thread that started it ends
//!   (`PR_SET_PDEATHSIG`).
//! - Windows: the server runs in a job object that kills its processes when its last handle
//!   closes, which the app's end does (`JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`).
//! - macOS has no such tie: a killed app leaves its server running, and the next start ends it
//!   (`leftover.rs`, which is also the fallback on the other two).
//!
//! The server's own files (its database, its log, its signing keys) are the user's alone: on
//! Unix it starts with the umask 077; on Windows a file inherits the ACL of its folder, and the
//! data dir is in the user's own app data folder (the user, SYSTEM and Administrators).

#[cfg(windows)]
use std::io;
use std::process::{Child, Command};

/// Sets up the server's `command` for this system (see the module docs).
#[cfg(target_os = "linux")]
pub(crate) fn prepare(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    let tie = tied_by_the_system();
    // SAFETY: prctl and umask are async-signal-safe. prctl only asks the kernel to kill the
    // server when the thread that started it dies; the umask makes everything the server
    // creates readable by the user only.
    unsafe {
        command.pre_exec(move || {
            if tie {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            }
            libc::umask(0o077);
            Ok(())
        });
    }
}

/// Sets up the server's `command` for this system (see the module docs).
#[cfg(all(unix, not(target_os = "linux")))]
pub(crate) fn prepare(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: umask is async-signal-safe; it makes everything the server creates readable by
    // the user only.
    unsafe {
        command.pre_exec(|| {
            libc::umask(0o077);
            Ok(())
        });
    }
}

/// Sets up the server's `command` for this system (see the module docs).
#[cfg(windows)]
pub(crate) fn prepare(command: &mut Command) {
    use std::os::windows::process::CommandExt;
    // A console program started by a windowed app would open a console window of its own.
    command.creation_flags(windows_sys::Win32::System::Threading::CREATE_NO_WINDOW);
}

/// What ties a running server to this process, kept as long as it runs: its job object on
/// Windows; nothing to keep elsewhere.
pub(crate) struct Tie {
    #[cfg(windows)]
    _job: Option<std::os::windows::io::OwnedHandle>,
}

/// Ties the started server `child` to this process where that takes a step after the start
/// (Windows).
#[cfg(not(windows))]
pub(crate) fn tie(_child: &Child) -> Tie {
    Tie {}
}

/// Ties the started server `child` to this process where that takes a step after the start
/// (Windows). Without the tie the server still runs: the next start ends it if the app is
/// killed (`leftover.rs`).
#[cfg(windows)]
pub(crate) fn tie(child: &Child) -> Tie {
    if !tied_by_the_system() {
        return Tie { _job: None };
    }
    match job_of(child) {
        Ok(job) => Tie { _job: Some(job) },
        Err(e) => {
            log::warn!("the database server is not tied to the app ({e}); a next start ends it if need be");
            Tie { _job: None }
        }
    }
}

/// A job object that holds `child` and kills it when its handle closes.
#[cfg(windows)]
fn job_of(child: &Child) -> io::Result<std::os::windows::io::OwnedHandle> {
    use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle};
    use windows_sys::Win32::System::JobObjects::{
        AssignProcessToJobObject, CreateJobObjectW, JobObjectExtendedLimitInformation, SetInformationJobObject,
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
    };
    // SAFETY: no attributes (the handle is not inherited, so the server does not hold its own
    // job open) and no name.
    let job = unsafe { CreateJobObjectW(std::ptr::null(), std::ptr::null()) };
    if job.is_null() {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a handle just created and owned by nothing else; closed when dropped.
    let job = unsafe { OwnedHandle::from_raw_handle(job) };
    let mut limits = JOBOBJECT_EXTENDED_LIMIT_INFORMATION::default();
    limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    // SAFETY: `limits` is the structure this information class names, with its size.
    let set = unsafe {
        SetInformationJobObject(
            job.as_raw_handle(),
            JobObjectExtendedLimitInformation,
            (&raw const limits).cast(),
            size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
        )
    };
    // SAFETY: both handles are open: the job's above, the child's as long as `child` is.
    if set == 0 || unsafe { AssignProcessToJobObject(job.as_raw_handle(), child.as_raw_handle()) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(job)
}

/// Whether the system ties the server to this process; tests switch it off to take the path
/// macOS takes (`test_hooks`).
#[cfg(any(target_os = "linux", windows))]
fn tied_by_the_system() -> bool {
    #[cfg(feature = "test-hooks")]
    if std::env::var_os(crate::test_hooks::FALLBACK_LIFETIME_ENV).is_some() {
        return false;
    }
    true
}
