//! Conflicts as the frontend sees them: both versions of the row in the app's row types, and
//! the three ways to settle one.

use heycat::wire::Wired;
use serde::{Deserialize, Serialize};
use spacetimedb_sdk::Timestamp;

use super::error::{DataError, ErrorKind};
use crate::sdk::HeycatConflict;

/// The event conflicts of this client's writes are emitted as (`TableChange<ConflictView>`).
pub const CONFLICT_EVENT: &str = "conflict:changed";

/// A write of this client that the server did not apply because the row had moved on.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConflictView {
    /// The write's operation id.
    pub id: String,
    pub table: String,
    /// The row's key, as text.
    pub key: String,
    /// `update` or `delete`.
    pub operation: String,
    /// The version the write was based on.
    pub base_version: Wired<u64>,
    /// The row this client wrote; none for a delete.
    pub mine: Option<serde_json::Value>,
    /// The row the server holds now; none when it was deleted.
    pub theirs: Option<serde_json::Value>,
    pub created_at: Wired<Timestamp>,
}

/// How the user settles a conflict.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "choice", rename_all = "camelCase")]
pub enum ConflictResolution {
    /// My row over the server's (at a new version), or my delete.
    KeepMine,
    /// The server's row stays; my write is dropped.
    KeepTheirs,
    /// This row (an edit of both), over the server's.
    Merge { row: serde_json::Value },
}

impl ConflictView {
    /// Decodes a conflict of a table whose SDK row type is `S` and app row type `A`.
    pub(crate) fn decode<S, A>(c: &HeycatConflict) -> Option<ConflictView>
    where
        S: spacetimedb_lib::de::DeserializeOwned,
        A: From<S> + Serialize,
    {
        let (mine, theirs) = Self::rows::<S>(c).ok()?;
        let json = |row: Option<S>| row.map(A::from).and_then(|r| serde_json::to_value(r).ok());
        Some(ConflictView {
            id: c.id.clone(),
            table: c.table_name.clone(),
            key: c.row_key.clone(),
            operation: c.operation.clone(),
            base_version: Wired(c.base_version),
            mine: json(mine),
            theirs: json(theirs),
            created_at: Wired(c.created_at),
        })
    }

    /// The record's two rows (BSATN) as SDK rows.
    pub(crate) fn rows<S: spacetimedb_lib::de::DeserializeOwned>(
        c: &HeycatConflict,
    ) -> Result<(Option<S>, Option<S>), DataError> {
        let decode = |bytes: &Option<Vec<u8>>| match bytes {
            Some(bytes) => {
                spacetimedb_lib::bsatn::from_slice::<S>(bytes).map(Some).map_err(|_| DataError::undecodable(&c.id))
            }
            None => Ok(None),
        };
        Ok((decode(&c.client_row)?, decode(&c.server_row)?))
    }

    /// A merged row from the frontend, as the table's app row.
    pub(crate) fn merged<A: serde::de::DeserializeOwned>(row: serde_json::Value) -> Result<A, DataError> {
        serde_json::from_value(row)
            .map_err(|e| DataError::new(ErrorKind::BadInput, format!("the merged row is not valid: {e}")))
    }
}

impl DataError {
    pub(crate) fn undecodable(conflict: &str) -> Self {
        DataError::new(ErrorKind::Server, format!("conflict {conflict:?} holds rows this app cannot read"))
    }

    pub(crate) fn resolved(conflict: &str) -> Self {
        DataError::new(ErrorKind::NotFound, format!("conflict {conflict:?} is resolved already"))
    }

    pub(crate) fn unknown_table(table: &str) -> Self {
        DataError::new(ErrorKind::BadInput, format!("this app has no table {table:?}"))
    }
}
