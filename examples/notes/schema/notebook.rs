//! Notebooks: the named groups notes live in.

use heycat::prelude::*;

/// A notebook. Deleting it deletes its notes (and their attachments).
#[heycat_table]
pub struct Notebook {
    /// A uuid, chosen by the client so notebooks can be created offline.
    #[primary_key]
    pub id: String,
    /// Shown in the sidebar; two notebooks cannot share a name.
    #[unique]
    pub name: String,
    pub created_at: Timestamp,
}
