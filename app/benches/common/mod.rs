//! What the benchmarks share.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use heycat_app::data::sdk::{self, dictionary_entry_insert as _};
use spacetimedb_sdk::{DbContext, Timestamp};

const DB: &str = "heycat";

/// A dictionary entry as the raw SDK writes it (the row the baselines insert).
pub fn sdk_row(id: String) -> sdk::DictionaryEntry {
    sdk::DictionaryEntry {
        trigger: format!("t-{id}"),
        id,
        expansion: "expansion".into(),
        suffix: None,
        auto_enter: false,
        disable_suffix: false,
        complete_match_only: false,
        created_at: Timestamp::from_micros_since_unix_epoch(0),
        row_version: 0,
    }
}

/// A raw SDK connection as the user, subscribed to the app's tables (as the app subscribes);
/// returns it once its subscription applied, with how long that took, and the results of its
/// inserts whose op id starts with `ops`.
pub fn raw_client(url: &str, token: &str, ops: &'static str) -> (sdk::DbConnection, Duration, mpsc::Receiver<()>) {
    let started = Instant::now();
    let (ready_tx, ready_rx) = mpsc::channel();
    let tables = heycat_runtime::Schema::info(&heycat_app::data::SCHEMA).module_tables;
    let queries: Vec<String> = tables.iter().map(|t| format!("SELECT * FROM \"{t}\"")).collect();
    let conn = sdk::DbConnection::builder()
        .with_uri(url)
        .with_module_name(DB)
        .with_token(Some(token.to_owned()))
        .on_connect(move |conn, _, _| {
            conn.subscription_builder()
                .on_applied(move |_| {
                    let _ = ready_tx.send(());
                })
                .subscribe(queries);
        })
        .build()
        .expect("connect");
    let (done_tx, done_rx) = mpsc::channel();
    conn.reducers.on_dictionary_entry_insert(move |_, _, op_id| {
        if op_id.starts_with(ops) {
            let _ = done_tx.send(());
        }
    });
    conn.run_threaded();
    ready_rx.recv_timeout(Duration::from_secs(120)).expect("subscribed");
    (conn, started.elapsed(), done_rx)
}
