//! What a user feels of the data layer, measured against its natural baseline in the same run,
//! on a real spacetimedb-standalone on loopback, at several table sizes (N rows): how each cost
//! grows is the point.
//!
//! `cargo bench -p heycat-app --bench suite` runs N = 1,000, 10,000 and 100,000, and the
//! codegen measure; `-- --quick` only N = 1,000 (CI runs that, to keep the suite working);
//! `-- --n 10000` one size; `-- --only start` one part (`offline`, `start`, `burst`, `codegen`).
//! It prints one table:
//! each measure, the toolkit's figure, the baseline's, their ratio, and the budget.
//!
//! The app is heycat's, driven as its frontend drives it (commands through Tauri's IPC, JSON
//! both ways); the baselines are the raw spacetimedb-sdk client with the same generated bindings,
//! acting as the same user, and, for the local paths, the SQLite store heycat had before
//! ([`sqlite`]: the same rows behind the same IPC). Processes whose memory is measured, or that
//! must be a second client to the server, are this binary started again (`HEYCAT_SUITE_ROLE`).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use heycat_app::data::sdk::{self, dictionary_entry_insert as _, DictionaryEntryTableAccess as _};
use heycat_harness::{module_wasm, Proxy, Server};
use heycat_runtime::config::{DataConfig, ServerChoice};
use serde_json::{json, Value};
use spacetimedb_sdk::{DbContext, Table};
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime};
use tauri::{Listener, WebviewWindow};

mod common;
mod sqlite;

use common::{raw_client, sdk_row};

const DB: &str = "heycat";
const ROLE: &str = heycat_runtime::env::SUITE_ROLE;
/// How long a started process is left before its memory is read: past the app's first refresh
/// of its local copy.
const SETTLE: Duration = Duration::from_secs(2);
/// The rows a list shows first (heycat's UI loads a table's rows a page at a time).
const FIRST_ROWS: usize = 100;

/// The rows of one table, as the suite reports them.
struct Report {
    rows: Vec<[String; 5]>,
}

impl Report {
    fn add(&mut self, measure: String, toolkit: String, baseline: String, ratio: String, budget: &str) {
        println!("  {measure}: {toolkit} vs {baseline} ({ratio}, budget {budget})");
        self.rows.push([measure, toolkit, baseline, ratio, budget.to_owned()]);
    }

    fn print(&self) {
        println!("\n| measure | toolkit | baseline (same run) | ratio | budget |\n|---|---|---|---|---|");
        for [measure, toolkit, baseline, ratio, budget] in &self.rows {
            println!("| {measure} | {toolkit} | {baseline} | {ratio} | {budget} |");
        }
    }
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn ratio(a: Duration, b: Duration) -> String {
    format!("{:.2}x", a.as_secs_f64() / b.as_secs_f64().max(1e-9))
}

fn p(samples: &mut [Duration], q: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * q).round() as usize]
}

/// heycat's backend in Tauri's mock runtime, driven through IPC as its frontend drives it.
struct App {
    app: tauri::App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
}

impl App {
    fn start(data_dir: &Path, url: &str) -> App {
        let app = App::build();
        app.start_data(data_dir, url);
        app
    }

    /// The Tauri app with its window, before the data layer starts: what any Tauri app costs.
    fn build() -> App {
        let app = mock_builder()
            .invoke_handler(heycat_app::data::handler(tauri::generate_handler![]))
            .build(mock_context(noop_assets()))
            .unwrap();
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
        App { app, webview }
    }

    fn start_data(&self, data_dir: &Path, url: &str) {
        heycat_app::data::start(self.app.handle(), config(data_dir, url)).unwrap();
    }

    /// When the app says it connected, from now on (the `connection:status` events).
    fn connections(&self) -> mpsc::Receiver<Instant> {
        let (connected, connections) = mpsc::channel();
        self.app.listen_any("connection:status", move |e| {
            if e.payload().contains("\"state\":\"connected\"") {
                let _ = connected.send(Instant::now());
            }
        });
        connections
    }

    fn invoke(&self, command: &str, args: Value) -> Result<Value, Value> {
        heycat_harness::app::invoke_ipc(&self.webview, command, args)
    }

    fn ok(&self, command: &str, args: Value) -> Value {
        self.invoke(command, args).unwrap_or_else(|e| panic!("{command}: {e}"))
    }

    fn state(&self) -> Value {
        self.ok("connection_status", json!({}))["state"].clone()
    }

