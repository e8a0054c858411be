//! Row changes as typed events for the frontend: `<table>:changed` with a [`TableChange`].
//!
//! The SDK calls the table callbacks on its message thread, the same thread that delivers write
//! results; so a callback only hands the change over, and a thread of its own serializes and
//! emits it, keeping the write path free of that work.

use std::borrow::Cow;
use std::sync::mpsc;

use serde::Serialize;
use spacetimedb_sdk::Event;

/// One change to a table's rows; crosses as `{ "kind": "update", "oldRow": {...}, "row": {...} }`.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
// Fields are renamed per variant: specta reads `rename_all` there, not `rename_all_fields`.
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum TableChange<Row> {
    #[serde(rename_all = "camelCase")]
    Insert { row: Row },
    #[serde(rename_all = "camelCase")]
    Update { old_row: Row, row: Row },
    #[serde(rename_all = "camelCase")]
    Delete { row: Row },
}

impl<Row> TableChange<Row> {
    /// The change from `before` to `after` (a row, or none where there is none); none when
    /// there was no row either side.
    pub(crate) fn between(before: Option<Row>, after: Option<Row>) -> Option<TableChange<Row>> {
        match (before, after) {
            (None, Some(row)) => Some(TableChange::Insert { row }),
            (Some(old_row), Some(row)) => Some(TableChange::Update { old_row, row }),
            (Some(row), None) => Some(TableChange::Delete { row }),
            (None, None) => None,
        }
    }

    /// The change that takes this one back.
    pub(crate) fn undo(self) -> TableChange<Row> {
        match self {
            TableChange::Insert { row } => TableChange::Delete { row },
            TableChange::Update { old_row, row } => TableChange::Update { old_row: row, row: old_row },
            TableChange::Delete { row } => TableChange::Insert { row },
        }
    }
}

/// An event waiting to be serialized and emitted: its name and its payload.
type Pending = (Cow<'static, str>, Box<dyn FnOnce() -> serde_json::Result<serde_json::Value> + Send>);

/// Where events go (the app emits them as Tauri events); cheap to clone.
#[derive(Clone)]
pub struct ChangeSink(mpsc::Sender<Pending>);

impl ChangeSink {
    /// Emits every event with `emit(event name, payload)` on a thread of its own.
    pub fn new(emit: impl Fn(&str, serde_json::Value) + Send + 'static) -> Self {
        let (tx, rx) = mpsc::channel::<Pending>();
        std::thread::Builder::new()
            .name("data-change-events".into())
            .spawn(move || {
                for (event, payload) in rx {
                    if let Ok(payload) = payload() {
                        emit(&event, payload);
                    }
                }
            })
            .expect("spawn the change event thread");
        ChangeSink(tx)
    }

    /// Emits an event the app itself caused (a queued write, a sync status).
    pub(crate) fn emit_local<P: Serialize + Send + 'static>(&self, event: impl Into<Cow<'static, str>>, payload: P) {
        let _ = self.0.send((event.into(), Box::new(move || serde_json::to_value(&payload))));
    }

    /// Emits a change the server reported. Rows arriving with a (re)subscription are the
    /// initial copy, not changes: the frontend loads those when the status turns connected.
    pub(crate) fn emit<P: Serialize + Send + 'static, R>(
        &self,
        event: &Event<R>,
        name: impl Into<Cow<'static, str>>,
        payload: P,
    ) {
        if matches!(event, Event::SubscribeApplied | Event::UnsubscribeApplied) {
            return;
        }
        self.emit_local(name, payload);
    }
}
