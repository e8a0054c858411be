//! Row changes as typed events for the frontend: `<table>:changed` with a [`TableChange`].

use std::sync::Arc;

use serde::Serialize;
use spacetimedb_sdk::Event;

use crate::sdk::EventContext;

/// One change to a table's rows; crosses as `{ "kind": "update", "oldRow": {...}, "row": {...} }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum TableChange<Row> {
    Insert { row: Row },
    Update { old_row: Row, row: Row },
    Delete { row: Row },
}

/// Emits one event: its name and JSON payload.
type Emit = dyn Fn(&str, serde_json::Value) + Send + Sync;

/// Where row changes go (the app emits them as Tauri events).
#[derive(Clone)]
pub struct ChangeSink(Arc<Emit>);

impl ChangeSink {
    pub fn new(emit: impl Fn(&str, serde_json::Value) + Send + Sync + 'static) -> Self {
        ChangeSink(Arc::new(emit))
    }

    /// Called by the generated table callbacks. Rows arriving with a (re)subscription are the
    /// initial copy, not changes: the frontend loads those when the status turns connected.
    pub(crate) fn emit<Row: Serialize>(&self, ctx: &EventContext, event: &str, change: TableChange<Row>) {
        if matches!(ctx.event, Event::SubscribeApplied | Event::UnsubscribeApplied) {
            return;
        }
        if let Ok(payload) = serde_json::to_value(&change) {
            (self.0)(event, payload);
        }
    }
}
