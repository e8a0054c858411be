//! The storage commands: usage, freeing space, export and import.

use std::path::{Path, PathBuf};

use heycat_local_server::migrate::Backup;
use serde::Serialize;
use tauri::State;

use super::cleanup::{cleanup_preview, recording_versions, CleanupPreview};
use super::StorageUsage;
use crate::data::outbox::OutboxEntry;
use crate::data::{DataError, Db, ErrorKind};
use crate::schema::Recording;
use crate::sdk::recording_delete as _;
use crate::Connection;

/// What the app keeps on this device, against the quota.
#[tauri::command]
pub async fn storage_usage(db: State<'_, Db>) -> Result<StorageUsage, DataError> {
    Ok(db.storage_usage())
}

/// The `count` oldest recordings and what deleting them frees.
#[tauri::command]
pub async fn storage_cleanup_preview(db: State<'_, Db>, count: u32) -> Result<CleanupPreview, DataError> {
    cleanup_preview(&db, count as usize)
}

/// Deletes these recordings (as previewed), their transcriptions and corrections with them;
/// returns the usage after. Ids no longer there are skipped.
#[tauri::command]
pub async fn storage_cleanup(db: State<'_, Db>, ids: Vec<String>) -> Result<StorageUsage, DataError> {
    for (id, version) in recording_versions(&db, &ids)? {
        let key = serde_json::json!(id.clone());
        db.write(
            0,
            || OutboxEntry::delete::<Recording>(key, Some(version)),
            move |conn, op_id| conn.reducers.recording_delete(id, Some(version), op_id),
        )
        .await?;
    }
    Ok(db.storage_usage())
}

/// An export: where it was written and how many rows of each table it holds.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportSummary {
    pub path: String,
    pub schema_version: u32,
    pub rows: std::collections::BTreeMap<String, usize>,
}

/// Writes every row of every table to a file (checked after writing), to keep before
/// deleting; to `path`, or by default a new file in the data dir's `exports` folder.
#[tauri::command]
pub async fn storage_export(
    db: State<'_, Db>,
    connection: State<'_, Connection>,
    path: Option<String>,
) -> Result<ExportSummary, DataError> {
    let (api, database) = connection.server()?;
    let version = crate::link::schema_version();
    let path = path.map(PathBuf::from).unwrap_or_else(|| db.storage().export_path());
    blocking(move || {
        let tables: Vec<String> = crate::commands::PUBLIC_TABLES.iter().map(|t| (*t).to_owned()).collect();
        let export = Backup::export(&api, &database, version, &tables).map_err(server_error)?;
        export.write(&path).map_err(server_error)?;
        Ok(ExportSummary { path: path.display().to_string(), schema_version: export.version, rows: export.counts })
    })
    .await
}

/// Puts an export back into an empty database (of the same schema version).
#[tauri::command]
pub async fn storage_import(connection: State<'_, Connection>, path: String) -> Result<ExportSummary, DataError> {
    let (api, database) = connection.server()?;
    let version = crate::link::schema_version();
    blocking(move || {
        let export = Backup::read(Path::new(&path)).map_err(server_error)?;
        if export.version != version {
            return Err(DataError::new(
                ErrorKind::BadInput,
                format!("the export is of schema version {}, the database of {version}", export.version),
            ));
        }
        export.import(&api, &database).map_err(server_error)?;
        Ok(ExportSummary { path, schema_version: export.version, rows: export.counts })
    })
    .await
}

fn server_error(message: String) -> DataError {
    DataError::new(ErrorKind::Server, message)
}

/// Runs blocking work (HTTP calls, files) off the async runtime's workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, DataError> + Send + 'static,
) -> Result<T, DataError> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| DataError::new(ErrorKind::Server, format!("the work stopped: {e}")))?
}
