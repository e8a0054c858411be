import { useState } from "react";

import * as db from "./heycat";
import { useConnection } from "./hooks/useConnection";
import { useStorage } from "./hooks/useStorage";
import { useConflicts, useSync } from "./hooks/useSync";
import { useTable } from "./hooks/useTable";
import { ConflictsView } from "./views/ConflictsView";
import { MigrationBanner } from "./views/MigrationBanner";
import { SettingsView } from "./views/SettingsView";
import { OpenStorage } from "./views/openStorage";
import { StatusBanner } from "./views/StatusBanner";
import { StorageBanner } from "./views/StorageBanner";
import { StorageView } from "./views/StorageView";
import { SyncBanner } from "./views/SyncBanner";
import { DictionaryView, RecordingsView, VoiceCommandsView, WindowContextsView } from "./views/tables";

const TABS = ["Dictionary", "Voice commands", "Recordings", "Window contexts", "Settings", "Storage"] as const;
type Tab = (typeof TABS)[number];

const byId = (row: { id: string }) => row.id;

export function App() {
  const { status, retry } = useConnection();
  const [tab, setTab] = useState<Tab>("Dictionary");
  const sync = useSync();
  // Every (re)connect, and the end of syncing, reloads the tables: what the server holds may
  // differ from what this device showed meanwhile.
  const synced = sync !== null && sync.pending === 0;
  const revision = status?.state === "connected" ? `${status.server}:${synced}` : null;
  const conflicts = useConflicts(revision);
  const dictionary = useTable(db.dictionaryEntryList, db.onDictionaryEntryChanged, byId, revision);
  const commands = useTable(db.voiceCommandList, db.onVoiceCommandChanged, byId, revision);
  const recordings = useTable(db.recordingList, db.onRecordingChanged, byId, revision);
  const transcriptions = useTable(db.transcriptionList, db.onTranscriptionChanged, byId, revision);
  const contexts = useTable(db.windowContextList, db.onWindowContextChanged, byId, revision);
  const storage = useStorage(revision);
  const openStorage = () => {
    setTab("Storage");
    void storage.refresh();
  };

  return (
    <OpenStorage.Provider value={openStorage}>
      <main>
        <header>
          <h1>heycat data</h1>
          <StatusBanner status={status} onRetry={() => void retry()} />
          <MigrationBanner />
          <SyncBanner status={sync} />
          <StorageBanner usage={storage.usage} onOpen={openStorage} />
          <nav>
            {TABS.map((t) => (
              <button key={t} type="button" aria-pressed={t === tab} onClick={() => setTab(t)}>
                {t}
              </button>
            ))}
          </nav>
        </header>
        <ConflictsView conflicts={conflicts} />
        {tab === "Dictionary" && <DictionaryView table={dictionary} sync={sync} />}
        {tab === "Voice commands" && <VoiceCommandsView table={commands} sync={sync} />}
        {tab === "Recordings" && <RecordingsView recordings={recordings} transcriptions={transcriptions} sync={sync} />}
        {tab === "Window contexts" && <WindowContextsView table={contexts} sync={sync} />}
        {tab === "Settings" && <SettingsView revision={revision} />}
        {tab === "Storage" && <StorageView storage={storage} />}
      </main>
    </OpenStorage.Provider>
  );
}
