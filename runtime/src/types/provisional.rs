//! Provisional keys: a row of a table whose key the module gives (`#[auto_inc]`) is written
//! under one until the module gave it its own. They count down from the key type's largest
//! value, far from the keys a sequence gives (which count up from 1).

/// How many keys below its type's largest value are provisional.
pub const PROVISIONAL_KEYS: u64 = 1 << 32;

/// An integer type a key the module gives may have.
pub trait ProvisionalKey: Sized {
    /// The `n`th provisional key.
    fn provisional(n: u64) -> Self;
    /// Which provisional key this is, if it is one.
    fn provisional_number(&self) -> Option<u64>;
}

macro_rules! provisional_key {
    ($($t:ty),*) => {$(
        impl ProvisionalKey for $t {
            fn provisional(n: u64) -> Self {
                // Types narrower than the count of provisional keys wrap into their own range.
                <$t>::MAX.wrapping_sub(<$t>::try_from(n).unwrap_or(<$t>::MAX))
            }

            fn provisional_number(&self) -> Option<u64> {
                let below_max = u64::try_from(<$t>::MAX.checked_sub(*self)?).ok()?;
                (below_max < PROVISIONAL_KEYS).then_some(below_max)
            }
        }
    )*};
}
provisional_key!(u8, u16, u32, u64, u128, i8, i16, i32, i64, i128);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provisional_keys_count_down_from_the_largest_value_and_are_told_apart() {
        assert_eq!((u64::provisional(0), u64::provisional(1)), (u64::MAX, u64::MAX - 1));
        assert_eq!(u64::provisional(7).provisional_number(), Some(7));
        assert_eq!(1u64.provisional_number(), None, "a key a sequence gives");
        assert_eq!(i64::provisional(2), i64::MAX - 2);
        assert_eq!((-5i64).provisional_number(), None);
        assert_eq!(u128::provisional(3).provisional_number(), Some(3));
    }
}
