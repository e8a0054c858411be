//! A virtual X display (Xvfb) for tests that open the app's real window.

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
            if Path::new(&format!("/tmp/.X11-unix/X{number}")).exists()
                || Path::new(&format!("/tmp/.X{number}-lock")).exists()
            {
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
                if Path::new(&format!("/tmp/.X11-unix/X{number}")).exists() {
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

impl Drop for VirtualDisplay {
    fn drop(&mut self) {
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}
