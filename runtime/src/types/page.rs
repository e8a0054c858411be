//! Windowed reads: a page of a table's rows in one of its orders ([`RowPage`]), and how the
//! first rows of a stream in an order are picked without sorting the stream ([`Window`]).

use std::cmp::Ordering;

pub use heycat_contract::commands::MAX_PAGE_ROWS;

/// Some rows of a table in one of its orders; crosses as
/// `{ "rows": [...], "more": true, "total": 50000 }`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RowPage<Row> {
    /// The rows after the cursor, in the order asked for.
    pub rows: Vec<Row>,
    /// Whether more rows follow these.
    pub more: bool,
    /// How many rows the table has (not only those after the cursor).
    pub total: u64,
}

/// The first `limit` rows (and whether more follow them) of rows pushed one at a time, in
/// `order`, holding at most about twice as many: whenever twice the rows needed are held, the
/// ones needed are picked out (`select_nth_unstable_by`, linear) and the rest dropped. Linear in
/// the rows pushed, where sorting them all would be `n log n`.
pub(crate) struct Window<T, F> {
    /// The rows kept: the limit and one more, to tell whether more follow.
    keep: usize,
    held: Vec<T>,
    order: F,
}

impl<T, F: Fn(&T, &T) -> Ordering> Window<T, F> {
    /// A window of `limit` rows (at most [`MAX_PAGE_ROWS`]) in `order`, which must be total
    /// (ties broken) for the page to be exact.
    pub(crate) fn new(limit: u32, order: F) -> Self {
        let limit = limit.min(MAX_PAGE_ROWS) as usize;
        Window { keep: limit + 1, held: Vec::new(), order }
    }

    pub(crate) fn push(&mut self, row: T) {
        self.held.push(row);
        if self.held.len() >= 2 * self.keep {
            self.drop_beyond_keep();
        }
    }

    /// The rows in order, and whether more followed them.
    pub(crate) fn finish(mut self) -> (Vec<T>, bool) {
        self.drop_beyond_keep();
        self.held.sort_unstable_by(&self.order);
        let more = self.held.len() == self.keep;
        self.held.truncate(self.keep - 1);
        (self.held, more)
    }

    fn drop_beyond_keep(&mut self) {
        if self.held.len() > self.keep {
            self.held.select_nth_unstable_by(self.keep - 1, &self.order);
            self.held.truncate(self.keep);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(rows: impl IntoIterator<Item = u32>, limit: u32) -> (Vec<u32>, bool) {
        let mut window = Window::new(limit, u32::cmp);
        rows.into_iter().for_each(|row| window.push(row));
        window.finish()
    }

    #[test]
    fn a_window_holds_the_first_rows_in_order_and_says_whether_more_follow() {
        let shuffled: Vec<u32> = (0..1000).map(|i| (i * 617) % 1000).collect();
        assert_eq!(window(shuffled.clone(), 7), ((0..7).collect(), true));
        assert_eq!(window(shuffled.clone(), 999), ((0..999).collect(), true));
        assert_eq!(window(shuffled.clone(), 1000), ((0..1000).collect(), false));
        assert_eq!(window(shuffled.clone(), 5000), ((0..1000).collect(), false));
        assert_eq!(window(shuffled, 0), (vec![], true), "no rows asked for, but some there");
        assert_eq!(window([], 0), (vec![], false));
        assert_eq!(window([3, 1, 2], 3), (vec![1, 2, 3], false));
    }

    #[test]
    fn a_window_never_holds_more_than_the_cap() {
        let (rows, more) = window((0..MAX_PAGE_ROWS + 5).rev(), u32::MAX);
        assert_eq!((rows.len(), rows[0], more), (MAX_PAGE_ROWS as usize, 0, true));
    }
}
