//! Text expansions: say the trigger, get the expansion typed.

use heycat::prelude::*;

/// A text expansion.
#[heycat_table]
pub struct DictionaryEntry {
    /// A uuid, chosen by the client so entries can be created offline.
    #[primary_key]
    pub id: String,
    /// What the user says.
    #[unique]
    pub trigger: String,
    /// What gets typed instead.
    pub expansion: String,
    /// Text appended after the expansion.
    pub suffix: Option<String>,
    /// Press Enter after typing the expansion.
    pub auto_enter: bool,
    /// Do not append the suffix.
    pub disable_suffix: bool,
    /// Expand only when the whole utterance is the trigger. Added in schema version 2.
    #[default(false)]
    pub complete_match_only: bool,
    pub created_at: Timestamp,
}
