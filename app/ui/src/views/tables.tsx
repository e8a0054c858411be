import { useState } from "react";

import * as db from "../heycat";
import { useRecordingTranscriptions } from "../hooks/useRecordingTranscriptions";
import { CrudView } from "./CrudView";
import type { Field } from "./fields";
import type { FormWords } from "./wording";

const now = () => db.timestampFromDate(new Date());
const newId = () => crypto.randomUUID();

const DICTIONARY_FIELDS: Field[] = [
  { name: "trigger", label: "Trigger", kind: "text" },
  { name: "expansion", label: "Expansion", kind: "text" },
  { name: "suffix", label: "Suffix", kind: "optionalText" },
  { name: "autoEnter", label: "Auto enter", kind: "bool" },
  { name: "disableSuffix", label: "No suffix", kind: "bool" },
  { name: "completeMatchOnly", label: "Whole utterance only", kind: "bool" },
];

export function DictionaryView({ table }: { table: db.TableState<db.DictionaryEntry> }) {
  return (
    <CrudView
      title="Dictionary"
      words={FORM_WORDS.dictionary_entry}
      table={table}
      fresh={() => ({
        id: newId(),
        trigger: "",
        expansion: "",
        suffix: null,
        autoEnter: false,
        disableSuffix: false,
        completeMatchOnly: false,
        createdAt: now(),
      })}
      insert={db.dictionaryEntryInsert}
      update={db.dictionaryEntryUpdate}
      remove={db.dictionaryEntryDelete}
    />
  );
}

const VOICE_COMMAND_FIELDS: Field[] = [
  { name: "trigger", label: "Trigger", kind: "text" },
  { name: "actionType", label: "Action", kind: "choice", options: db.ACTION_TYPE_VALUES },
  { name: "parameters", label: "Parameters", kind: "params" },
  { name: "enabled", label: "Enabled", kind: "bool" },
];

export function VoiceCommandsView({ table }: { table: db.TableState<db.VoiceCommand> }) {
  return (
    <CrudView
      title="Voice commands"
      words={FORM_WORDS.voice_command}
      table={table}
      fresh={() => ({ id: newId(), trigger: "", actionType: "OpenApp" as db.ActionType, parameters: [], enabled: true, createdAt: now() })}
      insert={db.voiceCommandInsert}
      update={db.voiceCommandUpdate}
      remove={db.voiceCommandDelete}
    />
  );
}

const WINDOW_CONTEXT_FIELDS: Field[] = [
  { name: "name", label: "Name", kind: "text" },
  { name: "matcherAppName", label: "App name", kind: "text" },
  { name: "matcherTitlePattern", label: "Title pattern", kind: "optionalText" },
  { name: "matcherBundleId", label: "Bundle id", kind: "optionalText" },
  { name: "commandMode", label: "Commands", kind: "choice", options: db.OVERRIDE_MODE_VALUES },
  { name: "dictionaryMode", label: "Dictionary", kind: "choice", options: db.OVERRIDE_MODE_VALUES },
  { name: "commandIds", label: "Command ids", kind: "list" },
  { name: "dictionaryEntryIds", label: "Dictionary entry ids", kind: "list" },
  { name: "priority", label: "Priority", kind: "number" },
  { name: "enabled", label: "Enabled", kind: "bool" },
];

export function WindowContextsView({ table }: { table: db.TableState<db.WindowContext> }) {
  return (
    <CrudView
      title="Window contexts"
      words={FORM_WORDS.window_context}
      table={table}
      fresh={() => ({
        id: newId(),
        name: "",
        matcherAppName: "",
        matcherTitlePattern: null,
        matcherBundleId: null,
        commandMode: "Merge" as db.OverrideMode,
        dictionaryMode: "Merge" as db.OverrideMode,
        commandIds: [],
        dictionaryEntryIds: [],
        enabled: true,
        priority: 0,
        createdAt: now(),
      })}
      insert={db.windowContextInsert}
      update={db.windowContextUpdate}
      remove={db.windowContextDelete}
    />
  );
}

const RECORDING_FIELDS: Field[] = [
  { name: "filePath", label: "File", kind: "text" },
  { name: "durationSecs", label: "Seconds", kind: "number" },
  { name: "sampleCount", label: "Samples", kind: "bigint" },
  { name: "stopReason", label: "Stopped by", kind: "optionalChoice", options: db.STOP_REASON_VALUES },
  { name: "activeWindowAppName", label: "App", kind: "optionalText" },
  { name: "activeWindowTitle", label: "Window title", kind: "optionalText" },
];

const TRANSCRIPTION_FIELDS: Field[] = [
  { name: "text", label: "Text", kind: "text" },
  { name: "language", label: "Language", kind: "optionalText" },
  { name: "modelVersion", label: "Model", kind: "text" },
  { name: "durationMs", label: "Took (ms)", kind: "bigint" },
];

/** Recordings, newest first, each with its transcriptions (deleting a recording deletes them too). */
export function RecordingsView({ recordings }: { recordings: db.TableState<db.Recording> }) {
  return (
    <CrudView
      title="Recordings"
      words={FORM_WORDS.recording}
      table={recordings}
      fresh={() => ({
        id: newId(),
        filePath: "",
        durationSecs: 0,
        sampleCount: 0n,
        stopReason: null,
        createdAt: now(),
        activeWindowAppName: null,
        activeWindowBundleId: null,
        activeWindowTitle: null,
      })}
      insert={db.recordingInsert}
      update={db.recordingUpdate}
      remove={db.recordingDelete}
      details={(recording) => <RecordingTranscriptions recording={recording} />}
    />
  );
}

/** A recording's transcriptions, loaded only when a person opens them: a long list of recordings asks for none. */
function RecordingTranscriptions({ recording }: { recording: db.Recording }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? "Hide transcriptions" : "Show transcriptions"}
      </button>
      {open && <TranscriptionsView recording={recording} />}
    </>
  );
}

function TranscriptionsView({ recording }: { recording: db.Recording }) {
  const transcriptions = useRecordingTranscriptions(recording.id);
  return (
    <CrudView
      title={`Transcriptions of ${recording.filePath}`}
      words={FORM_WORDS.transcription}
      table={transcriptions}
      fresh={() => ({
        id: newId(),
        recordingId: recording.id,
        text: "",
        language: null,
        modelVersion: "",
        durationMs: 0n,
        createdAt: now(),
      })}
      insert={db.transcriptionInsert}
      update={db.transcriptionUpdate}
      remove={db.transcriptionDelete}
    />
  );
}

/**
 * How each table's form speaks of its rows: what one is called and its fields' labels, for the
 * forms and for refusals shown away from them (writes refused when they were synced).
 */
export const FORM_WORDS: Record<string, FormWords> = {
  dictionary_entry: { noun: "entry", fields: DICTIONARY_FIELDS },
  voice_command: { noun: "command", fields: VOICE_COMMAND_FIELDS },
  window_context: { noun: "window context", fields: WINDOW_CONTEXT_FIELDS },
  recording: { noun: "recording", fields: RECORDING_FIELDS },
  transcription: { noun: "transcription", fields: TRANSCRIPTION_FIELDS },
};
