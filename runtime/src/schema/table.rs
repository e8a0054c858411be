//! One table of the schema, as the generated code implements it: typed reads and writes
//! through its SDK bindings.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::schema::live::SdkResult;
use crate::schema::watch::Watch;
use crate::store::outbox::{OutboxEntry, WriteKind};
use crate::types::error::DataError;
use crate::types::key::RowKey;

/// One table of the schema, its row type being the app's (serde) row type that
/// `#[heycat_table]` makes of the schema struct. Implemented by the generated code with the
/// table's SDK handle and reducers; the runtime's commands are generic over it.
pub trait TableAccess: heycat::Table + Clone + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The bindings' `DbConnection`.
    type Connection: Send + Sync + 'static;
    /// The bindings' row type (what conflict records hold, as BSATN).
    type SdkRow: spacetimedb_lib::de::DeserializeOwned + Clone + Into<Self> + Send + 'static;
    /// The primary key's type (`u32` for singletons, whose key is always 0); its order is the
    /// order lists answer in.
    type Key: heycat::wire::Wire + Clone + Ord + Send + Sync + 'static;

    /// Whether the module assigns the key (`#[auto_inc]`): a row is written with a
    /// provisional key ([`provisional`](Self::provisional)) that the module's replaces.
    const AUTO_INC_KEY: bool = false;

    /// The row with the `n`th provisional key of its table (only for an `#[auto_inc]` key).
    fn provisional(self, _n: u64) -> Self {
        self
    }

    /// Which provisional key `key` is, if it is one.
    fn provisional_number(_key: &Self::Key) -> Option<u64> {
        None
    }

    fn key(&self) -> Self::Key;
    /// Every row in the connection's subscribed copy.
    fn rows(conn: &Self::Connection) -> Vec<Self>;
    fn count(conn: &Self::Connection) -> usize;
    fn find(conn: &Self::Connection, key: &Self::Key) -> Option<Self>;
    /// Calls the table's reducer for `write` under operation id `op_id`; a write the table does
    /// not have (an insert into a singleton) is refused with [`DataError::unsupported`].
    fn send(conn: &Self::Connection, write: Write<Self>, op_id: String) -> Result<SdkResult, DataError>;
    /// Registers the table's row callbacks and its reducers' result callbacks with `watch`.
    fn watch(conn: &Self::Connection, watch: &Watch);
}

/// The orders a table's rows can be paged in ([`crate::ops::page`]): one per column of an
/// orderable type (numbers, text, bools, times, plain enums, options of those). Implemented by
/// the generated code for every table but singletons.
pub trait OrderedTable: TableAccess {
    /// The table's orders, one per column, as the frontend names them (`"createdAt"`).
    type Order: Copy + Eq + DeserializeOwned + Send + Sync + 'static;

    /// The value of `row`'s column in `order` (see [`crate::__private::OrderedValue`]; none in
    /// the key's order, whose column is the key). Rows are in the order of their
    /// `(sort_value, key)`: ties broken by the primary key, so no two rows are equal and a row
    /// is a cursor that stays exact even once the row itself is gone (`order_index.rs`).
    fn sort_value(order: Self::Order, row: &Self) -> crate::types::order::SortValue;
}

/// A write to a table of row type `T`.
#[derive(Clone, Debug)]
pub enum Write<T: TableAccess> {
    Insert(T),
    Update(T),
    /// Deletes the row with `key`; with a base version, a row changed since becomes a conflict.
    Delete {
        key: T::Key,
        base_version: Option<u64>,
    },
    /// A singleton back to its defaults (the row it gets).
    Reset(T),
    /// Settles conflict `conflict_id`: `row` over the server's, or (none) the delete.
    Resolve {
        conflict_id: String,
        key: T::Key,
        row: Option<T>,
    },
}

impl<T: TableAccess> Write<T> {
    /// The reducer's name suffix, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Write::Insert(_) => "insert",
            Write::Update(_) => "update",
            Write::Delete { .. } => "delete",
            Write::Reset(_) => "reset",
            Write::Resolve { .. } => "resolve",
        }
    }
}

/// The key of a row of `T`, as the wire JSON the outbox and the local copy index it by.
pub fn key_json<T: TableAccess>(key: &T::Key) -> serde_json::Value {
    serde_json::to_value(heycat::wire::Wired(key.clone())).unwrap_or_default()
}

/// The key of a row of `T` as the device indexes rows by it.
pub fn row_key_of<T: TableAccess>(key: &T::Key) -> RowKey {
    RowKey::of(&key_json::<T>(key))
}

/// The key of a row of `T` in its JSON form (what the outbox and the local copy index rows
/// by). A singleton's key is not part of its JSON (the
/// frontend never sees it); it is always 0.
pub fn row_key<T: heycat::Table>(row: &Value) -> Value {
    if T::SINGLETON {
        Value::from(0)
    } else {
        row[T::KEY_FIELD].clone()
    }
}

/// A write to `T` as the outbox queues it (its operation id is set when it is queued); `None`
/// for a write that needs the server (a conflict's resolution). A row serde cannot put in JSON
/// is refused here, never queued as a null row.
pub fn queued_write<T: TableAccess>(write: &Write<T>) -> Result<Option<OutboxEntry>, DataError> {
    let row_write = |kind, row: &T| {
        let row = serde_json::to_value(row)
            .map_err(|e| DataError::internal(format!("a {} row cannot be queued: {e}", T::NAME)))?;
        Ok::<_, DataError>(OutboxEntry {
            op_id: String::new(),
            table: T::NAME.into(),
            kind,
            key: row_key::<T>(&row),
            row: Some(row),
            base_version: None,
            version: 0,
        })
    };
    Ok(Some(match write {
        Write::Insert(row) => row_write(WriteKind::Insert, row)?,
        Write::Update(row) => row_write(WriteKind::Update, row)?,
        Write::Reset(row) => row_write(WriteKind::Reset, row)?,
        Write::Delete { key, base_version } => OutboxEntry {
            op_id: String::new(),
            table: T::NAME.into(),
            kind: WriteKind::Delete,
            row: None,
            key: key_json::<T>(key),
            base_version: *base_version,
            version: 0,
        },
        Write::Resolve { .. } => return Ok(None),
    }))
}
