//! Recordings and their transcriptions. Audio files stay on disk; only metadata is stored.

use heycat::prelude::*;

/// Why a recording stopped.
#[heycat_type]
pub enum StopReason {
    /// The user released or pressed the hotkey.
    User,
    /// The maximum recording length was reached.
    Timeout,
    /// Silence was detected.
    Silence,
    /// The audio device failed or disappeared.
    DeviceError,
}

/// A recording's metadata. The storage view offers to delete the oldest first.
#[heycat_table(cleanup(oldest_first = created_at))]
pub struct Recording {
    /// A uuid.
    #[primary_key]
    pub id: String,
    /// Where the audio file is.
    #[unique]
    pub file_path: String,
    pub duration_secs: f64,
    pub sample_count: u64,
    pub stop_reason: Option<StopReason>,
    pub created_at: Timestamp,
    pub active_window_app_name: Option<String>,
    pub active_window_bundle_id: Option<String>,
    pub active_window_title: Option<String>,
}

/// The text a model produced from a recording. Deleted with its recording.
#[heycat_table]
pub struct Transcription {
    /// A uuid.
    #[primary_key]
    pub id: String,
    #[references(Recording, on_delete = cascade)]
    pub recording_id: String,
    pub text: String,
    /// The detected language, when the model reports one.
    pub language: Option<String>,
    pub model_version: String,
    /// How long the transcription took.
    pub duration_ms: u64,
    pub created_at: Timestamp,
}

/// A correction the user made to a transcription's text. Added in schema version 3.
#[heycat_table]
pub struct Correction {
    /// A uuid.
    #[primary_key]
    pub id: String,
    #[references(Transcription, on_delete = cascade)]
    pub transcription_id: String,
    /// The text as transcribed.
    pub original: String,
    /// The text as the user corrected it.
    pub corrected: String,
    pub created_at: Timestamp,
}
