//! Per-window rules: which commands and dictionary entries apply in which application.

use heycat::prelude::*;

/// How a window context's list combines with the global one.
#[heycat_type]
pub enum OverrideMode {
    /// Add the context's entries to the global ones.
    Merge,
    /// Use only the context's entries.
    Replace,
}

#[heycat_table]
pub struct WindowContext {
    /// A uuid.
    #[primary_key]
    pub id: String,
    pub name: String,
    /// The application name the window must belong to.
    pub matcher_app_name: String,
    /// A regular expression the window title must match.
    pub matcher_title_pattern: Option<String>,
    /// The macOS bundle id the window must belong to.
    pub matcher_bundle_id: Option<String>,
    pub command_mode: OverrideMode,
    pub dictionary_mode: OverrideMode,
    /// Ids of the voice commands of this context.
    pub command_ids: Vec<String>,
    /// Ids of the dictionary entries of this context.
    pub dictionary_entry_ids: Vec<String>,
    pub enabled: bool,
    /// Higher wins when several contexts match a window.
    pub priority: i32,
    pub created_at: Timestamp,
}
