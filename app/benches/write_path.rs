//! The write path's cost, on a real spacetimedb-standalone on loopback, against the natural
//! baseline in the same run: the raw spacetimedb-sdk client (generated bindings, a reducer call,
//! waiting for its result callback).
//!
//! `cargo bench -p heycat-app --bench write_path` prints a table. Budget: a write through the
//! generated command layer costs at most 1.2x the raw SDK. "Second client sees it" is, for the
//! raw side, a second SDK client's insert callback; for the command layer, a second app's
//! `dictionary_entry:changed` event (serialized to JSON and emitted through Tauri).

use std::sync::mpsc;
use std::time::{Duration, Instant};

use heycat_app::data::sdk::{self, dictionary_entry_insert as _, DictionaryEntryTableAccess as _};
use heycat_harness::{module_wasm, Server};
use heycat_runtime::config::{DataConfig, ServerChoice};
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

fn app_row(id: String) -> heycat_app::data::schema::DictionaryEntry {
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
    // Every SDK connection of a process shares one connection id, so the raw side's own
    // writes are told apart by their op ids.
    conn.reducers.on_dictionary_entry_insert(move |_, _, op_id| {
        if op_id.starts_with("raw") {
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
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();

    // Both sides run at once, each with a second client watching, and take turns, so the
    // server and the machine are in the same state for both: this machine's two cores make
    // run-to-run drift larger than the difference measured.
    let (raw, done) = raw_client(&server);
    let (watcher, _) = raw_client(&server);
    let (seen_tx, seen_rx) = mpsc::channel();
    watcher.db.dictionary_entry().on_insert(move |_, _| {
        let _ = seen_tx.send(Instant::now());
    });
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let config = |dir: &std::path::Path| DataConfig {
        data_dir: dir.to_owned(),
        server: ServerChoice::Remote(server.url()),
        database: DB.into(),
        module_override: None,
        migration_fail_at: None,
        migration_crash_at: None,
    };
    let app = start_app(config(dir_a.path()));
    let app_b = start_app(config(dir_b.path()));
    let (event_tx, event_rx) = mpsc::channel();
    app_b.listen_any("dictionary_entry:changed", move |_| {
        let _ = event_tx.send(Instant::now());
    });
    let command = |id: String| {
        runtime.block_on(heycat_app::data::commands::dictionary_entry_insert(app.state(), app_row(id))).unwrap()
    };

    let (mut raw_latency, mut command_latency) = (Vec::new(), Vec::new());
    let (mut raw_visible, mut command_visible) = (Vec::new(), Vec::new());
    for i in 0..SEQUENTIAL {
        let started = Instant::now();
        raw.reducers.dictionary_entry_insert(sdk_row(format!("raw-{i}")), format!("raw-op-{i}")).unwrap();
        done.recv().unwrap();
        raw_latency.push(started.elapsed());
        raw_visible.push(seen_rx.recv().unwrap() - started);
        // Each side's write reaches the other side's watcher too; drop those.
        event_rx.recv().unwrap();

        let started = Instant::now();
        command(format!("cmd-{i}"));
        command_latency.push(started.elapsed());
        command_visible.push(event_rx.recv().unwrap() - started);
        seen_rx.recv().unwrap();
    }

    const ROUNDS: usize = 5;
    let (mut raw_pipelined, mut command_pipelined) = (Duration::ZERO, Duration::ZERO);
    let handle = app.handle().clone();
    for round in 0..ROUNDS {
        let started = Instant::now();
        for i in 0..PIPELINED / ROUNDS {
            raw.reducers
                .dictionary_entry_insert(sdk_row(format!("rawp-{round}-{i}")), format!("rawp-op-{round}-{i}"))
                .unwrap();
        }
        for _ in 0..PIPELINED / ROUNDS {
            done.recv().unwrap();
        }
        raw_pipelined += started.elapsed();

        let started = Instant::now();
        runtime.block_on(async {
            let mut writes = tokio::task::JoinSet::new();
            for i in 0..PIPELINED / ROUNDS {
                let (handle, row) = (handle.clone(), app_row(format!("cmdp-{round}-{i}")));
                writes.spawn(async move {
                    heycat_app::data::commands::dictionary_entry_insert(handle.state(), row).await.map(drop)
                });
            }
            while let Some(result) = writes.join_next().await {
                result.unwrap().unwrap();
            }
        });
        command_pipelined += started.elapsed();
    }

    let (raw, cmd) = (stats(raw_latency), stats(command_latency));
    let (raw_v, cmd_v) = (stats(raw_visible), stats(command_visible));
    let ms = |d: Duration| format!("{:.3} ms", d.as_secs_f64() * 1000.0);
    let ratio = |a: Duration, b: Duration| format!("{:.2}x", a.as_secs_f64() / b.as_secs_f64());
    println!("write path on loopback ({SEQUENTIAL} sequential writes per side, {PIPELINED} pipelined)\n");
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
    heycat_runtime::shutdown(&app);
    heycat_runtime::shutdown(&app_b);
}

fn start_app(config: DataConfig) -> tauri::App<MockRuntime> {
    let app = mock_builder()
        .invoke_handler(heycat_app::data::handler(tauri::generate_handler![]))
        .build(mock_context(noop_assets()))
        .unwrap();
    heycat_app::data::start(app.handle(), config).unwrap();
    let connection = app.state::<heycat_runtime::Connection>().inner().clone();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !connection.status().is_connected() {
        assert!(Instant::now() < deadline, "not connected: {:?}", connection.status());
        std::thread::sleep(Duration::from_millis(10));
    }
    app
}
