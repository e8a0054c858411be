import * as db from "../heycat";
import { isPending } from "../hooks/useSync";
import type { TableState } from "../hooks/useTable";
import { CrudView } from "./CrudView";
import type { Field } from "./fields";

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

export function DictionaryView({ table, sync }: { table: TableState<db.DictionaryEntry>; sync: db.SyncStatus | null }) {
  return (
    <CrudView
      pending={(id) => isPending(sync, "dictionary_entry", id)}
      title="Dictionary"
      table={table}
      fields={DICTIONARY_FIELDS}
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

export function VoiceCommandsView({ table, sync }: { table: TableState<db.VoiceCommand>; sync: db.SyncStatus | null }) {
  return (
    <CrudView
      pending={(id) => isPending(sync, "voice_command", id)}
      title="Voice commands"
      table={table}
      fields={VOICE_COMMAND_FIELDS}
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

export function WindowContextsView({ table, sync }: { table: TableState<db.WindowContext>; sync: db.SyncStatus | null }) {
  return (
    <CrudView
      pending={(id) => isPending(sync, "window_context", id)}
      title="Window contexts"
      table={table}
      fields={WINDOW_CONTEXT_FIELDS}
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

/** Recordings, each with its transcriptions (deleting a recording deletes them too). */
export function RecordingsView(props: {
  recordings: TableState<db.Recording>;
  transcriptions: TableState<db.Transcription>;
  sync: db.SyncStatus | null;
}) {
  const { recordings, transcriptions, sync } = props;
  return (
    <CrudView
      pending={(id) => isPending(sync, "recording", id)}
      title="Recordings"
      table={recordings}
      fields={RECORDING_FIELDS}
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
      details={(recording) => (
        <CrudView
          pending={(id) => isPending(sync, "transcription", id)}
          title={`Transcriptions of ${recording.filePath}`}
          table={{ ...transcriptions, rows: transcriptions.rows.filter((t) => t.recordingId === recording.id) }}
          fields={TRANSCRIPTION_FIELDS}
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
      )}
    />
  );
}
