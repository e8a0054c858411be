//! What the frontend is told about syncing (`sync:status`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::types::error::ErrorKind;

/// How far syncing is, for the frontend.
#[derive(Clone, Debug, Default, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    /// Writes waiting for the server.
    pub pending: usize,
    /// The keys of rows with writes not confirmed yet (queued, or sent to a server that is slow
    /// to answer): every one in the answer to `sync_status`, what changed in a `sync:status` event.
    pub pending_keys: PendingKeys,
    /// `[done, total]` while the outbox is being replayed.
    pub syncing: Option<[usize; 2]>,
    /// What was wrong with the outbox file at start, if anything (its complete records were kept).
    pub damaged: Option<String>,
    /// Writes the server refused when they were replayed, with its reason.
    pub rejected: Vec<Rejected>,
}

/// The keys of rows with writes not confirmed yet, by table (key JSON text, each once, in the
/// order of that text). A `sync:status` event carries only what changed since the event before
/// (listing every key in each would cost as much as the queue is long); `sync_status` answers
/// with every key, and the changes of the events after it apply on top.
#[derive(Clone, Debug, Default, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PendingKeys {
    /// Which run of the data layer numbers the events (a new one after it restarted).
    pub series: u32,
    /// The number of the last `sync:status` event: one more with each. An event whose number is
    /// not one more than the last one applied means events were missed: ask `sync_status`.
    pub version: usize,
    /// Whether `added` holds every pending key (the answer to `sync_status`), or only the keys
    /// pending since the event before.
    pub whole: bool,
    /// Keys now pending, by table.
    pub added: BTreeMap<String, Vec<String>>,
    /// Keys no longer pending since the event before, by table (none when `whole`).
    pub removed: BTreeMap<String, Vec<String>>,
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
