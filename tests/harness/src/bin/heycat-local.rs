//! The main job for now: start a local SpacetimeDB server, publish heycat's generated module and
//! show it serving every table of `schema/`.
//!
//! ```text
//! heycat-local [--once] [--data-dir DIR]
//! ```
//! Data lives in DIR (default `~/.local/share/heycat-data/local-server`) and survives restarts.
//! Without `--once` the server keeps running until Ctrl-C.

use std::path::PathBuf;

use heycat_codegen::Schema;
use heycat_harness::{module_wasm, sql_rows, workspace_root, Server};
use serde_json::json;

const DB: &str = "heycat";

fn main() {
    if let Err(e) = run() {
        eprintln!("heycat-local: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut once = false;
    let mut data_dir = std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(".local/share/heycat-data/local-server"))
        .ok_or("HOME is not set; pass --data-dir")?;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--once" => once = true,
            "--data-dir" => data_dir = args.next().ok_or("--data-dir needs a folder")?.into(),
            "-h" | "--help" => {
                println!("usage: heycat-local [--once] [--data-dir DIR]");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?}; try --help").into()),
        }
    }

    let (_, schema) = Schema::load(&workspace_root().join("schema"))?;
    let wasm = module_wasm()?;
    let server = Server::start_in(&data_dir)?;
    println!("spacetimedb-standalone 1.2.0 on {} (data: {})", server.url(), data_dir.display());
    server.api().publish_file(DB, &wasm)?;
    println!("published {} as database {DB:?}", wasm.display());

    if sql_rows(&server.api(), DB, "SELECT * FROM dictionary_entry")?.is_empty() {
        let micros = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_micros() as i64;
        let entry = json!({"id": "demo-brb", "trigger": "brb", "expansion": "be right back", "suffix": {"none": []},
                           "auto_enter": false, "disable_suffix": false, "complete_match_only": false,
                           "created_at": {"__timestamp_micros_since_unix_epoch__": micros}, "row_version": 0});
        server.api().call(DB, "dictionary_entry_insert", &json!([entry, "heycat-local-demo"]))?;
        println!("inserted a demo dictionary entry through the dictionary_entry_insert reducer");
    }

    for table in &schema.tables {
        let rows = sql_rows(&server.api(), DB, &format!("SELECT * FROM {}", table.name))?;
        println!("\n{} ({} row{})", table.name, rows.len(), if rows.len() == 1 { "" } else { "s" });
        for row in rows {
            println!("  {row}");
        }
    }

    if once {
        return Ok(());
    }
    println!(
        "\nserving on {}; reducers: POST {}/v1/database/{DB}/call/<reducer>. Ctrl-C stops it.",
        server.url(),
        server.url()
    );
    loop {
        std::thread::park();
    }
}
