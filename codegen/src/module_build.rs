//! Builds a schema's SpacetimeDB module to wasm, so no app keeps a module crate of its own.
//!
//! The module's source (the module backend's output) goes into a small crate that this writes
//! under the target dir (`<target>/heycat-module/<name>/`), which cargo then builds for
//! `wasm32-unknown-unknown` into `<target>/wasm`, a target dir shared by every module built on
//! the machine's project (so the SpacetimeDB crates compile once). The crate is named after the
//! schema folder and version it is built from, so different schemas never overwrite each
//! other's wasm and an edit of one schema rebuilds only its own crate.
//!
//! The toolchain: an installed `wasm32-unknown-unknown` rustup target when there is one;
//! otherwise Debian's `rustc-web` linked as the rustup toolchain `debian-web`, with
//! `-Zbuild-std` (see the README; `scripts/setup.sh` installs it).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use heycat_contract::module_build;

use crate::error::Error;
use crate::model::Schema;
use crate::outputs::write_if_changed;
use crate::source::SourceSet;
use crate::versions::{load_snapshots, versioned};

/// The Cargo.lock the module crates start from: the versions this toolkit was tested with, so
/// a module builds the same everywhere (and offline, once the crates are downloaded).
const LOCK: &str = include_str!("../module/Cargo.lock");
const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// A module to build: the schema in `schema_dir` (or its released `version`, from
/// `versions_dir`), built under `target_dir`.
#[derive(Clone, Debug)]
pub struct ModuleBuild {
    pub schema_dir: PathBuf,
    pub versions_dir: PathBuf,
    pub version: Option<u32>,
    pub target_dir: PathBuf,
}

/// A module crate written, and the command that builds it.
struct Prepared {
    cargo: Command,
    building: Building,
}

/// A module whose build was started ([`ModuleBuild::start`]): where its wasm will be, and the
/// id of the source it is built from, which the wasm carries (see
/// [`SOURCE_MARK`](heycat_contract::module_build::SOURCE_MARK)).
#[derive(Clone, Debug)]
pub struct Building {
    /// The module crate's folder (the build's pid and output are there).
    pub dir: PathBuf,
    pub wasm: PathBuf,
    pub source_id: String,
}

impl Building {
    /// Whether the wasm there is built from this source.
    pub fn is_built(&self) -> bool {
        std::fs::read(&self.wasm).is_ok_and(|wasm| module_build::is_built_from(&wasm, &self.source_id))
    }
}

/// The static that puts the source's id in a custom section of the wasm (kept by the linker,
/// ignored by the server).
fn source_mark(id: &str) -> String {
    let mark = format!("{}{id}", module_build::SOURCE_MARK);
    format!(
        "\n/// The source this wasm is built from: a development build of the app waits for the wasm \
         that holds its own.\n#[link_section = \"heycat_module_source\"]\n#[used]\nstatic HEYCAT_MODULE_SOURCE: [u8; {}] = *b\"{mark}\";\n",
        mark.len()
    )
}

fn cannot_run_cargo(e: std::io::Error) -> Error {
    Error::Module(format!("cannot run cargo for the module: {e}"))
}

/// How this machine builds wasm32.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Toolchain {
    /// The rustup target `wasm32-unknown-unknown` is installed.
    Rustup,
    /// Debian's `rustc-web`, linked as the rustup toolchain `debian-web`, building std itself.
    DebianWeb,
}

impl ModuleBuild {
    /// The schema in `schema_dir` with its releases in `schema_dir/versions`, built under
    /// `target_dir`.
    pub fn new(schema_dir: impl Into<PathBuf>, target_dir: impl Into<PathBuf>) -> ModuleBuild {
        let schema_dir = schema_dir.into();
        ModuleBuild {
            versions_dir: schema_dir.join("versions"),
            schema_dir,
            version: None,
            target_dir: target_dir.into(),
        }
    }

    /// Builds the module and returns the path of its `.wasm`. Progress goes to stderr.
    pub fn build(&self) -> Result<PathBuf, Error> {
        let mut module = self.prepare()?;
        let status = module.cargo.stdout(Stdio::null()).status().map_err(cannot_run_cargo)?;
        if !status.success() {
            return Err(Error::Module(format!(
                "building the module in {} failed ({status}); cargo's messages are above",
                module.building.dir.display()
            )));
        }
        Ok(module.building.wasm)
    }

