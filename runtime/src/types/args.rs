//! A command's arguments as the caller sent them, read one by one into typed values, so that a
//! missing or malformed one is a typed `badInput` error naming it and saying what was expected,
//! like every other failure, rather than Tauri's bare string (also for callers that are not the
//! generated TypeScript).

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use tauri::ipc::{InvokeBody, Request};

use crate::types::error::{DataError, ErrorKind};

/// The arguments of one call of `command`.
pub struct Args {
    command: &'static str,
    values: Map<String, Value>,
}

impl Args {
    /// The arguments of `request`, a call of `command`: a JSON object (none at all reads as an
    /// empty one).
    pub fn of(command: &'static str, request: &Request<'_>) -> Result<Args, DataError> {
        let values = match request.body() {
            InvokeBody::Json(Value::Object(values)) => values.clone(),
            InvokeBody::Json(Value::Null) => Map::new(),
            InvokeBody::Json(other) => {
                return Err(bad_input(format!("{command} takes its arguments as an object, not {other}")));
            }
            InvokeBody::Raw(_) => {
                return Err(bad_input(format!("{command} takes its arguments as a JSON object, not raw bytes")));
            }
        };
        Ok(Args { command, values })
    }

    /// The argument `key` (its name in the frontend's camelCase), `what` saying what it should
    /// be ("a `note` row"). A missing one reads as `null`, which only an optional
    /// argument accepts.
    pub fn get<T: DeserializeOwned>(&self, key: &str, what: &str) -> Result<T, DataError> {
        self.read(key, what, self.values.get(key).cloned().unwrap_or(Value::Null))
    }

    /// The row to insert in argument `key`, as [`get`](Self::get) reads it, but a column with a
    /// `#[default]` the row leaves out gets its default ([`heycat::Table::insert_defaults`]),
    /// so the row the local copy, the outbox and the module get is whole. A field sent as
    /// `null` is not left out: it is read as sent.
    pub fn row_to_insert<T: heycat::Table + DeserializeOwned>(&self, key: &str, what: &str) -> Result<T, DataError> {
        let mut value = self.values.get(key).cloned().unwrap_or(Value::Null);
        if let Value::Object(fields) = &mut value {
            T::insert_defaults(&mut LeftOut(fields));
        }
        self.read(key, what, value)
    }

    fn read<T: DeserializeOwned>(&self, key: &str, what: &str, value: Value) -> Result<T, DataError> {
        let missing = value.is_null();
        serde_json::from_value(value).map_err(|e| {
            let command = self.command;
            bad_input(if missing {
                format!("{command} needs `{key}`: {what}")
            } else {
                format!("`{key}` of {command} is not {what}: {e}")
            })
        })
    }
}

/// A row's fields, taking the default of each column it leaves out.
struct LeftOut<'a>(&'a mut Map<String, Value>);

impl heycat::ColumnDefaults for LeftOut<'_> {
    fn column<T: heycat::wire::Wire>(&mut self, field: &'static str, value: T) {
        if self.0.contains_key(field) {
            return;
        }
        // A column value always has a JSON form; were one to fail, the field stays missing
        // and reading the row says so.
        if let Ok(value) = serde_json::to_value(heycat::wire::Wired(value)) {
            self.0.insert(field.to_owned(), value);
        }
    }
}

fn bad_input(message: String) -> DataError {
    DataError::new(ErrorKind::BadInput, message)
}
