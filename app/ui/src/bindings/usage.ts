// Calls every generated command wrapper once, with arguments of the right types: `tsc` checks
// this file against the generated bindings, and the tests run each call against a mocked IPC.
import * as db from "../heycat";
import * as sample from "./samples";

/** Strips the row version: what a form that creates a row holds. */
function fresh<Row extends { rowVersion: bigint }>(row: Row): Omit<Row, "rowVersion"> {
  const { rowVersion: _ignored, ...rest } = row;
  void _ignored;
  return rest;
}

/** One call of every generated command wrapper. */
export const everyCommand: ReadonlyArray<() => Promise<unknown>> = [
  () => db.dictionaryEntryList(),
  () => db.dictionaryEntryPage("trigger", false, null, 50),
  () => db.dictionaryEntryGet("d1"),
  () => db.dictionaryEntryInsert(fresh(sample.dictionaryEntry)),
  () => db.dictionaryEntryUpdate(sample.dictionaryEntry),
  () => db.dictionaryEntryDelete("d1"),
  () => db.recordingList(),
  () => db.recordingPage("createdAt", true, sample.recording, 50),
  () => db.recordingGet("r1"),
  () => db.recordingInsert(fresh(sample.recording)),
  () => db.recordingUpdate(sample.recording),
  () => db.recordingDelete("r1"),
  () => db.transcriptionList(),
  () => db.transcriptionPage("id", false, sample.transcription, 50),
  () => db.transcriptionGet("t1"),
  () => db.transcriptionInsert(fresh(sample.transcription)),
  () => db.transcriptionUpdate(sample.transcription),
  () => db.transcriptionDelete("t1"),
  () => db.transcriptionListByRecordingId("r1"),
  () => db.correctionList(),
  () => db.correctionPage("createdAt", false, null, 50),
  () => db.correctionGet("c1"),
  () => db.correctionInsert(fresh(sample.correction)),
  () => db.correctionUpdate(sample.correction),
  () => db.correctionDelete("c1", sample.correction.rowVersion),
  () => db.correctionListByTranscriptionId("t1"),
  () => db.settingsGet(),
  () => db.settingsUpdate(sample.settings),
  () => db.settingsReset(),
  () => db.voiceCommandList(),
  () => db.voiceCommandPage("actionType", true, null, 50),
  () => db.voiceCommandGet("v1"),
  () => db.voiceCommandInsert(fresh(sample.voiceCommand)),
  () => db.voiceCommandUpdate(sample.voiceCommand),
  () => db.voiceCommandDelete("v1"),
  () => db.windowContextList(),
  () => db.windowContextPage("priority", false, sample.windowContext, 50),
  () => db.windowContextGet("w1"),
  () => db.windowContextInsert(fresh(sample.windowContext)),
  () => db.windowContextUpdate(sample.windowContext),
  () => db.windowContextDelete("w1"),
  () => db.conflictList(),
  () => db.conflictResolve(sample.conflict, { choice: "merge", row: { ...sample.dictionaryEntry, expansion: "both" } }),
  () => db.storageCleanupPreview(10, "recording"),
];
