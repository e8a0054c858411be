//! The write path's cost, on a real spacetimedb-standalone on loopback, against the natural
//! baseline in the same run: the raw spacetimedb-sdk client (generated bindings, a reducer call,
//! waiting for its result callback).
//!
//! `cargo bench -p heycat-app --bench write_path` prints a table. Budget: a write through the
//! generated command layer costs at most 1.2x the raw SDK.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use heycat_app::config::{DataConfig, ServerChoice};
use heycat_app::sdk::{self, dictionary_entry_insert as _, DictionaryEntryTableAccess as _};
use heycat_harness::{module_wasm, Server};
use spacetimedb_sdk::{DbContext, Table, Timestamp};
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime};
use tauri::{Listener, Manager};

const SEQUENTIAL: usize = 1000;
const PIPELINED: usize = 10_000;
const DB: &str = "heycat";

fn sdk_row(id: String) -> sdk::DictionaryEntry {
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

fn app_row(id: String) -> heycat_app::schema::DictionaryEntry {
    sdk_row(id).into()
}

struct Stats {
    p50: Duration,
    p99: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    Stats { p50: at(0.5), p99: at(0.99) }
}

/// A raw SDK connection whose insert results arrive on the returned channel.
fn raw_client(server: &Server) -> (sdk::DbConnection, mpsc::Receiver<()>) {
    let (ready_tx, ready_rx) = mpsc::channel();
    let conn = sdk::DbConnection::builder()
        .with_uri(server.ws_url())
        .with_module_name(DB)
        .on_connect(move |conn, _, _| {
            conn.subscription_builder()
                .on_applied(move |_| {
                    let _ = ready_tx.send(());
                })
                .subscribe_to_all_tables();
        })
        .build()
        .expect("connect");
    let (done_tx, done_rx) = mpsc::channel();
    let own = conn.connection_id();
    conn.reducers.on_dictionary_entry_insert(move |ctx, _, _| {
        if ctx.event.caller_connection_id == Some(own) {
            let _ = done_tx.send(());
        }
    });
    conn.run_threaded();
    ready_rx.recv_timeout(Duration::from_secs(20)).expect("subscribed");
    (conn, done_rx)
}

fn main() {
    let server = Server::start().expect("start spacetimedb-standalone");
    server.api().publish_file(DB, &module_wasm().expect("build the module")).expect("publish");

    // Baseline: the raw SDK.
    let (raw, done) = raw_client(&server);
    let mut raw_latency = Vec::with_capacity(SEQUENTIAL);
    for i in 0..SEQUENTIAL {
        let started = Instant::now();
        raw.reducers.dictionary_entry_insert(sdk_row(format!("raw-{i}")), format!("raw-op-{i}")).unwrap();
        done.recv().unwrap();
        raw_latency.push(started.elapsed());
    }
    let started = Instant::now();
    for i in 0..PIPELINED {
        raw.reducers.dictionary_entry_insert(sdk_row(format!("rawp-{i}")), format!("rawp-op-{i}")).unwrap();
    }
    for _ in 0..PIPELINED {
        done.recv().unwrap();
    }
    let raw_pipelined = started.elapsed();

    // A second raw client sees each change.
    let (watcher, _) = raw_client(&server);
    let (seen_tx, seen_rx) = mpsc::channel();
    watcher.db.dictionary_entry().on_insert(move |_, _| {
        let _ = seen_tx.send(Instant::now());
    });
    let mut raw_visible = Vec::new();
    for i in 0..200 {
        let started = Instant::now();
        raw.reducers.dictionary_entry_insert(sdk_row(format!("rawv-{i}")), format!("rawv-op-{i}")).unwrap();
        raw_visible.push(seen_rx.recv().unwrap() - started);
        done.recv().unwrap();
    }

    // Through the data layer: the generated command functions, called directly and over
    // Tauri's (mock) IPC, and a second app's change events.
    let dir = tempfile::tempdir().unwrap();
    let config = |dir: &std::path::Path| DataConfig {
        data_dir: dir.to_owned(),
        server: ServerChoice::Remote(server.url()),
        database: DB.into(),
        module_wasm: module_wasm().unwrap(),
    };
    let app = start_app(config(dir.path()));
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let mut command_latency = Vec::with_capacity(SEQUENTIAL);
    for i in 0..SEQUENTIAL {
        let row = app_row(format!("cmd-{i}"));
        let started = Instant::now();
        runtime.block_on(heycat_app::commands::dictionary_entry_insert(app.state(), row)).unwrap();
        command_latency.push(started.elapsed());
    }
    let started = Instant::now();
    runtime.block_on(async {
        let db = app.state::<heycat_app::data::Db>().inner().clone();
        let mut writes = tokio::task::JoinSet::new();
        for i in 0..PIPELINED {
            let (db, row) = (db.clone(), sdk_row(format!("cmdp-{i}")));
            writes.spawn(async move { db.call(move |conn, op| conn.reducers.dictionary_entry_insert(row, op)).await });
        }
        while let Some(result) = writes.join_next().await {
            result.unwrap().unwrap();
        }
    });
    let command_pipelined = started.elapsed();

    let dir_b = tempfile::tempdir().unwrap();
    let app_b = start_app(config(dir_b.path()));
    let (event_tx, event_rx) = mpsc::channel();
    app_b.listen_any("dictionary_entry:changed", move |_| {
        let _ = event_tx.send(Instant::now());
    });
    let mut command_visible = Vec::new();
    for i in 0..200 {
        let row = app_row(format!("cmdv-{i}"));
        let started = Instant::now();
        runtime.block_on(heycat_app::commands::dictionary_entry_insert(app.state(), row)).unwrap();
        command_visible.push(event_rx.recv().unwrap() - started);
    }

    let (raw, cmd) = (stats(raw_latency), stats(command_latency));
    let (raw_v, cmd_v) = (stats(raw_visible), stats(command_visible));
    let ms = |d: Duration| format!("{:.3} ms", d.as_secs_f64() * 1000.0);
    let ratio = |a: Duration, b: Duration| format!("{:.2}x", a.as_secs_f64() / b.as_secs_f64());
    println!("write path on loopback ({SEQUENTIAL} sequential writes, {PIPELINED} pipelined)\n");
    println!("| measure | raw spacetimedb-sdk | generated command layer | ratio |");
    println!("|---|---|---|---|");
    println!("| confirmed write p50 | {} | {} | {} |", ms(raw.p50), ms(cmd.p50), ratio(cmd.p50, raw.p50));
    println!("| confirmed write p99 | {} | {} | {} |", ms(raw.p99), ms(cmd.p99), ratio(cmd.p99, raw.p99));
    println!(
        "| {PIPELINED} pipelined writes | {} | {} | {} |",
        ms(raw_pipelined),
        ms(command_pipelined),
        ratio(command_pipelined, raw_pipelined)
    );
    println!(
        "| second client sees it, p50 | {} | {} | {} |",
        ms(raw_v.p50),
        ms(cmd_v.p50),
        ratio(cmd_v.p50, raw_v.p50)
    );
    println!(
        "| second client sees it, p99 | {} | {} | {} |",
        ms(raw_v.p99),
        ms(cmd_v.p99),
        ratio(cmd_v.p99, raw_v.p99)
    );
    heycat_app::shutdown(&app);
    heycat_app::shutdown(&app_b);
}

fn start_app(config: DataConfig) -> tauri::App<MockRuntime> {
    let app = heycat_app::with_commands(mock_builder()).build(mock_context(noop_assets())).unwrap();
    heycat_app::start(app.handle(), config);
    let connection = app.state::<heycat_app::Connection>().inner().clone();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !connection.status().is_connected() {
        assert!(Instant::now() < deadline, "not connected: {:?}", connection.status());
        std::thread::sleep(Duration::from_millis(10));
    }
    app
}
