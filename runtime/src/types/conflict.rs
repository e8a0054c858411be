//! Conflicts: as the module records them, as the frontend sees them (both versions of the row
//! in the app's row JSON), and the three ways to settle one.

use serde::{Deserialize, Serialize};
use spacetimedb_sdk::{Identity, Timestamp};

/// A conflict record as the module stores it (`heycat_conflict`), both rows as BSATN.
#[derive(Clone, Debug)]
pub struct ConflictRecord {
    /// The operation id of the write that was not applied.
    pub id: String,
    pub table: String,
    /// The row's key, as text.
    pub row_key: String,
    /// `update` or `delete`.
    pub operation: String,
    pub base_version: u64,
    /// The row the client wrote (none for a delete).
    pub client_row: Option<Vec<u8>>,
    /// The row the server holds (none when it was deleted).
    pub server_row: Option<Vec<u8>>,
    /// Who wrote it.
    pub client: Identity,
    pub created_at: Timestamp,
}

/// A write of this client that the server did not apply because the row had moved on.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
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
    pub base_version: u64,
    /// The row this client wrote; none for a delete.
    pub mine: Option<serde_json::Value>,
    /// The row the server holds now; none when it was deleted.
    pub theirs: Option<serde_json::Value>,
    /// When it was recorded, in microseconds since the Unix epoch.
    pub created_at: i64,
}

/// How the user settles a conflict; the merged row is in the frontend's row JSON. (In TypeScript
/// `ConflictChoice`: the generated bindings' `ConflictResolution` has the row typed per table.)
#[derive(Clone, Debug, Deserialize, specta::Type)]
#[specta(rename = "ConflictChoice")]
#[serde(tag = "choice", rename_all = "camelCase")]
pub enum ConflictResolution {
    /// My row over the server's (at a new version), or my delete.
    KeepMine,
    /// The server's row stays; my write is dropped.
    KeepTheirs,
    /// This row (an edit of both), over the server's.
    Merge { row: serde_json::Value },
}
