//! Every row to a file and back: to keep data before deleting it, or to move it to another
//! database of the same schema version.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use heycat_contract::system;
use heycat_local_server::migrate::Backup;
use heycat_local_server::Api;
use serde::Serialize;

use crate::types::error::{DataError, ErrorKind};

/// An export: where it was written and how many rows of each of the app's tables it holds.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportSummary {
    pub path: String,
    pub schema_version: u32,
    /// By table of the app's schema. The file also holds the toolkit's own tables (conflicts not
    /// settled yet), which are no table of the app's, so not counted here.
    pub rows: BTreeMap<String, usize>,
}

impl ExportSummary {
    pub(crate) fn of(path: &Path, export: Backup) -> ExportSummary {
        let rows = export.counts.into_iter().filter(|(table, _)| !table.starts_with(system::RESERVED_PREFIX)).collect();
        ExportSummary { path: path.display().to_string(), schema_version: export.version, rows }
    }
}

/// Writes every row of `tables` to `path` (checked after writing).
pub fn export(
    api: &Api,
    database: &str,
    version: u32,
    tables: &[&str],
    path: PathBuf,
) -> Result<ExportSummary, DataError> {
    let tables: Vec<String> = tables.iter().map(|t| (*t).to_owned()).collect();
    let export = Backup::export(api, database, version, &tables).map_err(server_error)?;
    export.write(&path).map_err(server_error)?;
    Ok(ExportSummary::of(&path, export))
}

/// Puts the export at `path` back into an empty database of schema version `version`.
pub fn import(api: &Api, database: &str, version: u32, path: &Path) -> Result<ExportSummary, DataError> {
    let export = Backup::read(path).map_err(server_error)?;
    if export.version != version {
        return Err(DataError::new(
            ErrorKind::BadInput,
            format!("the export is of schema version {}, the database of {version}", export.version),
        ));
    }
    export.import(api, database).map_err(server_error)?;
    Ok(ExportSummary::of(path, export))
}

fn server_error(message: String) -> DataError {
    DataError::new(ErrorKind::Server, message)
}