    fn pending(&self) -> u64 {
        self.ok("sync_status", json!({}))["pending"].as_u64().unwrap()
    }

    /// How many rows `<table>_list` answers, counted as the answer is read (a webview holds
    /// the rows the frontend parses, not this process: they are not the backend's memory).
    fn listed(&self) -> usize {
        let rows: Vec<serde::de::IgnoredAny> =
            heycat_harness::app::invoke_ipc_as(&self.webview, "dictionary_entry_list", json!({}))
                .unwrap_or_else(|e| panic!("dictionary_entry_list: {e}"));
        rows.len()
    }

    /// What a screen shows first: the first [`FIRST_ROWS`] rows in the order heycat's UI lists
    /// them (by trigger), as its hooks ask for them.
    /// Returns how many rows it brought and how many the table holds.
    fn first_rows(&self) -> (usize, u64) {
        let page = self.ok(
            "dictionary_entry_page",
            json!({"order": "trigger", "descending": false, "after": null, "limit": FIRST_ROWS}),
        );
        (page["rows"].as_array().unwrap().len(), page["total"].as_u64().unwrap())
    }

    /// Whether the first rows of a table of `n` are listed.
    fn shows_first_of(&self, n: usize) -> bool {
        self.first_rows() == (n.min(FIRST_ROWS), n as u64)
    }

