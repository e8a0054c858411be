//! `heycat-schema sidecar`: puts the database program an app ships with where Tauri takes
//! it from. An installed app starts its own `spacetimedb-standalone`, which travels in the
//! bundle as a sidecar: `bundle.externalBin` in `tauri.conf.json` lists
//! `binaries/spacetimedb-standalone`, and Tauri wants the file for the target it builds at
//! `binaries/spacetimedb-standalone-<target triple>` beside that config (it copies it beside
//! the app's executable, in development builds too, and into every bundle).
//!
//! The program is found (`--program`, `SPACETIMEDB_STANDALONE`, `PATH`, cargo's bin folder) or,
//! for the machine's own target, built with `cargo install`; copied only when it changed; the
//! `.gitignore` beside the config gets its line; what `tauri.conf.json` still lacks is said.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use heycat_contract::env::SPACETIMEDB_STANDALONE;
use heycat_contract::server::{external_bin, sidecar_file, PROGRAM, SIDECAR_DIR, VERSION};

/// What to put in place, and where.
#[derive(Debug, Clone)]
pub struct Sidecar {
    /// The folder of the app's `tauri.conf.json` (`src-tauri` in a `create-tauri-app` project).
    pub app_dir: PathBuf,
    /// The target triple the app is built for [default: this machine's].
    pub target: Option<String>,
    /// The program to use instead of looking for one.
    pub program: Option<PathBuf>,
}

/// What [`Sidecar::place`] did.
#[derive(Debug)]
pub struct Placed {
    /// The sidecar's file.
    pub path: PathBuf,
    /// The program it was copied from.
    pub source: PathBuf,
    /// Whether the file was written (false: it was current).
    pub written: bool,
    pub bytes: u64,
    /// Whether the `.gitignore` beside the config got the sidecar's line.
    pub ignored_now: bool,
    /// What to add to `tauri.conf.json`, when it does not list the sidecar yet.
    pub config_hint: Option<String>,
}

impl Sidecar {
    /// Puts the program in place for the target (see the module's comment).
    pub fn place(&self) -> Result<Placed, String> {
        let config = self.app_dir.join("tauri.conf.json");
        let config_text = std::fs::read_to_string(&config).map_err(|e| {
            format!(
                "cannot read {}: {e}\nhelp: pass --app with the folder of the app's tauri.conf.json \
                 (src-tauri in a create-tauri-app project)",
                config.display()
            )
        })?;
        let host = host_triple()?;
        let target = self.target.clone().unwrap_or_else(|| host.clone());
        let source = match &self.program {
            Some(path) => path.clone(),
            None => find_installed().map_or_else(|| install(&target, &host), Ok)?,
        };
        if target == host {
            check_version(&source)?;
        }
        let dir = self.app_dir.join(SIDECAR_DIR);
        let path = dir.join(sidecar_file(&target));
        let written = copy_if_changed(&source, &dir, &path)?;
        let bytes = std::fs::metadata(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?.len();
        let ignored_now = ignore(&self.app_dir)?;
        Ok(Placed { path, source, written, bytes, ignored_now, config_hint: config_hint(&config_text)? })
    }
}

/// The machine's target triple, as rustc says it.
fn host_triple() -> Result<String, String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(&rustc).arg("-vV").output().map_err(|e| format!("cannot run rustc -vV: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: ").map(str::to_owned))
        .ok_or_else(|| "rustc -vV did not say its host triple; pass --target".to_owned())
}

/// The program installed on this machine: `SPACETIMEDB_STANDALONE`, else on `PATH`, else in
/// cargo's bin folder.
fn find_installed() -> Option<PathBuf> {
    let name = format!("{PROGRAM}{}", std::env::consts::EXE_SUFFIX);
    let named = std::env::var_os(SPACETIMEDB_STANDALONE).map(PathBuf::from);
    let on_path: Option<Vec<PathBuf>> =
        std::env::var_os("PATH").map(|p| std::env::split_paths(&p).map(|d| d.join(&name)).collect());
    let cargo_home = std::env::var_os("CARGO_HOME").map(PathBuf::from).or_else(|| {
        std::env::var_os(if cfg!(windows) { "USERPROFILE" } else { "HOME" }).map(|h| Path::new(&h).join(".cargo"))
    });
    named
        .into_iter()
        .chain(on_path.unwrap_or_default())
        .chain(cargo_home.map(|home| home.join("bin").join(&name)))
        .find(|path| path.is_file())
}

