import { useCallback } from "react";

import * as db from "../heycat";

/** How the sync status and the conflicts name the transcription table and its rows (as `useTable` does). */
const TRANSCRIPTION = { table: "transcription", keyField: "id", key: (row: db.Transcription) => JSON.stringify(row.id) };

const oldestFirst = (a: db.Transcription, b: db.Transcription) => db.compareKeys(a.createdAt, b.createdAt);

/**
 * A recording's transcriptions, oldest first, kept current, with their pending and conflict
 * markers: loaded by the recording (`transcription_list_by_recording_id`), not with the whole
 * table, which grows with every dictation.
 */
export function useRecordingTranscriptions(recordingId: string): db.TableState<db.Transcription> {
  const list = useCallback(() => db.transcriptionListByRecordingId(recordingId), [recordingId]);
  const onChanged = useCallback(
    (handler: (change: db.TableChange<db.Transcription>) => void) =>
      db.onTranscriptionChanged((change) => {
        const mine = asSeenBy(recordingId, change);
        if (mine) handler(mine);
      }),
    [recordingId],
  );
  const state = db.useList(list, onChanged, TRANSCRIPTION.key, oldestFirst, db.useDataRevision());
  const markers = db.useRowMarkers(TRANSCRIPTION);
  return { ...state, ...markers, more: false, total: state.rows.length, loadMore: loadNothing, loadingMore: false };
}

const loadNothing = () => {};

/** `change` as the list of a recording's transcriptions sees it (null: not at all). */
function asSeenBy(recordingId: string, change: db.TableChange<db.Transcription>): db.TableChange<db.Transcription> | null {
  const ofRecording = (row: db.Transcription) => row.recordingId === recordingId;
  if (ofRecording(change.row)) return change;
  // One moved to another recording leaves the list.
  return change.kind === "update" && ofRecording(change.oldRow) ? { kind: "delete", row: change.oldRow } : null;
}
