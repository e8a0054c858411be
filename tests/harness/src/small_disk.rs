//! A small filesystem of its own for disk-full tests: a tmpfs mounted on a temporary folder.

use std::path::Path;
use std::process::Command;

/// A tmpfs of a given size, unmounted (and its folder removed) when dropped.
pub struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// Mounts a tmpfs of `bytes`. Needs root (or password-less sudo); says so when it fails.
    pub fn mount(bytes: u64) -> Result<SmallDisk, String> {
        let dir = tempfile::tempdir().map_err(|e| format!("cannot make a mount point: {e}"))?;
        let options = format!("size={bytes}");
        let mount = |program: &str, args: &[&str]| Command::new(program).args(args).output();
        let target = dir.path().to_str().ok_or("the temp dir's path is not UTF-8")?;
        let args = ["-t", "tmpfs", "-o", &options, "tmpfs", target];
        let output =
            if is_root() { mount("mount", &args) } else { mount("sudo", &[&["-n", "mount"][..], &args].concat()) }
                .map_err(|e| format!("cannot run mount: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "mounting a {bytes}-byte tmpfs failed (disk-full tests need root or password-less sudo): {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(SmallDisk { dir })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let target = self.dir.path().as_os_str();
        let status = if is_root() {
            Command::new("umount").arg("-l").arg(target).status()
        } else {
            Command::new("sudo").args(["-n", "umount", "-l"]).arg(target).status()
        };
        if !status.is_ok_and(|s| s.success()) {
            eprintln!("could not unmount the test tmpfs at {}", self.dir.path().display());
        }
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}
