//! How the values of a column compare in a table's orders ([`crate::OrderedTable`]): as their
//! [`SortValue`]s, what a table's order indexes keep (`order_index.rs`). The same order the
//! generated TypeScript comparators have (`compareValues` in `runtime.ts`), so a page the
//! runtime answers and rows the frontend orders itself agree.

use std::cmp::Ordering;

use spacetimedb_lib::{ConnectionId, Identity, TimeDuration, Timestamp};
use spacetimedb_sdk::{i256, u256};

/// A value a column order compares: numbers as numbers, text by code point (what `str`'s
/// order is: UTF-8 bytes in order are code points in order), `false` before `true`, `None`
/// before any value, identities as their hex text. Floats in their total order (`-0.0` before
/// `0.0`); NaN and the infinities never cross JSON, so the frontend never meets them.
pub trait OrderedValue {
    /// The value as it is ordered (and as an index keeps it).
    fn sort_value(&self) -> SortValue;
}

/// A column's value, owned and ordered as [`OrderedValue`] says (a column's values are all of
/// one variant, or `None`, which comes first). The integers of one sign kind share a variant,
/// times are their microseconds, identities their numbers, plain enums their variant's index.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortValue {
    /// An option's none, or (the key's order) no column at all.
    None,
    Bool(bool),
    Unsigned(u128),
    Signed(i128),
    // Boxed: the rare wide integers would make every value (an index keeps one a row) half
    // as large again.
    U256(Box<u256>),
    I256(Box<i256>),
    Float(TotalF64),
    Text(String),
}

/// A float in its total order (`-0.0` before `0.0`); an `f32` widened (exactly) to it.
#[derive(Clone, Copy, Debug)]
pub struct TotalF64(pub f64);

impl Ord for TotalF64 {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

impl PartialOrd for TotalF64 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for TotalF64 {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for TotalF64 {}

macro_rules! sort_values {
    ($($ty:ty => |$v:ident| $sort:expr),* $(,)?) => {
        $(impl OrderedValue for $ty {
            fn sort_value(&self) -> SortValue {
                let $v = self;
                $sort
            }
        })*
    };
}

// Identities too: in their numeric order, which their (fixed-width, lowercase) hex text has.
sort_values!(
    bool => |v| SortValue::Bool(*v),
    u8 => |v| SortValue::Unsigned((*v).into()),
    u16 => |v| SortValue::Unsigned((*v).into()),
    u32 => |v| SortValue::Unsigned((*v).into()),
    u64 => |v| SortValue::Unsigned((*v).into()),
    u128 => |v| SortValue::Unsigned(*v),
    u256 => |v| SortValue::U256(Box::new(*v)),
    i8 => |v| SortValue::Signed((*v).into()),
    i16 => |v| SortValue::Signed((*v).into()),
    i32 => |v| SortValue::Signed((*v).into()),
    i64 => |v| SortValue::Signed((*v).into()),
    i128 => |v| SortValue::Signed(*v),
    i256 => |v| SortValue::I256(Box::new(*v)),
    String => |v| SortValue::Text(v.clone()),
    Timestamp => |v| SortValue::Signed(v.to_micros_since_unix_epoch().into()),
    TimeDuration => |v| SortValue::Signed(v.to_micros().into()),
    Identity => |v| SortValue::U256(Box::new(v.to_u256())),
    ConnectionId => |v| SortValue::Unsigned(v.to_u128()),
);

impl OrderedValue for f32 {
    fn sort_value(&self) -> SortValue {
        SortValue::Float(TotalF64((*self).into()))
    }
}

impl OrderedValue for f64 {
    fn sort_value(&self) -> SortValue {
        SortValue::Float(TotalF64(*self))
    }
}

impl<T: OrderedValue> OrderedValue for Option<T> {
    fn sort_value(&self) -> SortValue {
        self.as_ref().map_or(SortValue::None, OrderedValue::sort_value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sort_value_is_four_words() {
        assert_eq!(std::mem::size_of::<SortValue>(), 32);
    }

    fn sorted<T: OrderedValue>(mut values: Vec<T>) -> Vec<T> {
        values.sort_by_cached_key(OrderedValue::sort_value);
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
        assert_eq!(sorted(vec![i128::MAX, -1, i128::MIN, 0]), [i128::MIN, -1, 0, i128::MAX]);
        assert_eq!(sorted(vec![u128::MAX, 1, 0]), [0, 1, u128::MAX]);
        assert_eq!(sorted(vec![Some(3u8), None, Some(0)]), [None, Some(0), Some(3)]);
        let big = [u256::MAX, u256::ONE, u256::ZERO];
        assert_eq!(sorted(big.to_vec()), [u256::ZERO, u256::ONE, u256::MAX]);
        let signed = [i256::MAX, i256::MINUS_ONE, i256::MIN];
        assert_eq!(sorted(signed.to_vec()), [i256::MIN, i256::MINUS_ONE, i256::MAX]);
        let times = [5, -3, i64::MIN, 0].map(Timestamp::from_micros_since_unix_epoch);
        assert_eq!(sorted(times.to_vec()), [i64::MIN, -3, 0, 5].map(Timestamp::from_micros_since_unix_epoch));
        let durations = [7, -7].map(TimeDuration::from_micros);
        assert_eq!(sorted(durations.to_vec()), [-7, 7].map(TimeDuration::from_micros));
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
        let narrow = sorted(vec![1.5f32, 0.0, -0.0, f32::MIN, f32::MAX]);
        let bits = |floats: &[f32]| floats.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&narrow), bits(&[f32::MIN, -0.0, 0.0, 1.5, f32::MAX]));
    }
}