/// Builds and installs the program with cargo (10 to 25 minutes), for this machine only.
fn install(target: &str, host: &str) -> Result<PathBuf, String> {
    if target != host {
        return Err(format!(
            "{PROGRAM} {VERSION} for {target} is not on this machine and cannot be built here (this is {host})\n\
             help: build it on a {target} machine with `cargo install {PROGRAM} --version {VERSION} --locked`, \
             then pass its file with --program"
        ));
    }
    eprintln!("{PROGRAM} {VERSION} is not installed: building it with cargo install (10 to 25 minutes, once)");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["install", PROGRAM, "--version", VERSION, "--locked"])
        .status()
        .map_err(|e| format!("cannot run cargo install: {e}"))?;
    if !status.success() {
        return Err(format!("cargo install {PROGRAM} --version {VERSION} failed ({status})"));
    }
    find_installed().ok_or_else(|| format!("cargo install finished, but {PROGRAM} is not in cargo's bin folder"))
}

/// Refuses a program of another version than the toolkit's.
fn check_version(program: &Path) -> Result<(), String> {
    let out = Command::new(program)
        .arg("--version")
        .output()
        .map_err(|e| format!("cannot run {} --version: {e}", program.display()))?;
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if said.split(|c: char| !(c.is_ascii_digit() || c == '.')).any(|word| word == VERSION) {
        return Ok(());
    }
    Err(format!(
        "{} is not {PROGRAM} {VERSION}; it says: {}\nhelp: install {VERSION} with `cargo install {PROGRAM} --version {VERSION} --locked`, \
         or pass its file with --program",
        program.display(),
        said.trim()
    ))
}

/// Copies `source` to `path` (in `dir`) unless it holds the same bytes; executable, whole or
/// not at all. Whether it wrote.
fn copy_if_changed(source: &Path, dir: &Path, path: &Path) -> Result<bool, String> {
    let read = |p: &Path| std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
    let bytes = read(source)?;
    if path.is_file() && read(path)? == bytes {
        return Ok(false);
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let fresh = path.with_extension("new");
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&fresh)?;
        file.write_all(&bytes)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o755))?;
        }
        file.sync_all()?;
        std::fs::rename(&fresh, path)
    };
    write().map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(true)
}

/// The `.gitignore` line that keeps the sidecars (large, built per machine) out of the repository.
fn ignore_line() -> String {
    format!("/{SIDECAR_DIR}/{PROGRAM}-*")
}

/// Adds [`ignore_line`] to the `.gitignore` beside the config unless it is there. Whether it added it.
fn ignore(app_dir: &Path) -> Result<bool, String> {
    let path = app_dir.join(".gitignore");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let line = ignore_line();
    if text.lines().any(|l| l.trim() == line) {
        return Ok(false);
    }
    let separator = if text.is_empty() || text.ends_with('\n') { "" } else { "\n" };
    let comment = "# The database program the app ships with (heycat-schema sidecar puts it there)";
    std::fs::write(&path, format!("{text}{separator}{comment}\n{line}\n"))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(true)
}

