//! heycat-schema: generate and check what `schema/` produces, release schema versions, and
//! show the migration between them.

use std::path::PathBuf;
use std::process::ExitCode;

use heycat_codegen::versions::{load_snapshots, Plan, PlanBetween, Snapshot};
use heycat_codegen::{outputs, versioned, write_generated, write_if_changed, Schema};

const HELP: &str = "\
heycat-schema: generate and check the files made from heycat's schema

USAGE:
    heycat-schema <COMMAND> [OPTIONS]

COMMANDS:
    generate    Write every generated file under the output folder (only files whose
                content changed; files the schema no longer makes are removed)
    check       Exit 0 when every generated file is current and the schema is a released
                version, 1 when anything is stale (with a summary of what differs),
                2 when the schema has errors
    release     Record the current schema as the next version (generated/schema/v<N>.json)
                and regenerate; refused when heycat could not migrate data to it
    diff        Show what changed between two versions and how the data is migrated
                (default: from the latest release to the current schema, or between the
                last two releases)
    help        Show this text

OPTIONS:
    --schema DIR      The schema folder [default: schema]
    --out DIR         The folder for committed outputs [default: generated]
    --from N          diff: the old version
    --to N            diff: the new version (default: the current schema)
    --json            diff: print the plan as JSON

Folders are relative to the current directory. `cargo build` of the app runs the same
generation; CI runs `heycat-schema check`.
";

struct Options {
    command: String,
    schema_dir: PathBuf,
    out_dir: PathBuf,
    from: Option<u32>,
    to: Option<u32>,
    json: bool,
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
        out_dir: "generated".into(),
        from: None,
        to: None,
        json: false,
    };
    let number = |value: Option<String>, flag: &str| -> Result<u32, String> {
        value.and_then(|v| v.trim_start_matches('v').parse().ok()).ok_or(format!("{flag} needs a version number"))
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--schema" => options.schema_dir = args.next().ok_or("--schema needs a folder")?.into(),
            "--out" => options.out_dir = args.next().ok_or("--out needs a folder")?.into(),
            "--from" => options.from = Some(number(args.next(), "--from")?),
            "--to" => options.to = Some(number(args.next(), "--to")?),
            "--json" => options.json = true,
            "-h" | "--help" | "help" => options.command = "help".into(),
            "generate" | "check" | "release" | "diff" if options.command.is_empty() => options.command = arg,
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
    let snapshots_dir = options.out_dir.join("schema");
    let snapshots = load_snapshots(&snapshots_dir)?;
    let loaded = Schema::load(&options.schema_dir).map_err(|e| e.to_string())?;
    let (sources, schema) = versioned(loaded, &snapshots).map_err(|e| e.to_string())?;
    let current = Snapshot::of(&sources, &schema, schema.version);
    let released = snapshots.iter().any(|s| s.version == schema.version);
    match options.command.as_str() {
        "generate" => {
            let touched = write_generated(&options.out_dir, &schema, &sources).map_err(|e| e.to_string())?;
            if touched.is_empty() {
                println!("{} is current", options.out_dir.display());
            }
            for path in touched {
                println!("wrote {}", options.out_dir.join(path).display());
            }
            Ok(ExitCode::SUCCESS)
        }
        "release" => {
            if released {
                println!("the schema is released already, as version {}", schema.version);
                return Ok(ExitCode::SUCCESS);
            }
            let path = snapshots_dir.join(Snapshot::file_name(schema.version));
            write_if_changed(&path, &current.to_json()).map_err(|e| e.to_string())?;
            write_generated(&options.out_dir, &schema, &sources).map_err(|e| e.to_string())?;
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
            let mut staleness =
                outputs::compare(&options.out_dir, &outputs::generated_files(&schema, &sources)).to_string();
            if !released {
                staleness.push_str(&format!(
                    "unreleased: the schema differs from the latest released version; run `heycat-schema release` to record it as version {}\n",
                    schema.version
                ));
            }
            if staleness.is_empty() {
                println!("{} is current (schema version {})", options.out_dir.display(), schema.version);
                Ok(ExitCode::SUCCESS)
            } else {
                print!("{staleness}");
                println!("run `heycat-schema generate` (or `cargo build`) and commit the result");
                Ok(ExitCode::from(1))
            }
        }
    }
}
