//! The suite's SQLite baseline: the store heycat had before this toolkit (a local SQLite in WAL
//! mode, autocommit writes), holding the same `dictionary_entry` rows, with an index for the
//! order heycat's UI pages by (`trigger`, unique: its index is the order's), behind two Tauri
//! commands in the mock runtime as heycat's frontend called it: the same IPC, JSON both ways, as
//! the toolkit's commands it is compared with.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection};
use serde_json::{json, Value};
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime};
use tauri::{Manager, State, WebviewWindow};

/// The database file in a data dir.
const FILE: &str = "heycat.sqlite";

/// heycat's `dictionary_entry` as a SQLite table (`created_at` in microseconds, as the toolkit's
/// timestamps).
const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS dictionary_entry (
    id TEXT PRIMARY KEY NOT NULL,
    trigger TEXT NOT NULL UNIQUE,
    expansion TEXT NOT NULL,
    suffix TEXT,
    auto_enter INTEGER NOT NULL,
    disable_suffix INTEGER NOT NULL,
    complete_match_only INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
)";

const INSERT: &str = "INSERT INTO dictionary_entry (id, trigger, expansion, suffix, auto_enter, disable_suffix,
    complete_match_only, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

/// How much a commit waits for the disk: `Full` syncs the WAL on every commit (what the outbox
/// does for each offline write), `Normal` only at checkpoints (a commit can be lost at a power
/// cut, not at a crash).
#[derive(Clone, Copy)]
pub enum Durability {
    Full,
    Normal,
}

type Db = Mutex<Connection>;

/// Opens (creating it if needed) the database in `dir`, as the store did on start.
fn open(dir: &Path, durability: Durability) -> Connection {
    let conn = Connection::open(dir.join(FILE)).expect("open the SQLite database");
    let synchronous = match durability {
        Durability::Full => "FULL",
        Durability::Normal => "NORMAL",
    };
    conn.execute_batch(&format!("PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; {SCHEMA}"))
        .expect("set the database up");
    conn
}

/// Puts the suite's seeded rows (`seed-{i}`, as the server gets them) in a new database in
/// `dir`, in one transaction.
pub fn seed(dir: &Path, n: usize) {
    let mut conn = open(dir, Durability::Full);
    let tx = conn.transaction().unwrap();
    {
        let mut insert = tx.prepare(INSERT).unwrap();
        for i in 0..n {
            insert
                .execute(params![
                    format!("seed-{i}"),
                    format!("t-seed-{i}"),
                    "expansion",
                    None::<String>,
                    false,
                    false,
                    false,
                    0
                ])
                .unwrap();
        }
    }
    tx.commit().unwrap();
}

/// Inserts a row in the frontend's form, one autocommit transaction.
#[tauri::command]
async fn sqlite_insert(db: State<'_, Db>, row: Value) -> Result<(), String> {
    let text = |key: &str| row[key].as_str().map(str::to_owned);
    let flag = |key: &str| row[key].as_bool().unwrap_or(false);
    let created_at: i64 = row["createdAt"].as_str().and_then(|t| t.parse().ok()).unwrap_or(0);
    let conn = db.lock().unwrap();
    let mut insert = conn.prepare(INSERT).map_err(|e| e.to_string())?;
    insert
        .execute(params![
            text("id"),
            text("trigger"),
            text("expansion"),
            text("suffix"),
            flag("autoEnter"),
            flag("disableSuffix"),
            flag("completeMatchOnly"),
            created_at
        ])
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// The first `limit` rows by trigger, in the frontend's form, with the table's count: what the
/// toolkit's `dictionary_entry_page` answers (`{ rows, more, total }`), from one read
/// transaction.
#[tauri::command]
async fn sqlite_first_page(db: State<'_, Db>, limit: u32) -> Result<Value, String> {
    let mut conn = db.lock().unwrap();
    let tx = conn.transaction().map_err(|e| e.to_string())?;
    let total: i64 =
        tx.query_row("SELECT count(*) FROM dictionary_entry", [], |r| r.get(0)).map_err(|e| e.to_string())?;
    let mut rows = {
        let mut select = tx
            .prepare(
                "SELECT id, trigger, expansion, suffix, auto_enter, disable_suffix, complete_match_only, created_at
                 FROM dictionary_entry ORDER BY trigger LIMIT ?1",
            )
            .map_err(|e| e.to_string())?;
        let rows = select.query_map([limit + 1], |r| {
            Ok(json!({
                "id": r.get::<_, String>(0)?,
                "trigger": r.get::<_, String>(1)?,
                "expansion": r.get::<_, String>(2)?,
                "suffix": r.get::<_, Option<String>>(3)?,
                "autoEnter": r.get::<_, bool>(4)?,
                "disableSuffix": r.get::<_, bool>(5)?,
                "completeMatchOnly": r.get::<_, bool>(6)?,
                "createdAt": r.get::<_, i64>(7)?.to_string(),
            }))
        });
        rows.and_then(Iterator::collect::<Result<Vec<Value>, _>>).map_err(|e| e.to_string())?
    };
    tx.commit().map_err(|e| e.to_string())?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    Ok(json!({"rows": rows, "more": more, "total": total}))
}

/// A Tauri app whose backend is the SQLite store, driven through IPC as the toolkit's app is.
pub struct App {
    app: tauri::App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
}

impl App {
    /// The Tauri app with its window, before the store opens: what any Tauri app costs.
    pub fn build() -> App {
        let app = mock_builder()
            .invoke_handler(tauri::generate_handler![sqlite_insert, sqlite_first_page])
            .build(mock_context(noop_assets()))
            .unwrap();
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
        App { app, webview }
    }

    /// Opens the database in `dir` (the store's start).
    pub fn open(&self, dir: &Path, durability: Durability) {
        self.app.manage::<Db>(Mutex::new(open(dir, durability)));
    }

    /// Inserts a row in the frontend's form.
    pub fn insert(&self, row: Value) {
        heycat_harness::app::invoke_ipc(&self.webview, "sqlite_insert", json!({ "row": row }))
            .expect("a SQLite insert");
    }

    /// How many rows the first page of `limit` by trigger brought, and how many the table holds.
    pub fn first_page(&self, limit: usize) -> (usize, u64) {
        let page = heycat_harness::app::invoke_ipc(&self.webview, "sqlite_first_page", json!({ "limit": limit }))
            .expect("a SQLite page");
        (page["rows"].as_array().unwrap().len(), page["total"].as_u64().unwrap())
    }
}
