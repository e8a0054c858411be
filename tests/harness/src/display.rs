//! A virtual X display (Xvfb) for tests that open the app's real window.

use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// An Xvfb server on a display number of its own, stopped when dropped.
pub struct VirtualDisplay {
    /// The value for `DISPLAY`, `:<n>`.
    pub display: String,
    xvfb: Child,
}

impl VirtualDisplay {
    /// Starts Xvfb on the first free display number from 120 (scripts/setup.sh installs it).
    pub fn start() -> VirtualDisplay {
        for number in 120..160 {
            if in_use(number) {
                continue;
            }
            let display = format!(":{number}");
            let Ok(mut xvfb) = Command::new("Xvfb")
                .args([display.as_str(), "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
            else {
                panic!("cannot start Xvfb: install it (scripts/setup.sh does)");
            };
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                // Listening (a socket left by a killed server refuses connections).
                if UnixStream::connect(format!("/tmp/.X11-unix/X{number}")).is_ok() {
                    return VirtualDisplay { display, xvfb };
                }
                if matches!(xvfb.try_wait(), Ok(Some(_))) {
                    break; // taken meanwhile: try the next number
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = xvfb.kill();
            let _ = xvfb.wait();
        }
        panic!("no free X display number between :120 and :159");
    }

    /// The ids of the visible windows whose name is `name` (xdotool).
    pub fn visible_windows(&self, name: &str) -> Vec<String> {
        self.xdotool(&["search", "--onlyvisible", "--name", name])
    }

    /// Runs xdotool on this display; its output's lines.
    pub fn xdotool(&self, args: &[&str]) -> Vec<String> {
        let output = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &self.display)
            .output()
            .expect("run xdotool (scripts/setup.sh installs it)");
        String::from_utf8_lossy(&output.stdout).lines().map(str::to_owned).collect()
    }
}

/// Whether an X server runs on display `number`: its lock file names a live process. A
/// display whose server was killed leaves its socket and lock behind; Xvfb takes it over.
fn in_use(number: u32) -> bool {
    let Ok(lock) = std::fs::read_to_string(format!("/tmp/.X{number}-lock")) else { return false };
    lock.trim().parse::<u32>().map_or(true, |pid| Path::new(&format!("/proc/{pid}")).exists())
}

impl Drop for VirtualDisplay {
    fn drop(&mut self) {
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}
