//! Returning memory the process no longer uses to the system.
//!
//! Copying every row (the local copy, a reconnect's comparison) makes short-lived values
//! (each row converted, then its JSON) between the long-lived ones it keeps. Freed, they leave
//! holes the allocator holds on to: with glibc, the process's resident memory stays as if the
//! copy were made twice. `malloc_trim` hands the whole free pages back.

/// Hands the allocator's free pages back to the system (glibc; a no-op elsewhere).
pub(crate) fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim(3) only releases memory the allocator holds free; it takes no pointers.
    unsafe {
        libc::malloc_trim(0);
    }
}
