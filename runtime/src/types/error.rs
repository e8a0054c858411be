//! The error every command returns, typed for the frontend.

use std::fmt;

use heycat_contract::{Named, ReducerError};
use serde::Serialize;

/// What kind of failure: the frontend branches on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ErrorKind {
    /// A key or unique value is already used.
    UniqueViolation,
    /// No row with that key.
    NotFound,
    /// The input breaks a rule of the schema (empty key, reference to a missing row, ...).
    BadInput,
    /// The row is still referenced by others.
    InUse,
    /// The row changed on the server since the version the write was based on; the write was
    /// kept as a conflict for the user to resolve.
    Conflict,
    /// The write would exceed the storage quota, or the disk is nearly full.
    StorageFull,
    /// The server refused the caller: this device does not act as the database's user.
    Unauthorized,
    /// Not connected to the database.
    Offline,
    /// The server did not answer in time.
    Timeout,
    /// Anything else the server or the connection reported.
    Server,
}

/// A failed command: a kind to branch on and a message (the technical account, for logs and
/// as a last resort to show), and, when the server refused a row, what it refused (table,
/// field, value), for the frontend to say it in its own words. Crosses to the frontend as
/// `{ "kind": "uniqueViolation", "message": "...", "table": "...", "field": "...", "value": "..." }`
/// (in TypeScript the `DataErrorPayload` that the frontend's `DataError` class is made from).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[specta(rename = "DataErrorPayload")]
pub struct DataError {
    pub kind: ErrorKind,
    pub message: String,
    /// The table of the refused row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// The refused column, as the frontend's rows name it (camelCase).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The refused value, as text (a string's own characters, a number's digits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl DataError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        DataError { kind, message: message.into(), table: None, field: None, value: None }
    }

    /// A reducer's `Err` text, `kind: sentence` (see the generated module), as a typed error
    /// with what the sentence names (read by `heycat_contract::Named`, beside its patterns).
    pub fn from_reducer(text: &str) -> Self {
        match ReducerError::parse(text) {
            Some((error, sentence)) => {
                let kind = match error {
                    ReducerError::UniqueViolation => ErrorKind::UniqueViolation,
                    ReducerError::NotFound => ErrorKind::NotFound,
                    ReducerError::BadInput => ErrorKind::BadInput,
                    ReducerError::InUse => ErrorKind::InUse,
                    ReducerError::Unauthorized => ErrorKind::Unauthorized,
                    // Not refused for good: held while a migration runs; the write is kept
                    // and sent again, as when the server cannot be reached.
                    ReducerError::WritesHeld => ErrorKind::Offline,
                };
                let Named { table, field, value } = Named::read(error, sentence);
                DataError { table, field, value, ..DataError::new(kind, sentence) }
            }
            None => DataError::new(ErrorKind::Server, text),
        }
    }

    /// Something the runtime itself got wrong (generated code of another schema, a thread
    /// that stopped): not the user's input, not the server's answer.
    pub fn internal(message: impl Into<String>) -> Self {
        DataError::new(ErrorKind::Server, message)
    }

    /// A write a table does not have (an insert into a singleton, say), e.g. from a damaged outbox.
    pub fn unsupported(table: &str, write: &str) -> Self {
        DataError::new(ErrorKind::BadInput, format!("the {table} table has no {write}"))
    }

    pub fn offline() -> Self {
        DataError::new(ErrorKind::Offline, "not connected to the database")
    }

    /// A row a confirmed write stored is gone from the local copy: another client deleted it in
    /// between.
    pub fn vanished(table: &str) -> Self {
        DataError::new(ErrorKind::NotFound, format!("the {table} row was deleted right after it was written"))
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DataError {}

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

    pub(crate) fn bad_input(message: impl Into<String>) -> Self {
        DataError::new(ErrorKind::BadInput, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reducer_errors_keep_their_kind_and_sentence() {
        let e = DataError::from_reducer(r#"unique_violation: note.title "todo" is already used by another row"#);
        assert_eq!(e.kind, ErrorKind::UniqueViolation);
        assert_eq!(e.message, r#"note.title "todo" is already used by another row"#);
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"kind": "uniqueViolation", "message": e.message, "table": "note", "field": "title",
                               "value": "todo"})
        );
        let other = DataError::from_reducer("the module panicked: oops");
        assert_eq!((other.kind, other.message.as_str()), (ErrorKind::Server, "the module panicked: oops"));
        assert_eq!(
            serde_json::to_value(&other).unwrap(),
            serde_json::json!({"kind": "server", "message": other.message}),
            "nothing named, nothing sent"
        );
    }
}
