//! What the generated commands do, once for every table: each generated command is one call
//! to a function here with the table's row type.
//!
//! Reads come from the connection's subscribed copy, or from the local copy while offline or
//! while queued writes wait. Writes go through [`Db`]'s write path: sent and confirmed online,
//! otherwise queued durably and applied to the local copy.

use crate::db::{Db, Reader, Written};
use crate::order_index::OrderIndex;
use crate::pages::{self, Cursor};
use crate::schema::live::downcast;
use crate::schema::table::{queued_write, row_key_of, OrderedTable, TableAccess, Write};
use crate::storage::row_size;
use crate::store::local::decode;
use crate::types::error::DataError;
use crate::types::page::RowPage;

/// Every row of `T`'s table, in the primary key's order (compared as values: numbers as
/// numbers), wherever they come from: the client cache iterates in hash order, the local copy
/// in the order of the keys' JSON text, and queued writes come on top of either. One order
/// keeps lists from shuffling between reads.
pub fn list<T: TableAccess>(db: &Db) -> Result<Vec<T>, DataError> {
    let mut rows = rows::<T>(db.reader())?;
    rows.sort_by_cached_key(T::key);
    Ok(rows)
}

/// Every row of `T`'s table where `reader` reads, in no order: the connection's copy with the
/// rows queued writes leave over it, or the local copy.
fn rows<T: TableAccess>(reader: Reader<'_>) -> Result<Vec<T>, DataError> {
    match reader {
        Reader::Online(conn, overlay) => {
            let mut rows = T::rows(downcast::<T::Connection>(&*conn)?);
            if let Some(queued) = overlay.get(T::NAME) {
                rows.retain(|row| !queued.contains_key(&row_key_of::<T>(&row.key())));
                for row in queued.values().flatten() {
                    rows.push(decode(row)?);
                }
            }
            Ok(rows)
        }
        Reader::Offline(mut state) => state.local().list::<T>(),
    }
}

/// The rows of `T`'s table that come after `after` (the last row the caller has; none: from
/// the first) in `order`, reversed when `descending`: at most `limit` of them (never more than
/// [`MAX_PAGE_ROWS`](crate::types::page::MAX_PAGE_ROWS)), with whether more follow and how many rows the
/// table has. The rows are those [`list`] answers. Ties in a column are broken by the key, so
/// the order is total and `after` stays an exact cursor even when that row was deleted or
/// changed since.
///
/// A page costs the rows it answers (and the queued writes), not the table: it walks the
/// order's index from the cursor (`order_index.rs`; the first page in an order builds it, once)
/// and reads only the rows it answers (see `pages.rs`).
pub fn page<T: OrderedTable>(
    db: &Db,
    order: T::Order,
    descending: bool,
    after: Option<T>,
    limit: u32,
) -> Result<RowPage<T>, DataError> {
    let after = after.map(|row| OrderIndex::place(order, &row));
    let cursor = Cursor { order, descending, after: after.as_ref(), limit };
    match db.reader() {
        Reader::Online(conn, overlay) => {
            let indexes = db.connection_indexes();
            let page = match indexes.of(&conn) {
                Some(mut indexes) => pages::online(&mut indexes, downcast::<T::Connection>(&*conn)?, &overlay, cursor),
                None => pages::unindexed(rows::<T>(Reader::Online(conn, overlay))?, cursor),
            };
            page
        }
        Reader::Offline(mut state) => pages::offline(state.local(), cursor),
    }
}

/// The rows of `T`'s table that `keep` keeps (an indexed or referencing column's value).
pub fn list_where<T: TableAccess>(db: &Db, keep: impl Fn(&T) -> bool) -> Result<Vec<T>, DataError> {
    Ok(list::<T>(db)?.into_iter().filter(|row| keep(row)).collect())
}

