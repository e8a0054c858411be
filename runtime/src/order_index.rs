//! Ordered indexes of a table's rows, one per order a page was asked in: each row's place in
//! the order, as `(its column's SortValue, its key)`, without the row. Built on the first page
//! in an order (one pass over the rows), then kept current with each change: online from the
//! connection's row callbacks, offline from the local copy's writes. A page then walks its
//! index from the cursor and reads only the rows it answers (see `pages.rs`).

use std::any::Any;
use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use crate::schema::live::Live;
use crate::schema::table::OrderedTable;
use crate::types::order::SortValue;

/// A row's place in an order: its column's value, then its key; places compare as the rows do
/// in that order (see `OrderedTable::sort_value`).
pub(crate) type Place<K> = (SortValue, K);

/// One table's index in one order.
pub(crate) struct OrderIndex<T: OrderedTable> {
    order: T::Order,
    places: BTreeSet<Place<T::Key>>,
}

impl<T: OrderedTable> OrderIndex<T> {
    /// The place of `row` in `order`.
    pub(crate) fn place(order: T::Order, row: &T) -> Place<T::Key> {
        (T::sort_value(order, row), row.key())
    }

    /// The places after `after` (none: from the first), in the order or (`descending`) its
    /// reverse.
    pub(crate) fn after<'a>(
        &'a self,
        after: Option<&Place<T::Key>>,
        descending: bool,
    ) -> Box<dyn Iterator<Item = &'a Place<T::Key>> + 'a> {
        match (after, descending) {
            (None, false) => Box::new(self.places.iter()),
            (None, true) => Box::new(self.places.iter().rev()),
            (Some(after), false) => Box::new(self.places.range((Bound::Excluded(after), Bound::Unbounded))),
            (Some(after), true) => Box::new(self.places.range((Bound::Unbounded, Bound::Excluded(after))).rev()),
        }
    }

    fn changed(&mut self, before: Option<&T>, after: Option<&T>) {
        if let Some(before) = before {
            self.places.remove(&Self::place(self.order, before));
        }
        if let Some(after) = after {
            self.places.insert(Self::place(self.order, after));
        }
    }
}

/// A table's indexes, one per order asked for.
struct TableIndexes<T: OrderedTable>(Vec<OrderIndex<T>>);

/// A table's indexes, whatever its row type: what keeps them current knows only the table.
trait AnyIndexes: Send {
    fn as_any(&mut self) -> &mut dyn Any;
    /// A row changed from `before` to `after` (each a `&T`; none: it was not there, or went).
    fn changed(&mut self, before: Option<&dyn Any>, after: Option<&dyn Any>);
    /// The same, with the rows as their JSON text; `false` when one cannot be read.
    fn changed_json(&mut self, before: Option<&str>, after: Option<&str>) -> bool;
}

impl<T: OrderedTable> AnyIndexes for TableIndexes<T> {
    fn as_any(&mut self) -> &mut dyn Any {
        self
    }

    fn changed(&mut self, before: Option<&dyn Any>, after: Option<&dyn Any>) {
        let (before, after) = (before.and_then(|r| r.downcast_ref::<T>()), after.and_then(|r| r.downcast_ref::<T>()));
        self.0.iter_mut().for_each(|index| index.changed(before, after));
    }

    fn changed_json(&mut self, before: Option<&str>, after: Option<&str>) -> bool {
        let decode = |text: Option<&str>| text.map(serde_json::from_str::<T>).transpose();
        let (Ok(before), Ok(after)) = (decode(before), decode(after)) else { return false };
        self.0.iter_mut().for_each(|index| index.changed(before.as_ref(), after.as_ref()));
        true
    }
}

/// The indexes of a set of rows (a connection's copy, or the local copy), by table.
#[derive(Default)]
pub(crate) struct Indexes(HashMap<String, Box<dyn AnyIndexes>>);

impl Indexes {
    /// `T`'s index in `order`, built from `rows` (called only when there is none yet).
    pub(crate) fn get_or_build<T: OrderedTable, I: IntoIterator<Item = T>>(
        &mut self,
        order: T::Order,
        rows: impl FnOnce() -> Result<I, crate::types::error::DataError>,
    ) -> Result<&OrderIndex<T>, crate::types::error::DataError> {
        let table = self.0.entry(T::NAME.to_owned()).or_insert_with(|| Box::new(TableIndexes::<T>(Vec::new())));
        let Some(TableIndexes(indexes)) = table.as_any().downcast_mut::<TableIndexes<T>>() else {
            return Err(crate::types::error::DataError::internal(format!(
                "{} is indexed as another row type",
                T::NAME
            )));
        };
        let at = match indexes.iter().position(|index| index.order == order) {
            Some(at) => at,
            None => {
                let places = rows()?.into_iter().map(|row| OrderIndex::place(order, &row)).collect();
                indexes.push(OrderIndex { order, places });
                indexes.len() - 1
            }
        };
        Ok(&indexes[at])
    }

    /// A row of `table` changed (see [`AnyIndexes::changed`]).
    pub(crate) fn changed<T: 'static>(&mut self, table: &str, before: Option<&T>, after: Option<&T>) {
        if let Some(indexes) = self.0.get_mut(table) {
            indexes.changed(before.map(|r| r as &dyn Any), after.map(|r| r as &dyn Any));
        }
    }

    /// A row of `table` changed, as its JSON text. A row that cannot be read drops the table's
    /// indexes: the next page builds them again (and says what it cannot read).
    pub(crate) fn changed_json(&mut self, table: &str, before: Option<&str>, after: Option<&str>) {
        if let Some(indexes) = self.0.get_mut(table) {
            if !indexes.changed_json(before, after) {
                self.0.remove(table);
            }
        }
    }
}

/// A connection's indexes: kept current by its row callbacks (see `TableWatch`), read by the
/// pages that read its copy.
#[derive(Default)]
pub(crate) struct ConnectionIndexes {
    /// The connection whose rows these are (its address), once built.
    of: OnceLock<usize>,
    indexes: Mutex<Indexes>,
}

impl ConnectionIndexes {
    /// These are `connection`'s indexes from now on.
    pub(crate) fn bind(&self, connection: &Arc<dyn Live>) {
        let _ = self.of.set(address(connection));
    }

    /// The indexes, when they are `connection`'s (a page may read a connection that was just
    /// replaced).
    pub(crate) fn of(&self, connection: &Arc<dyn Live>) -> Option<MutexGuard<'_, Indexes>> {
        (self.of.get() == Some(&address(connection))).then(|| self.lock())
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Indexes> {
        self.indexes.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn address(connection: &Arc<dyn Live>) -> usize {
    Arc::as_ptr(connection).cast::<()>() as usize
}
