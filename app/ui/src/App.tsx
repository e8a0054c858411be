import { useState } from "react";

import * as db from "@heycat/bindings";
import { useConnection } from "./hooks/useConnection";
import { useTable } from "./hooks/useTable";
import { SettingsView } from "./views/SettingsView";
import { StatusBanner } from "./views/StatusBanner";
import { DictionaryView, RecordingsView, VoiceCommandsView, WindowContextsView } from "./views/tables";

const TABS = ["Dictionary", "Voice commands", "Recordings", "Window contexts", "Settings"] as const;
type Tab = (typeof TABS)[number];

const byId = (row: { id: string }) => row.id;

export function App() {
  const { status, retry } = useConnection();
  const [tab, setTab] = useState<Tab>("Dictionary");
  // Every (re)connect reloads the tables: the local copy may have changed while offline.
  const revision = status?.state === "connected" ? status.server : null;
  const dictionary = useTable(db.dictionaryEntryList, db.onDictionaryEntryChanged, byId, revision);
  const commands = useTable(db.voiceCommandList, db.onVoiceCommandChanged, byId, revision);
  const recordings = useTable(db.recordingList, db.onRecordingChanged, byId, revision);
  const transcriptions = useTable(db.transcriptionList, db.onTranscriptionChanged, byId, revision);
  const contexts = useTable(db.windowContextList, db.onWindowContextChanged, byId, revision);

  return (
    <main>
      <header>
        <h1>heycat data</h1>
        <StatusBanner status={status} onRetry={() => void retry()} />
        <nav>
          {TABS.map((t) => (
            <button key={t} type="button" aria-pressed={t === tab} onClick={() => setTab(t)}>
              {t}
            </button>
          ))}
        </nav>
      </header>
      {tab === "Dictionary" && <DictionaryView table={dictionary} />}
      {tab === "Voice commands" && <VoiceCommandsView table={commands} />}
      {tab === "Recordings" && <RecordingsView recordings={recordings} transcriptions={transcriptions} />}
      {tab === "Window contexts" && <WindowContextsView table={contexts} />}
      {tab === "Settings" && <SettingsView revision={revision} />}
    </main>
  );
}
