//! Attachments: files added to a note. The files stay on disk; only their metadata is stored.

use heycat::prelude::*;

/// What an attachment holds.
#[heycat_type]
pub enum AttachmentKind {
    Image,
    Audio,
    Pdf,
    Other,
}

/// A file attached to a note. The storage view offers to delete the oldest first.
#[heycat_table(cleanup(oldest_first = created_at))]
pub struct Attachment {
    /// A uuid.
    #[primary_key]
    pub id: String,
    /// The note it belongs to; deleting the note deletes the attachment.
    #[references(Note, on_delete = cascade)]
    pub note_id: String,
    /// The file's name as the user sees it. Called `name` before schema version 2.
    #[renamed_from("name")]
    pub file_name: String,
    pub kind: AttachmentKind,
    /// Where the file is on disk.
    pub path: String,
    pub size_bytes: u64,
    pub created_at: Timestamp,
}
