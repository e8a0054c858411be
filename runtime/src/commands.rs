//! The runtime's own Tauri commands, which every schema's app has (their names are in
//! `heycat_contract::commands`), and the invoke handler that puts them together with the
//! schema's generated commands and the app's own.

use heycat_contract::commands as names;
use serde_json::Value;
use tauri::ipc::{Invoke, Request};
use tauri::{Runtime, State};

use crate::conflicts::{self};
use crate::connection::Connection;
use crate::db::Db;
use crate::device_list::DeviceInfo;
use crate::devices::DeviceInvitation;
use crate::storage::{cleanup, export, CleanupPreview, ExportSummary, StorageUsage};
use crate::types::args::Args;
use crate::types::conflict::{ConflictResolution, ConflictView};
use crate::types::error::{DataError, ErrorKind};
use crate::types::migration::MigrationStatus;
use crate::types::status::ConnectionStatus;
use crate::types::sync_setup::{ForgetSummary, JoinSummary, SyncSetupSummary};
use crate::types::sync_status::SyncStatus;

/// The connection's current status.
#[tauri::command]
fn connection_status(connection: State<'_, Connection>) -> ConnectionStatus {
    connection.status()
}

/// Tries to connect again now.
#[tauri::command]
fn connection_retry(connection: State<'_, Connection>) {
    connection.retry();
}

/// What is waiting to sync, and how syncing goes.
#[tauri::command]
fn sync_status(db: State<'_, Db>) -> SyncStatus {
    db.sync_status()
}

/// Where this start's migration is: under way, done or failed (`null` when none ran).
#[tauri::command]
fn migration_status(db: State<'_, Db>) -> Option<MigrationStatus> {
    db.migration_status()
}

/// The conflicts of this client's writes, oldest first.
#[tauri::command]
async fn conflict_list(db: State<'_, Db>) -> Result<Vec<ConflictView>, DataError> {
    conflicts::list(&db)
}

/// Settles a conflict: keep mine (my row over the server's, or my delete), keep theirs (the
/// server's row stays), or a merged row.
#[tauri::command]
async fn conflict_resolve(db: State<'_, Db>, request: Request<'_>) -> Result<(), DataError> {
    let args = Args::of(names::CONFLICT_RESOLVE, &request)?;
    let id: String = args.get("id", "a conflict's id")?;
    let resolution: ConflictResolution =
        args.get("resolution", "a resolution: {choice: keepMine | keepTheirs} or {choice: merge, row}")?;
    conflicts::resolve(&db, id, resolution).await
}

/// What the app keeps on this device, against its storage limit.
#[tauri::command]
async fn storage_usage(db: State<'_, Db>) -> Result<StorageUsage, DataError> {
    db.storage_usage()
}

/// The `count` oldest rows of a table the schema lets the user clean up (its first such table
/// when `table` is none), and what deleting them frees.
#[tauri::command]
async fn storage_cleanup_preview(db: State<'_, Db>, request: Request<'_>) -> Result<CleanupPreview, DataError> {
    let args = Args::of(names::STORAGE_CLEANUP_PREVIEW, &request)?;
    let count: u32 = args.get("count", "how many rows, a whole number")?;
    let table: Option<String> = args.get("table", "a table's name, or none")?;
    cleanup::preview(&db, table.as_deref(), count as usize)
}

/// Deletes these rows of `table` (as previewed) with what cascades; returns the usage after.
#[tauri::command]
async fn storage_cleanup(db: State<'_, Db>, request: Request<'_>) -> Result<StorageUsage, DataError> {
    let args = Args::of(names::STORAGE_CLEANUP, &request)?;
    let table: String = args.get("table", "a table's name")?;
    let keys: Vec<Value> = args.get("keys", "a list of the previewed rows' keys")?;
    cleanup::delete(&db, &table, &keys).await?;
    db.storage_usage()
}

/// Writes every row of every table to a file (checked after writing), to keep before
/// deleting; to `path`, or by default a new file in the data dir's `exports` folder.
#[tauri::command]
async fn storage_export(
    db: State<'_, Db>,
    connection: State<'_, Connection>,
    request: Request<'_>,
) -> Result<ExportSummary, DataError> {
    let path: Option<String> = Args::of(names::STORAGE_EXPORT, &request)?.get("path", "a file path, or none")?;
    let (api, database) = connection.server()?;
    let info = db.schema().info();
    let path = path.map(std::path::PathBuf::from).unwrap_or_else(|| db.storage().export_path());
    blocking(move || export::export(&api, &database, info.version, info.exported_tables, path)).await
}

/// Puts an export back into an empty database (of the same schema version).
#[tauri::command]
async fn storage_import(
    db: State<'_, Db>,
    connection: State<'_, Connection>,
    request: Request<'_>,
) -> Result<ExportSummary, DataError> {
    let path: String = Args::of(names::STORAGE_IMPORT, &request)?.get("path", "an export file's path")?;
    let (api, database) = connection.server()?;
    let version = db.schema().info().version;
    blocking(move || export::import(&api, &database, version, std::path::Path::new(&path))).await
}

