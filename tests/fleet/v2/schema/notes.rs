//! Version 2 of the fleet's schema: a change SpacetimeDB cannot make by itself (a renamed
//! column, a widened one, a new column with a default, a renamed table), so the data is carried.

use heycat::prelude::*;

/// A note.
#[heycat_table]
pub struct Note {
    #[primary_key]
    pub id: String,
    /// Called `title` in version 1.
    #[renamed_from("title")]
    pub heading: String,
    pub body: String,
    /// How often it was read: a `u32` in version 1.
    #[converted_by(widen)]
    pub reads: u64,
    /// New in version 2.
    #[default("plain")]
    pub color: String,
}

/// A word on a note: the table was `tag` in version 1.
#[heycat_table(renamed_from = "tag")]
pub struct Label {
    #[primary_key]
    pub id: String,
    pub note_id: String,
    pub word: String,
}

/// How notes are shown.
#[heycat_table(singleton)]
pub struct Prefs {
    #[default(false)]
    pub compact: bool,
}
