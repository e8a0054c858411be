//! A page of a table's rows in one of its orders ([`crate::ops::page`]), read from the order's
//! index (`order_index.rs`): from the cursor's place on, only the rows answered are read (looked
//! up in the connection's copy, or decoded from the local copy), with the rows queued writes
//! leave merged in. What it costs is the page and the queued writes, not the table.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use crate::order_index::{Indexes, OrderIndex, Place};
use crate::schema::table::{row_key_of, OrderedTable};
use crate::store::local::{decode, LocalCopy};
use crate::store::state::Overlay;
use crate::types::error::DataError;
use crate::types::page::{RowPage, Window, MAX_PAGE_ROWS};

/// Where a page starts and what it asks for.
pub(crate) struct Cursor<'a, T: OrderedTable> {
    pub(crate) order: T::Order,
    pub(crate) descending: bool,
    /// The place of the last row the caller has (none: from the first).
    pub(crate) after: Option<&'a Place<T::Key>>,
    pub(crate) limit: u32,
}

impl<T: OrderedTable> Cursor<'_, T> {
    /// `a` against `b` in the page's direction.
    fn directed(&self, a: &Place<T::Key>, b: &Place<T::Key>) -> Ordering {
        let order = a.cmp(b);
        if self.descending {
            order.reverse()
        } else {
            order
        }
    }

    fn is_after_cursor(&self, place: &Place<T::Key>) -> bool {
        self.after.is_none_or(|after| self.directed(place, after).is_gt())
    }
}

/// A page from the connection's copy (`conn`), with the rows queued writes leave over it.
/// An index that lags the copy (a change whose callback has yet to run) costs no exactness:
/// a row looked up that is gone, or no longer at its place, is left to the callback that
/// follows (and the change event it brings).
pub(crate) fn online<T: OrderedTable>(
    indexes: &mut Indexes,
    conn: &T::Connection,
    overlay: &Overlay,
    cursor: Cursor<'_, T>,
) -> Result<RowPage<T>, DataError> {
    let queued = Queued::of(overlay, &cursor)?;
    let index = indexes.get_or_build(cursor.order, || {
        let rows = T::rows(conn);
        touched(rows.len());
        Ok(rows)
    })?;
    // The connection's rows, less those queued writes replace, plus the rows they leave (the
    // copy may change between the count and the look-ups: never below none).
    touched(queued.keys.len());
    let replaced = queued.keys.iter().filter(|key| T::find(conn, key).is_some()).count();
    let total = T::count(conn).saturating_sub(replaced) + queued.left;
    let (rows, more) = walk(index, queued, &cursor, |(value, key)| {
        touched(1);
        Ok(T::find(conn, key).filter(|row| T::sort_value(cursor.order, row) == *value))
    })?;
    Ok(RowPage { rows, more, total: total as u64 })
}

/// A page from the local copy (queued writes are applied in it).
pub(crate) fn offline<T: OrderedTable>(local: &LocalCopy, cursor: Cursor<'_, T>) -> Result<RowPage<T>, DataError> {
    let mut indexes = local.indexes();
    let index = indexes.get_or_build(cursor.order, || {
        touched(local.count(T::NAME));
        local.list::<T>()
    })?;
    let none = Queued { keys: BTreeSet::new(), rows: Vec::new(), left: 0 };
    let (rows, more) = walk(index, none, &cursor, |(_, key)| {
        touched(1);
        local.get::<T>(&row_key_of::<T>(key))
    })?;
    Ok(RowPage { rows, more, total: local.count(T::NAME) as u64 })
}

/// A page from every row (`rows`), each compared: for a connection whose indexes are not
/// there (one that was just replaced).
pub(crate) fn unindexed<T: OrderedTable>(rows: Vec<T>, cursor: Cursor<'_, T>) -> Result<RowPage<T>, DataError> {
    touched(rows.len());
    let total = rows.len() as u64;
    let mut window =
        Window::new(cursor.limit, |a: &(Place<T::Key>, T), b: &(Place<T::Key>, T)| cursor.directed(&a.0, &b.0));
    for row in rows {
        let place = OrderIndex::place(cursor.order, &row);
        if cursor.is_after_cursor(&place) {
            window.push((place, row));
        }
    }
    let (rows, more) = window.finish();
    Ok(RowPage { rows: rows.into_iter().map(|(_, row)| row).collect(), more, total })
}

/// What queued writes leave over the connection's copy, for one page: the keys they replace
/// there, and the rows they leave after the cursor, in the page's order.
struct Queued<T: OrderedTable> {
    keys: BTreeSet<T::Key>,
    rows: Vec<(Place<T::Key>, T)>,
    /// How many rows they leave (after the cursor or not).
    left: usize,
}

impl<T: OrderedTable> Queued<T> {
    fn of(overlay: &Overlay, cursor: &Cursor<'_, T>) -> Result<Queued<T>, DataError> {
        let Some(queued) = overlay.get(T::NAME) else {
            return Ok(Queued { keys: BTreeSet::new(), rows: Vec::new(), left: 0 });
        };
        let keys = queued.keys().map(|key| key.decode::<T::Key>()).collect::<Result<_, _>>()?;
        let mut rows = Vec::new();
        for row in queued.values().flatten() {
            touched(1);
            let row: T = decode(row)?;
            rows.push((OrderIndex::place(cursor.order, &row), row));
        }
        let left = rows.len();
        rows.retain(|(place, _)| cursor.is_after_cursor(place));
        rows.sort_by(|a, b| cursor.directed(&a.0, &b.0));
        Ok(Queued { keys, rows, left })
    }
}

/// The first `limit` rows after the cursor (and whether more follow): `index`'s places, less
/// the keys `queued` replaces, each row read by `read` (none: not there after all), merged with
/// `queued`'s rows.
fn walk<T: OrderedTable>(
    index: &OrderIndex<T>,
    queued: Queued<T>,
    cursor: &Cursor<'_, T>,
    mut read: impl FnMut(&Place<T::Key>) -> Result<Option<T>, DataError>,
) -> Result<(Vec<T>, bool), DataError> {
    let keep = cursor.limit.min(MAX_PAGE_ROWS) as usize + 1;
    let mut places =
        index.after(cursor.after, cursor.descending).filter(|(_, key)| !queued.keys.contains(key)).peekable();
    let mut queued = queued.rows.into_iter().peekable();
    let mut rows = Vec::new();
    while rows.len() < keep {
        let from_queue = match (places.peek(), queued.peek()) {
            (None, None) => break,
            (Some(place), Some((queued_place, _))) => cursor.directed(queued_place, place).is_lt(),
            (place, _) => place.is_none(),
        };
        if from_queue {
            rows.extend(queued.next().map(|(_, row)| row));
        } else if let Some(place) = places.next() {
            rows.extend(read(place)?);
        }
    }
    let more = rows.len() == keep;
    rows.truncate(keep - 1);
    Ok((rows, more))
}

/// `n` rows were read (converted, looked up or decoded) for a page: what the toolkit's tests
/// count (see `test_hooks::rows_read_by_pages`).
pub(crate) fn touched(n: usize) {
    #[cfg(feature = "test-hooks")]
    crate::test_hooks::PAGE_ROWS_READ.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
    #[cfg(not(feature = "test-hooks"))]
    let _ = n;
}
