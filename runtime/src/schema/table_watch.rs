//! One table's callbacks: its rows' changes become change events, its write reducers' results
//! complete the waiting writes.

use std::marker::PhantomData;
use std::sync::Arc;

use heycat_contract::events;
use spacetimedb_sdk::{Event, Status};

use crate::schema::table::TableAccess;
use crate::schema::watch::Watch;
use crate::types::changes::TableChange;

impl Watch {
    /// The callbacks of table `T`.
    pub fn table<T: TableAccess>(&self) -> TableWatch<T> {
        TableWatch { watch: self.clone(), event: Arc::from(events::table_changed(T::NAME)), row: PhantomData }
    }
}

/// One table's callbacks.
pub struct TableWatch<T> {
    watch: Watch,
    event: Arc<str>,
    row: PhantomData<fn() -> T>,
}

impl<T> Clone for TableWatch<T> {
    fn clone(&self) -> Self {
        TableWatch { watch: self.watch.clone(), event: self.event.clone(), row: PhantomData }
    }
}

impl<T: TableAccess> TableWatch<T> {
    pub fn inserted<R>(&self, event: &Event<R>, row: &T::SdkRow) {
        let row: T = row.clone().into();
        self.index(None, Some(&row));
        self.follow_quota(&row);
        self.emit(event, TableChange::Insert { row });
    }

    pub fn updated<R>(&self, event: &Event<R>, old: &T::SdkRow, row: &T::SdkRow) {
        let (old_row, row): (T, T) = (old.clone().into(), row.clone().into());
        self.index(Some(&old_row), Some(&row));
        self.follow_quota(&row);
        self.emit(event, TableChange::Update { old_row, row });
    }

    pub fn deleted<R>(&self, event: &Event<R>, row: &T::SdkRow) {
        let row: T = row.clone().into();
        self.index(Some(&row), None);
        self.emit(event, TableChange::Delete { row });
    }

    /// Keeps the table's order indexes (if a page built any) in step with the copy.
    fn index(&self, before: Option<&T>, after: Option<&T>) {
        self.watch.indexes.lock().changed(T::NAME, before, after);
    }

    /// One of the table's write reducers reported its result for operation `op_id`.
    pub fn completed(&self, status: &Status, op_id: &str) {
        self.watch.completed(status, op_id);
    }

    fn emit<R>(&self, event: &Event<R>, change: TableChange<T>) {
        if self.watch.live() {
            self.watch.sink.emit(event, self.event.to_string(), change);
        }
    }

    /// Keeps the limit writes are checked against in step with the row that holds it.
    fn follow_quota(&self, row: &T) {
        if !self.watch.live() {
            return;
        }
        if self.watch.storage.holds_quota(T::NAME) {
            if let Ok(json) = serde_json::to_value(row) {
                self.watch.storage.follow_quota(T::NAME, &json);
            }
        }
    }
}
