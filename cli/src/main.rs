//! heycat-schema: check a schema and the TypeScript made from it, release schema versions,
//! show the migration between them, build the schema's SpacetimeDB module, and run the schema
//! dev loop.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use dev::DevOptions;
use heycat_codegen::versions::{load_snapshots, Plan, PlanBetween, Snapshot};
use heycat_codegen::{outputs, versioned, write_if_changed, write_typescript, ModuleBuild, Schema, TypeScriptOptions};
use sidecar::Sidecar;

mod dev;
mod sidecar;

const HELP: &str = "\
heycat-schema: check, release and build a heycat-data schema

USAGE:
    heycat-schema <COMMAND> [OPTIONS]

COMMANDS:
    check         Exit 0 when the schema is a released version and the TypeScript bindings
                  (with --typescript) are current, 1 when anything is stale or left over
                  (with a summary of what differs), 2 when the schema has errors
    generate      Write the TypeScript bindings into the --typescript folder (only files
                  whose content changed) and delete the copies of the runtime's TypeScript
                  (runtime.ts, types.ts, react.ts) that earlier versions wrote there: the
                  bindings import the npm package @heycat/runtime; `cargo build` of the app
                  does the same
    release       Record the current schema as the next version (<versions>/v<N>.json);
                  refused when heycat could not migrate data to it
    diff          Show what changed between two versions and how the data is migrated
                  (default: from the latest release to the current schema, or between the
                  last two releases)
    build-module  Build the schema's SpacetimeDB module to wasm and print the .wasm's path
                  (the app's build does this by itself; this is for publishing it elsewhere)
    sidecar       Put the database program the app ships with in place for Tauri:
                  <app>/binaries/spacetimedb-standalone-<target triple>, found on this
                  machine (--program, SPACETIMEDB_STANDALONE, PATH, cargo's bin folder) or
                  built with cargo install; adds its line to <app>/.gitignore and says what
                  tauri.conf.json lacks (bundle.externalBin)
    dev           The schema dev loop: build and run the app (the program after `--`), and
                  on every save of a schema file (or of a file under --watch) check the
                  schema, write the TypeScript, run --build, and restart the app on the same
                  data dir, which migrates its database (asking here before anything that
                  drops data); prints the time from the save to the new app connected
    help          Show this text

OPTIONS:
    --schema DIR      The schema folder [default: schema]
    --versions DIR    The released versions [default: the schema folder's versions/]
    --typescript DIR  The frontend folder of the TypeScript bindings
    --react           generate, check, release, dev: React hooks for every table too (hooks.ts,
                      re-exported by index.ts with @heycat/runtime/react's)
    --from N          diff: the old version
    --to N            diff: the new version (default: the current schema)
    --json            diff: print the plan as JSON
    --version N       build-module: a released version instead of the current schema
    --target-dir DIR  build-module: where to build [default: $CARGO_TARGET_DIR, else target]
    --app DIR         sidecar: the folder of the app's tauri.conf.json [default: src-tauri
                      when there is one, else the current folder]
    --target TRIPLE   sidecar: the target the app is built for [default: this machine's]
    --program FILE    sidecar: the spacetimedb-standalone to ship
    --build CMD       dev: the app's build, a shell command (e.g. `cargo build -p my-app`)
    --watch DIR       dev: another folder whose changes rebuild and restart the app (repeatable)
    --data-dir DIR    dev: the app's data dir (HEYCAT_DATA_DIR) [default: the target dir's
                      heycat-dev/data]
    -- PROGRAM ARGS   dev: the app to run (e.g. `-- target/debug/my-app`)

Folders are relative to the current directory.
";

struct Options {
    command: String,
    schema_dir: PathBuf,
    versions_dir: Option<PathBuf>,
    typescript_dir: Option<PathBuf>,
    typescript: TypeScriptOptions,
    from: Option<u32>,
    to: Option<u32>,
    json: bool,
    version: Option<u32>,
    target_dir: Option<PathBuf>,
    build: Option<String>,
    watch: Vec<PathBuf>,
    data_dir: Option<PathBuf>,
    run: Vec<String>,
    app_dir: Option<PathBuf>,
    target: Option<String>,
    program: Option<PathBuf>,
}

fn main() -> ExitCode {
    match parse(std::env::args().skip(1).collect()).and_then(run) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}

fn parse(args: Vec<String>) -> Result<Options, String> {
    let mut options = Options {
        command: String::new(),
        schema_dir: "schema".into(),
        versions_dir: None,
        typescript_dir: None,
        typescript: TypeScriptOptions::default(),
        from: None,
        to: None,
        json: false,
        version: None,
        target_dir: None,
        build: None,
        watch: Vec::new(),
        data_dir: None,
        run: Vec::new(),
        app_dir: None,
        target: None,
        program: None,
    };
    let number = |value: Option<String>, flag: &str| -> Result<u32, String> {
        value.and_then(|v| v.trim_start_matches('v').parse().ok()).ok_or(format!("{flag} needs a version number"))
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut folder = |flag: &str| args.next().map(PathBuf::from).ok_or(format!("{flag} needs a folder"));
        match arg.as_str() {
            "--schema" => options.schema_dir = folder("--schema")?,
            "--versions" => options.versions_dir = Some(folder("--versions")?),
            "--typescript" => options.typescript_dir = Some(folder("--typescript")?),
            "--target-dir" => options.target_dir = Some(folder("--target-dir")?),
            "--from" => options.from = Some(number(args.next(), "--from")?),
            "--to" => options.to = Some(number(args.next(), "--to")?),
            "--version" => options.version = Some(number(args.next(), "--version")?),
            "--json" => options.json = true,
            "--watch" => options.watch.push(folder("--watch")?),
            "--data-dir" => options.data_dir = Some(folder("--data-dir")?),
            "--build" => options.build = Some(args.next().ok_or("--build needs a command")?),
            "--app" => options.app_dir = Some(folder("--app")?),
            "--program" => options.program = Some(args.next().map(PathBuf::from).ok_or("--program needs a file")?),
            "--target" => options.target = Some(args.next().ok_or("--target needs a target triple")?),
            "--" => options.run = args.by_ref().collect(),
            "--react" => options.typescript.react = true,
            "-h" | "--help" | "help" => options.command = "help".into(),
            "generate" | "check" | "release" | "diff" | "build-module" | "dev" | "sidecar"
                if options.command.is_empty() =>
            {
                options.command = arg
            }
            other => return Err(format!("unexpected argument {other:?}\n\n{HELP}")),
        }
    }
    if options.command.is_empty() {
        return Err(format!("no command given\n\n{HELP}"));
    }
    Ok(options)
}

fn run(options: Options) -> Result<ExitCode, String> {
    if options.command == "help" {
        print!("{HELP}");
        return Ok(ExitCode::SUCCESS);
    }
    let versions_dir = options.versions_dir.clone().unwrap_or_else(|| options.schema_dir.join("versions"));
    let target_dir = options
        .target_dir
        .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("target"));
    if options.command == "dev" {
        dev::run(DevOptions {
            schema_dir: options.schema_dir,
            versions_dir,
            typescript_dir: options.typescript_dir,
            typescript: options.typescript,
            watch: options.watch,
            build: options.build.ok_or("dev needs --build CMD: the app's build")?,
            run: options.run,
            data_dir: options.data_dir.unwrap_or_else(|| target_dir.join("heycat-dev/data")),
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    if options.command == "sidecar" {
        return sidecar(options.app_dir, options.target, options.program);
    }
    if options.command == "build-module" {
        let build = ModuleBuild { schema_dir: options.schema_dir, versions_dir, version: options.version, target_dir };
        let wasm = build.build().map_err(|e| e.to_string())?;
        println!("{}", wasm.display());
        return Ok(ExitCode::SUCCESS);
    }
    let snapshots = load_snapshots(&versions_dir)?;
    let loaded = Schema::load(&options.schema_dir).map_err(|e| e.to_string())?;
    let (sources, schema) = versioned(loaded, &snapshots).map_err(|e| e.to_string())?;
    let current = Snapshot::of(&sources, &schema, schema.version);
    let released = snapshots.iter().any(|s| s.version == schema.version);
    match options.command.as_str() {
        "generate" => {
            let dir = options.typescript_dir.ok_or("generate needs --typescript DIR: where the bindings go")?;
            let done = write_typescript(&dir, &schema, &sources, options.typescript).map_err(|e| e.to_string())?;
            if done.written.is_empty() && done.removed.is_empty() {
                println!("{} is current", dir.display());
            }
            for name in done.written {
                println!("wrote {}", dir.join(name).display());
            }
            say_deleted(&dir, done.removed);
            Ok(ExitCode::SUCCESS)
        }
        "release" => {
            if released {
                println!("the schema is released already, as version {}", schema.version);
                return Ok(ExitCode::SUCCESS);
            }
            let path = versions_dir.join(Snapshot::file_name(schema.version));
            write_if_changed(&path, &current.to_json()).map_err(|e| e.to_string())?;
            if let Some(dir) = &options.typescript_dir {
                let done = write_typescript(dir, &schema, &sources, options.typescript).map_err(|e| e.to_string())?;
                say_deleted(dir, done.removed);
            }
            println!("released schema version {} ({})", schema.version, path.display());
            Ok(ExitCode::SUCCESS)
        }
        "diff" => {
            let find = |v: u32| {
                snapshots.iter().find(|s| s.version == v).cloned().ok_or(format!("there is no released version {v}"))
            };
            let to = match options.to {
                Some(v) if v != schema.version || released => find(v)?,
                _ => current.clone(),
            };
            let from = match options.from {
                Some(v) => find(v)?,
                None => snapshots
                    .iter()
                    .rev()
                    .find(|s| s.version < to.version)
                    .cloned()
                    .ok_or("there is no earlier released version to compare with")?,
            };
            let plan = Plan::between(&from, &to)?;
            if options.json {
                println!("{}", serde_json::to_string_pretty(&plan).map_err(|e| e.to_string())?);
            } else {
                print!("{}", plan.describe());
            }
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            let mut staleness = match &options.typescript_dir {
                Some(dir) => {
                    outputs::compare_bindings(dir, &outputs::typescript_files(&schema, &sources, options.typescript))
                        .to_string()
                }
                None => String::new(),
            };
            if !released {
                staleness.push_str(&format!(
                    "unreleased: the schema differs from the latest released version; run `heycat-schema release` to record it as version {}\n",
                    schema.version
                ));
            }
            if staleness.is_empty() {
                println!("the schema is current (schema version {})", schema.version);
                Ok(ExitCode::SUCCESS)
            } else {
                print!("{staleness}");
                println!("run `heycat-schema generate` (or `cargo build`) and commit the result");
                Ok(ExitCode::from(1))
            }
        }
    }
}

/// Says which left-over copies of the runtime's TypeScript `write_typescript` deleted from `dir`.
fn say_deleted(dir: &Path, removed: Vec<String>) {
    for name in removed {
        println!("deleted {}: {}", dir.join(name).display(), outputs::LEFT_OVER_REASON);
    }
}

/// `heycat-schema sidecar`: see [`Sidecar`].
fn sidecar(app_dir: Option<PathBuf>, target: Option<String>, program: Option<PathBuf>) -> Result<ExitCode, String> {
    let app_dir = app_dir.unwrap_or_else(|| match PathBuf::from("src-tauri") {
        dir if dir.join("tauri.conf.json").is_file() => dir,
        _ => PathBuf::from("."),
    });
    let placed = Sidecar { app_dir, target, program }.place()?;
    let size = format!("{:.0} MB", placed.bytes as f64 / 1e6);
    match placed.written {
        true => println!("wrote {} ({size}, from {})", placed.path.display(), placed.source.display()),
        false => println!("{} is current ({size})", placed.path.display()),
    }
    if placed.ignored_now {
        println!("added its line to .gitignore");
    }
    if let Some(hint) = placed.config_hint {
        println!("{hint}");
    }
    Ok(ExitCode::SUCCESS)
}
