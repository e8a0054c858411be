//! Version 1 of the fleet's schema: notes, their tags, and a preference.

use heycat::prelude::*;

/// A note.
#[heycat_table]
pub struct Note {
    #[primary_key]
    pub id: String,
    pub title: String,
    pub body: String,
    /// How often it was read.
    pub reads: u32,
}

/// A word on a note.
#[heycat_table]
pub struct Tag {
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
