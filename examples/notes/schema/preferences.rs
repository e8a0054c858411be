//! The user's preferences: one row.

use heycat::prelude::*;

/// How the note list is sorted.
#[heycat_type]
pub enum NoteOrder {
    /// Most recently changed first.
    Updated,
    /// Most recently created first.
    Created,
    /// By title, A to Z.
    Title,
}

#[heycat_table(singleton)]
pub struct Preferences {
    /// The notebook new notes go to; none means the first one.
    #[default(None)]
    pub default_notebook_id: Option<String>,
    #[default(NoteOrder::Updated)]
    pub note_order: NoteOrder,
    /// Show the first lines of each note in the list.
    #[default(true)]
    pub show_previews: bool,
    /// How much the app may keep on this device (rows and unsynced changes), in megabytes.
    #[default(512)]
    #[storage_quota(megabytes)]
    pub storage_quota_mb: u32,
}
