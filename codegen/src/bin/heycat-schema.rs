//! heycat-schema: generate and check what `schema/` produces.

use std::path::PathBuf;
use std::process::ExitCode;

use heycat_codegen::{outputs, write_generated, Error, Schema};

const HELP: &str = "\
heycat-schema: generate and check the files made from heycat's schema

USAGE:
    heycat-schema <COMMAND> [--schema DIR] [--out DIR]

COMMANDS:
    generate    Write every generated file under the output folder (only files whose
                content changed; files the schema no longer makes are removed)
    check       Exit 0 when every generated file is current, 1 when any is stale (with a
                summary of what differs), 2 when the schema has errors
    help        Show this text

OPTIONS:
    --schema DIR    The schema folder [default: schema]
    --out DIR       The folder for committed outputs [default: generated]

Both folders are relative to the current directory. `cargo build` of the app runs the same
generation; CI runs `heycat-schema check`.
";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<ExitCode, String> {
    let mut command = None;
    let (mut schema_dir, mut out_dir) = (PathBuf::from("schema"), PathBuf::from("generated"));
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--schema" => schema_dir = args.next().ok_or("--schema needs a folder")?.into(),
            "--out" => out_dir = args.next().ok_or("--out needs a folder")?.into(),
            "-h" | "--help" | "help" => {
                print!("{HELP}");
                return Ok(ExitCode::SUCCESS);
            }
            "generate" | "check" if command.is_none() => command = Some(arg),
            other => return Err(format!("unexpected argument {other:?}\n\n{HELP}")),
        }
    }
    let Some(command) = command else {
        return Err(format!("no command given\n\n{HELP}"));
    };
    let (sources, schema) = Schema::load(&schema_dir).map_err(|e| e.to_string())?;
    if command == "generate" {
        let touched = write_generated(&out_dir, &schema, &sources).map_err(|e: Error| e.to_string())?;
        if touched.is_empty() {
            println!("{} is current", out_dir.display());
        }
        for path in touched {
            println!("wrote {}", out_dir.join(path).display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let staleness = outputs::compare(&out_dir, &outputs::generated_files(&schema, &sources));
    if staleness.is_current() {
        println!("{} is current", out_dir.display());
        Ok(ExitCode::SUCCESS)
    } else {
        print!("{staleness}");
        println!("run `heycat-schema generate` (or `cargo build`) and commit the result");
        Ok(ExitCode::from(1))
    }
}