/// What to add to `tauri.conf.json` (`config`) when its `bundle.externalBin` does not list the
/// sidecar; `None` when it does.
fn config_hint(config: &str) -> Result<Option<String>, String> {
    let value: serde_json::Value =
        serde_json::from_str(config).map_err(|e| format!("tauri.conf.json is not valid JSON: {e}"))?;
    let entry = external_bin();
    let listed = value["bundle"]["externalBin"].as_array().is_some_and(|bins| bins.iter().any(|b| b == &*entry));
    Ok((!listed)
        .then(|| format!("add the sidecar to tauri.conf.json: \"bundle\": {{ \"externalBin\": [\"{entry}\"] }}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sidecar_is_written_once_beside_the_config_and_ignored_by_git() {
        let app = tempfile::tempdir().unwrap();
        std::fs::write(app.path().join("tauri.conf.json"), r#"{"bundle": {"active": true}}"#).unwrap();
        std::fs::write(app.path().join(".gitignore"), "/target/\n/gen/schemas").unwrap();
        let program = app.path().join("program");
        std::fs::write(&program, b"the server").unwrap();
        let sidecar = Sidecar {
            app_dir: app.path().to_owned(),
            target: Some("aarch64-apple-darwin".into()),
            program: Some(program.clone()),
        };

        let placed = sidecar.place().unwrap();
        assert_eq!(placed.path, app.path().join("binaries/spacetimedb-standalone-aarch64-apple-darwin"));
        assert_eq!(std::fs::read(&placed.path).unwrap(), b"the server");
        assert!(placed.written && placed.ignored_now);
        assert_eq!(
            placed.config_hint.as_deref(),
            Some(
                r#"add the sidecar to tauri.conf.json: "bundle": { "externalBin": ["binaries/spacetimedb-standalone"] }"#
            )
        );
        let gitignore = std::fs::read_to_string(app.path().join(".gitignore")).unwrap();
        assert!(gitignore.starts_with("/target/\n/gen/schemas\n# "), "{gitignore}");
        assert!(gitignore.ends_with("\n/binaries/spacetimedb-standalone-*\n"), "{gitignore}");

        std::fs::write(
            app.path().join("tauri.conf.json"),
            r#"{"bundle": {"externalBin": ["binaries/spacetimedb-standalone"]}}"#,
        )
        .unwrap();
        let again = sidecar.place().unwrap();
        assert!(!again.written && !again.ignored_now && again.config_hint.is_none(), "{again:?}");
        assert_eq!(std::fs::read_to_string(app.path().join(".gitignore")).unwrap(), gitignore);

        std::fs::write(&program, b"a newer build").unwrap();
        assert!(sidecar.place().unwrap().written, "a changed program is copied again");
        assert_eq!(std::fs::read(&placed.path).unwrap(), b"a newer build");
    }

    #[test]
    fn a_windows_sidecar_ends_in_exe_and_a_missing_config_says_where_to_point() {
        let app = tempfile::tempdir().unwrap();
        let sidecar = Sidecar { app_dir: app.path().to_owned(), target: None, program: None };
        let error = sidecar.place().unwrap_err();
        assert!(error.contains("tauri.conf.json") && error.contains("help: pass --app"), "{error}");
        assert_eq!(sidecar_file("x86_64-pc-windows-msvc"), "spacetimedb-standalone-x86_64-pc-windows-msvc.exe");
    }

    #[cfg(unix)]
    #[test]
    fn a_program_of_another_version_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("fake");
        // A process another test forks while the script is open for writing holds it open until
        // it runs its own program: meanwhile Linux refuses to run the script ("Text file busy",
        // os error 26). The test asks again; the CLI forks nothing meanwhile, so it never meets this.
        let checked = || {
            let mut tries = 0;
            loop {
                match check_version(&fake) {
                    Err(e) if e.contains("os error 26") && tries < 100 => {
                        tries += 1;
                        std::thread::sleep(std::time::Duration::from_millis(10));
                    }
                    other => return other,
                }
            }
        };
        std::fs::write(&fake, "#!/bin/sh\necho 'spacetimedb tool version 1.20.0'\n").unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o700)).unwrap();
        let error = checked().unwrap_err();
        assert!(error.contains("is not spacetimedb-standalone 1.2.0"), "{error}");
        std::fs::write(&fake, "#!/bin/sh\necho 'spacetimedb tool version 1.2.0'\n").unwrap();
        checked().unwrap();
    }
}
