//! The data layer without a window: connects (starting the embedded server unless one is
//! configured), replays the outbox, keeps the local copy, and prints one JSON line per status
//! change (`{"connection": ...}`, `{"sync": ...}`, `{"migration": ...}`) until stdin closes or it is asked to end
//! (SIGINT, SIGTERM), then stops the way the app does (the embedded server once its data is on
//! disk).
//!
//! Configured like the app: `HEYCAT_DATA_DIR` (required), `HEYCAT_SERVER_URL`,
//! `HEYCAT_MODULE_WASM`.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use heycat_runtime::{ChangeSink, Connection, DataConfig, Db};

/// What the data layer logs goes to stderr, a line each.
struct StderrLog;

impl log::Log for StderrLog {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::Level::Info
    }

    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            eprintln!("{} {}: {}", record.level(), record.target(), record.args());
        }
    }

    fn flush(&self) {}
}

fn main() {
    if log::set_logger(&StderrLog).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
    let Some(data_dir) = std::env::var_os(heycat_runtime::env::DATA_DIR).map(PathBuf::from) else {
        eprintln!("heycat-headless: set HEYCAT_DATA_DIR to the data dir");
        std::process::exit(2);
    };
    let config = DataConfig::resolve(data_dir, heycat_app::DATABASE, heycat_app::APP_NAME).unwrap_or_else(|e| {
        eprintln!("heycat-headless: {e}");
        std::process::exit(2);
    });
    let events = ChangeSink::new(|event, payload| {
        if event == heycat_runtime::events::SYNC_STATUS {
            println!("{}", serde_json::json!({ "sync": payload }));
        } else if event == heycat_runtime::events::MIGRATION_STATUS {
            println!("{}", serde_json::json!({ "migration": payload }));
        }
    });
    let db = Db::open(&heycat_app::data::SCHEMA, &config.data_dir, &config.app_name, events).unwrap_or_else(|e| {
        eprintln!("heycat-headless: {e}");
        std::process::exit(1);
    });
    let connection =
        Connection::start(config, db, Arc::new(|status| println!("{}", serde_json::json!({ "connection": status }))));
    // Until stdin closes (the parent went away or asked to stop), or SIGINT or SIGTERM.
    let (ended, end) = std::sync::mpsc::channel();
    let stdin_closed = ended.clone();
    std::thread::spawn(move || {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        let _ = stdin_closed.send(());
    });
    std::thread::spawn(move || {
        tauri::async_runtime::block_on(heycat_runtime::termination_requested());
        let _ = ended.send(());
    });
    let _ = end.recv();
    connection.shutdown();
}
