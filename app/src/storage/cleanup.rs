//! Which old recordings to delete to free space, and how much that frees.

use heycat::wire::Wired;
use serde::Serialize;
use spacetimedb_sdk::Table as _;

use super::row_size;
use crate::data::{DataError, Db, Reader};
use crate::schema::{Correction, Recording, Transcription};
use crate::sdk::{CorrectionTableAccess as _, RecordingTableAccess as _, TranscriptionTableAccess as _};

/// Old recordings the user may delete to free space, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CleanupPreview {
    pub recordings: Vec<CleanupItem>,
    /// What deleting them (with their transcriptions and corrections) frees.
    pub freed_bytes: Wired<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CleanupItem {
    pub id: String,
    pub file_path: String,
    pub created_at: Wired<spacetimedb_sdk::Timestamp>,
    #[serde(with = "heycat::wire")]
    pub row_version: u64,
    /// The recording's row with its transcriptions and their corrections.
    pub bytes: Wired<u64>,
}

/// The `count` oldest recordings, with what deleting each frees (its rows and the rows deleting
/// it cascades to).
pub fn cleanup_preview(db: &Db, count: usize) -> Result<CleanupPreview, DataError> {
    let (recordings, transcriptions, corrections): (Vec<Recording>, Vec<Transcription>, Vec<Correction>) =
        match db.reader() {
            Reader::Online(conn) => (
                conn.db.recording().iter().map(Into::into).collect(),
                conn.db.transcription().iter().map(Into::into).collect(),
                conn.db.correction().iter().map(Into::into).collect(),
            ),
            Reader::Offline(state) => {
                let local = Reader::local(&state);
                (local.list()?, local.list()?, local.list()?)
            }
        };
    let mut oldest: Vec<&Recording> = recordings.iter().collect();
    oldest.sort_by_key(|r| r.created_at);
    let items: Vec<CleanupItem> = oldest
        .into_iter()
        .take(count)
        .map(|recording| {
            let mut bytes = row_size(recording);
            for transcription in transcriptions.iter().filter(|t| t.recording_id == recording.id) {
                bytes += row_size(transcription);
                bytes +=
                    corrections.iter().filter(|c| c.transcription_id == transcription.id).map(row_size).sum::<u64>();
            }
            CleanupItem {
                id: recording.id.clone(),
                file_path: recording.file_path.clone(),
                created_at: Wired(recording.created_at),
                row_version: recording.row_version,
                bytes: Wired(bytes),
            }
        })
        .collect();
    let freed = items.iter().map(|i| i.bytes.0).sum();
    Ok(CleanupPreview { recordings: items, freed_bytes: Wired(freed) })
}

/// The current row version of each of these recordings that is still there.
pub fn recording_versions(db: &Db, ids: &[String]) -> Result<Vec<(String, u64)>, DataError> {
    let recordings: Vec<Recording> = match db.reader() {
        Reader::Online(conn) => ids.iter().filter_map(|id| conn.db.recording().id().find(id)).map(Into::into).collect(),
        Reader::Offline(state) => {
            Reader::local(&state).list::<Recording>()?.into_iter().filter(|r| ids.contains(&r.id)).collect()
        }
    };
    Ok(recordings.into_iter().map(|r| (r.id, r.row_version)).collect())
}
