//! A development build's module: its build script started building the wasm and went on, so the
//! wasm builds while the app compiles (see `heycat_codegen::ModuleBuild::start`). The app waits
//! here for the wasm that carries its own source's id.

use std::path::Path;
use std::time::Duration;

use heycat_contract::module_build::{is_built_from, BUILDER_PID_FILE, BUILD_LOG};

use crate::types::status::{Failure, FailureKind};

/// How often the wasm is looked at while its build runs.
const POLL: Duration = Duration::from_millis(50);
/// How many of the build's last lines a failure quotes.
const LOG_LINES: usize = 12;

/// The wasm at `wasm` once it carries `source_id`, waiting while the build in `dir` runs. An
/// error when the build ended without it (it failed, or was ended): the error quotes the build's
/// last lines.
pub fn wait_for_module(wasm: &Path, dir: &Path, source_id: &str) -> Result<Vec<u8>, Failure> {
    loop {
        // Asked before reading: a build that ends in between wrote the wasm.
        let running = builder_runs(dir);
        if let Some(bytes) = std::fs::read(wasm).ok().filter(|bytes| is_built_from(bytes, source_id)) {
            return Ok(bytes);
        }
        if !running {
            return Err(Failure::new(
                FailureKind::ModuleMissing,
                format!(
                    "the database module of this build did not build (in {}); save a schema file to build it \
                     again. Its build said:\n{}",
                    dir.display(),
                    last_lines(&dir.join(BUILD_LOG))
                ),
            ));
        }
        std::thread::sleep(POLL);
    }
}

/// Whether the build recorded in `dir` still runs: its pid names a cargo (or the rustup that
/// runs it), not a later process that took the number.
fn builder_runs(dir: &Path) -> bool {
    let pid = std::fs::read_to_string(dir.join(BUILDER_PID_FILE)).ok().and_then(|pid| pid.trim().parse().ok());
    let program = pid.and_then(heycat_local_server::program_of);
    program
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .is_some_and(|name| name.starts_with("cargo") || name.starts_with("rustup"))
}

fn last_lines(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_else(|e| format!("({} cannot be read: {e})", log.display()));
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(LOG_LINES)..].join("\n")
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use heycat_contract::module_build::SOURCE_MARK;

    use super::*;

    /// A folder as a started build leaves it: its wasm (built from `built_from`, if any), its
    /// output, and the pid of `builder`.
    fn build_dir(built_from: Option<&str>, log: &str, builder: u32) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let wasm = dir.path().join("module.wasm");
        if let Some(id) = built_from {
            write_wasm(&wasm, id);
        }
        std::fs::write(dir.path().join(BUILD_LOG), log).unwrap();
        std::fs::write(dir.path().join(BUILDER_PID_FILE), builder.to_string()).unwrap();
        (dir, wasm)
    }

    fn write_wasm(path: &Path, built_from: &str) {
        std::fs::write(path, [b"\0asm\x01\0\0\0".as_slice(), format!("{SOURCE_MARK}{built_from}").as_bytes()].concat())
            .unwrap();
    }

    /// The pid of a process that has ended.
    fn ended_pid() -> u32 {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .arg("--list")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }

    #[test]
    fn the_wasm_built_from_this_source_is_taken() {
        let (dir, wasm) = build_dir(Some("00000000000000aa"), "", ended_pid());
        let bytes = wait_for_module(&wasm, dir.path(), "00000000000000aa").unwrap();
        assert!(is_built_from(&bytes, "00000000000000aa"));
    }

    #[test]
    fn a_build_that_ended_without_this_wasm_is_reported_in_its_own_words() {
        let log = "   Compiling heycat_module_notes\nerror: linking with `rust-lld` failed: exit status: 1\n";
        let (dir, wasm) = build_dir(Some("00000000000000aa"), log, ended_pid());
        let failure = wait_for_module(&wasm, dir.path(), "00000000000000bb").unwrap_err();
        assert_eq!(failure.kind, FailureKind::ModuleMissing);
        assert!(failure.message.contains("did not build"), "{}", failure.message);
        assert!(failure.message.contains("linking with `rust-lld` failed"), "{}", failure.message);
    }

    /// A build under way (a program named cargo) is waited for until the wasm it writes carries
    /// this source.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_build_under_way_is_waited_for() {
        let programs = tempfile::tempdir().unwrap();
        let cargo = programs.path().join("cargo");
        std::fs::hard_link("/bin/sleep", &cargo).or_else(|_| std::fs::copy("/bin/sleep", &cargo).map(drop)).unwrap();
        let mut builder = std::process::Command::new(&cargo).arg("30").spawn().unwrap();
        let (dir, wasm) = build_dir(Some("00000000000000aa"), "", builder.id());
        let writer = {
            let wasm = wasm.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(300));
                write_wasm(&wasm, "00000000000000bb");
            })
        };
        let waited = wait_for_module(&wasm, dir.path(), "00000000000000bb");
        builder.kill().unwrap();
        builder.wait().unwrap();
        writer.join().unwrap();
        assert!(is_built_from(&waited.unwrap(), "00000000000000bb"));
    }
}
