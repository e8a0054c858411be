//! How the values of a column compare in a table's orders ([`crate::OrderedTable`]): the same
//! order the generated TypeScript comparators have (`compareValues` in `runtime.ts`), so a
//! page the runtime answers and rows the frontend orders itself agree.

use std::cmp::Ordering;

use spacetimedb_lib::{ConnectionId, Identity, TimeDuration, Timestamp};
use spacetimedb_sdk::{i256, u256};

/// A value a column order compares: numbers as numbers, text by code point (what `str`'s
/// order is: UTF-8 bytes in order are code points in order), `false` before `true`, `None`
/// before any value, identities as their hex text. Floats in their total order (`-0.0` before
/// `0.0`); NaN and the infinities never cross JSON, so the frontend never meets them.
pub trait OrderedValue {
    fn compare(&self, other: &Self) -> Ordering;
}

macro_rules! ordered_by_ord {
    ($($ty:ty),* $(,)?) => {
        $(impl OrderedValue for $ty {
            fn compare(&self, other: &Self) -> Ordering {
                self.cmp(other)
            }
        })*
    };
}

// Identities too: in their numeric order, which their (fixed-width, lowercase) hex text has.
ordered_by_ord!(
    bool,
    u8,
    u16,
    u32,
    u64,
    u128,
    u256,
    i8,
    i16,
    i32,
    i64,
    i128,
    i256,
    String,
    Timestamp,
    TimeDuration,
    Identity,
    ConnectionId,
);

impl OrderedValue for f32 {
    fn compare(&self, other: &Self) -> Ordering {
        self.total_cmp(other)
    }
}

impl OrderedValue for f64 {
    fn compare(&self, other: &Self) -> Ordering {
        self.total_cmp(other)
    }
}

impl<T: OrderedValue> OrderedValue for Option<T> {
    fn compare(&self, other: &Self) -> Ordering {
        match (self, other) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(a), Some(b)) => a.compare(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted<T: OrderedValue>(mut values: Vec<T>) -> Vec<T> {
        values.sort_by(OrderedValue::compare);
        values
    }

    #[test]
    fn text_is_in_code_point_order_numbers_in_numeric_order_and_none_first() {
        let text = ["b", "é", "B", "a", "\u{1F600}", "\u{FF5E}", "", "ab"].map(String::from).to_vec();
        assert_eq!(sorted(text), ["", "B", "a", "ab", "b", "é", "\u{FF5E}", "\u{1F600}"]);
        assert_eq!(sorted(vec![10u64, 9, u64::MAX, 0]), [0, 9, 10, u64::MAX]);
        assert_eq!(sorted(vec![-1i64, i64::MIN, 3]), [i64::MIN, -1, 3]);
        assert_eq!(sorted(vec![Some(2), None, Some(-1)]), [None, Some(-1), Some(2)]);
        assert_eq!(sorted(vec![true, false]), [false, true]);
    }

    #[test]
    fn identities_are_in_the_order_of_their_hex_text() {
        let ids = [1u128, 255, 256, 1 << 100].map(ConnectionId::from_u128);
        let hex = |ids: &[ConnectionId]| ids.iter().map(|id| id.to_hex().to_string()).collect::<Vec<_>>();
        let mut by_text = hex(&ids);
        by_text.sort();
        assert_eq!(hex(&sorted(ids.to_vec())), by_text);
        let ids = [u256::from(256u32), u256::ONE, u256::MAX, u256::ZERO].map(Identity::from_u256);
        let hex = |ids: &[Identity]| ids.iter().map(|id| id.to_hex().to_string()).collect::<Vec<_>>();
        let mut by_text = hex(&ids);
        by_text.sort();
        assert_eq!(hex(&sorted(ids.to_vec())), by_text);
    }

    #[test]
    fn floats_are_in_their_total_order() {
        let bits = |floats: &[f64]| floats.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        let floats = sorted(vec![1.5f64, 0.0, -0.0, -2.0, 1e300]);
        assert_eq!(bits(&floats), bits(&[-2.0, -0.0, 0.0, 1.5, 1e300]), "-0 before 0, not equal to it");
    }
}