/// Makes a one-time code another device of the user joins with (`device_join`), valid for ten
/// minutes; only with a configured (shared) server.
#[tauri::command]
async fn device_invite(connection: State<'_, Connection>) -> Result<DeviceInvitation, DataError> {
    let connection = connection.inner().clone();
    blocking(move || connection.invite_device()).await
}

/// Joins this device to the user's database on a shared server with a code made on one of the
/// user's devices, then connects. A device that keeps its data in its own database gives the
/// server's `url`, and its rows are offered to the shared data: the answer says how many were
/// added, were there already, or became conflicts.
#[tauri::command]
async fn device_join(
    db: State<'_, Db>,
    connection: State<'_, Connection>,
    request: Request<'_>,
) -> Result<JoinSummary, DataError> {
    let args = Args::of(names::DEVICE_JOIN, &request)?;
    let code: String = args.get("code", "an invitation code")?;
    let url: Option<String> = args.get("url", "a server address, or none")?;
    let (db, connection) = (db.inner().clone(), connection.inner().clone());
    blocking(move || connection.join(&code, url.as_deref(), &db)).await
}

/// Sets up sync with the shared server at `url`: this device's data goes there as the user's,
/// and the device syncs with it from now on (its other devices then join with a code). Each
/// step is announced as `sync:setup`; a failure leaves the device as it was.
#[tauri::command]
async fn sync_setup(
    db: State<'_, Db>,
    connection: State<'_, Connection>,
    request: Request<'_>,
) -> Result<SyncSetupSummary, DataError> {
    let url: String = Args::of(names::SYNC_SETUP, &request)?.get("url", "a server address, e.g. https://host")?;
    let (db, connection) = (db.inner().clone(), connection.inner().clone());
    blocking(move || connection.set_up_sync(&url, &db)).await
}

/// Stops syncing: this device goes back to a database of its own holding the shared data as
/// it is now; the shared database stays for the user's other devices. Answers what was taken.
#[tauri::command]
async fn sync_stop(db: State<'_, Db>, connection: State<'_, Connection>) -> Result<ExportSummary, DataError> {
    let (db, connection) = (db.inner().clone(), connection.inner().clone());
    blocking(move || connection.stop_syncing(&db)).await
}

/// The user's devices that use the shared server: this one first, then by when each was last seen.
#[tauri::command]
async fn device_list(db: State<'_, Db>, connection: State<'_, Connection>) -> Result<Vec<DeviceInfo>, DataError> {
    let (db, connection) = (db.inner().clone(), connection.inner().clone());
    blocking(move || connection.devices(&db)).await
}

/// Names this device `name` (what the user's other devices list it as); answers the name kept.
#[tauri::command]
async fn device_rename(
    db: State<'_, Db>,
    connection: State<'_, Connection>,
    request: Request<'_>,
) -> Result<String, DataError> {
    let name: String = Args::of(names::DEVICE_RENAME, &request)?.get("name", "a name for this device")?;
    let (db, connection) = (db.inner().clone(), connection.inner().clone());
    blocking(move || connection.rename_device(&name, &db)).await
}

/// Forgets a lost device of the user (`deviceId`, from `device_list`): the user's data moves to a
/// new database the forgotten device cannot open, and the old one is deleted. Answers what moved
/// and a code for each of the user's other devices to join again with.
#[tauri::command]
async fn device_forget(
    db: State<'_, Db>,
    connection: State<'_, Connection>,
    request: Request<'_>,
) -> Result<ForgetSummary, DataError> {
    let device: String = Args::of(names::DEVICE_FORGET, &request)?.get("deviceId", "the id of a device of yours")?;
    let (db, connection) = (db.inner().clone(), connection.inner().clone());
    blocking(move || connection.forget_device(&device, &db)).await
}

/// Runs blocking work (HTTP calls, files) off the async runtime's workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, DataError> + Send + 'static,
) -> Result<T, DataError> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| DataError::new(ErrorKind::Server, format!("the work stopped: {e}")))?
}

fn runtime_handler<R: Runtime>() -> impl Fn(Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        connection_status,
        connection_retry,
        sync_status,
        migration_status,
        conflict_list,
        conflict_resolve,
        storage_usage,
        storage_cleanup_preview,
        storage_cleanup,
        storage_export,
        storage_import,
        device_invite,
        device_join,
        device_list,
        device_rename,
        device_forget,
        sync_setup,
        sync_stop
    ]
}

/// An invoke handler for the whole app: the runtime's commands, the schema's generated ones
/// (`generated`, whose names are `generated_names`), and the app's own (`own`, e.g.
/// `tauri::generate_handler![...]`). The generated code's `handler(own)` calls this.
pub fn handler<R: Runtime>(
    generated_names: &'static [&'static str],
    generated: impl Fn(Invoke<R>) -> bool + Send + Sync + 'static,
    own: impl Fn(Invoke<R>) -> bool + Send + Sync + 'static,
) -> impl Fn(Invoke<R>) -> bool + Send + Sync + 'static {
    let runtime = runtime_handler::<R>();
    move |invoke| {
        let command = invoke.message.command();
        if names::ALL.contains(&command) {
            runtime(invoke)
        } else if generated_names.contains(&command) {
            generated(invoke)
        } else {
            own(invoke)
        }
    }
}