    /// Starts building the module and returns at once, for a development build of the app,
    /// which compiles meanwhile and waits for the wasm when it starts (see [`Building`]). The
    /// build runs on its own, its output in the crate folder's
    /// [`BUILD_LOG`](heycat_contract::module_build::BUILD_LOG): it outlives the build script and
    /// is not ended with a terminal's Ctrl-C. Nothing is started when the wasm is already built
    /// from this source.
    pub fn start(&self) -> Result<Building, Error> {
        let mut module = self.prepare()?;
        let building = module.building;
        if building.is_built() {
            return Ok(building);
        }
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| Error::Io { path, source }
        };
        let log_path = building.dir.join(module_build::BUILD_LOG);
        let log = File::create(&log_path).map_err(io(&log_path))?;
        // Every stream its own: cargo reads the build script's until they close.
        module.cargo.stdin(Stdio::null()).stdout(log.try_clone().map_err(io(&log_path))?).stderr(log);
        #[cfg(unix)]
        {
            std::os::unix::process::CommandExt::process_group(&mut module.cargo, 0);
            // At the lowest priority: the app's own compile, which the save waits for longer, goes
            // first, and the module builds in the time that leaves (on 2 cores it is done before
            // the app is).
            // SAFETY: runs in the child between fork and exec; setpriority allocates nothing
            // and is async-signal-safe.
            unsafe {
                std::os::unix::process::CommandExt::pre_exec(&mut module.cargo, || {
                    libc::setpriority(libc::PRIO_PROCESS, 0, 19);
                    Ok(())
                });
            }
        }
        #[cfg(windows)]
        {
            // CREATE_NEW_PROCESS_GROUP | DETACHED_PROCESS.
            std::os::windows::process::CommandExt::creation_flags(&mut module.cargo, 0x0000_0200 | 0x0000_0008);
        }
        let builder = module.cargo.spawn().map_err(cannot_run_cargo)?;
        let pid_path = building.dir.join(module_build::BUILDER_PID_FILE);
        std::fs::write(&pid_path, builder.id().to_string()).map_err(io(&pid_path))?;
        Ok(building)
    }

    /// Writes the module's crate, marked with its source's id, and the cargo command that builds it.
    fn prepare(&self) -> Result<Prepared, Error> {
        let (sources, schema) = self.schema()?;
        let name = self.crate_name();
        let dir = self.target_dir.join("heycat-module").join(&name);
        let manifest = manifest(&name);
        let source = crate::backend::module::generate(&schema, &sources);
        let id = format!("{:016x}", fnv(format!("{manifest}{source}").as_bytes()));
        write_if_changed(&dir.join("Cargo.toml"), &manifest)?;
        write_if_changed(&dir.join("lib.rs"), &format!("{source}{}", source_mark(&id)))?;
        let lock = dir.join("Cargo.lock");
        if !lock.exists() {
            write_if_changed(&lock, LOCK)?;
        }
        let toolchain = toolchain()?;
        let wasm_target = self.target_dir.join("wasm");
        let mut cargo = match toolchain {
            Toolchain::Rustup => Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())),
            Toolchain::DebianWeb => {
                let mut rustup = Command::new(rustup());
                rustup.args(["run", "debian-web", "cargo"]);
                rustup
            }
        };
        sanitize(&mut cargo);
        if toolchain == Toolchain::DebianWeb {
            // After `sanitize`, which takes away the caller's RUSTC_* (a build that runs with
            // RUSTC_BOOTSTRAP itself, such as scripts/cross-check.sh's, would lose this one).
            cargo.env("RUSTC_BOOTSTRAP", "1");
        }
        cargo
            .args(["build", "--release", "--target", WASM_TARGET, "--manifest-path"])
            .arg(dir.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(&wasm_target);
        if toolchain == Toolchain::DebianWeb {
            cargo.arg("-Zbuild-std=std,panic_abort");
        }
        let wasm = wasm_target.join(WASM_TARGET).join("release").join(format!("{name}.wasm"));
        Ok(Prepared { cargo, building: Building { dir, wasm, source_id: id } })
    }

    fn schema(&self) -> Result<(SourceSet, Schema), Error> {
        let snapshots = load_snapshots(&self.versions_dir).map_err(Error::Versions)?;
        match self.version {
            Some(version) => snapshots
                .iter()
                .find(|s| s.version == version)
                .ok_or_else(|| Error::Versions(format!("there is no released schema version {version}")))?
                .schema()
                .map_err(Error::from),
            None => versioned(Schema::load(&self.schema_dir)?, &snapshots),
        }
    }

    /// `heycat_module_<folder>_<version or "current">_<hash of the folder's path>`.
    fn crate_name(&self) -> String {
        let dir = self.schema_dir.canonicalize().unwrap_or_else(|_| self.schema_dir.clone());
        let parent = dir.parent().and_then(Path::file_name).map(|n| n.to_string_lossy().into_owned());
        let label: String = parent
            .unwrap_or_default()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
            .collect();
        let version = self.version.map_or("current".to_owned(), |v| format!("v{v}"));
        format!("heycat_module_{label}_{version}_{:08x}", fnv(dir.to_string_lossy().as_bytes()) as u32)
    }
}

