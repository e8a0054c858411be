//! What the frontend is told about syncing (`sync:status`).

use serde::Serialize;

use crate::types::error::ErrorKind;

/// How far syncing is, for the frontend.
#[derive(Clone, Debug, Default, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    /// Writes waiting for the server.
    pub pending: usize,
    /// The keys of rows with writes not confirmed yet (queued, or sent to a server that is slow
    /// to answer), by table (key JSON text).
    pub pending_keys: std::collections::BTreeMap<String, Vec<String>>,
    /// `[done, total]` while the outbox is being replayed.
    pub syncing: Option<[usize; 2]>,
    /// What was wrong with the outbox file at start, if anything (its complete records were kept).
    pub damaged: Option<String>,
    /// Writes the server refused when they were replayed, with its reason.
    pub rejected: Vec<Rejected>,
}

/// A write the server refused when it was replayed (e.g. a unique value taken meanwhile), or
/// one an update of the app could not carry over.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Rejected {
    pub op_id: String,
    pub table: String,
    /// Why, to branch on (as a command's error has it).
    pub kind: ErrorKind,
    pub message: String,
    /// The refused column, as the frontend's rows name it, when the server named one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The refused value, as text, when the server named one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}
