//! The widest integers at their limits: 128 and 256 bits.

use heycat::prelude::*;

/// Integers at the edges of their types.
#[heycat_table]
pub struct Extremes {
    #[primary_key]
    pub id: String,
    pub big: u128,
    pub small: i128,
    pub huge: u256,
    pub deep: i256,
    pub wide: u64,
    pub low: i64,
    pub tiny: i8,
    pub byte: u8,
    pub ratio: f64,
}