    /// Stops the app, and gives the server a moment to drop its connection: the next
    /// connection of this process has the same connection id (spacetimedb-sdk 1.2.0), and one
    /// made while the server still holds the old one does not get its rows.
    fn shutdown(self) {
        heycat_runtime::shutdown(&self.app);
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn config(data_dir: &Path, url: &str) -> DataConfig {
    heycat_harness::app::config(data_dir, ServerChoice::Remote(url.to_owned()), DB)
}

/// Polls `done` every millisecond; panics naming `what` after `timeout`.
fn until(timeout: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// A dictionary entry in the frontend's form.
fn frontend_row(id: &str) -> Value {
    json!({"id": id, "trigger": format!("t-{id}"), "expansion": "expansion", "suffix": null, "autoEnter": false,
           "disableSuffix": false, "completeMatchOnly": false, "createdAt": "0"})
}

/// Puts `n` dictionary entries on the server (through the import reducer: fast).
fn seed(server: &Server, n: usize) {
    let rows: Vec<Value> = (0..n)
        .map(|i| {
            json!({"id": format!("seed-{i}"), "trigger": format!("t-seed-{i}"), "expansion": "expansion",
                   "suffix": {"none": []}, "auto_enter": false, "disable_suffix": false, "complete_match_only": false,
                   "created_at": {"__timestamp_micros_since_unix_epoch__": 0}, "row_version": 1})
        })
        .collect();
    for (i, chunk) in rows.chunks(2_000).enumerate() {
        server.api().call(DB, "heycat_import_dictionary_entry", &json!([chunk, i > 0])).expect("seed rows");
    }
}

/// Sends `n` inserts without waiting, then waits for all their results.
fn raw_pipelined(conn: &sdk::DbConnection, done: &mpsc::Receiver<()>, prefix: &str, n: usize) -> Duration {
    let started = Instant::now();
    for i in 0..n {
        conn.reducers.dictionary_entry_insert(sdk_row(format!("{prefix}-{i}")), format!("{prefix}-op-{i}")).unwrap();
    }
    for _ in 0..n {
        done.recv_timeout(Duration::from_secs(120)).expect("a raw insert's result");
    }
    started.elapsed()
}

/// What an append to a file and an fsync cost here: the floor of a durable queued write.
fn fsync_floor(dir: &Path) -> Duration {
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("floor")).unwrap();
    let line = [b'x'; 300];
    let mut samples: Vec<Duration> = (0..500)
        .map(|_| {
            let started = Instant::now();
            file.write_all(&line).unwrap();
            file.sync_data().unwrap();
            started.elapsed()
        })
        .collect();
    p(&mut samples, 0.5)
}

/// Writes made offline, then their replay once the server is back.
fn offline_and_replay(n: usize, report: &mut Report) {
    let server = Server::start().unwrap();
    server.api().publish_file(DB, &module_wasm().unwrap()).unwrap();
    let proxy = Proxy::start(server.port());
    let dir = tempfile::tempdir().unwrap();
    heycat_harness::as_user_of(&server, dir.path());
    let app = App::start(dir.path(), &proxy.url());
    until(Duration::from_secs(60), "the app to connect", || app.state() == "connected");
    proxy.go_offline();
    until(Duration::from_secs(30), "the app to notice", || app.state() != "connected");

    let mut writes: Vec<Duration> = (0..n)
        .map(|i| {
            let row = frontend_row(&format!("off-{i}"));
            let started = Instant::now();
            app.ok("dictionary_entry_insert", json!({ "row": row }));
            started.elapsed()
        })
        .collect();
    let tenth = (n / 10).max(1);
    let (mut first, mut last) = (writes[..tenth].to_vec(), writes[n - tenth..].to_vec());
    let floor = fsync_floor(dir.path());
    let (p50, p99) = (p(&mut writes, 0.5), p(&mut writes, 0.99));
    report.add(
        format!("offline write p50, {n} queued"),
        ms(p50),
        format!("fsync {}", ms(floor)),
        ratio(p50, floor),
        "≤ 1 ms",
    );
    report.add(
        format!("offline write p99, {n} queued"),
        ms(p99),
        format!("fsync {}", ms(floor)),
        ratio(p99, floor),
        "–",
    );
    // Flat: a write when the queue is long costs what one did when it was short, in the median
    // and in the tail.
    for (quantile, name, budget) in [(0.5, "p50", "constant"), (0.99, "p99", "≤ 1.2x")] {
        let (first, last) = (p(&mut first, quantile), p(&mut last, quantile));
        report.add(
            format!("offline write {name}, last vs first tenth of {n}"),
            ms(last),
            ms(first),
            ratio(last, first),
            budget,
        );
    }
    // The same writes into the SQLite store, at the outbox's durability (FULL) and, apart, at
    // a weaker one (NORMAL).
    let all: Duration = writes.iter().sum();
    for (name, durability, budget) in
        [("SQLite FULL", sqlite::Durability::Full, "≤ 1x"), ("SQLite NORMAL", sqlite::Durability::Normal, "–")]
    {
        let mut local = sqlite_writes(n, durability);
        let local_all: Duration = local.iter().sum();
        let (local_p50, local_p99) = (p(&mut local, 0.5), p(&mut local, 0.99));
        report.add(
            format!("offline write p50, {n} queued"),
            ms(p50),
            format!("{name} {}", ms(local_p50)),
            ratio(p50, local_p50),
            budget,
        );
        report.add(
            format!("offline write p99, {n} queued"),
            ms(p99),
            format!("{name} {}", ms(local_p99)),
            ratio(p99, local_p99),
            budget,
        );
        report.add(
            format!("{n} offline writes one by one (total)"),
            ms(all),
            format!("{name} {n} autocommit {}", ms(local_all)),
            ratio(all, local_all),
            budget,
        );
    }

    // Timed as the frontend learns it: from the connection's status event to the sync status
    // event that says nothing is pending (no polling to compete with the replay).
    let connected = app.connections();
    let (synced_tx, synced) = mpsc::channel();
    app.app.listen_any("sync:status", move |e| {
        if e.payload().contains("\"pending\":0,") {
            let _ = synced_tx.send(Instant::now());
        }
    });
    proxy.go_online();
    app.ok("connection_retry", json!({}));
    let started = connected.recv_timeout(Duration::from_secs(60)).expect("the app to reconnect");
    let replay = synced.recv_timeout(Duration::from_secs(1800)).expect("the replay to end") - started;
    assert_eq!(app.pending(), 0);
    assert_eq!(app.listed(), n, "every queued write arrived");
    app.shutdown();

    // Over the same path as the replay: through the proxy that took the server away.
    let baseline = raw_in_child("raw-pipelined", &proxy.url(), server.owner_token(), n);
    report.add(
        format!("replay of {n} queued writes"),
        ms(replay),
        format!("{n} pipelined {}", ms(baseline)),
        ratio(replay, baseline),
        "≤ 2x",
    );
}

/// `n` inserts into a new SQLite store, one autocommit transaction each, sent one by one as the
/// offline writes are, each timed.
fn sqlite_writes(n: usize, durability: sqlite::Durability) -> Vec<Duration> {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite::App::build();
    store.open(dir.path(), durability);
    (0..n)
        .map(|i| {
            let row = frontend_row(&format!("sqlite-{i}"));
            let started = Instant::now();
            store.insert(row);
            started.elapsed()
        })
        .collect()
}

/// Starting with N rows on the server: the first start, a restart with the data dir, a list,
/// a reconnect after the server restarted, and memory.
fn start_and_read(n: usize, report: &mut Report) {
    let server_dir = tempfile::tempdir().unwrap();
    let mut server = Server::start_in(server_dir.path()).unwrap();
    server.api().publish_file(DB, &module_wasm().unwrap()).unwrap();
    seed(&server, n);
    // The guard's address: it stays the same when the server restarts (the raw baseline uses
    // it too).
    let url = server.url();
    let token = server.owner_token().to_owned();
    // Each figure is the median of three rounds, the app and the baseline taking turns: one
    // start is too noisy a sample on this machine.
    const ROUNDS: usize = 3;
    let (mut app_cold, mut raw_cold, mut first, mut restart) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut app_cold_all = Vec::new();
    let (mut pages, mut lists, mut reconnect, mut resubscribed) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut restarted_raw = Vec::new();
    let (mut app_memory, mut raw_memory) = ([0; 4], [0; 4]);
    // The SQLite store with the same rows, for the local paths: a restart, a page, memory.
    let local_dir = tempfile::tempdir().unwrap();
    sqlite::seed(local_dir.path(), n);
    let (mut restart_new, mut local_start, mut local_pages) = (Vec::new(), Vec::new(), Vec::new());
    let (mut restart_memory, mut local_memory) = ([0; 4], [0; 4]);
    for _ in 0..ROUNDS {
        // A cold start is a new process's, for the app as for the raw client.
        let (app, raw) =
            (probe("app", &url, user_dir(&token).path(), n), probe("raw", &url, user_dir(&token).path(), n));
        (app_memory, raw_memory) = (app.memory, raw.memory);
        app_cold.push(app.took);
        app_cold_all.push(app.all);
        raw_cold.push(raw.took);

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("identity-token"), &token).unwrap();
        let started = Instant::now();
        let app = App::start(dir.path(), &url);
        until(Duration::from_secs(300), "the first start to connect", || app.state() == "connected");
        assert!(app.shows_first_of(n), "the first start lists the first rows");
        first.push(started.elapsed());
        // Pages and lists are timed once the app settled, as its memory is: the local copy is
        // taken a second after connecting, and a page timed meanwhile measures that copy.
        std::thread::sleep(SETTLE);
        // Pages one after another, as SQLite's are timed (a page right after a whole list
        // finds the caches full of the list's rows).
        for _ in 0..3 {
            let started = Instant::now();
            assert!(app.shows_first_of(n));
            pages.push(started.elapsed());
        }
        for _ in 0..3 {
            let started = Instant::now();
            assert_eq!(app.listed(), n);
            lists.push(started.elapsed());
        }
        let store = sqlite::App::build();
        store.open(local_dir.path(), sqlite::Durability::Full);
        // Warm, as the app's pages are (they follow its first).
        store.first_page(FIRST_ROWS);
        for _ in 0..3 {
            let started = Instant::now();
            assert_eq!(store.first_page(FIRST_ROWS), (n.min(FIRST_ROWS), n as u64));
            local_pages.push(started.elapsed());
        }

        // The server restarts on the same port and data: the app reconnects by itself.
        let port = server.port();
        server.stop();
        until(Duration::from_secs(30), "the app to notice", || app.state() != "connected");
        server = Server::start_on(server_dir.path(), port).unwrap();
        let back = Instant::now();
        until(Duration::from_secs(120), "the app to reconnect", || app.state() == "connected");
        assert!(app.shows_first_of(n), "the app lists the first rows after reconnecting");
        reconnect.push(back.elapsed());
        app.shutdown();
        resubscribed.push(raw_in_child("raw-subscribe", &url, &token, n));
        // The same server restart met by the raw client: the first connection after it waits
        // for the server to load the database again, whoever makes it.
        server.stop();
        server = Server::start_on(server_dir.path(), port).unwrap();
        restarted_raw.push(raw_in_child("raw-subscribe", &url, &token, n));

        let started = Instant::now();
        let app = App::start(dir.path(), &url);
        // Shown from the local copy before the connection is there.
        until(Duration::from_secs(300), "the restart to list the first rows", || app.shows_first_of(n));
        restart.push(started.elapsed());
        app.shutdown();

        // A restart as the SQLite store has it: a new process opening its data.
        let (restarted, local) = (probe("restart", &url, dir.path(), n), probe("sqlite", &url, local_dir.path(), n));
        (restart_memory, local_memory) = (restarted.memory, local.memory);
        restart_new.push(restarted.took);
        local_start.push(local.took);
    }
    let median = |samples: &mut Vec<Duration>| p(samples, 0.5);
    let (app_cold, raw_cold, app_cold_all) = (median(&mut app_cold), median(&mut raw_cold), median(&mut app_cold_all));
    let (first, restart) = (median(&mut first), median(&mut restart));
    let (page, list) = (median(&mut pages), median(&mut lists));
    let (reconnect, resubscribed) = (median(&mut reconnect), median(&mut resubscribed));
    let restarted_raw = median(&mut restarted_raw);
    let (restart_new, local_start, local_page) =
        (median(&mut restart_new), median(&mut local_start), median(&mut local_pages));
    report.add(
        format!("cold start of a new process, {n} rows (start → first {FIRST_ROWS} listed)"),
        ms(app_cold),
        format!("connect+subscribe {}", ms(raw_cold)),
        ratio(app_cold, raw_cold),
        "≤ 1.5x",
    );
    report.add(
        format!("cold start of a new process, {n} rows (start → every row listed)"),
        ms(app_cold_all),
        format!("connect+subscribe {}", ms(raw_cold)),
        ratio(app_cold_all, raw_cold),
        "–",
    );
    report.add(
        format!("restart with the data dir, {n} rows (start → first {FIRST_ROWS} listed)"),
        ms(restart),
        format!("first start {}", ms(first)),
        ratio(restart, first),
        "≤ 1x",
    );
    report.add(
        format!("restart of a new process with the data dir, {n} rows (start → first {FIRST_ROWS} listed)"),
        ms(restart_new),
        format!("SQLite open + first page {}", ms(local_start)),
        ratio(restart_new, local_start),
        "≤ 1x",
    );
    report.add(
        format!("one page of {FIRST_ROWS} by trigger (dictionary_entry_page), {n} rows"),
        ms(page),
        format!("SQLite {}", ms(local_page)),
        ratio(page, local_page),
        "≤ 1x",
    );
    report.add(format!("one dictionary_entry_list (every row), {n} rows"), ms(list), "–".into(), "–".into(), "–");
    report.add(
        format!("reconnect after a server restart, {n} rows (server up → first {FIRST_ROWS} listed)"),
        ms(reconnect),
        format!("connect+subscribe after a restart {}", ms(restarted_raw)),
        ratio(reconnect, restarted_raw),
        "≤ 1.5x",
    );
    // The first connection after a restart waits for the server to load the database, whoever
    // makes it: a raw client on a server that runs already does not.
    report.add(
        format!("reconnect after a server restart, {n} rows, against a raw client on a running server"),
        ms(reconnect),
        format!("connect+subscribe {}", ms(resubscribed)),
        ratio(reconnect, resubscribed),
        "–",
    );

    let mb = |kb: u64| format!("{:.1} MB", kb as f64 / 1024.0);
    let growth = |m: &[u64; 4]| m[1].saturating_sub(m[0]);
    let mut memory = |measure: String, app: u64, baseline: u64, of: &str, budget: &str| {
        let ratio = format!("{:.2}x", app as f64 / baseline.max(1) as f64);
        report.add(measure, mb(app), format!("{of}{}", mb(baseline)), ratio, budget);
    };
    memory(
        format!("memory growth after a cold start, {n} rows (RSS)"),
        growth(&app_memory),
        growth(&raw_memory),
        "",
        "≤ 1.5x at 100k",
    );
    memory(
        format!("peak memory, {n} rows, start → first {FIRST_ROWS} listed, settled (HWM)"),
        app_memory[2],
        raw_memory[2],
        "",
        "–",
    );
    memory(
        format!("peak memory, {n} rows, then every row listed (HWM)"),
        app_memory[3],
        raw_memory[3],
        "",
        "≤ 1.5x at 100k",
    );
    memory(
        format!("memory growth after a restart of a new process, {n} rows (RSS)"),
        growth(&restart_memory),
        growth(&local_memory),
        "SQLite ",
        "–",
    );
    server.stop();
}

/// A raw SDK baseline timed in a process of its own (every SDK connection of a process has the
/// same connection id, so one made here after the app's would be the same client to the
/// server): `raw-subscribe` connects and subscribes (checking it got the N rows),
/// `raw-pipelined` then sends N inserts without waiting and waits for their results.
fn raw_in_child(role: &str, url: &str, token: &str, n: usize) -> Duration {
    let output = Command::new(std::env::current_exe().unwrap())
        .env(ROLE, role)
        .env(heycat_runtime::env::SUITE_URL, url)
        .env(heycat_runtime::env::SUITE_TOKEN, token)
        .env(heycat_runtime::env::SUITE_ROWS, n.to_string())
        .stderr(Stdio::inherit())
        .output()
        .expect("run a raw baseline");
    let text = String::from_utf8_lossy(&output.stdout);
    let micros = text.lines().find_map(|l| l.strip_prefix("took ")).expect("the baseline's time");
    Duration::from_micros(micros.parse().unwrap())
}

fn raw_baseline(role: &str) {
    let url = std::env::var(heycat_runtime::env::SUITE_URL).unwrap();
    let token = std::env::var(heycat_runtime::env::SUITE_TOKEN).unwrap();
    let n: usize = std::env::var(heycat_runtime::env::SUITE_ROWS).unwrap().parse().unwrap();
    let (conn, subscribed, done) = raw_client(&url, &token, "rawp");
    let took = if role == "raw-subscribe" {
        assert_eq!(conn.db.dictionary_entry().count() as usize, n, "the raw client has the rows");
        subscribed
    } else {
        raw_pipelined(&conn, &done, "rawp", n)
    };
    println!("took {}", took.as_micros());
    std::process::exit(0);
}

/// What a process of its own (this binary started again as `role`) took to start with the data
/// in `dir` and have the N rows (`app`: the first ones listed, from the server; `raw`: every row
/// subscribed; `restart`: the app's first rows listed from its data dir; `sqlite`: the SQLite
/// store's first page), and its memory in kB once it had them: `[RSS before, RSS after, peak
/// then, peak at the end]` (the app's end: every row listed).
struct Probe {
    /// To the first screenful of rows (or every row subscribed: the raw client).
    took: Duration,
    /// To every row listed (`app`; the others: as `took`).
    all: Duration,
    memory: [u64; 4],
}

/// A new data dir of the user whose token this is.
fn user_dir(token: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("identity-token"), token).unwrap();
    dir
}

