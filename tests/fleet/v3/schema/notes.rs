//! Version 3 of the fleet's schema: only additions SpacetimeDB migrates by itself (a new
//! table, a new index), so devices still at version 2 keep syncing.

use heycat::prelude::*;

/// A note.
#[heycat_table]
pub struct Note {
    #[primary_key]
    pub id: String,
    #[renamed_from("title")]
    pub heading: String,
    pub body: String,
    #[converted_by(widen)]
    pub reads: u64,
    #[default("plain")]
    pub color: String,
}

/// A word on a note.
#[heycat_table(renamed_from = "tag")]
pub struct Label {
    #[primary_key]
    pub id: String,
    /// Indexed in version 3.
    #[index(btree)]
    pub note_id: String,
    pub word: String,
}

/// How notes are shown.
#[heycat_table(singleton)]
pub struct Prefs {
    #[default(false)]
    pub compact: bool,
}

/// New in version 3.
#[heycat_table]
pub struct Reminder {
    #[primary_key]
    pub id: String,
    pub note_id: String,
    pub at: Timestamp,
}
