//! Defaults of every kind: an insert may leave out each column that has one, and the row gets
//! its default (none of them the type's zero value, so a missing field cannot pass for one).

use heycat::prelude::*;

/// A plain enum, for a default variant.
#[heycat_type]
pub enum Level {
    Low,
    High,
}

/// An enum with values, for a default variant without one.
#[heycat_type]
pub enum Mark {
    Unset,
    Star(u8),
}

/// A column with a default of every kind, and one without.
#[heycat_table]
pub struct Preset {
    #[primary_key]
    pub id: String,
    /// Has no default: an insert gives it.
    pub name: String,
    #[default("untitled")]
    pub title: String,
    #[default(true)]
    pub pinned: bool,
    #[default(7)]
    pub count: u32,
    #[default(-5)]
    pub offset: i64,
    #[default(340282366920938463463374607431768211455)]
    pub big: u128,
    /// An integer for a float column.
    #[default(2)]
    pub ratio: f64,
    #[default(0.5)]
    pub share: f32,
    #[default(None)]
    pub note: Option<String>,
    #[default(Some(3))]
    pub limit: Option<u64>,
    /// Set to nothing, not unset.
    #[default(Some(None))]
    pub twice: Option<Option<u8>>,
    #[default(Level::High)]
    pub level: Level,
    #[default(Some(Level::Low))]
    pub floor: Option<Level>,
    #[default(Mark::Unset)]
    pub mark: Mark,
    #[default(vec![])]
    pub tags: Vec<String>,
    #[default(vec![])]
    pub data: Vec<u8>,
}