fn probe(role: &str, url: &str, dir: &Path, n: usize) -> Probe {
    let output = Command::new(std::env::current_exe().unwrap())
        .env(ROLE, role)
        .env(heycat_runtime::env::SUITE_URL, url)
        .env(heycat_runtime::env::SUITE_DIR, dir)
        .env(heycat_runtime::env::SUITE_ROWS, n.to_string())
        .stderr(Stdio::inherit())
        .output()
        .expect("run a probe");
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text.lines().find_map(|l| l.strip_prefix("memory ")).expect("the probe's figures");
    let figures: Vec<u64> = line.split(' ').map(|f| f.parse().unwrap()).collect();
    let took = text.lines().find_map(|l| l.strip_prefix("took ")).expect("the probe's times");
    let times: Vec<Duration> = took.split(' ').map(|t| Duration::from_micros(t.parse().unwrap())).collect();
    Probe { took: times[0], all: times[1], memory: [figures[0], figures[1], figures[2], figures[3]] }
}

/// `VmRSS` and `VmHWM` of this process, in kB.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let field = |name: &str| {
        status.lines().find_map(|l| l.strip_prefix(name)).and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
    };
    (field("VmRSS:").unwrap_or(0), field("VmHWM:").unwrap_or(0))
}

fn memory_probe(role: &str) {
    let url = std::env::var(heycat_runtime::env::SUITE_URL).unwrap();
    let dir = PathBuf::from(std::env::var_os(heycat_runtime::env::SUITE_DIR).unwrap());
    let n: usize = std::env::var(heycat_runtime::env::SUITE_ROWS).unwrap().parse().unwrap();
    let (keep, before, after, took, all): (Box<dyn std::any::Any>, _, _, _, _) = match role {
        "app" => {
            // The clock starts when the data layer does: the Tauri app around it is what any
            // Tauri app costs, with or without this toolkit.
            let app = App::build();
            // Waited for as the frontend waits: on the status event (the raw client waits on
            // its callback too), not by polling.
            let connected = app.connections();
            let before = memory().0;
            let started = Instant::now();
            app.start_data(&dir, &url);
            connected.recv_timeout(Duration::from_secs(300)).expect("the app to connect");
            assert!(app.shows_first_of(n), "the first rows are listed");
            let took = started.elapsed();
            // Memory is read once the app settled (its local copy for offline reads is taken a
            // second after connecting), and again once every row was listed (the answer is
            // counted, not parsed: the rows the frontend parses are a webview's memory).
            std::thread::sleep(SETTLE);
            let after = memory();
            // Every row, timed as if listed at once after the first ones.
            let listing = Instant::now();
            assert_eq!(app.listed(), n);
            let all = took + listing.elapsed();
            (Box::new(app), before, after, took, all)
        }
        "restart" => {
            let app = App::build();
            let before = memory().0;
            let started = Instant::now();
            app.start_data(&dir, &url);
            // Shown from the local copy, connected or not.
            until(Duration::from_secs(300), "the restart to list the first rows", || app.shows_first_of(n));
            let took = started.elapsed();
            std::thread::sleep(SETTLE);
            (Box::new(app), before, memory(), took, took)
        }
        "sqlite" => {
            let store = sqlite::App::build();
            let before = memory().0;
            let started = Instant::now();
            store.open(&dir, sqlite::Durability::Full);
            assert_eq!(store.first_page(FIRST_ROWS), (n.min(FIRST_ROWS), n as u64));
            let took = started.elapsed();
            (Box::new(store), before, memory(), took, took)
        }
        _ => {
            let before = memory().0;
            let started = Instant::now();
            let token = std::fs::read_to_string(dir.join("identity-token")).unwrap();
            let (conn, _, _) = raw_client(&url, &token, "none");
            let took = started.elapsed();
            assert_eq!(conn.db.dictionary_entry().count() as usize, n);
            std::thread::sleep(SETTLE);
            (Box::new(conn), before, memory(), took, took)
        }
    };
    let ((after, settled_peak), peak) = (after, memory().1);
    println!("memory {before} {after} {settled_peak} {peak}");
    println!("took {} {}", took.as_micros(), all.as_micros());
    std::mem::forget(keep);
    std::process::exit(0);
}

