//! Notes: text with a colour and tags, in a notebook.

use heycat::prelude::*;

/// The colour a note is shown in.
#[heycat_type]
pub enum NoteColor {
    Plain,
    Yellow,
    Green,
    Blue,
    Pink,
}

/// A note.
#[heycat_table]
pub struct Note {
    /// A uuid.
    #[primary_key]
    pub id: String,
    /// The notebook it is in; deleting the notebook deletes the note.
    #[references(Notebook, on_delete = cascade)]
    pub notebook_id: String,
    pub title: String,
    pub body: String,
    pub color: NoteColor,
    /// Free-form labels, in the order the user added them.
    pub tags: Vec<String>,
    /// Pinned notes are listed first. Added in schema version 2.
    #[default(false)]
    pub pinned: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