/// Which way this machine builds wasm32, or what to install.
pub fn toolchain() -> Result<Toolchain, Error> {
    let output = |args: &[&str]| {
        Command::new(rustup())
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
    };
    if output(&["target", "list", "--installed"]).is_some_and(|t| t.lines().any(|l| l.trim() == WASM_TARGET)) {
        return Ok(Toolchain::Rustup);
    }
    if output(&["toolchain", "list"]).is_some_and(|t| t.lines().any(|l| l.starts_with("debian-web"))) {
        return Ok(Toolchain::DebianWeb);
    }
    Err(Error::Module(format!(
        "no way to build wasm32 here: install the target with `rustup target add {WASM_TARGET}`, or (Debian, \
         offline) `apt-get install rustc-web cargo-web rust-web-src lld-22 && rustup toolchain link debian-web /usr`"
    )))
}

fn rustup() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    home.map(|h| h.join("bin/rustup")).filter(|p| p.is_file()).unwrap_or_else(|| "rustup".into())
}

/// Cargo sets variables for a build script (and `cargo clippy` its wrapper) that would make
/// the nested build compile for the wrong target, with the wrong compiler or through clippy.
fn sanitize(cargo: &mut Command) {
    let keep = |name: &str| {
        ["CARGO_HOME", "CARGO_NET_", "CARGO_HTTP_", "CARGO_REGISTRIES_", "CARGO_REGISTRY_", "CARGO_TERM_"]
            .iter()
            .any(|k| name == *k || (k.ends_with('_') && name.starts_with(k)))
    };
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let set_by_cargo = (name.starts_with("CARGO") && !keep(&name))
            || name.starts_with("DEP_")
            || name.starts_with("RUSTC")
            || name.starts_with("RUSTDOC")
            || name.starts_with("CLIPPY")
            || matches!(
                &*name,
                "RUSTFLAGS"
                    | "RUSTUP_TOOLCHAIN"
                    | "OUT_DIR"
                    | "TARGET"
                    | "HOST"
                    | "PROFILE"
                    | "OPT_LEVEL"
                    | "DEBUG"
                    | "NUM_JOBS"
            );
        if set_by_cargo {
            cargo.env_remove(&*name);
        }
    }
}

fn manifest(name: &str) -> String {
    format!(
        r#"# @generated by heycat-codegen: the SpacetimeDB module of a schema. Do not edit.
[package]
name = "{name}"
version = "0.1.0"
edition = "2021"
publish = false

[lib]
crate-type = ["cdylib"]
path = "lib.rs"

# The whole SpacetimeDB family at 1.2.0: an unpinned member resolves to a later release and
# the module no longer compiles.
[dependencies]
spacetimedb = "=1.2.0"
spacetimedb-lib = "=1.2.0"
spacetimedb-sats = "=1.2.0"
spacetimedb-primitives = "=1.2.0"
spacetimedb-bindings-macro = "=1.2.0"
spacetimedb-bindings-sys = "=1.2.0"
log = "0.4"

# Without the LTO a release build otherwise runs across the crate's codegen units: a schema
# change builds its module in about 1.8 s instead of 2.8 s on 2 cores, beside the app's compile
# in the dev loop, for a wasm of about 440 KB instead of 280 KB.
[profile.release]
lto = "off"

[workspace]
"#
    )
}

/// FNV-1a: a stable name for a folder (std's hasher may change between releases).
pub(crate) fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}