/// A burst of changes made elsewhere: how fast they reach the frontend as events, against a
/// raw SDK client's row callbacks. Each receiver is a process of its own (two connections of
/// the user in one process would be one client to the server).
fn burst(n: usize, report: &mut Report) {
    let server = Server::start().unwrap();
    server.api().publish_file(DB, &module_wasm().unwrap()).unwrap();
    let url = server.upstream_url();
    let token = server.owner_token().to_owned();
    let mut rates = Vec::new();
    for role in ["burst-app", "burst-raw"] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("identity-token"), &token).unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .env(ROLE, role)
            .env(heycat_runtime::env::SUITE_URL, &url)
            .env(heycat_runtime::env::SUITE_DIR, dir.path())
            .env(heycat_runtime::env::SUITE_ROWS, n.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        assert_eq!(lines.next().and_then(Result::ok).as_deref(), Some("ready"));
        let (writer, _, done) = raw_client(&url, &token, role);
        let started = Instant::now();
        raw_pipelined(&writer, &done, role, n);
        let last = lines.next().and_then(Result::ok).expect("the receiver's count");
        assert_eq!(last, "done");
        rates.push(started.elapsed());
        writer.disconnect().ok();
        drop(child.stdin.take());
        let _ = child.wait();
    }
    let per_sec = |d: Duration| format!("{:.0}/s", n as f64 / d.as_secs_f64());
    report.add(
        format!("{n} remote changes reach the frontend (events)"),
        per_sec(rates[0]),
        format!("raw callbacks {}", per_sec(rates[1])),
        // A ratio of times, as every other: at least 0.95x the raw callbacks' rate.
        ratio(rates[0], rates[1]),
        "≤ 1.05x",
    );
}