/// The row with this key, if there is one.
pub fn get<T: TableAccess>(db: &Db, key: T::Key) -> Result<Option<T>, DataError> {
    match db.reader() {
        Reader::Online(conn, overlay) => match overlay.get(T::NAME).and_then(|q| q.get(&row_key_of::<T>(&key))) {
            Some(queued) => queued.as_ref().map(decode).transpose(),
            None => Ok(T::find(downcast::<T::Connection>(&*conn)?, &key)),
        },
        Reader::Offline(mut state) => state.local().get::<T>(&row_key_of::<T>(&key)),
    }
}

/// A singleton's row: its defaults until the server has one.
pub fn get_singleton<T: TableAccess + Default>(db: &Db) -> Result<T, DataError> {
    Ok(get::<T>(db, T::default().key())?.unwrap_or_default())
}

/// Inserts a row; returns it as stored (or, queued, as the local copy holds it).
pub async fn insert<T: TableAccess>(db: &Db, row: T) -> Result<T, DataError> {
    // Where the module gives the key, the row goes under a provisional one; once applied, it
    // is found under the key the module gave it.
    let row = if T::AUTO_INC_KEY { row.provisional(db.next_provisional(T::NAME)) } else { row };
    let (key, size) = (row.key(), row_size(&row));
    let written = match write(db, size, Write::Insert(row)).await? {
        Written::Online(conn, op_id) if T::AUTO_INC_KEY => {
            let assigned = db.assigned_key(&*conn, T::NAME, &op_id).ok_or_else(|| DataError::vanished(T::NAME))?;
            let key = serde_json::from_value::<heycat::wire::Wired<T::Key>>(assigned)
                .map_err(|_| DataError::vanished(T::NAME))?;
            return read_back(Written::Online(conn, op_id), &key.0);
        }
        written => written,
    };
    read_back(written, &key)
}

/// Updates the row with the same key; returns it as stored (or queued).
pub async fn update<T: TableAccess>(db: &Db, row: T) -> Result<T, DataError> {
    // The singleton's row is never refused: updating it is how the user raises the limit.
    let (key, size) = (row.key(), if T::SINGLETON { 0 } else { row_size(&row) });
    let written = write(db, size, Write::Update(row)).await?;
    read_back(written, &key)
}

/// Deletes the row with `key` (and what the schema cascades); with a base version, a row that
/// changed since becomes a conflict instead.
pub async fn delete<T: TableAccess>(db: &Db, key: T::Key, base_version: Option<u64>) -> Result<(), DataError> {
    write(db, 0, Write::<T>::Delete { key, base_version }).await.map(drop)
}

/// A singleton back to its defaults; returns it as stored (or queued).
pub async fn reset<T: TableAccess + Default>(db: &Db) -> Result<T, DataError> {
    let defaults = T::default();
    let key = defaults.key();
    let written = write(db, 0, Write::Reset(defaults)).await?;
    read_back(written, &key)
}

/// Writes: synced tables through the write path (queued when it cannot be confirmed); tables
/// that opted out of syncing (`sync = false`) online only.
async fn write<T: TableAccess>(db: &Db, size: u64, write: Write<T>) -> Result<Written, DataError> {
    let entry = queued_write(&write)?.ok_or_else(|| DataError::unsupported(T::NAME, write.name()))?;
    let send = Box::new(move |conn: &dyn crate::schema::live::Live, op_id| {
        T::send(downcast::<T::Connection>(conn)?, write, op_id)
    });
    if T::SYNCED {
        db.write(size, || entry, send).await
    } else {
        db.call(send).await
    }
}

/// The row a write left: the server's copy once confirmed, the local copy's when queued.
fn read_back<T: TableAccess>(written: Written, key: &T::Key) -> Result<T, DataError> {
    match written {
        Written::Online(conn, _) => {
            T::find(downcast::<T::Connection>(&*conn)?, key).ok_or_else(|| DataError::vanished(T::NAME))
        }
        Written::Queued(row) => decode(&row.unwrap_or_default()),
    }
}
