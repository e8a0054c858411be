//! heycat's settings: one typed row (they used to be a JSON key-value store).

use heycat::prelude::*;

/// How the recording hotkey works.
#[heycat_type]
pub enum RecordingMode {
    /// Press once to start, again to stop.
    Toggle,
    /// Record while the hotkey is held.
    PushToTalk,
}

#[heycat_table(singleton)]
pub struct Settings {
    /// `audio.selectedDevice`: the input device; none means the system default.
    #[default(None)]
    pub audio_selected_device: Option<String>,
    /// `shortcuts.distinguishLeftRight`: treat left and right modifier keys as different keys.
    #[default(false)]
    pub shortcuts_distinguish_left_right: bool,
    /// `shortcuts.recordingMode`.
    #[default(RecordingMode::Toggle)]
    pub shortcuts_recording_mode: RecordingMode,
    /// `hotkey.recordingShortcut`.
    #[default("CmdOrCtrl+Shift+Space")]
    pub hotkey_recording_shortcut: String,
    /// How much the app may keep on this device (rows and unsynced changes), in megabytes.
    /// Added in schema version 4.
    #[default(1024)]
    #[storage_quota(megabytes)]
    pub storage_quota_mb: u32,
}