fn burst_receiver(role: &str) {
    let url = std::env::var(heycat_runtime::env::SUITE_URL).unwrap();
    let dir = PathBuf::from(std::env::var_os(heycat_runtime::env::SUITE_DIR).unwrap());
    let n: usize = std::env::var(heycat_runtime::env::SUITE_ROWS).unwrap().parse().unwrap();
    let (tx, rx) = mpsc::channel::<()>();
    let _keep: Box<dyn std::any::Any> = if role == "burst-app" {
        let app = App::start(&dir, &url);
        until(Duration::from_secs(60), "the app to connect", || app.state() == "connected");
        app.app.listen_any("dictionary_entry:changed", move |_| {
            let _ = tx.send(());
        });
        Box::new(app)
    } else {
        let token = std::fs::read_to_string(dir.join("identity-token")).unwrap();
        let (conn, _, _) = raw_client(&url, &token, "none");
        conn.db.dictionary_entry().on_insert(move |_, _| {
            let _ = tx.send(());
        });
        Box::new(conn)
    };
    println!("ready");
    for _ in 0..n {
        rx.recv_timeout(Duration::from_secs(300)).expect("a change");
    }
    println!("done");
    let _ = std::io::stdin().read_line(&mut String::new());
    std::process::exit(0);
}

/// Every output generated from heycat's schema (in this process: what `cargo build` runs),
/// against rebuilding its module to wasm after an edit of one schema file.
fn codegen(report: &mut Report) {
    use heycat_codegen::{backend, outputs, versions, Schema};
    let schema_dir = heycat_harness::heycat_schema_dir();
    let generate = || {
        let started = Instant::now();
        let snapshots = versions::load_snapshots(&schema_dir.join("versions")).unwrap();
        let (sources, schema) = heycat_codegen::versioned(Schema::load(&schema_dir).unwrap(), &snapshots).unwrap();
        let plans = heycat_codegen::migration_plans(&sources, &schema, &snapshots, &[]).unwrap();
        let inputs = backend::tauri::AppInputs {
            schema_files: Vec::new(),
            module: backend::tauri::ModuleInput::Built("module.wasm".into()),
            migration_plans: &plans,
        };
        let files = [
            backend::module::generate(&schema, &sources),
            backend::tauri::app_module(&schema, &sources, &inputs),
            backend::sdk::inline_module(&backend::sdk::generate(&schema)),
        ];
        let typescript =
            outputs::typescript_files(&schema, &sources, heycat_codegen::TypeScriptOptions { react: true });
        assert!(files.iter().all(|f| !f.is_empty()) && !typescript.is_empty());
        started.elapsed()
    };
    generate();
    let mut runs: Vec<Duration> = (0..5).map(|_| generate()).collect();
    let generated = p(&mut runs, 0.5);
    let rebuild = module_rebuild(&schema_dir);
    report.add(
        "codegen of every output, heycat's schema".into(),
        ms(generated),
        format!("module rebuild {}", ms(rebuild)),
        ratio(generated, rebuild),
        "≤ 0.1x",
    );
}

