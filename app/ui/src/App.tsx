import { useState } from "react";

import * as db from "./heycat";
import { useStorage } from "./hooks/useStorage";
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

// The order each list is shown in (rows that compare equal keep their key's order).
const byTrigger = (a: { trigger: string }, b: { trigger: string }) => a.trigger.localeCompare(b.trigger);
const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
const byCreation = (a: { createdAt: bigint }, b: { createdAt: bigint }) => db.compareKeys(a.createdAt, b.createdAt);

export function App() {
  const { status, retry } = db.useConnectionStatus();
  const [tab, setTab] = useState<Tab>("Dictionary");
  const sync = db.useSyncStatus();
  // Each (re)connect, and the end of syncing: the tables' hooks load their rows again, the
  // storage figures are measured again.
  const revision = db.useDataRevision();
  const conflicts = db.useConflicts();
  const dictionary = db.useDictionaryEntries({ compare: byTrigger });
  const commands = db.useVoiceCommands({ compare: byTrigger });
  const recordings = db.useRecordings({ compare: byCreation });
  const transcriptions = db.useTranscriptions({ compare: byCreation });
  const contexts = db.useWindowContexts({ compare: byName });
  // The Storage tab's figures follow every change while it is shown.
  const storage = useStorage(revision, tab === "Storage");
  const openStorage = () => setTab("Storage");

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
        {tab === "Dictionary" && <DictionaryView table={dictionary} />}
        {tab === "Voice commands" && <VoiceCommandsView table={commands} />}
        {tab === "Recordings" && <RecordingsView recordings={recordings} transcriptions={transcriptions} />}
        {tab === "Window contexts" && <WindowContextsView table={contexts} />}
        {tab === "Settings" && <SettingsView />}
        {tab === "Storage" && <StorageView storage={storage} />}
      </main>
    </OpenStorage.Provider>
  );
}