/// How long the module takes to build again after one schema file changed (a copy of heycat's
/// schema under the target dir, built once before).
fn module_rebuild(schema_dir: &Path) -> Duration {
    let copy = heycat_harness::target_dir().join("suite-schema");
    let _ = std::fs::remove_dir_all(&copy);
    std::fs::create_dir_all(copy.join("versions")).unwrap();
    for entry in std::fs::read_dir(schema_dir).unwrap().flatten().filter(|e| e.path().is_file()) {
        std::fs::copy(entry.path(), copy.join(entry.file_name())).unwrap();
    }
    let build = heycat_codegen::ModuleBuild::new(&copy, heycat_harness::target_dir());
    build.build().unwrap();
    let file = copy.join("dictionary.rs");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replacen("/// What the user says.", "/// What the user says, edited.", 1)).unwrap();
    let started = Instant::now();
    build.build().unwrap();
    started.elapsed()
}

fn main() {
    heycat_harness::name_the_installed_server();
    if let Ok(role) = std::env::var(ROLE) {
        return match role.as_str() {
            "app" | "raw" | "restart" | "sqlite" => memory_probe(&role),
            "raw-subscribe" | "raw-pipelined" => raw_baseline(&role),
            _ => burst_receiver(&role),
        };
    }
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    // `--n 10000` measures one size only.
    let one: Option<usize> = args.iter().position(|a| a == "--n").and_then(|i| args.get(i + 1)?.parse().ok());
    let sizes: Vec<usize> = match one {
        Some(n) => vec![n],
        None if quick => vec![1_000],
        None => vec![1_000, 10_000, 100_000],
    };
    // `--only start` (or `offline`, `burst`, `codegen`): one part of the suite.
    let only = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)).map(String::as_str);
    let runs = |part: &str| only.is_none_or(|o| o == part);
    let mut report = Report { rows: Vec::new() };
    for &n in &sizes {
        println!("N = {n}");
        if runs("offline") {
            offline_and_replay(n, &mut report);
        }
        if runs("start") {
            start_and_read(n, &mut report);
        }
        if runs("burst") {
            burst(n, &mut report);
        }
    }
    if (!quick && one.is_none() && only.is_none()) || only == Some("codegen") {
        codegen(&mut report);
    }
    report.print();
}
